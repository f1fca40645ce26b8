// Golden-vector checks of multi-mechanism documents, for `yuma verify` (src/engine/verify.ts).
import type { EpochOptions } from '../epoch.js';
import { describeMismatch, type Mismatch } from '../compare.js';
import { compareMechanismsOutputs } from './compare.js';
import { runMechanismsEpoch } from './epoch.js';
import { parseMechanismsInput, parseMechanismsOutput, parseMechanismsSequence } from './io.js';
import { carryMechanismsInput } from './sequence.js';
import type { MechanismsOutput } from './types.js';

type Options = Omit<EpochOptions, 'onStage'>;

/** One input/expected pair: null when every field matches, else the first mismatch. Throws InputError. */
export function checkMechanismsPair(
  inputJson: unknown, expectedJson: unknown, file: string, expectedFile: string, options: Options = {},
): Mismatch | null {
  const input = parseMechanismsInput(inputJson, file);
  const expected = parseMechanismsOutput(expectedJson, expectedFile);
  const trace = expected.mechanisms.some((m) => m.trace !== undefined);
  return compareMechanismsOutputs(expected, runMechanismsEpoch(input, { ...options, trace }));
}

/**
 * A multi-mechanism sequence, epoch by epoch, each epoch's input carried from the engine's OWN
 * previous output (docs/spec/mechanisms.md 7). Returns the epochs run and the first failure
 * (one line), if any. Throws InputError.
 */
export function checkMechanismsSequence(json: unknown, file: string, options: Options = {}): { epochs: number; failure?: string } {
  const seq = parseMechanismsSequence(json, file);
  let prev: MechanismsOutput | undefined;
  for (let k = 0; k < seq.epochs.length; k++) {
    const e = seq.epochs[k]!;
    const input = k === 0 || !prev ? e.input : carryMechanismsInput(e.input, e.registered, seq.epochs[k - 1]!.input, prev);
    const trace = e.expected.mechanisms.some((m) => m.trace !== undefined);
    const got = runMechanismsEpoch(input, { ...options, trace });
    const m = compareMechanismsOutputs(e.expected, got);
    if (m) return { epochs: k + 1, failure: `epoch ${e.epoch}: ${describeMismatch(m)}` };
    prev = got;
  }
  return { epochs: seq.epochs.length };
}
