// commune.md 1.5 "New permits" (and 2.3): the validator permits written for the next epoch.
// Candidates: raw stake >= min_validator_stake, last update within 2 x cutoff blocks, and a
// non-empty prepared weight row (targets >= n already dropped; zeros or only a self-weight
// still count). Sorted by raw stake descending, the first K get a permit (K = the cap, or
// 65535 when there is none). Equal stakes keep uid order: the chain's unstable sort is an
// insertion sort (stable) up to 20 candidates; beyond that the order of ties at the K
// boundary is unspecified on chain, and this engine breaks them by ascending uid.
import type { CommuneEpochInput } from './types.js';

export function newPermits(input: CommuneEpochInput): Uint8Array {
  const { n, current_block } = input;
  const hp = input.hyperparameters;
  const { stake, last_update } = input.neurons;
  const rowPtr = input.weights.rowPtr;
  const tolerance = 2 * hp.activity_cutoff; // saturating_mul(2): below 2^54, exact
  const candidates: number[] = [];
  for (let i = 0; i < n; i++) {
    const lu = last_update[i]!;
    const idle = current_block > lu ? current_block - lu : 0; // saturating_sub
    if (stake[i]! >= hp.min_validator_stake && idle <= tolerance && rowPtr[i + 1]! > rowPtr[i]!) candidates.push(i);
  }
  candidates.sort((x, y) => {
    const sx = stake[x]!;
    const sy = stake[y]!;
    return sx > sy ? -1 : sx < sy ? 1 : x - y;
  });
  const k = Math.min(candidates.length, hp.max_allowed_validators ?? 65535);
  const permit = new Uint8Array(n);
  for (let q = 0; q < k; q++) permit[candidates[q]!] = 1;
  return permit;
}
