// Weights preparation, spec/yuma.md 2.5: permit mask, diagonal (owner excepted), outdated,
// commit-reveal, then row normalization. Rows are independent; entry order is kept.
import { ONE, divF, quotBy, quotBy2, recipU64 } from './fixed';
import { append, endRow, f64At, i64At, rowEnd, rowStart, setI64, u16At, u32At, setU32, u8At } from './csr';

/**
 * In: CSR (rowPtr u32[n+1], col u32[], w u16[]), forbid u8[n], lastUpdate f64[n],
 * registered f64[n] (block_at_registration), commit f64[n] or 0 (no commit-reveal), owner (-1 none).
 * Out: CSR (outPtr u32[n+1], outCol u32[], outVal i64[] raw I32F32). Returns nnz out.
 */
export function prepareWeights(
  n: i32, rowPtr: usize, col: usize, w: usize,
  forbid: usize, lastUpdate: usize, registered: usize, commit: usize, owner: i32,
  outPtr: usize, outCol: usize, outVal: usize,
): i32 {
  setU32(outPtr, 0, 0);
  return prepareWeightRows(0, n, rowPtr, col, w, forbid, lastUpdate, registered, commit, owner, outPtr, outCol, outVal, 0);
}

/**
 * Rows r0 <= i < r1 of prepareWeights, written from entry outBase on (outPtr[i + 1] is an
 * absolute entry index; outBase = rowPtr[r0] never overtakes the input). Returns the entries written.
 */
export function prepareWeightRows(
  r0: i32, r1: i32, rowPtr: usize, col: usize, w: usize,
  forbid: usize, lastUpdate: usize, registered: usize, commit: usize, owner: i32,
  outPtr: usize, outCol: usize, outVal: usize, outBase: i32,
): i32 {
  let k = outBase;
  for (let i = r0; i < r1; i++) {
    const start = k;
    if (u8At(forbid, i) == 0) {
      const lu = f64At(lastUpdate, i);
      const cb = commit != 0 ? f64At(commit, i) : Infinity;
      let s: i64 = 0;
      const self = i != owner ? i : -1; // the diagonal is masked, the owner's excepted
      const luLanes = f64x2.splat(lu), cbLanes = f64x2.splat(cb), selfLanes = i32x4.splat(self);
      let sum2 = i64x2.splat(0);
      let q = rowStart(rowPtr, i);
      const e = rowEnd(rowPtr, i);
      while (q < e) {
        // two entries at a time when both are kept (the common case): one test, paired stores
        if (q + 1 < e) {
          const cols = v128.load64_zero(col + (<usize>q << 2));
          const j0 = u32At(col, q), j1 = u32At(col, q + 1);
          const reg = f64x2.replace_lane(f64x2.splat(f64At(registered, j0)), 1, f64At(registered, j1));
          const drop = v128.or(
            v128.or(f64x2.le(luLanes, reg), f64x2.lt(cbLanes, reg)),
            i64x2.extend_low_i32x4_s(i32x4.eq(cols, selfLanes)),
          );
          if (!v128.any_true(drop)) {
            const v = i64x2.extend_low_i32x4_u(i32x4.extend_low_i16x8_u(v128.load32_zero(w + (<usize>q << 1))));
            v128.store64_lane(outCol + (<usize>k << 2), cols, 0);
            v128.store(outVal + (<usize>k << 3), v);
            sum2 = i64x2.add(sum2, v);
            k += 2;
            q += 2;
            continue;
          }
        }
        const j = u32At(col, q);
        q++;
        if (<i32>j == self) continue;
        const reg = f64At(registered, j);
        if (lu <= reg) continue; // outdated: weights set before j (re)registered
        if (cb < reg) continue; // commit-reveal: committed before j registered
        const v = <i64>u16At(w, q - 1);
        k = append(outCol, outVal, k, j, v);
        s += v;
      }
      s += i64x2.extract_lane(sum2, 0) + i64x2.extract_lane(sum2, 1);
      if (s > 0 && s < 0x8000_0000) {
        // divF(v*ONE, s*ONE) == floor(v * 2^32 / s) while s*ONE fits i64 (v <= 65535: below 2^48)
        const m = recipU64(<u64>s);
        const sLanes = i32x4.splat(<i32>s);
        let q = start;
        for (; q + 2 <= k; q += 2) {
          const at = outVal + (<usize>q << 3);
          v128.store(at, quotBy2(v128.load(at), m, sLanes));
        }
        if (q < k) setI64(outVal, q, <i64>quotBy(<u64>i64At(outVal, q), <u64>s, m));
      } else {
        const sf = s * ONE; // the chain's plain I32F32 row sum (wraps as it does)
        for (let q = start; q < k; q++) {
          const v = i64At(outVal, q) * ONE;
          setI64(outVal, q, sf > 0 ? divF(v, sf) : v);
        }
      }
    }
    endRow(outPtr, i, k);
  }
  return k - outBase;
}
