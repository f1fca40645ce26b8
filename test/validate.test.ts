// validateEpochInput / validateCommuneInput: hand-built typed inputs are checked before an
// epoch runs. Every golden input passes; random corruptions of valid inputs always give an
// InputError naming the field (never another exception, from the validator or from the
// epoch), and a good input run after a bad one still gives the golden output.
import { describe, it, expect, beforeAll } from 'vitest';
import fc from 'fast-check';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { validateEpochInput } from '../src/engine/validate.js';
import { validateCommuneInput } from '../src/engine/commune/validate.js';
import { runEpoch, epochBytes, assertEpochFits } from '../src/engine/epoch.js';
import { runCommuneEpoch } from '../src/engine/commune/epoch.js';
import { parseEpochInput, parseEpochOutput, readJsonFile, BMA_MAX } from '../src/engine/io.js';
import { parseCommuneInput, parseCommuneOutput } from '../src/engine/commune/io.js';
import { compareOutputs, describeMismatch } from '../src/engine/compare.js';
import { compareCommuneOutputs } from '../src/engine/commune/compare.js';
import { syntheticInput, rng } from '../src/engine/synthetic.js';
import { EpochTooLargeError, WASM_MAX_BYTES, WASM_RESERVED_BYTES, largestFitting } from '../src/engine/limits.js';
import { wasmModule } from '../src/engine/wasm.js';
import { createReferenceKernels } from '../src/engine/reference.js';
import { CHAIN_DEFAULT_HYPERPARAMETERS, InputError, type EpochInput, type EpochOutput, type SparseU16 } from '../src/engine/types.js';
import type { CommuneEpochInput, CommuneEpochOutput } from '../src/engine/commune/types.js';

const GOLDEN = fileURLToPath(new URL('fixtures/golden/', import.meta.url));

/** NAME.input.json / NAME.expected.json pairs of a golden directory. */
function pairs(dir: string): [string, string][] {
  return readdirSync(join(GOLDEN, dir))
    .filter((f) => f.endsWith('.input.json'))
    .sort()
    .map((f) => [join(GOLDEN, dir, f), join(GOLDEN, dir, f.replace('.input.json', '.expected.json'))]);
}

/** The first exception `f` throws (undefined when it returns). */
function thrown(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  return undefined;
}

/** `e` is an InputError with a one-line description (and a field, unless the whole input is wrong). */
function expectInputError(e: unknown, what: string): asserts e is InputError {
  expect(e, `${what}: ${e instanceof Error ? e.stack : String(e)}`).toBeInstanceOf(InputError);
  const err = e as InputError;
  expect(err.describe().split('\n'), what).toHaveLength(1);
}

/** A random source from one integer (the corruptions draw from it). */
const source = (seed: number) => {
  const next = rng(seed);
  return (k: number) => next() % Math.max(1, k);
};
type Pick = ReturnType<typeof source>;

/** A row with at least two entries: its first entry index, or -1. */
function longRow(m: SparseU16, pick: Pick): number {
  const rows: number[] = [];
  for (let i = 0; i + 1 < m.rowPtr.length; i++) if (m.rowPtr[i + 1]! - m.rowPtr[i]! >= 2) rows.push(i);
  return rows.length === 0 ? -1 : m.rowPtr[rows[pick(rows.length)]!]!;
}

type Mutable = Record<string, unknown>;
const BAD_NUMBERS = [-1, 65536, 1.5, NaN, Infinity, '7', null, undefined, 3n];
const BAD_BLOCKS = [-1, 2 ** 53, 0.5, NaN, Infinity, '1', null];
const BAD_U64 = [-1n, 1n << 64n, 7, '7', null];

/**
 * Corruptions of a valid input (in place, on a clone); each makes it invalid for sure, or
 * returns false when it does not apply to this input.
 */
const BITTENSOR_CORRUPTIONS: [string, (x: EpochInput, pick: Pick) => boolean][] = [
  ['n larger than the arrays', (x, p) => {
    (x as unknown as Mutable).n = x.n + 1 + p(3);
    return true;
  }],
  ['n smaller than the arrays', (x, p) => {
    if (x.n === 0) return false;
    (x as unknown as Mutable).n = Math.max(0, x.n - 1 - p(3));
    return true;
  }],
  ['n not an integer 0..65535', (x, p) => {
    (x as unknown as Mutable).n = [x.n + 0.5, -1, 65536, NaN, String(x.n)][p(5)];
    return true;
  }],
  ['a per-uid array one short', (x, p) => {
    if (x.n === 0) return false;
    const k = (['alpha_stake', 'tao_stake', 'last_update', 'block_at_registration', 'validator_permit'] as const)[p(5)];
    (x.neurons as Mutable)[k] = x.neurons[k].slice(0, x.n - 1);
    return true;
  }],
  ['a per-uid array of the wrong type', (x, p) => {
    const k = (['alpha_stake', 'tao_stake', 'last_update', 'block_at_registration', 'validator_permit'] as const)[p(5)];
    (x.neurons as Mutable)[k] = [new Uint16Array(x.n), Array.from({ length: x.n }, () => 0), new Int32Array(x.n), null][p(4)];
    return true;
  }],
  ['a bad block number in a vector', (x, p) => {
    if (x.n === 0) return false;
    const v = [x.neurons.last_update, x.neurons.block_at_registration][p(2)]!;
    v[p(x.n)] = [-1, 0.5, NaN, Infinity, 2 ** 53][p(5)]!;
    return true;
  }],
  ['a validator_permit other than 0/1', (x, p) => (x.n > 0 ? ((x.neurons.validator_permit[p(x.n)] = 2 + p(250)), true) : false)],
  ['commit_reveal without commit_block', (x, p) => {
    x.hyperparameters.commit_reveal = true;
    x.neurons.commit_block = [null, new Float64Array(x.n + 1), new Float64Array(x.n).fill(-1)][p(3)] as Float64Array | null;
    return x.n > 0 || x.neurons.commit_block?.length !== 0;
  }],
  ['rowPtr not starting at 0', (x, p) => ((m(x, p).rowPtr as Uint32Array)[0] = 1 + p(5), true)],
  ['rowPtr not ending at nnz', (x, p) => {
    const w = m(x, p);
    w.rowPtr[x.n] = w.col.length + 1 + p(5);
    return true;
  }],
  ['rowPtr decreasing', (x, p) => {
    if (x.n < 2) return false;
    const w = m(x, p);
    const i = 1 + p(x.n - 1);
    w.rowPtr[i] = w.rowPtr[i + 1]! + 1;
    return true;
  }],
  ['rowPtr of the wrong length or type', (x, p) => {
    const w = m(x, p) as unknown as Mutable;
    const r = w.rowPtr as Uint32Array;
    w.rowPtr = [r.slice(0, r.length - 1), Int32Array.from(r), Array.from(r)][p(3)];
    return true;
  }],
  ['val shorter than col', (x, p) => {
    const w = m(x, p) as unknown as Mutable;
    const col = w.col as Uint32Array;
    if (col.length === 0) return false;
    w.val = (w.val as Uint16Array).slice(0, col.length - 1);
    return true;
  }],
  ['a column >= n', (x, p) => {
    const w = m(x, p);
    if (w.col.length === 0) return false;
    w.col[p(w.col.length)] = x.n + p(100);
    return true;
  }],
  ['a duplicate column', (x, p) => {
    const w = m(x, p);
    const a = longRow(w, p);
    if (a < 0) return false;
    w.col[a + 1] = w.col[a]!;
    return true;
  }],
  ['an unsorted row', (x, p) => {
    const w = m(x, p);
    const a = longRow(w, p);
    if (a < 0) return false;
    [w.col[a], w.col[a + 1]] = [w.col[a + 1]!, w.col[a]!];
    return true;
  }],
  ['a u16 hyperparameter out of range', (x, p) => {
    const k = ['tempo', 'kappa', 'bonds_penalty', 'max_allowed_validators', 'alpha_low', 'alpha_high'][p(6)]!;
    (x.hyperparameters as unknown as Mutable)[k] = BAD_NUMBERS[p(BAD_NUMBERS.length)];
    return true;
  }],
  ['bonds_moving_average, steepness or activity_cutoff out of range', (x, p) => {
    const h = x.hyperparameters as unknown as Mutable;
    [() => (h.bonds_moving_average = BMA_MAX + 1), () => (h.alpha_sigmoid_steepness = [32768, -32769, 0.5][p(3)]),
      () => (h.activity_cutoff = BAD_BLOCKS[p(BAD_BLOCKS.length)])][p(3)]!();
    return true;
  }],
  ['a flag that is not a boolean', (x, p) => {
    (x.hyperparameters as unknown as Mutable)[['yuma3', 'liquid_alpha', 'commit_reveal'][p(3)]!] = [0, 1, 'true', null][p(4)];
    return true;
  }],
  ['a u64 out of range or not a bigint', (x, p) => {
    const v = BAD_U64[p(BAD_U64.length)];
    [() => ((x as unknown as Mutable).rao_emission = v), () => ((x as unknown as Mutable).tao_weight = v), () => ((x.hyperparameters as unknown as Mutable).stake_threshold = v)][p(3)]!();
    return true;
  }],
  ['a block number out of range', (x, p) => {
    (x as unknown as Mutable)[['current_block', 'last_mechanism_step_block'][p(2)]!] = BAD_BLOCKS[p(BAD_BLOCKS.length)];
    return true;
  }],
  ['owner_uid not below n', (x, p) => ((x as unknown as Mutable).owner_uid = [x.n, x.n + 5, -1, 0.5][p(4)], true)],
  ['a missing or null part', (x, p) => {
    const k = ['netuid', 'n', 'hyperparameters', 'neurons', 'weights', 'bonds', 'rao_emission', 'tao_weight'][p(8)]!;
    if (p(2) === 0) delete (x as unknown as Mutable)[k];
    else (x as unknown as Mutable)[k] = null;
    return true;
  }],
];

/** The weights or the bonds, at random. */
function m(x: EpochInput, p: Pick): { rowPtr: Uint32Array; col: Uint32Array; val: Uint16Array } {
  return (p(2) === 0 ? x.weights : x.bonds) as never;
}

describe('validateEpochInput', () => {
  const bases: { input: EpochInput; expected: EpochOutput; name: string }[] = [];
  beforeAll(() => {
    const files = [...pairs('edge'), ...pairs('random')];
    // a spread of cases: every 6th golden pair (sparse and full rows, yuma3, commit-reveal, owners)
    for (const [inp, exp] of files.filter((_, k) => k % 6 === 0)) {
      bases.push({ input: parseEpochInput(readJsonFile(inp), inp), expected: parseEpochOutput(readJsonFile(exp), exp), name: inp });
    }
  });

  it('every golden input passes (what the JSON reader builds is always valid)', () => {
    for (const [inp] of [...pairs('edge'), ...pairs('random')]) {
      const input = parseEpochInput(readJsonFile(inp), inp);
      expect(thrown(() => validateEpochInput(input)), inp).toBeUndefined();
    }
    for (const shape of [{ n: 300, validators: 20, rowLen: 7, yuma3: true }, { n: 1, validators: 1 }, { n: 0, validators: 0 }]) {
      expect(thrown(() => validateEpochInput(syntheticInput(shape)))).toBeUndefined();
    }
  });

  it('the cases of the report: n above or below the arrays, alpha_stake shorter than n', () => {
    const good = syntheticInput({ n: 64, validators: 8, seed: 3 });
    const cases: [EpochInput, string, RegExp][] = [
      [{ ...good, n: 70 }, 'neurons.alpha_stake', /expected a BigUint64Array of length 70 \(n = 70\), got length 64/],
      [{ ...good, n: 60 }, 'neurons.alpha_stake', /expected a BigUint64Array of length 60 \(n = 60\), got length 64/],
      [{ ...good, neurons: { ...good.neurons, alpha_stake: good.neurons.alpha_stake.slice(0, 63) } }, 'neurons.alpha_stake', /got length 63/],
      [{ ...good, weights: { ...good.weights, col: Uint32Array.from(good.weights.col, (j, k) => (k === 5 ? 64 : j)) } }, 'weights.col[5]',
        /uid_j 64 in row 0 is out of range: expected a uid below n = 64/],
    ];
    for (const [bad, field, re] of cases) {
      for (const run of [() => validateEpochInput(bad), () => runEpoch(bad)]) {
        const e = thrown(run);
        expectInputError(e, field);
        expect(e.field).toBe(field);
        expect(e.message).toMatch(re);
      }
    }
  });

  it('every bad column of rows 0 to 20 entries long is named, wherever it falls in the row, by the validator and by runEpoch (which checks the columns in its kernels: eight or four at a time)', () => {
    const n = 40;
    const reference = createReferenceKernels();
    for (const which of ['weights', 'bonds'] as const) {
      for (let len = 1; len <= 20; len++) {
        // row 1 holds columns 1, 3, 5, ...; rows 0 and 2 one entry each
        const col = Uint32Array.from([7, ...Array.from({ length: len }, (_, q) => 2 * q + 1), 9]);
        const base = syntheticInput({ n, validators: 0 });
        const good: EpochInput = { ...base, [which]: { rowPtr: Uint32Array.from({ length: n + 1 }, (_, i) => [0, 1, len + 1][i] ?? len + 2), col, val: new Uint16Array(len + 2) } };
        expect(thrown(() => validateEpochInput(good)), `row of ${len}`).toBeUndefined();
        expect(thrown(() => runEpoch(good)), `row of ${len}`).toBeUndefined();
        for (let q = 0; q < len; q++) {
          const k = q + 1;
          const cases: [number, RegExp][] = [[n, /out of range/], [2 ** 32 - 1, /out of range/], [2 ** 31, /out of range/]];
          if (q > 0) cases.push([col[k - 1]!, /duplicate uid_j/], [col[k - 1]! - 1, /unsorted row 1/]);
          for (const [v, re] of cases) {
            const bad = { ...good, [which]: { ...good[which], col: col.slice() } };
            bad[which].col[k] = v;
            const runs = [() => validateEpochInput(bad), () => runEpoch(bad), () => runEpoch(bad, { kernels: reference })];
            for (const [r, run] of runs.entries()) {
              const e = thrown(run);
              expectInputError(e, `${which}, row of ${len}, col[${k}] = ${v}, run ${r}`);
              expect(e.field).toBe(`${which}.col[${k}]`);
              expect(e.message).toMatch(re);
            }
          }
        }
      }
    }
  });

  it('property: a random corruption always gives an InputError (validator and runEpoch), and the next good input gives the golden output', () => {
    let applied = 0;
    const kinds = new Set<string>();
    fc.assert(
      fc.property(fc.nat(bases.length - 1), fc.nat(BITTENSOR_CORRUPTIONS.length - 1), fc.integer(), (b, c, seed) => {
        const base = bases[b]!;
        const [kind, corrupt] = BITTENSOR_CORRUPTIONS[c]!;
        const bad = structuredClone(base.input);
        if (!corrupt(bad, source(seed))) return;
        applied++;
        kinds.add(kind);
        const what = `${kind} on ${base.name}`;
        const e = thrown(() => validateEpochInput(bad));
        expectInputError(e, what);
        const r = thrown(() => runEpoch(bad));
        expectInputError(r, `${what} (runEpoch)`);
        expect([r.field, r.message], `${what}: runEpoch names what the validator names`).toEqual([e.field, e.message]);
        const mm = compareOutputs(base.expected, runEpoch(base.input));
        expect(mm, mm ? `${what}: then ${describeMismatch(mm)}` : what).toBeNull();
      }),
      { numRuns: 400, seed: 4242 },
    );
    expect(applied).toBeGreaterThan(300);
    expect(kinds.size).toBe(BITTENSOR_CORRUPTIONS.length);
  });
});

// ---------------------------------------------------------------------------------------

const COMMUNE_CORRUPTIONS: [string, (x: CommuneEpochInput, pick: Pick) => boolean][] = [
  ['n larger than the arrays', (x) => ((x as unknown as Mutable).n = x.n + 1, true)],
  ['n smaller than the arrays', (x) => (x.n > 0 ? (((x as unknown as Mutable).n = x.n - 1), true) : false)],
  ['consensus not yuma or linear', (x, p) => ((x as unknown as Mutable).consensus = ['Yuma', '', null][p(3)], true)],
  ['a per-uid array one short', (x, p) => {
    if (x.n === 0) return false;
    const k = (['stake', 'last_update', 'block_at_registration', 'validator_permit', 'weight_parent', 'validator_weight_fee'] as const)[p(6)];
    (x.neurons as Mutable)[k] = x.neurons[k].slice(0, x.n - 1);
    return true;
  }],
  ['a weight_parent out of range', (x, p) => (x.n > 0 ? ((x.neurons.weight_parent[p(x.n)] = [-2, x.n, x.n + 9][p(3)]!), true) : false)],
  ['a fee above 100', (x, p) => (x.n > 0 ? ((x.neurons.validator_weight_fee[p(x.n)] = 101 + p(150)), true) : false)],
  ['pending_emission at or above 2^63', (x, p) => ((x as unknown as Mutable).pending_emission = [1n << 63n, -1n, 5][p(3)], true)],
  ['max_allowed_validators out of range', (x, p) => ((x.hyperparameters as unknown as Mutable).max_allowed_validators = [65536, -1, 0.5, undefined][p(4)], true)],
  ['a column >= n', (x, p) => {
    const w = p(2) === 0 ? x.weights : x.bonds;
    if (w.col.length === 0) return false;
    (w.col as Uint32Array)[p(w.col.length)] = x.n + p(9);
    return true;
  }],
  ['an unsorted row', (x, p) => {
    const w = (p(2) === 0 ? x.weights : x.bonds) as { rowPtr: Uint32Array; col: Uint32Array; val: Uint16Array };
    const a = longRow(w, p);
    if (a < 0) return false;
    [w.col[a], w.col[a + 1]] = [w.col[a + 1]!, w.col[a]!];
    return true;
  }],
  ['rowPtr not ending at nnz', (x) => ((x.weights.rowPtr as Uint32Array)[x.n] = x.weights.col.length + 1, true)],
  ['a ledger whose StakeFrom does not add up', (x, p) => {
    if (!x.ledger || x.n === 0) return false;
    const i = p(x.n);
    x.ledger.stake_from[i] = [...x.ledger.stake_from[i]!, ['someone-new', 1n]];
    return true;
  }],
];

describe('validateCommuneInput', () => {
  const bases: { input: CommuneEpochInput; expected: CommuneEpochOutput; name: string }[] = [];
  beforeAll(() => {
    const files = [...pairs('commune/edge'), ...pairs('commune/random')];
    for (const [inp, exp] of files.filter((_, k) => k % 4 === 0)) {
      bases.push({ input: parseCommuneInput(readJsonFile(inp), inp), expected: parseCommuneOutput(readJsonFile(exp), exp), name: inp });
    }
  });

  it('every Commune golden input passes', () => {
    for (const [inp] of [...pairs('commune/edge'), ...pairs('commune/random')]) {
      const input = parseCommuneInput(readJsonFile(inp), inp);
      expect(thrown(() => validateCommuneInput(input)), inp).toBeUndefined();
    }
  });

  it('property: a random corruption always gives an InputError (validator and runCommuneEpoch), then a good input the golden output', () => {
    let applied = 0;
    fc.assert(
      fc.property(fc.nat(bases.length - 1), fc.nat(COMMUNE_CORRUPTIONS.length - 1), fc.integer(), (b, c, seed) => {
        const base = bases[b]!;
        const [kind, corrupt] = COMMUNE_CORRUPTIONS[c]!;
        const bad = structuredClone(base.input);
        if (!corrupt(bad, source(seed))) return;
        applied++;
        const what = `${kind} on ${base.name}`;
        expectInputError(thrown(() => validateCommuneInput(bad)), what);
        expectInputError(thrown(() => runCommuneEpoch(bad)), `${what} (runCommuneEpoch)`);
        const mm = compareCommuneOutputs(base.expected, runCommuneEpoch(base.input));
        expect(mm, what).toBeNull();
      }),
      { numRuns: 200, seed: 77 },
    );
    expect(applied).toBeGreaterThan(120);
  });
});

// ---------------------------------------------------------------------------------------

describe('the WebAssembly memory limit', () => {
  const hp = CHAIN_DEFAULT_HYPERPARAMETERS;

  it("the kernels' static data lies below the room reserved for it", () => {
    const memory = new WebAssembly.Memory({ initial: 1 });
    const x = new WebAssembly.Instance(wasmModule(), { env: { memory } }).exports as { heapBase(): number };
    expect(x.heapBase()).toBeLessThanOrEqual(WASM_RESERVED_BYTES);
  });

  it('epochBytes grows with the entries; the largest epoch that fits is computed exactly', () => {
    expect(epochBytes(4096, 2_000_000, 0, hp)).toBeGreaterThan(epochBytes(4096, 1_000_000, 0, hp));
    expect(epochBytes(4096, 0, 0, { ...hp, yuma3: true })).toBeLessThanOrEqual(epochBytes(4096, 1, 1, { ...hp, yuma3: true }));
    const most = largestFitting((w) => epochBytes(65535, w, 1_000_000, hp), WASM_MAX_BYTES, 65535 * 65535);
    expect(epochBytes(65535, most, 1_000_000, hp)).toBeLessThanOrEqual(WASM_MAX_BYTES);
    expect(epochBytes(65535, most + 1, 1_000_000, hp)).toBeGreaterThan(WASM_MAX_BYTES);
    expect(largestFitting(() => 10, 5, 100)).toBe(-1);
  });

  it('an epoch past 4 GiB is refused before anything is allocated, naming its entries, the limit and what fits', () => {
    // the shape `yuma profile --synthetic 65535,2048` builds: 134M weight and bond entries
    const e = thrown(() => assertEpochFits(65535, 65535 * 2048, 65535 * 2048, hp));
    expect(e).toBeInstanceOf(EpochTooLargeError);
    expect(e).toBeInstanceOf(InputError);
    const err = e as EpochTooLargeError;
    expect(err.field).toBe('weights');
    expect(err.message).toMatch(
      /^n = 65535 with 134,215,680 weight and 134,215,680 bond entries needs 6\.\d\d GiB of WebAssembly memory for the epoch's buffers, above its 4\.00 GiB limit; at this n with these bonds at most [\d,]+ weight entries fit$/,
    );
    expect(epochBytes(65535, err.maxWeightEntries, err.bondEntries, hp)).toBeLessThanOrEqual(WASM_MAX_BYTES);
    expect(epochBytes(65535, err.maxWeightEntries + 1, err.bondEntries, hp)).toBeGreaterThan(WASM_MAX_BYTES);
    // a limit below a small epoch refuses it the same way (runEpoch uses the full 4 GiB)
    const small = syntheticInput({ n: 64, validators: 8 });
    expect(thrown(() => assertEpochFits(64, small.weights.col.length, small.bonds.col.length, small.hyperparameters, 1 << 16))).toBeInstanceOf(EpochTooLargeError);
    expect(thrown(() => assertEpochFits(64, small.weights.col.length, small.bonds.col.length, small.hyperparameters))).toBeUndefined();
  });
});
