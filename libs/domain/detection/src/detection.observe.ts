import type { Diagnosis, Severity } from '@immune/contracts';
import { DEFAULT_DETECTION_CONFIG } from './detection.config';
import type { DetectionConfig } from './detection.config';
import type { AgentBaseline } from './detection.baseline';
import { diagnose, requiresApproval, severityFor } from './detection.diagnose';
import { ANOMALY_TYPE_OF, S, continuousBase, rateBase } from './detection.metrics';
import type { Anomaly, DetectionSample, Metric, MetricDeviations } from './detection.metrics';
import { binomialTail, median3, popcount, trailingOnes, upperTailSigma } from './detection.stats';

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
const HISTORY_BITS = 0x3fffffff;
const RING_BITS = 7;

/** A mask of the `n` lowest bits (n clamped to 0–30). */
function lowBits(n: number): number {
  return n <= 0 ? 0 : n >= 30 ? HISTORY_BITS : (1 << n) - 1;
}

/**
 * Judges one sample against the agent's baseline, then (if `learn`) learns from it; mutates `baseline` in
 * place (one baseline per agent, owned by one sentinel instance). O(1): one small result object per sample,
 * more only when something is anomalous. Every input path (NATS, HTTP, replay) calls this same function.
 *
 * - Warm-up: the first `warmupSamples` learned samples build plain means and variances (all learned);
 *   nothing is judged until then (`warm: false`). After it, EWMA (alpha 2/(span+1)) for means and variances.
 * - Continuous metrics: sample deviation |x − mean| / max(σ·(1 + 8/n) while n < 40, 5%·|mean|, absolute
 *   floor); the metric's deviation is the median of its last 3 sample deviations (a fresh window counts as
 *   zeros); an anomaly above `anomalySigma`. Not learned: a sample deviating more than `learnMaxSigma`, any
 *   sample while `learn` is false, and samples around an anomaly (`freezeSigma`, `freezeAfterAnomalySamples`).
 * - Rates (retries > 0; success false): the failures c of the last `rateWindow` samples against
 *   Binomial(window, p), p = (k·rate + 1)/(k + 2), k = min(learned, ratePriorCap); an anomaly when
 *   P(C ≥ c) < `rateTailProbability`, reported as its one-sided equivalent σ. Failures of an elevated count
 *   are not learned.
 * - promptHash: `promptChangeSamples` of the last 3 samples carry a hash other than the usual one →
 *   prompt_change at `promptChangeSigma`. The usual hash is the latest one seen in warm-up (or the first one
 *   seen after it); a new hash on `promptAdoptSamples` consecutive learned samples, or `adoptPromptHash`,
 *   replaces it. Samples without a hash are neutral.
 * - Infection (the quarantine decision) — see `DetectionConfig` and the README for the persistence rules.
 */
export function observe(baseline: AgentBaseline, sample: DetectionSample, opts: ObserveOptions): Observation {
  const cfg = opts.config ?? DEFAULT_DETECTION_CONFIG;
  const s = baseline.s;
  const learn = opts.learn;
  const deviations: MetricDeviations = {
    latencyMs: 0, tokens: 0, inputTokens: 0, outputTokens: 0, costUsd: 0, toolCalls: 0, retries: 0, errors: 0, promptHash: 0,
  };
  if (s[S.WARM] !== 1) {
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
  j.check(s, continuousBase(0), ring, 'latencyMs', lat);
  const tok = continuous(s, continuousBase(1), sample.tokens, cfg.countFloor, cfg, ring, learn, alpha);
  deviations.tokens = tok;
  j.check(s, continuousBase(1), ring, 'tokens', tok);
  const inp = continuous(s, continuousBase(2), sample.inputTokens, cfg.countFloor, cfg, ring, learn, alpha);
  deviations.inputTokens = inp;
  j.check(s, continuousBase(2), ring, 'inputTokens', inp);
  const outp = continuous(s, continuousBase(3), sample.outputTokens, cfg.countFloor, cfg, ring, learn, alpha);
  deviations.outputTokens = outp;
  j.check(s, continuousBase(3), ring, 'outputTokens', outp);
  const cost = continuous(s, continuousBase(4), sample.costUsd, cfg.costFloorUsd, cfg, ring, learn, alpha);
  deviations.costUsd = cost;
  j.check(s, continuousBase(4), ring, 'costUsd', cost);
  const tools = continuous(s, continuousBase(5), sample.toolCalls, cfg.countFloor, cfg, ring, learn, alpha);
  deviations.toolCalls = tools;
  j.check(s, continuousBase(5), ring, 'toolCalls', tools);

  const retries = rate(s, rateBase(0), sample.retries > 0 ? 1 : 0, cfg, learn, alpha);
  deviations.retries = retries;
  j.checkWindowed('retries', retries, trailingOnes(s[rateBase(0) + S.RATE_ANOMALOUS] ?? 0), cfg.ratePersistSamples);
  const errors = rate(s, rateBase(1), sample.success === false ? 1 : 0, cfg, learn, alpha);
  deviations.errors = errors;
  j.checkWindowed('errors', errors, trailingOnes(s[rateBase(1) + S.RATE_ANOMALOUS] ?? 0), cfg.ratePersistSamples);

  const prompt = promptStep(baseline, sample.promptHash, cfg, learn);
  deviations.promptHash = prompt;
  j.checkWindowed('promptHash', prompt, s[S.PROMPT_STREAK] ?? 0, cfg.persistSamples);

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

  /** A continuous metric at block `b` (its ring and streak already updated by `continuous`). */
  check(s: Float64Array, b: number, ring: number, metric: Metric, sigma: number): void {
    const cfg = this.cfg;
    if (!(sigma > cfg.anomalySigma)) return;
    const history = s[b + S.HISTORY] ?? 0;
    const streak = trailingOnes(history);
    const weakest = Math.min(s[b + S.DEV0] ?? 0, s[b + S.DEV0 + 1] ?? 0, s[b + S.DEV0 + 2] ?? 0);
    // Immediate only when the two newest samples both deviate: two spikes with a normal sample between them
    // (e.g. a lone outlier and a heavy-tail value) make a high median but are not a sustained anomaly.
    const newest = s[b + S.DEV0 + ring] ?? 0;
    const previous = s[b + S.DEV0 + (ring === 0 ? 2 : ring - 1)] ?? 0;
    const confirmed = (sigma >= cfg.immediateSigma && (cfg.immediateConsecutiveSigma <= 0 || Math.min(newest, previous) > cfg.immediateConsecutiveSigma))
      || (streak >= cfg.persistSamples
        && (weakest > cfg.confirmSigma || popcount(history & lowBits(cfg.weakWindow)) >= cfg.weakPersistSamples));
    this.add(metric, sigma, confirmed);
  }

  /** Rates and prompt: their own test decided; a positive streak means anomalous now. */
  checkWindowed(metric: Metric, sigma: number, streak: number, needed: number): void {
    if (streak > 0) this.add(metric, sigma, sigma >= this.cfg.immediateSigma || streak >= needed);
  }

  private add(metric: Metric, sigma: number, confirmed: boolean): void {
    (this.anomalies ??= []).push({ type: ANOMALY_TYPE_OF[metric], metric, sigma });
    if (sigma > this.maxAnomalySigma) this.maxAnomalySigma = sigma;
    if (confirmed) this.infectious = true;
  }
}

/**
 * One continuous metric: records the sample's deviation, updates the anomaly history, returns the median.
 * Learning is delayed by the ring: the sample leaving it (3 samples old) is learned unless it was tainted —
 * deviating more than `learnMaxSigma`, arriving while not learning, or in the ring while the metric's
 * deviation was above `freezeSigma` (or within `freezeAfterAnomalySamples` of an anomaly). So the first
 * samples of a sustained shift are judged with the ones after them and never absorbed.
 */
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

  const leaving = s[b + S.VAL0 + ring] ?? 0;
  const taintBefore = s[b + S.TAINT] ?? RING_BITS;
  const leavingTainted = (taintBefore >>> ring) & 1;
  s[b + S.DEV0 + ring] = dev;
  s[b + S.VAL0 + ring] = finite ? x : 0;
  let taint = learn && finite && dev <= cfg.learnMaxSigma ? taintBefore & ~(1 << ring) : taintBefore | (1 << ring);

  const med = median3(s[b + S.DEV0] ?? 0, s[b + S.DEV0 + 1] ?? 0, s[b + S.DEV0 + 2] ?? 0);
  const anomalous = med > cfg.anomalySigma;
  const history = ((((s[b + S.HISTORY] ?? 0) << 1) | (anomalous ? 1 : 0)) & HISTORY_BITS) >>> 0;
  s[b + S.HISTORY] = history;
  if (med > cfg.freezeSigma || (history & lowBits(cfg.freezeAfterAnomalySamples)) !== 0) taint = RING_BITS;
  s[b + S.TAINT] = taint;

  // Delayed: learn the sample leaving the ring if untainted. Immediate (as DESIGN words it): this sample.
  const learnable = cfg.delayedLearning ? leavingTainted === 0 : ((taint >>> ring) & 1) === 0;
  if (learn && learnable) {
    const d = (cfg.delayedLearning ? leaving : x) - mean;
    const incr = alpha * d;
    s[b + S.MEAN] = mean + incr;
    s[b + S.VAR] = (1 - alpha) * (variance + d * incr);
    s[b + S.N] = n + 1;
  }
  return med;
}

/**
 * One rate: slides the failure history, tests the window's count, updates the streak, learns; returns the
 * equivalent σ. The window is `rateWindow` samples, lengthened (up to `rateWindowMax`) only for an agent
 * whose baseline rate is so high that even a full window of failures could not reach `rateTailProbability`.
 * Successes are learned at once; with `delayedLearning` a failure is learned when it leaves the
 * `rateWindow`, and only if the count was never elevated while it was in it — so no failure of a burst is
 * learned, while lone failures are.
 */
function rate(s: Float64Array, b: number, bit: number, cfg: Readonly<DetectionConfig>, learn: boolean, alpha: number): number {
  const w = cfg.rateWindow;
  const before = s[b + S.RATE_MASK] ?? 0;
  const exiting = (before >>> (w - 1)) & 1;
  const elevatedBefore = s[b + S.RATE_ELEVATED] ?? 0;
  const history = (((before << 1) | bit) & HISTORY_BITS) >>> 0;
  s[b + S.RATE_MASK] = history;
  let n = s[b + S.RATE_N] ?? 0;
  let mean = s[b + S.RATE_MEAN] ?? 0;
  let sigma = 0;
  let anomalous = false;
  let c = 0;
  if ((history & lowBits(cfg.rateWindowMax > w ? cfg.rateWindowMax : w)) !== 0) {
    const k = n < cfg.ratePriorCap ? n : cfg.ratePriorCap;
    const longMean = cfg.rateLongSpan > 0 ? s[b + S.RATE_LONG] ?? 0 : 0;
    const p = (k * (mean > longMean ? mean : longMean) + 1) / (k + 2);
    let window = w;
    let threshold = cfg.rateTailProbability;
    // A high rate makes the count nearly continuous, so a per-sample tail of 1e-4 would flag a few percent
    // of such agents every few hundred samples: test a grown window at a tenth of the tail probability.
    if (cfg.rateWindowMax > w && Math.pow(p, w) >= threshold / 10) {
      threshold /= 10;
      window = Math.min(cfg.rateWindowMax, Math.floor(Math.log(threshold) / Math.log(p)) + 1);
    }
    c = popcount(history & lowBits(window));
    const tail = binomialTail(window, c, p);
    sigma = upperTailSigma(tail);
    anomalous = tail < threshold;
  }
  const anomalousBefore = s[b + S.RATE_ANOMALOUS] ?? 0;
  s[b + S.RATE_ANOMALOUS] = (((anomalousBefore << 1) | (anomalous ? 1 : 0)) & HISTORY_BITS) >>> 0;
  // A lone failure (the only one in the window) is never an elevated count.
  const elevated = c > 1 && sigma >= cfg.rateElevatedSigma ? 1 : 0;
  s[b + S.RATE_ELEVATED] = ((elevatedBefore << 1) | elevated) & lowBits(w);
  const highBefore = s[b + S.RATE_HIGH] ?? 0;
  s[b + S.RATE_HIGH] = ((highBefore << 1) | (c > 1 && sigma >= cfg.rateLongElevatedSigma ? 1 : 0)) & lowBits(w);
  if (!learn) return sigma;
  let longMean = s[b + S.RATE_LONG] ?? 0;
  // Delayed: a failure is learned as it leaves the window — by the EWMA rate if the count was never elevated
  // meanwhile (≥ rateElevatedSigma), by the long-run rate if it never reached rateLongElevatedSigma nor an
  // anomaly (a steady high rate has moderate clusters: they must be learned, or p stays too low).
  // Immediate (as DESIGN words it): as it arrives, unless the count is elevated now.
  if (cfg.delayedLearning ? exiting === 1 : bit === 1) {
    const ewmaOk = cfg.delayedLearning ? elevatedBefore === 0 : elevated === 0;
    const longOk = cfg.delayedLearning ? (anomalousBefore & lowBits(w)) === 0 && highBefore === 0 : elevated === 0;
    if (ewmaOk || longOk) n += 1;
    if (ewmaOk) mean += alpha * (1 - mean);
    if (longOk) longMean += longRate(n, cfg) * (1 - longMean);
  }
  if (bit === 0) {
    n += 1;
    mean += alpha * (0 - mean);
    longMean += longRate(n, cfg) * (0 - longMean);
  }
  s[b + S.RATE_MEAN] = mean;
  s[b + S.RATE_LONG] = longMean;
  s[b + S.RATE_N] = n;
  return sigma;
}

/** Learning rate of the long-run failure rate: a plain mean at first, then EWMA with span `rateLongSpan`. */
function longRate(n: number, cfg: Readonly<DetectionConfig>): number {
  const ewma = cfg.rateLongSpan > 0 ? 2 / (cfg.rateLongSpan + 1) : 1;
  const plain = 1 / n;
  return plain > ewma ? plain : ewma;
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
  if (done) s[S.WARM] = 1;
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
  s[b + S.RATE_LONG] = s[b + S.RATE_MEAN] ?? 0;
}
