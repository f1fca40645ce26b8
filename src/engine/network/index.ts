// The network layer's public API: profiles (as data), scheduler, emission, the block loop,
// the scenario format, checkpoints and a whole simulation run with its files.
export { BITTENSOR, BITTENSOR_PARAMS, BittensorDriver, splitAlpha } from './profiles/bittensor.js';
export { COMMUNE, COMMUNE_PARAMS, CommuneDriver } from './profiles/commune.js';
export type {
  ProfileSpec,
  ProfileDriver,
  ProfileSummary,
  EpochRecord,
  EpochJob,
  SubnetSummary,
  Earner,
} from './profiles/types.js';
export {
  bittensorBlockEmission,
  bittensorHalvings,
  bittensorHalvingThreshold,
  communeBlockEmission,
  type BittensorEmissionSpec,
  type CommuneEmissionSpec,
} from './emission.js';
export {
  schedule,
  newScheduleState,
  legacyDue,
  legacyBlocksUntilNext,
  communeDue,
  triggerEpoch,
  setTempo,
  type SchedulerSpec,
  type SchedulerKind,
  type ScheduleState,
  type Decision,
} from './scheduler.js';
export {
  Network,
  createDriver,
  mainThreadRunner,
  poolRunner,
  SYNC_BLOCKS,
  type EpochRunner,
  type RunnerResult,
  type NetworkOptions,
  type RunCounters,
} from './network.js';
export {
  SCENARIO_FORMAT,
  parseScenario,
  defaultScenario,
  applyOverrides,
  expandSubnets,
  type Scenario,
  type ScenarioOverrides,
  type SubnetGroup,
  type Workload,
  type NetworkOverrides,
  type ProfileName,
} from './scenario.js';
export { CHECKPOINT_FORMAT, readCheckpoint, writeCheckpoint, parseCheckpointText, checkpointText } from './checkpoint.js';
export { simulate, SUMMARY_FORMAT, type SimulateOptions, type SimulationSummary, type Progress } from './simulate.js';
export { SimulationError, CheckpointError } from './errors.js';
export { canonicalJson } from './canonical.js';
