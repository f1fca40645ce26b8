// The Bittensor profile (network.md sections 1-8, "alpha mode" of 5.3), as data plus a driver.
//
// Data: 12 s blocks; the stateful dynamic-tempo scheduler (MaxEpochsPerBlock 2, deferral) or
// the legacy rule; TAO and per-subnet alpha emission with the exact halving function; the
// owner cut 11796/65535 and the 50/50 server/validator split with a root share; delegate take.
//
// Per block: TAO emission E_b from TotalIssuance, split over subnets by their emission
// shares (floor) into `pool:<netuid>` TAO sinks, the leftover recycled. Each subnet mints its
// own alpha A from its alpha issuance (reserve + outstanding), split into four pending
// counters (owner cut, server, validator, root) with exact U96F32 floors; the floors' dust is
// booked to `dust:<netuid>`. At the subnet's epoch the counters are drained, Yuma runs on
// server + validator + root, and the output is distributed (network.md 6.2): incentives to
// the miners' (hotkey, owner) stake (the owner's own hotkeys' incentive is burned), dividends
// split into alpha and root parts by each hotkey's root proportion, scaled to the pending
// validator and root counters, the delegate take to (hotkey, owner) and the rest to the
// hotkey's share pool (alpha) or its root stakers' claimable balance (root).
//
// A subnet with several incentive mechanisms (docs/spec/mechanisms.md) runs one multi-mechanism
// epoch on the drained emission: each mechanism over its own weights, bonds and last updates,
// on the subnet's stakes and permits. The ledger credits the aggregate as the chain's coinbase
// pays it: per hotkey the sum over mechanisms of server_emission and of validator_emission
// (section 4.4); each mechanism keeps its own bonds, the permits and consensus are the aggregate's.
import { InputError, type EpochInput, type EpochOutput, type SparseU16 } from '../../types.js';
import type { MechanismsInput, MechanismsOutput } from '../../mechanisms/types.js';
import {
  bittensorBlockEmission,
  bittensorHalvings,
  type BittensorEmissionSpec,
} from '../emission.js';
import { EMISSION_PRESETS, bittensorSpecOf, resolveSchedule } from '../emission-presets.js';
import { SimulationError } from '../errors.js';
import { Rng } from '../rng.js';
import { schedule, type SchedulerSpec } from '../scheduler.js';
import type { HyperparameterOverrides, Scenario, SubnetConfig, SubnetGroup } from '../scenario.js';
import { expandSubnets } from '../scenario.js';
import { checkPool, creditHolder, creditPool, debitHolder, holderValue, newPool, type SharePool } from '../sharepool.js';
import {
  ROLE,
  ROLE_NAMES,
  csrToRows,
  hotkeyName,
  mechanism,
  mechanismCount,
  rowsToCsr,
  setBonds,
  subnetFromJson,
  subnetToJson,
  zeroColumn,
  type SubnetState,
} from '../subnet.js';
import { add, divBits, ratioBits, sub } from '../u64.js';
import { WorkloadModel, coldkeyName, isValidator, nominatorName } from '../workload.js';
import type {
  Earner,
  EpochJob,
  EpochRecord,
  EpochResult,
  ProfileDriver,
  ProfileSpec,
  ProfileSummary,
} from './types.js';

const ONE = 1_000_000_000n;

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
  totalIssuance: 10_499_000n * ONE,
  subnet: {
    tempo: 360,
    immunityPeriod: 5000,
    registrationCost: ONE / 2n,
    rootProp: 0.1,
    alphaReserve: 1_000_000n * ONE,
    alphaInPerBlock: 0n,
    /** TAO (rao) per 1 alpha (1e9 alpha-rao) */
    alphaPrice: ONE / 50n,
    taoReserve: 20_000n * ONE,
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

interface Pending {
  server: bigint;
  validator: bigint;
  root: bigint;
  ownerCut: bigint;
}

const zeroPending = (): Pending => ({ server: 0n, validator: 0n, root: 0n, ownerCut: 0n });
const pendingSum = (p: Pending) => p.server + p.validator + p.root + p.ownerCut;

/** A subnet's alpha book (network.md 8, Bittensor 2). */
interface AlphaBook {
  alphaIn: bigint;
  alphaOut: bigint;
  genesisOut: bigint;
  /** alpha emission minted into alphaOut */
  minted: bigint;
  /** alpha_in injected into the reserve */
  injected: bigint;
  /** moved reserve -> outstanding by staking, and back by unstaking */
  bought: bigint;
  sold: bigint;
  recycled: bigint;
  burn: bigint;
  dust: bigint;
  /** incentives paid beyond what the drained counters held (see apply) */
  overpaid: bigint;
  /** sum of the share-pool totals on the subnet */
  stakeTotal: bigint;
  claimableTotal: bigint;
  pending: Pending;
  /** drained by an epoch whose output is not applied yet */
  inflight: bigint;
  /** credited to stakes and claimable balances by epochs */
  paid: bigint;
}

interface TaoBook {
  issuance: bigint;
  genesis: bigint;
  minted: bigint;
  recycled: bigint;
  burn: bigint;
  external: bigint;
  freeTotal: bigint;
  rootTotal: bigint;
  poolTotal: bigint;
  /** pool:<netuid> */
  pools: Map<number, bigint>;
}

interface Params {
  scheduler: SchedulerSpec;
  emission: BittensorEmissionSpec;
  taoWeight: bigint;
  ownerCutBits: bigint;
  rootSell: boolean;
  ownerIncentive: 'burn' | 'recycle';
  delegateTake: number;
  totalIssuance: bigint;
}

interface SubnetParams {
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

function resolveParams(sc: Scenario): Params {
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

function resolveSubnet(g: SubnetGroup): SubnetParams {
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

interface Ctx {
  drained: Pending;
  /** uid -> hotkey at launch (the subnet is not touched until the output is applied) */
  hotkeys: string[];
}

export class BittensorDriver implements ProfileDriver {
  readonly spec = BITTENSOR;
  readonly subnets: SubnetState[] = [];
  readonly workload: WorkloadModel;
  readonly deferrable: boolean;
  private readonly params: Params;
  private readonly sub = new Map<number, SubnetParams>();
  private readonly byNetuid = new Map<number, SubnetState>();
  private shareTotal = 0n;
  // ledger
  private tao!: TaoBook;
  private readonly books = new Map<number, AlphaBook>();
  private readonly free = new Map<string, bigint>();
  private readonly owner = new Map<string, string>();
  private readonly take = new Map<string, number>();
  /** netuid -> hotkey -> pool; netuid 0 is root TAO */
  private readonly pools = new Map<number, Map<string, SharePool>>();
  /** netuid -> hotkey -> alpha claimable by the hotkey's root stakers */
  private readonly claimable = new Map<number, Map<string, bigint>>();
  /** hotkey -> alpha earned during the run (incentive + dividends) */
  private readonly earned = new Map<string, bigint>();
  private alphaCache = new Map<number, { A: bigint; issuanceBelow: bigint; issuanceFrom: bigint; split: ReturnType<typeof splitAlpha> }>();
  private issuanceStart = 0n;

  constructor(
    readonly scenario: Scenario,
    state?: unknown,
  ) {
    this.params = resolveParams(scenario);
    this.deferrable = this.params.ownerIncentive === 'burn';
    this.workload = new WorkloadModel(scenario.workload, BITTENSOR.blocksPerDay, BITTENSOR.keyPrefix);
    const cfgs = expandSubnets(scenario, BITTENSOR.firstNetuid);
    for (const c of cfgs) {
      const p = resolveSubnet(c.spec);
      this.sub.set(c.netuid, p);
      this.shareTotal += p.emissionShare;
    }
    if (state === undefined) this.genesis(cfgs);
    else this.load(state);
    for (const s of this.subnets) this.byNetuid.set(s.netuid, s);
  }

  // -------------------------------------------------------------------------------------
  // genesis

  private genesis(cfgs: SubnetConfig[]): void {
    const sc = this.scenario;
    const w = sc.workload;
    const start = sc.startBlock;
    this.tao = {
      issuance: 0n, genesis: 0n, minted: 0n, recycled: 0n, burn: 0n, external: 0n,
      freeTotal: 0n, rootTotal: 0n, poolTotal: 0n, pools: new Map(),
    };
    this.pools.set(0, new Map());
    for (const c of cfgs) {
      const p = this.sub.get(c.netuid)!;
      const s = this.workload.genesis(c, sc.seed, start, p.tempo, BITTENSOR.ownerUids);
      this.subnets.push(s);
      const book: AlphaBook = {
        alphaIn: c.spec.alphaReserve ?? BITTENSOR_PARAMS.subnet.alphaReserve,
        alphaOut: 0n, genesisOut: 0n, minted: 0n, injected: 0n, bought: 0n, sold: 0n, recycled: 0n,
        burn: 0n, dust: 0n, overpaid: 0n, stakeTotal: 0n, claimableTotal: 0n, pending: zeroPending(),
        inflight: 0n, paid: 0n,
      };
      this.books.set(c.netuid, book);
      this.pools.set(c.netuid, new Map());
      this.claimable.set(c.netuid, new Map());
      const taoReserve = c.spec.taoReserve ?? BITTENSOR_PARAMS.subnet.taoReserve;
      this.tao.pools.set(c.netuid, taoReserve);
      this.tao.poolTotal += taoReserve;
      const r = s.rng;
      for (let uid = 0; uid < s.n; uid++) {
        const hk = s.hotkeys[uid]!, ck = s.coldkeys[uid]!;
        this.owner.set(hk, ck);
        const role = s.role[uid]!;
        let alpha = 0n;
        if (role === ROLE.owner) alpha = w.ownerStake;
        else if (isValidator(role)) {
          alpha = r.bigint(...w.validatorStake);
          this.take.set(hk, this.params.delegateTake);
          const root = r.bigint(...w.rootStake);
          if (root > 0n) this.genesisRoot(hk, ck, root);
        } else alpha = r.bigint(...w.minerStake);
        if (alpha > 0n) this.genesisAlpha(c.netuid, hk, ck, alpha);
      }
      for (let j = 0; j < w.minerColdkeys; j++) this.genesisFree(coldkeyName(c.netuid, `m${String(j).padStart(5, '0')}`), w.minerBalance);
    }
    // nominators: free TAO, and stake behind a few validators
    const r = Rng.seeded(sc.seed, 1_000_003);
    for (let i = 0; i < w.nominators; i++) {
      const ck = nominatorName(i);
      this.genesisFree(ck, r.bigint(...w.nominatorBalance));
      for (let k = 0; k < w.nominationsPerNominator && this.subnets.length > 0; k++) {
        const s = this.subnets[r.below(this.subnets.length)]!;
        const vals = validatorsOf(s);
        if (vals.length === 0) continue;
        const uid = vals[r.below(vals.length)]!;
        this.genesisAlpha(s.netuid, s.hotkeys[uid]!, ck, r.bigint(...w.nominationAmount));
      }
    }
    const modelled = this.tao.freeTotal + this.tao.rootTotal + this.tao.poolTotal;
    if (modelled > this.params.totalIssuance) {
      throw new InputError(
        `the modelled accounts hold ${modelled} rao at genesis, more than the total issuance ${this.params.totalIssuance}: raise network.totalIssuance or lower the workload's balances and stakes`,
        'network.totalIssuance',
        '<scenario>',
      );
    }
    this.tao.external = this.params.totalIssuance - modelled;
    this.tao.genesis = this.params.totalIssuance;
    this.tao.issuance = this.tao.genesis;
    this.issuanceStart = this.tao.issuance;
    for (const b of this.books.values()) b.genesisOut = b.alphaOut;
  }

  private genesisFree(ck: string, amount: bigint): void {
    this.free.set(ck, (this.free.get(ck) ?? 0n) + amount);
    this.tao.freeTotal += amount;
  }
  private genesisRoot(hk: string, ck: string, amount: bigint): void {
    creditHolder(this.pool(0, hk), ck, amount, `stake:0:${hk}`);
    this.tao.rootTotal += amount;
  }
  private genesisAlpha(netuid: number, hk: string, ck: string, amount: bigint): void {
    if (amount === 0n) return;
    const b = this.books.get(netuid)!;
    creditHolder(this.pool(netuid, hk), ck, amount, `stake:${netuid}:${hk}`);
    b.alphaOut += amount;
    b.stakeTotal += amount;
  }

  private pool(netuid: number, hk: string): SharePool {
    const m = this.pools.get(netuid)!;
    let p = m.get(hk);
    if (!p) {
      p = newPool();
      m.set(hk, p);
    }
    return p;
  }

  private poolTotalOf(netuid: number, hk: string): bigint {
    return this.pools.get(netuid)!.get(hk)?.total ?? 0n;
  }

  // -------------------------------------------------------------------------------------
  // ledger operations (every one keeps the running totals of network.md 8)

  private debitFree(ck: string, amount: bigint): void {
    this.free.set(ck, sub(this.free.get(ck) ?? 0n, amount, ck));
    this.tao.freeTotal -= amount;
  }
  private creditFree(ck: string, amount: bigint): void {
    this.free.set(ck, add(this.free.get(ck) ?? 0n, amount, ck));
    this.tao.freeTotal += amount;
  }
  private creditTaoPool(netuid: number, amount: bigint): void {
    this.tao.pools.set(netuid, add(this.tao.pools.get(netuid) ?? 0n, amount, `pool:${netuid}`, netuid));
    this.tao.poolTotal += amount;
  }
  private debitTaoPool(netuid: number, amount: bigint): void {
    this.tao.pools.set(netuid, sub(this.tao.pools.get(netuid) ?? 0n, amount, `pool:${netuid}`, netuid));
    this.tao.poolTotal -= amount;
  }
  /** alpha to (hotkey, coldkey): buys shares */
  private stakeTo(netuid: number, hk: string, ck: string, amount: bigint): void {
    if (amount === 0n) return;
    creditHolder(this.pool(netuid, hk), ck, amount, `stake:${netuid}:${hk}`);
    const b = this.books.get(netuid)!;
    b.stakeTotal += amount;
  }
  /** alpha to a hotkey's pool (all holders pro rata); to (hotkey, owner) when it has no holders */
  private stakeToPool(netuid: number, hk: string, amount: bigint): void {
    if (amount === 0n) return;
    const p = this.pool(netuid, hk);
    if (p.shares === 0n) creditHolder(p, this.owner.get(hk)!, amount, `stake:${netuid}:${hk}`);
    else creditPool(p, amount, `stake:${netuid}:${hk}`);
    this.books.get(netuid)!.stakeTotal += amount;
  }

  // -------------------------------------------------------------------------------------
  // the workload's requests

  eventsDue(s: SubnetState, block: number): boolean {
    return s.nextStakeEvent <= block || s.nextRegistration <= block;
  }

  events(s: SubnetState, block: number): void {
    this.workload.events(s, block, this, this.sub.get(s.netuid)!);
  }

  stake(s: SubnetState, ck: string, uid: number, amount: bigint): void {
    const p = this.sub.get(s.netuid)!;
    const b = this.books.get(s.netuid)!;
    const have = this.free.get(ck) ?? 0n;
    let tao = amount < have ? amount : have;
    let alpha = (tao * ONE) / p.alphaPrice;
    if (alpha > b.alphaIn) {
      alpha = b.alphaIn;
      tao = (alpha * p.alphaPrice + ONE - 1n) / ONE;
      if (tao > have) tao = have;
    }
    if (alpha === 0n || tao === 0n) return;
    this.debitFree(ck, tao);
    this.creditTaoPool(s.netuid, tao);
    b.alphaIn = sub(b.alphaIn, alpha, `alpha-in:${s.netuid}`, s.netuid);
    b.alphaOut = add(b.alphaOut, alpha, `alpha-out:${s.netuid}`, s.netuid);
    b.bought += alpha;
    this.stakeTo(s.netuid, s.hotkeys[uid]!, ck, alpha);
  }

  unstakeHalf(s: SubnetState, ck: string, uid: number): void {
    const hk = s.hotkeys[uid]!;
    const pool = this.pools.get(s.netuid)!.get(hk);
    if (!pool) return;
    const alpha = holderValue(pool, ck) / 2n;
    if (alpha === 0n) return;
    const p = this.sub.get(s.netuid)!;
    const b = this.books.get(s.netuid)!;
    debitHolder(pool, ck, alpha, `stake:${s.netuid}:${hk}`);
    b.stakeTotal -= alpha;
    b.alphaOut = sub(b.alphaOut, alpha, `alpha-out:${s.netuid}`, s.netuid);
    b.alphaIn = add(b.alphaIn, alpha, `alpha-in:${s.netuid}`, s.netuid);
    b.sold += alpha;
    const inPool = this.tao.pools.get(s.netuid) ?? 0n;
    let tao = (alpha * p.alphaPrice) / ONE;
    if (tao > inPool) tao = inPool;
    this.debitTaoPool(s.netuid, tao);
    this.creditFree(ck, tao);
  }

  register(s: SubnetState, ck: string, block: number): number | null {
    const p = this.sub.get(s.netuid)!;
    const uid = this.pruneCandidate(s, block, p.immunityPeriod);
    if (uid === null) return null;
    if ((this.free.get(ck) ?? 0n) < p.registrationCost) return null;
    // network.md 4.2: the registration TAO goes into the subnet pool (the alpha it buys is not modelled)
    this.debitFree(ck, p.registrationCost);
    this.creditTaoPool(s.netuid, p.registrationCost);
    const hk = hotkeyName(BITTENSOR.keyPrefix, s.netuid, s.regSeq++);
    this.owner.set(hk, ck);
    // the old hotkey keeps its stake; its weight and bond rows go, weights pointing at it are zeroed
    this.workload.resetUid(s, uid, hk, ck, block);
    for (let k = 0; k < mechanismCount(s); k++) zeroColumn(mechanism(s, k).weights, uid);
    return uid;
  }

  /**
   * network.md 7.4: lowest last emission, ties by older registration then lower uid, never
   * the owner's hotkey; non-immune uids first (immune: block - registration < period).
   */
  private pruneCandidate(s: SubnetState, block: number, immunity: number): number | null {
    let best = -1, bestImmune = -1;
    const better = (a: number, b: number) => {
      if (b < 0) return true;
      const ea = s.lastIncentive[a]! + s.lastDividend[a]!, eb = s.lastIncentive[b]! + s.lastDividend[b]!;
      if (ea !== eb) return ea < eb;
      if (s.regBlock[a] !== s.regBlock[b]) return s.regBlock[a]! < s.regBlock[b]!;
      return a < b;
    };
    for (let uid = 0; uid < s.n; uid++) {
      if (s.role[uid] === ROLE.owner) continue;
      const immune = block - s.regBlock[uid]! < immunity;
      if (immune) {
        if (better(uid, bestImmune)) bestImmune = uid;
      } else if (better(uid, best)) best = uid;
    }
    if (best >= 0) return best;
    return bestImmune >= 0 ? bestImmune : null;
  }

  // -------------------------------------------------------------------------------------
  // the block

  accrue(_block: number): void {
    const t = this.tao;
    // TAO: E_b from TotalIssuance, capped to the supply left
    let E = bittensorBlockEmission(t.issuance, this.params.emission);
    const room = this.params.emission.cap - t.issuance;
    if (E > room) E = room > 0n ? room : 0n;
    let credited = 0n;
    for (const s of this.subnets) {
      const p = this.sub.get(s.netuid)!;
      const c = this.shareTotal === 0n ? 0n : (E * p.emissionShare) / this.shareTotal;
      if (c > 0n) this.creditTaoPool(s.netuid, c);
      credited += c;
    }
    t.minted += E;
    t.recycled += E - credited;
    t.issuance += credited;
    // alpha: each subnet mints its own, split into the pending counters
    for (const s of this.subnets) {
      const p = this.sub.get(s.netuid)!;
      const b = this.books.get(s.netuid)!;
      const { A, split } = this.alphaEmission(s.netuid, b, p);
      if (p.alphaInPerBlock > 0n) {
        b.alphaIn = add(b.alphaIn, p.alphaInPerBlock, `alpha-in:${s.netuid}`, s.netuid);
        b.injected += p.alphaInPerBlock;
      }
      if (A === 0n) continue;
      b.alphaOut = add(b.alphaOut, A, `alpha-out:${s.netuid}`, s.netuid);
      b.minted += A;
      const pd = b.pending;
      pd.ownerCut += split.ownerCut;
      pd.server += split.server;
      pd.validator += split.validator;
      if (this.params.rootSell) pd.root += split.root;
      else {
        b.alphaOut -= split.root;
        b.recycled += split.root;
      }
      b.dust += split.dust;
    }
  }

  /** A subnet's alpha emission and its split; cached while the issuance stays in one halving band. */
  private alphaEmission(netuid: number, b: AlphaBook, p: SubnetParams) {
    const issuance = b.alphaIn + b.alphaOut;
    const c = this.alphaCache.get(netuid);
    if (c && issuance >= c.issuanceFrom && issuance < c.issuanceBelow) return c;
    const spec = this.params.emission;
    const A = bittensorBlockEmission(issuance, spec);
    // the band [from, below) of issuances with the same halving count
    let from = 0n, below = spec.cap;
    if (issuance < spec.cap) {
      const k = bittensorHalvings(issuance, spec.cap);
      const threshold = (j: number) => (spec.cap * ((1n << BigInt(j)) - 1n) + (1n << BigInt(j)) - 1n) >> BigInt(j);
      from = k === 0 ? 0n : threshold(k);
      below = k >= 32 ? spec.cap : threshold(k + 1);
    } else from = spec.cap;
    if (issuance >= spec.cap) below = 1n << 128n;
    const entry = { A, issuanceFrom: from, issuanceBelow: below, split: splitAlpha(A, this.params.ownerCutBits, p.rootPropBits) };
    this.alphaCache.set(netuid, entry);
    return entry;
  }

  schedule(block: number): number[] {
    return schedule(this.params.scheduler, block, this.subnets.map((s) => s.sched), (netuid) => {
      const s = this.byNetuid.get(netuid)!;
      return s.uidOf.size === s.n;
    });
  }

  prepare(netuid: number, block: number): EpochJob | null {
    const t0 = performance.now();
    const s = this.byNetuid.get(netuid)!;
    const p = this.sub.get(netuid)!;
    const b = this.books.get(netuid)!;
    this.workload.drift(s);
    this.workload.setWeights(s, block);
    const drained = b.pending;
    b.pending = zeroPending();
    b.inflight = pendingSum(drained);
    const n = s.n;
    const alpha = new BigUint64Array(n);
    const root = new BigUint64Array(n);
    for (let uid = 0; uid < n; uid++) {
      const hk = s.hotkeys[uid]!;
      alpha[uid] = this.poolTotalOf(netuid, hk);
      root[uid] = this.poolTotalOf(0, hk);
    }
    const subnet = {
      netuid,
      n,
      current_block: block,
      last_mechanism_step_block: s.sched.lastStepBlock,
      rao_emission: drained.server + drained.validator + drained.root,
      owner_uid: ownerUid(s),
      hyperparameters: { ...p.hyperparameters, tempo: s.sched.tempo },
      tao_weight: this.params.taoWeight,
    };
    const shared = {
      alpha_stake: alpha,
      tao_stake: root,
      block_at_registration: s.regBlock.slice(),
      validator_permit: s.permit.slice(),
    };
    s.sched.lastStepBlock = block;
    const ctx: Ctx = { drained, hotkeys: s.hotkeys.slice() };
    const head = { netuid, block, epoch: s.sched.epochIndex, ctx };
    if (mechanismCount(s) > 1) {
      // each mechanism's own last updates, weights and bonds (docs/spec/mechanisms.md 2)
      const input: MechanismsInput = {
        ...subnet,
        neurons: shared,
        emission_split: p.emissionSplit,
        mechanisms: Array.from({ length: mechanismCount(s) }, (_, k) => {
          const m = mechanism(s, k);
          return { last_update: m.lastUpdate.slice(), commit_block: null, weights: rowsToCsr(m.weights, n), bonds: rowsToCsr(m.bonds, n) };
        }),
      };
      return { kind: 'mechanisms', ...head, input, buildMs: performance.now() - t0 };
    }
    const input: EpochInput = {
      ...subnet,
      neurons: { ...shared, last_update: s.lastUpdate.slice(), commit_block: null },
      weights: rowsToCsr(s.weights, n),
      bonds: rowsToCsr(s.bonds, n),
    };
    return { kind: 'bittensor', ...head, input, buildMs: performance.now() - t0 };
  }

  /** network.md 6.2. */
  apply(job: EpochJob, result: EpochResult, consensusMs: number): EpochRecord {
    const t0 = performance.now();
    // one mechanism: its output; several: the aggregate (what is paid) and each mechanism's bonds
    const out = result as EpochOutput | MechanismsOutput;
    const bonds: SparseU16[] = 'mechanisms' in out ? out.mechanisms.map((m) => m.bonds) : [out.bonds];
    const { netuid } = job;
    const s = this.byNetuid.get(netuid)!;
    const b = this.books.get(netuid)!;
    const { drained, hotkeys } = job.ctx as Ctx;
    const n = s.n;
    const ownerCk = s.coldkeys[ownerUid(s)]!;
    const ownerHk = s.hotkeys[ownerUid(s)]!;
    const inc = out.neurons.server_emission;
    const div = out.neurons.validator_emission;
    let sumInc = 0n;
    for (let j = 0; j < n; j++) sumInc += inc[j]!;
    let validatorPot = drained.validator;
    if (sumInc === 0n) validatorPot += drained.server;

    let credited = 0n; // to stakes and claimable balances
    let burned = 0n;
    let recycled = 0n;
    const paidInc = new BigUint64Array(n);
    const paidDiv = new BigUint64Array(n);

    // 1. incentives, as computed; the owner's own hotkeys' incentive is burned (or recycled)
    for (let j = 0; j < n; j++) {
      const x = inc[j]!;
      if (x === 0n) continue;
      const hk = hotkeys[j]!;
      const ck = this.owner.get(hk)!;
      paidInc[j] = x;
      if (hk === ownerHk || ck === ownerCk) {
        if (this.params.ownerIncentive === 'burn') burned += x;
        else recycled += x;
      } else {
        this.stakeTo(netuid, hk, ck, x);
        credited += x;
      }
    }

    // 2. dividends: alpha and root parts by the hotkey's root proportion (U96F32)
    const twBits = (this.params.taoWeight << 32n) / ((1n << 64n) - 1n);
    const alphaPart = new Array<bigint>(n).fill(0n);
    const rootPart = new Array<bigint>(n).fill(0n);
    let totA = 0n, totR = 0n;
    for (let j = 0; j < n; j++) {
      const d = div[j]!;
      if (d === 0n) continue;
      const hk = hotkeys[j]!;
      const rootW = this.poolTotalOf(0, hk) * twBits;
      const denom = (this.poolTotalOf(netuid, hk) << 32n) + rootW;
      const rp = divBits(rootW, denom);
      const dBits = d << 32n;
      const r = (dBits * rp) >> 32n;
      rootPart[j] = r;
      alphaPart[j] = dBits - r;
      totA += dBits - r;
      totR += r;
    }
    for (let j = 0; j < n; j++) {
      if (alphaPart[j] === 0n && rootPart[j] === 0n) continue;
      const hk = hotkeys[j]!;
      const ck = this.owner.get(hk)!;
      const takeBits = (BigInt(this.take.get(hk) ?? this.params.delegateTake) << 32n) / 65535n;
      // alpha part: scaled to the pending validator alpha; take to (h, owner), rest to h's pool
      if (alphaPart[j]! > 0n && validatorPot > 0n) {
        const a = divBits(alphaPart[j]!, totA) * validatorPot;
        const t = (a * takeBits) >> 32n;
        const toOwner = t >> 32n;
        const toPool = (a - t) >> 32n;
        this.stakeTo(netuid, hk, ck, toOwner);
        this.stakeToPool(netuid, hk, toPool);
        credited += toOwner + toPool;
        paidDiv[j] = paidDiv[j]! + toOwner + toPool;
      }
      // root part: scaled to the pending root alpha; take to (h, owner), rest claimable
      if (rootPart[j]! > 0n && drained.root > 0n) {
        const a = divBits(rootPart[j]!, totR) * drained.root;
        const t = (a * takeBits) >> 32n;
        const toOwner = t >> 32n;
        const toClaim = (a - t) >> 32n;
        this.stakeTo(netuid, hk, ck, toOwner);
        if (toClaim > 0n) {
          const m = this.claimable.get(netuid)!;
          m.set(hk, (m.get(hk) ?? 0n) + toClaim);
          b.claimableTotal += toClaim;
        }
        credited += toOwner + toClaim;
        paidDiv[j] = paidDiv[j]! + toOwner + toClaim;
      }
    }

    // 3. owner cut, staked to (owner hotkey, owner)
    this.stakeTo(netuid, ownerHk, ownerCk, drained.ownerCut);
    credited += drained.ownerCut;

    // 4. what is left of the drained counters is dust (owned by nobody, still in alphaOut);
    //    incentives "as computed" may exceed the server counter by a few rao: booked as overpaid
    const total = pendingSum(drained);
    const used = credited + burned + recycled;
    if (used <= total) b.dust += total - used;
    else b.overpaid += used - total;
    b.burn += burned;
    if (recycled > 0n) {
      b.alphaOut = sub(b.alphaOut, recycled, `alpha-out:${netuid}`, netuid);
      b.recycled += recycled;
    }
    b.paid += credited;
    b.inflight = 0n;

    // the subnet state the next epoch reads
    s.permit = out.neurons.new_validator_permit.slice();
    bonds.forEach((m, k) => setBonds(s, k, csrToRows(m, n)));
    s.lastConsensus = out.neurons.consensus.slice();
    for (let j = 0; j < n; j++) {
      s.lastIncentive[j] = paidInc[j]!;
      s.lastDividend[j] = paidDiv[j]!;
      const e = paidInc[j]! + paidDiv[j]!;
      if (e > 0n) this.earned.set(hotkeys[j]!, (this.earned.get(hotkeys[j]!) ?? 0n) + e);
    }
    s.epochsRun += 1;
    const stake = new Array<string>(n);
    for (let j = 0; j < n; j++) stake[j] = this.poolTotalOf(netuid, hotkeys[j]!).toString();
    const record: EpochRecord = {
      netuid,
      block: job.block,
      epoch: job.epoch,
      n,
      drained: {
        server: drained.server.toString(),
        validator: drained.validator.toString(),
        root: drained.root.toString(),
        owner_cut: drained.ownerCut.toString(),
      },
      incentive: strings(paidInc),
      dividends: strings(paidDiv),
      emission: Array.from(paidInc, (x, j) => (x + paidDiv[j]!).toString()),
      stake,
    };
    if ('mechanisms' in out) {
      // per mechanism: its share r_k of the drained emission and what its epoch gave servers and validators
      const sum = (a: BigUint64Array) => a.reduce((x, y) => x + y, 0n).toString();
      record.mechanisms = out.mechanisms.map((m) => ({ emission: m.emission.toString(), server_emission: sum(m.server_emission), validator_emission: sum(m.validator_emission) }));
    }
    record.cost_ms = { input: round3(job.buildMs), consensus: round3(consensusMs), distribute: round3(performance.now() - t0) };
    return record;
  }

  // -------------------------------------------------------------------------------------
  // conservation (network.md 8, Bittensor)

  checkBlock(block: number): void {
    const t = this.tao;
    const fail = (msg: string, account: string, netuid?: number) => {
      throw new SimulationError(`conservation violated: ${msg}`, { block, account, ...(netuid !== undefined ? { netuid } : {}) });
    };
    // 1. TotalIssuance = genesis + minted - recycled, and it is all held somewhere
    if (t.issuance !== t.genesis + t.minted - t.recycled) {
      fail(`TotalIssuance ${t.issuance} != genesis ${t.genesis} + minted ${t.minted} - recycled ${t.recycled}`, 'total-issuance');
    }
    const held = t.freeTotal + t.rootTotal + t.poolTotal + t.burn + t.external;
    if (held !== t.issuance) {
      fail(`TAO held (free ${t.freeTotal} + root ${t.rootTotal} + pools ${t.poolTotal} + burn ${t.burn} + external ${t.external} = ${held}) != TotalIssuance ${t.issuance}`, 'total-issuance');
    }
    if (t.issuance > this.params.emission.cap) fail(`TotalIssuance ${t.issuance} above the cap`, 'total-issuance');
    // 2. every alpha-rao of SubnetAlphaOut is in exactly one place
    for (const s of this.subnets) {
      const b = this.books.get(s.netuid)!;
      const flow = b.genesisOut + b.minted + b.bought - b.sold - b.recycled;
      if (flow !== b.alphaOut) {
        fail(`SubnetAlphaOut ${b.alphaOut} != genesis + minted + bought - sold - recycled = ${flow}`, `alpha-out:${s.netuid}`, s.netuid);
      }
      const where = b.stakeTotal + pendingSum(b.pending) + b.inflight + b.burn + b.dust + b.claimableTotal;
      if (where !== b.alphaOut + b.overpaid) {
        fail(
          `SubnetAlphaOut ${b.alphaOut} (+ overpaid ${b.overpaid}) != stake ${b.stakeTotal} + pending ${pendingSum(b.pending)} + in flight ${b.inflight} + burn ${b.burn} + dust ${b.dust} + claimable ${b.claimableTotal}`,
          `alpha-out:${s.netuid}`,
          s.netuid,
        );
      }
    }
  }

  audit(netuid?: number): void {
    const subnets = netuid === undefined ? [...this.books.keys()] : [netuid];
    for (const id of subnets) {
      const b = this.books.get(id)!;
      let total = 0n;
      for (const [hk, p] of this.pools.get(id)!) {
        checkPool(p, `stake:${id}:${hk}`);
        total += p.total;
      }
      if (total !== b.stakeTotal) {
        throw new SimulationError(`conservation violated: stake pools sum to ${total}, the running total says ${b.stakeTotal}`, { netuid: id, account: `stake:${id}` });
      }
      let claim = 0n;
      for (const v of this.claimable.get(id)!.values()) claim += v;
      if (claim !== b.claimableTotal) {
        throw new SimulationError(`conservation violated: claimable sums to ${claim}, the running total says ${b.claimableTotal}`, { netuid: id, account: `claimable:${id}` });
      }
    }
    if (netuid !== undefined) return;
    let free = 0n;
    for (const [ck, v] of this.free) {
      if (v < 0n) throw new SimulationError(`negative balance ${v}`, { account: ck });
      free += v;
    }
    let root = 0n;
    for (const [hk, p] of this.pools.get(0)!) {
      checkPool(p, `stake:0:${hk}`);
      root += p.total;
    }
    let pools = 0n;
    for (const v of this.tao.pools.values()) pools += v;
    const t = this.tao;
    if (free !== t.freeTotal || root !== t.rootTotal || pools !== t.poolTotal) {
      throw new SimulationError(
        `conservation violated: recount free ${free} / root ${root} / pools ${pools} != running ${t.freeTotal} / ${t.rootTotal} / ${t.poolTotal}`,
        { account: 'total-issuance' },
      );
    }
  }

  // -------------------------------------------------------------------------------------
  // output

  ledgerJson(): unknown {
    const t = this.tao;
    const pad = (n: number) => String(n).padStart(3, '0');
    const coldkeys: Record<string, unknown> = {};
    for (const [ck, v] of this.free) coldkeys[ck] = { free: v };
    const hotkeys: Record<string, unknown> = {};
    for (const [hk, ck] of this.owner) hotkeys[hk] = { owner: ck, take: this.take.get(hk) ?? this.params.delegateTake };
    const stake: Record<string, unknown> = {};
    for (const [id, m] of this.pools) {
      const o: Record<string, unknown> = {};
      for (const [hk, p] of m) {
        if (p.total === 0n && p.shares === 0n) continue;
        const holders: Record<string, unknown> = {};
        for (const [ck, sh] of p.holders) holders[ck] = { shares: sh, stake: (sh * p.total) / p.shares };
        o[hk] = { total: p.total, shares: p.shares, holders };
      }
      stake[pad(id)] = o;
    }
    const claimable: Record<string, unknown> = {};
    for (const [id, m] of this.claimable) claimable[pad(id)] = m;
    const subnets: Record<string, unknown> = {};
    for (const s of this.subnets) {
      const b = this.books.get(s.netuid)!;
      subnets[pad(s.netuid)] = {
        alpha_in: b.alphaIn, alpha_out: b.alphaOut, minted: b.minted, injected: b.injected, bought: b.bought, sold: b.sold,
        recycled: b.recycled, burn: b.burn, dust: b.dust, overpaid: b.overpaid, paid: b.paid,
        pending: { server: b.pending.server, validator: b.pending.validator, root: b.pending.root, owner_cut: b.pending.ownerCut },
        tempo: s.sched.tempo, last_epoch_block: s.sched.lastEpochBlock, epoch_index: s.sched.epochIndex,
        hotkeys: s.hotkeys,
      };
    }
    return {
      profile: 'bittensor',
      tao: {
        total_issuance: t.issuance, genesis: t.genesis, minted: t.minted, recycled: t.recycled, burn: t.burn, external: t.external,
        pools: new Map([...t.pools].map(([k, v]) => [pad(k), v])),
      },
      coldkeys, hotkeys, stake, claimable, subnets,
    };
  }

  stateJson(): unknown {
    const poolsJson: Record<string, unknown> = {};
    for (const [id, m] of this.pools) {
      const o: Record<string, unknown> = {};
      for (const [hk, p] of m) o[hk] = { total: p.total, shares: p.shares, holders: p.holders };
      poolsJson[String(id)] = o;
    }
    const books: Record<string, unknown> = {};
    for (const [id, b] of this.books) books[String(id)] = { ...b, pending: { ...b.pending } };
    const claimable: Record<string, unknown> = {};
    for (const [id, m] of this.claimable) claimable[String(id)] = m;
    return {
      tao: { ...this.tao, pools: new Map([...this.tao.pools].map(([k, v]) => [String(k), v])) },
      books, free: this.free, owner: this.owner, take: this.take, pools: poolsJson, claimable, earned: this.earned,
      issuanceStart: this.issuanceStart,
      subnets: this.subnets.map(subnetToJson),
    };
  }

  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  private load(j: any): void {
    const big = (v: unknown, what: string): bigint => {
      if (typeof v !== 'string' || !/^-?[0-9]+$/.test(v)) throw new Error(`${what}: not an integer string`);
      return BigInt(v);
    };
    const bigMap = (o: unknown, what: string): Map<string, bigint> => {
      if (o === null || typeof o !== 'object') throw new Error(`${what}: not an object`);
      return new Map(Object.entries(o as Record<string, unknown>).map(([k, v]) => [k, big(v, `${what}.${k}`)]));
    };
    const t = j.tao;
    this.tao = {
      issuance: big(t.issuance, 'tao.issuance'), genesis: big(t.genesis, 'tao.genesis'), minted: big(t.minted, 'tao.minted'),
      recycled: big(t.recycled, 'tao.recycled'), burn: big(t.burn, 'tao.burn'), external: big(t.external, 'tao.external'),
      freeTotal: big(t.freeTotal, 'tao.freeTotal'), rootTotal: big(t.rootTotal, 'tao.rootTotal'), poolTotal: big(t.poolTotal, 'tao.poolTotal'),
      pools: new Map([...bigMap(t.pools, 'tao.pools')].map(([k, v]) => [Number(k), v])),
    };
    for (const [id, b] of Object.entries(j.books as Record<string, Record<string, unknown>>)) {
      const book = {} as Record<string, unknown>;
      for (const [k, v] of Object.entries(b)) {
        if (k === 'pending') {
          const pd = v as Record<string, unknown>;
          book[k] = { server: big(pd.server, 'pending'), validator: big(pd.validator, 'pending'), root: big(pd.root, 'pending'), ownerCut: big(pd.ownerCut, 'pending') };
        } else book[k] = big(v, `books.${id}.${k}`);
      }
      this.books.set(Number(id), book as unknown as AlphaBook);
    }
    for (const [k, v] of bigMap(j.free, 'free')) this.free.set(k, v);
    for (const [k, v] of Object.entries(j.owner as Record<string, string>)) this.owner.set(k, v);
    for (const [k, v] of Object.entries(j.take as Record<string, string | number>)) this.take.set(k, Number(v));
    for (const [id, m] of Object.entries(j.pools as Record<string, Record<string, { total: string; shares: string; holders: unknown }>>)) {
      const pm = new Map<string, SharePool>();
      for (const [hk, p] of Object.entries(m)) {
        pm.set(hk, { total: big(p.total, `pools.${id}.${hk}`), shares: big(p.shares, `pools.${id}.${hk}`), holders: bigMap(p.holders, `pools.${id}.${hk}`) });
      }
      this.pools.set(Number(id), pm);
    }
    for (const [id, m] of Object.entries(j.claimable as Record<string, unknown>)) this.claimable.set(Number(id), bigMap(m, `claimable.${id}`));
    for (const [k, v] of bigMap(j.earned, 'earned')) this.earned.set(k, v);
    this.issuanceStart = big(j.issuanceStart, 'issuanceStart');
    if (!Array.isArray(j.subnets)) throw new Error('subnets: not a list');
    j.subnets.forEach((x: unknown, i: number) => this.subnets.push(subnetFromJson(x, `subnets[${i}]`)));
    const want = [...this.sub.keys()];
    const got = this.subnets.map((s) => s.netuid);
    if (want.join() !== got.join() || ![...this.books.keys()].every((k) => this.sub.has(k))) {
      throw new Error(`subnets ${got.join(',')} do not match the scenario's ${want.join(',')}`);
    }
  }

  summary(): ProfileSummary {
    const t = this.tao;
    const subnets = this.subnets.map((s) => {
      const b = this.books.get(s.netuid)!;
      return {
        netuid: s.netuid, n: s.n, epochs: s.epochsRun, minted: b.minted.toString(), paid: b.paid.toString(),
        burned: b.burn.toString(), dust: b.dust.toString(),
      };
    });
    const earners: Earner[] = [];
    for (const [hk, amount] of this.earned) {
      const netuid = Number(hk.split(':')[1]);
      const s = this.byNetuid.get(netuid)!;
      const uid = s.uidOf.get(hk);
      const role = uid === undefined ? 'deregistered' : ROLE_NAMES[s.role[uid]!]!;
      const value = (amount * this.sub.get(netuid)!.alphaPrice) / ONE;
      earners.push({ key: hk, netuid, role, amount: amount.toString(), value: value.toString() });
    }
    earners.sort((a, b) => {
      const d = BigInt(b.value) - BigInt(a.value);
      return d > 0n ? 1 : d < 0n ? -1 : a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
    });
    let burn = 0n, dust = 0n, overpaid = 0n, claim = 0n, pending = 0n;
    for (const b of this.books.values()) {
      burn += b.burn;
      dust += b.dust;
      overpaid += b.overpaid;
      claim += b.claimableTotal;
      pending += pendingSum(b.pending);
    }
    return {
      nativeToken: 'TAO',
      subnetToken: 'alpha',
      issuanceStart: this.issuanceStart.toString(),
      issuanceEnd: t.issuance.toString(),
      nativeMinted: t.minted.toString(),
      nativeRecycled: t.recycled.toString(),
      blockEmission: bittensorBlockEmission(t.issuance, this.params.emission).toString(),
      halvings: t.issuance >= this.params.emission.cap ? 32 : bittensorHalvings(t.issuance, this.params.emission.cap),
      subnets,
      topEarners: earners.slice(0, 10),
      sinks: {
        'tao pools': t.poolTotal.toString(),
        'tao recycled': t.recycled.toString(),
        'alpha pending': pending.toString(),
        'alpha burned': burn.toString(),
        'alpha dust': dust.toString(),
        'alpha overpaid': overpaid.toString(),
        'alpha root-claimable': claim.toString(),
      },
    };
  }
}

const validatorsOf = (s: SubnetState) => {
  const out: number[] = [];
  for (let uid = 0; uid < s.n; uid++) if (isValidator(s.role[uid]!)) out.push(uid);
  return out;
};

/** The owner's hotkey holds uid 0 for the whole run (immortal). */
const ownerUid = (_s: SubnetState) => 0;

const strings = (a: BigUint64Array) => Array.from(a, (x) => x.toString());
const round3 = (ms: number) => Math.round(ms * 1000) / 1000;
