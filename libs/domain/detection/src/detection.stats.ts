/** Small numeric helpers of the detector; allocation-free and never NaN for inputs in range. */

/** The median of three numbers. */
export function median3(a: number, b: number, c: number): number {
  return Math.max(Math.min(a, b), Math.min(Math.max(a, b), c));
}

/** Number of set bits of a non-negative 32-bit integer. */
export function popcount(x: number): number {
  let v = x >>> 0;
  v = v - ((v >>> 1) & 0x55555555);
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return (((v + (v >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}

/** Number of consecutive set bits from bit 0 of a non-negative 32-bit integer. */
export function trailingOnes(x: number): number {
  const v = x >>> 0;
  const lowestZero = ~v & (v + 1);
  return lowestZero === 0 ? 32 : 31 - Math.clz32(lowestZero);
}

/** P(C ≥ c) for C ~ Binomial(n, p), with p in (0, 1); 1 for c ≤ 0, 0 for c > n. */
export function binomialTail(n: number, c: number, p: number): number {
  if (c <= 0) return 1;
  if (c > n) return 0;
  const q = 1 - p;
  // term(i) = C(n, i) p^i q^(n−i), walked upwards from i = c.
  let coef = 1;
  for (let i = 1; i <= c; i++) coef = (coef * (n - c + i)) / i;
  let term = coef * Math.pow(p, c) * Math.pow(q, n - c);
  let sum = term;
  const ratio = p / q;
  for (let i = c; i < n; i++) {
    term = (term * (n - i) * ratio) / (i + 1);
    sum += term;
  }
  return Math.min(1, sum);
}

/**
 * The equivalent one-sided σ of an upper-tail probability: z with P(Z ≥ z) = tail (Z standard normal), ≥ 0.
 * Acklam's rational approximation of the inverse normal CDF (relative error < 1.2e-9).
 */
export function upperTailSigma(tail: number): number {
  if (!(tail < 0.5)) return 0;
  const p = tail > 1e-300 ? tail : 1e-300;
  if (p < P_LOW) {
    const q = Math.sqrt(-2 * Math.log(p));
    return -(((((C1 * q + C2) * q + C3) * q + C4) * q + C5) * q + C6) / ((((D1 * q + D2) * q + D3) * q + D4) * q + 1);
  }
  const q = p - 0.5;
  const r = q * q;
  return -((((((A1 * r + A2) * r + A3) * r + A4) * r + A5) * r + A6) * q) / (((((B1 * r + B2) * r + B3) * r + B4) * r + B5) * r + 1);
}

const P_LOW = 0.02425;
const A1 = -3.969683028665376e1, A2 = 2.209460984245205e2, A3 = -2.759285104469687e2;
const A4 = 1.38357751867269e2, A5 = -3.066479806614716e1, A6 = 2.506628277459239;
const B1 = -5.447609879822406e1, B2 = 1.615858368580409e2, B3 = -1.556989798598866e2;
const B4 = 6.680131188771972e1, B5 = -1.328068155288572e1;
const C1 = -7.784894002430293e-3, C2 = -3.223964580411365e-1, C3 = -2.400758277161838;
const C4 = -2.549732539343734, C5 = 4.374664141464968, C6 = 2.938163982698783;
const D1 = 7.784695709041462e-3, D2 = 3.224671290700398e-1, D3 = 2.445134137142996, D4 = 3.754408661907416;
