// The typed, in-memory form of the Commune profile of yuma-epoch/1 (spec/epoch-io.md,
// "Commune profile"; semantics in spec/commune.md). Per-uid vectors are flat typed arrays,
// u64 amounts bigint, block numbers exact integers below 2^53 (Float64Array), sparse rows CSR.
import type { SparseU16 } from '../types.js';

export type CommuneConsensus = 'yuma' | 'linear';

export interface CommuneHyperparameters {
  /** FounderShare, whole percent; above 100 acts as 100 */
  founder_share: number; // u16
  /** the global Kappa, fraction of 65535 */
  kappa: number; // u16
  /** MaxWeightAge, in blocks */
  activity_cutoff: number; // u64 < 2^53
  /** per million; above 10^6 the EMA alpha is negative (the chain does not range-check it) */
  bonds_moving_average: number;
  /** null = no validator cap (differs from 65535: several stages branch on Some/None) */
  max_allowed_validators: number | null; // u16 | null
  min_validator_stake: bigint; // u64 < 2^63
  /** Yuma: selects the liquid-alpha EMA; Linear ignores it */
  use_weights_encryption: boolean;
  alpha_low: number; // u16
  alpha_high: number; // u16
}

/** Per-account stake bookkeeping, only needed for per-delegator credits (commune.md 3.4). */
export interface CommuneLedger {
  /** the account key of each uid's module (unique) */
  keys: string[];
  /** each module's stake_delegation_fee, percent 0..100 */
  stake_delegation_fee: Uint8Array;
  /** per uid: StakeFrom entries (staker account, amount), as given; they sum to neurons.stake */
  stake_from: Array<Array<readonly [string, bigint]>>;
}

export interface CommuneEpochInput {
  consensus: CommuneConsensus;
  netuid: number; // u16
  n: number;
  current_block: number; // u64 < 2^53
  /** PendingEmission drained by this epoch, before the founder cut */
  pending_emission: bigint; // u64 < 2^63
  /** informational (the founder is paid in free balance, not through a uid) */
  founder_uid: number | null;
  hyperparameters: CommuneHyperparameters;
  neurons: {
    /** total stake delegated to each module key (sum of StakeFrom) */
    stake: BigUint64Array;
    last_update: Float64Array;
    block_at_registration: Float64Array;
    /** 1 = permit from the previous epoch */
    validator_permit: Uint8Array;
    /** uid this module delegated weight setting to; -1 = none */
    weight_parent: Int32Array;
    /** each module key's validator_weight_fee, percent 0..100 */
    validator_weight_fee: Uint8Array;
  };
  /** stored weight rows; entries with uid_j >= n are dropped by the parser (the chain ignores them) */
  weights: SparseU16;
  /** stored bond rows, entries with uid_j < n */
  bonds: SparseU16;
  /**
   * the first stored bond entry with uid_j >= n, if any: the chain aborts the epoch on it
   * (outcome `failed`), so it is kept as a fact, not dropped and not a parse error
   */
  bond_out_of_range: { row: number; entry: number; uid_j: number } | null;
  ledger: CommuneLedger | null;
}

/**
 * `ok`: ran and paid; `skipped`: pending emission 0, nothing runs; `no_weights`: Linear with
 * n = 0, pending kept; `failed`: the chain's epoch returned an error, every change rolled back.
 */
export type CommuneOutcome = 'ok' | 'skipped' | 'no_weights' | 'failed';

export interface CommuneNeurons {
  active: Uint8Array;
  consensus: Uint16Array;
  trust: Uint16Array;
  validator_trust: Uint16Array;
  rank: Uint16Array;
  incentive: Uint16Array;
  dividend: Uint16Array;
  pruning_score: Uint16Array;
  new_validator_permit: Uint8Array;
  /** the module's miner amount */
  server_emission: BigUint64Array;
  /** the module's validator amount, before the delegator split */
  validator_emission: BigUint64Array;
  /** storage Emission (combined share times the token emission); stored, never paid */
  emission: BigUint64Array;
}

/** New stored bond rows: a null row is left unchanged by the chain. */
export interface CommuneBonds {
  /** CSR of every row (a null row is stored as empty) */
  rows: SparseU16;
  /** 1 = the row is null (left unchanged) */
  unchanged: Uint8Array;
}

/** Raw I32F32 bits of the intermediate vectors (output `trace`), per uid. */
export interface CommuneTrace {
  stake: BigInt64Array;
  active_stake: BigInt64Array;
  consensus: BigInt64Array;
  preranks: BigInt64Array;
  validator_trust: BigInt64Array;
  ranks: BigInt64Array;
  trust: BigInt64Array;
  incentive: BigInt64Array;
  /** before the weight-delegation fee */
  dividends_raw: BigInt64Array;
  /** after the fee, before normalization */
  dividends_after_fee: BigInt64Array;
  dividends: BigInt64Array;
  /** [c_high, c_low, a, b]; null when the scalar EMA ran */
  liquid_alpha_params: BigInt64Array | null;
  /** the clamped per-column alpha; null when the scalar EMA ran */
  liquid_alpha: BigInt64Array | null;
  miner_share: BigInt64Array;
  validator_share: BigInt64Array;
  combined_share: BigInt64Array;
}

export interface CommuneEpochOutput {
  consensus: CommuneConsensus;
  netuid: number;
  n: number;
  outcome: CommuneOutcome;
  /** the chain's error when `failed`, else null */
  error: string | null;
  /** pending_emission - founder_emission; 0 unless ok */
  token_emission: bigint;
  /** 0 unless ok */
  founder_emission: bigint;
  /** founder + every stake credit: what the chain mints */
  total_emitted: bigint;
  /** null unless ok */
  neurons: CommuneNeurons | null;
  /** null unless ok */
  bonds: CommuneBonds | null;
  /** only with a ledger (and ok): per uid the stake increments (account, amount), byte order */
  credits: Array<Array<readonly [string, bigint]>> | null;
  /** only when asked for (and ok) */
  trace?: CommuneTrace;
}
