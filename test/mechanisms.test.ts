// Multiple incentive mechanisms per subnet (docs/spec/mechanisms.md): every golden vector and
// sequence exact, the split and the U64F64 aggregation against BigInt references, count 1 = the
// single-mechanism epoch, the document round trips, the input errors, and the CLI.
import { describe, it, expect, beforeAll } from 'vitest';
import fc from 'fast-check';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findCases, runCase } from '../src/engine/verify.js';
import { parseEpochInput, readJsonFile } from '../src/engine/io.js';
import { runEpoch } from '../src/engine/epoch.js';
import { InputError, type EpochOutput } from '../src/engine/types.js';
import {
  aggregate, compareMechanismsOutputs, mechanismInputs, mechanismWeights, mechanismsInputToJson, mechanismsOutputToJson,
  parseMechanismsInput, parseMechanismsOutput, parseMechanismsSequence, runMechanismsEpoch, splitEmissions, type MechanismsInput,
} from '../src/engine/mechanisms/index.js';
import { U64F64_ONE } from '../src/engine/mechanisms/split.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const FIXTURES = join(root, 'test/fixtures/golden/mechanisms');
const EDGE = join(root, 'test/fixtures/golden/edge');
const bin = join(root, 'dist/cli/main.js');
const U64_MAX = (1n << 64n) - 1n;

const fixture = (name: string) => join(FIXTURES, name);
const loadInput = (name: string) => parseMechanismsInput(readJsonFile(fixture(`${name}.input.json`)), name);


/** `parse` throws an InputError naming `field`, its message matching `message`. */
function expectInputError(parse: () => unknown, field: string, message: RegExp): void {
  let err: unknown;
  try {
    parse();
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(InputError);
  expect((err as InputError).field).toBe(field);
  expect((err as InputError).message).toMatch(message);
}
describe('golden mechanisms (60 cases, 4 sequences of 10 epochs)', () => {
  const cases = findCases([FIXTURES]);
  it('has 60 pairs and 4 sequences', () => {
    expect(cases.filter((c) => c.kind === 'pair')).toHaveLength(60);
    expect(cases.filter((c) => c.kind === 'sequence')).toHaveLength(4);
  });
  for (const c of cases) {
    it(c.name.slice(FIXTURES.length + 1), () => {
      const r = runCase(c);
      expect(r.detail).toBeUndefined();
      expect(r.status).toBe('passed');
      expect(r.epochs).toBe(c.kind === 'sequence' ? 10 : 1);
    });
  }
});

// ---------------------------------------------------------------------------------------
// split_emissions and the mechanism weights against a BigInt reference written from the spec

/** docs/spec/mechanisms.md 3.1, step by step, independently of src/. */
function referenceSplit(alpha: bigint, M: number, s: number[] | null): bigint[] {
  const r: bigint[] = [];
  for (let k = 0; k < M; k++) {
    if (s === null) r.push(alpha / BigInt(M));
    else r.push(k < s.length ? (alpha * BigInt(s[k]!)) / 65535n : 0n);
  }
  const T = r.reduce((a, b) => a + b, 0n) & U64_MAX;
  const rem = alpha > T ? alpha - T : 0n;
  r[0] = r[0]! + rem > U64_MAX ? U64_MAX : r[0]! + rem;
  return r;
}

const u64 = fc.oneof(fc.bigInt({ min: 0n, max: U64_MAX }), fc.constantFrom(0n, 1n, 15n, 1_000_000_000n, U64_MAX));
const count = fc.integer({ min: 1, max: 16 });
const anySplit = fc.option(fc.array(fc.integer({ min: 0, max: 65535 }), { minLength: 1, maxLength: 16 }), { nil: null });
/** a split as the chain's setter stores it: values summing to exactly 65535 */
const stored = (len: number) =>
  fc.array(fc.integer({ min: 0, max: 65535 }), { minLength: len - 1, maxLength: len - 1 }).map((cuts) => {
    const sorted = [0, ...cuts.sort((a, b) => a - b), 65535];
    return sorted.slice(1).map((x, i) => x - sorted[i]!);
  });

describe('split_emissions (docs/spec/mechanisms.md 3.1)', () => {
  it('the spec examples', () => {
    expect(splitEmissions(25n, 5, null)).toEqual([5n, 5n, 5n, 5n, 5n]);
    expect(splitEmissions(10n, 4, null)).toEqual([4n, 2n, 2n, 2n]);
    expect(splitEmissions(15n, 16, null)).toEqual([15n, ...new Array(15).fill(0n)]);
    expect(splitEmissions(19n, 5, [3450, 6899, 10348, 17247, 27594])).toEqual([1n, 2n, 3n, 5n, 8n]);
    const a = (1_000_000_000n * 20000n) / 65535n;
    expect(splitEmissions(1_000_000_000n, 2, [20000, 20000, 25535])).toEqual([1_000_000_000n - a, a]);
    expect(splitEmissions(1000n, 4, [30000, 35535]).slice(2)).toEqual([0n, 0n]);
  });

  it('equals the reference for any alpha, count and stored split (any length, any sum)', () => {
    fc.assert(fc.property(u64, count, anySplit, (alpha, M, s) => {
      expect(splitEmissions(alpha, M, s)).toEqual(referenceSplit(alpha, M, s));
    }), { numRuns: 2000 });
  });

  it('a split summing to 65535 (or none) pays out alpha exactly, the rounding to mechanism 0', () => {
    fc.assert(fc.property(u64, count.chain((M) => fc.tuple(fc.constant(M), fc.option(fc.integer({ min: 1, max: 16 }).chain(stored), { nil: null }))),
      (alpha, [M, s]) => {
        const r = splitEmissions(alpha, M, s);
        expect(r).toHaveLength(M);
        // a split longer than the count drops its tail's share onto mechanism 0: still alpha
        expect(r.reduce((x, y) => x + y, 0n)).toBe(alpha);
        for (let k = 1; k < M; k++) expect(r[k]).toBe(s === null ? alpha / BigInt(M) : k < s.length ? (alpha * BigInt(s[k]!)) / 65535n : 0n);
      }), { numRuns: 1000 });
  });

  it('weights: (r_k * 2^64) // alpha, at most 1.0, summing to 1.0 minus < M units; alpha 0: mechanism 0 only', () => {
    fc.assert(fc.property(fc.bigInt({ min: 1n, max: U64_MAX }), count, (alpha, M) => {
      const r = splitEmissions(alpha, M, null);
      const w = mechanismWeights(r, alpha);
      w.forEach((wk, k) => expect(wk).toBe((r[k]! * U64F64_ONE) / alpha));
      const sum = w.reduce((x, y) => x + y, 0n);
      expect(sum <= U64F64_ONE && sum > U64F64_ONE - BigInt(M)).toBe(true);
    }));
    expect(mechanismWeights([0n, 0n, 0n], 0n)).toEqual([U64F64_ONE, 0n, 0n]);
    expect(mechanismWeights(splitEmissions(1_000_000_000n, 2, null), 1_000_000_000n)).toEqual([1n << 63n, 1n << 63n]);
  });
});

// ---------------------------------------------------------------------------------------
// the per-uid fold against a BigInt reference (docs/spec/mechanisms.md 4)

function referenceAggregate(outs: EpochOutput['neurons'][], w: bigint[]) {
  const n = outs[0]!.active.length;
  const sat16 = (x: bigint) => (x > 65535n ? 65535n : x);
  const sat64 = (x: bigint) => (x > U64_MAX ? U64_MAX : x);
  const mul = (x: number | bigint, wk: bigint) => (BigInt(x) * wk) >> 64n;
  const rec = [];
  for (let i = 0; i < n; i++) {
    const r = {
      active: 0, permit: 0, server: 0n, validator: 0n, stake: 0n,
      stake_weight: 0n, consensus: 0n, validator_trust: 0n, dividend: 0n, incentive: 0n, emission: 0n,
    };
    outs.forEach((x, k) => {
      if (k === 0) {
        r.server = x.server_emission[i]!; r.validator = x.validator_emission[i]!; r.stake = x.stake[i]!;
        r.active = x.active[i]!; r.permit = x.new_validator_permit[i]!;
        r.incentive = sat16(mul(x.incentive[i]!, w[0]!));
      } else {
        r.server = sat64(r.server + x.server_emission[i]!); r.validator = sat64(r.validator + x.validator_emission[i]!);
        r.stake = sat64(r.stake + x.stake[i]!);
        r.active |= x.active[i]!; r.permit |= x.new_validator_permit[i]!;
      }
      for (const f of ['stake_weight', 'consensus', 'validator_trust', 'dividend'] as const) r[f] = sat16(r[f] + mul(x[f][i]!, w[k]!));
      r.emission = sat64(r.emission + mul(x.emission[i]!, w[k]!));
    });
    rec.push(r);
  }
  return rec;
}

const N = 6;
const u16vec = fc.array(fc.integer({ min: 0, max: 65535 }), { minLength: N, maxLength: N }).map((a) => Uint16Array.from(a));
const u64vec = fc.array(u64, { minLength: N, maxLength: N }).map((a) => BigUint64Array.from(a));
const boolvec = fc.array(fc.boolean(), { minLength: N, maxLength: N }).map((a) => Uint8Array.from(a, Number));
const neuronsArb = fc.record({
  active: boolvec, stake_weight: u16vec, consensus: u16vec, validator_trust: u16vec, incentive: u16vec, dividend: u16vec,
  new_validator_permit: boolvec, server_emission: u64vec, validator_emission: u64vec, emission: u64vec, stake: u64vec,
});
/** U64F64 weights: ordinary ones up to 1.0, the edges, and (wrapped split sums) above 1.0 */
const weight = fc.oneof(
  fc.bigInt({ min: 0n, max: U64F64_ONE }),
  fc.constantFrom(0n, 1n, U64F64_ONE - 1n, U64F64_ONE, 1n << 63n),
  fc.bigInt({ min: U64F64_ONE, max: (1n << 100n) }),
);

describe('aggregation (docs/spec/mechanisms.md 4)', () => {
  it('equals a BigInt fold with the truncation at every step, for any outputs and U64F64 weights', () => {
    fc.assert(fc.property(fc.array(fc.tuple(neuronsArb, weight), { minLength: 1, maxLength: 16 }), (mechs) => {
      const outs = mechs.map(([neurons]) => ({ netuid: 1, n: N, neurons, bonds: { rowPtr: new Uint32Array(N + 1), col: new Uint32Array(), val: new Uint16Array() } }));
      const w = mechs.map(([, wk]) => wk);
      const got = aggregate(outs, w);
      const want = referenceAggregate(mechs.map(([x]) => x), w);
      for (let i = 0; i < N; i++) {
        const r = want[i]!;
        expect([got.active[i], got.new_validator_permit[i], got.server_emission[i], got.validator_emission[i], got.stake[i]])
          .toEqual([r.active, r.permit, r.server, r.validator, r.stake]);
        expect([got.stake_weight[i], got.consensus[i], got.validator_trust[i], got.dividend[i], got.incentive[i]].map(BigInt))
          .toEqual([r.stake_weight, r.consensus, r.validator_trust, r.dividend, r.incentive]);
        expect(got.emission[i]).toBe(r.emission);
      }
    }), { numRuns: 500 });
  });
});

// ---------------------------------------------------------------------------------------
// the engine on documents

/** A single-mechanism golden input as a one-mechanism document. */
function asOneMechanism(file: string): { multi: MechanismsInput; single: ReturnType<typeof parseEpochInput> } {
  const single = parseEpochInput(readJsonFile(file), file);
  const { weights, bonds, neurons, ...rest } = single;
  const { last_update, commit_block, ...shared } = neurons;
  return { single, multi: { ...rest, neurons: shared, emission_split: null, mechanisms: [{ last_update, commit_block, weights, bonds }] } };
}

describe('runMechanismsEpoch', () => {
  it('with one mechanism equals runEpoch on the single-mechanism document (every edge case)', () => {
    for (const c of findCases([EDGE])) {
      const { single, multi } = asOneMechanism(c.file);
      const a = runEpoch(single);
      const b = runMechanismsEpoch(multi);
      expect(b.neurons).toEqual(a.neurons);
      expect(b.mechanisms).toHaveLength(1);
      expect(b.mechanisms[0]!.bonds).toEqual(a.bonds);
      expect(b.mechanisms[0]!.emission).toBe(single.rao_emission);
    }
  });

  it('runs each mechanism as runEpoch on its own state with its share r_k', () => {
    const input = loadInput('m19_c16_n256_skewed_rao_mixed_y3');
    const out = runMechanismsEpoch(input);
    mechanismInputs(input).forEach((m, k) => {
      const o = runEpoch(m);
      expect(m.weights).toBe(input.mechanisms[k]!.weights);
      expect(m.rao_emission).toBe(out.mechanisms[k]!.emission);
      expect(out.mechanisms[k]!.incentive).toEqual(o.neurons.incentive);
      expect(out.mechanisms[k]!.bonds).toEqual(o.bonds);
    });
  });

  it('pays each mechanism its share; the stored Emission is weighted again (about alpha / M: spec 8.2)', () => {
    const input = loadInput('m49_c8_n23_even_rao_mixed_y3');
    const out = runMechanismsEpoch(input);
    const sum = (a: BigUint64Array) => a.reduce((s, x) => s + x, 0n);
    const M = BigInt(out.mechanisms.length);
    expect(out.mechanisms.reduce((s, m) => s + m.emission, 0n)).toBe(input.rao_emission);
    // server + validator emission: exact sums of what each mechanism paid, at most its share
    const paid = sum(out.neurons.server_emission) + sum(out.neurons.validator_emission);
    expect(paid).toBe(out.mechanisms.reduce((s, m) => s + sum(m.server_emission) + sum(m.validator_emission), 0n));
    for (const m of out.mechanisms) expect(sum(m.server_emission) + sum(m.validator_emission) <= m.emission).toBe(true);
    expect(paid <= input.rao_emission).toBe(true);
    const stored = sum(out.neurons.emission);
    expect(stored <= input.rao_emission / M && stored >= paid / M - BigInt(input.n) * M).toBe(true);
  });
});

describe('documents', () => {
  it('input and output round trip through the golden layout', () => {
    for (const name of ['m01_c1_n33_first_all_rao_base_la_cr_own', 'm09_c2_n40_long_legacy_rao_mixed_y3_la_cr_own', 'm15_c16_n8_unset_one_mixed_y3_cr_own']) {
      const input = loadInput(name);
      expect(parseMechanismsInput(JSON.parse(mechanismsInputToJson(input)))).toEqual(input);
      const out = runMechanismsEpoch(input, { trace: true });
      const back = parseMechanismsOutput(JSON.parse(mechanismsOutputToJson(out)));
      expect(compareMechanismsOutputs(out, back)).toBeNull();
      const expected = parseMechanismsOutput(readJsonFile(fixture(`${name}.expected.json`)));
      expect(JSON.parse(mechanismsOutputToJson(out))).toEqual(readJsonFile(fixture(`${name}.expected.json`)));
      expect(compareMechanismsOutputs(expected, out)).toBeNull();
    }
  });

  it('names the mechanism and field of a mismatch', () => {
    const input = loadInput('m31_c9_n20_even_rao_mixed_y3_own');
    const out = runMechanismsEpoch(input);
    const bad = parseMechanismsOutput(JSON.parse(mechanismsOutputToJson(out)));
    bad.mechanisms[4]!.bonds.val[0]! ^= 1;
    expect(compareMechanismsOutputs(bad, out)).toMatchObject({ field: 'mechanisms[4].bonds' });
  });

  const base = () => JSON.parse(readFileSync(fixture('m03_c3_n20_skewed_zero_mixed_la_own.input.json'), 'utf8'));
  const bad: [string, (d: any) => void, string, RegExp][] = [
    ['top-level weights', (d) => (d.weights = []), 'weights', /per mechanism/],
    ['top-level bonds', (d) => (d.bonds = []), 'bonds', /per mechanism/],
    ['top-level last_update', (d) => (d.neurons.last_update = new Array(20).fill(0)), 'neurons.last_update', /per mechanism/],
    ['top-level commit_block', (d) => (d.neurons.commit_block = new Array(20).fill(null)), 'neurons.commit_block', /per mechanism/],
    ['17 mechanisms', (d) => (d.mechanisms = new Array(17).fill(d.mechanisms[0])), 'mechanisms', /1\.\.16 mechanisms/],
    ['no mechanism', (d) => (d.mechanisms = []), 'mechanisms', /1\.\.16 mechanisms/],
    ['netuid 4096', (d) => (d.netuid = 4096), 'netuid', /below 4096/],
    ['a 17-long split', (d) => (d.emission_split = new Array(17).fill(1)), 'emission_split', /1\.\.16/],
    ['a split value above u16', (d) => (d.emission_split = [1, 65536]), 'emission_split[1]', /0\.\.65535/],
    ['a bad weight in mechanism 2', (d) => (d.mechanisms[2].weights[3] = [[1, 5], [1, 6]]), 'mechanisms[2].weights[3][1][0]', /duplicate uid_j 1/],
    ['a short last_update', (d) => (d.mechanisms[1].last_update = [1]), 'mechanisms[1].last_update', /length n = 20/],
  ];
  for (const [what, edit, field, message] of bad) {
    it(`rejects ${what} (field ${field})`, () => {
      const d = base();
      edit(d);
      expectInputError(() => parseMechanismsInput(d, 'x.json'), field, message);
    });
  }

  it('rejects emission_split (or mechanisms) in a single-mechanism parse', () => {
    const single = readJsonFile(join(EDGE, 'kappa_65535.input.json')) as Record<string, unknown>;
    expect(() => parseEpochInput({ ...single, emission_split: [65535] })).toThrow(/only allowed beside "mechanisms"/);
    expect(() => parseEpochInput(base())).toThrow(/parseMechanismsInput/);
  });
});

describe('bad multi-mechanism sequences', () => {
  const base = () => JSON.parse(readFileSync(fixture('mseq00_c2_yuma2.json'), 'utf8'));
  const oneMechanism = (doc: any) => {
    doc.mechanisms = doc.mechanisms.slice(0, 1);
    if (doc.emission_split) doc.emission_split = doc.emission_split.slice(0, 1);
  };
  const bad: [string, (d: any) => void, string, RegExp][] = [
    ['a registered uid at n', (d) => (d.epochs[2].registered = [d.epochs[2].input.n]), 'epochs[2].registered[0]', /below this epoch's n = \d+\), got \d+/],
    ['another netuid expected', (d) => (d.epochs[1].expected.netuid += 1), 'epochs[1].expected.netuid', /expected netuid 78 \(the input's\)/],
    ['one expected mechanism of two', (d) => oneMechanism(d.epochs[1].expected), 'epochs[1].expected.mechanisms', /mechanism count of 2 \(the input's\), got 1/],
    ['one mechanism from epoch 3 on', (d) => (oneMechanism(d.epochs[3].input), oneMechanism(d.epochs[3].expected)), 'epochs[3].input.mechanisms', /expected 2 mechanisms \(the count stays fixed/],
  ];
  it('has a base that parses', () => {
    expect(parseMechanismsSequence(base(), 'seq.json').epochs).toHaveLength(10);
  });
  for (const [what, edit, field, message] of bad) {
    it(`rejects ${what} (field ${field})`, () => {
      const d = base();
      edit(d);
      expectInputError(() => parseMechanismsSequence(d, 'seq.json'), field, message);
    });
  }
});

// ---------------------------------------------------------------------------------------
// the built CLI

describe('yuma epoch / verify on multi-mechanism documents', () => {
  let dir: string;
  const yuma = (args: string[]) => {
    const r = spawnSync(process.execPath, [bin, ...args], { cwd: root, encoding: 'utf8', maxBuffer: 1 << 28 });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  };
  beforeAll(() => {
    if (!existsSync(bin)) throw new Error(`${bin} is missing: run \`npm run build\``);
    dir = mkdtempSync(join(tmpdir(), 'yuma-mech-'));
  });

  it('yuma epoch --trace writes the expected output', () => {
    const name = 'm05_c8_n96_skewed_u64big_mixed_la_cr';
    const out = join(dir, 'o.json');
    const r = yuma(['epoch', fixture(`${name}.input.json`), '-o', out, '--trace']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(JSON.parse(readFileSync(out, 'utf8'))).toEqual(readJsonFile(fixture(`${name}.expected.json`)));
  });

  it('yuma epoch: bad input is one line naming file, field and index, exit 2, nothing written', () => {
    const d = JSON.parse(readFileSync(fixture('m03_c3_n20_skewed_zero_mixed_la_own.input.json'), 'utf8'));
    d.mechanisms[1].bonds[4] = [[25, 1]];
    const f = join(dir, 'bad.json');
    writeFileSync(f, JSON.stringify(d));
    d.mechanisms[1].bonds[4] = [[2, 1]];
    d.weights = [];
    const g = join(dir, 'bad2.json');
    writeFileSync(g, JSON.stringify(d));
    const r = yuma(['epoch', g, '-o', join(dir, 'never.json')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`yuma epoch: ${g}: weights: not allowed beside "mechanisms": weights is per mechanism (put it in mechanisms[k].weights)\n`);
    expect(existsSync(join(dir, 'never.json'))).toBe(false);
    // a bond column >= n is dropped on input, as the chain does (epoch-io.md): not an error
    expect(yuma(['epoch', f]).code).toBe(0);
  });

  it('yuma profile: one stage table per mechanism, the reference kernels identical', () => {
    const json = join(dir, 'p.json');
    const r = yuma(['profile', fixture('m14_c2_n1_even_rao_base_cr_own.input.json'), '--reps', '2', '--ref-reps', '1', '--json', json]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^profile: m14_c2_n1_even_rao_base_cr_own\.input\.json: 2 mechanisms; epoch /);
    expect(r.stdout).toContain('mechanism 1 (emission 266395934996)');
    const p = JSON.parse(readFileSync(json, 'utf8'));
    expect(p.mechanisms.map((m: { emission: string }) => m.emission)).toEqual(['266404065004', '266395934996']);
    for (const m of p.mechanisms) {
      expect(m.profile.stages.map((s: { stage: string }) => s.stage)).toContain('consensus');
      expect(m.profile.identical).toBe(true);
    }
  });

  it('yuma verify test/fixtures/golden/mechanisms: 64 passed (60 cases + 4 sequences)', () => {
    const r = yuma(['verify', FIXTURES]);
    expect(r.stdout.trim()).toBe('verify: 64 passed, 0 failed');
    expect(r.code).toBe(0);
  }, 60_000);
});
