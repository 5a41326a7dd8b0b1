import { isWarm, observe, resetWindow, type AgentBaseline, type Anomaly, type DetectionConfig, type DetectionSample } from '@immune/domain-detection';

/** How probation is judged (DESIGN.md): 5 healthy vitals in a row, no vital within 60 s is a failure. */
export interface ProbationPolicy {
  vitalsNeeded: number;
  silenceMs: number;
}

export const DEFAULT_PROBATION_POLICY: ProbationPolicy = Object.freeze({ vitalsNeeded: 5, silenceMs: 60_000 });

export interface ProbationState {
  judged: number;
  /** A vital must arrive before this time (epoch ms), else probation fails as silent. */
  deadlineMs: number;
  done: boolean;
}

export type ProbationVerdict =
  | { kind: 'continue'; judged: number }
  | { kind: 'passed'; vitalsJudged: number }
  | { kind: 'failed'; reason: 'probation_failed' | 'probation_silent'; detail: string; vitalsJudged: number }
  | { kind: 'ignored'; reason: string };

export function startProbation(nowMs: number, policy: ProbationPolicy = DEFAULT_PROBATION_POLICY): ProbationState {
  return { judged: 0, deadlineMs: nowMs + policy.silenceMs, done: false };
}

/** The judgement of one vital: healthy when the detector sees no anomaly in it (see `ProbationJudge`). */
export interface VitalJudgement {
  healthy: boolean;
  anomalies: readonly Anomaly[];
}

/**
 * One vital on probation. Vitals are judged one by one; an unhealthy one fails probation at once, the
 * `vitalsNeeded`-th healthy one passes it, and each vital moves the silence deadline. After a verdict every
 * input is ignored (a returned value, not an exception).
 */
export function probationOnVital(
  p: ProbationState,
  judgement: VitalJudgement,
  nowMs: number,
  policy: ProbationPolicy = DEFAULT_PROBATION_POLICY,
): { state: ProbationState; verdict: ProbationVerdict } {
  if (p.done) return { state: p, verdict: { kind: 'ignored', reason: 'probation already decided' } };
  const judged = p.judged + 1;
  if (!judgement.healthy) {
    const what = judgement.anomalies.map((a) => `${a.type} ${a.sigma.toFixed(1)}σ`).join(', ') || 'unhealthy vital';
    return { state: { judged, deadlineMs: p.deadlineMs, done: true }, verdict: { kind: 'failed', reason: 'probation_failed', detail: `vital ${judged}: ${what}`, vitalsJudged: judged } };
  }
  if (judged >= policy.vitalsNeeded) return { state: { judged, deadlineMs: p.deadlineMs, done: true }, verdict: { kind: 'passed', vitalsJudged: judged } };
  return { state: { judged, deadlineMs: nowMs + policy.silenceMs, done: false }, verdict: { kind: 'continue', judged } };
}

/** Time passes: past the deadline without a vital, probation fails as silent. */
export function probationOnTick(p: ProbationState, nowMs: number, policy: ProbationPolicy = DEFAULT_PROBATION_POLICY): { state: ProbationState; verdict: ProbationVerdict } {
  if (p.done) return { state: p, verdict: { kind: 'ignored', reason: 'probation already decided' } };
  if (nowMs < p.deadlineMs) return { state: p, verdict: { kind: 'continue', judged: p.judged } };
  return {
    state: { ...p, done: true },
    verdict: {
      kind: 'failed',
      reason: 'probation_silent',
      detail: `no vital within ${Math.round(policy.silenceMs / 1000)} s (${p.judged} of ${policy.vitalsNeeded} judged)`,
      vitalsJudged: p.judged,
    },
  };
}

/**
 * Judges probation vitals against the agent's learned baseline with a fresh detection window (so the deviations
 * that got it quarantined are forgotten), learning nothing. Without a warm baseline a vital is healthy when it
 * succeeded. Owns its copy of the baseline: the caller hands over a restored snapshot.
 */
export class ProbationJudge {
  private readonly baseline: AgentBaseline | null;

  constructor(baseline: AgentBaseline | null, private readonly config?: Readonly<DetectionConfig>) {
    this.baseline = baseline !== null && isWarm(baseline) ? baseline : null;
    if (this.baseline !== null) resetWindow(this.baseline);
  }

  get hasBaseline(): boolean {
    return this.baseline !== null;
  }

  judge(sample: DetectionSample): VitalJudgement {
    if (this.baseline === null) return { healthy: sample.success !== false, anomalies: [] };
    const o = observe(this.baseline, sample, this.config === undefined ? { learn: false } : { learn: false, config: this.config });
    return { healthy: o.anomalies.length === 0, anomalies: o.anomalies };
  }
}
