import { checkVital } from '@immune/contracts';
import { DESIGN_LITERAL_DETECTION_CONFIG } from './detection.config';
import { createAgentBaseline, describeBaseline, isWarm, resetWindow } from './detection.baseline';
import { observe } from './detection.observe';
import type { Observation } from './detection.observe';
import { Rng, config, firstInfection, given, jittered, vital } from './detection.given.spec';

const ALPHA = 2 / 51;

/** Judges `sample` three times without learning: the median of three equal deviations is the sample's deviation. */
function probe(fed: ReturnType<typeof given>, over: Parameters<typeof vital>[0]): Observation {
  fed.feed(vital(over), 3, false);
  return fed.last();
}

describe('warm-up', () => {
  it('judges nothing before 15 learned samples, however odd they are', () => {
    const b = createAgentBaseline();
    const seen = Array.from({ length: 15 }, (_, i) => observe(b, vital({ latencyMs: i === 14 ? 1e6 : 100 }), { learn: true }));
    expect(seen.every((o) => !o.warm && o.anomalies.length === 0 && o.infection === null && o.maxSigma === 0)).toBe(true);
    expect(isWarm(b)).toBe(true);
    expect(observe(b, vital(), { learn: true }).warm).toBe(true);
  });

  it('builds a plain mean and (sample) variance over the first 15 samples', () => {
    const fed = given({ warmup: (i) => vital({ latencyMs: 100 + i }) });
    const m = describeBaseline(fed.baseline).metrics.latencyMs;
    expect(m.samples).toBe(15);
    expect(m.mean).toBeCloseTo(107, 10);
    expect(m.std).toBeCloseTo(Math.sqrt(20), 10); // sample variance of 0..14
  });

  it('stays warm when warmupSamples is raised later (the setting applies to baselines still warming up)', () => {
    const fed = given();
    const o = observe(fed.baseline, vital({ latencyMs: 100 }), { learn: true, config: config({ warmupSamples: 100 }) });
    expect(o.warm).toBe(true);
    expect(describeBaseline(fed.baseline).metrics.latencyMs).toMatchObject({ mean: 100, std: 0 });
  });

  it('does not warm up while the caller says not to learn', () => {
    const b = createAgentBaseline();
    for (let i = 0; i < 30; i++) expect(observe(b, vital(), { learn: false }).warm).toBe(false);
    expect(isWarm(b)).toBe(false);
  });
});

describe('EWMA after warm-up (span 50, alpha 2/51)', () => {
  it('updates mean and variance by EWMA', () => {
    const fed = given({ cfg: config({ delayedLearning: false }) });
    fed.feed(vital({ latencyMs: 103 }));
    const m = describeBaseline(fed.baseline).metrics.latencyMs;
    expect(m.mean).toBeCloseTo(100 + ALPHA * 3, 12);
    expect(m.std ** 2).toBeCloseTo((1 - ALPHA) * (3 * ALPHA * 3), 12);
  });

  it('learns a sample once it leaves the 3-sample window (delayed learning)', () => {
    const fed = given();
    fed.feed(vital({ latencyMs: 103 }));
    fed.feed(vital(), 2);
    expect(describeBaseline(fed.baseline).metrics.latencyMs.mean).toBe(100);
    fed.feed(vital());
    expect(describeBaseline(fed.baseline).metrics.latencyMs.mean).toBeCloseTo(100 + ALPHA * 3, 12);
  });
});

describe('sample deviation', () => {
  it('widens σ by × (1 + 8/n) while fewer than 40 samples are learned', () => {
    const fed = given({ warmup: (i) => vital({ latencyMs: i % 2 === 0 ? 90 : 110 }) });
    const { mean, std, samples } = describeBaseline(fed.baseline).metrics.latencyMs;
    expect(samples).toBe(15);
    expect(probe(fed, { latencyMs: 150 }).deviations.latencyMs).toBeCloseTo((150 - mean) / (std * (1 + 8 / 15)), 10);
  });

  it('uses σ itself from 40 samples on', () => {
    const fed = given({ warmup: (i) => vital({ latencyMs: i % 2 === 0 ? 90 : 110 }), samples: 60 });
    const { mean, std, samples } = describeBaseline(fed.baseline).metrics.latencyMs;
    expect(samples).toBeGreaterThanOrEqual(40);
    expect(probe(fed, { latencyMs: 150 }).deviations.latencyMs).toBeCloseTo((150 - mean) / std, 10);
  });

  it('floors the scale at 5% of |mean|', () => {
    expect(probe(given(), { latencyMs: 110 }).deviations.latencyMs).toBeCloseTo(2, 12); // σ 0, mean 100 → scale 5
  });

  it('floors counts at 0.5, latency at 1 ms and cost at 0.0001 USD', () => {
    expect(probe(given(), { toolCalls: 3 }).deviations.toolCalls).toBeCloseTo(2, 12); // 5% of 2 = 0.1 < 0.5
    const idle = given({ warmup: () => vital({ latencyMs: 0, costUsd: 0, toolCalls: 0 }) });
    const o = probe(idle, { latencyMs: 2, costUsd: 0.0002, toolCalls: 1 });
    expect(o.deviations.latencyMs).toBeCloseTo(2, 12);
    expect(o.deviations.costUsd).toBeCloseTo(2, 12);
    expect(o.deviations.toolCalls).toBeCloseTo(2, 12);
  });
});

describe('median of the last 3 sample deviations', () => {
  it('lets no lone outlier trip a metric', () => {
    const fed = given();
    const seen = [...fed.feed(vital({ latencyMs: 100_000 })), ...fed.feed(vital(), 20)];
    expect(seen.every((o) => o.anomalies.length === 0 && o.infection === null)).toBe(true);
  });

  it('flags two deviating samples out of three, but two spikes around a normal sample are no infection', () => {
    const fed = given();
    const seen = fed.feed((i) => vital({ latencyMs: i === 1 ? 100 : 10_000 }), 3);
    expect(seen[2]?.anomalies).toEqual([{ type: 'latency_spike', metric: 'latencyMs', sigma: 1980 }]);
    expect(seen[2]?.infection).toBeNull();
    expect(fed.feed(vital({ latencyMs: 10_000 }))[0]?.infection).not.toBeNull();
  });
});

describe('anomaly threshold', () => {
  it('is above 2.5σ', () => {
    expect(probe(given(), { latencyMs: 112 }).anomalies).toEqual([]); // 2.4σ
    expect(probe(given(), { latencyMs: 113 }).anomalies).toEqual([{ type: 'latency_spike', metric: 'latencyMs', sigma: expect.closeTo(2.6, 10) }]);
  });

  it('reports each metric under its own anomaly type', () => {
    const o = probe(given(), { latencyMs: 200, inputTokens: 2000, outputTokens: 400, tokens: 2400, costUsd: 0.02, toolCalls: 20 });
    expect(o.anomalies.map((a) => a.type).sort()).toEqual(
      ['cost_spike', 'input_token_spike', 'latency_spike', 'output_token_spike', 'token_spike', 'tool_explosion'].sort(),
    );
    expect(o.maxSigma).toBe(Math.max(...o.anomalies.map((a) => a.sigma)));
  });
});

describe('learning', () => {
  it('does not learn a sample deviating more than 3.5σ, and learns one within it', () => {
    const within = given();
    within.feed(vital({ latencyMs: 117 })); // 3.4σ
    within.feed(vital(), 3);
    expect(describeBaseline(within.baseline).metrics.latencyMs.mean).toBeGreaterThan(100);
    const beyond = given();
    beyond.feed(vital({ latencyMs: 118 })); // 3.6σ
    beyond.feed(vital(), 3);
    expect(describeBaseline(beyond.baseline).metrics.latencyMs.mean).toBe(100);
  });

  it('learns nothing of a sustained shift below 3.5σ (the reference absorbed it)', () => {
    const fed = given();
    fed.feed(vital({ latencyMs: 113 }), 200);
    expect(describeBaseline(fed.baseline).metrics.latencyMs.mean).toBe(100);
    expect(fed.last().infection).not.toBeNull();
    const literal = given({ cfg: DESIGN_LITERAL_DETECTION_CONFIG });
    literal.feed(vital({ latencyMs: 113 }), 200);
    expect(describeBaseline(literal.baseline).metrics.latencyMs.mean).toBeGreaterThan(110);
  });

  it('learns nothing while the agent is quarantined (learn: false), so it is still flagged when learning resumes', () => {
    const rng = new Rng(7);
    const fed = given({ warmup: () => jittered(rng), samples: 100 });
    const before = describeBaseline(fed.baseline);
    fed.feed(() => jittered(rng, { latencyMs: 2000 + 100 * rng.normal() }), 300, false);
    expect(describeBaseline(fed.baseline).metrics).toEqual(before.metrics);
    const resumed = fed.feed(() => jittered(rng, { latencyMs: 2000 + 100 * rng.normal() }), 50, true);
    expect(resumed.slice(5).every((o) => o.infection !== null)).toBe(true);
  });
});

describe('a sustained 5× latency spike (fixed failure 1)', () => {
  it('is flagged at once and never absorbed, even while the agent keeps learning', () => {
    const rng = new Rng(11);
    const fed = given({ warmup: () => jittered(rng), samples: 100 });
    const meanBefore = describeBaseline(fed.baseline).metrics.latencyMs.mean;
    const seen = fed.feed(() => jittered(rng, { latencyMs: 5 * (1000 + 100 * rng.normal()) }), 500);
    expect(firstInfection(seen)).toBe(1);
    expect(seen.slice(1).every((o) => o.infection?.anomalies.some((a) => a.type === 'latency_spike'))).toBe(true);
    const meanAfter = describeBaseline(fed.baseline).metrics.latencyMs.mean;
    expect(Math.abs(meanAfter - meanBefore)).toBeLessThan(0.03 * meanBefore); // a healthy sample or two, no spike
  });
});

describe('persistence before an infection', () => {
  it('is immediate at 6σ or more (on the second deviating sample, the first the median can see)', () => {
    const seen = given().feed(vital({ latencyMs: 135 }), 3); // 7σ
    expect(seen[0]?.anomalies).toEqual([]);
    expect(seen[1]?.infection).toMatchObject({ deviation: 7, severity: 'high', requiresApproval: true });
  });

  it('needs 2 consecutive anomalous samples below 6σ when each of the last 3 deviates > 4.5σ', () => {
    const seen = given().feed(vital({ latencyMs: 126 }), 3); // 5.2σ
    expect(seen[1]?.anomalies).toHaveLength(1);
    expect(seen[1]?.infection).toBeNull();
    expect(seen[2]?.infection?.deviation).toBeCloseTo(5.2, 10);
  });

  it('needs 7 of the last 10 samples anomalous for weaker evidence (2.5–4.5σ)', () => {
    const seen = given().feed(vital({ latencyMs: 113 }), 10); // 2.6σ
    expect(seen.findIndex((o) => o.anomalies.length > 0)).toBe(1);
    expect(firstInfection(seen)).toBe(7);
  });

  it('is 2 consecutive samples for everything below 6σ under the literal DESIGN rules', () => {
    expect(firstInfection(given({ cfg: DESIGN_LITERAL_DETECTION_CONFIG }).feed(vital({ latencyMs: 120 }), 10))).toBe(2); // 4σ
    expect(firstInfection(given().feed(vital({ latencyMs: 120 }), 10))).toBe(7);
  });

  it('never infects on one anomalous sample', () => {
    const fed = given();
    const seen = fed.feed((i) => vital({ latencyMs: i === 0 || i === 1 ? 126 : 100 }), 10);
    expect(seen[1]?.anomalies).toHaveLength(1);
    expect(firstInfection(seen)).toBe(-1);
  });
});

describe('resetWindow (probation, release)', () => {
  it('starts a fresh window: a lone outlier cannot trip it, a sustained spike is flagged again on its second sample', () => {
    const fed = given();
    fed.feed(vital({ latencyMs: 500 }), 10);
    expect(fed.last().infection).not.toBeNull();
    resetWindow(fed.baseline);
    const seen = fed.feed(vital({ latencyMs: 500 }), 2, false);
    expect(seen[0]?.anomalies).toEqual([]);
    expect(seen[1]?.infection).not.toBeNull();
    expect(describeBaseline(fed.baseline).metrics.latencyMs.mean).toBe(100);
  });
});

describe('every input path feeds the same detector (fixed failure 3)', () => {
  it('takes a validated contract Vital as it is', () => {
    const b = createAgentBaseline();
    for (let i = 0; i < 16; i++) {
      const check = checkVital({ agentId: 'a-1', latencyMs: 100, inputTokens: 10, outputTokens: 5, toolCalls: 1, retries: 0 }, 'a-1', 1_700_000_000_000);
      if (!check.ok) throw new Error(check.reason);
      observe(b, check.vital, { learn: true });
    }
    expect(isWarm(b)).toBe(true);
  });
});

describe('robustness', () => {
  it('never produces NaN on all-zero vitals (mean 0, variance 0)', () => {
    const zero = { latencyMs: 0, inputTokens: 0, outputTokens: 0, tokens: 0, costUsd: 0, toolCalls: 0, retries: 0 };
    const fed = given({ warmup: () => vital(zero) });
    const seen = [...fed.feed(vital(zero), 50), ...fed.feed(vital({ ...zero, latencyMs: 5, toolCalls: 1 }), 3)];
    for (const o of seen) {
      expect(Object.values(o.deviations).every(Number.isFinite)).toBe(true);
      expect(Number.isFinite(o.maxSigma)).toBe(true);
    }
    expect(seen[49]?.infection).toBeNull();
    expect(fed.last().anomalies.length).toBeGreaterThan(0);
  });

  it('does not throw on or learn from non-finite values, and stays finite with zero floors', () => {
    const fed = given({ cfg: config({ latencyFloorMs: 0, countFloor: 0, costFloorUsd: 0, relativeFloor: 0 }), warmup: () => vital({ latencyMs: 0 }) });
    const seen = fed.feed((i) => vital({ latencyMs: [Number.NaN, Number.POSITIVE_INFINITY, -5, 1e308][i % 4] ?? 0 }), 40);
    for (const o of seen) expect(Object.values(o.deviations).every(Number.isFinite)).toBe(true);
    const m = describeBaseline(fed.baseline).metrics.latencyMs;
    expect(Number.isFinite(m.mean) && Number.isFinite(m.std)).toBe(true);
  });
});
