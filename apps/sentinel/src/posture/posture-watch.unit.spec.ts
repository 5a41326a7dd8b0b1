import { PostureAwareSettings, PostureWatch } from './posture-watch';

describe('posture in the sentinel', () => {
  it('scales the σ thresholds by the posture and re-resolves on a change', () => {
    const settings = new PostureAwareSettings();
    const watch = new PostureWatch(settings);
    const base = settings.resolve('worker');
    const g0 = settings.generation;
    watch.apply('guardian');
    expect(settings.generation).toBeGreaterThan(g0);
    const strict = settings.resolve('worker');
    expect(strict.anomalySigma).toBeCloseTo(base.anomalySigma * 0.8);
    expect(strict.immediateSigma).toBeCloseTo(base.immediateSigma * 0.8);
    expect(strict.ewmaSpan).toBe(base.ewmaSpan);
    expect(watch.effects).toMatchObject({ enforce: true, healingNeedsApproval: false });
    watch.apply('phoenix');
    expect(watch.effects.healingNeedsApproval).toBe(true);
    watch.apply('observer');
    expect(watch.effects.enforce).toBe(false);
    expect(settings.resolve('worker').anomalySigma).toBe(base.anomalySigma);
  });

  it('reads the KV entry; missing or unreadable is operator', () => {
    const watch = new PostureWatch(new PostureAwareSettings());
    const log = { info: () => undefined, warn: () => undefined };
    const entry = (revision: number, value: unknown, operation = 'PUT') => ({ revision, operation, json: () => value }) as never;
    watch.onEntry(entry(1, { current: 'observer', baseline: 'observer', version: 3, changedAt: null }), log);
    expect(watch.profile).toBe('observer');
    watch.onEntry(entry(2, { current: 'nonsense' }), log);
    expect(watch.profile).toBe('operator');
    watch.onEntry(entry(3, { current: 'sovereign', baseline: 'operator' }), log);
    watch.onEntry(entry(2, { current: 'observer', baseline: 'observer' }), log);
    expect(watch.profile).toBe('sovereign');
    watch.onEntry(entry(4, null, 'DEL'), log);
    expect(watch.profile).toBe('operator');
  });
});
