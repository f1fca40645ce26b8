// Stake (spec/yuma.md 2.2) for the case where no I64F64 operation can saturate (every alpha
// and tao stake below 2^62; checked first, false if not): T_i = alpha_i * 2^32 + tao_i * w32 (I96F32
// raws, below 2^95), raw_i = T_i >> 32, filtered by the threshold (owner exempt), and
// stake_i = floor(T_i * 2^32 / sum T) on exact 128-bit integers held as (hi, lo) u64 pairs.

import { divU128, mulHi, mulU128 } from './fixed';
import { setI64, setU64, u64At } from './csr';

/**
 * floor(N / D) for N = (nh, nl) < 2^127, D = (dh, dl) > 0 with N <= D * 2^33 (the quotient
 * is a normalized stake, at most 2^32). With D wider than 64 bits both are shifted until D
 * fits; that estimate is off by at most one and is corrected on the exact 128-bit remainder.
 */
function divSmallQuotient(nh: u64, nl: u64, dh: u64, dl: u64): u64 {
  if (dh == 0) return divU128(nh, nl, dl);
  const s = <u64>(64 - clz<u64>(dh)); // 1..63
  const d: u64 = (dh << (64 - s)) | (dl >>> s);
  const n1: u64 = nh >>> s;
  const n0: u64 = (nh << (64 - s)) | (nl >>> s);
  let q = divU128(n1, n0, d);
  // P = q * D (fits 128 bits: q * D <= N + D)
  let pl = mulU128(q, dl);
  let ph = mulHi() + q * dh;
  // q one too large: P > N
  if (ph > nh || (ph == nh && pl > nl)) {
    q--;
    const b: u64 = pl < dl ? 1 : 0;
    pl -= dl;
    ph = ph - dh - b;
  }
  // q one too small: N - P >= D
  const rl = nl - pl;
  const rh = nh - ph - (nl < pl ? 1 : 0);
  if (rh > dh || (rh == dh && rl >= dl)) q++;
  return q;
}

/**
 * In: alpha u64[n], tao u64[n] (every value below 2^62), w32 (tao weight, 32 fraction bits),
 * threshold (rao), owner (-1: none). Out: raw u64[n] (floor of the combined stake), stake
 * i64[n] (normalized raw I32F32). Scratch: th u64[n], tl u64[n] (T_i filtered).
 */
export function combineStake(
  n: i32, alpha: usize, tao: usize, w32: u64, threshold: u64, owner: i32,
  raw: usize, stake: usize, th: usize, tl: usize,
): bool {
  // the caller's precondition, checked here in one pass: false = nothing written
  let big: u64 = 0;
  for (let i = 0; i < n; i++) big |= u64At(alpha, i) | u64At(tao, i);
  if (big >= (<u64>1 << 62)) return false;
  let sh: u64 = 0, sl: u64 = 0;
  for (let i = 0; i < n; i++) {
    const a = u64At(alpha, i);
    // tao * w32 (< 2^94), then + alpha * 2^32
    let lo = mulU128(u64At(tao, i), w32);
    let hi = mulHi();
    const al: u64 = a << 32;
    lo += al;
    hi += (a >>> 32) + (lo < al ? 1 : 0);
    const r: u64 = (hi << 32) | (lo >>> 32);
    setU64(raw, i, r);
    if (i != owner && r < threshold) { hi = 0; lo = 0; }
    setU64(th, i, hi);
    setU64(tl, i, lo);
    sl += lo;
    sh += hi + (sl < lo ? 1 : 0);
  }
  const zero = (sh | sl) == 0;
  for (let i = 0; i < n; i++) {
    const hi = u64At(th, i);
    const lo = u64At(tl, i);
    // floor(T_i * 2^32 / S): T_i * 2^32 < 2^127
    const q: u64 = zero || (hi | lo) == 0 ? 0 : divSmallQuotient((hi << 32) | (lo >>> 32), lo << 32, sh, sl);
    setI64(stake, i, <i64>q);
  }
  return true;
}
