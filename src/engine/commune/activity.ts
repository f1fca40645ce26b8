// commune.md 1.3 (and 2.2): activity. A module is inactive when it has not set weights since
// it (re)registered, or when its last update is older than the cutoff:
//   inactive_i = (lu_i <= reg_i) OR (lu_i + cutoff < current_block)   (saturating add)
// Subtensor has only the second clause.
import type { CommuneEpochInput } from './types.js';

/** `active` output vector: 1 = active. */
export function activity(input: CommuneEpochInput): Uint8Array {
  const { n, current_block } = input;
  const { last_update, block_at_registration } = input.neurons;
  const cutoff = input.hyperparameters.activity_cutoff;
  const active = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const lu = last_update[i]!;
    // lu + cutoff < 2^54: exact in a double, and far below u64 saturation
    const inactive = lu <= block_at_registration[i]! || lu + cutoff < current_block;
    active[i] = inactive ? 0 : 1;
  }
  return active;
}
