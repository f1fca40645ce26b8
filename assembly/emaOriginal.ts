// Original Yuma's bonds EMA (spec/yuma.md 2.10, 2.11, 2.12a-c) as one stage that reads W and the
// stored u16 bonds directly: the weights for bonds, the stake-weighted delta D, the loaded bonds
// B and both column normalizations are computed on the fly instead of being written out as four
// intermediate matrices (memory traffic is what an epoch costs at scale).
//
// Why on the fly is exact here: in this EMA a Wb entry that clip or the penalty interpolation
// would drop behaves exactly like an entry of value 0 (it adds 0 to D's column sum, and
// mulF(alpha, 0) + mulF(1 - alpha, old) is what the union gives an absent new side), so W's
// pattern can stand in for Wb's. (Not so in Yuma3 with liquid alpha: it keeps the Wb matrix.)
import { ONE, mulF, divF } from './fixed';

/** The weight for bonds of one entry: W, Wc (clipped at consensus, dropped = 0) or between. */
// @ts-ignore: decorator
@inline function weightForBonds(v: i64, c: i64, beta: i64): i64 {
  if (beta == 0) return v;
  const wc: i64 = c < v ? (c > 0 ? c : 0) : v;
  if (beta == ONE) return wc;
  return v + mulF(beta, wc - v); // in [0, v]: 0 is what dropping it would give
}

/** An EMA entry is stored only when positive (and counted in its column's sum); returns the next k. */
// @ts-ignore: decorator
@inline function keep(outCol: usize, outVal: usize, colSum: usize, k: i32, j: u32, v: i64): i32 {
  if (v <= 0) return k;
  store<u32>(outCol + (<usize>k << 2), j);
  store<i64>(outVal + (<usize>k << 3), v);
  const p = colSum + (<usize>j << 3);
  store<i64>(p, load<i64>(p) + v);
  return k + 1;
}

/**
 * In: W CSR (rowPtr, col, val), consensus C, active stake a, beta (u16p of bonds_penalty),
 * stored bonds CSR (bPtr, bCol, bVal u16), recent u8[n] (bond columns to drop), alpha.
 * Out: the EMA CSR (outPtr, outCol, outVal: entries > 0, rows ascending in j) and its column
 * sums colSum. Scratch: sumD, sumB i64[n] (sumD given when sumDReady: clip's ranks when
 * beta == ONE, since then mulF(Wb_ij, a_i) is exactly the rank term mulF(a_i, Wc_ij)).
 * Returns nnz out.
 */
export function emaOriginal(
  n: i32, rowPtr: usize, col: usize, val: usize, C: usize, a: usize, beta: i64,
  bPtr: usize, bCol: usize, bVal: usize, recent: usize, alpha: i64,
  outPtr: usize, outCol: usize, outVal: usize, colSum: usize, sumD: usize, sumB: usize, sumDReady: bool,
): i32 {
  if (!sumDReady) memory.fill(sumD, 0, <usize>n << 3);
  memory.fill(sumB, 0, <usize>n << 3);
  memory.fill(colSum, 0, <usize>n << 3);
  emaSums(0, n, rowPtr, col, val, C, a, beta, bPtr, bCol, bVal, recent, sumD, sumB, sumDReady);
  store<u32>(outPtr, 0);
  return emaRows(0, n, rowPtr, col, val, C, a, beta, bPtr, bCol, bVal, recent, alpha, sumD, sumB, outPtr, outCol, outVal, 0, colSum);
}

/**
 * Rows r0 <= i < r1 of the first pass: ADDS their terms to the column sums sumD (unless
 * sumDReady) and sumB. Wrapping integer sums: any split of the rows, summed, is the same.
 */
export function emaSums(
  r0: i32, r1: i32, rowPtr: usize, col: usize, val: usize, C: usize, a: usize, beta: i64,
  bPtr: usize, bCol: usize, bVal: usize, recent: usize, sumD: usize, sumB: usize, sumDReady: bool,
): void {
  // column sums of D = mulF(Wb, a_i), and of the bond integers b (B = b * ONE sums to that * ONE)
  for (let i = r0; i < r1; i++) {
    const ai = load<i64>(a + (<usize>i << 3));
    if (!sumDReady) {
      const e = load<u32>(rowPtr + (<usize>(i + 1) << 2));
      for (let q = load<u32>(rowPtr + (<usize>i << 2)); q < e; q++) {
        const j = load<u32>(col + (<usize>q << 2));
        const wb = weightForBonds(load<i64>(val + (<usize>q << 3)), load<i64>(C + (<usize>j << 3)), beta);
        const p = sumD + (<usize>j << 3);
        store<i64>(p, load<i64>(p) + mulF(wb, ai));
      }
    }
    const e = load<u32>(bPtr + (<usize>(i + 1) << 2));
    for (let q = load<u32>(bPtr + (<usize>i << 2)); q < e; q++) {
      const j = load<u32>(bCol + (<usize>q << 2));
      if (load<u8>(recent + <usize>j) != 0) continue;
      const p = sumB + (<usize>j << 3);
      store<i64>(p, load<i64>(p) + <i64>load<u16>(bVal + (<usize>q << 1)));
    }
  }
}

/**
 * Rows r0 <= i < r1 of the EMA over the union of both rows' patterns: alpha * D/sumD +
 * (1 - alpha) * B/sumB, entries > 0 kept, written from entry outBase on (outPtr[i + 1] is an
 * absolute entry index); ADDS to colSum. Returns the entries written.
 */
export function emaRows(
  r0: i32, r1: i32, rowPtr: usize, col: usize, val: usize, C: usize, a: usize, beta: i64,
  bPtr: usize, bCol: usize, bVal: usize, recent: usize, alpha: i64, sumD: usize, sumB: usize,
  outPtr: usize, outCol: usize, outVal: usize, outBase: i32, colSum: usize,
): i32 {
  const om = ONE - alpha;
  let k = outBase;
  for (let i = r0; i < r1; i++) {
    const ai = load<i64>(a + (<usize>i << 3));
    let x = load<u32>(rowPtr + (<usize>i << 2));
    const xe = load<u32>(rowPtr + (<usize>(i + 1) << 2));
    let y = load<u32>(bPtr + (<usize>i << 2));
    const ye = load<u32>(bPtr + (<usize>(i + 1) << 2));
    if (y == ye) {
      // no stored bonds in this row (every row at a subnet's first epoch): alpha * D/sumD alone
      for (; x < xe; x++) {
        const j = load<u32>(col + (<usize>x << 2));
        const d = mulF(weightForBonds(load<i64>(val + (<usize>x << 3)), load<i64>(C + (<usize>j << 3)), beta), ai);
        const s = load<i64>(sumD + (<usize>j << 3));
        k = keep(outCol, outVal, colSum, k, j, mulF(alpha, s != 0 ? divF(d, s) : d)); // + mulF(1 - alpha, 0)
      }
    }
    while (x < xe || y < ye) {
      const jx: u32 = x < xe ? load<u32>(col + (<usize>x << 2)) : 0xffff_ffff;
      const jy: u32 = y < ye ? load<u32>(bCol + (<usize>y << 2)) : 0xffff_ffff;
      const j = min(jx, jy);
      let dn: i64 = 0, bo: i64 = 0;
      if (jx == j) {
        const wb = weightForBonds(load<i64>(val + (<usize>x << 3)), load<i64>(C + (<usize>j << 3)), beta);
        const d = mulF(wb, ai);
        const s = load<i64>(sumD + (<usize>j << 3));
        dn = s != 0 ? divF(d, s) : d;
        x++;
      }
      if (jy == j) {
        if (load<u8>(recent + <usize>j) == 0) {
          const b = <i64>load<u16>(bVal + (<usize>y << 1));
          const s = load<i64>(sumB + (<usize>j << 3));
          // divF(b * ONE, s * ONE) = floor(b * 2^32 / s) while s * ONE fits i64; past that the
          // chain's I32F32 column sum wraps, and so does this one
          bo = s < 0x8000_0000 ? (s != 0 ? (b << 32) / s : b * ONE) : divF(b * ONE, s * ONE);
        }
        y++;
      }
      k = keep(outCol, outVal, colSum, k, j, mulF(alpha, dn) + mulF(om, bo));
    }
    store<u32>(outPtr + (<usize>(i + 1) << 2), k);
  }
  return k - outBase;
}
