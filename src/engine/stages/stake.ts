// yuma.md 2.2: stake = alpha + tao * tao_weight (I64F64, saturating), the threshold with the
// owner exempt, then normalization to I32F32. Below 2^62 per stake nothing saturates and a
// 128-bit integer kernel does it (combineStake); otherwise the literal rules on BigInt.
import type { EpochInput } from '../types.js';
import type { Kernels } from '../kernels.js';
import type { Buf } from '../memory.js';

const X_MAX = (1n << 127n) - 1n; // I64F64 maximum
const I64_MAX = (1n << 63n) - 1n;
const U64_MAX = (1n << 64n) - 1n;

/** TaoWeight (fraction of u64::MAX) cut to 32 fraction bits, as the chain's U96F32 division does. */
export const taoWeight32 = (tw: bigint) => (tw << 32n) / U64_MAX;

/** The buffers the stage uses: the normalized stake out, and the kernel's inputs and scratch. */
export interface StakeBuffers {
  stake: Buf<'i64'>;
  alpha: Buf<'u64'>;
  tao: Buf<'u64'>;
  raw: Buf<'u64'>;
  th: Buf<'u64'>;
  tl: Buf<'u64'>;
}

/**
 * Writes the normalized, filtered stake (raw I32F32, trace `stake`) into `b.stake` and returns
 * the floor of the unfiltered combined stake (output `stake`, at most 2^63 - 1).
 */
export function combineStake(input: EpochInput, b: StakeBuffers, k: Kernels): BigUint64Array {
  const { n, owner_uid } = input;
  b.alpha.view.set(input.neurons.alpha_stake);
  b.tao.view.set(input.neurons.tao_stake);
  // every stake below 2^62: no I64F64 operation can saturate, so the stage is exact integer
  // arithmetic on T = alpha * 2^32 + tao * w32 (I96F32 raws), done by the kernel in 128 bits
  const exact = k.combineStake(
    n, b.alpha, b.tao, taoWeight32(input.tao_weight), input.hyperparameters.stake_threshold, owner_uid ?? -1,
    b.raw, b.stake, b.th, b.tl,
  );
  return exact ? b.raw.view.slice(0, n) : combineSaturating(input, b.stake.view);
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
