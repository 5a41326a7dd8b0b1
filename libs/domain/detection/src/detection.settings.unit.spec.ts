import { parseDetectionSettings } from './detection.settings';

describe('parseDetectionSettings', () => {
  it('accepts fleet and per-agentType partial configs', () => {
    expect(parseDetectionSettings({ fleet: { anomalySigma: 3 }, agentTypes: { coder: { warmupSamples: 20 } } })).toEqual({
      ok: true,
      settings: { fleet: { anomalySigma: 3 }, agentTypes: { coder: { warmupSamples: 20 } } },
    });
    expect(parseDetectionSettings({})).toEqual({ ok: true, settings: {} });
  });

  it('rejects unknown fields, unknown settings and values out of range, naming the field', () => {
    expect(parseDetectionSettings([])).toMatchObject({ ok: false });
    expect(parseDetectionSettings({ fleets: {} })).toMatchObject({ ok: false, field: 'fleets', reason: expect.stringContaining('"fleets"') });
    expect(parseDetectionSettings({ fleet: { nope: 1 } })).toMatchObject({ ok: false, field: 'fleet.nope', reason: expect.stringMatching(/^fleet: unknown detection setting "nope"/) });
    expect(parseDetectionSettings({ fleet: 'strict' })).toMatchObject({ ok: false, field: 'fleet' });
    expect(parseDetectionSettings({ agentTypes: { coder: { anomalySigma: 0 } } })).toMatchObject({
      ok: false, field: 'agentTypes.coder.anomalySigma', reason: expect.stringMatching(/^agentTypes\.coder: anomalySigma/),
    });
    expect(parseDetectionSettings({ agentTypes: { coder: { delayedLearning: 'yes' } } })).toMatchObject({ ok: false, field: 'agentTypes.coder.delayedLearning' });
    expect(parseDetectionSettings({ agentTypes: { '': {} } })).toMatchObject({ ok: false, field: 'agentTypes' });
    expect(parseDetectionSettings({ agentTypes: 3 })).toMatchObject({ ok: false, field: 'agentTypes' });
  });

  it('accepts the stored document’s metadata only when asked to', () => {
    const stored = { fleet: { anomalySigma: 3 }, updatedAt: '2026-11-23T06:00:00.000Z', updatedBy: 'bootstrap-admin', reason: 'stricter' };
    expect(parseDetectionSettings(stored)).toMatchObject({ ok: false, field: 'updatedAt' });
    expect(parseDetectionSettings(stored, { allowMetadata: true })).toEqual({ ok: true, settings: { fleet: { anomalySigma: 3 } } });
  });
});
