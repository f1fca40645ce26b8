// commune.md 3.4: crediting stake holders after Yuma or Linear. Each module's validator
// amount is shared with its delegators by ownership ratio, minus the module's delegation
// fee; the module keeps its miner amount plus whatever the delegators did not get (its own
// self-stake share and every fee) as self-stake. Rounding dust is never minted.
import type { CommuneLedger } from './types.js';

export interface Credits {
  /** per uid: (account, amount) stake increments, accounts in byte order; null without a ledger */
  credits: Array<Array<readonly [string, bigint]>> | null;
  /** what the modules' stake holders receive in total (the founder's share not included) */
  total: bigint;
}

const U64_MAX = (1n << 64n) - 1n;
const addSatU64 = (a: bigint, b: bigint) => (a + b > U64_MAX ? U64_MAX : a + b);
const byteOrder = (a: string, b: string) => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));

/**
 * Without a ledger every module is its own sole staker: it is credited miner + validator.
 * With one, for module j with validator_j > 0 and stakers of non-zero total: for every
 * staker k other than the module, rho_k = floor(amount_k * 2^64 / total) (I64F64),
 * d_k = floor(validator_j * rho_k / 2^64) (always of the original validator_j),
 * fee_k = floor(d_k * fee% / 100), credit d_k - fee_k (recorded even when 0). The module
 * then gets miner_j + validator_j - sum(d_k - fee_k) when that is > 0.
 */
export function creditStake(server: BigUint64Array, validator: BigUint64Array, ledger: CommuneLedger | null): Credits {
  const n = server.length;
  let total = 0n;
  if (ledger === null) {
    for (let j = 0; j < n; j++) total = addSatU64(total, server[j]! + validator[j]!);
    return { credits: null, total };
  }
  const credits: Credits['credits'] = new Array(n);
  for (let j = 0; j < n; j++) {
    const module = ledger.keys[j]!;
    const row = new Map<string, bigint>();
    const v = validator[j]!;
    let remaining = v;
    if (v > 0n) {
      const stakers = ledger.stake_from[j]!;
      let staked = 0n;
      for (const [, amount] of stakers) staked += amount;
      if (staked > 0n) {
        const fee = BigInt(ledger.stake_delegation_fee[j]!);
        for (const [account, amount] of stakers) {
          if (account === module) continue;
          const rho = (amount << 64n) / staked;
          const d = (v * rho) >> 64n;
          const toDelegate = d - (d * fee) / 100n;
          row.set(account, toDelegate);
          remaining -= toDelegate;
        }
      }
    }
    const own = server[j]! + remaining;
    if (own > 0n) row.set(module, own);
    for (const x of row.values()) total = addSatU64(total, x);
    credits[j] = [...row].sort((a, b) => byteOrder(a[0], b[0]));
  }
  return { credits, total };
}
