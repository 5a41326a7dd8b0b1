import type { Diagnosis, Severity } from '@immune/contracts';
import { DEFAULT_DETECTION_CONFIG } from './detection.config';
import type { DetectionConfig } from './detection.config';
import type { AgentBaseline } from './detection.baseline';
import { diagnose, requiresApproval, severityFor } from './detection.diagnose';
import { ANOMALY_TYPE_OF, S, continuousBase, rateBase } from './detection.metrics';
import type { Anomaly, DetectionSample, Metric, MetricDeviations } from './detection.metrics';
import { binomialTail, median3, popcount, upperTailSigma } from './detection.stats';

export interface ObserveOptions {
  /** False while the agent is quarantined (or on probation): judge the sample, learn nothing from it. */
  learn: boolean;
  config?: Readonly<DetectionConfig>;
}

/** A quarantine decision: an anomaly that held long enough (or was strong enough at once). */
export interface Infection {
  /** Every anomaly of this sample. */
  anomalies: Anomaly[];
  /** The largest σ among them. */
  deviation: number;
  severity: Severity;
  requiresApproval: boolean;
  diagnoses: Diagnosis[];
}

export interface Observation {
  /** False until the agent has learned `warmupSamples` samples; nothing is detected before. */
  warm: boolean;
  deviations: MetricDeviations;
  anomalies: readonly Anomaly[];
  /** The largest deviation of any metric. */
  maxSigma: number;
  infection: Infection | null;
}

/** Deviations are capped here so they stay finite (and JSON-safe) whatever the inputs. */
export const SIGMA_CAP = 1e6;

const NO_ANOMALIES: readonly Anomaly[] = Object.freeze([]);

/**
 * Judges one sample against the agent's baseline, then (if `learn`) learns from it; mutates `baseline`.
 * O(1), allocation-light: one small result object per sample, more only when something is anomalous.
 *
 * Rules (DESIGN.md, "Vitals and detection"; defaults in DEFAULT_DETECTION_CONFIG):
 * - Warm-up: the first `warmupSamples` learned samples build plain means and variances and are all learned;
 *   nothing is judged until then. After it, EWMA (alpha 2/(span+1)) for mean and variance.
 * - Continuous metrics: sample deviation |x − mean| / max(σ·(1 + 8/n) while n < 40, 5%·|mean|, absolute floor);
 *   the metric's deviation is the median of its last 3 sample deviations (a fresh window counts as zeros).
 *   Not learned: a sample deviating more than `learnMaxSigma` on that metric, and any sample while the
 *   metric's deviation is above `freezeSigma`.
 * - Rates (retries > 0, success false): count c over the last `rateWindow` samples against
 *   Binomial(window, p), p = (k·mean + 1)/(k + 2), k = min(learned, ratePriorCap); anomaly when P(C ≥ c) <
 *   `rateTailProbability`, reported as its one-sided equivalent σ. A failure is not learned while the count
 *   is at or above `rateElevatedSigma`.
 * - promptHash: the usual hash is the latest one reported during warm-up (or the first one reported after
 *   it, if none was); a different hash on `promptAdoptSamples` consecutive learned samples, or
 *   `adoptPromptHash`, replaces it. `promptChangeSamples` of the last 3 samples with a non-null hash other
 *   than the usual one is `prompt_change` at `promptChangeSigma`. Samples without a hash are neutral.
 * - Anomaly: deviation above `anomalySigma` (rates: the tail test). Infection: an anomaly at or above
 *   `immediateSigma`, or one that held `persistSamples` consecutive samples (`weakPersistSamples` while below
 *   `weakSigma`).
 */
export function observe(baseline: AgentBaseline, sample: DetectionSample, opts: ObserveOptions): Observation {
  const cfg = opts.config ?? DEFAULT_DETECTION_CONFIG;
  const s = baseline.s;
  const learn = opts.learn;
  const deviations: MetricDeviations = {
    latencyMs: 0, tokens: 0, inputTokens: 0, outputTokens: 0, costUsd: 0, toolCalls: 0, retries: 0, errors: 0, promptHash: 0,
  };
  if ((s[S.SAMPLES] ?? 0) < cfg.warmupSamples) {
    if (learn) warmUp(baseline, sample, cfg);
    return { warm: false, deviations, anomalies: NO_ANOMALIES, maxSigma: 0, infection: null };
  }

  const alpha = 2 / (cfg.ewmaSpan + 1);
  const ring = s[S.RING] ?? 0;
  s[S.RING] = ring >= 2 ? 0 : ring + 1;
  if (learn) s[S.SAMPLES] = (s[S.SAMPLES] ?? 0) + 1;

  const j = new Judged(cfg);
  const lat = continuous(s, continuousBase(0), sample.latencyMs, cfg.latencyFloorMs, cfg, ring, learn, alpha);
  deviations.latencyMs = lat;
  j.check('latencyMs', lat, s[continuousBase(0) + S.STREAK] ?? 0);
  const tok = continuous(s, continuousBase(1), sample.tokens, cfg.countFloor, cfg, ring, learn, alpha);
  deviations.tokens = tok;
  j.check('tokens', tok, s[continuousBase(1) + S.STREAK] ?? 0);
  const inp = continuous(s, continuousBase(2), sample.inputTokens, cfg.countFloor, cfg, ring, learn, alpha);
  deviations.inputTokens = inp;
  j.check('inputTokens', inp, s[continuousBase(2) + S.STREAK] ?? 0);
  const outp = continuous(s, continuousBase(3), sample.outputTokens, cfg.countFloor, cfg, ring, learn, alpha);
  deviations.outputTokens = outp;
  j.check('outputTokens', outp, s[continuousBase(3) + S.STREAK] ?? 0);
  const cost = continuous(s, continuousBase(4), sample.costUsd, cfg.costFloorUsd, cfg, ring, learn, alpha);
  deviations.costUsd = cost;
  j.check('costUsd', cost, s[continuousBase(4) + S.STREAK] ?? 0);
  const tools = continuous(s, continuousBase(5), sample.toolCalls, cfg.countFloor, cfg, ring, learn, alpha);
  deviations.toolCalls = tools;
  j.check('toolCalls', tools, s[continuousBase(5) + S.STREAK] ?? 0);

  const retries = rate(s, rateBase(0), sample.retries > 0 ? 1 : 0, cfg, learn, alpha);
  deviations.retries = retries;
  j.checkRate('retries', retries, s[rateBase(0) + S.RATE_STREAK] ?? 0);
  const errors = rate(s, rateBase(1), sample.success === false ? 1 : 0, cfg, learn, alpha);
  deviations.errors = errors;
  j.checkRate('errors', errors, s[rateBase(1) + S.RATE_STREAK] ?? 0);

  const prompt = promptStep(baseline, sample.promptHash, cfg, learn);
  deviations.promptHash = prompt;
  j.checkRate('promptHash', prompt, s[S.PROMPT_STREAK] ?? 0);

  const maxSigma = Math.max(lat, tok, inp, outp, cost, tools, retries, errors, prompt);
  const anomalies = j.anomalies ?? NO_ANOMALIES;
  let infection: Infection | null = null;
  if (j.infectious && j.anomalies) {
    const deviation = j.maxAnomalySigma;
    infection = {
      anomalies: j.anomalies.slice(),
      deviation,
      severity: severityFor(deviation, j.anomalies, cfg),
      requiresApproval: requiresApproval(deviation, cfg),
      diagnoses: diagnose(j.anomalies, cfg),
    };
  }
  return { warm: true, deviations, anomalies, maxSigma, infection };
}

/** Collects the anomalies of one sample and whether any of them is an infection. */
class Judged {
  anomalies: Anomaly[] | null = null;
  infectious = false;
  maxAnomalySigma = 0;

  constructor(private readonly cfg: Readonly<DetectionConfig>) {}

  /** A continuous metric: anomalous above `anomalySigma` (its streak was updated by `continuous`). */
  check(metric: Metric, sigma: number, streak: number): void {
    if (sigma > this.cfg.anomalySigma) this.add(metric, sigma, streak);
  }

  /** Rates and prompt: their own test decided; a positive streak means anomalous now. */
  checkRate(metric: Metric, sigma: number, streak: number): void {
    if (streak > 0) this.add(metric, sigma, streak);
  }

  private add(metric: Metric, sigma: number, streak: number): void {
    const type = ANOMALY_TYPE_OF[metric];
    (this.anomalies ??= []).push({ type, metric, sigma });
    if (sigma > this.maxAnomalySigma) this.maxAnomalySigma = sigma;
    const cfg = this.cfg;
    const needed = sigma < cfg.weakSigma ? Math.max(cfg.persistSamples, cfg.weakPersistSamples) : cfg.persistSamples;
    if (sigma >= cfg.immediateSigma || streak >= needed) this.infectious = true;
  }
}

/** One continuous metric: records the sample's deviation, updates the streak, learns; returns the median. */
function continuous(
  s: Float64Array, b: number, x: number, absFloor: number, cfg: Readonly<DetectionConfig>, ring: number, learn: boolean, alpha: number,
): number {
  const n = s[b + S.N] ?? 0;
  const mean = s[b + S.MEAN] ?? 0;
  const variance = s[b + S.VAR] ?? 0;
  const finite = x - x === 0;
  let sd = Math.sqrt(variance > 0 ? variance : 0);
  if (n < cfg.widenBelowSamples && n > 0) sd *= 1 + cfg.widenFactor / n;
  const rel = cfg.relativeFloor * Math.abs(mean);
  const denom = Math.max(sd, rel, absFloor);
  const diff = finite ? Math.abs(x - mean) : 0;
  let dev = denom > 0 ? diff / denom : diff > 0 ? SIGMA_CAP : 0;
  if (!(dev < SIGMA_CAP)) dev = dev >= SIGMA_CAP ? SIGMA_CAP : 0;
  s[b + S.DEV0 + ring] = dev;
  const med = median3(s[b + S.DEV0] ?? 0, s[b + S.DEV0 + 1] ?? 0, s[b + S.DEV0 + 2] ?? 0);
  const anomalous = med > cfg.anomalySigma;
  s[b + S.STREAK] = anomalous ? (s[b + S.STREAK] ?? 0) + 1 : 0;
  const clip = cfg.clip;
  if (learn && finite && (dev <= cfg.learnMaxSigma || clip) && med <= cfg.freezeSigma) {
    const d = dev <= cfg.learnMaxSigma ? x - mean : Math.sign(x - mean) * cfg.learnMaxSigma * denom;
    const incr = alpha * d;
    s[b + S.MEAN] = mean + incr;
    s[b + S.VAR] = (1 - alpha) * (variance + d * incr);
    s[b + S.N] = n + 1;
  }
  return med;
}

/** One rate: slides the failure window, tests its count, updates the streak, learns; returns the equivalent σ. */
function rate(s: Float64Array, b: number, bit: number, cfg: Readonly<DetectionConfig>, learn: boolean, alpha: number): number {
  const w = cfg.rateWindow;
  const mask = ((((s[b + S.RATE_MASK] ?? 0) << 1) | bit) & ((1 << w) - 1)) >>> 0;
  s[b + S.RATE_MASK] = mask;
  const n = s[b + S.RATE_N] ?? 0;
  const mean = s[b + S.RATE_MEAN] ?? 0;
  let sigma = 0;
  let anomalous = false;
  if (mask !== 0) {
    const c = popcount(mask);
    const k = n < cfg.ratePriorCap ? n : cfg.ratePriorCap;
    const p = (k * mean + 1) / (k + 2);
    const tail = binomialTail(w, c, p);
    sigma = upperTailSigma(tail);
    anomalous = tail < cfg.rateTailProbability;
  }
  s[b + S.RATE_STREAK] = anomalous ? (s[b + S.RATE_STREAK] ?? 0) + 1 : 0;
  if (learn && !(bit === 1 && sigma >= cfg.rateElevatedSigma)) {
    s[b + S.RATE_MEAN] = mean + alpha * (bit - mean);
    s[b + S.RATE_N] = n + 1;
  }
  return sigma;
}

/** The prompt-hash window: returns `promptChangeSigma` when enough of the last 3 hashes differ, else 0. */
function promptStep(baseline: AgentBaseline, hash: string | null, cfg: Readonly<DetectionConfig>, learn: boolean): number {
  const s = baseline.s;
  const usual = baseline.usualHash;
  const bit = hash !== null && usual !== null && hash !== usual ? 1 : 0;
  const mask = (((s[S.PROMPT_MASK] ?? 0) << 1) | bit) & 7;
  s[S.PROMPT_MASK] = mask;
  const changed = popcount(mask) >= cfg.promptChangeSamples;
  s[S.PROMPT_STREAK] = changed ? (s[S.PROMPT_STREAK] ?? 0) + 1 : 0;
  if (learn && hash !== null) {
    if (usual === null) {
      baseline.usualHash = hash;
    } else if (bit === 1) {
      const count = baseline.candidateHash === hash ? (s[S.CANDIDATE_COUNT] ?? 0) + 1 : 1;
      baseline.candidateHash = hash;
      s[S.CANDIDATE_COUNT] = count;
      if (count >= cfg.promptAdoptSamples) {
        baseline.usualHash = hash;
        baseline.candidateHash = null;
        s[S.CANDIDATE_COUNT] = 0;
        s[S.PROMPT_MASK] = 0;
      }
    } else if (baseline.candidateHash !== null) {
      baseline.candidateHash = null;
      s[S.CANDIDATE_COUNT] = 0;
    }
  }
  return changed ? cfg.promptChangeSigma : 0;
}

/** Warm-up: plain (Welford) mean and variance of every metric, plain failure rates, the latest hash. */
function warmUp(baseline: AgentBaseline, sample: DetectionSample, cfg: Readonly<DetectionConfig>): void {
  const s = baseline.s;
  const n = (s[S.SAMPLES] ?? 0) + 1;
  s[S.SAMPLES] = n;
  const done = n >= cfg.warmupSamples;
  welford(s, continuousBase(0), sample.latencyMs, done);
  welford(s, continuousBase(1), sample.tokens, done);
  welford(s, continuousBase(2), sample.inputTokens, done);
  welford(s, continuousBase(3), sample.outputTokens, done);
  welford(s, continuousBase(4), sample.costUsd, done);
  welford(s, continuousBase(5), sample.toolCalls, done);
  plainRate(s, rateBase(0), sample.retries > 0 ? 1 : 0);
  plainRate(s, rateBase(1), sample.success === false ? 1 : 0);
  if (sample.promptHash !== null) baseline.usualHash = sample.promptHash;
}

function welford(s: Float64Array, b: number, x: number, done: boolean): void {
  const v = x - x === 0 ? x : s[b + S.MEAN] ?? 0; // a non-finite value is learned as the mean so far
  const n = (s[b + S.N] ?? 0) + 1;
  const mean = s[b + S.MEAN] ?? 0;
  const d = v - mean;
  const next = mean + d / n;
  const m2 = (s[b + S.VAR] ?? 0) + d * (v - next);
  s[b + S.N] = n;
  s[b + S.MEAN] = next;
  // At the end of warm-up the slot switches from M2 to the (sample) variance the EWMA continues from.
  s[b + S.VAR] = done ? (n > 1 ? m2 / (n - 1) : 0) : m2;
}

function plainRate(s: Float64Array, b: number, bit: number): void {
  const n = (s[b + S.RATE_N] ?? 0) + 1;
  const mean = s[b + S.RATE_MEAN] ?? 0;
  s[b + S.RATE_N] = n;
  s[b + S.RATE_MEAN] = mean + (bit - mean) / n;
}
