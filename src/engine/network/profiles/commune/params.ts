// The Commune profile as data (network.md sections 1-8; commune.md 3.1-3.4 and 4): 8 s blocks;
// epochs at (b + netuid) mod tempo == 0 (tempo 100) when pending > 0; block emission
// UnitEmission >> floor(I / HalvingInterval), 0 once I >= MaxSupply, with I = free balances +
// total stake (+ what the model holds outside its accounts); founder share 8% (floor, I64F64
// ratio) to the founder's free balance; the implicit 50/50 split of the consensus; a 5% stake
// delegation fee and a 4% validator weight fee per module. Resolved against a scenario.
import type { CommuneHyperparameters } from '../../../commune/types.js';
import type { CommuneEmissionSpec } from '../../emission.js';
import { EMISSION_PRESETS, communeSpecOf, resolveSchedule } from '../../emission-presets.js';
import type { HyperparameterOverrides, Scenario, SubnetGroup } from '../../run-spec.js';
import type { SchedulerSpec } from '../../scheduler.js';
import { TOKEN } from '../../token.js';
import type { ProfileSpec } from '../types.js';

/** The profile as data. */
export const COMMUNE: ProfileSpec = {
  name: 'commune',
  blockSeconds: 8,
  blocksPerDay: 10_800,
  firstNetuid: 0,
  ownerUids: 0,
  keyPrefix: 'mod',
  scheduler: { kind: 'commune', maxEpochsPerBlock: Infinity, maxBlocksWithoutStep: Infinity },
  consensus: 'commune',
  sequentialCredits: true,
  nativeToken: 'COMAI',
  subnetToken: 'COMAI',
};

/** Economic parameters and per-subnet defaults (all overridable by the scenario). */
export const COMMUNE_PARAMS = {
  /** network.md 4.1 / commune.md 4: the `commune` emission preset (chain as coded); `network.emissionPreset` picks another */
  emission: communeSpecOf(EMISSION_PRESETS.commune!.schedule) satisfies CommuneEmissionSpec,
  /** issuance at the start (null: what the modelled accounts hold; the rest is `external`) */
  totalIssuance: null as bigint | null,
  /** Percent (MinFees defaults) */
  stakeDelegationFee: 5,
  validatorWeightFee: 4,
  subnet: {
    tempo: 100,
    immunityPeriod: 0,
    registrationCost: 10n * TOKEN,
    founderShare: 8,
    consensus: 'yuma' as 'yuma' | 'linear',
    hyperparameters: {
      kappa: 32767,
      activity_cutoff: 3600,
      bonds_moving_average: 900_000,
      max_allowed_validators: null as number | null,
      min_validator_stake: 1_000n * TOKEN,
      alpha_low: 45875,
      alpha_high: 58982,
    },
  },
};

export interface Params {
  scheduler: SchedulerSpec;
  emission: CommuneEmissionSpec;
  totalIssuance: bigint | null;
  stakeDelegationFee: number;
  validatorWeightFee: number;
}

export interface SubnetParams {
  tempo: number;
  immunityPeriod: number;
  registrationCost: bigint;
  emissionShare: bigint;
  consensus: 'yuma' | 'linear';
  stakeEventsPerDay: number;
  registrationsPerDay: number;
  hyperparameters: CommuneHyperparameters;
}

export function resolveSubnet(g: SubnetGroup): SubnetParams {
  const d = COMMUNE_PARAMS.subnet;
  const hp: HyperparameterOverrides = g.hyperparameters;
  return {
    tempo: g.tempo ?? d.tempo,
    immunityPeriod: g.immunityPeriod ?? d.immunityPeriod,
    registrationCost: g.registrationCost ?? d.registrationCost,
    emissionShare: g.emissionShare,
    consensus: g.consensus ?? d.consensus,
    stakeEventsPerDay: g.stakeEventsPerDay,
    registrationsPerDay: g.registrationsPerDay,
    hyperparameters: {
      founder_share: g.founderShare ?? d.founderShare,
      kappa: hp.kappa ?? d.hyperparameters.kappa,
      activity_cutoff: hp.activity_cutoff ?? d.hyperparameters.activity_cutoff,
      bonds_moving_average: hp.bonds_moving_average ?? d.hyperparameters.bonds_moving_average,
      max_allowed_validators:
        hp.max_allowed_validators !== undefined ? hp.max_allowed_validators : d.hyperparameters.max_allowed_validators,
      min_validator_stake: hp.min_validator_stake ?? d.hyperparameters.min_validator_stake,
      use_weights_encryption: false,
      alpha_low: hp.alpha_low ?? d.hyperparameters.alpha_low,
      alpha_high: hp.alpha_high ?? d.hyperparameters.alpha_high,
    },
  };
}

export function resolveParams(sc: Scenario): Params {
  const o = sc.network;
  return {
    scheduler: COMMUNE.scheduler,
    // the scenario's preset (default `commune`) with its parameter overrides
    emission: communeSpecOf(resolveSchedule('commune', o).schedule),
    totalIssuance: o.totalIssuance ?? COMMUNE_PARAMS.totalIssuance,
    stakeDelegationFee: o.stakeDelegationFee ?? COMMUNE_PARAMS.stakeDelegationFee,
    validatorWeightFee: o.validatorWeightFee ?? COMMUNE_PARAMS.validatorWeightFee,
  };
}
