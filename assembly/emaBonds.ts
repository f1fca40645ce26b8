// Original Yuma's bonds EMA (spec/yuma.md 2.10, 2.11, 2.12a-c) as one stage that reads W and the
// stored u16 bonds directly: the weights for bonds, the stake-weighted delta D, the loaded bonds
// B and both column normalizations are computed on the fly instead of being written out as four
// intermediate matrices (four fewer matrices written and read back).
//
// Why on the fly is exact here: in this EMA a Wb entry that clip or the penalty interpolation
// would drop behaves exactly like an entry of value 0 (it adds 0 to D's column sum, and
// mulF(alpha, 0) + mulF(1 - alpha, old) is what the union gives an absent new side), so W's
// pattern can stand in for Wb's. (Not so in Yuma3 with liquid alpha: it keeps the Wb matrix.)
import { ONE, mulF, divF } from './fixed';
import { addI64, appendSummed, endRow, i64At, rowEnd, rowStart, u16At, u32At, u8At, setI64, setU32, zeroI64 } from './csr';

/** The weight for bonds of one entry: W, Wc (clipped at consensus, dropped = 0) or between. */
// @ts-ignore: decorator
@inline function weightForBonds(v: i64, c: i64, beta: i64): i64 {
  if (beta == 0) return v;
  const wc: i64 = c < v ? (c > 0 ? c : 0) : v;
  if (beta == ONE) return wc;
  return v + mulF(beta, wc - v); // in [0, v]: 0 is what dropping it would give
}

/** D_ij / sumD_j: the delta mulF(Wb_ij, a_i) column-normalized (as is where its column sums to 0). */
// @ts-ignore: decorator
@inline function deltaNormalized(wb: i64, ai: i64, s: i64): i64 {
  const d = mulF(wb, ai);
  return s != 0 ? divF(d, s) : d;
}

/**
 * B_ij / sumB_j for a stored bond integer b and its column's integer sum s: divF(b * ONE, s * ONE)
 * is floor(b * 2^32 / s) while s * ONE fits i64; past that the chain's I32F32 column sum wraps,
 * and so does this one.
 */
// @ts-ignore: decorator
@inline function bondNormalized(b: i64, s: i64): i64 {
  if (s >= 0x8000_0000) return divF(b * ONE, s * ONE);
  return s != 0 ? (b << 32) / s : b * ONE;
}

/**
 * An EMA entry is stored only when positive (and counted in its column's sum and maximum);
 * returns the next k.
 */
// @ts-ignore: decorator
@inline function keep(outCol: usize, outVal: usize, colSum: usize, colMax: usize, k: i32, j: u32, v: i64): i32 {
  if (v <= 0) return k;
  setI64(colMax, j, max(i64At(colMax, j), v));
  return appendSummed(outCol, outVal, colSum, k, j, v);
}

/**
 * In: W CSR (rowPtr, col, val), consensus C, active stake a, beta (u16p of bonds_penalty),
 * stored bonds CSR (bPtr, bCol, bVal u16), recent u8[n] (bond columns to drop), alpha.
 * Out: the EMA CSR (outPtr, outCol, outVal: entries > 0, rows ascending in j), its column
 * sums colSum and its column maxima colMax (0 for an empty column: what emaDividends takes).
 * Scratch: sumD, sumB i64[n] (sumD given when sumDReady: clip's ranks when beta == ONE, since
 * then mulF(Wb_ij, a_i) is exactly the rank term mulF(a_i, Wc_ij)).
 * wInRange: the caller knows every W entry lies in [0, ONE] (the epoch's row-normalized W does
 * wherever no row holds more than 32768 entries: epoch.ts weightsInRange); emaRows' walk then
 * needs no range check per entry (see emaRows).
 * Returns nnz out.
 */
export function emaOriginal(
  n: i32, rowPtr: usize, col: usize, val: usize, C: usize, a: usize, beta: i64,
  bPtr: usize, bCol: usize, bVal: usize, recent: usize, alpha: i64,
  outPtr: usize, outCol: usize, outVal: usize, colSum: usize, colMax: usize, sumD: usize, sumB: usize, sumDReady: bool,
  wInRange: bool,
): i32 {
  if (!sumDReady) zeroI64(sumD, n);
  zeroI64(sumB, n);
  zeroI64(colSum, n);
  zeroI64(colMax, n);
  emaSums(0, n, rowPtr, col, val, C, a, beta, bPtr, bCol, bVal, recent, sumD, sumB, sumDReady);
  setU32(outPtr, 0, 0);
  const inRange = wInRange && emaWalkInRange(n, a, sumB);
  return emaRows(0, n, rowPtr, col, val, C, a, beta, bPtr, bCol, bVal, recent, alpha, sumD, sumB, outPtr, outCol, outVal, 0, colSum, colMax, inRange);
}

/**
 * Whether every active stake a_i is >= 0 (so no delta is negative, and each is at most its
 * column's sum) and every bond column sum below 2^31 (where the chain's I32F32 sum of them,
 * b * 2^32 each, does not wrap, so that B / sumB is the plain quotient): emaRows' inRange,
 * given W in [0, ONE].
 */
export function emaWalkInRange(n: i32, a: usize, sumB: usize): bool {
  let all: u64 = 0, sign: i64 = 0;
  for (let j = 0; j < n; j++) {
    all |= <u64>i64At(sumB, j);
    sign |= i64At(a, j);
  }
  return all < 0x8000_0000 && sign >= 0;
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
    const ai = i64At(a, i);
    if (!sumDReady) {
      for (let q = rowStart(rowPtr, i), e = rowEnd(rowPtr, i); q < e; q++) {
        const j = u32At(col, q);
        addI64(sumD, j, mulF(weightForBonds(i64At(val, q), i64At(C, j), beta), ai));
      }
    }
    const s = rowStart(bPtr, i), e = rowEnd(bPtr, i);
    // ascending distinct columns spanning exactly e - s: one contiguous run from bCol[s]
    if (e - s >= 8 && u32At(bCol, e - 1) - u32At(bCol, s) == e - s - 1) {
      const j0 = u32At(bCol, s);
      contiguousBondRow(e - s, bVal + (<usize>s << 1), recent + <usize>j0, sumB + (<usize>j0 << 3));
    } else {
      for (let q = s; q < e; q++) {
        const j = u32At(bCol, q);
        if (u8At(recent, j) == 0) addI64(sumB, j, <i64>u16At(bVal, q));
      }
    }
  }
}

/**
 * sumB[k] += b[k] for every k < len with recent[k] == 0 (a bond row whose columns are one
 * contiguous run, as full rows are; the pointers start at its first column), two at a time.
 */
function contiguousBondRow(len: u32, b: usize, recent: usize, sumB: usize): void {
  let k: u32 = 0;
  for (; k + 2 <= len; k += 2) {
    const b2 = i64x2.extend_low_i32x4_u(i32x4.extend_low_i16x8_u(v128.load32_zero(b + (<usize>k << 1))));
    // the two recent flags, widened to i64 lanes: a lane is kept where its flag is 0
    const r2 = i64x2.extend_low_i32x4_u(i32x4.extend_low_i16x8_u(i16x8.extend_low_i8x16_u(i16x8.splat(load<u16>(recent + <usize>k)))));
    const at = sumB + (<usize>k << 3);
    v128.store(at, i64x2.add(v128.load(at), v128.and(b2, i64x2.eq(r2, i64x2.splat(0)))));
  }
  for (; k < len; k++) if (u8At(recent, k) == 0) addI64(sumB, k, <i64>u16At(b, k));
}

/**
 * Rows r0 <= i < r1 of the EMA over the union of both rows' patterns: alpha * D/sumD +
 * (1 - alpha) * B/sumB, entries > 0 kept, written from entry outBase on (outPtr[i + 1] is an
 * absolute entry index); ADDS to colSum and max-es into colMax. Returns the entries written.
 * inRange: every W entry lies in [0, ONE], every a_i >= 0, every sumB entry below 2^31, and
 * sumD holds the column sums of these same deltas (emaSums', or clip's ranks with sumDReady).
 * Then every entry of the walk is within the range its unsigned arithmetic is exact in (no
 * delta is negative, so each is at most its column's sum), and the walk checks none
 * (ema_bonds 0.80-0.83x at n=4096 and n=1024 full, measured: bench/ab.bench.ts).
 */
export function emaRows(
  r0: i32, r1: i32, rowPtr: usize, col: usize, val: usize, C: usize, a: usize, beta: i64,
  bPtr: usize, bCol: usize, bVal: usize, recent: usize, alpha: i64, sumD: usize, sumB: usize,
  outPtr: usize, outCol: usize, outVal: usize, outBase: i32, colSum: usize, colMax: usize, inRange: bool,
): i32 {
  const om = ONE - alpha;
  const fast = alpha > 0 && alpha < ONE && beta >= 0 && beta <= ONE;
  let k = outBase;
  for (let i = r0; i < r1; i++) {
    const ai = i64At(a, i);
    if (inRange && fast && <u64>ai < <u64>ONE) {
      // this row and the next ones with a_i < ONE, in rowsInRange's unsigned arithmetic
      let i1 = i + 1;
      while (i1 < r1 && <u64>i64At(a, i1) < <u64>ONE) i1++;
      k = rowsInRange(i, i1, rowPtr, col, val, C, a, beta, bPtr, bCol, bVal, alpha, sumD, sumB, outPtr, outCol, outVal, k, colSum, colMax);
      i = i1 - 1;
      continue;
    }
    let x = rowStart(rowPtr, i);
    const xe = rowEnd(rowPtr, i);
    let y = rowStart(bPtr, i);
    const ye = rowEnd(bPtr, i);
    if (fast && <u64>ai < <u64>ONE) {
      // walk the bond row while it covers W's (the common case: bonds grow from these weights);
      // at the first W entry it lacks, the union loop below goes on from there
      for (; y < ye; y++) {
        const j = u32At(bCol, y);
        const jx: u32 = x < xe ? u32At(col, x) : 0xffff_ffff;
        if (jx < j) break;
        let v: i64 = 0; // no W entry: a new side of 0, as the union gives it
        if (jx == j) { v = i64At(val, x); x++; }
        k = keep(outCol, outVal, colSum, colMax, k, j, emaCovered(v, i64At(C, j), ai, beta, <i64>u16At(bVal, y), recent, j, alpha, om, i64At(sumD, j), i64At(sumB, j)));
      }
    }
    if (y == ye) {
      // no stored bonds in this row (every row at a subnet's first epoch): alpha * D/sumD alone
      for (; x < xe; x++) {
        const j = u32At(col, x);
        const dn = deltaNormalized(weightForBonds(i64At(val, x), i64At(C, j), beta), ai, i64At(sumD, j));
        k = keep(outCol, outVal, colSum, colMax, k, j, mulF(alpha, dn)); // + mulF(1 - alpha, 0)
      }
    }
    // the union of the rest: W entries whose delta is 0 (clipped away where consensus is 0) are
    // skipped as they come, since they add only mulF(alpha, 0) = 0 (where the patterns part ways
    // and such entries abound, the merge then mostly walks the bond row alone)
    let jx: u32 = 0xffff_ffff, dx: i64 = 0;
    for (; x < xe; ) {
      const j = u32At(col, x);
      dx = mulF(weightForBonds(i64At(val, x), i64At(C, j), beta), ai);
      x++;
      if (dx != 0) { jx = j; break; }
    }
    while (jx != 0xffff_ffff || y < ye) {
      const jy: u32 = y < ye ? u32At(bCol, y) : 0xffff_ffff;
      const j = min(jx, jy);
      let dn: i64 = 0, bo: i64 = 0;
      if (jy == j) {
        if (u8At(recent, j) == 0) bo = bondNormalized(<i64>u16At(bVal, y), i64At(sumB, j));
        y++;
      }
      if (jx == j) {
        const s = i64At(sumD, j);
        dn = s != 0 ? divF(dx, s) : dx;
        jx = 0xffff_ffff;
        // the same scan as before the loop, for the next one (one loop with the scan at its top
        // instead: ema_bonds 1.25x on the sparse shape, measured: bench/ab.bench.ts)
        for (; x < xe; ) {
          const jn = u32At(col, x);
          dx = mulF(weightForBonds(i64At(val, x), i64At(C, jn), beta), ai);
          x++;
          if (dx != 0) { jx = jn; break; }
        }
      }
      k = keep(outCol, outVal, colSum, colMax, k, j, mulF(alpha, dn) + mulF(om, bo));
    }
    endRow(outPtr, i, k);
  }
  return k - outBase;
}

/**
 * Rows r0 <= i < r1 of emaRows where its inRange holds, every a_i < ONE and alpha, beta as its
 * walk needs: each row's walk, then the union of the rest, both in emaInRange's unsigned
 * arithmetic with no check per entry (the same entries as the general code; the union takes
 * W's side alone where the bond row has ended, as the general code's own loop for it does).
 * Returns the next k. (A function of its own, with no call in it: its loops in emaRows beside
 * the general ones cost the walk 1.05x; as it is, ema_bonds 0.8x on the sparse shapes, measured:
 * bench/ab.bench.ts.)
 */
function rowsInRange(
  r0: i32, r1: i32, rowPtr: usize, col: usize, val: usize, C: usize, a: usize, beta: i64,
  bPtr: usize, bCol: usize, bVal: usize, alpha: i64, sumD: usize, sumB: usize,
  outPtr: usize, outCol: usize, outVal: usize, k: i32, colSum: usize, colMax: usize,
): i32 {
  const om = ONE - alpha;
  for (let i = r0; i < r1; i++) {
    k = rowInRange(
      rowStart(rowPtr, i), rowEnd(rowPtr, i), rowStart(bPtr, i), rowEnd(bPtr, i), col, val, C, i64At(a, i), beta,
      bCol, bVal, alpha, om, sumD, sumB, outCol, outVal, k, colSum, colMax,
    );
    endRow(outPtr, i, k);
  }
  return k;
}

/** One row of rowsInRange, from W entry x and bond entry y. */
// @ts-ignore: decorator
@inline function rowInRange(
  x: u32, xe: u32, y: u32, ye: u32, col: usize, val: usize, C: usize, ai: i64, beta: i64, bCol: usize, bVal: usize,
  alpha: i64, om: i64, sumD: usize, sumB: usize, outCol: usize, outVal: usize, k: i32, colSum: usize, colMax: usize,
): i32 {
  // the walk while the bond row covers W's: emaRows' own walk without its range check and the
  // call behind it (written twice on purpose: one loop for both cost the walk, see rowsInRange)
  for (; y < ye; y++) {
    const j = u32At(bCol, y);
    const jx: u32 = x < xe ? u32At(col, x) : 0xffff_ffff;
    if (jx < j) break;
    let v: i64 = 0; // no W entry: a new side of 0, as the union gives it
    if (jx == j) { v = i64At(val, x); x++; }
    k = keep(outCol, outVal, colSum, colMax, k, j, emaInRange(v, i64At(C, j), ai, beta, <i64>u16At(bVal, y), alpha, om, i64At(sumD, j), i64At(sumB, j)));
  }
  // the union of the rest, W entries with a delta of 0 skipped (as emaRows' union does)
  let jx: u32 = 0xffff_ffff, dx: i64 = 0;
  for (; x < xe; ) {
    const j = u32At(col, x);
    dx = deltaInRange(i64At(val, x), i64At(C, j), ai, beta);
    x++;
    if (dx != 0) { jx = j; break; }
  }
  while (jx != 0xffff_ffff || y < ye) {
    const jy: u32 = y < ye ? u32At(bCol, y) : 0xffff_ffff;
    const j = min(jx, jy);
    let e: i64 = 0;
    if (jy == j) {
      e = bondTerm(<i64>u16At(bVal, y), i64At(sumB, j), om);
      y++;
    }
    if (jx == j) {
      e += deltaTerm(dx, i64At(sumD, j), alpha);
      jx = 0xffff_ffff;
      for (; x < xe; ) {
        const jn = u32At(col, x);
        dx = deltaInRange(i64At(val, x), i64At(C, jn), ai, beta);
        x++;
        if (dx != 0) { jx = jn; break; }
      }
    }
    k = keep(outCol, outVal, colSum, colMax, k, j, e);
  }
  return k;
}

/** emaInRange's delta mulF(Wb, a_i): W entry v in [0, ONE], consensus c, 0 <= a_i < ONE, 0 <= beta <= ONE. */
// @ts-ignore: decorator
@inline function deltaInRange(v: i64, c: i64, ai: i64, beta: i64): i64 {
  const wc: i64 = c < v ? (c > 0 ? c : 0) : v; // clipped at consensus: in [0, v]
  // v + mulF(beta, wc - v): the floor of a product <= 0 is minus a ceiling
  const wb: i64 = beta == ONE ? wc : v - <i64>((<u64>beta * <u64>(v - wc) + 0xffff_ffff) >>> 32);
  return <i64>((<u64>wb * <u64>ai) >>> 32); // < ONE for wb <= ONE, a_i < ONE
}

/** One entry of the union loop (W entry v, 0 if absent; stored bond b). */
function emaEntry(v: i64, c: i64, ai: i64, beta: i64, b: i64, isRecent: bool, alpha: i64, sD: i64, sB: i64): i64 {
  const dn = deltaNormalized(weightForBonds(v, c, beta), ai, sD);
  const bo: i64 = isRecent ? 0 : bondNormalized(b, sB);
  return mulF(alpha, dn) + mulF(ONE - alpha, bo);
}

/**
 * emaEntry for 0 < alpha < ONE, 0 <= beta <= ONE, 0 <= a_i < ONE, from 64-bit unsigned
 * products and quotients that cannot overflow or trap whatever the input; where the W entry is
 * past ONE or a column sum is out of the range that makes them exact (never, with the sums
 * emaSums takes from these same entries), emaEntry gives the entry instead.
 */
// @ts-ignore: decorator
@inline function emaCovered(
  v: i64, c: i64, ai: i64, beta: i64, b: i64, recent: usize, j: u32, alpha: i64, om: i64, sD: i64, sB: i64,
): i64 {
  const d = deltaInRange(v, c, ai, beta); // its unsigned arithmetic cannot trap whatever v is
  if ((<u64>v > <u64>ONE) | (sD < 0) | (d > sD) | (<u64>sB >= 0x8000_0000)) {
    return emaEntry(v, c, ai, beta, b, u8At(recent, j) != 0, alpha, sD, sB);
  }
  return deltaTerm(d, sD, alpha) + bondTerm(b, sB, om);
}

/**
 * The arithmetic of emaCovered without its range check: for 0 <= v <= ONE, 0 <= sD with the
 * entry's delta at most sD, 0 <= sB < 2^31 (and alpha, beta, a_i as there) every product
 * below stays under 2^64 and every quotient is exact.
 */
// @ts-ignore: decorator
@inline function emaInRange(v: i64, c: i64, ai: i64, beta: i64, b: i64, alpha: i64, om: i64, sD: i64, sB: i64): i64 {
  return deltaTerm(deltaInRange(v, c, ai, beta), sD, alpha) + bondTerm(b, sB, om);
}

/** mulF(alpha, divF(d, sD)) for 0 <= d <= sD (d itself where sD is 0) and 0 < alpha < ONE: a product below 2^64. */
// @ts-ignore: decorator
@inline function deltaTerm(d: i64, sD: i64, alpha: i64): i64 {
  const dn: i64 = sD != 0 ? <i64>((<u64>d << 32) / <u64>sD) : d; // floor(d * 2^32 / sD) <= ONE
  return <i64>((<u64>alpha * <u64>dn) >>> 32);
}

/**
 * mulF(1 - alpha, B / sumB) for a stored bond b and its column's sum 0 <= sB < 2^31 (the b's
 * emaSums adds up, so b <= sB and the quotient is at most ONE). A recent column's bonds are left
 * out of its sum (0 there): they count 0, as an all-zero column's do.
 */
// @ts-ignore: decorator
@inline function bondTerm(b: i64, sB: i64, om: i64): i64 {
  const bo: i64 = sB != 0 ? <i64>((<u64>b << 32) / <u64>sB) : 0;
  return <i64>((<u64>om * <u64>bo) >>> 32);
}
