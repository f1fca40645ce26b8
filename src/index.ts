// yuma-engine: the public API. Everything not exported here is internal.
export { runEpoch, EPOCH_STAGES, type EpochOptions, type EpochStage } from './engine/epoch.js';
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
// the worker pool (issue 4): many subnets' epochs on worker threads, bit-identical to runEpoch
export {
  createPool,
  PoolError,
  POOL_DEFAULTS,
  type Pool,
  type PoolOptions,
  type ResolvedPoolOptions,
  type RunOptions as PoolRunOptions,
  type WarmupReport,
  type PoolErrorKind,
  type Fault as PoolFault,
} from './pool/index.js';
