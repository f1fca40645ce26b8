import { afterAll, describe, it, expect } from 'vitest';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnSync } from 'node:child_process';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import {
  epochInputToJson,
  epochOutputToJson,
  parseEpochInput,
  parseEpochOutput,
  parseSequence,
  parseJsonBytes,
  readDocumentBytes,
  readInputBytes,
  readJsonFile,
  sparseFromRows,
  sparseToRows,
  writeFileAtomic,
} from '../src/engine/io.js';
import { InputError, UnsupportedProfileError } from '../src/engine/types.js';
import { findDuplicateKey } from '../src/engine/json-check.js';

const GOLDEN = fileURLToPath(new URL('./fixtures/golden/', import.meta.url));
const EDGE = path.join(GOLDEN, 'edge');
const RANDOM = path.join(GOLDEN, 'random');
const SEQUENCE = path.join(GOLDEN, 'sequence');

type Json = any; // eslint-disable-line @typescript-eslint/no-explicit-any

function load(file: string): Json {
  return JSON.parse(fs.readFileSync(file, 'utf8'));
}

/** What an input document should look like after a round trip: uid_j >= n entries dropped. */
function normalizedInput(doc: Json): Json {
  const d = structuredClone(doc);
  for (const key of ['weights', 'bonds']) {
    d[key] = d[key].map((row: [number, number][]) => row.filter(([j]) => j < d.n));
  }
  if (!d.hyperparameters.commit_reveal) delete d.neurons.commit_block;
  return d;
}

/** Same JSON, same key order (a fast deep comparison for large documents). */
function expectSameJson(text: string, want: Json): void {
  expect(JSON.stringify(JSON.parse(text))).toBe(JSON.stringify(want));
}

function hasOutOfRange(doc: Json): boolean {
  return ['weights', 'bonds'].some((k) => doc[k].some((row: [number, number][]) => row.some(([j]) => j >= doc.n)));
}

/** The thrown error, asserted to be an InputError. */
function thrown(f: () => unknown): InputError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(InputError);
    return e as InputError;
  }
  throw new Error('expected an InputError, nothing was thrown');
}

const edgeFiles = fs.readdirSync(EDGE).sort();
const edgeInputs = edgeFiles.filter((f) => f.endsWith('.input.json'));
const edgeOutputs = edgeFiles.filter((f) => f.endsWith('.expected.json'));
const randomCases = [
  'r000_n41_v39_sparse_bp0',
  'r006_n76_v75_mixed_cr_bp0',
  'r009_n123_v42_sparse_cr_own_bp0',
  'r013_n350_v123_sparse_la_bpmax',
  'r025_n486_v64_sparse_y3_bpmax',
  'r042_n209_v79_full_y3_la_cr_bp0',
];

describe('golden round trips', () => {
  it('finds the fixtures', () => {
    expect(edgeInputs.length).toBeGreaterThan(60);
    expect(edgeOutputs.length).toBe(edgeInputs.length);
  });

  it.each(edgeInputs)('edge input %s', (f) => {
    const file = path.join(EDGE, f);
    const text = fs.readFileSync(file, 'utf8');
    const doc = JSON.parse(text);
    const inp = parseEpochInput(doc, file);
    expect(inp.n).toBe(doc.n);
    const s = epochInputToJson(inp);
    expect(JSON.parse(s)).toEqual(normalizedInput(doc));
    // the layout is the golden one, byte for byte, when nothing was dropped
    if (!hasOutOfRange(doc)) expect(s).toBe(text);
  });

  it.each(edgeOutputs)('edge expected %s', (f) => {
    const file = path.join(EDGE, f);
    const text = fs.readFileSync(file, 'utf8');
    const doc = JSON.parse(text);
    const s = epochOutputToJson(parseEpochOutput(doc, file));
    expect(JSON.parse(s)).toEqual(doc);
    expect(s).toBe(text);
  });

  it.each(randomCases)('random %s', (name) => {
    const inFile = path.join(RANDOM, `${name}.input.json`);
    const outFile = path.join(RANDOM, `${name}.expected.json`);
    const inDoc = load(inFile);
    const outText = fs.readFileSync(outFile, 'utf8');
    const inp = parseEpochInput(inDoc, inFile);
    expectSameJson(epochInputToJson(inp), normalizedInput(inDoc));
    const out = parseEpochOutput(JSON.parse(outText), outFile);
    expect(out.trace).toBeDefined();
    expect(epochOutputToJson(out)).toBe(outText);
  });

  it('drops weight and bond entries with uid_j >= n (entries_uid_j_ge_n)', () => {
    const doc = load(path.join(EDGE, 'entries_uid_j_ge_n.input.json'));
    expect(doc.n).toBe(5);
    expect(doc.weights[0]).toEqual([[3, 65535], [4, 100], [5, 65535], [7, 1], [65535, 65535]]);
    const inp = parseEpochInput(doc, 'entries_uid_j_ge_n.input.json');
    expect(sparseToRows(inp.weights)).toEqual([[[3, 65535], [4, 100]], [], [], [], []]);
    expect(sparseToRows(inp.bonds)).toEqual([[[3, 100]], [], [], [], []]);
    expect(Array.from(inp.weights.rowPtr)).toEqual([0, 2, 2, 2, 2, 2]);
    expect(inp.weights.col.length).toBe(2);
    expect(inp.weights.val.length).toBe(2);
    expect(Array.from(inp.bonds.rowPtr)).toEqual([0, 1, 1, 1, 1, 1]);
    const back = JSON.parse(epochInputToJson(inp));
    expect(back.weights).toEqual([[[3, 65535], [4, 100]], [], [], [], []]);
    expect(back.bonds).toEqual([[[3, 100]], [], [], [], []]);
    // everything else is unchanged
    expect({ ...back, weights: null, bonds: null }).toEqual({ ...doc, weights: null, bonds: null });
  });

  it('produces the typed form (commit_reveal_masks)', () => {
    const doc = load(path.join(EDGE, 'commit_reveal_masks.input.json'));
    const inp = parseEpochInput(doc);
    expect(inp.netuid).toBe(1);
    expect(inp.current_block).toBe(50000);
    expect(inp.rao_emission).toBe(1000000000n);
    expect(inp.tao_weight).toBe(3320413933267719290n);
    expect(inp.owner_uid).toBeNull();
    expect(inp.hyperparameters).toEqual({
      tempo: 360,
      activity_cutoff: 5000,
      kappa: 32767,
      bonds_penalty: 65535,
      bonds_moving_average: 900000,
      max_allowed_validators: 64,
      stake_threshold: 0n,
      yuma3: false,
      liquid_alpha: false,
      alpha_low: 45875,
      alpha_high: 58982,
      alpha_sigmoid_steepness: 1000,
      commit_reveal: true,
    });
    const nr = inp.neurons;
    expect(nr.alpha_stake).toBeInstanceOf(BigUint64Array);
    expect(nr.alpha_stake[0]).toBe(681513000000000n);
    expect(nr.tao_stake).toBeInstanceOf(BigUint64Array);
    expect(nr.last_update).toBeInstanceOf(Float64Array);
    expect(nr.last_update[2]).toBe(49998);
    expect(Array.from(nr.block_at_registration)).toEqual([0, 0, 0, 40000, 45000, 49000, 49500, 0]);
    expect(nr.validator_permit).toBeInstanceOf(Uint8Array);
    expect(Array.from(nr.validator_permit)).toEqual([1, 1, 1, 0, 0, 0, 0, 0]);
    expect(nr.commit_block).toBeInstanceOf(Float64Array);
    expect(Array.from(nr.commit_block!)).toEqual([44000, 49000, Infinity, Infinity, Infinity, Infinity, Infinity, Infinity]);
    expect(inp.weights.rowPtr).toBeInstanceOf(Uint32Array);
    expect(inp.weights.col).toBeInstanceOf(Uint32Array);
    expect(inp.weights.val).toBeInstanceOf(Uint16Array);
    expect(Array.from(inp.weights.rowPtr)).toEqual([0, 5, 10, 15, 15, 15, 15, 15, 15]);
    expect(Array.from(inp.weights.col.subarray(0, 5))).toEqual([3, 4, 5, 6, 7]);
    expect(Array.from(inp.weights.val.subarray(0, 5))).toEqual([44395, 2750, 43072, 29966, 65141]);
    expect(inp.bonds.col.length).toBe(0);
  });

  it('ignores commit_block without commit_reveal, even a malformed one', () => {
    const doc = load(path.join(EDGE, 'no_weights.input.json'));
    doc.neurons.commit_block = ['junk'];
    const inp = parseEpochInput(doc);
    expect(inp.neurons.commit_block).toBeNull();
    expect(JSON.parse(epochInputToJson(inp)).neurons.commit_block).toBeUndefined();
  });

  it('accepts the documented extremes and ignores unknown fields', () => {
    const doc = load(path.join(EDGE, 'commit_reveal_masks.input.json'));
    doc.profile = 'bittensor';
    doc.comment = 'unknown fields are ignored';
    doc.hyperparameters.extra = [1, 2, 3];
    doc.rao_emission = '18446744073709551615';
    doc.neurons.alpha_stake[1] = '42';
    doc.hyperparameters.bonds_moving_average = 2 ** 31 * 1e6 - 1;
    doc.hyperparameters.alpha_sigmoid_steepness = -32768;
    doc.current_block = Number.MAX_SAFE_INTEGER;
    doc.owner_uid = 7;
    doc.weights[3] = [[0, 0], [7, 65535], [8, 1], [65535, 0]];
    const inp = parseEpochInput(doc);
    expect(inp.rao_emission).toBe(2n ** 64n - 1n);
    expect(inp.neurons.alpha_stake[1]).toBe(42n);
    expect(inp.hyperparameters.bonds_moving_average).toBe(2147483647999999);
    expect(inp.hyperparameters.alpha_sigmoid_steepness).toBe(-32768);
    expect(inp.current_block).toBe(2 ** 53 - 1);
    expect(inp.owner_uid).toBe(7);
    expect(sparseToRows(inp.weights)[3]).toEqual([[0, 0], [7, 65535]]);
  });

  it('treats an absent or null trace as no trace', () => {
    const doc = load(path.join(EDGE, 'no_weights.expected.json'));
    delete doc.trace;
    const out = parseEpochOutput(doc);
    expect(out.trace).toBeUndefined();
    const s = epochOutputToJson(out);
    expect(JSON.parse(s)).toEqual(doc);
    expect(s.endsWith('[],\n[]]}\n')).toBe(true);
    expect(parseEpochOutput({ ...doc, trace: null }).trace).toBeUndefined();
  });

  it('parses the trace as signed i64', () => {
    const doc = load(path.join(EDGE, 'entries_uid_j_ge_n.expected.json'));
    doc.trace.consensus[0] = '-9223372036854775808';
    doc.trace.consensus[1] = '9223372036854775807';
    const out = parseEpochOutput(doc);
    expect(out.trace!.consensus).toBeInstanceOf(BigInt64Array);
    expect(out.trace!.consensus[0]).toBe(-(2n ** 63n));
    expect(out.trace!.consensus[1]).toBe(2n ** 63n - 1n);
    expect(out.trace!.dividends[0]).toBe(4294967296n);
    expect(out.neurons.emission[3]).toBe(499238211n);
    expect(JSON.parse(epochOutputToJson(out))).toEqual(doc);
  });

  it('round-trips a large synthetic input (n = 512, 64k entries per matrix)', () => {
    const n = 512;
    const rows = (seed: number): [number, number][][] =>
      Array.from({ length: n }, (_, i) =>
        Array.from({ length: 128 }, (_, k): [number, number] => [k * 4 + ((i + seed) % 4), (i * 131 + k * 7 + seed) % 65536]),
      );
    const base = load(path.join(EDGE, 'no_weights.input.json'));
    const doc = {
      ...base,
      n,
      neurons: {
        alpha_stake: Array.from({ length: n }, (_, i) => String(BigInt(i) * 123456789012345n)),
        tao_stake: Array.from({ length: n }, (_, i) => String(i)),
        last_update: Array.from({ length: n }, (_, i) => 9000 + i),
        block_at_registration: Array.from({ length: n }, () => 0),
        validator_permit: Array.from({ length: n }, (_, i) => i % 3 === 0),
      },
      weights: rows(1),
      bonds: rows(5),
    };
    const inp = parseEpochInput(doc);
    expect(inp.weights.col.length).toBe(n * 128);
    expect(inp.weights.col[128]).toBe(2);
    expect(inp.bonds.val[n * 128 - 1]).toBe(((n - 1) * 131 + 127 * 7 + 5) % 65536);
    expectSameJson(epochInputToJson(inp), doc);
  });
});

describe('sequences', () => {
  const seqFiles = fs.readdirSync(SEQUENCE).filter((f) => f.endsWith('.json')).sort();

  it('finds the fixtures', () => {
    expect(seqFiles.length).toBeGreaterThanOrEqual(8);
  });

  it.each(seqFiles)('%s parses and its epochs round-trip', (f) => {
    const doc = load(path.join(SEQUENCE, f));
    const seq = parseSequence(doc, f);
    expect(seq.epochs.length).toBe(doc.epochs.length);
    seq.epochs.forEach((e, k) => {
      const raw = doc.epochs[k];
      expect(e.epoch).toBe(raw.epoch);
      expect(e.registered).toEqual(raw.registered);
      expectSameJson(epochInputToJson(e.input), normalizedInput(raw.input));
      expectSameJson(epochOutputToJson(e.expected), raw.expected);
    });
  });

  it('follows the carry rule for permits (seq00)', () => {
    const seq = parseSequence(load(path.join(SEQUENCE, 'seq00_yuma2.json')));
    for (let k = 1; k < seq.epochs.length; k++) {
      const prev = seq.epochs[k - 1]!;
      const cur = seq.epochs[k]!;
      expect(cur.input.last_mechanism_step_block).toBe(prev.input.current_block);
      for (let i = 0; i < cur.input.n; i++) {
        const want = cur.registered.includes(i) ? 0 : prev.expected.neurons.new_validator_permit[i];
        expect(cur.input.neurons.validator_permit[i]).toBe(want);
      }
    }
  });
});

// ---------------------------------------------------------------------------------------
// bad documents: each mutation of a small valid fixture must fail at exactly `field`

interface BadCase {
  name: string;
  mutate: (d: Json) => void;
  field: string;
  message?: RegExp;
  profile?: string;
}

const LEN = /expected an array of length n = 8, got length 7/;

const badInputs: BadCase[] = [
  { name: 'not an object', mutate: () => {}, field: '', message: /expected a JSON object/ },
  { name: 'wrong format tag', mutate: (d) => (d.format = 'yuma-epoch/2'), field: 'format', message: /expected "yuma-epoch\/1", got "yuma-epoch\/2"/ },
  { name: 'missing format', mutate: (d) => delete d.format, field: 'format', message: /^missing field$/ },
  { name: 'wrong kind', mutate: (d) => (d.kind = 'output'), field: 'kind', message: /expected "input", got "output"/ },
  { name: 'profile commune', mutate: (d) => (d.profile = 'commune'), field: 'profile', profile: 'commune', message: /not supported/ },
  { name: 'profile of the wrong type', mutate: (d) => (d.profile = 7), field: 'profile', message: /profile name string/ },
  { name: 'n negative', mutate: (d) => (d.n = -1), field: 'n', message: /got -1/ },
  { name: 'n fractional', mutate: (d) => (d.n = 7.5), field: 'n', message: /not an integer/ },
  { name: 'n too large', mutate: (d) => (d.n = 65536), field: 'n', message: /0\.\.65535/ },
  { name: 'n as a string', mutate: (d) => (d.n = '8'), field: 'n', message: /got "8" \(a string\)/ },
  { name: 'netuid above u16', mutate: (d) => (d.netuid = 65536), field: 'netuid', message: /0\.\.65535/ },
  { name: 'current_block above 2^53-1', mutate: (d) => (d.current_block = 2 ** 53), field: 'current_block', message: /not exact in JSON/ },
  { name: 'missing last_mechanism_step_block', mutate: (d) => delete d.last_mechanism_step_block, field: 'last_mechanism_step_block', message: /^missing field$/ },
  { name: 'u64 as a number', mutate: (d) => (d.rao_emission = 1000), field: 'rao_emission', message: /expected a u64 decimal string, got the number 1000/ },
  { name: 'u64 negative', mutate: (d) => (d.rao_emission = '-5'), field: 'rao_emission', message: /expected a u64 decimal string, got "-5"/ },
  { name: 'u64 fraction', mutate: (d) => (d.rao_emission = '1.5'), field: 'rao_emission', message: /got "1\.5"/ },
  { name: 'u64 exponent', mutate: (d) => (d.rao_emission = '1e9'), field: 'rao_emission', message: /got "1e9"/ },
  { name: 'u64 empty', mutate: (d) => (d.rao_emission = ''), field: 'rao_emission', message: /got ""/ },
  { name: 'u64 above 2^64-1', mutate: (d) => (d.rao_emission = '18446744073709551616'), field: 'rao_emission', message: /above 2\^64-1/ },
  { name: 'u64 with spaces', mutate: (d) => (d.tao_weight = ' 5'), field: 'tao_weight', message: /got " 5"/ },
  { name: 'u64 hex', mutate: (d) => (d.hyperparameters.stake_threshold = '0x10'), field: 'hyperparameters.stake_threshold' },
  { name: 'u64 null', mutate: (d) => (d.tao_weight = null), field: 'tao_weight', message: /got null/ },
  { name: 'alpha_stake element negative', mutate: (d) => (d.neurons.alpha_stake[3] = '-1'), field: 'neurons.alpha_stake[3]', message: /u64 decimal string/ },
  { name: 'tao_stake element as a number', mutate: (d) => (d.neurons.tao_stake[7] = 5), field: 'neurons.tao_stake[7]', message: /the number 5/ },
  { name: 'alpha_stake length', mutate: (d) => d.neurons.alpha_stake.pop(), field: 'neurons.alpha_stake', message: LEN },
  { name: 'tao_stake length', mutate: (d) => d.neurons.tao_stake.pop(), field: 'neurons.tao_stake', message: LEN },
  { name: 'last_update length', mutate: (d) => d.neurons.last_update.pop(), field: 'neurons.last_update', message: LEN },
  { name: 'block_at_registration length', mutate: (d) => d.neurons.block_at_registration.pop(), field: 'neurons.block_at_registration', message: LEN },
  { name: 'validator_permit length', mutate: (d) => d.neurons.validator_permit.pop(), field: 'neurons.validator_permit', message: LEN },
  { name: 'commit_block length', mutate: (d) => d.neurons.commit_block.pop(), field: 'neurons.commit_block', message: LEN },
  { name: 'weights length', mutate: (d) => d.weights.pop(), field: 'weights', message: LEN },
  { name: 'bonds length', mutate: (d) => d.bonds.pop(), field: 'bonds', message: LEN },
  { name: 'kappa above u16', mutate: (d) => (d.hyperparameters.kappa = 65536), field: 'hyperparameters.kappa', message: /expected an integer 0\.\.65535 \(u16\), got 65536/ },
  { name: 'tempo negative', mutate: (d) => (d.hyperparameters.tempo = -1), field: 'hyperparameters.tempo' },
  { name: 'alpha_low fractional', mutate: (d) => (d.hyperparameters.alpha_low = 1.5), field: 'hyperparameters.alpha_low' },
  { name: 'steepness above i16', mutate: (d) => (d.hyperparameters.alpha_sigmoid_steepness = 32768), field: 'hyperparameters.alpha_sigmoid_steepness', message: /i16/ },
  { name: 'steepness below i16', mutate: (d) => (d.hyperparameters.alpha_sigmoid_steepness = -32769), field: 'hyperparameters.alpha_sigmoid_steepness' },
  { name: 'bonds_moving_average too large', mutate: (d) => (d.hyperparameters.bonds_moving_average = 2 ** 31 * 1e6), field: 'hyperparameters.bonds_moving_average', message: /disagree/ },
  { name: 'activity_cutoff NaN', mutate: (d) => (d.hyperparameters.activity_cutoff = NaN), field: 'hyperparameters.activity_cutoff', message: /got NaN/ },
  { name: 'yuma3 as a number', mutate: (d) => (d.hyperparameters.yuma3 = 0), field: 'hyperparameters.yuma3', message: /expected true or false, got 0/ },
  { name: 'liquid_alpha as a string', mutate: (d) => (d.hyperparameters.liquid_alpha = 'false'), field: 'hyperparameters.liquid_alpha', message: /true or false/ },
  { name: 'missing commit_reveal', mutate: (d) => delete d.hyperparameters.commit_reveal, field: 'hyperparameters.commit_reveal', message: /^missing field$/ },
  { name: 'missing hyperparameters', mutate: (d) => delete d.hyperparameters, field: 'hyperparameters', message: /^missing field$/ },
  { name: 'hyperparameters an array', mutate: (d) => (d.hyperparameters = []), field: 'hyperparameters', message: /expected an object, got an array/ },
  { name: 'neurons null', mutate: (d) => (d.neurons = null), field: 'neurons', message: /expected an object, got null/ },
  { name: 'validator_permit element 1', mutate: (d) => (d.neurons.validator_permit[2] = 1), field: 'neurons.validator_permit[2]', message: /true or false/ },
  { name: 'commit_block missing with commit_reveal', mutate: (d) => delete d.neurons.commit_block, field: 'neurons.commit_block', message: /^missing field$/ },
  { name: 'commit_block negative', mutate: (d) => (d.neurons.commit_block[1] = -1), field: 'neurons.commit_block[1]', message: /null or an integer/ },
  { name: 'commit_block as a string', mutate: (d) => (d.neurons.commit_block[1] = '44000'), field: 'neurons.commit_block[1]' },
  { name: 'last_update NaN', mutate: (d) => (d.neurons.last_update[4] = NaN), field: 'neurons.last_update[4]', message: /got NaN/ },
  { name: 'block_at_registration Infinity', mutate: (d) => (d.neurons.block_at_registration[0] = Infinity), field: 'neurons.block_at_registration[0]', message: /got Infinity/ },
  { name: 'last_update fractional', mutate: (d) => (d.neurons.last_update[0] = 1.5), field: 'neurons.last_update[0]' },
  { name: 'last_update null', mutate: (d) => (d.neurons.last_update[6] = null), field: 'neurons.last_update[6]', message: /got null/ },
  { name: 'owner_uid = n', mutate: (d) => (d.owner_uid = 8), field: 'owner_uid', message: /below n = 8/ },
  { name: 'owner_uid negative', mutate: (d) => (d.owner_uid = -1), field: 'owner_uid' },
  { name: 'owner_uid as a string', mutate: (d) => (d.owner_uid = '1'), field: 'owner_uid' },
  { name: 'missing owner_uid', mutate: (d) => delete d.owner_uid, field: 'owner_uid', message: /^missing field$/ },
  { name: 'duplicate uid_j', mutate: (d) => (d.weights[2] = [[3, 1], [3, 2]]), field: 'weights[2][1][0]', message: /duplicate uid_j 3/ },
  { name: 'unsorted uid_j', mutate: (d) => (d.weights[0] = [[5, 1], [3, 2]]), field: 'weights[0][1][0]', message: /unsorted/ },
  { name: 'unsorted among dropped entries', mutate: (d) => (d.weights[0] = [[3, 1], [9, 1], [8, 1]]), field: 'weights[0][2][0]', message: /unsorted/ },
  { name: 'duplicate among dropped entries', mutate: (d) => (d.bonds[4] = [[9, 1], [9, 1]]), field: 'bonds[4][1][0]', message: /duplicate/ },
  { name: 'bond value above u16', mutate: (d) => (d.bonds[1] = [[2, 65536]]), field: 'bonds[1][0][1]', message: /0\.\.65535/ },
  { name: 'weight value negative', mutate: (d) => (d.weights[1][2][1] = -1), field: 'weights[1][2][1]' },
  { name: 'weight value as a string', mutate: (d) => (d.weights[1][0][1] = '7'), field: 'weights[1][0][1]', message: /a string/ },
  { name: 'uid_j negative', mutate: (d) => (d.weights[0][0][0] = -1), field: 'weights[0][0][0]', message: /uid_j/ },
  { name: 'uid_j fractional', mutate: (d) => (d.weights[0][0][0] = 2.5), field: 'weights[0][0][0]' },
  { name: 'uid_j above u16', mutate: (d) => (d.weights[0][4][0] = 65536), field: 'weights[0][4][0]' },
  { name: 'entry of one element', mutate: (d) => (d.weights[0][1] = [4]), field: 'weights[0][1]', message: /\[uid_j, value\] pair/ },
  { name: 'entry of three elements', mutate: (d) => (d.weights[0][1] = [4, 1, 2]), field: 'weights[0][1]' },
  { name: 'entry an object', mutate: (d) => (d.bonds[0] = [{ uid: 1, value: 2 }]), field: 'bonds[0][0]', message: /got an object/ },
  { name: 'row null', mutate: (d) => (d.weights[3] = null), field: 'weights[3]', message: /expected a row/ },
  { name: 'bonds an object', mutate: (d) => (d.bonds = {}), field: 'bonds', message: /expected an array/ },
  { name: 'missing weights', mutate: (d) => delete d.weights, field: 'weights', message: /^missing field$/ },
];

describe('bad inputs', () => {
  const base = load(path.join(EDGE, 'commit_reveal_masks.input.json'));

  it('has a base that parses', () => {
    expect(base.n).toBe(8);
    expect(() => parseEpochInput(base, 'bad.json')).not.toThrow();
  });

  it.each(badInputs)('$name -> $field', (c) => {
    const doc = c.name === 'not an object' ? [base] : structuredClone(base);
    c.mutate(doc);
    const e = thrown(() => parseEpochInput(doc, 'bad.json'));
    expect(e.field).toBe(c.field);
    expect(e.file).toBe('bad.json');
    expect(e.describe()).toContain('bad.json');
    expect(e.describe()).toBe(c.field === '' ? `bad.json: ${e.message}` : `bad.json: ${c.field}: ${e.message}`);
    if (c.message) expect(e.message).toMatch(c.message);
    if (c.profile !== undefined) {
      expect(e).toBeInstanceOf(UnsupportedProfileError);
      expect((e as UnsupportedProfileError).profile).toBe(c.profile);
    } else {
      expect(e).not.toBeInstanceOf(UnsupportedProfileError);
    }
  });

  it('refuses leading zeros and "-0" in u64 and i64 strings; "0" is fine', () => {
    for (const bad of ['01', '00', '00042', '-0', '-01']) {
      const doc = structuredClone(base);
      doc.neurons.alpha_stake[2] = bad;
      const e = thrown(() => parseEpochInput(doc, 'bad.json'));
      expect(e.field).toBe('neurons.alpha_stake[2]');
      expect(e.message).toContain(JSON.stringify(bad));
    }
    const doc = structuredClone(base);
    doc.neurons.alpha_stake[2] = '0';
    expect(parseEpochInput(doc).neurons.alpha_stake[2]).toBe(0n);
    const out = load(path.join(EDGE, 'kappa_0.expected.json'));
    out.trace.stake[0] = '-01';
    expect(thrown(() => parseEpochOutput(out, 'o.json')).field).toBe('trace.stake[0]');
    out.trace.stake[0] = '-0';
    expect(thrown(() => parseEpochOutput(out, 'o.json')).message).toMatch(/write 0/);
  });

  it('reports owner_uid with n = 0 before the arrays', () => {
    const doc = load(path.join(EDGE, 'n0_empty.input.json'));
    expect(parseEpochInput(doc).n).toBe(0);
    doc.owner_uid = 0;
    expect(thrown(() => parseEpochInput(doc, 'x')).field).toBe('owner_uid');
  });
});

const badOutputs: BadCase[] = [
  { name: 'wrong kind', mutate: (d) => (d.kind = 'input'), field: 'kind', message: /expected "output", got "input"/ },
  { name: 'profile commune', mutate: (d) => (d.profile = 'commune'), field: 'profile', profile: 'commune' },
  { name: 'null bond row', mutate: (d) => (d.bonds[1] = null), field: 'bonds[1]', message: /never produced/ },
  { name: 'bond uid_j >= n', mutate: (d) => (d.bonds[0] = [[5, 1]]), field: 'bonds[0][0][0]', message: /out of range.*n = 5/ },
  { name: 'bond rows unsorted', mutate: (d) => (d.bonds[0] = [[4, 1], [3, 1]]), field: 'bonds[0][1][0]', message: /unsorted/ },
  { name: 'bonds length', mutate: (d) => d.bonds.push([]), field: 'bonds', message: /length n = 5, got length 6/ },
  { name: 'stake_weight length', mutate: (d) => d.neurons.stake_weight.pop(), field: 'neurons.stake_weight', message: /length n = 5, got length 4/ },
  { name: 'incentive above u16', mutate: (d) => (d.neurons.incentive[3] = 65536), field: 'neurons.incentive[3]' },
  { name: 'emission as a number', mutate: (d) => (d.neurons.emission[0] = 5), field: 'neurons.emission[0]', message: /u64 decimal string/ },
  { name: 'active as a string', mutate: (d) => (d.neurons.active[0] = 'true'), field: 'neurons.active[0]' },
  { name: 'missing new_validator_permit', mutate: (d) => delete d.neurons.new_validator_permit, field: 'neurons.new_validator_permit', message: /^missing field$/ },
  { name: 'trace above i64', mutate: (d) => (d.trace.stake[2] = '9223372036854775808'), field: 'trace.stake[2]', message: /i64/ },
  { name: 'trace fraction', mutate: (d) => (d.trace.incentive[0] = '1.0'), field: 'trace.incentive[0]' },
  { name: 'trace missing a vector', mutate: (d) => delete d.trace.dividends, field: 'trace.dividends', message: /^missing field$/ },
  { name: 'trace an array', mutate: (d) => (d.trace = []), field: 'trace', message: /expected an object/ },
];

describe('bad outputs', () => {
  const base = load(path.join(EDGE, 'entries_uid_j_ge_n.expected.json'));

  it.each(badOutputs)('$name -> $field', (c) => {
    const doc = structuredClone(base);
    c.mutate(doc);
    const e = thrown(() => parseEpochOutput(doc, 'out.json'));
    expect(e.field).toBe(c.field);
    expect(e.describe()).toContain('out.json');
    if (c.message) expect(e.message).toMatch(c.message);
    expect(e instanceof UnsupportedProfileError).toBe(c.profile !== undefined);
  });
});

const badSequences: BadCase[] = [
  { name: 'wrong kind', mutate: (d) => (d.kind = 'input'), field: 'kind' },
  { name: 'missing epochs', mutate: (d) => delete d.epochs, field: 'epochs', message: /^missing field$/ },
  { name: 'epoch negative', mutate: (d) => (d.epochs[1].epoch = -1), field: 'epochs[1].epoch' },
  { name: 'epoch not an object', mutate: (d) => (d.epochs[0] = 3), field: 'epochs[0]', message: /expected an object/ },
  { name: 'registered uid >= n', mutate: (d) => (d.epochs[1].registered = [6]), field: 'epochs[1].registered[0]', message: /below this epoch's n = 6/ },
  { name: 'registered not an array', mutate: (d) => (d.epochs[0].registered = 1), field: 'epochs[0].registered' },
  { name: 'nested input field', mutate: (d) => (d.epochs[1].input.neurons.last_update[2] = -1), field: 'epochs[1].input.neurons.last_update[2]' },
  { name: 'nested input profile', mutate: (d) => (d.epochs[0].input.profile = 'commune'), field: 'epochs[0].input.profile', profile: 'commune' },
  { name: 'nested null bond row', mutate: (d) => (d.epochs[1].expected.bonds[4] = null), field: 'epochs[1].expected.bonds[4]', message: /never produced/ },
  { name: 'nested missing expected', mutate: (d) => delete d.epochs[0].expected, field: 'epochs[0].expected', message: /^missing field$/ },
  { name: 'netuid mismatch', mutate: (d) => (d.epochs[0].expected.netuid = 2), field: 'epochs[0].expected.netuid', message: /input's/ },
];

describe('bad sequences', () => {
  const input = load(path.join(EDGE, 'no_weights.input.json'));
  const expected = load(path.join(EDGE, 'no_weights.expected.json'));
  const base = {
    format: 'yuma-epoch/1',
    kind: 'sequence',
    carry_rule: 'see spec',
    epochs: [
      { epoch: 0, registered: [], input: structuredClone(input), expected: structuredClone(expected) },
      { epoch: 1, registered: [2, 5], input: structuredClone(input), expected: structuredClone(expected) },
    ],
  };

  it('has a base that parses', () => {
    const seq = parseSequence(structuredClone(base), 'seq.json');
    expect(seq.epochs.map((e) => e.registered)).toEqual([[], [2, 5]]);
    expect(seq.epochs[1]!.input.n).toBe(6);
  });

  it.each(badSequences)('$name -> $field', (c) => {
    const doc = structuredClone(base) as Json;
    c.mutate(doc);
    const e = thrown(() => parseSequence(doc, 'seq.json'));
    expect(e.field).toBe(c.field);
    expect(e.describe()).toBe(`seq.json: ${c.field}: ${e.message}`);
    if (c.message) expect(e.message).toMatch(c.message);
    expect(e instanceof UnsupportedProfileError).toBe(c.profile !== undefined);
  });
});

describe('sparse helpers', () => {
  it('builds CSR from rows and back, dropping uid_j >= n', () => {
    const m = sparseFromRows([[[0, 5], [2, 0], [3, 9]], [], [[1, 65535]]], 3);
    expect(Array.from(m.rowPtr)).toEqual([0, 2, 2, 3]);
    expect(Array.from(m.col)).toEqual([0, 2, 1]);
    expect(Array.from(m.val)).toEqual([5, 0, 65535]);
    expect(sparseToRows(m)).toEqual([[[0, 5], [2, 0]], [], [[1, 65535]]]);
    expect(sparseToRows(sparseFromRows([], 0))).toEqual([]);
  });

  it('validates like the parser', () => {
    const dup = thrown(() => sparseFromRows([[], [[1, 1], [1, 2]]], 2));
    expect(dup.field).toBe('rows[1][1][0]');
    expect(dup.message).toMatch(/duplicate/);
    expect(thrown(() => sparseFromRows([[]], 2)).field).toBe('rows');
    expect(thrown(() => sparseFromRows([[[0, 70000]]], 1)).field).toBe('rows[0][0][1]');
  });
});

describe('files', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'yuma-io-test-'));
  const source = path.join(EDGE, 'no_weights.input.json');

  it('reads plain and gzipped JSON', () => {
    const want = load(source);
    expect(readJsonFile(source)).toEqual(want);
    const gz = path.join(dir, 'x.input.json.gz');
    fs.writeFileSync(gz, gzipSync(fs.readFileSync(source)));
    expect(readJsonFile(gz)).toEqual(want);
  });

  it('names the file when it is missing, a directory, bad gzip or bad JSON', () => {
    const missing = path.join(dir, 'nope.json');
    const e1 = thrown(() => readJsonFile(missing));
    expect(e1.file).toBe(missing);
    expect(e1.describe()).toBe(`${missing}: cannot read: no such file`);

    expect(thrown(() => readJsonFile(dir)).message).toMatch(/directory/);

    const badGz = path.join(dir, 'bad.json.gz');
    fs.writeFileSync(badGz, Buffer.from([0x1f, 0x8b, 1, 2, 3, 4]));
    const e2 = thrown(() => readJsonFile(badGz));
    expect(e2.message).toMatch(/gzip/);
    expect(e2.describe()).toContain(badGz);

    const bad = path.join(dir, 'bad.json');
    fs.writeFileSync(bad, '{"a": 1,\n "b" 2}');
    const e3 = thrown(() => readJsonFile(bad));
    expect(e3.file).toBe(bad);
    expect(e3.message).toMatch(/^invalid JSON: /);
    expect(e3.message).toMatch(/line 2, column 6/);
    expect(e3.describe()).toContain(bad);

    // whatever JSON.parse says, the message stays on one line
    fs.writeFileSync(bad, '{"a": 1,\n "b": }');
    const e4 = thrown(() => readJsonFile(bad));
    expect(e4.message).toMatch(/^invalid JSON: /);
    expect(e4.describe()).not.toContain('\n');
    expect(e4.describe()).toContain(bad);
  });

  it('writes atomically and leaves no temp files', () => {
    const target = path.join(dir, 'out.json');
    writeFileAtomic(target, 'first');
    expect(fs.readFileSync(target, 'utf8')).toBe('first');
    writeFileAtomic(target, new TextEncoder().encode('second'));
    expect(fs.readFileSync(target, 'utf8')).toBe('second');
    expect(fs.readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('removes the temp file when the rename fails, and rethrows', () => {
    const sub = path.join(dir, 'sub');
    const target = path.join(sub, 'is-a-dir');
    fs.mkdirSync(target, { recursive: true });
    expect(() => writeFileAtomic(target, 'data')).toThrow();
    expect(fs.readdirSync(sub)).toEqual(['is-a-dir']);
    expect(() => writeFileAtomic(path.join(dir, 'no-such-dir', 'f.json'), 'x')).toThrow(/ENOENT/);
  });

  it('round-trips through the file helpers', () => {
    const out = parseEpochOutput(readJsonFile(path.join(EDGE, 'permit_churn.expected.json')));
    const target = path.join(dir, 'permit_churn.expected.json');
    writeFileAtomic(target, epochOutputToJson(out));
    expect(fs.readFileSync(target, 'utf8')).toBe(fs.readFileSync(path.join(EDGE, 'permit_churn.expected.json'), 'utf8'));
  });

  it('refuses a repeated key in any object, naming its field; keys in strings or other objects are fine', () => {
    const dup = (text: string) => findDuplicateKey(Buffer.from(text));
    expect(dup('{"a":1,"b":2,"a":3}')).toEqual({ field: 'a', key: 'a' });
    expect(dup('{"x":{"k":1,"k":2}}')).toEqual({ field: 'x.k', key: 'k' });
    expect(dup('{"epochs":[{},{"input":{"n":1,"h":{},"n":2}}]}')).toEqual({ field: 'epochs[1].input.n', key: 'n' });
    expect(dup('[[1,2],[3,{"a":[],"a":{}}]]')).toEqual({ field: '[1][1].a', key: 'a' });
    // escapes name the same key as JSON.parse sees it
    expect(dup('{"kappa":1,"k\\u0061ppa":2}')).toEqual({ field: 'kappa', key: 'kappa' });
    expect(dup('{"a\\"b":1,"a\\\\":2,"x":"{\\"a\\":1,\\"a\\":2}"}')).toBeNull();
    expect(dup('{"a":{"a":{"a":1}},"b":[{"a":1},{"a":2}],"c":{}}')).toBeNull();
    expect(dup('"a"')).toBeNull();

    const text = fs.readFileSync(path.join(EDGE, 'kappa_0.input.json'), 'utf8').replace('"kappa":0', '"kappa":0,"kappa":65535');
    const e = thrown(() => parseJsonBytes(Buffer.from(text), 'k.json'));
    expect(e.describe()).toBe('k.json: hyperparameters.kappa: duplicate key "kappa" (each key once per object)');
  });

  it('finds no repeated key in any JSON.stringify output, and finds a repeated one beside any value', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        expect(findDuplicateKey(Buffer.from(JSON.stringify(v)))).toBeNull();
      }),
    );
    fc.assert(
      fc.property(fc.jsonValue(), fc.string(), fc.jsonValue(), (v, key, x) => {
        // put {"key":x,...,"key":x} somewhere in v: the scanner must find the second key
        const inner = `{${JSON.stringify(key)}:${JSON.stringify(x)},${JSON.stringify(key)}:${JSON.stringify(x)}}`;
        const text = `[${inner},${JSON.stringify([v]).slice(1)}`;
        expect(findDuplicateKey(Buffer.from(text))?.key).toBe(key);
      }),
    );
  });

  it('refuses input beyond the limit: a file by its size, a stream as it arrives, gzip as it inflates', () => {
    const file = path.join(dir, 'ten.json');
    fs.writeFileSync(file, '[1,2,3,45]');
    expect(readJsonFile(file, 10)).toEqual([1, 2, 3, 45]);
    expect(thrown(() => readJsonFile(file, 9)).describe()).toBe(
      `${file}: too large: 10 bytes; the maximum input size is 9 bytes`,
    );
    // a device has no size: read until the limit, then refused
    expect(thrown(() => readInputBytes('/dev/zero', 100_000)).message).toMatch(/^too large: more than .*stopped reading there$/);
    const gz = path.join(dir, 'zeros.json.gz');
    fs.writeFileSync(gz, gzipSync(Buffer.alloc(1 << 20, 0x20)));
    expect(readDocumentBytes(gz, 1 << 20)).toHaveLength(1 << 20);
    expect(thrown(() => readDocumentBytes(gz, (1 << 20) - 1)).message).toMatch(/^too large after gunzip: .*stopped inflating there$/);
    expect(thrown(() => parseJsonBytes(Buffer.from('[1]'), 'b', 2)).message).toMatch(/^too large: 3 bytes/);
  });

  it('replaces the target of a symlink atomically, keeping the link', () => {
    const target = path.join(dir, 'target.json');
    const link = path.join(dir, 'link.json');
    fs.writeFileSync(target, 'old');
    fs.chmodSync(target, 0o640);
    fs.symlinkSync('target.json', link);
    writeFileAtomic(link, 'new');
    expect(fs.lstatSync(link).isSymbolicLink()).toBe(true);
    expect(fs.readFileSync(target, 'utf8')).toBe('new');
    expect(fs.statSync(target).mode & 0o777).toBe(0o640);
    fs.symlinkSync('missing.json', path.join(dir, 'dangling.json'));
    expect(() => writeFileAtomic(path.join(dir, 'dangling.json'), 'x')).toThrow(/ENOENT/);
    expect(fs.existsSync(path.join(dir, 'missing.json'))).toBe(false);
  });

  it('writes through a FIFO instead of replacing it', () => {
    const fifo = path.join(dir, 'fifo');
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
    // a reader first (non-blocking open), so that opening for writing does not wait
    const rd = fs.openSync(fifo, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
    try {
      writeFileAtomic(fifo, 'through the fifo');
      const buf = Buffer.alloc(64);
      const k = fs.readSync(rd, buf, 0, 64, null);
      expect(buf.toString('utf8', 0, k)).toBe('through the fifo');
    } finally {
      fs.closeSync(rd);
    }
    expect(fs.lstatSync(fifo).isFIFO()).toBe(true);
  });

  // a private character device (the same as /dev/null, made in the temp dir): the real
  // /dev/null is never a target, so a regression cannot destroy it
  const canMknod = spawnSync('mknod', [path.join(dir, 'probe'), 'c', '1', '3']).status === 0;
  it.skipIf(!canMknod)('writes through a character device instead of replacing it (needs mknod)', () => {
    const dev = path.join(dir, 'null');
    expect(spawnSync('mknod', [dev, 'c', '1', '3']).status).toBe(0);
    writeFileAtomic(dev, 'discarded');
    expect(fs.lstatSync(dev).isCharacterDevice()).toBe(true);
    expect(fs.readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
});
