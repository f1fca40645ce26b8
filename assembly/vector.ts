// Vector helpers over raw I32F32 arrays (spec/yuma.md 1.2).
import { divF } from './fixed';
import { i64At, setI64 } from './csr';

/** Plain (wrapping) sum of n raws. */
export function sum(v: usize, n: i32): i64 {
  let s: i64 = 0;
  for (let i = 0; i < n; i++) s += i64At(v, i);
  return s;
}

/** normalize: S = sum(v); S == 0 leaves v unchanged; else v_i = divF(v_i, S) (same S for all). */
export function normalize(v: usize, n: i32): void {
  const s = sum(v, n);
  if (s == 0) return;
  for (let i = 0; i < n; i++) setI64(v, i, divF(i64At(v, i), s));
}

/** dst_j += src_j (plain wrapping sums: partial column sums of a split epoch, in any order). */
export function addInto(dst: usize, src: usize, n: i32): void {
  for (let j = 0; j < n; j++) setI64(dst, j, i64At(dst, j) + i64At(src, j));
}

/** dst_j = max(dst_j, src_j) (partial column maxima of a split epoch). */
export function maxInto(dst: usize, src: usize, n: i32): void {
  for (let j = 0; j < n; j++) setI64(dst, j, max(i64At(dst, j), i64At(src, j)));
}
