import { DEFAULT_DETECTION_CONFIG } from '@immune/domain-detection';
import { DetectionSettingsCache } from './detection-settings';

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
