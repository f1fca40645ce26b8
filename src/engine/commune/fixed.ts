// Exact substrate-fixed arithmetic on raw integers (bigint), for the Commune stages that
// run in TypeScript (spec/commune.md section 0; spec/yuma.md section 1). A value is named by
// its raw integer: I32F32 x = X / 2^32, I64F64 x = X / 2^64. Nothing goes through floats
// except where the chain itself converts a float (the weight-fee ratio, the quantile
// fraction), and there exactly as the chain does.

import { I32F32_ONE } from '../i32f32.js';

/** I32F32's one (i32f32.ts), by its short name in the Commune stages */
export const ONE = I32F32_ONE;
export const I64_MAX = (1n << 63n) - 1n;
export const I64_MIN = -(1n << 63n);

const clamp64 = (x: bigint) => (x > I64_MAX ? I64_MAX : x < I64_MIN ? I64_MIN : x);
const fits64 = (x: bigint) => x >= I64_MIN && x <= I64_MAX;

/** I32F32 mul: floor(a*b / 2^32) on the exact product (arithmetic shift), saturated. */
export const mulSat = (a: bigint, b: bigint): bigint => clamp64((a * b) >> 32n);

/** I32F32 checked_mul: like mulSat, but out of range is null (the chain then takes 0). */
export function mulChecked(a: bigint, b: bigint): bigint | null {
  const p = (a * b) >> 32n;
  return fits64(p) ? p : null;
}

/** I32F32 quotient trunc(a*2^32 / b) (bigint division truncates toward zero); b != 0. */
const quotient = (a: bigint, b: bigint) => (a << 32n) / b;

/** saturating_div: out of range saturates; callers never divide by 0 (the chain would panic). */
export const divSat = (a: bigint, b: bigint): bigint => clamp64(quotient(a, b));

/** checked_div: null on division by zero or when the quotient leaves i64. */
export function divChecked(a: bigint, b: bigint): bigint | null {
  if (b === 0n) return null;
  const q = quotient(a, b);
  return fits64(q) ? q : null;
}

/** Plain `/` on normalized data (never out of range there); 0 divisor guarded by callers. */
export const div = (a: bigint, b: bigint): bigint => quotient(a, b);

export const addSat = (a: bigint, b: bigint): bigint => clamp64(a + b);
export const subSat = (a: bigint, b: bigint): bigint => clamp64(a - b);

/** u16 fraction to I32F32: div(v, 65535) = floor(v * 2^32 / 65535). */
export const u16Fraction = (v: number): bigint => (BigInt(v) << 32n) / 65535n;

/** fixed_proportion_to_u16: floor(X * 65535 / 2^32), saturated to 0..65535. */
export function toU16(x: bigint): number {
  if (x <= 0n) return 0;
  const v = (x * 65535n) >> 32n;
  return v > 65535n ? 65535 : Number(v);
}

/** f64/f32 -> I32F32 (`from_num` of a float): round to nearest, ties to even. */
export function fromFloat(x: number): bigint {
  const scaled = x * 2 ** 32; // exact: a power-of-two scaling of a finite double
  const fl = Math.floor(scaled);
  const frac = scaled - fl;
  let r = BigInt(fl);
  if (frac > 0.5 || (frac === 0.5 && (r & 1n) === 1n)) r += 1n;
  return r;
}

/** Sum of raws; the chain's plain `.sum()` (exact for every reachable epoch input). */
export function sum(v: ArrayLike<bigint>): bigint {
  let s = 0n;
  for (let i = 0; i < v.length; i++) s += v[i]!;
  return s;
}

/** inplace_normalize: v_i = div(v_i, sum v) unless the sum is 0. */
export function normalizeInPlace(v: BigInt64Array): void {
  const s = sum(v);
  if (s === 0n) return;
  for (let i = 0; i < v.length; i++) v[i] = div(v[i]!, s);
}

// ---------------------------------------------------------------------------------------
// transcendental (substrate-fixed v0.5.9, I32F32 in and out; commune.md section 0)

const TWO = 2n * ONE;
/** LOG2_E truncated to 23 fraction bits (raw 12102203 / 2^23), widened to I32F32. */
const LOG2_E = 12102203n << 9n;
/** e truncated to 23 fraction bits (raw 22802600 / 2^23), widened to I32F32. */
const E = 22802600n << 9n;

/** The crate's right shift by one with rounding half up: (x >> 1) + (x & 1). */
const halveRounded = (x: bigint) => (x >> 1n) + (x & 1n);

/** log2 of x >= 1: count halvings, then one squaring per fraction bit. */
function log2AtLeastOne(x: bigint): bigint {
  let whole = 0n;
  while (x >= TWO) {
    whole += 1n;
    x = halveRounded(x);
  }
  if (x === ONE) return whole * ONE;
  let bits = whole;
  for (let i = 0; i < 32; i++) {
    x = (x * x) >> 32n;
    bits <<= 1n;
    if (x >= TWO) {
      bits |= 1n;
      x = halveRounded(x);
    }
  }
  return bits;
}

/** log2; null for x <= 0 (and for x < 2^-31, whose reciprocal leaves I32F32; unreachable). */
export function log2(x: bigint): bigint | null {
  if (x <= 0n) return null;
  if (x < ONE) {
    const inverse = divChecked(ONE, x);
    return inverse === null ? null : -log2AtLeastOne(inverse);
  }
  return log2AtLeastOne(x);
}

/** ln(x) = log2(x) / LOG2_E (truncating division); null where log2 fails. */
export function ln(x: bigint): bigint | null {
  const l = log2(x);
  return l === null ? null : div(l, LOG2_E);
}

/**
 * exp: 1 at 0, the 23-bit constant e at exactly 1 (tested before the sign, so exp(-1) takes
 * the series), else the Taylor series 1 + y + sum_{i=2}^{31} term_i with
 * term_i = div(mul(term_{i-1}, y), i), y = |x|, all checked, and the reciprocal for x < 0.
 * null on any overflow (|x| above about 20.89).
 */
export function exp(x: bigint): bigint | null {
  if (x === 0n) return ONE;
  if (x === ONE) return E;
  const neg = x < 0n;
  const y = neg ? -x : x;
  let result = y + ONE;
  let term = y;
  for (let i = 2n; i < 32n; i++) {
    const t = mulChecked(term, y);
    if (t === null) return null;
    term = t / i; // div(term, i) for term >= 0
    result += term;
    if (!fits64(result)) return null;
  }
  return neg ? divChecked(ONE, result) : result;
}
