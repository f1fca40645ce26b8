// Bonds: load and mask (spec/yuma.md 2.11), column normalization, the EMA (2.12c, 2.13b)
// with a fixed or a liquid alpha (2.13a), dividends (2.12e, 2.13c), storage form (2.12f, 2.15).
// Everything walks stored entries only: O(nnz), never an n-wide scratch row. A kernel that
// produces a matrix also returns its column sums (`colSum`), so that a column normalization
// costs one pass (divideColumns), not two.
import { ONE, mulF, mulChecked, divF, u16p, toU16, expSafe, divSat } from './fixed';

// @ts-ignore: decorator
@inline function zero(v: usize, n: i32): void {
  memory.fill(v, 0, <usize>n << 3);
}

// @ts-ignore: decorator
@inline function addTo(sums: usize, j: u32, v: i64): void {
  const p = sums + (<usize>j << 3);
  store<i64>(p, load<i64>(p) + v); // plain sum, wraps as the chain's does
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
  zero(colSum, n);
  let k = 0;
  store<u32>(outPtr, 0);
  for (let i = 0; i < n; i++) {
    const e = load<u32>(rowPtr + (<usize>(i + 1) << 2));
    for (let q = load<u32>(rowPtr + (<usize>i << 2)); q < e; q++) {
      const j = load<u32>(col + (<usize>q << 2));
      if (load<u8>(recent + <usize>j) != 0) continue;
      const w = <i64>load<u16>(b + (<usize>q << 1));
      const v = proportion ? u16p(w) : w * ONE;
      store<u32>(outCol + (<usize>k << 2), j);
      store<i64>(outVal + (<usize>k << 3), v);
      addTo(colSum, j, v);
      k++;
    }
    store<u32>(outPtr + (<usize>(i + 1) << 2), k);
  }
  return k;
}

/** Column sums of a matrix's entries. */
export function colSums(n: i32, nnz: i32, col: usize, val: usize, sums: usize): void {
  zero(sums, n);
  for (let q = 0; q < nnz; q++) addTo(sums, load<u32>(col + (<usize>q << 2)), load<i64>(val + (<usize>q << 3)));
}

/** Second half of colnorm: out = divF(v, colSum[j]) where that sum is non-zero, else v. */
export function divideColumns(nnz: i32, col: usize, val: usize, out: usize, colSum: usize): void {
  for (let q = 0; q < nnz; q++) {
    const s = load<i64>(colSum + (<usize>load<u32>(col + (<usize>q << 2)) << 3));
    const v = load<i64>(val + (<usize>q << 3));
    store<i64>(out + (<usize>q << 3), s != 0 ? divF(v, s) : v);
  }
}

/** colnorm: s_j = column sum; every entry of a column with s_j != 0 becomes divF(v, s_j). */
export function colnorm(n: i32, nnz: i32, col: usize, val: usize, out: usize, sums: usize): void {
  colSums(n, nnz, col, val, sums);
  divideColumns(nnz, col, val, out, sums);
}

/** Original Yuma delta: D_ij = mulF(Wb_ij, a_i), every entry kept (same pattern as Wb). */
export function scaleRows(n: i32, rowPtr: usize, col: usize, val: usize, a: usize, out: usize, colSum: usize): void {
  zero(colSum, n);
  for (let i = 0; i < n; i++) {
    const ai = load<i64>(a + (<usize>i << 3));
    const e = load<u32>(rowPtr + (<usize>(i + 1) << 2));
    for (let q = load<u32>(rowPtr + (<usize>i << 2)); q < e; q++) {
      const v = mulF(load<i64>(val + (<usize>q << 3)), ai);
      store<i64>(out + (<usize>q << 3), v);
      addTo(colSum, load<u32>(col + (<usize>q << 2)), v);
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
  zero(colSum, n);
  store<u32>(outPtr, 0);
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
    let x = load<u32>(newPtr + (<usize>i << 2));
    const xe = load<u32>(newPtr + (<usize>(i + 1) << 2));
    let y = load<u32>(oldPtr + (<usize>i << 2));
    const ye = load<u32>(oldPtr + (<usize>(i + 1) << 2));
    while (x < xe || y < ye) {
      const jx: u32 = x < xe ? load<u32>(newCol + (<usize>x << 2)) : 0xffff_ffff;
      const jy: u32 = y < ye ? load<u32>(oldCol + (<usize>y << 2)) : 0xffff_ffff;
      let j: u32, vn: i64 = 0, vo: i64 = 0;
      if (jx <= jy) { j = jx; vn = load<i64>(newVal + (<usize>x << 3)); x++; } else j = jy;
      if (jy == j) { vo = load<i64>(oldVal + (<usize>y << 3)); y++; }
      const v = mulF(alpha, vn) + mulF(om, vo);
      if (v > 0) {
        store<u32>(outCol + (<usize>k << 2), j);
        store<i64>(outVal + (<usize>k << 3), v);
        addTo(colSum, j, v);
        k++;
      }
    }
    store<u32>(outPtr + (<usize>(i + 1) << 2), k);
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
  zero(colSum, n);
  store<u32>(outPtr, 0);
  return emaLiquidRows(0, n, C, lo, hi, steepness, newPtr, newCol, newVal, oldPtr, oldCol, oldVal, outPtr, outCol, outVal, 0, colSum);
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
  let k = outBase;
  for (let i = r0; i < r1; i++) {
    let y = load<u32>(oldPtr + (<usize>i << 2));
    const ye = load<u32>(oldPtr + (<usize>(i + 1) << 2));
    const xe = load<u32>(newPtr + (<usize>(i + 1) << 2));
    for (let x = load<u32>(newPtr + (<usize>i << 2)); x < xe; x++) {
      const j = load<u32>(newCol + (<usize>x << 2));
      const w = load<i64>(newVal + (<usize>x << 3));
      while (y < ye && load<u32>(oldCol + (<usize>y << 2)) < j) y++;
      const present = y < ye && load<u32>(oldCol + (<usize>y << 2)) == j;
      const b: i64 = present ? load<i64>(oldVal + (<usize>y << 3)) : 0;
      const c = load<i64>(C + (<usize>j << 3));
      // how far the weight moved: buying above consensus, or selling below the old bond
      const d0 = w >= b ? w - c : b - w;
      const d = max(min(d0, ONE), <i64>0);
      const ex = expSafe(mulF(kf, d - half));
      const sg = divF(ONE, ONE + ex);
      const alpha = max(min(lo + mulF(sg, hi - lo), hi), lo);
      const dec: i64 = present ? mulF(ONE - alpha, b) : 0;
      const inc = max(mulF(alpha, w), <i64>0);
      const v = min(ONE, dec + inc);
      if (v > 0) {
        store<u32>(outCol + (<usize>k << 2), j);
        store<i64>(outVal + (<usize>k << 3), v);
        addTo(colSum, j, v);
        k++;
      }
    }
    store<u32>(outPtr + (<usize>(i + 1) << 2), k);
  }
  return k - outBase;
}

/** Div_i = sum over row i of mulF(I_j, M_ij) (original Yuma; M is the normalized EMA). */
export function rowDotIncentive(n: i32, rowPtr: usize, col: usize, val: usize, I: usize, out: usize): void {
  for (let i = 0; i < n; i++) {
    let s: i64 = 0;
    const e = load<u32>(rowPtr + (<usize>(i + 1) << 2));
    for (let q = load<u32>(rowPtr + (<usize>i << 2)); q < e; q++) {
      const Ij = load<i64>(I + (<usize>load<u32>(col + (<usize>q << 2)) << 3));
      s += mulF(Ij, load<i64>(val + (<usize>q << 3)));
    }
    store<i64>(out + (<usize>i << 3), s);
  }
}

/**
 * Original Yuma, 2.12d-f in one pass: EMA column-normalized in place (colSum: its column sums),
 * Div_i = sum_j mulF(I_j, N_ij), and colMax_j = max(0, max_i N_ij) for the storage form.
 */
export function emaDividends(
  n: i32, rowPtr: usize, col: usize, val: usize, colSum: usize, I: usize, out: usize, colMax: usize,
): void {
  zero(colMax, n);
  emaDividendRows(0, n, rowPtr, col, val, colSum, I, out, colMax);
}

/** Rows r0 <= i < r1 of emaDividends; colMax is max-ed into (the caller zeroes it). */
export function emaDividendRows(
  r0: i32, r1: i32, rowPtr: usize, col: usize, val: usize, colSum: usize, I: usize, out: usize, colMax: usize,
): void {
  for (let i = r0; i < r1; i++) {
    let s: i64 = 0;
    const e = load<u32>(rowPtr + (<usize>(i + 1) << 2));
    for (let q = load<u32>(rowPtr + (<usize>i << 2)); q < e; q++) {
      const j = load<u32>(col + (<usize>q << 2));
      const p = val + (<usize>q << 3);
      const sj = load<i64>(colSum + (<usize>j << 3));
      const v = sj != 0 ? divF(load<i64>(p), sj) : load<i64>(p);
      store<i64>(p, v);
      s += mulF(load<i64>(I + (<usize>j << 3)), v);
      const m = colMax + (<usize>j << 3);
      if (v > load<i64>(m)) store<i64>(m, v);
    }
    store<i64>(out + (<usize>i << 3), s);
  }
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
    const e = load<u32>(rowPtr + (<usize>(i + 1) << 2));
    for (let q = load<u32>(rowPtr + (<usize>i << 2)); q < e; q++) {
      const j = load<u32>(col + (<usize>q << 2));
      const sj = load<i64>(colSum + (<usize>j << 3));
      const v = load<i64>(val + (<usize>q << 3));
      s += mulF(sj != 0 ? divF(v, sj) : v, load<i64>(I + (<usize>j << 3)));
    }
    store<i64>(out + (<usize>i << 3), mulChecked(s, load<i64>(a + (<usize>i << 3))));
  }
}

/** Column max-upscale, given the column maxima: the maximum of each column becomes ONE. */
function upscaleColumns(nnz: i32, col: usize, val: usize, colMax: usize): void {
  for (let q = 0; q < nnz; q++) {
    const m = load<i64>(colMax + (<usize>load<u32>(col + (<usize>q << 2)) << 3));
    if (m != 0) {
      const p = val + (<usize>q << 3);
      store<i64>(p, divF(load<i64>(p), m));
    }
  }
}

/** The stored u16 of original Yuma's bonds: toU16 of the column max-upscaled EMA (val kept). */
export function upscaleToU16(nnz: i32, col: usize, val: usize, colMax: usize, out: usize): void {
  for (let q = 0; q < nnz; q++) {
    const m = load<i64>(colMax + (<usize>load<u32>(col + (<usize>q << 2)) << 3));
    const v = load<i64>(val + (<usize>q << 3));
    store<u16>(out + (<usize>q << 1), <u16>toU16(m != 0 ? divF(v, m) : v));
  }
}

/** Storage form of original Yuma: column max-upscale (max becomes ONE), in place. */
export function colMaxUpscale(n: i32, nnz: i32, col: usize, val: usize, maxes: usize): void {
  zero(maxes, n);
  for (let q = 0; q < nnz; q++) {
    const p = maxes + (<usize>load<u32>(col + (<usize>q << 2)) << 3);
    store<i64>(p, max(load<i64>(p), load<i64>(val + (<usize>q << 3))));
  }
  upscaleColumns(nnz, col, val, maxes);
}

/** u16 outputs: toU16 of every raw. */
export function toU16Array(len: i32, val: usize, out: usize): void {
  for (let q = 0; q < len; q++) {
    store<u16>(out + (<usize>q << 1), <u16>toU16(load<i64>(val + (<usize>q << 3))));
  }
}
