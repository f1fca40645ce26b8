// The Bittensor profile as data (network.md sections 1-8, "alpha mode" of 5.3): 12 s blocks; the
// stateful dynamic-tempo scheduler (MaxEpochsPerBlock 2, deferral) or the legacy rule; TAO and
// per-subnet alpha emission with the exact halving function; the owner cut 11796/65535 and the
// 50/50 server/validator split with a root share; delegate take. Resolved against a scenario.
import type { EpochInput } from '../../../types.js';
import type { BittensorEmissionSpec } from '../../emission.js';
import { EMISSION_PRESETS, bittensorSpecOf, resolveSchedule } from '../../emission-presets.js';
import type { HyperparameterOverrides, Scenario, SubnetGroup } from '../../run-spec.js';
import type { SchedulerSpec } from '../../scheduler.js';
import { TOKEN } from '../../token.js';
import { ratioBits } from '../../u64.js';
import type { ProfileSpec } from '../types.js';

/** The profile as data. */
export const BITTENSOR: ProfileSpec = {
  name: 'bittensor',
  blockSeconds: 12,
  blocksPerDay: 7200,
  firstNetuid: 1,
  ownerUids: 1,
  keyPrefix: 'hk',
  scheduler: { kind: 'stateful', maxEpochsPerBlock: 2, maxBlocksWithoutStep: 50_400 },
  consensus: 'bittensor',
  sequentialCredits: false,
  nativeToken: 'TAO',
  subnetToken: 'alpha',
};

/** Economic parameters and per-subnet defaults (all overridable by the scenario). */
export const BITTENSOR_PARAMS = {
  /** network.md 4.2: 1 TAO per block, cap 21M TAO; the same function for each subnet's alpha */
  emission: bittensorSpecOf(EMISSION_PRESETS.bittensor!.schedule) satisfies BittensorEmissionSpec,
  /** TaoWeight runtime default, a fraction of 2^64 - 1 (about 0.0527) */
  taoWeight: 971_718_665_099_567_868n,
  /** SubnetOwnerCut, fraction of 65535 */
  ownerCut: 11796,
  ownerCutEnabled: true,
  /** network "root sell" flag: when off the root share of alpha is recycled */
  rootSell: true,
  /** incentive of the owner's own hotkeys: burned (default) or recycled */
  ownerIncentive: 'burn' as 'burn' | 'recycle',
  /** InitialDefaultDelegateTake, fraction of 65535 */
  delegateTake: 11796,
  /**
   * TotalIssuance at the start; what the modelled accounts do not hold is booked to
   * `external`. 10.499M TAO puts the built-in day 1,000 TAO before the first halving.
   */
  totalIssuance: 10_499_000n * TOKEN,
  subnet: {
    tempo: 360,
    immunityPeriod: 5000,
    registrationCost: TOKEN / 2n,
    rootProp: 0.1,
    alphaReserve: 1_000_000n * TOKEN,
    alphaInPerBlock: 0n,
    /** TAO (rao) per 1 alpha (1e9 alpha-rao) */
    alphaPrice: TOKEN / 50n,
    taoReserve: 20_000n * TOKEN,
    hyperparameters: {
      activity_cutoff: 5000,
      kappa: 32767,
      bonds_penalty: 0,
      bonds_moving_average: 900_000,
      max_allowed_validators: 64,
      stake_threshold: 0n,
      yuma3: false,
      liquid_alpha: false,
      alpha_low: 45875,
      alpha_high: 58982,
      alpha_sigmoid_steepness: 1000,
    },
  },
};

export interface Params {
  scheduler: SchedulerSpec;
  emission: BittensorEmissionSpec;
  taoWeight: bigint;
  ownerCutBits: bigint;
  rootSell: boolean;
  ownerIncentive: 'burn' | 'recycle';
  delegateTake: number;
  totalIssuance: bigint;
}

export interface SubnetParams {
  tempo: number;
  immunityPeriod: number;
  registrationCost: bigint;
  rootPropBits: bigint;
  alphaInPerBlock: bigint;
  alphaPrice: bigint;
  emissionShare: bigint;
  stakeEventsPerDay: number;
  registrationsPerDay: number;
  hyperparameters: EpochInput['hyperparameters'];
  /** MechanismEmissionSplit (null: even split); the count is the subnet state's */
  emissionSplit: number[] | null;
}

export function resolveParams(sc: Scenario): Params {
  const o = sc.network;
  const P = BITTENSOR_PARAMS;
  const cut = o.ownerCut ?? P.ownerCut;
  return {
    scheduler: {
      ...BITTENSOR.scheduler,
      kind: o.scheduler ?? BITTENSOR.scheduler.kind,
      maxEpochsPerBlock: o.maxEpochsPerBlock ?? BITTENSOR.scheduler.maxEpochsPerBlock,
    },
    // the scenario's preset (default `bittensor`) with its parameter overrides
    emission: bittensorSpecOf(resolveSchedule('bittensor', o).schedule),
    taoWeight: o.taoWeight ?? P.taoWeight,
    // U96F32 of cut / 65535 (network.md 5.2 step 4)
    ownerCutBits: (o.ownerCutEnabled ?? P.ownerCutEnabled) ? (BigInt(cut) << 32n) / 65535n : 0n,
    rootSell: o.rootSell ?? P.rootSell,
    ownerIncentive: o.ownerIncentive ?? P.ownerIncentive,
    delegateTake: o.delegateTake ?? P.delegateTake,
    totalIssuance: o.totalIssuance ?? P.totalIssuance,
  };
}

export function resolveSubnet(g: SubnetGroup): SubnetParams {
  const d = BITTENSOR_PARAMS.subnet;
  const hp: HyperparameterOverrides = g.hyperparameters;
  const tempo = g.tempo ?? d.tempo;
  return {
    tempo,
    immunityPeriod: g.immunityPeriod ?? d.immunityPeriod,
    registrationCost: g.registrationCost ?? d.registrationCost,
    rootPropBits: ratioBits(g.rootProp ?? d.rootProp),
    alphaInPerBlock: g.alphaInPerBlock ?? d.alphaInPerBlock,
    alphaPrice: g.alphaPrice ?? d.alphaPrice,
    emissionShare: g.emissionShare,
    stakeEventsPerDay: g.stakeEventsPerDay,
    registrationsPerDay: g.registrationsPerDay,
    emissionSplit: g.emission_split ?? null,
    hyperparameters: {
      tempo,
      activity_cutoff: hp.activity_cutoff ?? d.hyperparameters.activity_cutoff,
      kappa: hp.kappa ?? d.hyperparameters.kappa,
      bonds_penalty: hp.bonds_penalty ?? d.hyperparameters.bonds_penalty,
      bonds_moving_average: hp.bonds_moving_average ?? d.hyperparameters.bonds_moving_average,
      max_allowed_validators: hp.max_allowed_validators ?? d.hyperparameters.max_allowed_validators,
      stake_threshold: hp.stake_threshold ?? d.hyperparameters.stake_threshold,
      yuma3: hp.yuma3 ?? d.hyperparameters.yuma3,
      liquid_alpha: hp.liquid_alpha ?? d.hyperparameters.liquid_alpha,
      alpha_low: hp.alpha_low ?? d.hyperparameters.alpha_low,
      alpha_high: hp.alpha_high ?? d.hyperparameters.alpha_high,
      alpha_sigmoid_steepness: hp.alpha_sigmoid_steepness ?? d.hyperparameters.alpha_sigmoid_steepness,
      commit_reveal: false,
    },
  };
}

/** The four per-block floors of network.md 5.2 step 4, for one alpha emission A. */
export function splitAlpha(
  A: bigint,
  ownerCutBits: bigint,
  rootPropBits: bigint,
): { ownerCut: bigint; server: bigint; validator: bigint; root: bigint; dust: bigint } {
  const aBits = A << 32n;
  const cutBits = A * ownerCutBits; // A * owner_cut, exact in U96F32
  const rest = aBits - cutBits; // A' = A - cut
  const serverBits = rest >> 1n; // A' * 1/2
  const rootBits = ((rest * rootPropBits) >> 32n) >> 1n; // A' * root_prop * 1/2
  const validatorBits = rest - serverBits - rootBits;
  const ownerCut = cutBits >> 32n;
  const server = serverBits >> 32n;
  const root = rootBits >> 32n;
  const validator = validatorBits >> 32n;
  return { ownerCut, server, validator, root, dust: A - ownerCut - server - validator - root };
}
