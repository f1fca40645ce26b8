// runEpochs' input staging (src/pool/staged.ts): every subnet comes back out of the shared buffer
// equal to what went in (views at any offset, null fields, reused buffers), and a pool whose
// tasks claim the subnets one at a time gives runEpoch's outputs in input order for any mix of
// sizes and thread counts.
import { describe, it, expect, afterAll } from 'vitest';
import fc from 'fast-check';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { syntheticInput } from '../src/engine/synthetic.js';
import { runEpoch } from '../src/engine/epoch.js';
import { compareOutputs, describeMismatch } from '../src/engine/compare.js';
import type { EpochInput } from '../src/engine/types.js';
import { StagingBuffers, awaitStaged, stageInputs, stagedInput } from '../src/pool/staged.js';

const root = fileURLToPath(new URL('..', import.meta.url));
if (!existsSync(`${root}dist/pool/worker.js`)) throw new Error('dist/pool/worker.js is missing: run `npm run build`');
const { createPool }: typeof import('../dist/pool/index.js') = await import('../dist/pool/index.js');

/** The input with its typed arrays moved to odd offsets inside larger buffers (as a parser's subarrays are). */
function offsetViews(input: EpochInput): EpochInput {
  const moved = <T extends ArrayBufferView & { length: number }>(a: T): T => {
    const C = a.constructor as new (b: ArrayBuffer, at: number, len: number) => T;
    const per = a.byteLength / a.length || 1;
    const buf = new ArrayBuffer(a.byteLength + 3 * per + 8);
    const v = new C(buf, 3 * per, a.length);
    (v as unknown as { set(x: T): void }).set(a);
    return v;
  };
  const { neurons: nn, weights: w, bonds: b } = input;
  return {
    ...input,
    neurons: {
      ...nn,
      alpha_stake: moved(nn.alpha_stake),
      last_update: moved(nn.last_update),
      validator_permit: moved(nn.validator_permit),
      commit_block: nn.commit_block ? moved(nn.commit_block) : null,
    },
    weights: { rowPtr: moved(w.rowPtr), col: moved(w.col), val: moved(w.val) },
    bonds: { rowPtr: b.rowPtr, col: moved(b.col), val: moved(b.val) },
  };
}

const shape = fc.record({
  n: fc.integer({ min: 4, max: 96 }),
  v: fc.integer({ min: 1, max: 8 }),
  rowLen: fc.integer({ min: 1, max: 96 }),
  yuma3: fc.boolean(),
  seed: fc.integer({ min: 1, max: 1_000_000 }),
  offset: fc.boolean(),
  commit: fc.boolean(),
});
function inputOf(s: { n: number; v: number; rowLen: number; yuma3: boolean; seed: number; offset: boolean; commit: boolean }): EpochInput {
  const input = syntheticInput({ n: s.n, validators: Math.min(s.v, s.n - 1), rowLen: s.rowLen, yuma3: s.yuma3, seed: s.seed });
  input.hyperparameters.commit_reveal = s.commit;
  input.neurons.commit_block = s.commit ? new Float64Array(s.n).fill(Infinity) : null;
  return s.offset ? offsetViews(input) : input;
}

describe('stageInputs / stagedInput', () => {
  it('every subnet comes back equal (values and types), also from a reused, larger buffer', () => {
    const buffers = new StagingBuffers();
    fc.assert(
      fc.property(fc.array(shape, { minLength: 1, maxLength: 6 }), (shapes) => {
        const inputs = shapes.map(inputOf);
        const staging = stageInputs(inputs, buffers);
        // what a worker gets: the shells by structured clone, the buffer and the counter shared
        const there = structuredClone(staging.staged);
        expect(Atomics.load(there.ready, 0)).toBe(0);
        staging.copy();
        expect(Atomics.load(there.ready, 0)).toBe(inputs.length);
        inputs.forEach((input, k) => {
          awaitStaged(there, k);
          expect(stagedInput(there, k)).toStrictEqual(input);
        });
        buffers.give(staging.staged.memory);
      }),
      { numRuns: 60 },
    );
  });

  it('a buffer given back is reused by a call that fits in it, not by one that does not', () => {
    const buffers = new StagingBuffers();
    const memoryOf = (n: number, seed: number) => stageInputs([inputOf({ n, v: 4, rowLen: n, yuma3: false, seed, offset: false, commit: false })], buffers).staged.memory;
    const big = memoryOf(64, 1);
    buffers.give(big);
    expect(memoryOf(16, 2)).toBe(big);
    expect(memoryOf(96, 3)).not.toBe(big);
  });
});

describe('runEpochs: tasks claiming subnets from one staged call', () => {
  const pools = [1, 2, 3].map((threads) => createPool({ threads }));
  afterAll(() => Promise.all(pools.map((p) => p.close())));

  it('outputs equal runEpoch in input order, any sizes, any thread count, calls back to back and at once', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(shape, { minLength: 1, maxLength: 12 }), async (shapes) => {
        const inputs = shapes.map((s, k) => ({ ...inputOf(s), netuid: k + 1 }));
        const expected = inputs.map((input) => runEpoch(input, { trace: true }));
        const got = await Promise.all(pools.flatMap((p) => [p.runEpochs(inputs, { trace: true }), p.runEpochs(inputs.slice(1), { trace: true })]));
        got.forEach((outs, c) => {
          const want = c % 2 === 0 ? expected : expected.slice(1);
          expect(outs.length).toBe(want.length);
          outs.forEach((o, k) => {
            const m = compareOutputs(want[k]!, o);
            expect(m === null ? null : describeMismatch(m)).toBeNull();
          });
        });
      }),
      { numRuns: 25 },
    );
  });
});
