// The yuma-epoch/1 interchange format (spec/epoch-io.md, Bittensor profile): parse and
// validate JSON documents into the typed form of ./types.ts, and write them back in the
// layout of the golden files. Validation stops at the first problem and throws an
// InputError naming the file, the field path (with indexes) and what was expected.
//
// Speed: the sparse matrices can hold millions of entries, so they are validated and
// packed in plain loops over what JSON.parse produced, into arrays sized by a counting
// pass; error paths are only built when something is wrong.

import {
  BLOCK_MAX, WHAT_N, WHAT_UID_J, WHAT_VALUE,
  Reader, checkInt, checkObject, checkArrayN, fail, show, type Obj,
} from './json-check.js';
import {
  FORMAT,
  UnsupportedProfileError,
  type EpochInput,
  type EpochOutput,
  type EpochTrace,
  type Hyperparameters,
  type SparseU16,
} from './types.js';

// ---------------------------------------------------------------------------------------
// limits and messages (the shared ones live in json-check.ts)

/** bonds_moving_average above this: the chain's two code paths disagree. */
export const BMA_MAX = 2 ** 31 * 1e6 - 1;

const WHAT_I16 = 'an integer -32768..32767 (i16)';
const WHAT_BMA =
  'an integer 0..2147483647999999 (per million, below 2^31 * 10^6; above it the chain\'s two code paths disagree)';

/** The document header: object, format tag, profile, kind. */
export function header(json: unknown, kind: string, base: string, file: string): Reader {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    fail(`expected a JSON object (a ${FORMAT} document), got ${show(json)}`, base, file);
  }
  const r = new Reader(json as Obj, base, file);
  const format = r.get('format');
  if (format !== FORMAT) fail(`expected ${JSON.stringify(FORMAT)}, got ${show(format, false)}`, r.at('format'), file);
  const profile = r.o['profile'];
  if (profile !== undefined && profile !== 'bittensor') {
    if (typeof profile === 'string') throw new UnsupportedProfileError(profile, file, r.at('profile'));
    fail(`expected a profile name string ("bittensor"), got ${show(profile)}`, r.at('profile'), file);
  }
  const k = r.get('kind');
  if (k !== kind) fail(`expected ${JSON.stringify(kind)}, got ${show(k, false)}`, r.at('kind'), file);
  return r;
}

// ---------------------------------------------------------------------------------------
// sparse rows <-> CSR

/**
 * n rows of `[uid_j, value]` pairs, uid_j strictly ascending. Entries with uid_j >= n are
 * dropped when `dropOutOfRange` (the chain ignores them), else rejected. `nullRowMessage`
 * replaces the generic type message for a null row.
 */
export function parseSparse(
  v: unknown,
  n: number,
  dropOutOfRange: boolean,
  field: string,
  file: string,
  nullRowMessage = '',
): SparseU16 {
  const rows = checkArrayN(v, n, 'rows', field, file);
  let total = 0;
  for (let i = 0; i < n; i++) {
    const r = rows[i];
    if (!Array.isArray(r)) {
      if (r === null && nullRowMessage !== '') fail(nullRowMessage, `${field}[${i}]`, file);
      fail(`expected a row (an array of [uid_j, value] pairs), got ${show(r)}`, `${field}[${i}]`, file);
    }
    total += r.length;
  }
  const rowPtr = new Uint32Array(n + 1);
  let col = new Uint32Array(total);
  let val = new Uint16Array(total);
  let k = 0;
  for (let i = 0; i < n; i++) {
    const r = rows[i] as unknown[];
    const len = r.length;
    let prev = -1;
    for (let e = 0; e < len; e++) {
      const pair = r[e];
      if (!Array.isArray(pair) || pair.length !== 2) {
        fail(`expected a [uid_j, value] pair, got ${show(pair)}`, `${field}[${i}][${e}]`, file);
      }
      const j: unknown = pair[0];
      const x: unknown = pair[1];
      if (typeof j !== 'number' || !Number.isInteger(j) || j < 0 || j > 65535) {
        fail(`expected ${WHAT_UID_J}, got ${show(j)}`, `${field}[${i}][${e}][0]`, file);
      }
      if (j <= prev) {
        fail(
          j === prev
            ? `duplicate uid_j ${j} in row ${i}`
            : `unsorted row: uid_j ${j} after ${prev} (uid_j must be strictly ascending)`,
          `${field}[${i}][${e}][0]`,
          file,
        );
      }
      if (typeof x !== 'number' || !Number.isInteger(x) || x < 0 || x > 65535) {
        fail(`expected ${WHAT_VALUE}, got ${show(x)}`, `${field}[${i}][${e}][1]`, file);
      }
      prev = j;
      if (j < n) {
        col[k] = j;
        val[k] = x;
        k++;
      } else if (!dropOutOfRange) {
        fail(`uid_j ${j} is out of range: expected a uid below n = ${n}`, `${field}[${i}][${e}][0]`, file);
      }
    }
    rowPtr[i + 1] = k;
  }
  if (k < total) {
    col = col.slice(0, k);
    val = val.slice(0, k);
  }
  return { rowPtr, col, val };
}

/**
 * Builds a CSR matrix from n rows of `[uid_j, value]` pairs, validated as the parser does
 * (strictly ascending uid_j, u16 values); entries with uid_j >= n are dropped.
 * Throws InputError with fields like `rows[2][1][0]`.
 */
export function sparseFromRows(
  rows: ReadonlyArray<ReadonlyArray<readonly [number, number]>>,
  n: number,
): SparseU16 {
  checkInt(n, 0, 65535, WHAT_N, 'n', '');
  return parseSparse(rows, n, true, 'rows', '');
}

/** The rows of a CSR matrix as `[uid_j, value]` pairs (fresh arrays). */
export function sparseToRows(m: SparseU16): [number, number][][] {
  const n = m.rowPtr.length - 1;
  const out: [number, number][][] = new Array(n);
  for (let i = 0; i < n; i++) {
    const a = m.rowPtr[i]!;
    const b = m.rowPtr[i + 1]!;
    const row: [number, number][] = new Array(b - a);
    for (let k = a; k < b; k++) row[k - a] = [m.col[k]!, m.val[k]!];
    out[i] = row;
  }
  return out;
}

// ---------------------------------------------------------------------------------------
// input

/** `owner_uid`: null or a uid below n. */
export function readOwnerUid(r: Reader, n: number): number | null {
  const ownerRaw = r.get('owner_uid');
  if (ownerRaw === null) return null;
  if (n === 0) fail(`expected null (n = 0: no uid exists), got ${show(ownerRaw)}`, r.at('owner_uid'), r.file);
  return checkInt(ownerRaw, 0, n - 1, `null or a uid: an integer 0..${n - 1} (below n = ${n})`, r.at('owner_uid'), r.file);
}

/** The `hyperparameters` object of an input document. */
export function readHyperparameters(h: Reader): Hyperparameters {
  return {
    tempo: h.u16('tempo'),
    activity_cutoff: h.block('activity_cutoff'),
    kappa: h.u16('kappa'),
    bonds_penalty: h.u16('bonds_penalty'),
    bonds_moving_average: h.int('bonds_moving_average', 0, BMA_MAX, WHAT_BMA),
    max_allowed_validators: h.u16('max_allowed_validators'),
    stake_threshold: h.u64('stake_threshold'),
    yuma3: h.bool('yuma3'),
    liquid_alpha: h.bool('liquid_alpha'),
    alpha_low: h.u16('alpha_low'),
    alpha_high: h.u16('alpha_high'),
    alpha_sigmoid_steepness: h.int('alpha_sigmoid_steepness', -32768, 32767, WHAT_I16),
    commit_reveal: h.bool('commit_reveal'),
  };
}

function parseInputAt(json: unknown, base: string, file: string): EpochInput {
  const r = header(json, 'input', base, file);
  // a multi-mechanism document has its own parser (src/engine/mechanisms/io.ts)
  if (r.has('mechanisms')) {
    fail('a multi-mechanism document (top-level "mechanisms"): read it with parseMechanismsInput', r.at('mechanisms'), file);
  }
  if (r.has('emission_split')) {
    fail('only allowed beside "mechanisms" (a multi-mechanism document)', r.at('emission_split'), file);
  }
  const netuid = r.u16('netuid');
  const n = r.int('n', 0, 65535, WHAT_N);
  const current_block = r.block('current_block');
  const last_mechanism_step_block = r.block('last_mechanism_step_block');
  const rao_emission = r.u64('rao_emission');

  const owner_uid = readOwnerUid(r, n);
  const hyperparameters = readHyperparameters(r.obj('hyperparameters'));

  const tao_weight = r.u64('tao_weight');

  const nr = r.obj('neurons');
  const neurons: EpochInput['neurons'] = {
    alpha_stake: nr.u64Vec('alpha_stake', n),
    tao_stake: nr.u64Vec('tao_stake', n),
    last_update: nr.blockVec('last_update', n),
    block_at_registration: nr.blockVec('block_at_registration', n),
    validator_permit: nr.boolVec('validator_permit', n),
    commit_block: hyperparameters.commit_reveal ? nr.blockVec('commit_block', n, true) : null,
  };

  const weights = parseSparse(r.get('weights'), n, true, r.at('weights'), file);
  const bonds = parseSparse(r.get('bonds'), n, true, r.at('bonds'), file);

  return {
    netuid,
    n,
    current_block,
    last_mechanism_step_block,
    rao_emission,
    owner_uid,
    hyperparameters,
    tao_weight,
    neurons,
    weights,
    bonds,
  };
}

/**
 * Validates a parsed `kind: "input"` document and returns its typed form. Weight and bond
 * entries with uid_j >= n are dropped; `neurons.commit_block` is read only when
 * `hyperparameters.commit_reveal` (null entries become Infinity), else it is null.
 * Throws InputError (UnsupportedProfileError for a non-Bittensor profile).
 */
export function parseEpochInput(json: unknown, file = ''): EpochInput {
  return parseInputAt(json, '', file);
}

// ---------------------------------------------------------------------------------------
// output

export const TRACE_KEYS = ['stake', 'active_stake', 'consensus', 'validator_trust', 'incentive', 'dividends'] as const;
export const NULL_BOND_ROW =
  'expected a bond row, got null ("row left unchanged" is never produced by the Bittensor production path, which rewrites every row)';

function parseOutputAt(json: unknown, base: string, file: string): EpochOutput {
  const r = header(json, 'output', base, file);
  const netuid = r.u16('netuid');
  const n = r.int('n', 0, 65535, WHAT_N);
  const neurons = readOutputNeurons(r.obj('neurons'), n);
  const bonds = parseSparse(r.get('bonds'), n, false, r.at('bonds'), file, NULL_BOND_ROW);
  const out: EpochOutput = { netuid, n, neurons, bonds };
  const trace = readTrace(r, n);
  if (trace) out.trace = trace;
  return out;
}

/** The `neurons` object of an output document. */
export function readOutputNeurons(nr: Reader, n: number): EpochOutput['neurons'] {
  return {
    active: nr.boolVec('active', n),
    stake_weight: nr.u16Vec('stake_weight', n),
    consensus: nr.u16Vec('consensus', n),
    validator_trust: nr.u16Vec('validator_trust', n),
    incentive: nr.u16Vec('incentive', n),
    dividend: nr.u16Vec('dividend', n),
    new_validator_permit: nr.boolVec('new_validator_permit', n),
    server_emission: nr.u64Vec('server_emission', n),
    validator_emission: nr.u64Vec('validator_emission', n),
    emission: nr.u64Vec('emission', n),
    stake: nr.u64Vec('stake', n),
  };
}

/** The optional `trace` of an output document (absent or null: undefined). */
export function readTrace(r: Reader, n: number): EpochTrace | undefined {
  const traceRaw = r.o['trace'];
  if (traceRaw === undefined || traceRaw === null) return undefined;
  const t = r.obj('trace');
  const trace = {} as EpochTrace;
  for (const key of TRACE_KEYS) trace[key] = t.i64Vec(key, n);
  return trace;
}

/**
 * Validates a parsed `kind: "output"` document (an expected file). `trace` is optional
 * (absent or null: none). Bond rows must be arrays with every uid_j < n; a null row is an
 * error. Throws InputError.
 */
export function parseEpochOutput(json: unknown, file = ''): EpochOutput {
  return parseOutputAt(json, '', file);
}

// ---------------------------------------------------------------------------------------
// sequence

/** One epoch of a `kind: "sequence"` document: its index, the uids registered before it, its input and expected output. */
export interface SequenceEpochOf<I, O> {
  epoch: number;
  registered: number[];
  input: I;
  expected: O;
}

export type SequenceEpoch = SequenceEpochOf<EpochInput, EpochOutput>;

export interface EpochSequence {
  epochs: SequenceEpoch[];
}

type EpochDoc = { n: number; netuid: number };

/**
 * The epochs of a `kind: "sequence"` document: every epoch's input and expected output as
 * `parseInputAt` / `parseOutputAt` read them at their field path (like
 * `epochs[3].input.neurons.last_update[2]`), each `registered` uid below that epoch's n, and
 * expected n / netuid equal to the input's; `check` adds the document's own checks of an epoch
 * (`at`: the field path of its expected output). The carry rule itself is not checked here.
 */
export function parseSequenceEpochs<I extends EpochDoc, O extends EpochDoc>(
  json: unknown,
  file: string,
  parseInputAt: (json: unknown, base: string, file: string) => I,
  parseOutputAt: (json: unknown, base: string, file: string) => O,
  check?: (input: I, expected: O, at: string) => void,
): SequenceEpochOf<I, O>[] {
  const r = header(json, 'sequence', '', file);
  const raw = r.get('epochs');
  if (!Array.isArray(raw)) fail(`expected an array of epochs, got ${show(raw)}`, 'epochs', file);
  const epochs: SequenceEpochOf<I, O>[] = new Array(raw.length);
  for (let k = 0; k < raw.length; k++) {
    const base = `epochs[${k}]`;
    const e = new Reader(checkObject(raw[k], base, file), base, file);
    const epoch = e.int('epoch', 0, BLOCK_MAX, 'an integer 0..2^53-1 (the epoch index)');
    const regRaw = e.get('registered');
    if (!Array.isArray(regRaw)) fail(`expected an array of uids, got ${show(regRaw)}`, e.at('registered'), file);
    const input = parseInputAt(e.get('input'), e.at('input'), file);
    const registered: number[] = new Array(regRaw.length);
    for (let i = 0; i < regRaw.length; i++) {
      registered[i] = checkInt(
        regRaw[i],
        0,
        input.n - 1,
        `a uid: an integer 0..${input.n - 1} (below this epoch's n = ${input.n})`,
        `${e.at('registered')}[${i}]`,
        file,
      );
    }
    const at = e.at('expected');
    const expected = parseOutputAt(e.get('expected'), at, file);
    if (expected.n !== input.n) fail(`expected n = ${input.n} (the input's n), got ${expected.n}`, `${at}.n`, file);
    if (expected.netuid !== input.netuid) fail(`expected netuid ${input.netuid} (the input's), got ${expected.netuid}`, `${at}.netuid`, file);
    check?.(input, expected, at);
    epochs[k] = { epoch, registered, input, expected };
  }
  return epochs;
}

/**
 * Validates a parsed `kind: "sequence"` document of single-mechanism epochs (parseSequenceEpochs
 * over parseEpochInput's and parseEpochOutput's readers).
 */
export function parseSequence(json: unknown, file = ''): EpochSequence {
  return { epochs: parseSequenceEpochs(json, file, parseInputAt, parseOutputAt) };
}

// ---------------------------------------------------------------------------------------
// serialization (the golden layout)

export function u64List(a: BigUint64Array | BigInt64Array): string {
  const parts = new Array<string>(a.length);
  for (let i = 0; i < a.length; i++) parts[i] = `"${a[i]}"`;
  return `[${parts.join(',')}]`;
}

export function numList(a: ArrayLike<number>): string {
  const parts = new Array<string>(a.length);
  for (let i = 0; i < a.length; i++) parts[i] = String(a[i]);
  return `[${parts.join(',')}]`;
}

/** Block numbers, Infinity written as null. */
export function blockOrNullList(a: Float64Array): string {
  const parts = new Array<string>(a.length);
  for (let i = 0; i < a.length; i++) parts[i] = a[i] === Infinity ? 'null' : String(a[i]);
  return `[${parts.join(',')}]`;
}

export function boolList(a: Uint8Array): string {
  const parts = new Array<string>(a.length);
  for (let i = 0; i < a.length; i++) parts[i] = a[i] ? 'true' : 'false';
  return `[${parts.join(',')}]`;
}

/** Writes x (a non-negative integer) in decimal at buf[p]; returns the end offset. */
function writeUint(buf: Uint8Array, p: number, x: number): number {
  let end = p + 1;
  for (let t = x; t >= 10; t = Math.floor(t / 10)) end++;
  for (let i = end - 1; i > p; i--) {
    const q = Math.floor(x / 10);
    buf[i] = 48 + x - q * 10;
    x = q;
  }
  buf[p] = 48 + x;
  return end;
}

/**
 * The rows of a matrix, one per line: `[[j,v],[j,v]]` or `[]`, joined by ",\n" (no outer
 * brackets). Written as ASCII bytes into one buffer: about 3x faster than joining
 * per-entry strings on a million entries.
 */
export function matrixBody(m: SparseU16): string {
  const { rowPtr, col, val } = m;
  const n = rowPtr.length - 1;
  // per entry at most "[" + 10 digits + "," + 5 digits + "]" + ","; per row "[", "]", ",\n"
  const buf = Buffer.allocUnsafe(col.length * 19 + n * 4 + 8);
  let p = 0;
  for (let i = 0; i < n; i++) {
    if (i > 0) {
      buf[p++] = 0x2c; // ,
      buf[p++] = 0x0a; // \n
    }
    buf[p++] = 0x5b; // [
    const a = rowPtr[i]!;
    const b = rowPtr[i + 1]!;
    for (let k = a; k < b; k++) {
      if (k > a) buf[p++] = 0x2c;
      buf[p++] = 0x5b;
      p = writeUint(buf, p, col[k]!);
      buf[p++] = 0x2c;
      p = writeUint(buf, p, val[k]!);
      buf[p++] = 0x5d; // ]
    }
    buf[p++] = 0x5d;
  }
  return buf.toString('latin1', 0, p);
}

/** The `hyperparameters` object of an input document, in the golden layout's key order. */
export function hyperparametersJson(h: EpochInput['hyperparameters']): string {
  return (
    `{"tempo":${h.tempo},"activity_cutoff":${h.activity_cutoff},"kappa":${h.kappa},` +
    `"bonds_penalty":${h.bonds_penalty},"bonds_moving_average":${h.bonds_moving_average},` +
    `"max_allowed_validators":${h.max_allowed_validators},"stake_threshold":"${h.stake_threshold}",` +
    `"yuma3":${h.yuma3},"liquid_alpha":${h.liquid_alpha},"alpha_low":${h.alpha_low},` +
    `"alpha_high":${h.alpha_high},"alpha_sigmoid_steepness":${h.alpha_sigmoid_steepness},` +
    `"commit_reveal":${h.commit_reveal}}`
  );
}

/** The fields every input document carries at the top level, single- or multi-mechanism. */
type InputHead = Pick<
  EpochInput,
  'netuid' | 'n' | 'current_block' | 'last_mechanism_step_block' | 'rao_emission' | 'owner_uid' | 'hyperparameters' | 'tao_weight'
>;

/**
 * An input document in the golden layout, one field per line: the subnet's own fields with
 * `extra` after rao_emission (a multi-mechanism document's emission_split), the `neurons`
 * object, then `rest` (the matrices, or the mechanisms).
 */
export function inputDocumentJson(inp: InputHead, neurons: string, rest: string[], extra: string[] = []): string {
  const lines = [
    `{"format":"${FORMAT}"`,
    '"kind":"input"',
    `"netuid":${inp.netuid}`,
    `"n":${inp.n}`,
    `"current_block":${inp.current_block}`,
    `"last_mechanism_step_block":${inp.last_mechanism_step_block}`,
    `"rao_emission":"${inp.rao_emission}"`,
    ...extra,
    `"owner_uid":${inp.owner_uid === null ? 'null' : inp.owner_uid}`,
    `"hyperparameters":${hyperparametersJson(inp.hyperparameters)}`,
    `"tao_weight":"${inp.tao_weight}"`,
    `"neurons":${neurons}`,
    ...rest,
  ];
  return lines.join(',\n') + '}\n';
}

/** The commit blocks in the golden layout; a commit_reveal input without them has no commits: all null. */
export function commitBlockJson(commit: Float64Array | null | undefined, n: number): string {
  return blockOrNullList(commit ?? new Float64Array(n).fill(Infinity));
}

/** The input document in the golden layout (one field per line, one matrix row per line). */
export function epochInputToJson(inp: EpochInput): string {
  const nr = inp.neurons;
  let neurons =
    `{"alpha_stake":${u64List(nr.alpha_stake)},"tao_stake":${u64List(nr.tao_stake)},` +
    `"last_update":${numList(nr.last_update)},"block_at_registration":${numList(nr.block_at_registration)},` +
    `"validator_permit":${boolList(nr.validator_permit)}`;
  if (inp.hyperparameters.commit_reveal) neurons += `,"commit_block":${commitBlockJson(nr.commit_block, inp.n)}`;
  neurons += '}';
  return inputDocumentJson(inp, neurons, [`"weights":[\n${matrixBody(inp.weights)}]`, `"bonds":[\n${matrixBody(inp.bonds)}]`]);
}

/** The `neurons` object's members of an output document, one per line (the golden layout). */
export function outputNeuronsJson(nr: EpochOutput['neurons']): string {
  return [
    `"active":${boolList(nr.active)}`,
    `"stake_weight":${numList(nr.stake_weight)}`,
    `"consensus":${numList(nr.consensus)}`,
    `"validator_trust":${numList(nr.validator_trust)}`,
    `"incentive":${numList(nr.incentive)}`,
    `"dividend":${numList(nr.dividend)}`,
    `"new_validator_permit":${boolList(nr.new_validator_permit)}`,
    `"server_emission":${u64List(nr.server_emission)}`,
    `"validator_emission":${u64List(nr.validator_emission)}`,
    `"emission":${u64List(nr.emission)}`,
    `"stake":${u64List(nr.stake)}`,
  ].join(',\n');
}

/** The output document in the golden layout; `trace` only when present. */
export function epochOutputToJson(out: EpochOutput): string {
  const nr = out.neurons;
  const parts = [
    `{"format":"${FORMAT}","kind":"output","netuid":${out.netuid},"n":${out.n},\n"neurons":{\n`,
    outputNeuronsJson(nr),
    '\n},\n"bonds":[',
    out.bonds.rowPtr.length <= 1 ? '' : `\n${matrixBody(out.bonds)}`,
    ']',
  ];
  const t = out.trace;
  if (t !== undefined) {
    parts.push(',\n"trace":{\n', TRACE_KEYS.map((k) => `"${k}":${u64List(t[k])}`).join(',\n'), '\n}');
  }
  parts.push('}\n');
  return parts.join('');
}

// ---------------------------------------------------------------------------------------
// files: the bounded readers and the atomic writer live in ./files.ts

export { parseJsonBytes, readDocumentBytes, readInputBytes, readJsonFile, writeFileAtomic } from './files.js';
