// Validation of a hand-built (typed) EpochInput, the same rules the JSON reader applies to a
// document (spec/epoch-io.md), checked on the typed arrays: every array's type and length,
// the CSR shape of weights and bonds, ascending unique columns below n, and every value's
// range. O(n + nnz) and allocation-free; the first problem throws an InputError naming the
// field (and index) of the typed form, e.g. `weights.col[17]`.
import { BLOCK_MAX, WHAT_BLOCK, WHAT_N, WHAT_U16, U64_MAX, fail, show } from './json-check.js';
import { BMA_MAX } from './io.js';
import type { EpochInput } from './types.js';

type Obj = Record<string, unknown>;
type TypedName = 'Uint8Array' | 'Uint16Array' | 'Uint32Array' | 'Int32Array' | 'Float64Array' | 'BigUint64Array';
type TypedOf = {
  Uint8Array: Uint8Array; Uint16Array: Uint16Array; Uint32Array: Uint32Array; Int32Array: Int32Array;
  Float64Array: Float64Array; BigUint64Array: BigUint64Array;
};

/** A plain object at `field`, or fail. */
export function object(v: unknown, field: string): Obj {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(`expected an object, got ${describe(v)}`, field, '');
  return v as Obj;
}

/** A short rendering of a value of the typed form (typed arrays by kind and length). */
function describe(v: unknown): string {
  if (ArrayBuffer.isView(v)) return `a ${(v as unknown as { [Symbol.toStringTag]: string })[Symbol.toStringTag] ?? 'DataView'} of length ${(v as { length?: number }).length ?? v.byteLength}`;
  return show(v);
}

export function int(v: unknown, lo: number, hi: number, what: string, field: string): number {
  if (typeof v === 'number' && Number.isInteger(v) && v >= lo && v <= hi) return v;
  return fail(`expected ${what}, got ${describe(v)}`, field, '');
}

export function u64(v: unknown, field: string, below: bigint = U64_MAX + 1n, what = 'a u64 bigint (0..2^64-1)'): bigint {
  if (typeof v === 'bigint' && v >= 0n && v < below) return v;
  return fail(`expected ${what}, got ${describe(v)}`, field, '');
}

export function bool(v: unknown, field: string): boolean {
  if (typeof v === 'boolean') return v;
  return fail(`expected true or false, got ${describe(v)}`, field, '');
}

/**
 * A typed array of kind `name` (by its tag, so that arrays from another realm pass) and,
 * when `len` >= 0, of that length.
 */
export function typed<K extends TypedName>(v: unknown, name: K, len: number, field: string, lenWhat = ''): TypedOf[K] {
  const tag = ArrayBuffer.isView(v) ? (v as unknown as { [Symbol.toStringTag]: string })[Symbol.toStringTag] : undefined;
  if (tag !== name) fail(`expected a ${name}${len >= 0 ? ` of length ${len}${lenWhat}` : ''}, got ${describe(v)}`, field, '');
  const a = v as TypedOf[K];
  if (len >= 0 && a.length !== len) fail(`expected a ${name} of length ${len}${lenWhat}, got length ${a.length}`, field, '');
  return a;
}

/** Block numbers: integers 0..2^53-1 (Infinity too when `none`: no unexpired commit). */
export function blocks(a: Float64Array, field: string, none = false): void {
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    if (x >= 0 && x <= BLOCK_MAX && Math.floor(x) === x) continue;
    if (none && x === Infinity) continue;
    fail(`expected ${none ? `Infinity (none) or ${WHAT_BLOCK}` : WHAT_BLOCK}, got ${x}`, `${field}[${i}]`, '');
  }
}

/** Flags: 0 or 1. */
export function flags(a: Uint8Array, field: string): void {
  for (let i = 0; i < a.length; i++) if (a[i]! > 1) fail(`expected 0 or 1, got ${a[i]}`, `${field}[${i}]`, '');
}

/**
 * A CSR matrix of n rows: rowPtr u32[n+1] from 0, never decreasing, ending at nnz; col u32[nnz]
 * strictly ascending within each row and below n; val u16[nnz].
 */
export function csr(v: unknown, n: number, field: string, columns = true): void {
  const m = object(v, field);
  const rowPtr = typed(m['rowPtr'], 'Uint32Array', n + 1, `${field}.rowPtr`, ' (n + 1)');
  const col = typed(m['col'], 'Uint32Array', -1, `${field}.col`);
  const nnz = col.length;
  typed(m['val'], 'Uint16Array', nnz, `${field}.val`, ` (as ${field}.col)`);
  if (rowPtr[0] !== 0) fail(`expected 0 (rows start at entry 0), got ${rowPtr[0]}`, `${field}.rowPtr[0]`, '');
  if (rowPtr[n] !== nnz) fail(`expected ${nnz} (the entry count, ${field}.col.length), got ${rowPtr[n]}`, `${field}.rowPtr[${n}]`, '');
  for (let i = 0; i < n; i++) {
    const a = rowPtr[i]!;
    const b = rowPtr[i + 1]!;
    if (b < a || b > nnz) {
      fail(`expected ${a}..${nnz} (row pointers never decrease and end at ${nnz}), got ${b}`, `${field}.rowPtr[${i + 1}]`, '');
    }
    if (columns && !ascendingBelow(col, a, b, n)) badRow(col, a, b, i, n, field);
  }
}

/** The InputError of a CSR's first bad row (csr with `columns` left to a kernel that found one). */
export function csrRowError(m: { rowPtr: Uint32Array; col: Uint32Array }, n: number, field: string): never {
  for (let i = 0; i < n; i++) {
    const a = m.rowPtr[i]!, b = m.rowPtr[i + 1]!;
    if (!ascendingBelow(m.col, a, b, n)) badRow(m.col, a, b, i, n, field);
  }
  throw new Error(`${field}: a row was reported bad that is not`); // a kernel bug, not an input error
}

/**
 * The hot loop: whether col[a..b) is strictly ascending with its last entry below n (then every
 * entry is). Eight comparisons per step, read as one condition: V8 runs that faster than one
 * comparison per step (measured: bench/validate.ab.ts).
 */
function ascendingBelow(col: Uint32Array, a: number, b: number, n: number): boolean {
  if (a === b) return true;
  let k = a + 1;
  for (; k + 7 < b; k += 8) {
    const c0 = col[k - 1]!, c1 = col[k]!, c2 = col[k + 1]!, c3 = col[k + 2]!, c4 = col[k + 3]!;
    const c5 = col[k + 4]!, c6 = col[k + 5]!, c7 = col[k + 6]!, c8 = col[k + 7]!;
    if (!(c0 < c1 && c1 < c2 && c2 < c3 && c3 < c4 && c4 < c5 && c5 < c6 && c6 < c7 && c7 < c8)) return false;
  }
  for (; k < b; k++) if (col[k]! <= col[k - 1]!) return false;
  return col[b - 1]! < n;
}

/** The first bad entry of row i (known to hold one), named. */
function badRow(col: Uint32Array, a: number, b: number, i: number, n: number, field: string): never {
  let prev = -1;
  for (let k = a; k < b; k++) {
    const j = col[k]!;
    const at = `${field}.col[${k}]`;
    if (j >= n) fail(`uid_j ${j} in row ${i} is out of range: expected a uid below n = ${n}`, at, '');
    if (j === prev) fail(`duplicate uid_j ${j} in row ${i}`, at, '');
    if (j < prev) fail(`unsorted row ${i}: uid_j ${j} after ${prev} (uid_j must be strictly ascending)`, at, '');
    prev = j;
  }
  return fail(`bad row ${i}`, field, '');
}

/**
 * Checks a typed EpochInput built by hand (parseEpochInput's output always passes): every
 * field present with its type and range, every per-uid array of length n, weights and bonds
 * well-formed CSR with columns below n. Throws InputError naming the field and index.
 * runEpoch and the pool calls run it first. O(n + nnz).
 */
export function validateEpochInput(input: unknown): asserts input is EpochInput {
  checkEpochInput(input, true);
}

/**
 * validateEpochInput without the order and range of the weights' and bonds' columns (runEpoch
 * and the pool's workers check them where they land in the kernels' memory: csrRowsCheck). On a
 * bad input it throws what validateEpochInput would: its first problem may be a column before
 * the one this check found.
 * @internal
 */
export function _validateEpochShape(input: unknown): asserts input is EpochInput {
  try {
    checkEpochInput(input, false);
  } catch (e) {
    checkEpochInput(input, true);
    throw e;
  }
}

function checkEpochInput(input: unknown, columns: boolean): asserts input is EpochInput {
  const o = object(input, '');
  int(o['netuid'], 0, 65535, WHAT_U16, 'netuid');
  const n = int(o['n'], 0, 65535, WHAT_N, 'n');
  int(o['current_block'], 0, BLOCK_MAX, WHAT_BLOCK, 'current_block');
  int(o['last_mechanism_step_block'], 0, BLOCK_MAX, WHAT_BLOCK, 'last_mechanism_step_block');
  u64(o['rao_emission'], 'rao_emission');
  if (o['owner_uid'] !== null) {
    int(o['owner_uid'], 0, n - 1, n === 0 ? 'null (n = 0: no uid exists)' : `null or a uid: an integer 0..${n - 1} (below n = ${n})`, 'owner_uid');
  }
  u64(o['tao_weight'], 'tao_weight');

  const h = object(o['hyperparameters'], 'hyperparameters');
  const hp = (k: string) => `hyperparameters.${k}`;
  for (const k of ['tempo', 'kappa', 'bonds_penalty', 'max_allowed_validators', 'alpha_low', 'alpha_high']) int(h[k], 0, 65535, WHAT_U16, hp(k));
  int(h['activity_cutoff'], 0, BLOCK_MAX, WHAT_BLOCK, hp('activity_cutoff'));
  int(h['bonds_moving_average'], 0, BMA_MAX, `an integer 0..${BMA_MAX} (per million, below 2^31 * 10^6)`, hp('bonds_moving_average'));
  int(h['alpha_sigmoid_steepness'], -32768, 32767, 'an integer -32768..32767 (i16)', hp('alpha_sigmoid_steepness'));
  u64(h['stake_threshold'], hp('stake_threshold'));
  for (const k of ['yuma3', 'liquid_alpha', 'commit_reveal']) bool(h[k], hp(k));

  const nr = object(o['neurons'], 'neurons');
  const len = ` (n = ${n})`;
  typed(nr['alpha_stake'], 'BigUint64Array', n, 'neurons.alpha_stake', len);
  typed(nr['tao_stake'], 'BigUint64Array', n, 'neurons.tao_stake', len);
  blocks(typed(nr['last_update'], 'Float64Array', n, 'neurons.last_update', len), 'neurons.last_update');
  blocks(typed(nr['block_at_registration'], 'Float64Array', n, 'neurons.block_at_registration', len), 'neurons.block_at_registration');
  flags(typed(nr['validator_permit'], 'Uint8Array', n, 'neurons.validator_permit', len), 'neurons.validator_permit');
  // read only with commit_reveal (the reader leaves it null otherwise)
  if (h['commit_reveal'] === true) {
    blocks(typed(nr['commit_block'], 'Float64Array', n, 'neurons.commit_block', `${len}, with commit_reveal`), 'neurons.commit_block', true);
  }

  csr(o['weights'], n, 'weights', columns);
  csr(o['bonds'], n, 'bonds', columns);
}
