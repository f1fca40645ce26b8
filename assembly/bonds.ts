// Bonds: load and mask (spec/yuma.md 2.11), column normalization, the EMA (2.12c, 2.13b)
// with a fixed or a liquid alpha (2.13a), dividends (2.12e, 2.13c), storage form (2.12f, 2.15).
// Everything walks stored entries only: O(nnz), never an n-wide scratch row. A kernel that
// produces a matrix also returns its column sums (`colSum`), so that a column normalization
// costs one pass (divideColumns), not two.
import { ONE, mulF, mulChecked, divF, oneOver, u16p, toU16, expSafePair, expSecond, divSat } from './fixed';
import {
  addI64, appendSummed, endRow, i64At, rowEnd, rowStart, setI64, setU16, setU32, u16At, u32At, u8At, zeroI64,
} from './csr';

/** divF(v, s), or v as is where s is 0 (a column normalization or max-upscale leaves an all-zero column alone). */
// @ts-ignore: decorator
@inline function divUnlessZero(v: i64, s: i64): i64 {
  return s != 0 ? divF(v, s) : v;
}

/**
 * divUnlessZero(v, s); for 0 <= v < ONE and s > 0 (an EMA entry over its column's sum, the
 * common case) divF's unsigned quotient without its sign handling.
 */
// @ts-ignore: decorator
@inline function entryOverSum(v: i64, s: i64): i64 {
  if (<u64>v >= <u64>ONE || s <= 0) return divUnlessZero(v, s);
  const q = <i64>(<u64>(v << 32) / <u64>s);
  return q >= 0 ? q : 0; // 0 where it leaves i64, as divF
}

/**
 * B = stored bonds as raw I32F32 (Yuma3: u16 proportion; original: the integer), dropping
 * columns j with recent[j] != 0 (registered at/after the last tempo). Returns nnz out;
 * colSum[j] = sum of column j of B.
 */
export function loadBonds(
  n: i32, rowPtr: usize, col: usize, b: usize, recent: usize, proportion: bool,
  outPtr: usize, outCol: usize, outVal: usize, colSum: usize,
): i32 {
  zeroI64(colSum, n);
  let k = 0;
  setU32(outPtr, 0, 0);
  for (let i = 0; i < n; i++) {
    for (let q = rowStart(rowPtr, i), e = rowEnd(rowPtr, i); q < e; q++) {
      const j = u32At(col, q);
      if (u8At(recent, j) != 0) continue;
      const w = <i64>u16At(b, q);
      k = appendSummed(outCol, outVal, colSum, k, j, proportion ? u16p(w) : w * ONE);
    }
    endRow(outPtr, i, k);
  }
  return k;
}

/** Column sums (plain, wrapping) of a matrix's entries: the first half of colnorm. */
function colSums(n: i32, nnz: i32, col: usize, val: usize, sums: usize): void {
  zeroI64(sums, n);
  for (let q = 0; q < nnz; q++) addI64(sums, u32At(col, q), i64At(val, q));
}

/** Second half of colnorm: out = divF(v, colSum[j]) where that sum is non-zero, else v. */
export function divideColumns(nnz: i32, col: usize, val: usize, out: usize, colSum: usize): void {
  for (let q = 0; q < nnz; q++) setI64(out, q, divUnlessZero(i64At(val, q), i64At(colSum, u32At(col, q))));
}

/** colnorm: s_j = column sum; every entry of a column with s_j != 0 becomes divF(v, s_j). */
export function colnorm(n: i32, nnz: i32, col: usize, val: usize, out: usize, sums: usize): void {
  colSums(n, nnz, col, val, sums);
  divideColumns(nnz, col, val, out, sums);
}

/** Original Yuma delta: D_ij = mulF(Wb_ij, a_i), every entry kept (same pattern as Wb). */
export function scaleRows(n: i32, rowPtr: usize, col: usize, val: usize, a: usize, out: usize, colSum: usize): void {
  zeroI64(colSum, n);
  for (let i = 0; i < n; i++) {
    const ai = i64At(a, i);
    for (let q = rowStart(rowPtr, i), e = rowEnd(rowPtr, i); q < e; q++) {
      const v = mulF(i64At(val, q), ai);
      setI64(out, q, v);
      addI64(colSum, u32At(col, q), v);
    }
  }
}

/**
 * Fixed-alpha EMA over the union of both row patterns (rows ascending in j):
 * mulF(alpha, new) + mulF(ONE - alpha, old), an absent side contributing 0; keep > 0.
 */
export function emaFixed(
  n: i32, alpha: i64,
  newPtr: usize, newCol: usize, newVal: usize,
  oldPtr: usize, oldCol: usize, oldVal: usize,
  outPtr: usize, outCol: usize, outVal: usize, colSum: usize,
): i32 {
  zeroI64(colSum, n);
  setU32(outPtr, 0, 0);
  return emaFixedRows(0, n, alpha, newPtr, newCol, newVal, oldPtr, oldCol, oldVal, outPtr, outCol, outVal, 0, colSum);
}

/**
 * Rows r0 <= i < r1 of emaFixed, written from entry outBase on (outPtr[i + 1] absolute);
 * ADDS to colSum. Returns the entries written.
 */
export function emaFixedRows(
  r0: i32, r1: i32, alpha: i64,
  newPtr: usize, newCol: usize, newVal: usize,
  oldPtr: usize, oldCol: usize, oldVal: usize,
  outPtr: usize, outCol: usize, outVal: usize, outBase: i32, colSum: usize,
): i32 {
  const om = ONE - alpha;
  let k = outBase;
  for (let i = r0; i < r1; i++) {
    let x = rowStart(newPtr, i);
    const xe = rowEnd(newPtr, i);
    let y = rowStart(oldPtr, i);
    const ye = rowEnd(oldPtr, i);
    while (x < xe || y < ye) {
      const jx: u32 = x < xe ? u32At(newCol, x) : 0xffff_ffff;
      const jy: u32 = y < ye ? u32At(oldCol, y) : 0xffff_ffff;
      let j: u32, vn: i64 = 0, vo: i64 = 0;
      if (jx <= jy) { j = jx; vn = i64At(newVal, x); x++; } else j = jy;
      if (jy == j) { vo = i64At(oldVal, y); y++; }
      const v = mulF(alpha, vn) + mulF(om, vo);
      if (v > 0) k = appendSummed(outCol, outVal, colSum, k, j, v);
    }
    endRow(outPtr, i, k);
  }
  return k - outBase;
}

/**
 * Yuma3 with liquid alpha: per entry (j, w) of Wb row i, in row order, alpha from the
 * sigmoid of how far w sits from consensus (or from the old bond); bonds with no Wb entry
 * disappear (the chain's sparse path drops them). Returns nnz out.
 */
export function emaLiquid(
  n: i32, C: usize, lo: i64, hi: i64, steepness: i64,
  newPtr: usize, newCol: usize, newVal: usize,
  oldPtr: usize, oldCol: usize, oldVal: usize,
  outPtr: usize, outCol: usize, outVal: usize, colSum: usize,
): i32 {
  zeroI64(colSum, n);
  setU32(outPtr, 0, 0);
  return emaLiquidRows(0, n, C, lo, hi, steepness, newPtr, newCol, newVal, oldPtr, oldCol, oldVal, outPtr, outCol, outVal, 0, colSum);
}

/** Liquid alpha's d: how far the weight w moved (buying above consensus c, or selling below the old bond b), in [0, ONE]. */
// @ts-ignore: decorator
@inline function moved(w: i64, b: i64, c: i64): i64 {
  return max(min(w >= b ? w - c : b - w, ONE), <i64>0);
}

/** alpha from e^x, x = kf * (d - 1/2): lo + sigmoid * (hi - lo), kept within [lo, hi]. */
// @ts-ignore: decorator
@inline function alphaOf(ex: i64, lo: i64, hi: i64): i64 {
  const sg = oneOver(ONE + ex); // divF(ONE, 1 + e^x)
  return max(min(lo + mulF(sg, hi - lo), hi), lo);
}

/** The new bond: mulF(1 - alpha, old) (0 without one) + max(mulF(alpha, w), 0), at most ONE. */
// @ts-ignore: decorator
@inline function liquidEma(alpha: i64, w: i64, b: i64, present: bool): i64 {
  const dec: i64 = present ? mulF(ONE - alpha, b) : 0;
  return min(ONE, dec + max(mulF(alpha, w), <i64>0));
}

/**
 * Rows r0 <= i < r1 of emaLiquid, written from entry outBase on (outPtr[i + 1] absolute);
 * ADDS to colSum. Returns the entries written.
 */
export function emaLiquidRows(
  r0: i32, r1: i32, C: usize, lo: i64, hi: i64, steepness: i64,
  newPtr: usize, newCol: usize, newVal: usize,
  oldPtr: usize, oldCol: usize, oldVal: usize,
  outPtr: usize, outCol: usize, outVal: usize, outBase: i32, colSum: usize,
): i32 {
  // k = steepness / -100, saturating_div: truncated toward zero
  const kf = divSat(steepness, -100 * ONE); // steepness is raw I32F32 (s * ONE)
  const half: i64 = ONE >> 1;
  // alpha is a function of d alone, and neighbouring entries often share d (every weight
  // below consensus and at or above its old bond has d = 0): the last one is kept
  let lastD: i64 = -1, lastAlpha: i64 = 0;
  let k = outBase;
  for (let i = r0; i < r1; i++) {
    let y = rowStart(oldPtr, i);
    const ye = rowEnd(oldPtr, i);
    const xe = rowEnd(newPtr, i);
    // entries two at a time (A, then B if the row has one more), so that two alphas that
    // need an exp get them from one expSafePair
    for (let x = rowStart(newPtr, i); x < xe; x += 2) {
      const jA = u32At(newCol, x);
      const wA = i64At(newVal, x);
      while (y < ye && u32At(oldCol, y) < jA) y++;
      const pA = y < ye && u32At(oldCol, y) == jA;
      const bA: i64 = pA ? i64At(oldVal, y) : 0;
      const dA = moved(wA, bA, i64At(C, jA));
      const two = x + 1 < xe;
      let jB: u32 = 0, wB: i64 = 0, pB = false, bB: i64 = 0, dB: i64 = dA;
      if (two) {
        jB = u32At(newCol, x + 1);
        wB = i64At(newVal, x + 1);
        while (y < ye && u32At(oldCol, y) < jB) y++;
        pB = y < ye && u32At(oldCol, y) == jB;
        bB = pB ? i64At(oldVal, y) : 0;
        dB = moved(wB, bB, i64At(C, jB));
      }
      const missA = dA != lastD;
      const missB = dB != dA && dB != lastD;
      let aA = lastAlpha, aB = lastAlpha;
      if (missA || missB) {
        const exA = expSafePair(missA ? mulF(kf, dA - half) : 0, missB ? mulF(kf, dB - half) : 0);
        if (missA) aA = alphaOf(exA, lo, hi);
        if (missB) aB = alphaOf(expSecond(), lo, hi);
      }
      if (dB == dA) aB = aA;
      lastD = dB;
      lastAlpha = aB;
      const vA = liquidEma(aA, wA, bA, pA);
      if (vA > 0) k = appendSummed(outCol, outVal, colSum, k, jA, vA);
      if (two) {
        const vB = liquidEma(aB, wB, bB, pB);
        if (vB > 0) k = appendSummed(outCol, outVal, colSum, k, jB, vB);
      }
    }
    endRow(outPtr, i, k);
  }
  return k - outBase;
}

/** Div_i = sum over row i of mulF(I_j, M_ij) (original Yuma; M is the normalized EMA). */
export function rowDotIncentive(n: i32, rowPtr: usize, col: usize, val: usize, I: usize, out: usize): void {
  for (let i = 0; i < n; i++) {
    let s: i64 = 0;
    for (let q = rowStart(rowPtr, i), e = rowEnd(rowPtr, i); q < e; q++) s += mulF(i64At(I, u32At(col, q)), i64At(val, q));
    setI64(out, i, s);
  }
}

/**
 * Original Yuma, 2.12d-f and the stored form (2.15) in one pass over the EMA (val, not
 * modified): N_ij = divF(E_ij, colSum_j), Div_i = sum_j mulF(I_j, N_ij), and, unless u16 is 0,
 * u16_q = toU16(divF(N_ij, max_i N_ij)). colMax: in, the EMA's column maxima (emaOriginal's);
 * out, the maxima of N. (The EMA's entries are positive, so colSum_j >= E_ij and
 * divF(E, colSum_j) = floor(E * 2^32 / colSum_j) never leaves i64: it is non-decreasing in E,
 * and the largest N of a column is the one of its largest E. So the maxima are known before
 * the pass, and the upscale needs no second pass over N.)
 */
export function emaDividends(
  n: i32, rowPtr: usize, col: usize, val: usize, colSum: usize, I: usize, out: usize, colMax: usize, u16: usize,
): void {
  const inRange = emaDividendsInRange(n, colMax, I);
  emaColumnMaxima(n, colMax, colSum);
  emaDividendRows(0, n, rowPtr, col, val, colSum, I, out, colMax, u16, inRange);
}

/**
 * emaDividendRows' inRange, decided before emaColumnMaxima: every column maximum of the EMA
 * (colMax, so every entry) and every I_j lies in [0, ONE).
 */
export function emaDividendsInRange(n: i32, colMax: usize, I: usize): bool {
  let all: u64 = 0;
  for (let j = 0; j < n; j++) all |= <u64>i64At(colMax, j) | <u64>i64At(I, j);
  return all < <u64>ONE;
}

/** colMax_j = divF(colMax_j, colSum_j) where colSum_j != 0: the EMA's column maxima to N's. */
export function emaColumnMaxima(n: i32, colMax: usize, colSum: usize): void {
  for (let j = 0; j < n; j++) setI64(colMax, j, divUnlessZero(i64At(colMax, j), i64At(colSum, j)));
}

/**
 * toU16(divUnlessZero(v, m)) for 0 <= v <= m <= ONE: 65535 at v == m != 0, else toU16 of
 * floor(v * 2^32 / m) < ONE, one unsigned 64-bit division (on this machine's cores faster than
 * an f64 division with a remainder check, measured: bench/ab.bench.ts).
 */
// @ts-ignore: decorator
@inline function upscaledU16(v: i64, m: i64): i32 {
  if (v == m) return m != 0 ? 65535 : 0;
  return <i32>((((<u64>v << 32) / <u64>m) * 65535) >>> 32);
}

/**
 * Rows r0 <= i < r1 of emaDividends, after emaColumnMaxima (colMax: the maxima of N).
 * inRange (emaDividendsInRange): every entry and every I_j in [0, ONE). With the entries > 0
 * and colSum, colMax their columns' own sums and maxima (this kernel's input), each entry is
 * then at most its column's sum and each N at most its column's maximum, so the unsigned
 * quotients and products below are exact with no check per entry (dividends 0.71-0.74x on
 * every shape, measured: bench/ab.bench.ts).
 */
export function emaDividendRows(
  r0: i32, r1: i32, rowPtr: usize, col: usize, val: usize, colSum: usize, I: usize, out: usize, colMax: usize, u16: usize,
  inRange: bool,
): void {
  for (let i = r0; i < r1; i++) {
    let s: i64 = 0;
    const e = rowEnd(rowPtr, i);
    if (inRange && u16 != 0) {
      for (let q = rowStart(rowPtr, i); q < e; q++) {
        const j = u32At(col, q);
        const N = <i64>((<u64>i64At(val, q) << 32) / <u64>i64At(colSum, j));
        s += <i64>((<u64>i64At(I, j) * <u64>N) >>> 32);
        setU16(u16, q, <u16>upscaledU16(N, i64At(colMax, j)));
      }
    } else if (u16 == 0) {
      for (let q = rowStart(rowPtr, i); q < e; q++) {
        const j = u32At(col, q);
        s += mulF(i64At(I, j), entryOverSum(i64At(val, q), i64At(colSum, j)));
      }
    } else {
      for (let q = rowStart(rowPtr, i); q < e; q++) {
        const j = u32At(col, q);
        const v = i64At(val, q);
        const sum = i64At(colSum, j);
        const Ij = i64At(I, j);
        const m = i64At(colMax, j);
        // for 0 <= E < ONE, E <= colSum (as the EMA's own sums are) and I_j < ONE: N = divF(E, colSum)
        // <= ONE and I_j * N < 2^64, from unsigned 64-bit arithmetic that cannot trap for any input
        const N = <i64>((<u64>v << 32) / <u64>(sum > 0 ? sum : 1));
        if ((<u64>v >= <u64>ONE) | (v > sum) | (<u64>Ij >= <u64>ONE) | (sum <= 0) | (N > m)) {
          s += dividendEntry(v, sum, Ij, m, u16, q);
          continue;
        }
        s += <i64>((<u64>Ij * <u64>N) >>> 32);
        setU16(u16, q, <u16>upscaledU16(N, m)); // N <= m: m is the column's largest N
      }
    }
    setI64(out, i, s);
  }
}

/** One entry of emaDividendRows in general: writes its stored u16 at q, returns mulF(I_j, N). */
function dividendEntry(v: i64, sum: i64, Ij: i64, m: i64, u16: usize, q: u32): i64 {
  const N = entryOverSum(v, sum);
  setU16(u16, q, <u16>upscaledU16(N, m));
  return mulF(Ij, N);
}

/**
 * Yuma3, 2.13c: Div_i = checked mulF(sum_j mulF(N_ij, I_j), a_i) with N the EMA normalized by
 * its column sums (colSum), computed on the fly: the EMA itself stays as stored.
 */
export function yuma3Dividends(
  n: i32, rowPtr: usize, col: usize, val: usize, colSum: usize, I: usize, a: usize, out: usize,
): void {
  yuma3DividendRows(0, n, rowPtr, col, val, colSum, I, a, out);
}

/** Rows r0 <= i < r1 of yuma3Dividends. */
export function yuma3DividendRows(
  r0: i32, r1: i32, rowPtr: usize, col: usize, val: usize, colSum: usize, I: usize, a: usize, out: usize,
): void {
  for (let i = r0; i < r1; i++) {
    let s: i64 = 0;
    for (let q = rowStart(rowPtr, i), e = rowEnd(rowPtr, i); q < e; q++) {
      const j = u32At(col, q);
      s += mulF(entryOverSum(i64At(val, q), i64At(colSum, j)), i64At(I, j));
    }
    setI64(out, i, mulChecked(s, i64At(a, i)));
  }
}

/** Storage form of original Yuma: column max-upscale (max becomes ONE), in place. */
export function colMaxUpscale(n: i32, nnz: i32, col: usize, val: usize, maxes: usize): void {
  zeroI64(maxes, n);
  for (let q = 0; q < nnz; q++) {
    const j = u32At(col, q);
    setI64(maxes, j, max(i64At(maxes, j), i64At(val, q)));
  }
  for (let q = 0; q < nnz; q++) setI64(val, q, divUnlessZero(i64At(val, q), i64At(maxes, u32At(col, q))));
}

/** u16 outputs: toU16 of every raw. */
export function toU16Array(len: i32, val: usize, out: usize): void {
  for (let q = 0; q < len; q++) setU16(out, q, <u16>toU16(i64At(val, q)));
}
