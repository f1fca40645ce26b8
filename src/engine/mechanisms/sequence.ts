// The carry rule of multi-mechanism sequences (docs/spec/mechanisms.md 7): each mechanism
// carries its own bonds; permits come from the aggregate; one last step block per subnet.
import { carriedPermits, carryBonds } from '../sequence.js';
import type { MechanismsInput, MechanismsOutput } from './types.js';

/**
 * The input of epoch k from the file's input for it, the previous epoch's input and the
 * engine's own previous output: (re)registered uids start with empty bonds in every
 * mechanism and no permit.
 */
export function carryMechanismsInput(
  given: MechanismsInput, registered: readonly number[], prevInput: MechanismsInput, prevOutput: MechanismsOutput,
): MechanismsInput {
  const n = given.n;
  const { fresh, permit } = carriedPermits(n, registered, prevOutput.n, prevOutput.neurons.new_validator_permit);
  return {
    ...given,
    last_mechanism_step_block: prevInput.current_block,
    neurons: { ...given.neurons, validator_permit: permit },
    mechanisms: given.mechanisms.map((m, k) => ({ ...m, bonds: carryBonds(prevOutput.mechanisms[k]!.bonds, fresh, n) })),
  };
}
