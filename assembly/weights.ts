// Weights preparation, spec/yuma.md 2.5: permit mask, diagonal (owner excepted), outdated,
// commit-reveal, then row normalization. Rows are independent; entry order is kept.
import { ONE, divF } from './fixed';

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
  store<u32>(outPtr, 0);
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
    if (load<u8>(forbid + <usize>i) == 0) {
      const lu = load<f64>(lastUpdate + (<usize>i << 3));
      const cb = commit != 0 ? load<f64>(commit + (<usize>i << 3)) : Infinity;
      const e = load<u32>(rowPtr + (<usize>(i + 1) << 2));
      let s: i64 = 0;
      for (let q = load<u32>(rowPtr + (<usize>i << 2)); q < e; q++) {
        const j = load<u32>(col + (<usize>q << 2));
        if (<i32>j == i && i != owner) continue;
        const reg = load<f64>(registered + (<usize>j << 3));
        if (lu <= reg) continue; // outdated: weights set before j (re)registered
        if (cb < reg) continue; // commit-reveal: committed before j registered
        const v = <i64>load<u16>(w + (<usize>q << 1));
        store<u32>(outCol + (<usize>k << 2), j);
        store<i64>(outVal + (<usize>k << 3), v);
        s += v;
        k++;
      }
      if (s > 0 && s < 0x8000_0000) {
        // divF(v*ONE, s*ONE) == floor(v * 2^32 / s) while s*ONE fits i64
        for (let q = start; q < k; q++) {
          const p = outVal + (<usize>q << 3);
          store<i64>(p, (load<i64>(p) << 32) / s);
        }
      } else {
        const sf = s * ONE; // the chain's plain I32F32 row sum (wraps as it does)
        for (let q = start; q < k; q++) {
          const p = outVal + (<usize>q << 3);
          const v = load<i64>(p) * ONE;
          store<i64>(p, sf > 0 ? divF(v, sf) : v);
        }
      }
    }
    store<u32>(outPtr + (<usize>(i + 1) << 2), k);
  }
  return k - outBase;
}
