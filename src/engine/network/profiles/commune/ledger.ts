// The Commune ledger (network.md 8, Commune): free balances, StakeFrom / StakeTo per (module,
// staker), module totals, the issuance book and each subnet's pending emission, with every
// operation keeping the running totals that audit.ts checks; and the workload's requests.
import { sortBytes } from '../../canonical.js';
import type { Scenario } from '../../run-spec.js';
import { hotkeyName, type SubnetState } from '../../subnet.js';
import { add, sub } from '../../u64.js';
import type { WorkloadHost } from '../../workload.js';
import { ProfileState } from '../common.js';
import { COMMUNE, resolveParams, resolveSubnet, type Params, type SubnetParams } from './params.js';

export interface Book {
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

export interface SubnetBook {
  pending: bigint;
  /** added to pending over the run */
  accrued: bigint;
  founderPaid: bigint;
  /** credited to stakers */
  paid: bigint;
  dust: bigint;
  failed: number;
}

/** The profile's whole state: the subnets (ProfileState) and the ledger behind them. */
export class CommuneLedger extends ProfileState<SubnetParams> implements WorkloadHost {
  readonly params: Params;
  book!: Book;
  readonly books = new Map<number, SubnetBook>();
  readonly free = new Map<string, bigint>();
  /** StakeFrom[module][staker] and its mirror StakeTo[staker][module] */
  readonly stakeFrom = new Map<string, Map<string, bigint>>();
  readonly stakeTo = new Map<string, Map<string, bigint>>();
  readonly moduleTotal = new Map<string, bigint>();

  constructor(scenario: Scenario) {
    const params = resolveParams(scenario);
    super(scenario, COMMUNE, resolveSubnet);
    this.params = params;
  }

  // -------------------------------------------------------------------------------------
  // ledger operations

  creditFree(acct: string, amount: bigint): void {
    this.free.set(acct, add(this.free.get(acct) ?? 0n, amount, acct));
    this.book.freeTotal += amount;
  }
  debitFree(acct: string, amount: bigint): void {
    this.free.set(acct, sub(this.free.get(acct) ?? 0n, amount, acct));
    this.book.freeTotal -= amount;
  }
  /** StakeFrom[module][staker] += amount (and StakeTo, TotalStake) */
  addStake(module: string, staker: string, amount: bigint): void {
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
  removeStake(module: string, staker: string, amount: bigint): void {
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
