import { binomialTail, median3, popcount, trailingOnes, upperTailSigma } from './detection.stats';

describe('detector arithmetic', () => {
  it('median3', () => {
    for (const [a, b, c, m] of [[1, 2, 3, 2], [3, 1, 2, 2], [2, 3, 1, 2], [5, 5, 0, 5], [0, 0, 9, 0]]) expect(median3(a!, b!, c!)).toBe(m);
  });

  it('popcount and trailingOnes', () => {
    expect(popcount(0)).toBe(0);
    expect(popcount(0b10110)).toBe(3);
    expect(popcount(0x3fffffff)).toBe(30);
    expect(trailingOnes(0)).toBe(0);
    expect(trailingOnes(0b0111)).toBe(3);
    expect(trailingOnes(0b1011)).toBe(2);
  });

  it('binomialTail equals the summed pmf', () => {
    const choose = (n: number, k: number): number => (k === 0 ? 1 : (choose(n, k - 1) * (n - k + 1)) / k);
    for (const n of [1, 5, 9, 20]) {
      for (const p of [1 / 52, 0.2, 0.5, 0.9]) {
        for (let c = 0; c <= n + 1; c++) {
          let sum = 0;
          for (let i = c; i <= n; i++) sum += choose(n, i) * p ** i * (1 - p) ** (n - i);
          expect(binomialTail(n, c, p)).toBeCloseTo(Math.min(1, sum), 12);
        }
      }
    }
  });

  it('upperTailSigma inverts the normal upper tail, ≥ 0', () => {
    expect(upperTailSigma(0.5)).toBe(0);
    expect(upperTailSigma(0.9)).toBe(0);
    expect(upperTailSigma(0.158655)).toBeCloseTo(1, 4);
    expect(upperTailSigma(0.0013499)).toBeCloseTo(3, 4);
    expect(upperTailSigma(2.8665e-7)).toBeCloseTo(5, 3);
    expect(upperTailSigma(1e-4)).toBeCloseTo(3.719, 3);
    expect(Number.isFinite(upperTailSigma(0))).toBe(true);
  });
});
