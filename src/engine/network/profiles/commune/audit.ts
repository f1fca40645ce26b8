// The Commune conservation identities (network.md 8, Commune): after every block on the running
// totals, and recounts of StakeFrom / StakeTo and the free balances.
import { SimulationError } from '../../errors.js';
import type { CommuneLedger } from './ledger.js';

/** network.md 8, Commune 1, on the running totals. */
export function checkBlock(L: CommuneLedger, block: number): void {
  const b = L.book;
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

/** Recounts the stake of one subnet's modules, or of all and every balance. */
export function audit(L: CommuneLedger, netuid?: number): void {
  const modules = netuid === undefined ? [...L.stakeFrom.keys()] : L.byNetuid.get(netuid)!.hotkeys;
  for (const m of modules) {
    let sum = 0n;
    for (const [staker, v] of L.stakeFrom.get(m) ?? []) {
      if (v <= 0n) throw new SimulationError(`stake entry ${v}`, { account: `stake:${staker}->${m}`, ...(netuid !== undefined ? { netuid } : {}) });
      if (L.stakeTo.get(staker)?.get(m) !== v) {
        throw new SimulationError(`conservation violated: StakeFrom ${v} != StakeTo ${L.stakeTo.get(staker)?.get(m)}`, { account: `stake:${staker}->${m}` });
      }
      sum += v;
    }
    if (sum !== (L.moduleTotal.get(m) ?? 0n)) {
      throw new SimulationError(`conservation violated: StakeFrom sums to ${sum}, the module total is ${L.moduleTotal.get(m)}`, { account: m });
    }
  }
  if (netuid !== undefined) return;
  let total = 0n, mirror = 0n, free = 0n;
  for (const m of L.stakeFrom.values()) for (const v of m.values()) total += v;
  for (const m of L.stakeTo.values()) for (const v of m.values()) mirror += v;
  for (const [acct, v] of L.free) {
    if (v < 0n) throw new SimulationError(`negative balance ${v}`, { account: acct });
    free += v;
  }
  if (total !== L.book.totalStake || mirror !== total) {
    throw new SimulationError(`conservation violated: StakeFrom sums to ${total}, StakeTo to ${mirror}, TotalStake is ${L.book.totalStake}`, { account: 'total-stake' });
  }
  if (free !== L.book.freeTotal) {
    throw new SimulationError(`conservation violated: free balances sum to ${free}, the running total is ${L.book.freeTotal}`, { account: 'free' });
  }
}
