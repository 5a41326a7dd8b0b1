import { DESIGN_LITERAL_DETECTION_CONFIG } from './detection.config';
import { describeBaseline } from './detection.baseline';
import { binomialTail, upperTailSigma } from './detection.stats';
import { Rng, firstInfection, given, vital } from './detection.given.spec';

const fail = vital({ success: false });
const retry = vital({ retries: 2 });

describe('error rate of an agent that never failed (fixed failure 2)', () => {
  it('is flagged on 5 failures in 5: 3 in 5 already reach the tail below 1e-4', () => {
    const fed = given({ samples: 100 });
    const seen = fed.feed(fail, 5);
    expect(seen.slice(0, 2).every((o) => o.anomalies.length === 0)).toBe(true);
    expect(firstInfection(seen)).toBe(2);
    const p = 1 / 52; // (k·0 + 1)/(k + 2), k capped at 50
    expect(seen[2]?.deviations.errors).toBeCloseTo(upperTailSigma(binomialTail(5, 3, p)), 10);
    expect(seen[4]?.infection).toMatchObject({
      anomalies: [{ type: 'error_rate_spike', metric: 'errors' }],
      severity: 'high',
      requiresApproval: true,
      diagnoses: [{ hypothesis: 'tool_instability', confidence: 0.7 }],
    });
    expect(seen[4]?.infection?.deviation).toBeCloseTo(upperTailSigma(Math.pow(p, 5)), 10);
  });

  it('is flagged on the 5th failure under the literal DESIGN rules (the 1st failure is learned, 2 consecutive needed)', () => {
    expect(firstInfection(given({ cfg: DESIGN_LITERAL_DETECTION_CONFIG, samples: 100 }).feed(fail, 5))).toBe(4);
  });
});

describe('retry rate', () => {
  it('counts a sample with retries > 0 as a retry and flags a storm as high_retry_rate (memory corruption alone)', () => {
    const seen = given({ samples: 100 }).feed(retry, 5);
    expect(firstInfection(seen)).toBe(2);
    expect(seen[4]?.infection?.anomalies).toEqual([{ type: 'high_retry_rate', metric: 'retries', sigma: expect.any(Number) }]);
    expect(seen[4]?.infection?.diagnoses[0]).toMatchObject({ hypothesis: 'memory_corruption', confidence: 0.65 });
  });
});

describe('the binomial test', () => {
  it('uses p = (k·rate + 1)/(k + 2) with k the samples learned', () => {
    const fed = given({ warmup: (i) => vital({ success: i % 5 !== 0 }) }); // 3 failures in 15
    const o = fed.feed(fail)[0];
    expect(o?.deviations.errors).toBeCloseTo(upperTailSigma(binomialTail(5, 1, (15 * 0.2 + 1) / 17)), 10);
  });

  it('learns lone failures: an agent failing every 20th task is never flagged and learns its rate', () => {
    const fed = given({ samples: 15 });
    const seen = fed.feed((i) => vital({ success: i % 20 !== 19 }), 1000);
    expect(firstInfection(seen)).toBe(-1);
    expect(describeBaseline(fed.baseline).rates.errors.longRunRate).toBeCloseTo(0.05, 2);
  });

  it('learns no failure of an elevated count, so a burst does not raise the baseline', () => {
    const fed = given({ samples: 100 });
    fed.feed(fail, 4, true);
    fed.feed(vital(), 20);
    const r = describeBaseline(fed.baseline).rates.errors;
    expect(r.rate).toBe(0);
    expect(r.longRunRate).toBe(0);
  });

  it('learns nothing while quarantined', () => {
    const fed = given({ samples: 100 });
    const before = describeBaseline(fed.baseline).rates;
    fed.feed((i) => vital({ success: i % 3 !== 0 }), 60, false);
    expect(describeBaseline(fed.baseline).rates).toMatchObject({ errors: { rate: before.errors.rate, samples: before.errors.samples } });
  });

  it('grows the window for a high-rate agent: no false alarm at a steady 25%, a storm is still flagged', () => {
    const rng = new Rng(3);
    const fed = given({ warmup: () => vital({ retries: rng.next() < 0.25 ? 1 : 0 }), samples: 100 });
    const steady = fed.feed(() => vital({ retries: rng.next() < 0.25 ? 1 : 0 }), 3000);
    expect(firstInfection(steady)).toBe(-1);
    const storm = fed.feed(retry, 30);
    expect(firstInfection(storm)).toBeGreaterThanOrEqual(0);
    expect(firstInfection(storm)).toBeLessThan(20);
  });
});
