// The Bittensor ledger (network.md 8, Bittensor): TAO balances, root and per-subnet alpha stake
// in share pools, each subnet's alpha book and pending counters, with every operation keeping
// the running totals that audit.ts checks; and the workload's requests (stake, unstake, register).
import { TOKEN } from '../../token.js';
import { creditHolder, creditPool, debitHolder, holderValue, newPool, type SharePool } from '../../sharepool.js';
import { ROLE, hotkeyName, mechanism, mechanismCount, zeroColumn, type SubnetState } from '../../subnet.js';
import type { Scenario } from '../../run-spec.js';
import { add, sub } from '../../u64.js';
import type { WorkloadHost } from '../../workload.js';
import { ProfileState } from '../common.js';
import { BITTENSOR, resolveParams, resolveSubnet, splitAlpha, type Params, type SubnetParams } from './params.js';

export interface Pending {
  server: bigint;
  validator: bigint;
  root: bigint;
  ownerCut: bigint;
}

export const zeroPending = (): Pending => ({ server: 0n, validator: 0n, root: 0n, ownerCut: 0n });
export const pendingSum = (p: Pending) => p.server + p.validator + p.root + p.ownerCut;

/** A subnet's alpha book (network.md 8, Bittensor 2). */
export interface AlphaBook {
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

export interface TaoBook {
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

/** The profile's whole state: the subnets (ProfileState) and the ledger behind them. */
export class BittensorLedger extends ProfileState<SubnetParams> implements WorkloadHost {
  readonly params: Params;
  tao!: TaoBook;
  readonly books = new Map<number, AlphaBook>();
  readonly free = new Map<string, bigint>();
  /** hotkey -> its owner's coldkey */
  readonly owner = new Map<string, string>();
  /** hotkey -> delegate take (a fraction of 65535) */
  readonly take = new Map<string, number>();
  /** netuid -> hotkey -> pool; netuid 0 is root TAO */
  readonly pools = new Map<number, Map<string, SharePool>>();
  /** netuid -> hotkey -> alpha claimable by the hotkey's root stakers */
  readonly claimable = new Map<number, Map<string, bigint>>();
  /** netuid -> the subnet's alpha emission and its split, while the issuance stays in one halving band */
  readonly alphaCache = new Map<number, { A: bigint; issuanceBelow: bigint; issuanceFrom: bigint; split: ReturnType<typeof splitAlpha> }>();

  constructor(scenario: Scenario) {
    const params = resolveParams(scenario);
    super(scenario, BITTENSOR, resolveSubnet);
    this.params = params;
  }

  pool(netuid: number, hk: string): SharePool {
    const m = this.pools.get(netuid)!;
    let p = m.get(hk);
    if (!p) {
      p = newPool();
      m.set(hk, p);
    }
    return p;
  }

  poolTotalOf(netuid: number, hk: string): bigint {
    return this.pools.get(netuid)!.get(hk)?.total ?? 0n;
  }

  // -------------------------------------------------------------------------------------
  // ledger operations (every one keeps the running totals of network.md 8)

  debitFree(ck: string, amount: bigint): void {
    this.free.set(ck, sub(this.free.get(ck) ?? 0n, amount, ck));
    this.tao.freeTotal -= amount;
  }
  creditFree(ck: string, amount: bigint): void {
    this.free.set(ck, add(this.free.get(ck) ?? 0n, amount, ck));
    this.tao.freeTotal += amount;
  }
  creditTaoPool(netuid: number, amount: bigint): void {
    this.tao.pools.set(netuid, add(this.tao.pools.get(netuid) ?? 0n, amount, `pool:${netuid}`, netuid));
    this.tao.poolTotal += amount;
  }
  debitTaoPool(netuid: number, amount: bigint): void {
    this.tao.pools.set(netuid, sub(this.tao.pools.get(netuid) ?? 0n, amount, `pool:${netuid}`, netuid));
    this.tao.poolTotal -= amount;
  }
  /** alpha to (hotkey, coldkey): buys shares */
  stakeTo(netuid: number, hk: string, ck: string, amount: bigint): void {
    if (amount === 0n) return;
    creditHolder(this.pool(netuid, hk), ck, amount, `stake:${netuid}:${hk}`);
    const b = this.books.get(netuid)!;
    b.stakeTotal += amount;
  }
  /** alpha to a hotkey's pool (all holders pro rata); to (hotkey, owner) when it has no holders */
  stakeToPool(netuid: number, hk: string, amount: bigint): void {
    if (amount === 0n) return;
    const p = this.pool(netuid, hk);
    if (p.shares === 0n) creditHolder(p, this.owner.get(hk)!, amount, `stake:${netuid}:${hk}`);
    else creditPool(p, amount, `stake:${netuid}:${hk}`);
    this.books.get(netuid)!.stakeTotal += amount;
  }

  stake(s: SubnetState, ck: string, uid: number, amount: bigint): void {
    const p = this.sub.get(s.netuid)!;
    const b = this.books.get(s.netuid)!;
    const have = this.free.get(ck) ?? 0n;
    let tao = amount < have ? amount : have;
    let alpha = (tao * TOKEN) / p.alphaPrice;
    if (alpha > b.alphaIn) {
      alpha = b.alphaIn;
      tao = (alpha * p.alphaPrice + TOKEN - 1n) / TOKEN;
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
    let tao = (alpha * p.alphaPrice) / TOKEN;
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
  pruneCandidate(s: SubnetState, block: number, immunity: number): number | null {
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

  // genesis: accounts funded before the first block
  genesisFree(ck: string, amount: bigint): void {
    this.free.set(ck, (this.free.get(ck) ?? 0n) + amount);
    this.tao.freeTotal += amount;
  }
  genesisRoot(hk: string, ck: string, amount: bigint): void {
    creditHolder(this.pool(0, hk), ck, amount, `stake:0:${hk}`);
    this.tao.rootTotal += amount;
  }
  genesisAlpha(netuid: number, hk: string, ck: string, amount: bigint): void {
    if (amount === 0n) return;
    const b = this.books.get(netuid)!;
    creditHolder(this.pool(netuid, hk), ck, amount, `stake:${netuid}:${hk}`);
    b.alphaOut += amount;
    b.stakeTotal += amount;
  }
}
