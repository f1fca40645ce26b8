// commune.md 1.2 and 1.5 (2.5, 2.6): the stake vector and the active stake.
import type { CommuneEpochInput } from './types.js';

/**
 * S_i = floor(s_i * 2^32 / sum_k s_k): the chain normalizes the raw stake in I64F64
 * (floor(s_i * 2^64 / total)) and narrows to I32F32 by dropping 32 fraction bits, which is
 * the same floor. All zero if the total is 0. No threshold, no alpha/TAO split.
 */
export function normalizedStake(stake: BigUint64Array, out: BigInt64Array): void {
  let total = 0n;
  for (let i = 0; i < stake.length; i++) total += stake[i]!;
  for (let i = 0; i < stake.length; i++) out[i] = total === 0n ? 0n : (stake[i]! << 32n) / total;
}

/**
 * A = S with inactive uids zeroed and, only when max_allowed_validators is set, uids without
 * a stored permit zeroed too (subtensor always zeroes them). The caller normalizes A.
 */
export function maskActiveStake(input: CommuneEpochInput, S: BigInt64Array, active: Uint8Array, out: BigInt64Array): void {
  const capped = input.hyperparameters.max_allowed_validators !== null;
  const permit = input.neurons.validator_permit;
  for (let i = 0; i < input.n; i++) out[i] = active[i] && (!capped || permit[i]) ? S[i]! : 0n;
}
