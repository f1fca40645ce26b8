// Consensus: stake-weighted median of every column of W (spec/yuma.md 2.6 and section 3),
// in the closed form: the smallest score v with Cum(v) > minority = T - kappa, where Cum
// counts the stake u of rows scoring <= v, rows without a positive entry scoring 0.
//
// Columns are gathered in blocks small enough to stay in cache (a blocked transpose: each
// stake-holding row keeps a cursor that advances through its sorted columns), and every
// column of a block is solved by a weighted three-way quickselect while it is hot.

import { ONE, divF, mulF } from './fixed';
import { addI64, i64At, rowEnd, rowStart, setI64, setU32, u32At, zeroI64 } from './csr';
import { clipRows } from './clip';

/** Entries gathered per block: 2 x 8 bytes each, sized to stay in L2 (256 KiB). */
const BLOCK_ENTRIES: u32 = 16384;

/**
 * In: W CSR (rowPtr, col, val), active stake a i64[n], kappa raw.
 * Scratch: u i64[n], colPtr u32[n+1], cursor u32[n], score i64[max(n, BLOCK)], weight (same),
 * hist i64[256].
 * Out: C i64[n]; and where VT is not 0 and the matrix is dense with no negative entry, also
 * clip's VT i64[n] and R i64[n] (2.7-2.9, clipRows' sums), taken from each column's run while it
 * is hot: returns 1 then, else 0 (VT and R then hold nothing of use).
 */
export function consensus(
  n: i32, rowPtr: usize, col: usize, val: usize, a: usize, kappa: i64,
  u: usize, colPtr: usize, cursor: usize, score: usize, weight: usize, hist: usize, C: usize, VT: usize, R: usize,
): i32 {
  const T = consensusStake(n, a, kappa, u);
  if (VT != 0 && _countU != 0) {
    const done = denseColumns(n, 0, n, rowPtr, col, val, u, T, _minority, _countU, colPtr, cursor, score, weight, hist, C, a, VT, R);
    if (done != SPARSE) return done == CLIPPED ? 1 : 0;
  }
  consensusColumns(n, 0, n, rowPtr, col, val, u, T, _minority, _countU, colPtr, cursor, score, weight, hist, C);
  return 0;
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
  if (denseColumns(n, j0, j1, rowPtr, col, val, u, T, minority, countU, colPtr, cursor, score, weight, hist, C, 0, 0, 0) != SPARSE) return;
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

/** denseColumns' outcomes: not dense (nothing touched), C written, C and clip's VT and R written. */
const SPARSE = 0, DENSE = 1, CLIPPED = 2;

/**
 * The columns of a dense matrix (its staked rows hold at least half of all n columns, counting
 * empty rows as none), in blocks of B columns: every staked non-empty row r writes its entries
 * of the block into column-major scratch, column j's scores in a run of S slots (one per such
 * row, slot r; a missing entry or one <= 0 leaves 0, which is what that row scores), so a
 * column's median reads one contiguous run and every row's weight u_i is kept once, in
 * weight[0, S). Rows are read in order, a block's worth at a time: reading a column at a time
 * strides a whole row between loads, and the larger the block the faster (measured:
 * bench/ab.bench.ts). Returns SPARSE, touching nothing else, when the matrix is sparser or the
 * scratch (max(n, BLOCK) entries each) cannot hold two runs of S; the blocked gather then serves.
 * With VT not 0 (all columns, j0 = 0 and j1 = n), clip's sums too (clipColumn, then the rows
 * outside the runs by clipRows): CLIPPED, unless the weight scratch cannot hold two more runs of
 * S or an entry is negative (a run holds max(W, 0)): DENSE.
 */
function denseColumns(
  n: i32, j0: i32, j1: i32, rowPtr: usize, col: usize, val: usize, u: usize, T: i64, minority: i64, countU: i32,
  rowOf: usize, cursor: usize, score: usize, weight: usize, hist: usize, C: usize, a: usize, VT: usize, R: usize,
): i32 {
  const cap = max(<u32>n, BLOCK_ENTRIES);
  let S: u32 = 0, entries: u64 = 0;
  for (let i = 0; i < n; i++) {
    const len = rowEnd(rowPtr, i) - rowStart(rowPtr, i);
    if (i64At(u, i) > 0 && len > 0) { S++; entries += len; }
  }
  if (2 * entries < <u64>S * <u64>n || S > cap - S) return SPARSE;
  // the staked non-empty rows, their cursors at column j0, their weights and its total P
  let r: u32 = 0, P: i64 = 0;
  for (let i = 0; i < n; i++) {
    const s = rowStart(rowPtr, i), e = rowEnd(rowPtr, i);
    const ui = i64At(u, i);
    if (ui <= 0 || s == e) continue; // an empty row scores 0 in every column
    setU32(rowOf, r, i);
    setU32(cursor, r, j0 == 0 ? s : lowerBound(col, s, e, <u32>j0));
    setI64(weight, r, ui);
    P += ui;
    r++;
  }
  // B runs of S slots, each a cache line longer (runs a power of two apart would share cache
  // sets); one more run takes the median's own scratch
  const run = S + 8 <= cap - S ? S + 8 : S;
  const B = <i32>max<u32>(1, min<u32>(BLOCK_ENTRIES, cap - S) / run);
  const keepScore = score + (<usize>B * run << 3), keepWeight = weight + (<usize>S << 3);
  // clip's scratch after the weights and the median's keep: VT and a_i per run slot
  let clip = VT != 0 && S * 4 <= cap;
  const vtSlots = weight + (<usize>(2 * S) << 3), aSlots = weight + (<usize>(3 * S) << 3);
  let aSmall = true;
  if (clip) {
    zeroI64(vtSlots, <i32>S);
    for (r = 0; r < S; r++) {
      const ar = i64At(a, <i32>u32At(rowOf, r));
      setI64(aSlots, r, ar);
      aSmall &= <u64>ar < <u64>ONE;
    }
  }
  let any: i64 = 0; // every entry or-ed: negative when one is
  for (let b0 = j0; b0 < j1; b0 += B) {
    const b1 = min(b0 + B, j1);
    memory.fill(score, 0, <usize>(b1 - b0) * run << 3);
    for (r = 0; r < S; r++) {
      const e = rowEnd(rowPtr, <i32>u32At(rowOf, r));
      let q = u32At(cursor, r);
      for (; q < e; q++) {
        const j = u32At(col, q);
        if (j >= <u32>b1) break;
        const v = i64At(val, q);
        any |= v;
        if (v > 0) setI64(score, (j - <u32>b0) * run + r, v);
      }
      setU32(cursor, r, q);
    }
    if (any < 0) clip = false;
    for (let j = b0; j < b1; j++) {
      const scores = score + (<usize>(j - b0) * run << 3);
      // the top score only matters through its highest bit, unless no score can pass minority
      const top = minority < T ? orOf(scores, S) : maxOf(scores, S);
      const c = medianOf(scores, weight, hist, 0, S, P, top, T, minority, countU, keepScore, keepWeight);
      setI64(C, j, c);
      if (clip) setI64(R, j, clipColumn(scores, S, c, vtSlots, aSlots, aSmall && <u64>c < <u64>ONE));
    }
  }
  if (!clip) return DENSE;
  // VT of the rows in the runs; the rows outside them (no stake, or none left by the second
  // normalization, or empty) as clip takes them, now that all of C is known
  zeroI64(VT, n);
  for (r = 0; r < S; r++) setI64(VT, <i32>u32At(rowOf, r), i64At(vtSlots, r));
  for (let i = 0; i < n; i++) {
    if (rowStart(rowPtr, i) == rowEnd(rowPtr, i) || i64At(u, i) > 0) continue;
    clipRows(i, i + 1, rowPtr, col, val, C, a, VT, R);
  }
  return CLIPPED;
}

/**
 * Clip (spec/yuma.md 2.7-2.9) on one column's run of S scores (all >= 0) at its consensus c >= 0:
 * Wc = min(score, c) is added to its slot's VT; returns R_j = the sum of mulF(a_slot, Wc).
 * `small`: every a_slot and c below 2^32 (then mulF is the plain product's high half).
 */
function clipColumn(scores: usize, S: u32, c: i64, vtSlots: usize, aSlots: usize, small: bool): i64 {
  let r: u32 = 0, Rj: i64 = 0;
  if (small) {
    const c2 = i64x2.splat(c);
    let r2 = i64x2.splat(0);
    for (; r + 2 <= S; r += 2) {
      const v = v128.load(scores + (<usize>r << 3));
      const wc = v128.bitselect(c2, v, i64x2.gt_s(v, c2));
      const at = vtSlots + (<usize>r << 3);
      v128.store(at, i64x2.add(v128.load(at), wc));
      const a2 = v128.load(aSlots + (<usize>r << 3));
      r2 = i64x2.add(r2, i64x2.shr_u(i64x2.extmul_low_i32x4_u(i32x4.shuffle(wc, wc, 0, 2, 0, 2), i32x4.shuffle(a2, a2, 0, 2, 0, 2)), 32));
    }
    Rj = i64x2.extract_lane(r2, 0) + i64x2.extract_lane(r2, 1);
  }
  for (; r < S; r++) {
    const v = i64At(scores, r);
    const wc = c < v ? c : v;
    addI64(vtSlots, r, wc);
    Rj += mulF(i64At(aSlots, r), wc);
  }
  return Rj;
}

/** s[0] | ... | s[m - 1] for scores >= 0: the top score's highest bit, two lanes at a time. */
function orOf(s: usize, m: u32): i64 {
  let x = i64x2.splat(0), y = i64x2.splat(0);
  let k: u32 = 0;
  for (; k + 4 <= m; k += 4) {
    x = v128.or(x, v128.load(s + (<usize>k << 3)));
    y = v128.or(y, v128.load(s + (<usize>k << 3), 16));
  }
  x = v128.or(x, y);
  let top = i64x2.extract_lane(x, 0) | i64x2.extract_lane(x, 1);
  for (; k < m; k++) top |= i64At(s, k);
  return top;
}

/** The largest of s[0, m) and 0. */
function maxOf(s: usize, m: u32): i64 {
  let top: i64 = 0;
  for (let k: u32 = 0; k < m; k++) top = max(top, i64At(s, k));
  return top;
}

// @ts-ignore: decorator
@inline function swap(score: usize, weight: usize, x: u32, y: u32): void {
  const s = i64At(score, x); setI64(score, x, i64At(score, y)); setI64(score, y, s);
  const w = i64At(weight, x); setI64(weight, x, i64At(weight, y)); setI64(weight, y, w);
}

/** Below this many entries a column goes straight to the quickselect. */
const RADIX_MIN: i32 = 48;
/** From this many entries a column's radix pass uses 8 bits (256 buckets), below it 6. */
const RADIX_WIDE: i32 = 256;

function columnMedian(
  score: usize, weight: usize, hist: usize, start: u32, end: u32, T: i64, minority: i64, countU: i32,
): i64 {
  let P: i64 = 0, top: i64 = 0;
  for (let k = start; k < end; k++) {
    P += i64At(weight, k);
    top = max(top, i64At(score, k));
  }
  return medianOf(score, weight, hist, start, end, P, top, T, minority, countU, score + (<usize>start << 3), weight + (<usize>start << 3));
}

/**
 * columnMedian given the entries' total weight P and their top score (when minority < T, any
 * value with the same highest bit will do: some bucket then passes minority). The bucket holding the
 * answer is copied to keepScore, keepWeight (the range's own start when it may be reordered;
 * elsewhere when the weights are shared with other columns, and then always by radix).
 */
function medianOf(
  score: usize, weight: usize, hist: usize, start: u32, end: u32, P: i64, top: i64, T: i64, minority: i64, countU: i32,
  keepScore: usize, keepWeight: usize,
): i64 {
  const m = <i32>(end - start);
  // rows of U with score 0 or no entry: a candidate 0 only if there is at least one
  let base: i64 = T - P;
  if (countU > m && base > minority) return 0;
  if (m == 0) return 0;
  const inPlace = keepScore == score + (<usize>start << 3);
  if (m < RADIX_MIN && inPlace) return select(score, weight, start, end, base, minority);

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
  // keep that bucket's entries and finish on them alone
  let c: u32 = 0;
  for (let k = start; k < end; k++) {
    const v = i64At(score, k);
    if ((v >>> shift) == bucket) {
      setI64(keepScore, c, v);
      setI64(keepWeight, c, i64At(weight, k));
      c++;
    }
  }
  return select(keepScore, keepWeight, 0, c, base, minority);
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
