import { DEFAULT_DETECTION_CONFIG } from './detection.config';
import type { DetectionConfig } from './detection.config';
import { CONTINUOUS_METRICS, RATE_METRICS, S, STATE_SLOTS, continuousBase, rateBase } from './detection.metrics';
import type { ContinuousMetric, RateMetric } from './detection.metrics';

/**
 * One agent's learned behaviour and detection window. `observe` mutates it in place (one per agent, owned by
 * one sentinel instance). The numbers live in one Float64Array (layout `S` in detection.metrics.ts) so a
 * baseline is a few hundred bytes and observing allocates nothing for it; `describeBaseline` reads it.
 */
export interface AgentBaseline {
  readonly s: Float64Array;
  /** The agent's established prompt hash (see `observe`); null until it reports one. */
  usualHash: string | null;
  /** A different hash on its way to being adopted (after `promptAdoptSamples` consecutive learned samples). */
  candidateHash: string | null;
}

export const BASELINE_SNAPSHOT_VERSION = 1;

/** A baseline as plain JSON (persisted so baselines survive restarts). */
export interface BaselineSnapshot {
  version: typeof BASELINE_SNAPSHOT_VERSION;
  state: number[];
  usualHash: string | null;
  candidateHash: string | null;
}

export function createAgentBaseline(): AgentBaseline {
  const baseline: AgentBaseline = { s: new Float64Array(STATE_SLOTS), usualHash: null, candidateHash: null };
  resetWindow(baseline);
  return baseline;
}

/** True once the agent has learned `warmupSamples` samples: only then is anything detected. */
export function isWarm(baseline: AgentBaseline): boolean {
  return baseline.s[S.WARM] === 1;
}

/**
 * A fresh detection window (after probation or release): forgets the recent deviations, failure windows,
 * hash window and persistence streaks; keeps everything learned. A lone outlier still cannot trip it.
 */
export function resetWindow(baseline: AgentBaseline): void {
  const s = baseline.s;
  s[S.RING] = 0;
  s[S.PROMPT_MASK] = 0;
  s[S.PROMPT_STREAK] = 0;
  for (let i = 0; i < CONTINUOUS_METRICS.length; i++) {
    const b = continuousBase(i);
    for (let k = 0; k < 3; k++) {
      s[b + S.DEV0 + k] = 0;
      s[b + S.VAL0 + k] = 0;
    }
    s[b + S.HISTORY] = 0;
    s[b + S.TAINT] = 7; // the emptied slots hold nothing to learn
  }
  for (let j = 0; j < RATE_METRICS.length; j++) {
    const b = rateBase(j);
    s[b + S.RATE_MASK] = 0;
    s[b + S.RATE_ANOMALOUS] = 0;
    s[b + S.RATE_ELEVATED] = 0;
    s[b + S.RATE_HIGH] = 0;
  }
}

/** Makes `hash` the agent's usual prompt hash at once (an operator accepted a new prompt). */
export function adoptPromptHash(baseline: AgentBaseline, hash: string): void {
  baseline.usualHash = hash;
  baseline.candidateHash = null;
  baseline.s[S.CANDIDATE_COUNT] = 0;
  baseline.s[S.PROMPT_MASK] = 0;
  baseline.s[S.PROMPT_STREAK] = 0;
}

export function snapshotBaseline(baseline: AgentBaseline): BaselineSnapshot {
  // A plain loop, not Array.from (its iterator protocol cost more than the copy; every dirty agent is
  // snapshotted every few seconds).
  const s = baseline.s;
  const state = new Array<number>(s.length);
  for (let i = 0; i < s.length; i++) state[i] = s[i] as number;
  return { version: BASELINE_SNAPSHOT_VERSION, state, usualHash: baseline.usualHash, candidateHash: baseline.candidateHash };
}

/** The baseline of a snapshot, or null when it is not a valid snapshot of this version (start afresh). */
export function restoreBaseline(snapshot: unknown): AgentBaseline | null {
  if (typeof snapshot !== 'object' || snapshot === null) return null;
  const v = snapshot as Partial<Record<keyof BaselineSnapshot, unknown>>;
  if (v.version !== BASELINE_SNAPSHOT_VERSION) return null;
  if (!Array.isArray(v.state) || v.state.length !== STATE_SLOTS) return null;
  if (!v.state.every((x) => typeof x === 'number' && Number.isFinite(x))) return null;
  const usualHash = v.usualHash ?? null;
  const candidateHash = v.candidateHash ?? null;
  if ((usualHash !== null && typeof usualHash !== 'string') || (candidateHash !== null && typeof candidateHash !== 'string')) return null;
  return { s: Float64Array.from(v.state as number[]), usualHash, candidateHash };
}

export interface MetricSummary {
  /** Samples learned for this metric. */
  samples: number;
  mean: number;
  /** Standard deviation (unwidened). */
  std: number;
}

export interface RateSummary {
  samples: number;
  /** Learned failure rate (EWMA, span `ewmaSpan`). */
  rate: number;
  /** Long-run failure rate (span `rateLongSpan`). */
  longRunRate: number;
  /** Failures among the last `rateWindow` samples. */
  recentFailures: number;
}

/** A readable view of a baseline, for forensic snapshots and `GET /agents/{id}`. */
export interface BaselineSummary {
  warm: boolean;
  samples: number;
  metrics: Record<ContinuousMetric, MetricSummary>;
  rates: Record<RateMetric, RateSummary>;
  usualPromptHash: string | null;
}

export function describeBaseline(baseline: AgentBaseline, config: Readonly<DetectionConfig> = DEFAULT_DETECTION_CONFIG): BaselineSummary {
  const s = baseline.s;
  const at = (i: number) => s[i] ?? 0;
  const metrics = {} as Record<ContinuousMetric, MetricSummary>;
  CONTINUOUS_METRICS.forEach((m, i) => {
    const b = continuousBase(i);
    const n = at(b + S.N);
    const variance = isWarm(baseline) ? at(b + S.VAR) : n > 1 ? at(b + S.VAR) / (n - 1) : 0; // M2 during warm-up
    metrics[m] = { samples: n, mean: at(b + S.MEAN), std: Math.sqrt(Math.max(0, variance)) };
  });
  const rates = {} as Record<RateMetric, RateSummary>;
  RATE_METRICS.forEach((m, j) => {
    const b = rateBase(j);
    let mask = (at(b + S.RATE_MASK) >>> 0) & ((1 << config.rateWindow) - 1);
    let failures = 0;
    while (mask !== 0) {
      failures += mask & 1;
      mask >>>= 1;
    }
    rates[m] = { samples: at(b + S.RATE_N), rate: at(b + S.RATE_MEAN), longRunRate: at(b + S.RATE_LONG), recentFailures: failures };
  });
  return { warm: isWarm(baseline), samples: at(S.SAMPLES), metrics, rates, usualPromptHash: baseline.usualHash };
}
