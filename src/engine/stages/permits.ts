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
  const key = LITTLE_ENDIAN ? sortKeys(stake) : null;
  if (key) {
    for (let i = 0; i < n; i++) permit[i] = key[i]! >= 65536 ? 1 : 0; // key = stake * 2^16 + uid
    if (n >= K) dropLowest(key, n - K, permit);
  } else {
    for (let i = 0; i < n; i++) permit[i] = stake[i] !== 0n ? 1 : 0;
    if (n >= K) for (const uid of lowestStakesBig(stake, n - K)) permit[uid] = 0;
  }
  if (owner !== null) permit[owner] = 1;
  return permit;
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * key_i = stake_i * 2^16 + uid, an exact double ordered as (stake, uid), when every stake is
 * in [0, 2^36) (normalized stake is at most 2^32); read as 32-bit words, no BigInt per uid.
 * null when some stake is out of that range.
 */
function sortKeys(stake: BigInt64Array): Float64Array | null {
  const n = stake.length;
  const w = new Uint32Array(stake.buffer, stake.byteOffset, 2 * n);
  const key = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const hi = w[2 * i + 1]!;
    if (hi >= 16) return null;
    key[i] = (hi * 4294967296 + w[2 * i]!) * 65536 + i;
  }
  return key;
}

/** permit = 0 for the `count` uids first in (stake, uid) order: the count-th key by selection. */
function dropLowest(key: Float64Array, count: number, permit: Uint8Array): void {
  if (count <= 0) return;
  const cut = kthSmallest(key.slice(), count - 1);
  for (let i = 0; i < key.length; i++) if (key[i]! <= cut) permit[i] = 0;
}

/** The k-th smallest (0-based) of distinct values, by quickselect (a reorders `a`). */
function kthSmallest(a: Float64Array, k: number): number {
  let lo = 0;
  let hi = a.length - 1;
  while (lo < hi) {
    const p = a[(lo + hi) >>> 1]!;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (a[i]! < p) i++;
      while (a[j]! > p) j--;
      if (i <= j) {
        const t = a[i]!;
        a[i] = a[j]!;
        a[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return a[k]!;
  }
  return a[k]!;
}

/** The `count` uids first in (stake, uid) ascending order (any stake). */
function lowestStakesBig(stake: BigInt64Array, count: number): number[] {
  const n = stake.length;
  const order = Array.from({ length: n }, (_, i) => i);
  order.sort((x, y) => (stake[x]! < stake[y]! ? -1 : stake[x]! > stake[y]! ? 1 : x - y));
  return order.slice(0, count);
}
