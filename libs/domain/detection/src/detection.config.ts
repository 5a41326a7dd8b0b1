/**
 * Detection thresholds (DESIGN.md, "Vitals and detection"). One fleet-wide `DetectionConfig`, optionally
 * overridden per `agentType`; the sentinel resolves a type's config once and reuses it for every sample.
 */
export interface DetectionConfig {
  /** Samples of plain mean and variance before EWMA takes over; nothing is detected before this many (a change applies to baselines still warming up). */
  warmupSamples: number;
  /** EWMA span: alpha = 2 / (span + 1). */
  ewmaSpan: number;
  /** σ is widened by × (1 + widenFactor / n) while fewer than this many samples are learned. */
  widenBelowSamples: number;
  widenFactor: number;
  /** Deviation denominator floor as a fraction of |mean| (continuous metrics). */
  relativeFloor: number;
  /** Absolute deviation denominator floors: counts (tokens, tool calls), latency (ms) and cost (USD). */
  countFloor: number;
  latencyFloorMs: number;
  costFloorUsd: number;
  /** A metric whose deviation is above this many σ is an anomaly. */
  anomalySigma: number;
  /** A sample deviating by more than this many σ on a metric is not learned for that metric. */
  learnMaxSigma: number;
  /**
   * Learn a continuous sample only once it leaves the median's 3-sample window (and a failure only once it
   * leaves the rate window), if nothing anomalous happened meanwhile — so the first samples of a sustained
   * shift are never absorbed. False = learn each sample as it arrives (DESIGN's literal wording).
   */
  delayedLearning: boolean;
  /** No sample of a continuous metric is learned while its deviation (median of 3) is above this… */
  freezeSigma: number;
  /** …nor within this many samples after it was last anomalous (0 = off). */
  freezeAfterAnomalySamples: number;
  /** Rates: failures counted over this many most recent samples (1–30). */
  rateWindow: number;
  /**
   * Rates: for an agent whose baseline rate p is so high that a full window of failures is hardly (p^window ≥
   * a tenth of the tail probability) or not at all anomalous, the window grows to the shortest one where
   * p^window is below a tenth of it (up to this many samples; ≤ rateWindow: never), tested at that tenth.
   */
  rateWindowMax: number;
  /** Rates: an anomaly when P(C ≥ c) under Binomial(rateWindow, p) is below this. */
  rateTailProbability: number;
  /** Rates: the prior's weight k = samples learned, capped here. */
  ratePriorCap: number;
  /**
   * Rates: span of the long-run failure rate; p uses the larger of it and the EWMA (span `ewmaSpan`) rate, so
   * an agent failing at a steady few percent is not judged as never failing after a quiet stretch.
   */
  rateLongSpan: number;
  /** Rates: a count of 2 or more failures at or above this equivalent σ is elevated: its failures are not learned. */
  rateElevatedSigma: number;
  /**
   * Rates, with `delayedLearning`: the long-run rate skips only failures whose count reached this σ (or an
   * anomaly), so an agent with a steady high rate — moderate clusters of failures — still learns it.
   */
  rateLongElevatedSigma: number;
  /** Consecutive samples a rate anomaly must hold (its window already needs several failures). */
  ratePersistSamples: number;
  /** prompt_change: at least this many of the last 3 samples carry a hash other than the usual one. */
  promptChangeSamples: number;
  /** The deviation prompt_change is reported at. */
  promptChangeSigma: number;
  /** A different hash seen on this many consecutive learned samples becomes the usual one. */
  promptAdoptSamples: number;
  /** At or above this deviation an anomaly is an infection at once… */
  immediateSigma: number;
  /** …provided its two newest sample deviations are both above this (two spikes around a normal sample are not a shift). */
  immediateConsecutiveSigma: number;
  /**
   * Below `immediateSigma` a continuous anomaly must hold `persistSamples` consecutive samples, and then
   * either each of its last 3 sample deviations is above `confirmSigma`, or it was anomalous on
   * `weakPersistSamples` of the last `weakWindow` samples (weak evidence needs longer confirmation).
   */
  persistSamples: number;
  confirmSigma: number;
  weakPersistSamples: number;
  weakWindow: number;
  /** Deviation at or above which healing needs an operator's approval. */
  approvalSigma: number;
  /** Severity bands: < highSigma medium, < criticalSigma high, else critical (prompt_change: critical). */
  highSigma: number;
  criticalSigma: number;
  /** The "> 3σ" of the diagnosis rows (input, output/total tokens, tool calls). */
  diagnosisSigma: number;
  /** Fleet correlation: only with at least this many agents having a baseline. */
  fleetMinAgents: number;
  /** Fleet correlation: anomalies of the same type within this many ms of `nowMs`. */
  fleetWindowMs: number;
  /** Fleet correlation: this fraction (or more) of the agents with a baseline is a fleet-wide event. */
  fleetWideFraction: number;
  /** Fleet correlation: from this fraction up to `fleetWideFraction` adds an external_cause hypothesis. */
  externalCauseFraction: number;
}

export const DEFAULT_DETECTION_CONFIG: Readonly<DetectionConfig> = Object.freeze({
  warmupSamples: 15,
  ewmaSpan: 50,
  widenBelowSamples: 40,
  widenFactor: 8,
  relativeFloor: 0.05,
  countFloor: 0.5,
  latencyFloorMs: 1,
  costFloorUsd: 0.0001,
  anomalySigma: 2.5,
  learnMaxSigma: 3.5,
  delayedLearning: true,
  freezeSigma: 2.5,
  freezeAfterAnomalySamples: 5,
  rateWindow: 5,
  rateWindowMax: 20,
  rateTailProbability: 1e-4,
  ratePriorCap: 50,
  rateLongSpan: 500,
  rateElevatedSigma: 1,
  rateLongElevatedSigma: 2.5,
  ratePersistSamples: 1,
  promptChangeSamples: 2,
  promptChangeSigma: 10,
  promptAdoptSamples: 50,
  immediateSigma: 6,
  immediateConsecutiveSigma: 2.5,
  persistSamples: 2,
  confirmSigma: 4.5,
  weakPersistSamples: 7,
  weakWindow: 10,
  approvalSigma: 5,
  highSigma: 5,
  criticalSigma: 8,
  diagnosisSigma: 3,
  fleetMinAgents: 10,
  fleetWindowMs: 10_000,
  fleetWideFraction: 0.3,
  externalCauseFraction: 0.15,
});

/**
 * DESIGN.md's rules exactly as worded, without this library's refinements (for comparison; the bench scores
 * both): learn each sample as it arrives unless it deviates > 3.5σ, 2 consecutive samples below 6σ, ≥ 6σ at once.
 */
export const DESIGN_LITERAL_DETECTION_CONFIG: Readonly<DetectionConfig> = Object.freeze({
  ...DEFAULT_DETECTION_CONFIG,
  delayedLearning: false,
  freezeSigma: 1000,
  freezeAfterAnomalySamples: 0,
  rateLongSpan: 0,
  rateWindowMax: 5,
  ratePersistSamples: 2,
  immediateConsecutiveSigma: 0,
  confirmSigma: 0,
  weakPersistSamples: 1,
  weakWindow: 1,
});

export type DetectionConfigKey = keyof DetectionConfig;

/** Fleet-wide overrides plus per-agentType overrides, as `PUT /config/detection` stores them. */
export interface DetectionSettings {
  fleet?: Partial<DetectionConfig>;
  agentTypes?: Readonly<Record<string, Partial<DetectionConfig>>>;
}

/** `base` with each partial applied in turn (later wins); keys set to `undefined` are ignored. */
export function mergeDetectionConfig(base: Readonly<DetectionConfig>, ...overrides: ReadonlyArray<Partial<DetectionConfig> | undefined>): DetectionConfig {
  const out: DetectionConfig = { ...base };
  for (const o of overrides) {
    if (!o) continue;
    for (const key of CONFIG_KEYS) {
      const v = o[key];
      if (v !== undefined) (out as unknown as Record<string, number | boolean>)[key] = v;
    }
  }
  return out;
}

/** The config for one agent: defaults, then the fleet overrides, then its agentType's (if any). */
export function resolveDetectionConfig(settings: DetectionSettings, agentType: string | null, base: Readonly<DetectionConfig> = DEFAULT_DETECTION_CONFIG): DetectionConfig {
  const byType = agentType !== null && settings.agentTypes && Object.prototype.hasOwnProperty.call(settings.agentTypes, agentType)
    ? settings.agentTypes[agentType]
    : undefined;
  return mergeDetectionConfig(base, settings.fleet, byType);
}

type Rule =
  | { kind: 'int'; min: number; max: number }
  | { kind: 'num'; min: number; max: number; exclusiveMin?: boolean }
  | { kind: 'bool' };

const INT = (min: number, max: number): Rule => ({ kind: 'int', min, max });
const NUM = (min: number, max: number, exclusiveMin = false): Rule => ({ kind: 'num', min, max, exclusiveMin });

const RULES: Readonly<Record<DetectionConfigKey, Rule>> = {
  warmupSamples: INT(2, 10_000),
  ewmaSpan: INT(1, 100_000),
  widenBelowSamples: INT(0, 100_000),
  widenFactor: NUM(0, 1000),
  relativeFloor: NUM(0, 10),
  countFloor: NUM(0, 1e9),
  latencyFloorMs: NUM(0, 1e9),
  costFloorUsd: NUM(0, 1e9),
  anomalySigma: NUM(0, 1000, true),
  learnMaxSigma: NUM(0, 1000, true),
  delayedLearning: { kind: 'bool' },
  freezeSigma: NUM(0, 1000),
  freezeAfterAnomalySamples: INT(0, 30),
  rateWindow: INT(1, 30),
  rateWindowMax: INT(1, 30),
  rateTailProbability: NUM(0, 0.5, true),
  ratePriorCap: INT(1, 1_000_000),
  rateLongSpan: INT(0, 1_000_000),
  rateElevatedSigma: NUM(0, 1000),
  rateLongElevatedSigma: NUM(0, 1000),
  ratePersistSamples: INT(1, 30),
  promptChangeSamples: INT(1, 3),
  promptChangeSigma: NUM(0, 1000, true),
  promptAdoptSamples: INT(1, 1_000_000),
  immediateSigma: NUM(0, 1000, true),
  immediateConsecutiveSigma: NUM(0, 1000),
  persistSamples: INT(1, 30),
  confirmSigma: NUM(0, 1000),
  weakPersistSamples: INT(1, 30),
  weakWindow: INT(1, 30),
  approvalSigma: NUM(0, 1000),
  highSigma: NUM(0, 1000),
  criticalSigma: NUM(0, 1000),
  diagnosisSigma: NUM(0, 1000),
  fleetMinAgents: INT(1, 1e9),
  fleetWindowMs: INT(1, 86_400_000),
  fleetWideFraction: NUM(0, 1, true),
  externalCauseFraction: NUM(0, 1, true),
};

const CONFIG_KEYS = Object.keys(RULES) as DetectionConfigKey[];

/** On failure, `field` names the offending setting (absent when the value itself is not an object). */
export type DetectionConfigCheck = { ok: true; config: Partial<DetectionConfig> } | { ok: false; reason: string; field?: string };

/** Validates a partial config from outside (e.g. the body of `PUT /config/detection`): known keys, sane ranges. */
export function checkDetectionConfig(value: unknown): DetectionConfigCheck {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return { ok: false, reason: 'detection config must be a JSON object' };
  const out: Record<string, number | boolean> = {};
  for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
    if (!Object.prototype.hasOwnProperty.call(RULES, key)) return { ok: false, reason: `unknown detection setting "${key}"`, field: key };
    const rule = RULES[key as DetectionConfigKey];
    const problem = checkValue(rule, v);
    if (problem !== null) return { ok: false, reason: `${key} ${problem}`, field: key };
    out[key] = v as number | boolean;
  }
  return { ok: true, config: out as Partial<DetectionConfig> };
}

function checkValue(rule: Rule, v: unknown): string | null {
  switch (rule.kind) {
    case 'bool':
      return typeof v === 'boolean' ? null : 'must be a boolean';
    case 'int':
      return typeof v === 'number' && Number.isSafeInteger(v) && v >= rule.min && v <= rule.max ? null : `must be an integer in [${rule.min}, ${rule.max}]`;
    case 'num': {
      const okMin = typeof v === 'number' && (rule.exclusiveMin ? v > rule.min : v >= rule.min);
      return okMin && Number.isFinite(v) && (v as number) <= rule.max ? null : `must be a number in ${rule.exclusiveMin ? '(' : '['}${rule.min}, ${rule.max}]`;
    }
    default: {
      const never: never = rule;
      return `has an unknown rule ${JSON.stringify(never)}`;
    }
  }
}
