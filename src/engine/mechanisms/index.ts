// Multiple incentive mechanisms per subnet ("sub-subnets", docs/spec/mechanisms.md).
export { MAX_MECHANISMS, MECHANISM_INDEX_STRIDE } from './types.js';
export type { MechanismState, MechanismsInput, MechanismResult, MechanismsOutput } from './types.js';
export { splitEmissions, mechanismWeights, U64F64_ONE } from './split.js';
export { aggregate } from './aggregate.js';
export { runMechanismsEpoch, mechanismInputs, mechanismShares, combineMechanisms } from './epoch.js';
export {
  isMechanismsDocument, isMechanismsSequence, parseMechanismsInput, parseMechanismsOutput, parseMechanismsSequence,
  mechanismsInputToJson, mechanismsOutputToJson, type MechanismsSequenceEpoch,
} from './io.js';
export { compareMechanismsOutputs } from './compare.js';
export { carryMechanismsInput } from './sequence.js';
