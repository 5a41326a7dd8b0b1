import { BASELINE_SNAPSHOT_VERSION, createAgentBaseline, describeBaseline, isWarm, restoreBaseline, snapshotBaseline } from './detection.baseline';
import { observe } from './detection.observe';
import { Rng, jittered } from './detection.given.spec';

describe('baseline snapshots', () => {
  it('round-trip through JSON and go on exactly as the original', () => {
    const rng = new Rng(5);
    const original = createAgentBaseline();
    for (let i = 0; i < 137; i++) observe(original, jittered(rng, { success: i % 17 !== 0, retries: i % 23 === 0 ? 1 : 0 }), { learn: true });
    const snapshot = JSON.parse(JSON.stringify(snapshotBaseline(original))) as unknown;
    expect(snapshot).toMatchObject({ version: BASELINE_SNAPSHOT_VERSION });
    const restored = restoreBaseline(snapshot);
    if (!restored) throw new Error('not restored');
    expect(describeBaseline(restored)).toEqual(describeBaseline(original));
    for (let i = 0; i < 200; i++) {
      const v = jittered(rng, { latencyMs: i > 100 ? 5000 : 1000 + 100 * rng.normal() });
      expect(observe(restored, v, { learn: true })).toEqual(observe(original, v, { learn: true }));
    }
  });

  it.each([
    ['not an object', 'x'],
    ['another version', { version: 2, state: [], usualHash: null, candidateHash: null }],
    ['a wrong length', { version: 1, state: [1, 2, 3], usualHash: null, candidateHash: null }],
    ['a non-number', { version: 1, state: Array.from(snapshotBaseline(createAgentBaseline()).state, () => 'x'), usualHash: null, candidateHash: null }],
    ['a bad hash', { ...snapshotBaseline(createAgentBaseline()), usualHash: 42 }],
  ])('are refused when %s (start afresh)', (_label, value) => {
    expect(restoreBaseline(value)).toBeNull();
  });

  it('are small', () => {
    expect(JSON.stringify(snapshotBaseline(createAgentBaseline())).length).toBeLessThan(1024);
  });
});

describe('describeBaseline', () => {
  it('shows a readable baseline', () => {
    const b = createAgentBaseline();
    expect(isWarm(b)).toBe(false);
    const d = describeBaseline(b);
    expect(d).toMatchObject({ warm: false, samples: 0, usualPromptHash: null });
    expect(Object.keys(d.metrics)).toEqual(['latencyMs', 'tokens', 'inputTokens', 'outputTokens', 'costUsd', 'toolCalls']);
    expect(Object.keys(d.rates)).toEqual(['retries', 'errors']);
  });
});
