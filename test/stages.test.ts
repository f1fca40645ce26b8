// The vector stages' fast paths against their plain definitions (yuma.md 2.3).
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { newPermits } from '../src/engine/stages/permits.js';
import { I32F32_ONE } from '../src/engine/i32f32.js';
import { keepRows } from '../src/engine/epoch.js';

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

describe('keepRows (the stored bonds of the output)', () => {
  it('equals row by row copying: every stored row kept, some dropped, empty rows, a CSR not starting at 0; whole arrays of their own', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ len: fc.integer({ min: 0, max: 5 }), keep: fc.boolean() }), { maxLength: 40 }),
        fc.integer({ min: 0, max: 3 }),
        fc.boolean(),
        (rows, base, keepAll) => {
          const n = rows.length;
          const rowPtr = new Uint32Array(n + 1);
          rowPtr[0] = base;
          rows.forEach((r, i) => (rowPtr[i + 1] = rowPtr[i]! + r.len));
          // the kernel's arrays: views into a larger memory, as WASM's are
          const memory = new ArrayBuffer(8 * (rowPtr[n]! + 8));
          const col = new Uint32Array(memory, 0, rowPtr[n]! + 2).map((_, q) => q * 7 + 1);
          const val = new Uint16Array(memory, 4 * (rowPtr[n]! + 2), rowPtr[n]! + 2).map((_, q) => q * 13 + 2);
          const keep = Uint8Array.from(rows, (r) => (keepAll || r.keep ? 1 : 0));
          const want = { rowPtr: [0], col: [] as number[], val: [] as number[] };
          for (let i = 0; i < n; i++) {
            if (keep[i]) {
              for (let q = rowPtr[i]!; q < rowPtr[i + 1]!; q++) {
                want.col.push(col[q]!);
                want.val.push(val[q]!);
              }
            }
            want.rowPtr.push(want.col.length);
          }
          const got = keepRows(rowPtr, col, val, keep);
          expect({ rowPtr: [...got.rowPtr], col: [...got.col], val: [...got.val] }).toEqual(want);
          for (const a of [got.rowPtr, got.col, got.val]) {
            expect(a.byteOffset).toBe(0);
            expect(a.byteLength).toBe(a.buffer.byteLength); // its buffer whole: a structured clone (the pool worker's reply) copies all of a view's buffer
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});
