// Inputs are checked on the main thread, before anything is cloned or queued: the workers
// then run them unchecked (but for the column order, where runEpochs leaves it to them).
import { InputError, type EpochInput } from '../engine/types.js';
import { _validateEpochShape, validateEpochInput } from '../engine/validate.js';
import { assertEpochFits } from '../engine/epoch.js';
import { EpochTooLargeError } from '../engine/limits.js';

/**
 * validateEpochInput and the WebAssembly size check. `at` names the input in a batch
 * (`inputs[3]`), prefixed to the field of the InputError. Without `columns`, the weights' and
 * bonds' column order is left to the worker (csrRowsCheck where it places them: the calling
 * thread, which shares the cores with the workers, skips the largest part of the check).
 */
export function checkInput(input: unknown, at: string, columns = true): asserts input is EpochInput {
  try {
    if (columns) validateEpochInput(input);
    else _validateEpochShape(input);
    assertEpochFits(input.n, input.weights.col.length, input.bonds.col.length, input.hyperparameters);
  } catch (e) {
    if (!(e instanceof InputError) || at === '') throw e;
    const field = e.field === '' ? at : `${at}.${e.field}`;
    throw e instanceof EpochTooLargeError
      ? new EpochTooLargeError(e.n, e.weightEntries, e.bondEntries, e.bytes, e.limit, e.maxWeightEntries, field)
      : new InputError(e.message, field);
  }
}
