// The typed, in-memory form of the yuma-epoch/1 interchange format (spec/epoch-io.md).
// Per-uid vectors are flat typed arrays; sparse matrices are CSR. u64 amounts are bigint
// (BigUint64Array), block numbers are exact integers below 2^53 (Float64Array).

export const FORMAT = 'yuma-epoch/1';

/** A sparse matrix in CSR form: row i holds entries k in [rowPtr[i], rowPtr[i+1]). */
export interface SparseU16 {
  /** length n + 1 */
  readonly rowPtr: Uint32Array;
  /** column uid of each entry; ascending within a row, all < n */
  readonly col: Uint32Array;
  /** u16 value of each entry */
  readonly val: Uint16Array;
}

export interface Hyperparameters {
  tempo: number; // u16
  activity_cutoff: number; // u64 blocks (< 2^53)
  kappa: number; // u16
  bonds_penalty: number; // u16
  bonds_moving_average: number; // u64 per million (< 2^31 * 1e6)
  max_allowed_validators: number; // u16
  stake_threshold: bigint; // u64
  yuma3: boolean;
  liquid_alpha: boolean;
  alpha_low: number; // u16
  alpha_high: number; // u16
  alpha_sigmoid_steepness: number; // i16
  commit_reveal: boolean;
}

/** The chain's runtime defaults (docs/spec/yuma.md section 4); a starting point for made-up subnets. */
export const CHAIN_DEFAULT_HYPERPARAMETERS: Readonly<Hyperparameters> = Object.freeze({
  tempo: 360,
  activity_cutoff: 5000,
  kappa: 32767,
  bonds_penalty: 65535,
  bonds_moving_average: 900_000,
  max_allowed_validators: 128,
  stake_threshold: 0n,
  yuma3: false,
  liquid_alpha: false,
  alpha_low: 45875,
  alpha_high: 58982,
  alpha_sigmoid_steepness: 1000,
  commit_reveal: true,
});

export interface EpochInput {
  netuid: number; // u16
  n: number;
  current_block: number; // u64 < 2^53
  last_mechanism_step_block: number; // u64 < 2^53
  rao_emission: bigint; // u64
  owner_uid: number | null;
  hyperparameters: Hyperparameters;
  tao_weight: bigint; // u64
  neurons: {
    alpha_stake: BigUint64Array;
    tao_stake: BigUint64Array;
    last_update: Float64Array;
    block_at_registration: Float64Array;
    /** 1 = permit from the previous epoch */
    validator_permit: Uint8Array;
    /** only read when commit_reveal; Infinity stands for null (no unexpired commit) */
    commit_block: Float64Array | null;
  };
  /** entries with uid_j >= n are dropped by the parser, as the chain does */
  weights: SparseU16;
  bonds: SparseU16;
}

/** Raw I32F32 bits of the intermediate vectors (output `trace`). */
export interface EpochTrace {
  stake: BigInt64Array;
  active_stake: BigInt64Array;
  consensus: BigInt64Array;
  validator_trust: BigInt64Array;
  incentive: BigInt64Array;
  dividends: BigInt64Array;
}

export interface EpochOutput {
  netuid: number;
  n: number;
  neurons: {
    active: Uint8Array;
    stake_weight: Uint16Array;
    consensus: Uint16Array;
    validator_trust: Uint16Array;
    incentive: Uint16Array;
    dividend: Uint16Array;
    new_validator_permit: Uint8Array;
    server_emission: BigUint64Array;
    validator_emission: BigUint64Array;
    emission: BigUint64Array;
    stake: BigUint64Array;
  };
  /** new stored bond row per uid; the production path rewrites every row (no nulls) */
  bonds: SparseU16;
  trace?: EpochTrace;
}

/** Bad input: names the file (when known), the field path and the index. */
export class InputError extends Error {
  constructor(
    message: string,
    readonly field: string = '',
    readonly file: string = '',
  ) {
    super(message);
    this.name = 'InputError';
  }
  /** one line: `file: field: message` */
  describe(): string {
    const where = [this.file, this.field].filter((s) => s !== '').join(': ');
    return where ? `${where}: ${this.message}` : this.message;
  }
}

/** A document in a profile this build cannot read yet (e.g. `"profile": "commune"`). */
export class UnsupportedProfileError extends InputError {
  constructor(
    readonly profile: string,
    file: string = '',
    field: string = 'profile',
  ) {
    super(
      `profile ${JSON.stringify(profile)} is not supported yet (only Bittensor documents: no "profile", or "bittensor")`,
      field,
      file,
    );
    this.name = 'UnsupportedProfileError';
  }
}
