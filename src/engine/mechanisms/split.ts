// The subnet's emission split between its mechanisms and each mechanism's aggregation weight
// (docs/spec/mechanisms.md 3.1 and 3.2). Exact integer arithmetic on bigint: M <= 16 values.
import { U64_MAX } from '../json-check.js';

const U16_MAX = 65535n;
const U64_WRAP = 1n << 64n;
/** 1.0 as a U64F64 raw value */
export const U64F64_ONE = 1n << 64n;

/**
 * split_emissions: r_k = alpha // M when the split is unset, else (alpha * s_k) // 65535 for the
 * stored entries, cut or zero-padded to M; whatever the floors and a cut tail lose goes to
 * mechanism 0 (docs/spec/mechanisms.md 3.1).
 */
export function splitEmissions(alpha: bigint, count: number, split: readonly number[] | null): bigint[] {
  const r: bigint[] =
    split === null
      ? Array.from({ length: count }, () => alpha / BigInt(count))
      : split.map((s) => (alpha * BigInt(s)) / U16_MAX);
  r.length = Math.min(r.length, count); // (c) a longer split's tail is dropped
  while (r.length < count) r.push(0n); //   a shorter one is padded with zeros
  // (d) the sum is a plain u64 sum: it wraps (only a split summing above 65535 gets there)
  let total = 0n;
  for (const x of r) total = (total + x) % U64_WRAP;
  const rem = alpha > total ? alpha - total : 0n;
  if (count > 0) r[0] = r[0]! + rem > U64_MAX ? U64_MAX : r[0]! + rem;
  return r;
}

/**
 * Each mechanism's U64F64 weight, as its raw value: r_k / alpha truncated ((r_k * 2^64) // alpha),
 * or with alpha = 0 exactly 1.0 for mechanism 0 and 0 for the others (docs/spec/mechanisms.md 3.2).
 */
export function mechanismWeights(shares: readonly bigint[], alpha: bigint): bigint[] {
  if (alpha === 0n) return shares.map((_, k) => (k === 0 ? U64F64_ONE : 0n));
  return shares.map((r) => (r << 64n) / alpha);
}
