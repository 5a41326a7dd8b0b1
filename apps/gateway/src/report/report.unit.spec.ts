import { summarize } from './report.queries';

describe('report summary', () => {
  const base = {
    totalQuarantined: 0,
    currentlyQuarantined: 0,
    released: 0,
    terminated: 0,
    bySeverity: { low: 0, medium: 0, high: 0, critical: 0 },
    bySource: {},
    avgDurationSeconds: null,
    posture: 'operator',
  };

  it('says when nothing happened', () => {
    expect(summarize(base)).toBe('No agent is quarantined now; there have been no quarantines yet; fleet posture is operator.');
  });

  it('reads like a sentence', () => {
    expect(
      summarize({
        ...base,
        totalQuarantined: 5,
        currentlyQuarantined: 1,
        released: 3,
        terminated: 1,
        bySeverity: { low: 0, medium: 2, high: 2, critical: 1 },
        avgDurationSeconds: 600,
      }),
    ).toBe('1 agent is quarantined now; 5 quarantines in total (1 critical, 2 high), 3 released, 1 terminated, lasting 10 min on average; fleet posture is operator.');
  });
});
