// yuma.md 2.1: activity and the "recently registered" mask used for bonds.
import type { EpochInput } from '../types.js';

export interface Activity {
  /** 1 = active: last_update + activity_cutoff >= current_block */
  active: Uint8Array;
  /** 1 = registered at or after the last tempo: its bond column is dropped */
  recent: Uint8Array;
}

export function activity(input: EpochInput): Activity {
  const { n, current_block, last_mechanism_step_block } = input;
  const { last_update, block_at_registration } = input.neurons;
  const cutoff = input.hyperparameters.activity_cutoff;
  const tempo = input.hyperparameters.tempo;
  // block numbers are exact integers below 2^53; a sum above that still compares correctly
  const lastTempo =
    last_mechanism_step_block === 0 ? Math.max(0, current_block - tempo) : last_mechanism_step_block + 1;
  const active = new Uint8Array(n);
  const recent = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    active[i] = last_update[i]! + cutoff < current_block ? 0 : 1; // inactive is strict `<`
    recent[i] = lastTempo <= block_at_registration[i]! ? 1 : 0;
  }
  return { active, recent };
}
