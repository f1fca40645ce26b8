// yuma.md 2.3: last epoch's permits (owner forced) gate this epoch; top-k by stake decides
// the new permits, which only choose which bond rows are stored.
import type { EpochInput } from '../types.js';

/** forbid_i = 1 when uid i held no permit last epoch (the owner always holds one). */
export function forbidden(input: EpochInput): Uint8Array {
  const permit = input.neurons.validator_permit;
  const forbid = new Uint8Array(input.n);
  for (let i = 0; i < input.n; i++) forbid[i] = permit[i] ? 0 : 1;
  if (input.owner_uid !== null) forbid[input.owner_uid] = 0;
  return forbid;
}

/**
 * topk_nonzero: stake != 0, and when n >= K the n-K lowest stakes lose their permit. The sort
 * is stable, so among equal stakes at the cut the HIGHER uid keeps its permit.
 */
export function newPermits(stake: BigInt64Array, K: number, owner: number | null): Uint8Array {
  const n = stake.length;
  const permit = new Uint8Array(n);
  for (let i = 0; i < n; i++) permit[i] = stake[i] !== 0n ? 1 : 0;
  if (n >= K) {
    for (const uid of lowestStakes(stake, n - K)) permit[uid] = 0;
  }
  if (owner !== null) permit[owner] = 1;
  return permit;
}

/** The `count` uids first in (stake, uid) ascending order. */
function lowestStakes(stake: BigInt64Array, count: number): number[] {
  const n = stake.length;
  // normalized stake stays below 2^33: stake * 2^16 + uid is an exact double, sorted natively
  if (stake.every((s) => s >= 0n && s < 1n << 36n)) {
    const key = new Float64Array(n);
    for (let i = 0; i < n; i++) key[i] = Number(stake[i]!) * 65536 + i;
    key.sort();
    return Array.from(key.subarray(0, count), (k) => k % 65536);
  }
  const order = Array.from({ length: n }, (_, i) => i);
  order.sort((x, y) => (stake[x]! < stake[y]! ? -1 : stake[x]! > stake[y]! ? 1 : x - y));
  return order.slice(0, count);
}
