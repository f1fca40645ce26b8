// The benchmarks' memory floor (not part of an epoch): one pass that reads `words` i64 and
// writes as many, the least time a stage that moves 16 * words bytes can take on this core.
import { i64At, setI64 } from './csr';

export function streamFloor(src: usize, dst: usize, words: i32): void {
  for (let i = 0; i < words; i++) setI64(dst, i, i64At(src, i) + 1);
}
