// A Bittensor share pool per (hotkey, netuid) (network.md 7.1): the pool's value is an exact
// u64 total; holders own shares (exact, unbounded integers). A holder's stake is
// floor(shares * total / totalShares); the sum of holder stakes is <= total, the difference is
// rounding that belongs to the pool. Two credits: to a holder (buys shares at the current
// rate) and to the pool (raises the total: every holder gains pro rata).
import { SimulationError } from './errors.js';
import { add, sub } from './u64.js';

/** shares issued per unit of value to the first holder: keeps later share purchases precise */
const FIRST_SHARES_PER_UNIT = 1n << 64n;

export interface SharePool {
  total: bigint;
  shares: bigint;
  /** holder (coldkey) -> shares; never holds a zero entry */
  holders: Map<string, bigint>;
}

export const newPool = (): SharePool => ({ total: 0n, shares: 0n, holders: new Map() });

export function holderValue(pool: SharePool, holder: string): bigint {
  const s = pool.holders.get(holder);
  if (s === undefined || pool.shares === 0n) return 0n;
  return (s * pool.total) / pool.shares;
}

/** Credits `value` to `holder`: buys floor(value * shares / total) shares. */
export function creditHolder(pool: SharePool, holder: string, value: bigint, name: string): void {
  if (value === 0n) return;
  if (value < 0n) throw new SimulationError(`negative credit ${value}`, { account: name });
  let bought: bigint;
  if (pool.shares === 0n || pool.total === 0n) {
    // an empty pool (or one whose value is gone: its shares are worth nothing) starts over
    pool.holders.clear();
    pool.shares = 0n;
    bought = value * FIRST_SHARES_PER_UNIT;
  } else {
    bought = (value * pool.shares) / pool.total;
  }
  pool.total = add(pool.total, value, name);
  pool.shares += bought;
  pool.holders.set(holder, (pool.holders.get(holder) ?? 0n) + bought);
}

/** Credits `value` to the pool as a whole. Needs holders (else the value would be nobody's). */
export function creditPool(pool: SharePool, value: bigint, name: string): void {
  if (value === 0n) return;
  if (value < 0n) throw new SimulationError(`negative credit ${value}`, { account: name });
  if (pool.shares === 0n) throw new SimulationError('credit to a share pool without holders', { account: name });
  pool.total = add(pool.total, value, name);
}

/**
 * Removes `value` (at most the holder's stake) from `holder`: burns ceil(value * shares /
 * total) shares (capped at the holder's), so nobody else's stake drops.
 */
export function debitHolder(pool: SharePool, holder: string, value: bigint, name: string): void {
  if (value === 0n) return;
  const have = holderValue(pool, holder);
  if (value < 0n || value > have) {
    throw new SimulationError(`unstake ${value} exceeds the holder's stake ${have}`, { account: `${name}/${holder}` });
  }
  const s = pool.holders.get(holder)!;
  let burn = (value * pool.shares + pool.total - 1n) / pool.total;
  if (burn > s) burn = s;
  pool.total = sub(pool.total, value, name);
  pool.shares -= burn;
  if (s === burn) pool.holders.delete(holder);
  else pool.holders.set(holder, s - burn);
}

/**
 * Audit: every holder has shares, they sum to the pool's, and the total is not negative.
 * (Then the holders' stakes, sum of floor(s_i * total / shares), are at most the total.)
 */
export function checkPool(pool: SharePool, name: string): void {
  let shares = 0n;
  for (const [holder, s] of pool.holders) {
    if (s <= 0n) throw new SimulationError(`holder ${holder} has ${s} shares`, { account: name });
    shares += s;
  }
  if (shares !== pool.shares) {
    throw new SimulationError(`holder shares sum to ${shares}, the pool says ${pool.shares}`, { account: name });
  }
  if (pool.total < 0n) throw new SimulationError(`negative pool total ${pool.total}`, { account: name });
}
