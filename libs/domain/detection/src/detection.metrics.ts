import type { Vital } from '@immune/contracts';

/** What detection reads from a vital. Every input path (NATS, HTTP, replay) feeds the same shape. */
export type DetectionSample = Pick<
  Vital,
  'latencyMs' | 'tokens' | 'inputTokens' | 'outputTokens' | 'costUsd' | 'toolCalls' | 'retries' | 'success' | 'promptHash'
>;

export const CONTINUOUS_METRICS = ['latencyMs', 'tokens', 'inputTokens', 'outputTokens', 'costUsd', 'toolCalls'] as const;
export type ContinuousMetric = (typeof CONTINUOUS_METRICS)[number];

/** Rates: `retries` = share of samples with retries > 0, `errors` = share of samples with success false. */
export const RATE_METRICS = ['retries', 'errors'] as const;
export type RateMetric = (typeof RATE_METRICS)[number];

export const METRICS = [...CONTINUOUS_METRICS, ...RATE_METRICS, 'promptHash'] as const;
export type Metric = (typeof METRICS)[number];

export const ANOMALY_TYPES = [
  'latency_spike',
  'token_spike',
  'input_token_spike',
  'output_token_spike',
  'cost_spike',
  'tool_explosion',
  'high_retry_rate',
  'error_rate_spike',
  'prompt_change',
] as const;
export type AnomalyType = (typeof ANOMALY_TYPES)[number];

export const ANOMALY_TYPE_OF: Readonly<Record<Metric, AnomalyType>> = Object.freeze({
  latencyMs: 'latency_spike',
  tokens: 'token_spike',
  inputTokens: 'input_token_spike',
  outputTokens: 'output_token_spike',
  costUsd: 'cost_spike',
  toolCalls: 'tool_explosion',
  retries: 'high_retry_rate',
  errors: 'error_rate_spike',
  promptHash: 'prompt_change',
});

/** Deviation of each metric in σ for one sample (0 before warm-up). */
export type MetricDeviations = Record<Metric, number>;

export interface Anomaly {
  type: AnomalyType;
  metric: Metric;
  /** The metric's deviation in σ (continuous: median of the last 3 samples; rates: equivalent σ of the tail). */
  sigma: number;
}

/**
 * Layout of the numeric state in `AgentBaseline.s` (one Float64Array per agent: compact, allocation-free).
 * Header, then 7 slots per continuous metric (in CONTINUOUS_METRICS order), then 4 per rate (RATE_METRICS order).
 */
export const S = Object.freeze({
  /** Samples learned by the agent (the warm-up counter). */
  SAMPLES: 0,
  /** Next slot (0–2) of the deviation rings, shared by every continuous metric. */
  RING: 1,
  /** Last 3 samples: bit set when the hash differed from the usual one (bit 0 = newest). */
  PROMPT_MASK: 2,
  PROMPT_STREAK: 3,
  /** Consecutive learned samples carrying `candidateHash`. */
  CANDIDATE_COUNT: 4,
  /** 1 once warm-up is complete (a later change of `warmupSamples` does not un-warm a baseline). */
  WARM: 5,
  HEADER: 6,
  // offsets inside a continuous metric's block
  N: 0,
  MEAN: 1,
  /** Sum of squared differences (Welford's M2) during warm-up, the variance after it. */
  VAR: 2,
  /** Ring of the last 3 sample deviations (slot RING is the oldest, overwritten next). */
  DEV0: 3,
  /** Ring of the last 3 sample values, learned when they leave the ring (delayed learning). */
  VAL0: 6,
  /** Last 30 samples: bit set when the metric was anomalous (bit 0 = newest). */
  HISTORY: 9,
  /** Bit i set: the sample in ring slot i must not be learned. */
  TAINT: 10,
  CONTINUOUS_SLOTS: 11,
  // offsets inside a rate's block
  RATE_N: 0,
  RATE_MEAN: 1,
  /** Last 30 samples: bit set on failure (bit 0 = newest). */
  RATE_MASK: 2,
  /** Last 30 samples: bit set when the rate was anomalous. */
  RATE_ANOMALOUS: 3,
  /** Last `rateWindow` samples: bit set when the count was elevated at that sample. */
  RATE_ELEVATED: 4,
  /** Long-run failure rate (span `rateLongSpan`): p never drops below it between a healthy agent's failures. */
  RATE_LONG: 5,
  /** Last `rateWindow` samples: bit set when the count was at or above `rateLongElevatedSigma`. */
  RATE_HIGH: 6,
  RATE_SLOTS: 7,
});

export const RATE_BASE = S.HEADER + CONTINUOUS_METRICS.length * S.CONTINUOUS_SLOTS;
export const STATE_SLOTS = RATE_BASE + RATE_METRICS.length * S.RATE_SLOTS;

export function continuousBase(i: number): number {
  return S.HEADER + i * S.CONTINUOUS_SLOTS;
}

export function rateBase(j: number): number {
  return RATE_BASE + j * S.RATE_SLOTS;
}
