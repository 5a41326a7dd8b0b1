import { createAgentBaseline, observe, snapshotBaseline, restoreBaseline, type DetectionSample } from '@immune/domain-detection';
import { ProbationJudge, probationOnTick, probationOnVital, startProbation } from './healing.probation';

const healthy = { healthy: true, anomalies: [] };
const sick = { healthy: false, anomalies: [{ type: 'latency_spike' as const, metric: 'latencyMs' as const, sigma: 9 }] };

describe('probation verdict', () => {
  it('passes on the 5th healthy vital, judged one by one', () => {
    let p = startProbation(0);
    for (let i = 1; i <= 4; i++) {
      const r = probationOnVital(p, healthy, i * 1000);
      expect(r.verdict).toEqual({ kind: 'continue', judged: i });
      p = r.state;
    }
    expect(probationOnVital(p, healthy, 5000).verdict).toEqual({ kind: 'passed', vitalsJudged: 5 });
  });

  it('fails at the first unhealthy vital, naming the anomaly', () => {
    const r = probationOnVital(probationOnVital(startProbation(0), healthy, 1).state, sick, 2);
    expect(r.verdict).toEqual({ kind: 'failed', reason: 'probation_failed', detail: 'vital 2: latency_spike 9.0σ', vitalsJudged: 2 });
  });

  it('fails when no vital arrives within 60 s; each vital moves the deadline', () => {
    const p = startProbation(1000);
    expect(probationOnTick(p, 60_999).verdict.kind).toBe('continue');
    expect(probationOnTick(p, 61_000).verdict).toMatchObject({ kind: 'failed', reason: 'probation_silent' });
    const moved = probationOnVital(p, healthy, 50_000).state;
    expect(probationOnTick(moved, 61_000).verdict.kind).toBe('continue');
    expect(probationOnTick(moved, 110_000).verdict).toMatchObject({ kind: 'failed', reason: 'probation_silent' });
  });

  it('ignores inputs after the verdict', () => {
    const done = probationOnVital(startProbation(0), sick, 1).state;
    expect(probationOnVital(done, healthy, 2).verdict).toEqual({ kind: 'ignored', reason: 'probation already decided' });
    expect(probationOnTick(done, 1e9).verdict).toEqual({ kind: 'ignored', reason: 'probation already decided' });
  });
});

describe('ProbationJudge', () => {
  const normal = (i: number): DetectionSample => ({
    latencyMs: 200 + (i % 7) * 5, tokens: 500 + (i % 5) * 10, inputTokens: 300 + (i % 5) * 6, outputTokens: 200 + (i % 5) * 4,
    costUsd: 0.01, toolCalls: 2 + (i % 2), retries: 0, success: true, promptHash: 'p1',
  });
  const learned = () => {
    const b = createAgentBaseline();
    for (let i = 0; i < 60; i++) observe(b, normal(i), { learn: true });
    return restoreBaseline(snapshotBaseline(b));
  };

  it('judges healthy vitals healthy against the learned baseline', () => {
    const judge = new ProbationJudge(learned());
    expect(judge.hasBaseline).toBe(true);
    for (let i = 0; i < 5; i++) expect(judge.judge(normal(i)).healthy).toBe(true);
  });

  it('starts from a fresh window: the deviations that got the agent quarantined are forgotten', () => {
    const b = learned();
    if (b === null) throw new Error('no baseline');
    for (let i = 0; i < 3; i++) observe(b, { ...normal(i), latencyMs: 20_000 }, { learn: false });
    const judge = new ProbationJudge(b);
    expect(judge.judge(normal(1)).healthy).toBe(true);
  });

  it('flags a sustained deviation on probation', () => {
    const judge = new ProbationJudge(learned());
    const verdicts = [0, 1, 2].map((i) => judge.judge({ ...normal(i), latencyMs: 20_000 }).healthy);
    expect(verdicts).toContain(false);
  });

  it('without a warm baseline a vital is healthy when it succeeded', () => {
    const judge = new ProbationJudge(null);
    expect(judge.hasBaseline).toBe(false);
    expect(judge.judge(normal(0)).healthy).toBe(true);
    expect(judge.judge({ ...normal(0), success: false }).healthy).toBe(false);
  });
});
