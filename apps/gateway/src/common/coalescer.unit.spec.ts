import { Coalescer } from './coalescer';

/** A scheduler the spec runs by hand: the "end of the turn". */
function manual(): { schedule: (run: () => void) => void; flush: () => void } {
  const runs: (() => void)[] = [];
  return { schedule: (run) => void runs.push(run), flush: () => runs.splice(0).forEach((r) => r()) };
}

describe('Coalescer', () => {
  it('runs the calls of one turn as one call, answering each its own result in order', async () => {
    const calls: number[][] = [];
    const turn = manual();
    const c = new Coalescer<number, string>(async (items) => {
      calls.push(items);
      return items.map((i) => `#${i}`);
    }, 500, turn.schedule);
    const answers = Promise.all([c.run(1), c.run(2), c.run(2), c.run(3)]);
    expect(calls).toEqual([]); // nothing runs before the turn ends
    turn.flush();
    await expect(answers).resolves.toEqual(['#1', '#2', '#2', '#3']);
    expect(calls).toEqual([[1, 2, 2, 3]]);
    // A later turn is a new call.
    const later = c.run(4);
    turn.flush();
    await expect(later).resolves.toBe('#4');
    expect(calls).toHaveLength(2);
  });

  it('splits a large turn into calls of at most maxBatch items', async () => {
    const sizes: number[] = [];
    const turn = manual();
    const c = new Coalescer<number, number>(async (items) => {
      sizes.push(items.length);
      return items;
    }, 2, turn.schedule);
    const all = Promise.all([1, 2, 3, 4, 5].map((i) => c.run(i)));
    turn.flush();
    await expect(all).resolves.toEqual([1, 2, 3, 4, 5]);
    expect(sizes).toEqual([2, 2, 1]);
  });

  it('fails every call of a failed call, and a call that answers the wrong number of results', async () => {
    const turn = manual();
    const failing = new Coalescer<number, number>(async () => {
      throw new Error('database away');
    }, 500, turn.schedule);
    const a = failing.run(1);
    const b = failing.run(2);
    turn.flush();
    await expect(a).rejects.toThrow('database away');
    await expect(b).rejects.toThrow('database away');

    const short = new Coalescer<number, number>(async () => [1], 500, turn.schedule);
    const c = short.run(1);
    const d = short.run(2);
    turn.flush();
    await expect(c).rejects.toThrow(/1 results for 2 items/);
    await expect(d).rejects.toThrow(/1 results for 2 items/);
  });
});
