// Test kit for the detector: vitals, a seeded PRNG, and helpers to warm and feed a baseline.
// Named *.spec.ts so the build leaves it out; not *.unit.spec.ts, so jest does not run it as a suite.
import { DEFAULT_DETECTION_CONFIG, mergeDetectionConfig } from './detection.config';
import type { DetectionConfig } from './detection.config';
import { createAgentBaseline } from './detection.baseline';
import type { AgentBaseline } from './detection.baseline';
import type { DetectionSample } from './detection.metrics';
import { observe } from './detection.observe';
import type { Observation } from './detection.observe';

export const HASH = 'sha256:usual';

/** A steady vital: every metric fixed, so the detector's σ is 0 and the floors set the scale. */
export function vital(over: Partial<DetectionSample> = {}): DetectionSample {
  const base = { latencyMs: 100, inputTokens: 1000, outputTokens: 200, costUsd: 0.01, toolCalls: 2, retries: 0, success: true, promptHash: HASH };
  const v = { ...base, ...over };
  return { ...v, tokens: over.tokens ?? v.inputTokens + v.outputTokens };
}

/** Deterministic randomness (mulberry32 + Box–Muller): specs never use Math.random. */
export class Rng {
  private a: number;
  constructor(seed: number) {
    this.a = seed >>> 0;
  }
  next(): number {
    this.a = (this.a + 0x6d2b79f5) >>> 0;
    let t = this.a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  normal(): number {
    const u = Math.max(this.next(), 1e-12);
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.next());
  }
}

/** A vital with normal jitter: latency ~ N(1000, 100), input ~ N(1000, 50), output ~ N(300, 30), 1–3 tool calls. */
export function jittered(rng: Rng, over: Partial<DetectionSample> = {}): DetectionSample {
  const inputTokens = Math.max(0, Math.round(1000 + 50 * rng.normal()));
  const outputTokens = Math.max(0, Math.round(300 + 30 * rng.normal()));
  return vital({
    latencyMs: Math.max(0, 1000 + 100 * rng.normal()),
    inputTokens,
    outputTokens,
    costUsd: inputTokens * 3e-6 + outputTokens * 15e-6,
    toolCalls: 1 + Math.floor(rng.next() * 3),
    ...over,
  });
}

export function config(over: Partial<DetectionConfig> = {}): DetectionConfig {
  return mergeDetectionConfig(DEFAULT_DETECTION_CONFIG, over);
}

export interface Fed {
  baseline: AgentBaseline;
  feed(sample: DetectionSample | ((i: number) => DetectionSample), times?: number, learn?: boolean): Observation[];
  last(): Observation;
}

/** A fresh baseline fed `warmup` samples of `sample` (default: the steady vital) through the same detector. */
export function given(opts: { cfg?: DetectionConfig; warmup?: (i: number) => DetectionSample; samples?: number } = {}): Fed {
  const cfg = opts.cfg ?? DEFAULT_DETECTION_CONFIG;
  const baseline = createAgentBaseline();
  let lastObservation: Observation | null = null;
  const feed: Fed['feed'] = (sample, times = 1, learn = true) => {
    const out: Observation[] = [];
    for (let i = 0; i < times; i++) {
      lastObservation = observe(baseline, typeof sample === 'function' ? sample(i) : sample, { learn, config: cfg });
      out.push(lastObservation);
    }
    return out;
  };
  feed(opts.warmup ?? (() => vital()), opts.samples ?? cfg.warmupSamples);
  return {
    baseline,
    feed,
    last: () => {
      if (!lastObservation) throw new Error('nothing observed yet');
      return lastObservation;
    },
  };
}

/** Index (0-based) of the first observation with an infection, or -1. */
export function firstInfection(observations: readonly Observation[]): number {
  return observations.findIndex((o) => o.infection !== null);
}
