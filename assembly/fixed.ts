// Exact I32F32 fixed point on raw i64 integers (spec/yuma.md section 1).
// substrate-fixed semantics: products floor toward -infinity, quotients truncate toward
// zero, safe_div gives 0 on division by zero and on overflow. Nothing goes through f64.

// @ts-ignore: decorator
@inline export const ONE: i64 = 0x1_0000_0000;
export const I64_MAX: i64 = 0x7fff_ffff_ffff_ffff;
export const I64_MIN: i64 = -0x8000_0000_0000_0000;

// High and low 64 bits of the unsigned 128-bit product x*y (32-bit limbs; WASM has no mul-high).
let _hi: u64 = 0;
// @ts-ignore: decorator
@inline export function mulU128(x: u64, y: u64): u64 {
  const x0 = x & 0xffff_ffff, x1 = x >>> 32;
  const y0 = y & 0xffff_ffff, y1 = y >>> 32;
  const p00 = x0 * y0, p01 = x0 * y1, p10 = x1 * y0, p11 = x1 * y1;
  const mid = (p00 >>> 32) + (p01 & 0xffff_ffff) + (p10 & 0xffff_ffff);
  _hi = p11 + (p01 >>> 32) + (p10 >>> 32) + (mid >>> 32);
  return (mid << 32) | (p00 & 0xffff_ffff);
}

/** The high 64 bits of the last mulU128. */
// @ts-ignore: decorator
@inline export function mulHi(): u64 {
  return _hi;
}

/** mulF: floor(a*b / 2^32) on the exact 128-bit product; saturates (MAX same sign, MIN otherwise). */
// @ts-ignore: decorator
@inline export function mulF(a: i64, b: i64): i64 {
  // both in [0, 2^32): the product fits 64 unsigned bits (the common case: normalized values)
  if (((a | b) >>> 32) == 0) return <i64>((<u64>a * <u64>b) >>> 32);
  return mulWide(a, b);
}

function mulWide(a: i64, b: i64): i64 {
  const neg = (a ^ b) < 0;
  const ua: u64 = a < 0 ? <u64>(-a) : <u64>a; // |I64_MIN| = 2^63 still fits u64
  const ub: u64 = b < 0 ? <u64>(-b) : <u64>b;
  let lo = mulU128(ua, ub);
  let hi = _hi;
  if (neg && (lo | hi) != 0) {
    // two's complement of the 128-bit magnitude; the arithmetic shift below then floors
    lo = ~lo + 1;
    hi = ~hi + <u64>(lo == 0);
  }
  // value >> 32 fits i64 iff the signed hi word is in [-2^31, 2^31)
  const shi = <i64>hi;
  if ((shi >> 31) != 0 && (shi >> 31) != -1) return neg ? I64_MIN : I64_MAX;
  return <i64>((hi << 32) | (lo >>> 32));
}

/** checked_mul as the epoch uses it (vec_mul): mulF, but overflow gives 0. */
export function mulChecked(a: i64, b: i64): i64 {
  const r = mulF(a, b);
  // saturation happened iff the true result left i64: only then can mulF return MIN/MAX
  if ((r == I64_MAX || r == I64_MIN) && overflows(a, b)) return 0;
  return r;
}

function overflows(a: i64, b: i64): bool {
  const ua: u64 = a < 0 ? <u64>(-a) : <u64>a;
  const ub: u64 = b < 0 ? <u64>(-b) : <u64>b;
  const lo = mulU128(ua, ub);
  const hi = _hi;
  const LIMIT: u64 = 0x8000_0000; // |a*b| vs 2^95: the result's magnitude vs 2^63
  if ((a ^ b) >= 0) return hi >= LIMIT;
  return hi > LIMIT || (hi == LIMIT && lo != 0); // -2^63 itself still fits
}

/** Unsigned (u1*2^64 + u0) / v for u1 < v (quotient fits u64): two 32-bit digit steps. */
export function divU128(u1: u64, u0: u64, v: u64): u64 {
  const s = <u64>clz<u64>(v);
  v <<= s;
  const un32: u64 = s == 0 ? u1 : (u1 << s) | (u0 >>> (64 - s));
  const un10: u64 = u0 << s;
  const vn1 = v >>> 32, vn0 = v & 0xffff_ffff;
  const un1 = un10 >>> 32, un0 = un10 & 0xffff_ffff;
  const B: u64 = 0x1_0000_0000;

  let q1 = un32 / vn1;
  let rhat = un32 - q1 * vn1;
  while (q1 >= B || q1 * vn0 > ((rhat << 32) | un1)) {
    q1 -= 1;
    rhat += vn1;
    if (rhat >= B) break;
  }
  const un21 = ((un32 << 32) | un1) - q1 * v;
  let q0 = un21 / vn1;
  rhat = un21 - q0 * vn1;
  while (q0 >= B || q0 * vn0 > ((rhat << 32) | un0)) {
    q0 -= 1;
    rhat += vn1;
    if (rhat >= B) break;
  }
  return (q1 << 32) | q0;
}

/** Unsigned floor(ua * 2^32 / ub); returns U64 max sentinel when the quotient is >= 2^64. */
// @ts-ignore: decorator
@inline function divShift32U(ua: u64, ub: u64): u64 {
  if (ua >>> 32 == 0) return (ua << 32) / ub; // dividend fits 64 bits
  return divShift32Wide(ua, ub);
}

function divShift32Wide(ua: u64, ub: u64): u64 {
  // both whole numbers (u16 weights and bonds taken as integers): (A*2^32)/(B*2^32) = A/B
  if (((ua | ub) & 0xffff_ffff) == 0) {
    ua >>>= 32;
    ub >>>= 32;
    if (ua >>> 32 == 0) return (ua << 32) / ub;
  }
  const hi = ua >>> 32;
  if (hi >= ub) return <u64>-1; // quotient >= 2^64
  return divU128(hi, ua << 32, ub);
}

/** divF (safe_div): b == 0 -> 0; trunc(a*2^32 / b); 0 when the quotient leaves i64. */
// @ts-ignore: decorator
@inline export function divF(a: i64, b: i64): i64 {
  if (b == 0) return 0;
  const neg = (a ^ b) < 0;
  const ua: u64 = a < 0 ? <u64>(-a) : <u64>a;
  const ub: u64 = b < 0 ? <u64>(-b) : <u64>b;
  const q = divShift32U(ua, ub);
  if (neg) return q <= <u64>0x8000_0000_0000_0000 ? -<i64>q : 0;
  return q <= <u64>I64_MAX ? <i64>q : 0;
}

/**
 * The reciprocal of a divisor shared by many numerators (a row's sum): floor((2^64 - 1) / d),
 * which is 2^64 / d - delta with 0 < delta <= 1, for quotBy.
 */
// @ts-ignore: decorator
@inline export function recipU64(d: u64): u64 {
  return <u64>-1 / d;
}

/**
 * floor(a * 2^32 / d) for 0 <= a < 2^32 and d >= 1, given m = recipU64(d): two products instead
 * of a division. a * m / 2^32 = a * 2^32 / d - a * delta / 2^32 falls short of the quotient by
 * less than 1, so its floor (a * mh + floor(a * ml / 2^32), m = mh * 2^32 + ml, exact: below
 * a * 2^32 < 2^64) is the quotient or one less, and the remainder a * 2^32 - q * d settles which.
 */
// @ts-ignore: decorator
@inline export function quotBy(a: u64, d: u64, m: u64): u64 {
  const q = a * (m >>> 32) + ((a * (m & 0xffff_ffff)) >>> 32);
  return q + <u64>((a << 32) - q * d >= d);
}

/**
 * quotBy on two lanes at once, for 0 <= a < 2^32 and 1 <= d < 2^31: a holds the two a's (i64
 * lanes), m = recipU64(d), dLanes = i32x4.splat(d). Products of 32-bit halves (extmul), as
 * quotBy's; the remainder is below 2d < 2^32, so its low 32 bits, -(q * d) mod 2^32, are all of it.
 */
// @ts-ignore: decorator
@inline export function quotBy2(a: v128, m: u64, dLanes: v128): v128 {
  const a32 = i32x4.shuffle(a, a, 0, 2, 0, 2); // both a's in 32-bit lanes 0 and 1
  const q = i64x2.add(
    i64x2.extmul_low_i32x4_u(a32, i32x4.splat(<i32>(m >>> 32))),
    i64x2.shr_u(i64x2.extmul_low_i32x4_u(a32, i32x4.splat(<i32>m)), 32),
  );
  const r = i32x4.neg(i32x4.mul(q, dLanes)); // lanes 0 and 2: each remainder
  return i64x2.add(q, v128.and(i32x4.ge_u(r, dLanes), i64x2.splat(1)));
}

/** quotBy with its own reciprocal: the test hook for that division (a < 2^32, d >= 1). */
export function quotShift32(a: u64, d: u64): u64 {
  return quotBy(a, d, recipU64(d));
}

/** quotBy2's test hook: a's quotient from lane 0, b in lane 1 checked against quotBy (u64 max when it differs). */
export function quotShift32Pair(a: u64, b: u64, d: u64): u64 {
  const m = recipU64(d);
  const q = quotBy2(i64x2.replace_lane(i64x2.splat(<i64>a), 1, <i64>b), m, i32x4.splat(<i32>d));
  if (<u64>i64x2.extract_lane(q, 1) != quotBy(b, d, m)) return <u64>-1;
  return <u64>i64x2.extract_lane(q, 0);
}

/**
 * divF(ONE, s): floor(2^64 / s) for s >= ONE (the sigmoid's 1 / (1 + e^x), exp of a negative
 * argument) in one 64-bit division instead of the 128-bit one: (2^64 - 1) / s, plus one
 * exactly when s divides 2^64 (the remainder of 2^64 - 1 is then s - 1).
 */
// @ts-ignore: decorator
@inline export function oneOver(s: i64): i64 {
  if (s < ONE) return divF(ONE, s);
  const q = <u64>-1 / <u64>s;
  return <i64>(q + <u64>(<u64>-1 - q * <u64>s == <u64>s - 1));
}

/** oneOver's test hook. */
export function oneOverF(s: i64): i64 {
  return oneOver(s);
}

/** saturating_div: like divF but out of range saturates (divisor is never 0 in the epoch). */
export function divSat(a: i64, b: i64): i64 {
  const neg = (a ^ b) < 0;
  const ua: u64 = a < 0 ? <u64>(-a) : <u64>a;
  const ub: u64 = b < 0 ? <u64>(-b) : <u64>b;
  const q = divShift32U(ua, ub);
  if (neg) return q <= <u64>0x8000_0000_0000_0000 ? -<i64>q : I64_MIN;
  return q <= <u64>I64_MAX ? <i64>q : I64_MAX;
}

/** u16 proportion -> I32F32: floor(b * 2^32 / 65535) (= b*65537 below 65535, ONE at 65535). */
// @ts-ignore: decorator
@inline export function u16p(b: i64): i64 {
  return (b << 32) / 65535;
}

/** fixed_proportion_to_u16: truncates, saturates to [0, 65535]. */
// @ts-ignore: decorator
@inline export function toU16(x: i64): i32 {
  if (x <= 0) return 0;
  if (x >= ONE) return 65535;
  return <i32>((x * 65535) >> 32); // x < 2^32: product < 2^48
}

/** floor(x * y / 2^32) for unsigned x, y, saturated to u64 (I96F32 emission in rao). */
export function mulShr32U(x: u64, y: u64): u64 {
  const lo = mulU128(x, y);
  const hi = _hi;
  if (hi >>> 32 != 0) return <u64>-1;
  return (hi << 32) | (lo >>> 32);
}

/**
 * mulF(t, y) for the exp series: 0 <= t < 2^58 and 0 <= y = yh * 2^32 + yl <= 20 * ONE. Then
 * t * y / 2^32 = t * yh + th * yl + tl * yl / 2^32 (t = th * 2^32 + tl), the first two whole,
 * so its floor takes three 64-bit products; each partial, and the sum, stays below 2^63 (no
 * saturation to mirror).
 */
// @ts-ignore: decorator
@inline function mulSeries(t: i64, yh: i64, yl: i64): i64 {
  return t * yh + (t >>> 32) * yl + (((t & 0xffff_ffff) * yl) >>> 32);
}

/** substrate-fixed transcendental::exp on I32F32, reached through exp_safe (clamp to +-20). */
export function expSafe(x: i64): i64 {
  return expSafePair(x, 0);
}

let _exp2: i64 = 0;

/** expSafe of the second argument of the last expSafePair. */
// @ts-ignore: decorator
@inline export function expSecond(): i64 {
  return _exp2;
}

/**
 * expSafe(x1), and expSafe(x2) left for expSecond: the two series side by side. Each term
 * waits on the one before it, so one series alone leaves the multipliers idle; two fill them.
 */
export function expSafePair(x1: i64, x2: i64): i64 {
  const LIM: i64 = 20 * ONE;
  x1 = min(max(x1, -LIM), LIM);
  x2 = min(max(x2, -LIM), LIM);
  const y1: i64 = x1 < 0 ? -x1 : x1, y2: i64 = x2 < 0 ? -x2 : x2;
  // r = 1 + y + the 30 terms t_i = floor(mulF(t_{i-1}, y) / i), i = 2..31 (t never goes
  // negative, so unsigned division is floor). t_i <= 2^32 * 20^i / i! < 2^58 (mulSeries' bound).
  // A term that reaches 0 keeps every later term 0: stopping there changes nothing. Unrolled
  // so every divisor is a constant, which the engine turns into a multiply.
  const h1 = y1 >>> 32, l1 = y1 & 0xffff_ffff, h2 = y2 >>> 32, l2 = y2 & 0xffff_ffff;
  let t1 = y1, t2 = y2;
  let r1: i64 = ONE + y1, r2: i64 = ONE + y2;
  do {
    t1 = <i64>(<u64>mulSeries(t1, h1, l1) / 2); t2 = <i64>(<u64>mulSeries(t2, h2, l2) / 2); r1 += t1; r2 += t2;
    t1 = <i64>(<u64>mulSeries(t1, h1, l1) / 3); t2 = <i64>(<u64>mulSeries(t2, h2, l2) / 3); r1 += t1; r2 += t2;
    t1 = <i64>(<u64>mulSeries(t1, h1, l1) / 4); t2 = <i64>(<u64>mulSeries(t2, h2, l2) / 4); r1 += t1; r2 += t2;
    t1 = <i64>(<u64>mulSeries(t1, h1, l1) / 5); t2 = <i64>(<u64>mulSeries(t2, h2, l2) / 5); r1 += t1; r2 += t2;
    t1 = <i64>(<u64>mulSeries(t1, h1, l1) / 6); t2 = <i64>(<u64>mulSeries(t2, h2, l2) / 6); r1 += t1; r2 += t2;
    t1 = <i64>(<u64>mulSeries(t1, h1, l1) / 7); t2 = <i64>(<u64>mulSeries(t2, h2, l2) / 7); r1 += t1; r2 += t2;
    if ((t1 | t2) == 0) break;
    t1 = <i64>(<u64>mulSeries(t1, h1, l1) / 8); t2 = <i64>(<u64>mulSeries(t2, h2, l2) / 8); r1 += t1; r2 += t2;
    t1 = <i64>(<u64>mulSeries(t1, h1, l1) / 9); t2 = <i64>(<u64>mulSeries(t2, h2, l2) / 9); r1 += t1; r2 += t2;
    t1 = <i64>(<u64>mulSeries(t1, h1, l1) / 10); t2 = <i64>(<u64>mulSeries(t2, h2, l2) / 10); r1 += t1; r2 += t2;
    t1 = <i64>(<u64>mulSeries(t1, h1, l1) / 11); t2 = <i64>(<u64>mulSeries(t2, h2, l2) / 11); r1 += t1; r2 += t2;
    t1 = <i64>(<u64>mulSeries(t1, h1, l1) / 12); t2 = <i64>(<u64>mulSeries(t2, h2, l2) / 12); r1 += t1; r2 += t2;
    t1 = <i64>(<u64>mulSeries(t1, h1, l1) / 13); t2 = <i64>(<u64>mulSeries(t2, h2, l2) / 13); r1 += t1; r2 += t2;
    if ((t1 | t2) == 0) break;
    t1 = <i64>(<u64>mulSeries(t1, h1, l1) / 14); t2 = <i64>(<u64>mulSeries(t2, h2, l2) / 14); r1 += t1; r2 += t2;
    t1 = <i64>(<u64>mulSeries(t1, h1, l1) / 15); t2 = <i64>(<u64>mulSeries(t2, h2, l2) / 15); r1 += t1; r2 += t2;
    t1 = <i64>(<u64>mulSeries(t1, h1, l1) / 16); t2 = <i64>(<u64>mulSeries(t2, h2, l2) / 16); r1 += t1; r2 += t2;
    t1 = <i64>(<u64>mulSeries(t1, h1, l1) / 17); t2 = <i64>(<u64>mulSeries(t2, h2, l2) / 17); r1 += t1; r2 += t2;
    t1 = <i64>(<u64>mulSeries(t1, h1, l1) / 18); t2 = <i64>(<u64>mulSeries(t2, h2, l2) / 18); r1 += t1; r2 += t2;
    t1 = <i64>(<u64>mulSeries(t1, h1, l1) / 19); t2 = <i64>(<u64>mulSeries(t2, h2, l2) / 19); r1 += t1; r2 += t2;
    if ((t1 | t2) == 0) break;
    t1 = <i64>(<u64>mulSeries(t1, h1, l1) / 20); t2 = <i64>(<u64>mulSeries(t2, h2, l2) / 20); r1 += t1; r2 += t2;
    t1 = <i64>(<u64>mulSeries(t1, h1, l1) / 21); t2 = <i64>(<u64>mulSeries(t2, h2, l2) / 21); r1 += t1; r2 += t2;
    t1 = <i64>(<u64>mulSeries(t1, h1, l1) / 22); t2 = <i64>(<u64>mulSeries(t2, h2, l2) / 22); r1 += t1; r2 += t2;
    t1 = <i64>(<u64>mulSeries(t1, h1, l1) / 23); t2 = <i64>(<u64>mulSeries(t2, h2, l2) / 23); r1 += t1; r2 += t2;
    t1 = <i64>(<u64>mulSeries(t1, h1, l1) / 24); t2 = <i64>(<u64>mulSeries(t2, h2, l2) / 24); r1 += t1; r2 += t2;
    t1 = <i64>(<u64>mulSeries(t1, h1, l1) / 25); t2 = <i64>(<u64>mulSeries(t2, h2, l2) / 25); r1 += t1; r2 += t2;
    if ((t1 | t2) == 0) break;
    t1 = <i64>(<u64>mulSeries(t1, h1, l1) / 26); t2 = <i64>(<u64>mulSeries(t2, h2, l2) / 26); r1 += t1; r2 += t2;
    t1 = <i64>(<u64>mulSeries(t1, h1, l1) / 27); t2 = <i64>(<u64>mulSeries(t2, h2, l2) / 27); r1 += t1; r2 += t2;
    t1 = <i64>(<u64>mulSeries(t1, h1, l1) / 28); t2 = <i64>(<u64>mulSeries(t2, h2, l2) / 28); r1 += t1; r2 += t2;
    t1 = <i64>(<u64>mulSeries(t1, h1, l1) / 29); t2 = <i64>(<u64>mulSeries(t2, h2, l2) / 29); r1 += t1; r2 += t2;
    t1 = <i64>(<u64>mulSeries(t1, h1, l1) / 30); t2 = <i64>(<u64>mulSeries(t2, h2, l2) / 30); r1 += t1; r2 += t2;
    t1 = <i64>(<u64>mulSeries(t1, h1, l1) / 31); t2 = <i64>(<u64>mulSeries(t2, h2, l2) / 31); r1 += t1; r2 += t2;
  } while (false);
  _exp2 = expOf(x2, r2);
  return expOf(x1, r1);
}

/** exp(x) from the series' sum r over |x|: 1 / r for a negative x; exp(1) is the crate's constant. */
// @ts-ignore: decorator
@inline function expOf(x: i64, r: i64): i64 {
  if (x == ONE) return 11674931200; // the crate's 23-bit constant e, not the series
  return x < 0 ? oneOver(r) : r; // r >= ONE; x == 0 gives r = ONE
}
