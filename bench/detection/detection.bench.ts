/**
 * Detection quality and speed of `@immune/domain-detection` on a deterministic simulated fleet (no NATS, no
 * database). Healthy agents of five types (log-normal latency and output tokens, normal input tokens with slow
 * drift, Poisson tool calls, cost from tokens, retries/errors at 0, low or high base rates, lone outliers) and
 * faulted agents of every fault type at 3σ, 4σ, 6σ and 10σ of the agent's own σ, injected after warm-up and
 * held for 60 samples. Reports recall (overall, per type, strength and both), the share of healthy agents
 * quarantined at least once in 600 samples, samples-to-detect, `observe` throughput and bytes per baseline,
 * and the same quality numbers for DESIGN.md's rules as worded (`DESIGN_LITERAL_DETECTION_CONFIG`).
 *
 * Flags: --seed=N, --healthy=N (healthy agents), --per-cell=N (agents per fault type and strength),
 * --throughput-ms=N, --no-compare (skip the literal rules). Runnable alone once compiled:
 * `node -r ./tools/register-paths.cjs dist/bench/detection/detection.bench.js [flags]`.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

import {
  DEFAULT_DETECTION_CONFIG,
  DESIGN_LITERAL_DETECTION_CONFIG,
  createAgentBaseline,
  observe,
  snapshotBaseline,
} from '@immune/domain-detection';
import type { AgentBaseline, DetectionConfig, DetectionSample } from '@immune/domain-detection';

// ---------------------------------------------------------------------------------------------- randomness

/** mulberry32: a tiny deterministic 32-bit PRNG. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class Rng {
  private readonly next: () => number;
  private spare: number | null = null;
  constructor(seed: number) {
    this.next = mulberry32(seed);
  }
  uniform(lo = 0, hi = 1): number {
    return lo + (hi - lo) * this.next();
  }
  int(lo: number, hi: number): number {
    return Math.floor(this.uniform(lo, hi + 1));
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  normal(): number {
    if (this.spare !== null) {
      const s = this.spare;
      this.spare = null;
      return s;
    }
    let u = 0;
    while (u === 0) u = this.next();
    const v = this.next();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }
  logNormal(median: number, sigmaLog: number): number {
    return median * Math.exp(sigmaLog * this.normal());
  }
  poisson(lambda: number): number {
    if (lambda <= 0) return 0;
    const l = Math.exp(-lambda);
    let k = 0;
    let p = 1;
    do {
      k++;
      p *= this.next();
    } while (p > l);
    return k - 1;
  }
}

// ---------------------------------------------------------------------------------------------- the fleet

interface AgentType {
  name: string;
  latencyMedianMs: number;
  latencySigmaLog: number;
  inputMean: number;
  inputCv: number;
  outputMedian: number;
  outputSigmaLog: number;
  toolsFixed: number;
  toolsLambda: number;
  pricePerInput: number;
  pricePerOutput: number;
}

/** Several kinds of agents, from steady classifiers to bursty research agents (per-agent values vary ±30%). */
const AGENT_TYPES: readonly AgentType[] = [
  { name: 'support', latencyMedianMs: 1500, latencySigmaLog: 0.25, inputMean: 1200, inputCv: 0.08, outputMedian: 300, outputSigmaLog: 0.3, toolsFixed: 0, toolsLambda: 1, pricePerInput: 3e-6, pricePerOutput: 15e-6 },
  { name: 'coder', latencyMedianMs: 8000, latencySigmaLog: 0.35, inputMean: 6000, inputCv: 0.15, outputMedian: 1200, outputSigmaLog: 0.35, toolsFixed: 3, toolsLambda: 3, pricePerInput: 3e-6, pricePerOutput: 15e-6 },
  { name: 'research', latencyMedianMs: 20000, latencySigmaLog: 0.3, inputMean: 3000, inputCv: 0.1, outputMedian: 2000, outputSigmaLog: 0.25, toolsFixed: 5, toolsLambda: 4, pricePerInput: 10e-6, pricePerOutput: 30e-6 },
  { name: 'classifier', latencyMedianMs: 300, latencySigmaLog: 0.15, inputMean: 400, inputCv: 0.05, outputMedian: 10, outputSigmaLog: 0.1, toolsFixed: 0, toolsLambda: 0, pricePerInput: 0.25e-6, pricePerOutput: 1.25e-6 },
  { name: 'etl', latencyMedianMs: 1000, latencySigmaLog: 0.2, inputMean: 2000, inputCv: 0.03, outputMedian: 500, outputSigmaLog: 0.15, toolsFixed: 2, toolsLambda: 0, pricePerInput: 1e-6, pricePerOutput: 5e-6 },
];

export const FAULT_TYPES = [
  'latency_spike',
  'token_explosion',
  'input_token_injection',
  'output_tokens',
  'cost',
  'tool_loop',
  'retry_storm',
  'error_burst',
  'prompt_change',
] as const;
export type FaultType = (typeof FAULT_TYPES)[number];
/** Fault strengths in σ of the agent's own behaviour (prompt_change has none: a hash changes). */
export const STRENGTHS = [3, 4, 6, 10] as const;

interface Fault {
  type: FaultType;
  strength: number;
  /** First faulty sample (0-based). */
  at: number;
}

interface SimAgent {
  id: number;
  type: AgentType;
  latencyMedian: number;
  latencySigmaLog: number;
  inputMean: number;
  inputSd: number;
  outputMedian: number;
  outputSigmaLog: number;
  toolsFixed: number;
  toolsLambda: number;
  priceIn: number;
  priceOut: number;
  retryRate: number;
  errorRate: number;
  hash: string | null;
  driftAmp: number;
  driftPeriod: number;
  driftPhase: number;
  outlierRate: number;
  lastOutlier: number;
  /** The last 50 healthy values of each SCALED metric, and the σ faults are scaled by (fixed at onset). */
  recent: number[][];
  scale: number[] | null;
  fault: Fault | null;
  samples: number;
}

function makeAgent(rng: Rng, id: number, fault: Fault | null, samples: number): SimAgent {
  const type = AGENT_TYPES[id % AGENT_TYPES.length]!;
  const vary = () => rng.uniform(0.7, 1.3);
  const retryKind = rng.uniform();
  const errorKind = rng.uniform();
  const needsHash = fault?.type === 'prompt_change';
  return {
    id,
    type,
    latencyMedian: type.latencyMedianMs * vary(),
    latencySigmaLog: type.latencySigmaLog * vary(),
    inputMean: type.inputMean * vary(),
    inputSd: type.inputMean * type.inputCv,
    outputMedian: type.outputMedian * vary(),
    outputSigmaLog: type.outputSigmaLog * vary(),
    toolsFixed: type.toolsFixed,
    toolsLambda: type.toolsLambda * vary(),
    priceIn: type.pricePerInput,
    priceOut: type.pricePerOutput,
    // 40% never retry, 40% retry at 0.5–4%, 20% at 5–25% (flaky tools); half never fail, 40% fail at
    // 0.2–3%, 10% at 3–10%.
    retryRate: retryKind < 0.4 ? 0 : retryKind < 0.8 ? rng.uniform(0.005, 0.04) : rng.uniform(0.05, 0.25),
    errorRate: errorKind < 0.5 ? 0 : errorKind < 0.9 ? rng.uniform(0.002, 0.03) : rng.uniform(0.03, 0.1),
    hash: needsHash || rng.chance(0.8) ? `sha256:${id.toString(16).padStart(8, '0')}${'a'.repeat(56)}` : null,
    driftAmp: rng.uniform(0, 0.2),
    driftPeriod: rng.uniform(300, 1200),
    driftPhase: rng.uniform(0, 2 * Math.PI),
    outlierRate: rng.uniform(0, 0.01),
    lastOutlier: -100,
    recent: [],
    scale: null,
    fault,
    samples,
  };
}

function bernoulliShift(base: number, k: number): number {
  const p = Math.max(base, 1 / 52);
  return Math.min(1, base + k * Math.sqrt(p * (1 - p)));
}

/** Metrics a continuous fault is scaled by, in the order of `SimAgent.recent`. */
const SCALED = ['latencyMs', 'tokens', 'inputTokens', 'outputTokens', 'costUsd', 'toolCalls'] as const;
type Scaled = (typeof SCALED)[number];
const HISTORY = 50;

/**
 * The agent's own σ of a metric: the standard deviation of its last 50 healthy samples (lone outliers beyond
 * 6 robust σ left out), at least 5% of their mean and the detector's absolute floor, as an operator would
 * measure it. Slow drift is part of an agent's own behaviour, so it is part of its σ.
 */
function ownSigma(values: readonly number[], floor: number): number {
  const sorted = [...values].sort((x, y) => x - y);
  const med = sorted[sorted.length >> 1] ?? 0;
  const mad = [...values.map((v) => Math.abs(v - med))].sort((x, y) => x - y)[values.length >> 1] ?? 0;
  const kept = mad > 0 ? values.filter((v) => Math.abs(v - med) <= 6 * 1.4826 * mad) : [...values];
  const mean = kept.reduce((s, v) => s + v, 0) / Math.max(1, kept.length);
  const variance = kept.reduce((s, v) => s + (v - mean) ** 2, 0) / Math.max(1, kept.length - 1);
  return Math.max(Math.sqrt(variance), 0.05 * Math.abs(mean), floor);
}

const FLOOR: Readonly<Record<Scaled, number>> = {
  latencyMs: DEFAULT_DETECTION_CONFIG.latencyFloorMs,
  tokens: DEFAULT_DETECTION_CONFIG.countFloor,
  inputTokens: DEFAULT_DETECTION_CONFIG.countFloor,
  outputTokens: DEFAULT_DETECTION_CONFIG.countFloor,
  costUsd: DEFAULT_DETECTION_CONFIG.costFloorUsd,
  toolCalls: DEFAULT_DETECTION_CONFIG.countFloor,
};

/** Sample `t` of an agent: healthy behaviour with slow drift and rare lone outliers, plus its fault once due. */
export function vitalAt(rng: Rng, a: SimAgent, t: number): DetectionSample {
  if (t === 0) {
    a.lastOutlier = -100;
    a.recent = SCALED.map(() => []);
    a.scale = null;
  }
  const drift = 1 + a.driftAmp * Math.sin((2 * Math.PI * t) / a.driftPeriod + a.driftPhase);
  let latencyMs = rng.logNormal(a.latencyMedian * drift, a.latencySigmaLog);
  let outputTokens = rng.logNormal(a.outputMedian, a.outputSigmaLog);
  // Lone outliers: never two within 5 samples of each other.
  if (t - a.lastOutlier > 5 && rng.chance(a.outlierRate)) {
    a.lastOutlier = t;
    // One slow task (a timeout) or one long answer.
    if (rng.chance(0.7)) latencyMs *= rng.uniform(3, 10);
    else outputTokens *= rng.uniform(3, 8);
  }
  const v: DetectionSample = {
    latencyMs: Math.round(latencyMs * 10) / 10,
    inputTokens: Math.round(Math.max(0, a.inputMean * (1 + (drift - 1) / 4) + a.inputSd * rng.normal())),
    outputTokens: Math.round(outputTokens),
    tokens: 0,
    costUsd: 0,
    toolCalls: a.toolsFixed + rng.poisson(a.toolsLambda),
    retries: rng.chance(a.retryRate) ? rng.int(1, 2) : 0,
    success: !rng.chance(a.errorRate),
    promptHash: a.hash,
  };
  const f = a.fault;
  if (f && t >= f.at && !a.scale) a.scale = a.recent.map((values, i) => ownSigma(values, FLOOR[SCALED[i]!]));
  if (f && t >= f.at && a.scale) {
    const k = f.strength;
    const sigma = (m: Scaled) => a.scale?.[SCALED.indexOf(m)] ?? 0;
    switch (f.type) {
      case 'latency_spike':
        v.latencyMs += k * sigma('latencyMs');
        break;
      case 'token_explosion':
        v.outputTokens += Math.round(k * sigma('tokens'));
        break;
      case 'input_token_injection':
        v.inputTokens += Math.round(k * sigma('inputTokens'));
        break;
      case 'output_tokens':
        v.outputTokens += Math.round(k * sigma('outputTokens'));
        break;
      case 'cost':
        v.costUsd = k * sigma('costUsd');
        break;
      case 'tool_loop':
        v.toolCalls += Math.ceil(k * sigma('toolCalls'));
        break;
      case 'retry_storm':
        v.retries = rng.chance(bernoulliShift(a.retryRate, k)) ? rng.int(1, 3) : 0;
        break;
      case 'error_burst':
        v.success = !rng.chance(bernoulliShift(a.errorRate, k));
        break;
      case 'prompt_change':
        v.promptHash = `${a.hash ?? 'sha256:'}-injected`;
        break;
      default: {
        const never: never = f.type;
        throw new Error(`unknown fault ${String(never)}`);
      }
    }
  }
  v.tokens = v.inputTokens + v.outputTokens;
  // Cost follows the tokens (plus whatever a cost fault added).
  v.costUsd += a.priceIn * v.inputTokens + a.priceOut * v.outputTokens;
  if (!f || t < f.at) {
    const values = [v.latencyMs, v.tokens, v.inputTokens, v.outputTokens, v.costUsd, v.toolCalls];
    values.forEach((x, i) => {
      const r = a.recent[i];
      if (!r) return;
      r.push(x);
      if (r.length > HISTORY) r.shift();
    });
  }
  return v;
}

// ---------------------------------------------------------------------------------------------- scoring

interface AgentOutcome {
  agent: SimAgent;
  /** Sample index of the first infection (null: none). */
  firstInfection: number | null;
  /** Infections before the fault (or anywhere for a healthy agent). */
  falseInfections: number;
  /** The anomaly types of the first false infection, e.g. "latency_spike+cost_spike". */
  firstFalseCause: string | null;
  judgedSamples: number;
}

function runAgent(rng: Rng, a: SimAgent, config: Readonly<DetectionConfig>): AgentOutcome {
  const b = createAgentBaseline();
  let firstInfection: number | null = null;
  let falseInfections = 0;
  let firstFalseCause: string | null = null;
  let judged = 0;
  for (let t = 0; t < a.samples; t++) {
    const o = observe(b, vitalAt(rng, a, t), { learn: true, config });
    if (o.warm) judged++;
    if (o.infection === null) continue;
    if (a.fault && t >= a.fault.at) {
      firstInfection = t;
      break; // the sentinel would quarantine it here
    }
    falseInfections++;
    firstFalseCause ??= o.infection.anomalies.map((x) => x.type).join('+');
  }
  return { agent: a, firstInfection, falseInfections, firstFalseCause, judgedSamples: judged };
}

interface Fleet {
  agents: SimAgent[];
  seed: number;
}

export function buildFleet(seed: number, healthy: number, perCell: number): Fleet {
  const rng = new Rng(seed);
  const agents: SimAgent[] = [];
  let id = 0;
  for (let i = 0; i < healthy; i++) agents.push(makeAgent(rng, id++, null, 600));
  for (const type of FAULT_TYPES) {
    const strengths = type === 'prompt_change' ? [10] : STRENGTHS;
    for (const strength of strengths) {
      for (let i = 0; i < perCell; i++) {
        const at = rng.int(60, 300);
        agents.push(makeAgent(rng, id++, { type, strength, at }, at + 60));
      }
    }
  }
  return { agents, seed };
}

function quantile(xs: readonly number[], q: number): number | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? null;
}

const round3 = (x: number) => Math.round(x * 1000) / 1000;

interface Quality {
  recall: number;
  recallByType: Record<string, number>;
  recallByStrength: Record<string, number>;
  recallByCell: Record<string, number>;
  falsePositiveRate: number;
  /** Healthy agents quarantined at least once, by the anomalies of their first false infection. */
  falsePositivesByCause: Record<string, number>;
  falseInfectionsPer1000Samples: number;
  healthyAgents: number;
  faultedAgents: number;
  faultedFlaggedBeforeFault: number;
  samplesToDetect: { median: number | null; p90: number | null; max: number | null };
  samplesToDetectAt6SigmaPlus: { median: number | null; p90: number | null; max: number | null; within3: number };
  /** The same by kind of fault: continuous metrics, rates (retries, errors). */
  samplesToDetectAt6SigmaPlusByKind: Record<string, { median: number | null; p90: number | null; max: number | null; within3: number }>;
  samplesToDetectByType: Record<string, { median: number | null; p90: number | null }>;
}

function score(fleet: Fleet, config: Readonly<DetectionConfig>): Quality {
  // One RNG per agent (seeded from the fleet seed and the agent id): every config sees the same vitals.
  const outcomes = fleet.agents.map((a) => runAgent(new Rng((fleet.seed * 7919 + a.id * 104729) >>> 0), a, config));
  const healthy = outcomes.filter((o) => o.agent.fault === null);
  const faulted = outcomes.filter((o) => o.agent.fault !== null);
  const detected = (o: AgentOutcome) => o.firstInfection !== null;
  const delay = (o: AgentOutcome) => (o.firstInfection ?? 0) - (o.agent.fault?.at ?? 0) + 1;
  const rate = (xs: AgentOutcome[]) => (xs.length === 0 ? 0 : round3(xs.filter(detected).length / xs.length));
  const group = (key: (o: AgentOutcome) => string) => {
    const m = new Map<string, AgentOutcome[]>();
    for (const o of faulted) {
      const k = key(o);
      m.set(k, [...(m.get(k) ?? []), o]);
    }
    return m;
  };
  const recallOf = (m: Map<string, AgentOutcome[]>) => Object.fromEntries([...m].map(([k, xs]) => [k, rate(xs)]));
  const delays = faulted.filter(detected).map(delay);
  const strongAll = faulted.filter((o) => (o.agent.fault?.strength ?? 0) >= 6);
  const delayStats = (xs: AgentOutcome[]) => {
    const d = xs.filter(detected).map(delay);
    return { median: quantile(d, 0.5), p90: quantile(d, 0.9), max: quantile(d, 1), within3: round3(d.filter((x) => x <= 3).length / Math.max(1, xs.length)) };
  };
  const isRate = (o: AgentOutcome) => o.agent.fault?.type === 'retry_storm' || o.agent.fault?.type === 'error_burst';
  const falseInfections = healthy.reduce((n, o) => n + o.falseInfections, 0);
  const healthySamples = healthy.reduce((n, o) => n + o.judgedSamples, 0);
  const byType = group((o) => o.agent.fault?.type ?? '');
  return {
    recall: rate(faulted),
    recallByType: recallOf(byType),
    recallByStrength: recallOf(group((o) => (o.agent.fault?.type === 'prompt_change' ? 'hash' : `${o.agent.fault?.strength ?? 0}σ`))),
    recallByCell: recallOf(group((o) => `${o.agent.fault?.type ?? ''}@${o.agent.fault?.type === 'prompt_change' ? 'hash' : `${o.agent.fault?.strength ?? 0}σ`}`)),
    falsePositiveRate: round3(healthy.filter((o) => o.falseInfections > 0).length / Math.max(1, healthy.length)),
    falsePositivesByCause: healthy.reduce<Record<string, number>>((m, o) => {
      if (o.firstFalseCause !== null) m[o.firstFalseCause] = (m[o.firstFalseCause] ?? 0) + 1;
      return m;
    }, {}),
    falseInfectionsPer1000Samples: round3((1000 * falseInfections) / Math.max(1, healthySamples)),
    healthyAgents: healthy.length,
    faultedAgents: faulted.length,
    faultedFlaggedBeforeFault: faulted.filter((o) => o.falseInfections > 0).length,
    samplesToDetect: { median: quantile(delays, 0.5), p90: quantile(delays, 0.9), max: quantile(delays, 1) },
    samplesToDetectAt6SigmaPlus: delayStats(strongAll),
    samplesToDetectAt6SigmaPlusByKind: {
      continuous: delayStats(strongAll.filter((o) => !isRate(o) && o.agent.fault?.type !== 'prompt_change')),
      rates: delayStats(strongAll.filter(isRate)),
      promptChange: delayStats(faulted.filter((o) => o.agent.fault?.type === 'prompt_change')),
    },
    samplesToDetectByType: Object.fromEntries(
      [...byType].map(([k, xs]) => {
        const d = xs.filter(detected).map(delay);
        return [k, { median: quantile(d, 0.5), p90: quantile(d, 0.9) }];
      }),
    ),
  };
}

// ---------------------------------------------------------------------------------------------- speed and size

function throughput(seed: number, ms: number): { samplesPerSecond: number; samples: number; agents: number } {
  const rng = new Rng(seed);
  const agents = 1000;
  const perAgent = 200;
  const sims = Array.from({ length: agents }, (_, i) => makeAgent(rng, i, null, perAgent));
  const vitals: DetectionSample[][] = sims.map((a) => Array.from({ length: perAgent }, (_, t) => vitalAt(rng, a, t)));
  const baselines: AgentBaseline[] = sims.map(() => createAgentBaseline());
  const opts = { learn: true, config: DEFAULT_DETECTION_CONFIG };
  for (let i = 0; i < agents; i++) for (let t = 0; t < 20; t++) observe(baselines[i]!, vitals[i]![t]!, opts); // past warm-up
  let n = 0;
  let sink = 0;
  const start = performance.now();
  let elapsed = 0;
  let t = 20;
  while (elapsed < ms) {
    // Interleave agents like a real stream does.
    for (let i = 0; i < agents; i++) {
      sink += observe(baselines[i]!, vitals[i]![t]!, opts).maxSigma;
    }
    n += agents;
    t = t + 1 >= perAgent ? 20 : t + 1;
    elapsed = performance.now() - start;
  }
  if (sink < 0) throw new Error('unreachable');
  return { samplesPerSecond: Math.round((n * 1000) / elapsed), samples: n, agents };
}

function bytesPerBaseline(seed: number): { snapshotJsonBytes: number; heapBytesPerBaseline: number; count: number } {
  const rng = new Rng(seed);
  const count = 100_000;
  const sim = makeAgent(rng, 1, null, 40);
  const warm = Array.from({ length: 20 }, (_, t) => vitalAt(rng, sim, t));
  const opts = { learn: true, config: DEFAULT_DETECTION_CONFIG };
  const one = createAgentBaseline();
  for (const v of warm) observe(one, v, opts);
  const snapshotJsonBytes = JSON.stringify(snapshotBaseline(one)).length;

  const gc = exposeGc();
  gc();
  const before = process.memoryUsage();
  const keep: AgentBaseline[] = new Array(count);
  for (let i = 0; i < count; i++) {
    const b = createAgentBaseline();
    // Each agent's own 71-character hash string, as JSON-parsed vitals would give it.
    const hash = `sha256:${i.toString(16).padStart(8, '0')}${'b'.repeat(56)}`;
    for (const v of warm) observe(b, { ...v, promptHash: hash }, opts);
    keep[i] = b;
  }
  gc();
  const after = process.memoryUsage();
  const used = after.heapUsed + after.external - (before.heapUsed + before.external);
  if (keep.length !== count) throw new Error('unreachable');
  return { snapshotJsonBytes, heapBytesPerBaseline: Math.round(used / count), count };
}

/** A full garbage collection, so the memory delta counts live baselines only. */
function exposeGc(): () => void {
  const existing = (globalThis as { gc?: () => void }).gc;
  if (existing) return existing;
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

// ---------------------------------------------------------------------------------------------- entry

function pct(x: number | undefined): string {
  return `${Math.round((x ?? 0) * 100)}%`;
}

function flag(flags: string[], name: string, fallback: number): number {
  const raw = flags.find((f) => f.startsWith(`--${name}=`))?.split('=')[1];
  const n = raw === undefined ? Number.NaN : Number(raw);
  return Number.isFinite(n) ? n : fallback;
}

export async function benchDetection(flags: string[]): Promise<Record<string, unknown>> {
  const seed = flag(flags, 'seed', 20250301);
  const healthy = flag(flags, 'healthy', 1500);
  const perCell = flag(flags, 'per-cell', 40);
  const fleet = buildFleet(seed, healthy, perCell);
  const quality = score(fleet, DEFAULT_DETECTION_CONFIG);
  const literal = flags.includes('--no-compare') ? undefined : score(fleet, DESIGN_LITERAL_DETECTION_CONFIG);
  const speed = throughput(seed + 1, flag(flags, 'throughput-ms', 2000));
  const size = bytesPerBaseline(seed + 2);
  const byKind = quality.samplesToDetectAt6SigmaPlusByKind;
  const targets = {
    recallAtLeast095: quality.recall >= 0.95,
    recallAt3SigmaAtLeast095: (quality.recallByStrength['3σ'] ?? 0) >= 0.95,
    falsePositivesAtMost1Percent: quality.falsePositiveRate <= 0.01,
    within3SamplesAt6Sigma: quality.samplesToDetectAt6SigmaPlus.within3 >= 0.95,
    within3SamplesAt6SigmaContinuousAndPrompt: (byKind['continuous']?.within3 ?? 0) >= 0.95 && (byKind['promptChange']?.within3 ?? 0) >= 0.95,
  };
  process.stdout.write(
    `detection: recall ${quality.recall} (3σ ${quality.recallByStrength['3σ'] ?? '-'}, 4σ ${quality.recallByStrength['4σ'] ?? '-'}, ` +
      `6σ ${quality.recallByStrength['6σ'] ?? '-'}, 10σ ${quality.recallByStrength['10σ'] ?? '-'}), ` +
      `FP ${(quality.falsePositiveRate * 100).toFixed(1)}% of ${quality.healthyAgents} healthy agents, ` +
      `detect median ${quality.samplesToDetect.median} p90 ${quality.samplesToDetect.p90} (≥6σ median ${quality.samplesToDetectAt6SigmaPlus.median}, ` +
      `p90 ${quality.samplesToDetectAt6SigmaPlus.p90}, ${(quality.samplesToDetectAt6SigmaPlus.within3 * 100).toFixed(0)}% within 3: ` +
      `continuous ${pct(byKind['continuous']?.within3)}, rates ${pct(byKind['rates']?.within3)}, prompt ${pct(byKind['promptChange']?.within3)}), ` +
      `${speed.samplesPerSecond.toLocaleString('en-US')} samples/s, ${size.snapshotJsonBytes} B snapshot, ~${size.heapBytesPerBaseline} B/baseline in memory` +
      (literal ? ` | DESIGN as worded: recall ${literal.recall} (3σ ${literal.recallByStrength['3σ'] ?? '-'}), FP ${(literal.falsePositiveRate * 100).toFixed(1)}%` : '') +
      '\n',
  );
  return {
    seed,
    agents: fleet.agents.length,
    agentTypes: AGENT_TYPES.map((t) => t.name),
    faultTypes: FAULT_TYPES,
    strengths: STRENGTHS,
    quality,
    ...(literal ? { literalDesignRules: literal } : {}),
    throughput: speed,
    memory: size,
    targets,
  };
}

if (require.main === module) {
  benchDetection(process.argv.slice(2))
    .then((r) => process.stdout.write(`${JSON.stringify(r, null, 2)}\n`))
    .catch((e: unknown) => {
      process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
      process.exit(1);
    });
}
