// The typed form of a multi-mechanism ("sub-subnet") yuma-epoch/1 document
// (docs/spec/mechanisms.md sections 2 and 5): the per-subnet fields once, and per mechanism
// only what the chain stores per mechanism (its last updates, weights, bonds, commits).
import type { EpochInput, EpochOutput, EpochTrace, SparseU16 } from '../types.js';

/** MAX_MECHANISM_COUNT_PER_SUBNET (docs/spec/mechanisms.md). */
export const MAX_MECHANISMS = 16;
/** GLOBAL_MAX_SUBNET_COUNT: a mechanism's storage index is mech_id * 4096 + netuid. */
export const MECHANISM_INDEX_STRIDE = 4096;

/** One mechanism's own state (storage keyed by mech_id * 4096 + netuid). */
export interface MechanismState {
  last_update: Float64Array;
  /** only read when commit_reveal; Infinity stands for null (no unexpired commit) */
  commit_block: Float64Array | null;
  weights: SparseU16;
  bonds: SparseU16;
}

/** A subnet running several incentive mechanisms: the per-subnet fields plus one state per mechanism. */
export interface MechanismsInput extends Omit<EpochInput, 'neurons' | 'weights' | 'bonds'> {
  neurons: Omit<EpochInput['neurons'], 'last_update' | 'commit_block'>;
  /** MechanismEmissionSplit as stored (u16 values, any length 1..16), or null: unset (even split) */
  emission_split: number[] | null;
  /** MechanismCountCurrent = length (1..16); entry k is mechanism k */
  mechanisms: MechanismState[];
}

/** What one mechanism's epoch leaves (docs/spec/mechanisms.md section 5). */
export interface MechanismResult {
  /** r_k: this mechanism's share of the subnet's emission (split_emissions) */
  emission: bigint;
  /** Incentive[netuid_index]: this mechanism's own incentive vector */
  incentive: Uint16Array;
  server_emission: BigUint64Array;
  validator_emission: BigUint64Array;
  /** Bonds[netuid_index]: the new bond rows */
  bonds: SparseU16;
  trace?: EpochTrace;
}

export interface MechanismsOutput {
  netuid: number;
  n: number;
  /** the per-uid aggregate over the mechanisms (docs/spec/mechanisms.md section 4) */
  neurons: EpochOutput['neurons'];
  mechanisms: MechanismResult[];
}
