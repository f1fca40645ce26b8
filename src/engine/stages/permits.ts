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
    const order = Array.from({ length: n }, (_, i) => i);
    // normalized stakes fit a double exactly; compare as numbers unless one does not
    const safe = stake.every((s) => s <= 2n ** 53n && s >= -(2n ** 53n));
    if (safe) {
      const key = Float64Array.from(stake, Number);
      order.sort((x, y) => key[x]! - key[y]! || x - y);
    } else {
      order.sort((x, y) => (stake[x]! < stake[y]! ? -1 : stake[x]! > stake[y]! ? 1 : x - y));
    }
    for (let r = 0; r < n - K; r++) permit[order[r]!] = 0;
  }
  if (owner !== null) permit[owner] = 1;
  return permit;
}
