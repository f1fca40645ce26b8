// yuma-engine: the public API. Everything not exported here is internal.
export { runEpoch, type EpochOptions } from './engine/epoch.js';
export {
  parseEpochInput,
  parseEpochOutput,
  parseSequence,
  epochInputToJson,
  epochOutputToJson,
  readJsonFile,
  writeFileAtomic,
  sparseFromRows,
  sparseToRows,
} from './engine/io.js';
export { compareOutputs, describeMismatch, type Mismatch } from './engine/compare.js';
export { carryInput } from './engine/sequence.js';
export { syntheticInput, type SyntheticShape } from './engine/synthetic.js';
export {
  FORMAT,
  InputError,
  UnsupportedProfileError,
  type EpochInput,
  type EpochOutput,
  type EpochTrace,
  type Hyperparameters,
  type SparseU16,
} from './engine/types.js';
// the Commune profile (commune-ai/subspace Yuma and Linear consensus; spec/commune.md)
export {
  runCommuneEpoch,
  compareCommuneOutputs,
  checkCommunePair,
  parseCommuneInput,
  parseCommuneOutput,
  communeOutputToJson,
  isCommuneDocument,
  type CommuneEpochOptions,
  type CommuneEpochInput,
  type CommuneEpochOutput,
  type CommuneHyperparameters,
  type CommuneLedger,
  type CommuneNeurons,
  type CommuneBonds,
  type CommuneTrace,
  type CommuneOutcome,
  type CommuneConsensus,
} from './engine/commune/index.js';
