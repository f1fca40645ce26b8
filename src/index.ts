// yuma-engine: the public API. Everything not exported here is internal.
export { runEpoch, epochBytes, EPOCH_STAGES, type EpochOptions, type EpochStage } from './engine/epoch.js';
// the matrix kernels' interface (`EpochOptions.kernels`; timeEpoch's timedKernels wraps one)
export type { Kernels } from './engine/kernels.js';
export { validateEpochInput } from './engine/validate.js';
export { EpochTooLargeError, WASM_MAX_BYTES } from './engine/limits.js';
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
  CHAIN_DEFAULT_HYPERPARAMETERS,
  InputError,
  UnsupportedProfileError,
  type EpochInput,
  type EpochOutput,
  type EpochTrace,
  type Hyperparameters,
  type SparseU16,
} from './engine/types.js';
// multiple incentive mechanisms per subnet ("sub-subnets", docs/spec/mechanisms.md)
export {
  runMechanismsEpoch,
  parseMechanismsInput,
  parseMechanismsOutput,
  parseMechanismsSequence,
  mechanismsInputToJson,
  mechanismsOutputToJson,
  isMechanismsDocument,
  compareMechanismsOutputs,
  carryMechanismsInput,
  splitEmissions,
  mechanismWeights,
  MAX_MECHANISMS,
  type MechanismsInput,
  type MechanismsOutput,
  type MechanismState,
  type MechanismResult,
  type MechanismsSequenceEpoch,
} from './engine/mechanisms/index.js';
// the Commune profile (commune-ai/subspace Yuma and Linear consensus; docs/spec/commune.md)
export {
  runCommuneEpoch,
  validateCommuneInput,
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
// the worker pool: many subnets' epochs on worker threads, bit-identical to runEpoch
export {
  createPool,
  PoolError,
  POOL_DEFAULTS,
  THREADS_PER_CORE,
  type Pool,
  type PoolOptions,
  type ResolvedPoolOptions,
  type RunOptions as PoolRunOptions,
  type WarmupReport,
  type PoolErrorKind,
  type Fault as PoolFault,
} from './pool/index.js';
// the network layer: profiles, scheduler, emission, block loop, ledger, simulation
export {
  Network,
  simulate,
  parseScenario,
  defaultScenario,
  applyOverrides,
  BITTENSOR,
  BITTENSOR_PARAMS,
  COMMUNE,
  COMMUNE_PARAMS,
  bittensorBlockEmission,
  bittensorHalvingThreshold,
  communeBlockEmission,
  schedule,
  newScheduleState,
  mainThreadRunner,
  poolRunner,
  readCheckpoint,
  SimulationError,
  CheckpointError,
  type Scenario,
  type SimulateOptions,
  type SimulationSummary,
  type EpochRunner,
  type EpochRecord,
  type ProfileSpec,
  type ScheduleState,
  type SchedulerSpec,
} from './engine/network/index.js';
// emission schedules as named presets per profile
export {
  EMISSION_PRESETS,
  DEFAULT_PRESET,
  PROFILE_CLOCK,
  presetNames,
  getPreset,
  resolveSchedule,
  scheduleBlockEmission,
  scheduleMint,
  nextThreshold,
  halvingThresholds,
  supplySegments,
  supplyAt,
  blockAtSupply,
  halvingRows,
  exactTokens,
  type EmissionSchedule,
  type EmissionPreset,
  type Segment as EmissionSegment,
  type HalvingRow,
} from './engine/network/emission-presets.js';
// seeing what consensus does and what it costs: epoch timing (`yuma profile`), map, scenarios, the HTML report
export {
  timeEpoch,
  timedKernels,
  stageBytes,
  type EpochTiming,
  type EpochTimingOptions,
  type StageStat,
  type KernelStat,
} from './engine/analysis/epoch-timing.js';
export {
  MAP_MAJOR_STAKES,
  twoCampTemplate,
  twoCampInput,
  majorShare,
  type TwoCampShape,
  type TwoCampTemplate,
} from './engine/analysis/twocamp.js';
export {
  runMapSweep,
  mapCsv,
  mapMainThreadRunner,
  mapEpochRunner,
  type MapRunner,
  type MapEpochRunner,
  type MapOptions,
  type MapResult,
} from './engine/analysis/mapsweep.js';
export {
  SCENARIO_VARIANTS,
  parseScenarioCase,
  runScenario,
  scenarioEpochInput,
  scenarioCsv,
  variantHyperparameters,
  type ScenarioCase,
  type ScenarioVariant,
  type ScenarioResult,
  type ScenarioOptions,
} from './engine/analysis/scenario.js';
export { renderReport, type ReportSpec, type Section as ReportSection, type Block as ReportBlock } from './report/html.js';
export { lineChart, barChart, heatmap, contourChart, type Series as ChartSeries } from './report/svg.js';
export { epochTimingSection } from './report/epoch-timing.js';
export { mapSection } from './report/map.js';
export { scenarioCaseSection } from './report/scenario.js';
