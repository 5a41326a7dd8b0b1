import { BatchLinger } from './batch-linger';

/** Arrivals at the given times (ms). */
function arrive(linger: BatchLinger, ...times: number[]): void {
  for (const t of times) linger.arrived(t);
}

describe('BatchLinger', () => {
  it('never holds a lone message: one writer, one event at a time', () => {
    const l = new BatchLinger(10, 500);
    for (let i = 0; i < 20; i++) {
      arrive(l, i * 8);
      expect(l.waitMs(1, i * 8, i * 8)).toBe(0);
      l.handled(1);
    }
  });

  it('holds a batch for the rest of a busy crowd, until as many as the largest recent batch are in', () => {
    const l = new BatchLinger(10, 500);
    arrive(l, 0, 1, 2, 3, 4, 5);
    l.handled(6);
    arrive(l, 6, 7);
    // Two of ~six writers are in, arrivals ~1 ms apart: wait for the rest, at most until the oldest waited 10 ms.
    expect(l.waitMs(2, 6, 7)).toBe(9);
    expect(l.waitMs(5, 6, 10)).toBe(6);
    // All in: go.
    expect(l.waitMs(6, 6, 11)).toBe(0);
  });

  it('stops waiting once the oldest message has waited the linger', () => {
    const l = new BatchLinger(10, 500);
    arrive(l, 0, 1, 2, 3);
    l.handled(4);
    arrive(l, 4);
    expect(l.waitMs(1, 4, 13)).toBe(1);
    expect(l.waitMs(1, 4, 14)).toBe(0);
    expect(l.waitMs(1, 4, 30)).toBe(0);
  });

  it('does not wait for a trickle: the next message is not due before the linger runs out', () => {
    const l = new BatchLinger(10, 500);
    l.handled(3); // a batch of three happened once...
    arrive(l, 0, 40, 80, 120); // ...but messages now come 40 ms apart
    expect(l.waitMs(1, 120, 120)).toBe(0);
  });

  it('forgets old crowds: the target is the largest of the last 16 batches', () => {
    const l = new BatchLinger(10, 500);
    arrive(l, 0, 1, 2);
    l.handled(8);
    for (let i = 0; i < 16; i++) l.handled(1);
    expect(l.waitMs(1, 2, 2)).toBe(0);
  });

  it('never waits when disabled, with nothing queued, or once a batch is full', () => {
    const off = new BatchLinger(0, 500);
    arrive(off, 0, 1, 2);
    off.handled(3);
    expect(off.waitMs(1, 2, 2)).toBe(0);
    const full = new BatchLinger(10, 4);
    arrive(full, 0, 1, 2, 3, 4, 5);
    full.handled(6);
    expect(full.waitMs(0, 0, 5)).toBe(0);
    expect(full.waitMs(3, 5, 5)).toBeGreaterThan(0);
    expect(full.waitMs(4, 5, 5)).toBe(0); // the target is capped at the batch size
  });
});
