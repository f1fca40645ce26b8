// Consensus: stake-weighted median of every column of W (spec/yuma.md 2.6 and section 3),
// in the closed form: the smallest score v with Cum(v) > minority = T - kappa, where Cum
// counts the stake u of rows scoring <= v, rows without a positive entry scoring 0.
//
// Columns are gathered in blocks small enough to stay in cache (a blocked transpose: each
// stake-holding row keeps a cursor that advances through its sorted columns), and every
// column of a block is solved by a weighted three-way quickselect while it is hot.

import { divF } from './fixed';
import { addI64, i64At, rowEnd, rowStart, setI64, setU32, u32At } from './csr';

/** Entries gathered per block: 2 x 8 bytes each, sized to stay in L2 (256 KiB). */
const BLOCK_ENTRIES: u32 = 16384;

/**
 * In: W CSR (rowPtr, col, val), active stake a i64[n], kappa raw.
 * Scratch: u i64[n], colPtr u32[n+1], cursor u32[n], score i64[max(n, BLOCK)], weight (same),
 * hist i64[256].
 * Out: C i64[n].
 */
export function consensus(
  n: i32, rowPtr: usize, col: usize, val: usize, a: usize, kappa: i64,
  u: usize, colPtr: usize, cursor: usize, score: usize, weight: usize, hist: usize, C: usize,
): void {
  const T = consensusStake(n, a, kappa, u);
  consensusColumns(n, 0, n, rowPtr, col, val, u, T, _minority, _countU, colPtr, cursor, score, weight, hist, C);
}

let _minority: i64 = 0;
let _countU: i32 = 0;

/**
 * u = normalize(a over rows with a_i > 0): a second normalization of normalized stake.
 * Returns T = sum u; minority = T - kappa and the count of such rows are left in globals
 * (read by consensus, or by JS through consensusStakeInto).
 */
function consensusStake(n: i32, a: usize, kappa: i64, u: usize): i64 {
  let sa: i64 = 0, countU = 0;
  for (let i = 0; i < n; i++) {
    const ai = i64At(a, i);
    if (ai > 0) { sa += ai; countU++; }
  }
  let T: i64 = 0;
  for (let i = 0; i < n; i++) {
    const ai = i64At(a, i);
    const ui: i64 = ai > 0 ? divF(ai, sa) : 0;
    setI64(u, i, ui);
    T += ui;
  }
  _minority = T - kappa;
  _countU = countU;
  return T;
}

/** consensusStake for a column-split epoch: out i64[3] = (T, minority, countU). */
export function consensusStakeInto(n: i32, a: usize, kappa: i64, u: usize, out: usize): void {
  setI64(out, 0, consensusStake(n, a, kappa, u));
  setI64(out, 1, _minority);
  setI64(out, 2, <i64>_countU);
}

/** The first q in [lo, hi) with col[q] >= j (hi when none): rows are sorted by column. */
function lowerBound(col: usize, lo: u32, hi: u32, j: u32): u32 {
  while (lo < hi) {
    const mid = lo + ((hi - lo) >> 1);
    if (u32At(col, mid) < j) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * C_j for the columns j0 <= j < j1 only (any split of the columns gives the same C). u, T,
 * minority, countU from consensusStake; colPtr, cursor, score, weight, hist are this caller's
 * own scratch (colPtr u32[n+1], cursor u32[n]).
 */
export function consensusColumns(
  n: i32, j0: i32, j1: i32, rowPtr: usize, col: usize, val: usize, u: usize, T: i64, minority: i64, countU: i32,
  colPtr: usize, cursor: usize, score: usize, weight: usize, hist: usize, C: usize,
): void {
  if (countU == 0) {
    for (let j = j0; j < j1; j++) setI64(C, j, 0);
    return;
  }
  if (denseColumns(n, j0, j1, rowPtr, col, val, u, T, minority, countU, colPtr, cursor, score, weight, hist, C)) return;
  // positive entries per column among rows with stake; each such row's cursor at column j0
  for (let j = j0; j <= j1; j++) setU32(colPtr, j, 0);
  for (let i = 0; i < n; i++) {
    if (i64At(u, i) <= 0) continue;
    const e = rowEnd(rowPtr, i);
    const s = j0 == 0 ? rowStart(rowPtr, i) : lowerBound(col, rowStart(rowPtr, i), e, <u32>j0);
    setU32(cursor, i, s);
    for (let q = s; q < e; q++) {
      const j = u32At(col, q);
      if (j >= <u32>j1) break;
      if (i64At(val, q) > 0) setU32(colPtr, j, u32At(colPtr, j) + 1);
    }
  }

  let b0 = j0;
  while (b0 < j1) {
    // block [b0, b1): as many columns as fit, at least one; counts become block offsets
    let b1 = b0, filled: u32 = 0;
    while (b1 < j1) {
      const c = u32At(colPtr, b1);
      if (b1 > b0 && filled + c > BLOCK_ENTRIES) break;
      setU32(colPtr, b1, filled);
      filled += c;
      b1++;
    }
    // gather: each staked row contributes its entries with b0 <= j < b1
    for (let i = 0; i < n; i++) {
      const ui = i64At(u, i);
      if (ui <= 0) continue;
      const e = rowEnd(rowPtr, i);
      let q = u32At(cursor, i);
      for (; q < e; q++) {
        const j = u32At(col, q);
        if (j >= <u32>b1) break;
        const v = i64At(val, q);
        if (v > 0) {
          const k = u32At(colPtr, j);
          setU32(colPtr, j, k + 1);
          setI64(score, k, v);
          setI64(weight, k, ui);
        }
      }
      setU32(cursor, i, q);
    }
    // colPtr[j] now holds the END of column j within the block
    let start: u32 = 0;
    for (let j = b0; j < b1; j++) {
      const end = u32At(colPtr, j);
      setI64(C, j, columnMedian(score, weight, hist, start, end, T, minority, countU));
      start = end;
    }
    b0 = b1;
  }
}

/**
 * The columns of a dense matrix (its staked rows hold at least half of all n columns, counting
 * empty rows as none), one column at a time: each staked row keeps a cursor on its next entry,
 * and column j takes, from every row, the entry under the cursor when it is column j. No
 * counting pass and no scattered writes: the rows' current cache lines stay in L1 from one
 * column to the next. Lists the staked rows in colPtr and their cursors in cursor; returns
 * false, touching nothing else, when the matrix is sparser.
 */
function denseColumns(
  n: i32, j0: i32, j1: i32, rowPtr: usize, col: usize, val: usize, u: usize, T: i64, minority: i64, countU: i32,
  colPtr: usize, cursor: usize, score: usize, weight: usize, hist: usize, C: usize,
): bool {
  let S: u64 = 0, entries: u64 = 0;
  for (let i = 0; i < n; i++) {
    const len = rowEnd(rowPtr, i) - rowStart(rowPtr, i);
    if (i64At(u, i) > 0 && len > 0) { S++; entries += len; }
  }
  if (2 * entries < S * <u64>n) return false;
  let rows: u32 = 0;
  for (let i = 0; i < n; i++) {
    const s = rowStart(rowPtr, i), e = rowEnd(rowPtr, i);
    if (i64At(u, i) <= 0 || s == e) continue; // an empty row scores 0 in every column
    setU32(colPtr, rows, i);
    setU32(cursor, rows, j0 == 0 ? s : lowerBound(col, s, e, <u32>j0));
    rows++;
  }
  for (let j = j0; j < j1; j++) {
    // the column's positive entries, their total weight P and their top score, in one pass
    let k: u32 = 0, P: i64 = 0, top: i64 = 0;
    for (let r: u32 = 0; r < rows; r++) {
      const i = <i32>u32At(colPtr, r);
      const q = u32At(cursor, r);
      if (q < rowEnd(rowPtr, i) && u32At(col, q) == <u32>j) {
        const v = i64At(val, q);
        if (v > 0) {
          const w = i64At(u, i);
          setI64(score, k, v);
          setI64(weight, k, w);
          k++;
          P += w;
          top = max(top, v);
        }
        setU32(cursor, r, q + 1);
      }
    }
    setI64(C, j, medianOf(score, weight, hist, 0, k, P, top, T, minority, countU));
  }
  return true;
}

// @ts-ignore: decorator
@inline function swap(score: usize, weight: usize, x: u32, y: u32): void {
  const s = i64At(score, x); setI64(score, x, i64At(score, y)); setI64(score, y, s);
  const w = i64At(weight, x); setI64(weight, x, i64At(weight, y)); setI64(weight, y, w);
}

/** Below this many entries a column goes straight to the quickselect. */
const RADIX_MIN: i32 = 48;
/** From this many entries a column's radix pass uses 8 bits (256 buckets), below it 6. */
const RADIX_WIDE: i32 = 1024;

function columnMedian(
  score: usize, weight: usize, hist: usize, start: u32, end: u32, T: i64, minority: i64, countU: i32,
): i64 {
  let P: i64 = 0, top: i64 = 0;
  for (let k = start; k < end; k++) {
    P += i64At(weight, k);
    top = max(top, i64At(score, k));
  }
  return medianOf(score, weight, hist, start, end, P, top, T, minority, countU);
}

/** columnMedian given the entries' total weight P and their top score. */
function medianOf(
  score: usize, weight: usize, hist: usize, start: u32, end: u32, P: i64, top: i64, T: i64, minority: i64, countU: i32,
): i64 {
  const m = <i32>(end - start);
  // rows of U with score 0 or no entry: a candidate 0 only if there is at least one
  let base: i64 = T - P;
  if (countU > m && base > minority) return 0;
  if (m == 0) return 0;
  if (m < RADIX_MIN) return select(score, weight, start, end, base, minority);

  // one radix pass on the top bits of the scores finds the bucket holding the answer
  // (6 bits below RADIX_WIDE entries: 64 buckets to clear and scan instead of 256)
  const bits = m < RADIX_WIDE ? 6 : 8;
  const shift = <i64>max(0, 64 - bits - <i32>clz<i64>(top));
  for (let b = 0; b < (1 << bits); b++) setI64(hist, b, 0);
  for (let k = start; k < end; k++) addI64(hist, <usize>(i64At(score, k) >>> shift), i64At(weight, k));
  let bucket: i64 = 0;
  while (true) {
    const w = i64At(hist, <usize>bucket);
    if (w > 0 && base + w > minority) break; // an empty bucket holds no score (kappa > T)
    base += w;
    if (bucket == (top >>> shift)) return top; // nothing exceeds: only when kappa == 0
    bucket++;
  }
  if (shift == 0) return bucket; // the bucket is one exact score
  // keep that bucket's entries (front of the range) and finish on them alone
  let c = start;
  for (let k = start; k < end; k++) {
    const v = i64At(score, k);
    if ((v >>> shift) == bucket) {
      setI64(score, c, v);
      setI64(weight, c, i64At(weight, k));
      c++;
    }
  }
  return select(score, weight, start, c, base, minority);
}

/** Weighted quickselect over [lo, hi): the smallest score with base + Cum(score) > minority. */
function select(score: usize, weight: usize, lo: u32, hi: u32, base: i64, minority: i64): i64 {
  while (true) {
    // median-of-three pivot value
    const mid = lo + ((hi - lo) >> 1);
    const s0 = i64At(score, lo);
    const s1 = i64At(score, mid);
    const s2 = i64At(score, hi - 1);
    const p = max(min(s0, s1), min(max(s0, s1), s2));
    // three-way partition: [lo, lt) < p, [lt, gt) == p, [gt, hi) > p
    let lt = lo, gt = hi, k = lo;
    let wl: i64 = 0, we: i64 = 0;
    while (k < gt) {
      const s = i64At(score, k);
      if (s < p) {
        wl += i64At(weight, k);
        swap(score, weight, lt, k);
        lt++; k++;
      } else if (s > p) {
        gt--;
        swap(score, weight, k, gt);
      } else {
        we += i64At(weight, k);
        k++;
      }
    }
    if (lt > lo && base + wl > minority) { hi = lt; continue; }
    if (base + wl + we > minority) return p;
    if (gt == hi) return p; // nothing above: only reachable when kappa == 0, the max wins
    base += wl + we;
    lo = gt;
  }
}
