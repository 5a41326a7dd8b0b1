import { DEFAULT_DETECTION_CONFIG } from '@immune/domain-detection';
import { DetectionSettingsCache, parseDetectionSettings } from './detection-settings';

describe('parseDetectionSettings', () => {
  it('accepts fleet and per-agentType partial configs', () => {
    expect(parseDetectionSettings({ fleet: { anomalySigma: 3 }, agentTypes: { coder: { warmupSamples: 20 } } })).toEqual({
      ok: true,
      settings: { fleet: { anomalySigma: 3 }, agentTypes: { coder: { warmupSamples: 20 } } },
    });
    expect(parseDetectionSettings({})).toEqual({ ok: true, settings: {} });
  });

  it('rejects unknown fields, unknown settings and values out of range, saying where', () => {
    expect(parseDetectionSettings([])).toMatchObject({ ok: false });
    expect(parseDetectionSettings({ fleets: {} })).toMatchObject({ ok: false, reason: expect.stringContaining('"fleets"') });
    expect(parseDetectionSettings({ fleet: { nope: 1 } })).toMatchObject({ ok: false, reason: expect.stringMatching(/^fleet: unknown detection setting "nope"/) });
    expect(parseDetectionSettings({ agentTypes: { coder: { anomalySigma: 0 } } })).toMatchObject({ ok: false, reason: expect.stringMatching(/^agentTypes\.coder: anomalySigma/) });
    expect(parseDetectionSettings({ agentTypes: 3 })).toMatchObject({ ok: false });
  });
});

describe('DetectionSettingsCache', () => {
  it('resolves each agentType once per generation, agentType over fleet over defaults', () => {
    const cache = new DetectionSettingsCache();
    const untyped = cache.resolve(null);
    expect(untyped).toEqual(DEFAULT_DETECTION_CONFIG);
    expect(cache.resolve(null)).toBe(untyped);
    cache.set({ fleet: { anomalySigma: 3 }, agentTypes: { coder: { anomalySigma: 4 } } });
    expect(cache.generation).toBe(1);
    expect(cache.resolve(null).anomalySigma).toBe(3);
    expect(cache.resolve('coder').anomalySigma).toBe(4);
    expect(cache.resolve('other').anomalySigma).toBe(3);
  });
});
