// Flat arrays and CSR matrices in linear memory, read and written by element index (every
// helper inlines to the one load or store it names). A CSR matrix is rowPtr u32[n+1], col u32[nnz]
// (ascending within a row), val (i64 raw I32F32, or u16 as stored on chain).

// @ts-ignore: decorator
@inline export function u8At(p: usize, i: usize): u8 {
  return load<u8>(p + i);
}

// @ts-ignore: decorator
@inline export function u16At(p: usize, i: usize): u16 {
  return load<u16>(p + (i << 1));
}

// @ts-ignore: decorator
@inline export function setU16(p: usize, i: usize, v: u16): void {
  store<u16>(p + (i << 1), v);
}

// @ts-ignore: decorator
@inline export function u32At(p: usize, i: usize): u32 {
  return load<u32>(p + (i << 2));
}

// @ts-ignore: decorator
@inline export function setU32(p: usize, i: usize, v: u32): void {
  store<u32>(p + (i << 2), v);
}

// @ts-ignore: decorator
@inline export function i64At(p: usize, i: usize): i64 {
  return load<i64>(p + (i << 3));
}

// @ts-ignore: decorator
@inline export function setI64(p: usize, i: usize, v: i64): void {
  store<i64>(p + (i << 3), v);
}

/** p[i] += v (a plain sum: wraps as the chain's integer sums do). */
// @ts-ignore: decorator
@inline export function addI64(p: usize, i: usize, v: i64): void {
  const a = p + (i << 3);
  store<i64>(a, load<i64>(a) + v);
}

// @ts-ignore: decorator
@inline export function u64At(p: usize, i: usize): u64 {
  return load<u64>(p + (i << 3));
}

// @ts-ignore: decorator
@inline export function setU64(p: usize, i: usize, v: u64): void {
  store<u64>(p + (i << 3), v);
}

// @ts-ignore: decorator
@inline export function f64At(p: usize, i: usize): f64 {
  return load<f64>(p + (i << 3));
}

/** v[0..n) = 0 for an i64 (or u64) vector. */
// @ts-ignore: decorator
@inline export function zeroI64(v: usize, n: i32): void {
  memory.fill(v, 0, <usize>n << 3);
}

/** First entry of row i. */
// @ts-ignore: decorator
@inline export function rowStart(rowPtr: usize, i: i32): u32 {
  return load<u32>(rowPtr + (<usize>i << 2));
}

/** One past the last entry of row i. */
// @ts-ignore: decorator
@inline export function rowEnd(rowPtr: usize, i: i32): u32 {
  return load<u32>(rowPtr + (<usize>(i + 1) << 2));
}

/** Closes row i of an output CSR: its entries end at k. */
// @ts-ignore: decorator
@inline export function endRow(outPtr: usize, i: i32, k: i32): void {
  store<u32>(outPtr + (<usize>(i + 1) << 2), <u32>k);
}

/** Writes entry (j, v) at index k of an output CSR; returns k + 1. */
// @ts-ignore: decorator
@inline export function append(outCol: usize, outVal: usize, k: i32, j: u32, v: i64): i32 {
  store<u32>(outCol + (<usize>k << 2), j);
  store<i64>(outVal + (<usize>k << 3), v);
  return k + 1;
}

/** append, and add v to column j's sum (every matrix a kernel produces comes with its column sums). */
// @ts-ignore: decorator
@inline export function appendSummed(outCol: usize, outVal: usize, colSum: usize, k: i32, j: u32, v: i64): i32 {
  addI64(colSum, j, v);
  return append(outCol, outVal, k, j, v);
}

/**
 * The first row of a CSR matrix (rowPtr from 0, never decreasing, ending at nnz: checked by
 * the caller) whose columns are not strictly ascending or reach n; -1 when every row is
 * well-formed. Four adjacent pairs per step (col[q..q+3] < col[q+1..q+4], unsigned): the
 * input check of runEpoch's weights and bonds (spec/epoch-io.md), faster than the scalar
 * loop in JS (measured: bench/validate.ab.ts).
 */
export function csrRowsCheck(n: i32, rowPtr: usize, col: usize): i32 {
  for (let i = 0; i < n; i++) {
    const a = rowStart(rowPtr, i), b = rowEnd(rowPtr, i);
    if (a == b) continue;
    if (u32At(col, b - 1) >= <u32>n) return i; // ascending: the last one is the largest
    let ok = i32x4.splat(-1);
    let q = a;
    for (; q + 4 < b; q += 4) {
      const at = col + (<usize>q << 2);
      ok = v128.and(ok, i32x4.lt_u(v128.load(at), v128.load(at + 4)));
    }
    for (; q + 1 < b; q++) if (u32At(col, q) >= u32At(col, q + 1)) return i;
    if (!i32x4.all_true(ok)) return i;
  }
  return -1;
}
