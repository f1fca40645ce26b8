// Clip at consensus, validator trust, ranks, and the weights used for bonds
// (spec/yuma.md 2.7, 2.8, 2.9, 2.10), in one row-major pass over W.
import { ONE, mulF } from './fixed';
import { addI64, append, endRow, i64At, rowEnd, rowStart, setI64, u32At, setU32, zeroI64 } from './csr';

/** Wc: a weight above consensus is clipped down to it (to 0 when consensus is not positive). */
// @ts-ignore: decorator
@inline function clipped(v: i64, c: i64): i64 {
  return c < v ? (c > 0 ? c : 0) : v;
}

/** clipped on two lanes: v above c becomes max(c, 0). */
// @ts-ignore: decorator
@inline function clipped2(v: v128, c: v128): v128 {
  const floor = v128.and(c, i64x2.gt_s(c, i64x2.splat(0)));
  return v128.bitselect(floor, v, i64x2.gt_s(v, c));
}

/** R_j += mulF(a_i, Wc_ij) (plain sum; nothing to add for a row without stake). */
// @ts-ignore: decorator
@inline function addRank(R: usize, j: u32, ai: i64, wc: i64): void {
  if (ai != 0) addI64(R, j, mulF(ai, wc));
}

/**
 * In: W CSR (rowPtr, col, val), consensus C i64[n], active stake a i64[n], beta raw.
 * Out: VT i64[n] (row sums of Wc), R i64[n] (ranks: column sums of mulF(a_i, Wc_ij)),
 *      and unless beta == 0 (then Wb is W itself) or outPtr is 0 (not wanted), Wb CSR
 *      (outPtr, outCol, outVal): Wc when beta == ONE, else W + beta*(Wc - W), entries <= 0 dropped.
 * Returns nnz of Wb (or of W when Wb is not written).
 */
export function clip(
  n: i32, rowPtr: usize, col: usize, val: usize, C: usize, a: usize, beta: i64,
  VT: usize, R: usize, outPtr: usize, outCol: usize, outVal: usize,
): i32 {
  zeroI64(R, n);
  const emit = beta != 0 && outPtr != 0;
  if (!emit) {
    clipRows(0, n, rowPtr, col, val, C, a, VT, R);
    return <i32>rowStart(rowPtr, n);
  }
  const interp = beta != ONE;
  let k = 0;
  setU32(outPtr, 0, 0);
  for (let i = 0; i < n; i++) {
    const ai = i64At(a, i);
    let vt: i64 = 0;
    for (let q = rowStart(rowPtr, i), e = rowEnd(rowPtr, i); q < e; q++) {
      const j = u32At(col, q);
      const v = i64At(val, q);
      const c = i64At(C, j);
      // above consensus: clipped down to it, or dropped when consensus is 0 (then Wc adds 0
      // to VT and R, but a dropped entry is not a kept zero for the weights for bonds)
      const kept = !(c < v) || c > 0;
      const wc = clipped(v, c);
      vt += wc;
      addRank(R, j, ai, wc);
      if (!interp) {
        if (kept) k = append(outCol, outVal, k, j, wc);
      } else {
        const wb = v + mulF(beta, wc - v); // wc - v <= 0: floor rounds away from zero
        if (wb > 0) k = append(outCol, outVal, k, j, wb);
      }
    }
    setI64(VT, i, vt);
    endRow(outPtr, i, k);
  }
  return k;
}

/** Row i of clipRows (entries q <= k < e), an entry at a time (sparse rows: adjacent columns are rare). */
// @ts-ignore: decorator
@inline function clipRow(i: i32, q: u32, e: u32, col: usize, val: usize, C: usize, ai: i64, VT: usize, R: usize): void {
  let vt: i64 = 0;
  for (; q < e; q++) {
    const j = u32At(col, q);
    const wc = clipped(i64At(val, q), i64At(C, j));
    vt += wc;
    addRank(R, j, ai, wc);
  }
  setI64(VT, i, vt);
}

/**
 * Rows r0 <= i < r1 of clip without the weights for bonds: VT_i, and the rank terms ADDED to
 * R (plain integer sums: any split of the rows, summed, gives the same R).
 */
export function clipRows(
  r0: i32, r1: i32, rowPtr: usize, col: usize, val: usize, C: usize, a: usize, VT: usize, R: usize,
): void {
  for (let i = r0; i < r1; i++) {
    const ai = i64At(a, i);
    const q = rowStart(rowPtr, i), e = rowEnd(rowPtr, i);
    if (e - q < 2 || u32At(col, e - 1) - u32At(col, q) >= 2 * (e - q)) clipRow(i, q, e, col, val, C, ai, VT, R);
    else clipDenseRow(i, q, e, col, val, C, ai, VT, R);
  }
}

/**
 * clipRow for a dense row (its entries fill half its span or more): two entries at a time where
 * they sit in adjacent columns (a function of its own: the sparse rows' loop keeps its registers).
 */
function clipDenseRow(i: i32, q: u32, e: u32, col: usize, val: usize, C: usize, ai: i64, VT: usize, R: usize): void {
  const aLanes = i32x4.splat(<i32>ai);
  const small = (ai >>> 32) == 0;
  let vt2 = i64x2.splat(0), vt: i64 = 0;
  while (q < e) {
    const j = u32At(col, q);
    if (q + 1 < e && load<u64>(col + (<usize>q << 2)) == (<u64>j | (<u64>(j + 1) << 32))) {
      const wc = clipped2(v128.load(val + (<usize>q << 3)), v128.load(C + (<usize>j << 3)));
      vt2 = i64x2.add(vt2, wc);
      if (small && !v128.any_true(i64x2.shr_u(wc, 32))) {
        // both factors below 2^32: mulF is the plain product's high half
        const wc32 = i32x4.shuffle(wc, wc, 0, 2, 0, 2);
        const at = R + (<usize>j << 3);
        v128.store(at, i64x2.add(v128.load(at), i64x2.shr_u(i64x2.extmul_low_i32x4_u(wc32, aLanes), 32)));
      } else {
        addRank(R, j, ai, i64x2.extract_lane(wc, 0));
        addRank(R, j + 1, ai, i64x2.extract_lane(wc, 1));
      }
      q += 2;
    } else {
      const wc = clipped(i64At(val, q), i64At(C, j));
      vt += wc;
      addRank(R, j, ai, wc);
      q++;
    }
  }
  setI64(VT, i, vt + i64x2.extract_lane(vt2, 0) + i64x2.extract_lane(vt2, 1));
}
