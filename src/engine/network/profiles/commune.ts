// The Commune profile (network.md sections 1-8; commune.md 3.1-3.4 and 4), as data plus a
// driver. Consensus is Commune's own (runCommuneEpoch: Yuma or Linear per subnet).
//
// Data: 8 s blocks; epochs at (b + netuid) mod tempo == 0 (tempo 100) when pending > 0;
// block emission UnitEmission >> floor(I / HalvingInterval), 0 once I >= MaxSupply, with
// I = free balances + total stake (+ what the model holds outside its accounts); founder
// share 8% (floor, I64F64 ratio) to the founder's free balance; the implicit 50/50 split of
// the consensus; a 5% stake delegation fee and a 4% validator weight fee per module.
//
// Per block: E_b split over subnets by their emission shares (floor; the remainder is never
// minted, booked to the `unminted` audit counter) into Pending. Epochs of one block run in
// ascending netuid, each reading the stake left by the previous one (stake is global per
// key). An epoch mints only what it credits: founder + every stake credit; the rest of the
// drained pending (dust) is never minted. A failed epoch keeps its pending.
import { InputError } from '../../types.js';
import { communeBlockEmission, type CommuneEmissionSpec } from '../emission.js';
import { EMISSION_PRESETS, communeSpecOf, resolveSchedule } from '../emission-presets.js';
import { SimulationError } from '../errors.js';
import { Rng } from '../rng.js';
import { schedule, type SchedulerSpec } from '../scheduler.js';
import type { HyperparameterOverrides, Scenario, SubnetConfig, SubnetGroup } from '../scenario.js';
import { expandSubnets } from '../scenario.js';
import { sortBytes } from '../canonical.js';
import {
  ROLE_NAMES,
  hotkeyName,
  rowsToCsr,
  subnetFromJson,
  subnetToJson,
  type Row,
  type SubnetState,
} from '../subnet.js';
import { add, sub } from '../u64.js';
import { WorkloadModel, coldkeyName, isValidator, nominatorName } from '../workload.js';
import type { CommuneEpochInput, CommuneEpochOutput, CommuneHyperparameters } from '../../commune/types.js';
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
    registrationCost: 10n * ONE,
    founderShare: 8,
    consensus: 'yuma' as 'yuma' | 'linear',
    hyperparameters: {
      kappa: 32767,
      activity_cutoff: 3600,
      bonds_moving_average: 900_000,
      max_allowed_validators: null as number | null,
      min_validator_stake: 1_000n * ONE,
      alpha_low: 45875,
      alpha_high: 58982,
    },
  },
};

interface Params {
  scheduler: SchedulerSpec;
  emission: CommuneEmissionSpec;
  totalIssuance: bigint | null;
  stakeDelegationFee: number;
  validatorWeightFee: number;
}

interface SubnetParams {
  tempo: number;
  immunityPeriod: number;
  registrationCost: bigint;
  emissionShare: bigint;
  consensus: 'yuma' | 'linear';
  stakeEventsPerDay: number;
  registrationsPerDay: number;
  hyperparameters: CommuneHyperparameters;
}

function resolveSubnet(g: SubnetGroup): SubnetParams {
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

interface Book {
  issuance: bigint;
  genesis: bigint;
  /** minted by epochs: founder shares and stake credits */
  credited: bigint;
  burned: bigint;
  external: bigint;
  freeTotal: bigint;
  totalStake: bigint;
  /** audit only: emission never minted (pricing remainders, epoch dust) */
  unminted: bigint;
  /** E_b summed over the run (what the schedule offered) */
  offered: bigint;
}

interface SubnetBook {
  pending: bigint;
  /** added to pending over the run */
  accrued: bigint;
  founderPaid: bigint;
  /** credited to stakers */
  paid: bigint;
  dust: bigint;
  failed: number;
}

interface Ctx {
  drained: bigint;
}

export class CommuneDriver implements ProfileDriver {
  readonly spec = COMMUNE;
  readonly subnets: SubnetState[] = [];
  readonly workload: WorkloadModel;
  readonly deferrable = false;
  private readonly params: Params;
  private readonly sub = new Map<number, SubnetParams>();
  private readonly byNetuid = new Map<number, SubnetState>();
  private shareTotal = 0n;
  private book!: Book;
  private readonly books = new Map<number, SubnetBook>();
  private readonly free = new Map<string, bigint>();
  /** StakeFrom[module][staker] and its mirror StakeTo[staker][module] */
  private readonly stakeFrom = new Map<string, Map<string, bigint>>();
  private readonly stakeTo = new Map<string, Map<string, bigint>>();
  private readonly moduleTotal = new Map<string, bigint>();
  /** module key -> credited during the run */
  private readonly earned = new Map<string, bigint>();
  private issuanceStart = 0n;

  constructor(
    readonly scenario: Scenario,
    state?: unknown,
  ) {
    const o = scenario.network;
    this.params = {
      scheduler: COMMUNE.scheduler,
      // the scenario's preset (default `commune`) with its parameter overrides
      emission: communeSpecOf(resolveSchedule('commune', o).schedule),
      totalIssuance: o.totalIssuance ?? COMMUNE_PARAMS.totalIssuance,
      stakeDelegationFee: o.stakeDelegationFee ?? COMMUNE_PARAMS.stakeDelegationFee,
      validatorWeightFee: o.validatorWeightFee ?? COMMUNE_PARAMS.validatorWeightFee,
    };
    this.workload = new WorkloadModel(scenario.workload, COMMUNE.blocksPerDay, COMMUNE.keyPrefix);
    const cfgs = expandSubnets(scenario, COMMUNE.firstNetuid);
    for (const c of cfgs) {
      const p = resolveSubnet(c.spec);
      this.sub.set(c.netuid, p);
      this.shareTotal += p.emissionShare;
    }
    if (state === undefined) this.genesis(cfgs);
    else this.load(state);
    for (const s of this.subnets) this.byNetuid.set(s.netuid, s);
  }

  private genesis(cfgs: SubnetConfig[]): void {
    const sc = this.scenario;
    const w = sc.workload;
    this.book = {
      issuance: 0n, genesis: 0n, credited: 0n, burned: 0n, external: 0n,
      freeTotal: 0n, totalStake: 0n, unminted: 0n, offered: 0n,
    };
    for (const c of cfgs) {
      const p = this.sub.get(c.netuid)!;
      const s = this.workload.genesis(c, sc.seed, sc.startBlock, p.tempo, COMMUNE.ownerUids);
      this.subnets.push(s);
      this.books.set(c.netuid, { pending: 0n, accrued: 0n, founderPaid: 0n, paid: 0n, dust: 0n, failed: 0 });
      const r = s.rng;
      for (let uid = 0; uid < s.n; uid++) {
        const key = s.hotkeys[uid]!;
        const amount = isValidator(s.role[uid]!) ? r.bigint(...w.validatorStake) : r.bigint(...w.minerStake);
        this.moduleTotal.set(key, 0n);
        if (amount > 0n) this.addStake(key, key, amount);
      }
      for (let j = 0; j < w.minerColdkeys; j++) this.creditFree(coldkeyName(c.netuid, `m${String(j).padStart(5, '0')}`), w.minerBalance);
    }
    const r = Rng.seeded(sc.seed, 1_000_003);
    for (let i = 0; i < w.nominators; i++) {
      const ck = nominatorName(i);
      this.creditFree(ck, r.bigint(...w.nominatorBalance));
      for (let k = 0; k < w.nominationsPerNominator && this.subnets.length > 0; k++) {
        const s = this.subnets[r.below(this.subnets.length)]!;
        const vals: number[] = [];
        for (let uid = 0; uid < s.n; uid++) if (isValidator(s.role[uid]!)) vals.push(uid);
        if (vals.length === 0) continue;
        const amount = r.bigint(...w.nominationAmount);
        if (amount > 0n) this.addStake(s.hotkeys[vals[r.below(vals.length)]!]!, ck, amount);
      }
    }
    const b = this.book;
    const modelled = b.freeTotal + b.totalStake;
    const total = this.params.totalIssuance ?? modelled;
    if (modelled > total) {
      throw new InputError(
        `the modelled accounts hold ${modelled} nano at genesis, more than the total issuance ${total}`,
        'network.totalIssuance',
        '<scenario>',
      );
    }
    b.external = total - modelled;
    b.genesis = total;
    b.issuance = b.genesis;
    this.issuanceStart = b.issuance;
  }

  // -------------------------------------------------------------------------------------
  // ledger operations

  private creditFree(acct: string, amount: bigint): void {
    this.free.set(acct, add(this.free.get(acct) ?? 0n, amount, acct));
    this.book.freeTotal += amount;
  }
  private debitFree(acct: string, amount: bigint): void {
    this.free.set(acct, sub(this.free.get(acct) ?? 0n, amount, acct));
    this.book.freeTotal -= amount;
  }
  /** StakeFrom[module][staker] += amount (and StakeTo, TotalStake) */
  private addStake(module: string, staker: string, amount: bigint): void {
    let from = this.stakeFrom.get(module);
    if (!from) this.stakeFrom.set(module, (from = new Map()));
    let to = this.stakeTo.get(staker);
    if (!to) this.stakeTo.set(staker, (to = new Map()));
    const v = add(from.get(staker) ?? 0n, amount, `stake:${staker}->${module}`);
    from.set(staker, v);
    to.set(module, v);
    this.moduleTotal.set(module, add(this.moduleTotal.get(module) ?? 0n, amount, module));
    this.book.totalStake += amount;
  }
  private removeStake(module: string, staker: string, amount: bigint): void {
    const from = this.stakeFrom.get(module);
    const v = sub(from?.get(staker) ?? 0n, amount, `stake:${staker}->${module}`);
    if (v === 0n) {
      from!.delete(staker);
      this.stakeTo.get(staker)!.delete(module);
    } else {
      from!.set(staker, v);
      this.stakeTo.get(staker)!.set(module, v);
    }
    this.moduleTotal.set(module, sub(this.moduleTotal.get(module) ?? 0n, amount, module));
    this.book.totalStake -= amount;
  }

  // -------------------------------------------------------------------------------------
  // the workload's requests

  eventsDue(s: SubnetState, block: number): boolean {
    return s.nextStakeEvent <= block || s.nextRegistration <= block;
  }

  events(s: SubnetState, block: number): void {
    this.workload.events(s, block, this, this.sub.get(s.netuid)!);
  }

  stake(s: SubnetState, acct: string, uid: number, amount: bigint): void {
    const have = this.free.get(acct) ?? 0n;
    const x = amount < have ? amount : have;
    if (x === 0n) return;
    this.debitFree(acct, x);
    this.addStake(s.hotkeys[uid]!, acct, x);
  }

  unstakeHalf(s: SubnetState, acct: string, uid: number): void {
    const module = s.hotkeys[uid]!;
    const x = (this.stakeFrom.get(module)?.get(acct) ?? 0n) / 2n;
    if (x === 0n) return;
    this.removeStake(module, acct, x);
    this.creditFree(acct, x);
  }

  /**
   * network.md 7.4 (Commune): burn the registration cost; when full, remove the module with
   * the lowest pruning score among those past immunity without a validator permit (score =
   * 0.3 * last dividend amount + last incentive amount, integer; ties: older registration,
   * then lower uid); its stakers get their stake back as free balance; the last uid moves
   * into the freed slot and the newcomer takes the last uid.
   */
  register(s: SubnetState, acct: string, block: number): number | null {
    const p = this.sub.get(s.netuid)!;
    let victim = -1;
    let best = 0n;
    for (let uid = 0; uid < s.n; uid++) {
      if (block - s.regBlock[uid]! < p.immunityPeriod || s.permit[uid]) continue;
      const score = (3n * s.lastDividend[uid]!) / 10n + s.lastIncentive[uid]!;
      if (
        victim < 0 ||
        score < best ||
        (score === best && (s.regBlock[uid]! < s.regBlock[victim]! || (s.regBlock[uid] === s.regBlock[victim] && uid < victim)))
      ) {
        victim = uid;
        best = score;
      }
    }
    if (victim < 0) return null;
    if ((this.free.get(acct) ?? 0n) < p.registrationCost) return null;
    this.debitFree(acct, p.registrationCost);
    this.book.burned += p.registrationCost;
    this.book.issuance -= p.registrationCost;
    // the removed module's stakers get their stake back
    const gone = s.hotkeys[victim]!;
    for (const staker of sortBytes([...(this.stakeFrom.get(gone)?.keys() ?? [])])) {
      const v = this.stakeFrom.get(gone)!.get(staker)!;
      this.removeStake(gone, staker, v);
      this.creditFree(staker, v);
    }
    this.stakeFrom.delete(gone);
    this.moduleTotal.delete(gone);
    const last = s.n - 1;
    if (victim !== last) {
      moveUid(s, last, victim);
      s.hotkeys[last] = ''; // the moved key now lives at `victim`
    }
    const key = hotkeyName(COMMUNE.keyPrefix, s.netuid, s.regSeq++);
    this.moduleTotal.set(key, 0n);
    this.workload.resetUid(s, last, key, acct, block);
    return last;
  }

  // -------------------------------------------------------------------------------------
  // the block

  accrue(_block: number): void {
    const b = this.book;
    const E = communeBlockEmission(b.issuance, this.params.emission);
    b.offered += E;
    let given = 0n;
    for (const s of this.subnets) {
      const p = this.sub.get(s.netuid)!;
      const e = this.shareTotal === 0n ? 0n : (E * p.emissionShare) / this.shareTotal;
      if (e === 0n) continue;
      const sb = this.books.get(s.netuid)!;
      sb.pending = add(sb.pending, e, `pending:${s.netuid}`, s.netuid);
      sb.accrued += e;
      given += e;
    }
    b.unminted += E - given;
  }

  schedule(block: number): number[] {
    return schedule(this.params.scheduler, block, this.subnets.map((s) => s.sched));
  }

  prepare(netuid: number, block: number): EpochJob | null {
    const sb = this.books.get(netuid)!;
    if (sb.pending === 0n) return null; // commune.md 3.1: no epoch without pending emission
    const t0 = performance.now();
    const s = this.byNetuid.get(netuid)!;
    const p = this.sub.get(netuid)!;
    this.workload.drift(s);
    this.workload.setWeights(s, block);
    const n = s.n;
    const stake = new BigUint64Array(n);
    const keys: string[] = new Array(n);
    const stakeFrom: Array<Array<readonly [string, bigint]>> = new Array(n);
    for (let uid = 0; uid < n; uid++) {
      const key = s.hotkeys[uid]!;
      keys[uid] = key;
      stake[uid] = this.moduleTotal.get(key) ?? 0n;
      const from = this.stakeFrom.get(key);
      stakeFrom[uid] = from ? sortBytes(from.keys()).map((k) => [k, from.get(k)!] as const) : [];
    }
    const input: CommuneEpochInput = {
      consensus: p.consensus,
      netuid,
      n,
      current_block: block,
      pending_emission: sb.pending,
      founder_uid: null,
      hyperparameters: p.hyperparameters,
      neurons: {
        stake,
        last_update: s.lastUpdate.slice(),
        block_at_registration: s.regBlock.slice(),
        validator_permit: s.permit.slice(),
        weight_parent: new Int32Array(n).fill(-1),
        validator_weight_fee: new Uint8Array(n).fill(this.params.validatorWeightFee),
      },
      weights: rowsToCsr(s.weights, n),
      bonds: rowsToCsr(s.bonds, n),
      bond_out_of_range: null,
      ledger: { keys, stake_delegation_fee: new Uint8Array(n).fill(this.params.stakeDelegationFee), stake_from: stakeFrom },
    };
    s.sched.lastStepBlock = block;
    const ctx: Ctx = { drained: sb.pending };
    return { kind: 'commune', netuid, block, epoch: s.sched.epochIndex, input, buildMs: performance.now() - t0, ctx };
  }

  /** commune.md 3.1 outcomes, 3.2 founder, 3.4 credits. */
  apply(job: EpochJob, result: EpochResult, consensusMs: number): EpochRecord {
    const t0 = performance.now();
    const out = result as CommuneEpochOutput;
    const { netuid } = job;
    const s = this.byNetuid.get(netuid)!;
    const sb = this.books.get(netuid)!;
    const { drained } = job.ctx as Ctx;
    const n = s.n;
    const founder = coldkeyName(netuid, 'founder');
    const credit = new BigUint64Array(n);
    const incentive = new BigUint64Array(n);
    const dividends = new BigUint64Array(n);
    if (out.outcome === 'ok') {
      let paid = 0n;
      if (out.founder_emission > 0n) this.creditFree(founder, out.founder_emission);
      for (let j = 0; j < n; j++) {
        const module = s.hotkeys[j]!;
        for (const [acct, amount] of out.credits![j]!) {
          if (amount === 0n) continue;
          this.addStake(module, acct, amount);
          credit[j] = credit[j]! + amount;
          paid += amount;
        }
        if (credit[j]! > 0n) this.earned.set(module, (this.earned.get(module) ?? 0n) + credit[j]!);
      }
      const minted = out.founder_emission + paid;
      if (minted !== out.total_emitted) {
        throw new SimulationError(`epoch credits ${minted} != the epoch's total_emitted ${out.total_emitted}`, { netuid, account: `pending:${netuid}` });
      }
      if (minted > drained) {
        throw new SimulationError(`conservation violated: epoch minted ${minted} > pending drained ${drained}`, { netuid, account: `pending:${netuid}` });
      }
      // network.md 8, Commune 2: founder + credited + dust == pending drained
      const dust = drained - minted;
      this.book.credited += minted;
      this.book.issuance += minted;
      this.book.unminted += dust;
      sb.founderPaid += out.founder_emission;
      sb.paid += paid;
      sb.dust += dust;
      sb.pending = 0n;
      const nr = out.neurons!;
      incentive.set(nr.server_emission);
      dividends.set(nr.validator_emission);
      s.permit = nr.new_validator_permit.slice();
      s.lastConsensus = nr.consensus.slice();
      s.lastIncentive = nr.server_emission.slice();
      s.lastDividend = nr.validator_emission.slice();
      const rows = out.bonds!.rows;
      for (let i = 0; i < n; i++) {
        if (out.bonds!.unchanged[i]) continue;
        const a = rows.rowPtr[i]!, z = rows.rowPtr[i + 1]!;
        s.bonds[i] = z > a ? ({ col: rows.col.slice(a, z), val: rows.val.slice(a, z) } satisfies Row) : null;
      }
      s.epochsRun += 1;
    } else if (out.outcome === 'skipped') {
      sb.pending = 0n;
    } else {
      sb.failed += 1; // no_weights / failed: the pending emission is kept
    }
    const record: EpochRecord = {
      netuid,
      block: job.block,
      epoch: job.epoch,
      n,
      drained: { pending: drained.toString(), founder: out.founder_emission.toString() },
      incentive: Array.from(incentive, String),
      dividends: Array.from(dividends, String),
      emission: Array.from(credit, String),
      stake: s.hotkeys.map((k) => (this.moduleTotal.get(k) ?? 0n).toString()),
    };
    if (out.outcome !== 'ok') record.note = `${out.outcome}${out.error ? `: ${out.error}` : ''}`;
    record.cost_ms = { input: round3(job.buildMs), consensus: round3(consensusMs), distribute: round3(performance.now() - t0) };
    return record;
  }

  // -------------------------------------------------------------------------------------
  // conservation (network.md 8, Commune)

  checkBlock(block: number): void {
    const b = this.book;
    const fail = (msg: string, account: string) => {
      throw new SimulationError(`conservation violated: ${msg}`, { block, account });
    };
    if (b.issuance !== b.genesis + b.credited - b.burned) {
      fail(`issuance ${b.issuance} != genesis ${b.genesis} + credits ${b.credited} - burns ${b.burned}`, 'issuance');
    }
    const held = b.freeTotal + b.totalStake + b.external;
    if (held !== b.issuance) {
      fail(`held (free ${b.freeTotal} + stake ${b.totalStake} + external ${b.external} = ${held}) != issuance ${b.issuance}`, 'issuance');
    }
  }

  audit(netuid?: number): void {
    const modules = netuid === undefined ? [...this.stakeFrom.keys()] : this.byNetuid.get(netuid)!.hotkeys;
    for (const m of modules) {
      let sum = 0n;
      for (const [staker, v] of this.stakeFrom.get(m) ?? []) {
        if (v <= 0n) throw new SimulationError(`stake entry ${v}`, { account: `stake:${staker}->${m}`, ...(netuid !== undefined ? { netuid } : {}) });
        if (this.stakeTo.get(staker)?.get(m) !== v) {
          throw new SimulationError(`conservation violated: StakeFrom ${v} != StakeTo ${this.stakeTo.get(staker)?.get(m)}`, { account: `stake:${staker}->${m}` });
        }
        sum += v;
      }
      if (sum !== (this.moduleTotal.get(m) ?? 0n)) {
        throw new SimulationError(`conservation violated: StakeFrom sums to ${sum}, the module total is ${this.moduleTotal.get(m)}`, { account: m });
      }
    }
    if (netuid !== undefined) return;
    let total = 0n, mirror = 0n, free = 0n;
    for (const m of this.stakeFrom.values()) for (const v of m.values()) total += v;
    for (const m of this.stakeTo.values()) for (const v of m.values()) mirror += v;
    for (const [acct, v] of this.free) {
      if (v < 0n) throw new SimulationError(`negative balance ${v}`, { account: acct });
      free += v;
    }
    if (total !== this.book.totalStake || mirror !== total) {
      throw new SimulationError(`conservation violated: StakeFrom sums to ${total}, StakeTo to ${mirror}, TotalStake is ${this.book.totalStake}`, { account: 'total-stake' });
    }
    if (free !== this.book.freeTotal) {
      throw new SimulationError(`conservation violated: free balances sum to ${free}, the running total is ${this.book.freeTotal}`, { account: 'free' });
    }
  }

  // -------------------------------------------------------------------------------------
  // output

  ledgerJson(): unknown {
    const pad = (n: number) => String(n).padStart(3, '0');
    const accounts: Record<string, unknown> = {};
    for (const [a, v] of this.free) accounts[a] = { free: v };
    const stake: Record<string, unknown> = {};
    for (const [m, from] of this.stakeFrom) if (from.size > 0) stake[m] = from;
    const b = this.book;
    const subnets: Record<string, unknown> = {};
    for (const s of this.subnets) {
      const sb = this.books.get(s.netuid)!;
      subnets[pad(s.netuid)] = {
        pending: sb.pending, accrued: sb.accrued, founder_paid: sb.founderPaid, paid: sb.paid, dust: sb.dust, failed_epochs: sb.failed,
        tempo: s.sched.tempo, epoch_index: s.sched.epochIndex, modules: s.hotkeys,
      };
    }
    return {
      profile: 'commune',
      issuance: { total: b.issuance, genesis: b.genesis, credited: b.credited, burned: b.burned, external: b.external, total_stake: b.totalStake, unminted: b.unminted },
      accounts, stake_from: stake, subnets,
    };
  }

  stateJson(): unknown {
    const books: Record<string, unknown> = {};
    for (const [id, sb] of this.books) books[String(id)] = sb;
    const stakeFrom: Record<string, unknown> = {};
    for (const [m, from] of this.stakeFrom) stakeFrom[m] = from;
    return {
      book: this.book, books, free: this.free, stakeFrom, moduleTotal: this.moduleTotal, earned: this.earned,
      issuanceStart: this.issuanceStart, subnets: this.subnets.map(subnetToJson),
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
    const bk = j.book as Record<string, unknown>;
    this.book = {
      issuance: big(bk.issuance, 'book.issuance'), genesis: big(bk.genesis, 'book.genesis'), credited: big(bk.credited, 'book.credited'),
      burned: big(bk.burned, 'book.burned'), external: big(bk.external, 'book.external'), freeTotal: big(bk.freeTotal, 'book.freeTotal'),
      totalStake: big(bk.totalStake, 'book.totalStake'), unminted: big(bk.unminted, 'book.unminted'), offered: big(bk.offered, 'book.offered'),
    };
    for (const [id, sb] of Object.entries(j.books as Record<string, Record<string, unknown>>)) {
      this.books.set(Number(id), {
        pending: big(sb.pending, 'pending'), accrued: big(sb.accrued, 'accrued'), founderPaid: big(sb.founderPaid, 'founderPaid'),
        paid: big(sb.paid, 'paid'), dust: big(sb.dust, 'dust'), failed: Number(sb.failed),
      });
    }
    for (const [k, v] of bigMap(j.free, 'free')) this.free.set(k, v);
    for (const [m, from] of Object.entries(j.stakeFrom as Record<string, unknown>)) {
      const fm = bigMap(from, `stakeFrom.${m}`);
      this.stakeFrom.set(m, fm);
      for (const [staker, v] of fm) {
        let to = this.stakeTo.get(staker);
        if (!to) this.stakeTo.set(staker, (to = new Map()));
        to.set(m, v);
      }
    }
    for (const [k, v] of bigMap(j.moduleTotal, 'moduleTotal')) this.moduleTotal.set(k, v);
    for (const [k, v] of bigMap(j.earned, 'earned')) this.earned.set(k, v);
    this.issuanceStart = big(j.issuanceStart, 'issuanceStart');
    if (!Array.isArray(j.subnets)) throw new Error('subnets: not a list');
    j.subnets.forEach((x: unknown, i: number) => this.subnets.push(subnetFromJson(x, `subnets[${i}]`)));
    const want = [...this.sub.keys()].join();
    if (this.subnets.map((s) => s.netuid).join() !== want) throw new Error(`subnets do not match the scenario's ${want}`);
  }

  summary(): ProfileSummary {
    const b = this.book;
    const subnets = this.subnets.map((s) => {
      const sb = this.books.get(s.netuid)!;
      return {
        netuid: s.netuid, n: s.n, epochs: s.epochsRun, minted: (sb.founderPaid + sb.paid).toString(),
        paid: (sb.founderPaid + sb.paid).toString(), burned: '0', dust: sb.dust.toString(),
      };
    });
    const earners: Earner[] = [];
    for (const [key, amount] of this.earned) {
      const netuid = Number(key.split(':')[1]);
      const s = this.byNetuid.get(netuid)!;
      const uid = s.uidOf.get(key);
      earners.push({
        key, netuid, role: uid === undefined ? 'deregistered' : ROLE_NAMES[s.role[uid]!]!,
        amount: amount.toString(), value: amount.toString(),
      });
    }
    earners.sort((x, y) => {
      const d = BigInt(y.value) - BigInt(x.value);
      return d > 0n ? 1 : d < 0n ? -1 : x.key < y.key ? -1 : x.key > y.key ? 1 : 0;
    });
    let pending = 0n, failed = 0;
    for (const sb of this.books.values()) {
      pending += sb.pending;
      failed += sb.failed;
    }
    return {
      nativeToken: 'COMAI',
      subnetToken: 'COMAI',
      issuanceStart: this.issuanceStart.toString(),
      issuanceEnd: b.issuance.toString(),
      nativeMinted: b.credited.toString(),
      nativeRecycled: b.burned.toString(),
      blockEmission: communeBlockEmission(b.issuance, this.params.emission).toString(),
      halvings: Number(b.issuance / this.params.emission.halving),
      subnets,
      topEarners: earners.slice(0, 10),
      sinks: {
        pending: pending.toString(),
        burned: b.burned.toString(),
        unminted: b.unminted.toString(),
        'failed epochs': String(failed),
      },
    };
  }
}

/** Moves everything about uid `from` into uid `to` (Commune's swap-remove; columns are not remapped). */
function moveUid(s: SubnetState, from: number, to: number): void {
  s.uidOf.delete(s.hotkeys[to]!);
  s.hotkeys[to] = s.hotkeys[from]!;
  s.uidOf.set(s.hotkeys[to]!, to);
  s.coldkeys[to] = s.coldkeys[from]!;
  s.ownMiner[to] = s.ownMiner[from]!;
  s.weights[to] = s.weights[from]!;
  s.bonds[to] = s.bonds[from]!;
  for (const a of [s.role, s.quality, s.cadence, s.nextSet, s.regBlock, s.lastUpdate, s.permit, s.lastConsensus] as const) {
    a[to] = a[from]!;
  }
  s.lastIncentive[to] = s.lastIncentive[from]!;
  s.lastDividend[to] = s.lastDividend[from]!;
}

const round3 = (ms: number) => Math.round(ms * 1000) / 1000;
