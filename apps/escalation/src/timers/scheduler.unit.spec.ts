import { Scheduler } from './scheduler';

describe('Scheduler', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('fires a past timer at once and a future one at its time, each once; re-arming the same time changes nothing', () => {
    let now = 1_000_000;
    const s = new Scheduler(() => now);
    const fired: string[] = [];
    s.arm('past', now - 5000, () => fired.push('past'));
    s.arm('later', now + 1000, () => fired.push('later'));
    s.arm('later', now + 1000, () => fired.push('later-again'));
    jest.advanceTimersByTime(0);
    expect(fired).toEqual(['past']);
    now += 1000;
    jest.advanceTimersByTime(1000);
    expect(fired).toEqual(['past', 'later']);
    jest.advanceTimersByTime(10_000);
    expect(fired).toEqual(['past', 'later']);
    expect(s.keys()).toEqual([]);
  });

  it('replaces a key armed at another time, cancels what is not retained, and re-arms delays beyond setTimeout\'s limit', () => {
    let now = 0;
    const s = new Scheduler(() => now);
    const fired: string[] = [];
    s.arm('a', 1000, () => fired.push('a@1000'));
    s.arm('a', 2000, () => fired.push('a@2000'));
    s.arm('x:1', 500, () => fired.push('x1'));
    s.arm('x:2', 500, () => fired.push('x2'));
    s.retain('x:', new Set(['x:2']));
    now = 2000;
    jest.advanceTimersByTime(2000);
    expect(fired.sort()).toEqual(['a@2000', 'x2']);

    const far = 40 * 86_400_000; // beyond 2^31 - 1 ms
    s.arm('far', far, () => fired.push('far'));
    now = 2 ** 31;
    jest.advanceTimersByTime(2 ** 31);
    expect(fired).not.toContain('far');
    now = far;
    jest.advanceTimersByTime(far);
    expect(fired).toContain('far');
    s.stop();
  });
});
