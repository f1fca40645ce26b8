// The network layer's public API: profiles (as data), scheduler, emission, the block loop,
// the scenario format (run-spec.ts), checkpoints and a whole simulation run with its files.
export { BITTENSOR, BITTENSOR_PARAMS, BITTENSOR_PROFILE, BittensorDriver, splitAlpha } from './profiles/bittensor/index.js';
export { COMMUNE, COMMUNE_PARAMS, COMMUNE_PROFILE, CommuneDriver } from './profiles/commune/index.js';
export { profileOf } from './profiles/index.js';
export { PROFILE_NAMES } from './profiles/name.js';
export type {
  Profile,
  ProfileName,
  ProfileSpec,
  ProfileDriver,
  ProfileSummary,
  EpochRecord,
  EpochJob,
  SubnetSummary,
  Earner,
  BittensorInput,
  BittensorOutput,
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
export { Network, createDriver, SYNC_BLOCKS, type NetworkOptions, type RunCounters } from './network.js';
export { mainThreadRunner, poolRunner, sequentialRunner, type EpochRunner, type RunnerResult } from './runner.js';
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
} from './run-spec.js';
export { CHECKPOINT_FORMAT, readCheckpoint, writeCheckpoint, parseCheckpointText, checkpointText } from './checkpoint.js';
export { simulate, SUMMARY_FORMAT, type SimulateOptions, type SimulationSummary, type Progress } from './simulate.js';
export { SimulationError, CheckpointError } from './errors.js';
export { canonicalJson } from './canonical.js';
