import { VitalsBuffer } from './vitals-buffer';

describe('VitalsBuffer', () => {
  it('keeps entries in order and hands them out in batches', () => {
    const b = new VitalsBuffer<number>(10);
    for (let i = 1; i <= 5; i++) expect(b.push(i)).toBe(true);
    expect(b.take(2)).toEqual([1, 2]);
    expect(b.take(10)).toEqual([3, 4, 5]);
    expect(b.size).toBe(0);
    expect(b.take(3)).toEqual([]);
  });

  it('is bounded: when full the oldest entry is dropped and counted', () => {
    const b = new VitalsBuffer<number>(3);
    [1, 2, 3].forEach((i) => b.push(i));
    expect(b.push(4)).toBe(false);
    expect(b.push(5)).toBe(false);
    expect(b.size).toBe(3);
    expect(b.dropped).toBe(2);
    expect(b.take(10)).toEqual([3, 4, 5]);
  });

  it('requeues an unpublished batch in front, still within capacity', () => {
    const b = new VitalsBuffer<number>(4);
    [1, 2, 3, 4].forEach((i) => b.push(i));
    const batch = b.take(3);
    b.push(5);
    b.push(6);
    b.requeue(batch);
    expect(b.size).toBe(4);
    expect(b.dropped).toBe(2);
    expect(b.take(10)).toEqual([3, 4, 5, 6]);
  });

  it('survives a long stream of pushes and takes (compaction keeps order)', () => {
    const b = new VitalsBuffer<number>(5000);
    const out: number[] = [];
    for (let i = 0; i < 20_000; i++) {
      b.push(i);
      if (i % 3 === 2) out.push(...b.take(2));
    }
    out.push(...b.take(100_000));
    expect(out).toHaveLength(20_000 - b.dropped);
    expect(out.every((v, i) => i === 0 || v > out[i - 1]!)).toBe(true);
  });

  it('rejects a capacity below 1', () => {
    expect(() => new VitalsBuffer(0)).toThrow(RangeError);
  });
});
