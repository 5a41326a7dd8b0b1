import { DEFAULT_DETECTION_CONFIG, checkDetectionConfig, mergeDetectionConfig, resolveDetectionConfig } from './detection.config';
import { firstInfection, given, vital } from './detection.given.spec';

describe('detection config', () => {
  it('has DESIGN’s defaults', () => {
    expect(DEFAULT_DETECTION_CONFIG).toMatchObject({
      warmupSamples: 15, ewmaSpan: 50, widenBelowSamples: 40, widenFactor: 8, relativeFloor: 0.05, countFloor: 0.5,
      anomalySigma: 2.5, learnMaxSigma: 3.5, rateWindow: 5, rateTailProbability: 1e-4, ratePriorCap: 50,
      promptChangeSamples: 2, promptChangeSigma: 10, persistSamples: 2, immediateSigma: 6, approvalSigma: 5,
      highSigma: 5, criticalSigma: 8, fleetMinAgents: 10, fleetWindowMs: 10_000, fleetWideFraction: 0.3, externalCauseFraction: 0.15,
    });
    expect(Object.isFrozen(DEFAULT_DETECTION_CONFIG)).toBe(true);
  });

  it('merges overrides in order, ignoring undefined', () => {
    const c = mergeDetectionConfig(DEFAULT_DETECTION_CONFIG, { anomalySigma: 3 }, undefined, { anomalySigma: 4, approvalSigma: undefined });
    expect(c.anomalySigma).toBe(4);
    expect(c.approvalSigma).toBe(5);
  });

  it('resolves defaults ← fleet ← agentType, and an agent type’s thresholds change what is flagged', () => {
    const settings = { fleet: { anomalySigma: 2.7 }, agentTypes: { batch: { anomalySigma: 20, immediateSigma: 30 } } };
    expect(resolveDetectionConfig(settings, null).anomalySigma).toBe(2.7);
    expect(resolveDetectionConfig(settings, 'chat').anomalySigma).toBe(2.7);
    expect(resolveDetectionConfig(settings, 'toString').anomalySigma).toBe(2.7);
    const batch = resolveDetectionConfig(settings, 'batch');
    expect(batch).toMatchObject({ anomalySigma: 20, immediateSigma: 30, approvalSigma: 5 });
    const spike = vital({ latencyMs: 150 }); // 10σ against the steady vital
    expect(firstInfection(given({ cfg: resolveDetectionConfig(settings, 'chat') }).feed(spike, 5))).toBe(1);
    expect(firstInfection(given({ cfg: batch }).feed(spike, 5))).toBe(-1);
  });

  it('checks outside input (PUT /config/detection)', () => {
    expect(checkDetectionConfig({ anomalySigma: 3, delayedLearning: false })).toEqual({ ok: true, config: { anomalySigma: 3, delayedLearning: false } });
    expect(checkDetectionConfig([])).toMatchObject({ ok: false });
    expect(checkDetectionConfig({ nope: 1 })).toEqual({ ok: false, reason: 'unknown detection setting "nope"', field: 'nope' });
    expect(checkDetectionConfig({ warmupSamples: 2.5 })).toMatchObject({ ok: false, reason: expect.stringContaining('warmupSamples') });
    expect(checkDetectionConfig({ anomalySigma: 0 })).toMatchObject({ ok: false });
    expect(checkDetectionConfig({ rateTailProbability: Number.NaN })).toMatchObject({ ok: false });
    expect(checkDetectionConfig({ delayedLearning: 'yes' })).toMatchObject({ ok: false });
  });
});
