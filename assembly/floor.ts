// The benchmarks' memory floor (not part of an epoch): one pass that reads `words` i64 and
// writes as many, the least time a stage that moves 16 * words bytes can take on this core.
import { i64At, setI64 } from './csr';

export function streamFloor(src: usize, dst: usize, words: i32): void {
  for (let i = 0; i < words; i++) setI64(dst, i, i64At(src, i) + 1);
}

/**
 * The benchmarks' division floor (not part of an epoch): for each of `count` entries x (below
 * 2^32, streamed) one or two exact quotients floor(x * 2^32 / d) by divisors gathered from a
 * table of 1024 (per column, as a normalization takes them), their sum stored: the least time a
 * stage that needs `perEntry` 64-bit divisions per entry can take on this core.
 */
export function divisionFloor(x: usize, d: usize, out: usize, count: i32, perEntry: i32): void {
  if (perEntry < 2) {
    for (let q = 0; q < count; q++) {
      const v = <u64>i64At(x, q) << 32;
      setI64(out, q, <i64>(v / <u64>i64At(d, q & 1023)));
    }
    return;
  }
  for (let q = 0; q < count; q++) {
    const v = <u64>i64At(x, q) << 32;
    setI64(out, q, <i64>(v / <u64>i64At(d, q & 1023) + v / <u64>i64At(d, 1024 + (q & 1023))));
  }
}
