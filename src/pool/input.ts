// Inputs are checked on the main thread, before anything is cloned or queued: the workers
// then run them unchecked.
import { InputError, type EpochInput } from '../engine/types.js';
import { validateEpochInput } from '../engine/validate.js';
import { assertEpochFits } from '../engine/epoch.js';
import { EpochTooLargeError } from '../engine/limits.js';

/**
 * validateEpochInput and the WebAssembly size check. `at` names the input in a batch
 * (`inputs[3]`), prefixed to the field of the InputError.
 */
export function checkInput(input: unknown, at: string): asserts input is EpochInput {
  try {
    validateEpochInput(input);
    assertEpochFits(input.n, input.weights.col.length, input.bonds.col.length, input.hyperparameters);
  } catch (e) {
    if (!(e instanceof InputError) || at === '') throw e;
    const field = e.field === '' ? at : `${at}.${e.field}`;
    throw e instanceof EpochTooLargeError
      ? new EpochTooLargeError(e.n, e.weightEntries, e.bondEntries, e.bytes, e.limit, e.maxWeightEntries, field)
      : new InputError(e.message, field);
  }
}
