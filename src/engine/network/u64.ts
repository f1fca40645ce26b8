// Checked u64 arithmetic for ledger amounts. The chain saturates; the engine fails loudly,
// since a saturation means the model is wrong (network.md section 8).
import { SimulationError } from './errors.js';

export const U64_MAX = (1n << 64n) - 1n;

/** a + b, or a SimulationError naming the account when the sum leaves u64. */
export function add(a: bigint, b: bigint, account: string, netuid?: number): bigint {
  const s = a + b;
  if (b < 0n || s > U64_MAX) {
    throw new SimulationError(`u64 overflow: ${a} + ${b}`, { account, ...(netuid !== undefined ? { netuid } : {}) });
  }
  return s;
}

/** a - b, or a SimulationError naming the account when it would go negative. */
export function sub(a: bigint, b: bigint, account: string, netuid?: number): bigint {
  if (b < 0n || b > a) {
    throw new SimulationError(`balance would go negative: ${a} - ${b}`, {
      account,
      ...(netuid !== undefined ? { netuid } : {}),
    });
  }
  return a - b;
}

/** A ratio in [0, 1] as U96F32 bits (32 fraction bits), floored, from at most 9 decimals. */
export function ratioBits(x: number): bigint {
  const ppb = BigInt(Math.round(x * 1e9));
  return (ppb << 32n) / 1_000_000_000n;
}

/** floor(a * b / 2^32) for non-negative fixed-point bits (substrate-fixed `mul`). */
export const mulBits = (a: bigint, b: bigint): bigint => (a * b) >> 32n;
/** floor(a * 2^32 / b) for non-negative a, positive b (`div`); 0 when b is 0 (`safe_div`). */
export const divBits = (a: bigint, b: bigint): bigint => (b === 0n ? 0n : (a << 32n) / b);
