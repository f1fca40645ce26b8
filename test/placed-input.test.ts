// A split epoch's leader reads the staged weights and bonds where they lie in the shared memory
// (epoch.ts PlacedInput): the epoch on a placed input is runEpoch's, bit for bit, leaves the
// placed arrays as they were, and carves no second copy of them.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { fileURLToPath } from 'node:url';
import { runEpoch, epochBytes, _runCheckedEpoch } from '../src/engine/epoch.js';
import { SHARED_DATA_START, newSharedMemory, sharedKernels } from '../src/engine/wasm.js';
import { stageInput, unstageInput } from '../src/pool/split-staging.js';
import { syntheticInput } from '../src/engine/synthetic.js';
import { compareOutputs, describeMismatch } from '../src/engine/compare.js';
import { findCases } from '../src/engine/verify.js';
import { parseEpochInput, readJsonFile } from '../src/engine/io.js';
import type { EpochInput } from '../src/engine/types.js';

const FIXTURES = fileURLToPath(new URL('fixtures/golden', import.meta.url));
const shared = sharedKernels(newSharedMemory());

/** The epoch of `input` with its weights and bonds staged and read in place, and the staged arrays after it. */
function placedEpoch(input: EpochInput) {
  const staged = stageInput(shared.memory, input, SHARED_DATA_START);
  const { input: inPlace, placed } = unstageInput(shared.memory, staged.input, staged.staged);
  const out = _runCheckedEpoch(inPlace, { kernels: shared.kernelsFrom(staged.staged.end), trace: true }, placed);
  return { out, after: [inPlace.weights, inPlace.bonds] };
}

function expectSameAsRunEpoch(input: EpochInput, what: string): void {
  const { out, after } = placedEpoch(input);
  const mismatch = compareOutputs(runEpoch(input, { trace: true }), out);
  expect(mismatch && describeMismatch(mismatch), what).toBeNull();
  // the kernels only read the placed input
  for (const [k, m] of [input.weights, input.bonds].entries()) {
    expect(after[k]!.rowPtr, `${what}: placed rowPtr`).toEqual(m.rowPtr);
    expect(after[k]!.col, `${what}: placed col`).toEqual(m.col);
    expect(after[k]!.val, `${what}: placed val`).toEqual(m.val);
  }
}

describe('an epoch on a placed input (the split leader\'s weights and bonds, read where staged)', () => {
  it('every golden pair: runEpoch\'s output, the placed arrays unchanged', () => {
    const cases = findCases([`${FIXTURES}/edge`, `${FIXTURES}/random`]).filter((c) => c.kind === 'pair');
    expect(cases.length).toBeGreaterThan(0);
    for (const c of cases) expectSameAsRunEpoch(parseEpochInput(readJsonFile(c.file), c.file), c.name);
  });

  it('random synthetic subnets (original Yuma, Yuma3, liquid alpha, bonds penalty)', () => {
    fc.assert(
      fc.property(
        fc.record({
          n: fc.integer({ min: 1, max: 300 }),
          validators: fc.integer({ min: 1, max: 64 }),
          rowLen: fc.integer({ min: 1, max: 300 }),
          yuma3: fc.boolean(),
          liquidAlpha: fc.boolean(),
          bondsPenalty: fc.constantFrom(0, 30000, 65535),
          seed: fc.integer({ min: 1, max: 1 << 30 }),
        }),
        (shape) => expectSameAsRunEpoch(syntheticInput(shape), JSON.stringify(shape)),
      ),
      { numRuns: 60 },
    );
  });

  it('carves no copy of them: the epoch needs exactly their staged bytes less', () => {
    const a16 = (b: number) => Math.ceil(b / 16) * 16;
    for (const shape of [
      { n: 1000, validators: 64, rowLen: 300, seed: 3 },
      { n: 777, validators: 100, yuma3: true, bondsPenalty: 30000, seed: 4 },
    ]) {
      const input = syntheticInput(shape);
      const { weights: w, bonds: b, hyperparameters: hp } = input;
      const arrays = [w.rowPtr, w.col, w.val, b.rowPtr, b.col, b.val];
      const whole = epochBytes(input.n, w.col.length, b.col.length, hp);
      const placed = epochBytes(input.n, w.col.length, b.col.length, hp, true);
      expect(whole - placed).toBe(arrays.reduce((t, a) => t + a16(a.byteLength), 0));
    }
  });
});
