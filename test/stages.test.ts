// The vector stages' fast paths against their plain definitions (yuma.md 2.3).
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { newPermits } from '../src/engine/stages/permits.js';
import { I32F32_ONE } from '../src/engine/i32f32.js';

/** The definition: stake != 0, and the n-K first in (stake, uid) order lose it; the owner keeps one. */
function permitsByDefinition(stake: BigInt64Array, K: number, owner: number | null): Uint8Array {
  const n = stake.length;
  const permit = Uint8Array.from(stake, (s) => (s !== 0n ? 1 : 0));
  if (n >= K) {
    const order = Array.from({ length: n }, (_, i) => i).sort((x, y) => (stake[x]! < stake[y]! ? -1 : stake[x]! > stake[y]! ? 1 : x - y));
    for (const uid of order.slice(0, n - K)) permit[uid] = 0;
  }
  if (owner !== null) permit[owner] = 1;
  return permit;
}

describe('newPermits', () => {
  it('equals the definition: ties at the cut, zeros, normalized stakes and any i64 (the BigInt path)', () => {
    const ONE = I32F32_ONE;
    const stakeValue = fc.oneof(
      fc.constantFrom(0n, 1n, ONE, ONE - 1n, (1n << 36n) - 1n),
      fc.bigInt({ min: 0n, max: 20n }), // many ties
      fc.bigInt({ min: 0n, max: ONE }),
      fc.bigInt({ min: -(1n << 63n), max: (1n << 63n) - 1n }),
    );
    fc.assert(
      fc.property(
        fc.array(stakeValue, { minLength: 1, maxLength: 300 }).chain((v) =>
          fc.record({
            stake: fc.constant(BigInt64Array.from(v)),
            K: fc.integer({ min: 0, max: v.length + 2 }),
            owner: fc.option(fc.integer({ min: 0, max: v.length - 1 })),
          }),
        ),
        ({ stake, K, owner }) => {
          expect(newPermits(stake, K, owner)).toEqual(permitsByDefinition(stake, K, owner));
        },
      ),
      { numRuns: 2000 },
    );
  });
});
