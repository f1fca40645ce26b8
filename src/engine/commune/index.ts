// The Commune profile (commune-ai/subspace consensus, spec/commune.md): public API.
import type { Mismatch } from '../compare.js';
import { compareCommuneOutputs } from './compare.js';
import { runCommuneEpoch, type CommuneEpochOptions } from './epoch.js';
import { parseCommuneInput, parseCommuneOutput } from './io.js';

export { runCommuneEpoch, BONDS_BROKEN, type CommuneEpochOptions } from './epoch.js';
export { validateCommuneInput } from './validate.js';
export { compareCommuneOutputs } from './compare.js';
export {
  parseCommuneInput,
  parseCommuneOutput,
  communeOutputToJson,
  isCommuneDocument,
  COMMUNE_PROFILE,
  COMMUNE_BMA_MAX,
} from './io.js';
export type {
  CommuneConsensus,
  CommuneHyperparameters,
  CommuneLedger,
  CommuneEpochInput,
  CommuneOutcome,
  CommuneNeurons,
  CommuneBonds,
  CommuneTrace,
  CommuneEpochOutput,
} from './types.js';

/**
 * Parses a Commune input and its expected output (already read as JSON), runs the epoch
 * (with the trace when the expected output has one) and compares: null when every field
 * matches. Throws InputError for a bad document.
 */
export function checkCommunePair(
  inputJson: unknown,
  expectedJson: unknown,
  inputFile = '',
  expectedFile = '',
  options: Omit<CommuneEpochOptions, 'trace'> = {},
): Mismatch | null {
  const input = parseCommuneInput(inputJson, inputFile);
  const expected = parseCommuneOutput(expectedJson, expectedFile);
  const got = runCommuneEpoch(input, { ...options, trace: expected.trace !== undefined });
  return compareCommuneOutputs(expected, got);
}
