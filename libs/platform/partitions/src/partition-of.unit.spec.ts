import { fnv1a32, partitionOf, partitionOfTail } from './partition-of';

describe('partitionOf', () => {
  it('is the 32-bit FNV-1a of the key (reference vectors)', () => {
    expect(fnv1a32('')).toBe(0x811c9dc5);
    expect(fnv1a32('a')).toBe(0xe40c292c);
    expect(fnv1a32('foobar')).toBe(0xbf9cf968);
  });

  it('hashes a subject\'s last token in place exactly like the token alone', () => {
    const subject = 'immune.vitals.agent-42';
    expect(partitionOfTail(subject, 'immune.vitals.'.length, 16)).toBe(partitionOf('agent-42', 16));
  });

  it('spreads agent ids evenly over the partitions', () => {
    const counts = new Array<number>(16).fill(0);
    for (let i = 0; i < 16_000; i++) {
      const p = partitionOf(`agent-${i}`, 16);
      counts[p] = (counts[p] ?? 0) + 1;
    }
    for (const c of counts) expect(Math.abs(c - 1000)).toBeLessThan(150);
  });
});
