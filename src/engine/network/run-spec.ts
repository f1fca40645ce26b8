// The scenario file (`yuma-scenario/1`): which profile, how many subnets of which size, the
// economic parameters and the workload model. Documented in docs/simulate.md; this module
// validates a parsed document (errors name the file, the field path and the index), fills in
// the defaults, and expands subnet groups into one resolved config per subnet.
import { Reader, type Obj } from '../json-check.js';
import { InputError } from '../types.js';
import { MAX_MECHANISMS } from '../mechanisms/types.js';
import { presetNames } from './emission-presets.js';
import { TOKEN } from './token.js';
import { PROFILE_NAMES, type ProfileName } from './profiles/name.js';

export const SCENARIO_FORMAT = 'yuma-scenario/1';


/** An amount (u64) range [min, max]. */
export type AmountRange = [bigint, bigint];

export interface HyperparameterOverrides {
  activity_cutoff?: number;
  kappa?: number;
  bonds_penalty?: number;
  bonds_moving_average?: number;
  max_allowed_validators?: number | null;
  stake_threshold?: bigint;
  yuma3?: boolean;
  liquid_alpha?: boolean;
  alpha_low?: number;
  alpha_high?: number;
  alpha_sigmoid_steepness?: number;
  min_validator_stake?: bigint;
}

export interface SubnetGroup {
  count: number;
  /** uids per subnet; a list is cycled over the group's subnets */
  uids: number[];
  /** validators per subnet (the top-staked uids with weight rows); a list is cycled */
  validators: number[];
  tempo?: number;
  /** relative share of block emission (integer weight) */
  emissionShare: bigint;
  immunityPeriod?: number;
  registrationsPerDay: number;
  stakeEventsPerDay: number;
  registrationCost?: bigint;
  hyperparameters: HyperparameterOverrides;
  // bittensor
  rootProp?: number;
  alphaReserve?: bigint;
  alphaInPerBlock?: bigint;
  alphaPrice?: bigint;
  taoReserve?: bigint;
  /** incentive mechanisms per subnet, 1..16 (absent: 1; docs/spec/mechanisms.md) */
  mechanisms?: number;
  /** MechanismEmissionSplit: u16 values summing to 65535, at most `mechanisms` of them (absent: even split) */
  emission_split?: number[];
  // commune
  consensus?: 'yuma' | 'linear';
  founderShare?: number;
}

export interface NetworkOverrides {
  scheduler?: 'stateful' | 'legacy';
  maxEpochsPerBlock?: number;
  taoWeight?: bigint;
  ownerCut?: number;
  ownerCutEnabled?: boolean;
  rootSell?: boolean;
  ownerIncentive?: 'burn' | 'recycle';
  delegateTake?: number;
  /** TotalIssuance at the start; what the modelled accounts do not hold is booked to `external` */
  totalIssuance?: bigint;
  /** a named emission schedule of the profile (emission-presets.ts); the fields below override it */
  emissionPreset?: string;
  unitEmission?: bigint;
  halvingInterval?: bigint;
  maxSupply?: bigint;
  cap?: bigint;
  stakeDelegationFee?: number;
  validatorWeightFee?: number;
}

export interface Workload {
  qualityDrift: number;
  observationNoise: number;
  copierFraction: number;
  selfDealerFraction: number;
  weightsPerValidator: number;
  weightCadence: [number, number];
  validatorStake: AmountRange;
  rootStake: AmountRange;
  minerStake: AmountRange;
  ownerStake: bigint;
  nominators: number;
  nominatorBalance: AmountRange;
  nominationsPerNominator: number;
  nominationAmount: AmountRange;
  stakeAmount: AmountRange;
  minerColdkeys: number;
  minerBalance: bigint;
}

export interface Scenario {
  format: typeof SCENARIO_FORMAT;
  name: string;
  profile: ProfileName;
  seed: number;
  /** blocks to simulate */
  blocks: number;
  startBlock: number;
  network: NetworkOverrides;
  subnets: SubnetGroup[];
  workload: Workload;
}

// ---------------------------------------------------------------------------------------
// validation

const U64_MAX = (1n << 64n) - 1n;

/** A setter of `target`'s fields that leaves a field as it is when the value is undefined (not given). */
export function setIfDefined<T extends object>(target: T) {
  return <K extends keyof T>(k: K, v: T[K] | undefined): void => {
    if (v !== undefined) target[k] = v;
  };
}

/**
 * The scenario's fields on the engine's JSON reader (json-check.ts): every field of a scenario
 * is optional (absent: the default), so each `opt*` accessor returns undefined for an absent
 * field and otherwise checks it, failing with the scenario's messages.
 */
class ScenarioReader extends Reader {
  static root(json: unknown, file: string): ScenarioReader {
    if (json === null || typeof json !== 'object' || Array.isArray(json)) {
      throw new InputError('a scenario must be a JSON object', '', file);
    }
    return new ScenarioReader(json as Obj, '', file);
  }

  fail(key: string, msg: string): never {
    throw new InputError(msg, this.at(key), this.file);
  }
  /** also list indices: `path[i]` */
  override at(key: string | number): string {
    return typeof key === 'number' ? `${this.path}[${key}]` : super.at(key);
  }
  allow(keys: readonly string[]): void {
    for (const k of Object.keys(this.o)) {
      if (!keys.includes(k)) this.fail(k, `unknown field (expected one of: ${keys.join(', ')})`);
    }
  }
  optChild(key: string): ScenarioReader | undefined {
    const v = this.o[key];
    if (v === undefined) return undefined;
    if (v === null || typeof v !== 'object' || Array.isArray(v)) this.fail(key, 'must be an object');
    return new ScenarioReader(v as Obj, this.at(key), this.file);
  }
  optInt(key: string, min: number, max: number): number | undefined {
    const v = this.o[key];
    if (v === undefined) return undefined;
    return intValue(v, min, max, () => this.fail(key, `must be an integer in ${min}..${max}, got ${show(v)}`));
  }
  /** an integer or a non-empty list of integers */
  optInts(key: string, min: number, max: number): number[] | undefined {
    const v = this.o[key];
    if (v === undefined) return undefined;
    if (!Array.isArray(v)) return [this.optInt(key, min, max)!];
    if (v.length === 0) this.fail(key, 'must not be an empty list');
    return v.map((x, i) =>
      intValue(x, min, max, () => {
        throw new InputError(`must be an integer in ${min}..${max}, got ${show(x)}`, `${this.at(key)}[${i}]`, this.file);
      }),
    );
  }
  optBool(key: string): boolean | undefined {
    const v = this.o[key];
    if (v === undefined) return undefined;
    if (typeof v !== 'boolean') this.fail(key, `must be true or false, got ${show(v)}`);
    return v;
  }
  optStr(key: string): string | undefined {
    const v = this.o[key];
    if (v === undefined) return undefined;
    if (typeof v !== 'string') this.fail(key, `must be a string, got ${show(v)}`);
    return v;
  }
  optOneOf<T extends string>(key: string, options: readonly T[]): T | undefined {
    const v = this.o[key];
    if (v === undefined) return undefined;
    if (typeof v !== 'string' || !options.includes(v as T)) {
      this.fail(key, `must be one of ${options.map((o) => JSON.stringify(o)).join(', ')}, got ${show(v)}`);
    }
    return v as T;
  }
  /** a ratio in [0, 1] with at most 9 decimals */
  optRatio(key: string): number | undefined {
    const v = this.o[key];
    if (v === undefined) return undefined;
    if (typeof v !== 'number' || !(v >= 0 && v <= 1)) this.fail(key, `must be a number in 0..1, got ${show(v)}`);
    return v;
  }
  optAmount(key: string, max: bigint = U64_MAX): bigint | undefined {
    const v = this.o[key];
    if (v === undefined) return undefined;
    return amountValue(v, max, (why) => this.fail(key, why));
  }
  optAmountRange(key: string): AmountRange | undefined {
    const v = this.o[key];
    if (v === undefined) return undefined;
    if (!Array.isArray(v) || v.length !== 2) this.fail(key, `must be [min, max] (two amounts), got ${show(v)}`);
    const r = v.map((x, i) =>
      amountValue(x, U64_MAX, (why) => {
        throw new InputError(why, `${this.at(key)}[${i}]`, this.file);
      }),
    ) as AmountRange;
    if (r[0] > r[1]) this.fail(key, `min ${r[0]} is above max ${r[1]}`);
    return r;
  }
  optIntRange(key: string, min: number, max: number): [number, number] | undefined {
    const v = this.o[key];
    if (v === undefined) return undefined;
    if (!Array.isArray(v) || v.length !== 2) this.fail(key, `must be [min, max] (two integers), got ${show(v)}`);
    const r = v.map((x, i) =>
      intValue(x, min, max, () => {
        throw new InputError(`must be an integer in ${min}..${max}, got ${show(x)}`, `${this.at(key)}[${i}]`, this.file);
      }),
    ) as [number, number];
    if (r[0] > r[1]) this.fail(key, `min ${r[0]} is above max ${r[1]}`);
    return r;
  }
}

function show(v: unknown): string {
  const s = JSON.stringify(v);
  return s === undefined ? String(v) : s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

function intValue(v: unknown, min: number, max: number, bad: () => never): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) bad();
  return v as number;
}

function amountValue(v: unknown, max: bigint, fail: (why: string) => never): bigint {
  let x: bigint;
  if (typeof v === 'string' && /^(0|[1-9][0-9]*)$/.test(v)) x = BigInt(v);
  else if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) x = BigInt(v);
  else fail(`must be an amount: a non-negative integer (a decimal string above 2^53), got ${show(v)}`);
  if (x > max) fail(`must be at most ${max}, got ${x}`);
  return x;
}

const GROUP_KEYS = {
  common: [
    'count', 'uids', 'validators', 'tempo', 'emissionShare', 'immunityPeriod', 'registrationsPerDay',
    'stakeEventsPerDay', 'registrationCost', 'hyperparameters',
  ],
  bittensor: ['rootProp', 'alphaReserve', 'alphaInPerBlock', 'alphaPrice', 'taoReserve', 'mechanisms', 'emission_split'],
  commune: ['consensus', 'founderShare'],
} as const;

const NETWORK_KEYS = {
  bittensor: [
    'scheduler', 'maxEpochsPerBlock', 'taoWeight', 'ownerCut', 'ownerCutEnabled', 'rootSell', 'ownerIncentive',
    'delegateTake', 'totalIssuance', 'emissionPreset', 'unitEmission', 'cap',
  ],
  commune: ['totalIssuance', 'emissionPreset', 'unitEmission', 'halvingInterval', 'maxSupply', 'stakeDelegationFee', 'validatorWeightFee'],
} as const;

const HP_KEYS = {
  bittensor: [
    'activity_cutoff', 'kappa', 'bonds_penalty', 'bonds_moving_average', 'max_allowed_validators', 'stake_threshold',
    'yuma3', 'liquid_alpha', 'alpha_low', 'alpha_high', 'alpha_sigmoid_steepness',
  ],
  commune: ['activity_cutoff', 'kappa', 'bonds_moving_average', 'max_allowed_validators', 'min_validator_stake', 'alpha_low', 'alpha_high'],
} as const;

const WORKLOAD_KEYS = [
  'qualityDrift', 'observationNoise', 'copierFraction', 'selfDealerFraction', 'weightsPerValidator', 'weightCadence',
  'validatorStake', 'rootStake', 'minerStake', 'ownerStake', 'nominators', 'nominatorBalance',
  'nominationsPerNominator', 'nominationAmount', 'stakeAmount', 'minerColdkeys', 'minerBalance',
] as const;

/**
 * The workload defaults of a profile (amounts in 1e-9 units: 1 TAO / alpha / COMAI = 1e9).
 * Bittensor stakes are the subnet's alpha (root stake and balances TAO); Commune's are COMAI.
 */
export function defaultWorkload(profile: ProfileName = 'bittensor'): Workload {
  const common = {
    qualityDrift: 1500,
    observationNoise: 6000,
    copierFraction: 0.1,
    selfDealerFraction: 0.05,
    weightsPerValidator: 256,
    weightCadence: [100, 720] as [number, number],
    nominators: 256,
    nominationsPerNominator: 3,
    minerColdkeys: 16,
  };
  return profile === 'bittensor'
    ? {
        ...common,
        validatorStake: [5_000n * TOKEN, 100_000n * TOKEN],
        rootStake: [0n, 2_000n * TOKEN],
        minerStake: [0n, 200n * TOKEN],
        ownerStake: 1_000n * TOKEN,
        nominatorBalance: [100n * TOKEN, 5_000n * TOKEN],
        nominationAmount: [10n * TOKEN, 5_000n * TOKEN],
        stakeAmount: [1n * TOKEN, 500n * TOKEN],
        minerBalance: 100n * TOKEN,
      }
    : {
        ...common,
        validatorStake: [1_000n * TOKEN, 40_000n * TOKEN],
        rootStake: [0n, 0n],
        minerStake: [0n, 100n * TOKEN],
        ownerStake: 0n,
        nominatorBalance: [100n * TOKEN, 5_000n * TOKEN],
        nominationAmount: [10n * TOKEN, 2_000n * TOKEN],
        stakeAmount: [1n * TOKEN, 500n * TOKEN],
        minerBalance: 500n * TOKEN,
      };
}

/** Largest uid count a subnet may have in a scenario (u16 uids). */
export const MAX_UIDS = 4096;

/**
 * Validates a parsed scenario document and fills in the defaults. `file` names the document
 * in errors. Throws InputError (`file: field[index]: message`).
 */
export function parseScenario(json: unknown, file = ''): Scenario {
  const r = ScenarioReader.root(json, file);
  r.allow(['format', 'name', 'profile', 'seed', 'blocks', 'days', 'startBlock', 'network', 'subnets', 'workload', '$comment']);
  const format = r.optStr('format');
  if (format !== undefined && format !== SCENARIO_FORMAT) r.fail('format', `must be "${SCENARIO_FORMAT}", got ${show(format)}`);
  const profile = r.optOneOf('profile', PROFILE_NAMES) ?? 'bittensor';
  const blocksPerDay = profile === 'bittensor' ? 7200 : 10_800;
  if (r.has('blocks') && r.has('days')) r.fail('days', 'give either "blocks" or "days", not both');
  const days = r.optInt('days', 1, 3650);
  const blocks = days !== undefined ? days * blocksPerDay : (r.optInt('blocks', 1, 100_000_000) ?? blocksPerDay);
  const startBlock = r.optInt('startBlock', 0, 2 ** 40) ?? 5_000_000;

  const net = r.optChild('network');
  const network: NetworkOverrides = {};
  if (net) {
    net.allow(NETWORK_KEYS[profile]);
    const set = setIfDefined(network);
    set('scheduler', net.optOneOf('scheduler', ['stateful', 'legacy'] as const));
    set('maxEpochsPerBlock', net.optInt('maxEpochsPerBlock', 1, 256));
    set('taoWeight', net.optAmount('taoWeight'));
    set('ownerCut', net.optInt('ownerCut', 0, 65535));
    set('ownerCutEnabled', net.optBool('ownerCutEnabled'));
    set('rootSell', net.optBool('rootSell'));
    set('ownerIncentive', net.optOneOf('ownerIncentive', ['burn', 'recycle'] as const));
    set('delegateTake', net.optInt('delegateTake', 0, 65535));
    set('totalIssuance', net.optAmount('totalIssuance'));
    set('emissionPreset', net.optOneOf('emissionPreset', presetNames(profile)));
    set('unitEmission', net.optAmount('unitEmission'));
    set('halvingInterval', net.optAmount('halvingInterval'));
    set('maxSupply', net.optAmount('maxSupply'));
    set('cap', net.optAmount('cap'));
    set('stakeDelegationFee', net.optInt('stakeDelegationFee', 0, 100));
    set('validatorWeightFee', net.optInt('validatorWeightFee', 0, 100));
    if (network.halvingInterval === 0n) net.fail('halvingInterval', 'must be > 0');
    if (network.cap === 0n) net.fail('cap', 'must be > 0');
    if (network.maxSupply === 0n) net.fail('maxSupply', 'must be > 0');
  }

  const list = r.o['subnets'];
  let subnets: SubnetGroup[];
  if (list === undefined) subnets = defaultGroups(profile);
  else {
    if (!Array.isArray(list) || list.length === 0) r.fail('subnets', 'must be a non-empty list of subnet groups');
    subnets = (list as unknown[]).map((g, i) => parseGroup(r, g, i, profile));
  }
  const total = subnets.reduce((s, g) => s + g.count, 0);
  const maxSubnets = profile === 'bittensor' ? 255 : 256;
  if (total > maxSubnets) r.fail('subnets', `${total} subnets in all: at most ${maxSubnets} (u16 netuids below 256)`);

  const workload = defaultWorkload(profile);
  const w = r.optChild('workload');
  if (w) {
    w.allow(WORKLOAD_KEYS);
    const set = setIfDefined(workload);
    set('qualityDrift', w.optInt('qualityDrift', 0, 65535));
    set('observationNoise', w.optInt('observationNoise', 0, 65535));
    set('copierFraction', w.optRatio('copierFraction'));
    set('selfDealerFraction', w.optRatio('selfDealerFraction'));
    set('weightsPerValidator', w.optInt('weightsPerValidator', 0, 65535));
    set('weightCadence', w.optIntRange('weightCadence', 1, 1_000_000));
    set('validatorStake', w.optAmountRange('validatorStake'));
    set('rootStake', w.optAmountRange('rootStake'));
    set('minerStake', w.optAmountRange('minerStake'));
    set('ownerStake', w.optAmount('ownerStake'));
    set('nominators', w.optInt('nominators', 0, 100_000));
    set('nominatorBalance', w.optAmountRange('nominatorBalance'));
    set('nominationsPerNominator', w.optInt('nominationsPerNominator', 0, 1000));
    set('nominationAmount', w.optAmountRange('nominationAmount'));
    set('stakeAmount', w.optAmountRange('stakeAmount'));
    set('minerColdkeys', w.optInt('minerColdkeys', 1, 100_000));
    set('minerBalance', w.optAmount('minerBalance'));
    if (workload.copierFraction + workload.selfDealerFraction > 1) {
      w.fail('selfDealerFraction', 'copierFraction + selfDealerFraction must be at most 1');
    }
  }

  return {
    format: SCENARIO_FORMAT,
    name: r.optStr('name') ?? 'unnamed',
    profile,
    seed: r.optInt('seed', 0, 0xffffffff) ?? 1,
    blocks,
    startBlock,
    network,
    subnets,
    workload,
  };
}

function parseGroup(r: ScenarioReader, g: unknown, i: number, profile: ProfileName): SubnetGroup {
  if (g === null || typeof g !== 'object' || Array.isArray(g)) {
    throw new InputError('must be an object (a subnet group)', `subnets[${i}]`, r.file);
  }
  const s = new ScenarioReader(g as Obj, `subnets[${i}]`, r.file);
  s.allow([...GROUP_KEYS.common, ...GROUP_KEYS[profile]]);
  const uids = s.optInts('uids', 1, MAX_UIDS) ?? [256];
  const validators = s.optInts('validators', 0, MAX_UIDS) ?? [64];
  const minUid = profile === 'bittensor' ? 1 : 0; // bittensor uid 0 is the owner's hotkey
  const count = s.optInt('count', 1, 256) ?? 1;
  for (let k = 0; k < count; k++) {
    const n = uids[k % uids.length]!;
    const v = validators[k % validators.length]!;
    if (minUid + v > n) {
      s.fail('validators', `${v} validators do not fit in ${n} uids${minUid ? ' (uid 0 is the owner)' : ''} (subnet ${k} of the group)`);
    }
  }
  const group: SubnetGroup = {
    count,
    uids,
    validators,
    emissionShare: s.optAmount('emissionShare', 1n << 32n) ?? 1n,
    registrationsPerDay: s.optInt('registrationsPerDay', 0, 1_000_000) ?? 24,
    stakeEventsPerDay: s.optInt('stakeEventsPerDay', 0, 1_000_000) ?? 48,
    hyperparameters: {},
  };
  const opt = setIfDefined(group);
  opt('tempo', s.optInt('tempo', 0, 65535));
  opt('immunityPeriod', s.optInt('immunityPeriod', 0, 1_000_000));
  opt('registrationCost', s.optAmount('registrationCost'));
  opt('rootProp', s.optRatio('rootProp'));
  opt('alphaReserve', s.optAmount('alphaReserve'));
  opt('alphaInPerBlock', s.optAmount('alphaInPerBlock'));
  opt('alphaPrice', s.optAmount('alphaPrice'));
  opt('taoReserve', s.optAmount('taoReserve'));
  opt('consensus', s.optOneOf('consensus', ['yuma', 'linear'] as const));
  opt('founderShare', s.optInt('founderShare', 0, 65535));
  if (group.alphaPrice === 0n) s.fail('alphaPrice', 'must be > 0');
  parseMechanisms(s, group);
  const hp = s.optChild('hyperparameters');
  if (hp) {
    hp.allow(HP_KEYS[profile]);
    const h = group.hyperparameters;
    const set = setIfDefined(h);
    set('activity_cutoff', hp.optInt('activity_cutoff', 0, 2 ** 40));
    set('kappa', hp.optInt('kappa', 0, 65535));
    set('bonds_penalty', hp.optInt('bonds_penalty', 0, 65535));
    set('bonds_moving_average', hp.optInt('bonds_moving_average', 0, 1_000_000));
    if (hp.has('max_allowed_validators')) {
      set('max_allowed_validators', hp.o['max_allowed_validators'] === null ? null : hp.optInt('max_allowed_validators', 0, 65535));
      if (profile === 'bittensor' && h.max_allowed_validators === null) hp.fail('max_allowed_validators', 'must be an integer (null is Commune only)');
    }
    set('stake_threshold', hp.optAmount('stake_threshold'));
    set('min_validator_stake', hp.optAmount('min_validator_stake', (1n << 63n) - 1n));
    set('yuma3', hp.optBool('yuma3'));
    set('liquid_alpha', hp.optBool('liquid_alpha'));
    set('alpha_low', hp.optInt('alpha_low', 0, 65535));
    set('alpha_high', hp.optInt('alpha_high', 0, 65535));
    set('alpha_sigmoid_steepness', hp.optInt('alpha_sigmoid_steepness', -32768, 32767));
    if (h.alpha_low !== undefined && h.alpha_high !== undefined && h.alpha_low > h.alpha_high) {
      hp.fail('alpha_high', `must be >= alpha_low (${h.alpha_low})`);
    }
  }
  return group;
}

/**
 * `mechanisms` and `emission_split` of a Bittensor group. The split is one the chain's setter
 * stores: at most `mechanisms` u16 values summing to 65535 (docs/spec/mechanisms.md 2). Both
 * stay absent when not given, so a scenario without them keeps its run id.
 */
function parseMechanisms(s: ScenarioReader, group: SubnetGroup): void {
  const m = s.optInt('mechanisms', 1, MAX_MECHANISMS);
  if (m !== undefined) group.mechanisms = m;
  const v = s.o['emission_split'];
  if (v === undefined) return;
  const count = m ?? 1;
  if (!Array.isArray(v) || v.length === 0) s.fail('emission_split', `must be a non-empty list of u16 values, got ${show(v)}`);
  const split = (v as unknown[]).map((x, i) =>
    intValue(x, 0, 65535, () => {
      throw new InputError(`must be an integer in 0..65535, got ${show(x)}`, `${s.at('emission_split')}[${i}]`, s.file);
    }),
  );
  if (split.length > count) s.fail('emission_split', `${split.length} values for ${count} mechanism${count === 1 ? '' : 's'}: at most one per mechanism`);
  const sum = split.reduce((a, x) => a + x, 0);
  if (sum !== 65535) s.fail('emission_split', `must sum to 65535, got ${sum}`);
  group.emission_split = split;
}

function defaultGroups(profile: ProfileName): SubnetGroup[] {
  // 32 subnets: every fourth one has 1024 uids, the others 256
  const base = {
    count: 32,
    uids: [1024, 256, 256, 256],
    validators: [64],
    emissionShare: 1n,
    registrationsPerDay: 24,
    stakeEventsPerDay: 48,
    hyperparameters: {},
  };
  return profile === 'bittensor' ? [base] : [{ ...base, uids: [1024, 256, 256, 256] }];
}

/** The built-in default: Bittensor, 32 subnets mixing 256- and 1024-uid subnets, one day. */
export function defaultScenario(profile: ProfileName = 'bittensor'): Scenario {
  return parseScenario({ format: SCENARIO_FORMAT, name: `default-${profile}`, profile, days: 1 }, '<built-in default>');
}

/** One subnet's resolved configuration (groups expanded, defaults applied by the profile). */
export interface SubnetConfig {
  netuid: number;
  group: number;
  n: number;
  validators: number;
  spec: SubnetGroup;
}

/** Expands the groups: netuids are consecutive from `firstNetuid`, in group order. */
export function expandSubnets(s: Scenario, firstNetuid: number): SubnetConfig[] {
  const out: SubnetConfig[] = [];
  let netuid = firstNetuid;
  s.subnets.forEach((g, gi) => {
    for (let k = 0; k < g.count; k++) {
      out.push({ netuid, group: gi, n: g.uids[k % g.uids.length]!, validators: g.validators[k % g.validators.length]!, spec: g });
      netuid++;
    }
  });
  return out;
}

/** Command-line overrides applied to a parsed scenario (validated like the file). */
export interface ScenarioOverrides {
  profile?: ProfileName;
  subnets?: number;
  neurons?: number;
  validators?: number;
  blocks?: number;
  days?: number;
  seed?: number;
  /** an emission preset of the scenario's profile (sets network.emissionPreset) */
  preset?: string;
}

export function applyOverrides(s: Scenario, o: ScenarioOverrides, file = '<command line>'): Scenario {
  const out: Scenario = { ...s, subnets: s.subnets.map((g) => ({ ...g })) };
  if (o.profile !== undefined && o.profile !== s.profile) {
    throw new InputError(`--profile ${o.profile} contradicts the scenario's profile "${s.profile}"`, 'profile', file);
  }
  if (o.subnets !== undefined) {
    if (!Number.isInteger(o.subnets) || o.subnets < 1 || o.subnets > (s.profile === 'bittensor' ? 255 : 256)) {
      throw new InputError(`--subnets must be an integer 1..${s.profile === 'bittensor' ? 255 : 256}, got ${o.subnets}`, 'subnets', file);
    }
    // keep the groups' pattern, cut or stretch the last group
    let left = o.subnets;
    const groups: SubnetGroup[] = [];
    for (const g of out.subnets) {
      if (left === 0) break;
      const c = Math.min(g.count, left);
      groups.push({ ...g, count: c });
      left -= c;
    }
    if (left > 0) groups[groups.length - 1]!.count += left;
    out.subnets = groups;
  }
  const checkFit = () => {
    const minUid = s.profile === 'bittensor' ? 1 : 0;
    out.subnets.forEach((g, i) => {
      g.uids.forEach((n) =>
        g.validators.forEach((v) => {
          if (minUid + v > n) throw new InputError(`${v} validators do not fit in ${n} uids`, `subnets[${i}].validators`, file);
        }),
      );
    });
  };
  if (o.neurons !== undefined) {
    if (!Number.isInteger(o.neurons) || o.neurons < 1 || o.neurons > MAX_UIDS) {
      throw new InputError(`--neurons must be an integer 1..${MAX_UIDS}, got ${o.neurons}`, 'neurons', file);
    }
    for (const g of out.subnets) g.uids = [o.neurons];
  }
  if (o.validators !== undefined) {
    if (!Number.isInteger(o.validators) || o.validators < 0 || o.validators > MAX_UIDS) {
      throw new InputError(`--validators must be an integer 0..${MAX_UIDS}, got ${o.validators}`, 'validators', file);
    }
    for (const g of out.subnets) g.validators = [o.validators];
  }
  if (o.neurons !== undefined || o.validators !== undefined) checkFit();
  if (o.blocks !== undefined && o.days !== undefined) throw new InputError('give --blocks or --days, not both', 'blocks', file);
  if (o.blocks !== undefined) {
    if (!Number.isInteger(o.blocks) || o.blocks < 1) throw new InputError(`--blocks must be an integer >= 1, got ${o.blocks}`, 'blocks', file);
    out.blocks = o.blocks;
  }
  if (o.days !== undefined) {
    if (!(o.days > 0)) throw new InputError(`--days must be > 0, got ${o.days}`, 'days', file);
    out.blocks = Math.max(1, Math.round(o.days * (s.profile === 'bittensor' ? 7200 : 10_800)));
  }
  if (o.preset !== undefined) {
    const names = presetNames(s.profile);
    if (!names.includes(o.preset)) {
      throw new InputError(`--preset ${JSON.stringify(o.preset)} is not an emission preset of profile ${s.profile} (expected one of: ${names.join(', ')})`, 'preset', file);
    }
    out.network = { ...s.network, emissionPreset: o.preset };
  }
  if (o.seed !== undefined) {
    if (!Number.isInteger(o.seed) || o.seed < 0 || o.seed > 0xffffffff) {
      throw new InputError(`--seed must be an integer 0..4294967295, got ${o.seed}`, 'seed', file);
    }
    out.seed = o.seed;
  }
  return out;
}
