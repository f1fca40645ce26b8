// Consecutive epochs of one subnet (epoch-io.md, kind "sequence"): each epoch after the first
// takes its bonds, permits and last step block from the ENGINE's previous output (the carry rule).
import type { EpochInput, EpochOutput, SparseU16 } from './types.js';

/**
 * The uids (re)registered this epoch (`fresh`), and the permits carried from the previous
 * output's new_validator_permit: none for a fresh uid or one past the previous n.
 */
export function carriedPermits(
  n: number, registered: readonly number[], prevN: number, prevPermit: ArrayLike<number>,
): { fresh: Uint8Array; permit: Uint8Array } {
  const fresh = new Uint8Array(n);
  for (const uid of registered) fresh[uid] = 1;
  const permit = new Uint8Array(n);
  for (let i = 0; i < n; i++) permit[i] = !fresh[i] && i < prevN ? prevPermit[i]! : 0;
  return { fresh, permit };
}

/**
 * The input of epoch k, given the file's input for it, the previous epoch's input and the
 * engine's own previous output: registered uids start with no bonds and no permit.
 */
export function carryInput(
  given: EpochInput, registered: readonly number[], prevInput: EpochInput, prevOutput: EpochOutput,
): EpochInput {
  const { fresh, permit } = carriedPermits(given.n, registered, prevOutput.n, prevOutput.neurons.new_validator_permit);
  return {
    ...given,
    last_mechanism_step_block: prevInput.current_block,
    neurons: { ...given.neurons, validator_permit: permit },
    bonds: carryBonds(prevOutput.bonds, fresh, given.n),
  };
}

/** Previous bond rows, an empty row for (re)registered uids and for uids that are new. */
export function carryBonds(prev: SparseU16, fresh: Uint8Array, n: number): SparseU16 {
  const prevN = prev.rowPtr.length - 1;
  const keep = (i: number) => i < prevN && !fresh[i];
  const rowPtr = new Uint32Array(n + 1);
  for (let i = 0; i < n; i++) rowPtr[i + 1] = rowPtr[i]! + (keep(i) ? prev.rowPtr[i + 1]! - prev.rowPtr[i]! : 0);
  const col = new Uint32Array(rowPtr[n]!);
  const val = new Uint16Array(rowPtr[n]!);
  for (let i = 0; i < n; i++) {
    if (!keep(i)) continue;
    col.set(prev.col.subarray(prev.rowPtr[i], prev.rowPtr[i + 1]), rowPtr[i]);
    val.set(prev.val.subarray(prev.rowPtr[i], prev.rowPtr[i + 1]), rowPtr[i]);
  }
  return { rowPtr, col, val };
}
