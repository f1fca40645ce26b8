// yuma.md 2.2: stake = alpha + tao * tao_weight (I64F64, saturating), the threshold with the
// owner exempt, then normalization to I32F32. 128-bit: BigInt is exact and this stage is O(n).
import type { EpochInput } from '../types.js';

const X_MAX = (1n << 127n) - 1n; // I64F64 maximum
const I64_MAX = (1n << 63n) - 1n;
const U64_MAX = (1n << 64n) - 1n;

/** TaoWeight (fraction of u64::MAX) cut to 32 fraction bits, as the chain's U96F32 division does. */
export const taoWeight32 = (tw: bigint) => (tw << 32n) / U64_MAX;

/**
 * Writes the normalized, filtered stake (raw I32F32, trace `stake`) into `stake` and returns
 * the floor of the unfiltered combined stake (output `stake`, at most 2^63 - 1).
 */
export function combineStake(input: EpochInput, stake: BigInt64Array): BigUint64Array {
  const { alpha_stake, tao_stake } = input.neurons;
  const LIMIT = 1n << 62n;
  const fits = (v: BigUint64Array) => v.every((x) => x < LIMIT);
  return fits(alpha_stake) && fits(tao_stake) ? combineExact(input, stake) : combineSaturating(input, stake);
}

/**
 * Every stake below 2^62: no I64F64 operation can saturate, so the stage is exact integer
 * arithmetic on T = alpha * 2^32 + tao * w32 (I96F32 raws): stake_i = floor(T_i * 2^32 / sum T).
 */
function combineExact(input: EpochInput, stake: BigInt64Array): BigUint64Array {
  const { n, owner_uid } = input;
  const { alpha_stake, tao_stake } = input.neurons;
  const w32 = taoWeight32(input.tao_weight);
  const threshold = input.hyperparameters.stake_threshold;
  const raw = new BigUint64Array(n);
  const T: bigint[] = new Array(n);
  let S = 0n;
  for (let i = 0; i < n; i++) {
    const tao = tao_stake[i]!;
    const t = tao === 0n ? alpha_stake[i]! << 32n : (alpha_stake[i]! << 32n) + tao * w32;
    const r = t >> 32n;
    raw[i] = r;
    const f = i === owner_uid || r >= threshold ? t : 0n;
    T[i] = f;
    S += f;
  }
  for (let i = 0; i < n; i++) stake[i] = S === 0n ? 0n : (T[i]! << 32n) / S;
  return raw;
}

/** The literal I64F64 rules of yuma.md 2.2, saturation and the wrapping i128 sum included. */
function combineSaturating(input: EpochInput, stake: BigInt64Array): BigUint64Array {
  const { n, owner_uid } = input;
  const { alpha_stake, tao_stake } = input.neurons;
  const w32 = taoWeight32(input.tao_weight);
  const threshold = input.hyperparameters.stake_threshold;
  const raw = new BigUint64Array(n);
  const F: bigint[] = new Array(n);
  let S = 0n;
  for (let i = 0; i < n; i++) {
    const A = min(alpha_stake[i]! << 64n, X_MAX);
    const M = min((min(tao_stake[i]! << 64n, X_MAX) * w32) >> 32n, X_MAX);
    const X = min(A + M, X_MAX);
    const r = X >> 64n;
    raw[i] = r;
    const f = i === owner_uid || r >= threshold ? X : 0n;
    F[i] = f;
    S += f;
  }
  S = BigInt.asIntN(128, S); // the chain's plain i128 sum
  for (let i = 0; i < n; i++) {
    let q = S === 0n ? F[i]! : (F[i]! << 64n) / S; // safe_div: BigInt `/` truncates toward zero
    if (q > X_MAX || q < -X_MAX - 1n) q = 0n;
    const s = q >> 32n; // I64F64 -> I32F32 floors
    stake[i] = s > I64_MAX ? I64_MAX : s < -I64_MAX - 1n ? -I64_MAX - 1n : s;
  }
  return raw;
}

const min = (a: bigint, b: bigint) => (a < b ? a : b);
