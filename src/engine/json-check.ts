// Validation primitives shared by every JSON format of the engine (yuma-epoch/1, both
// profiles): each check returns the typed value or throws an InputError naming the file,
// the field path (with indexes) and what was expected against what was found.
import { InputError } from './types.js';

export const U64_MAX = (1n << 64n) - 1n;
export const I64_MIN = -(1n << 63n);
export const I64_MAX = (1n << 63n) - 1n;
/** 2^53 - 1: the largest integer a JSON number (an IEEE double) holds exactly. */
export const BLOCK_MAX = Number.MAX_SAFE_INTEGER;

// canonical decimal: no sign on u64, no leading zeros, no "-0" (docs/spec/epoch-io.md, number conventions)
const U64_RE = /^(?:0|[1-9][0-9]*)$/;
const I64_RE = /^(?:0|-?[1-9][0-9]*)$/;
const LEADING_ZERO_RE = /^-?0[0-9]/;

export const WHAT_U16 = 'an integer 0..65535 (u16)';
export const WHAT_N = 'an integer 0..65535 (the subnetwork size)';
export const WHAT_BLOCK = 'an integer 0..2^53-1 (u64 block number; larger values are not exact in JSON)';
export const WHAT_UID_J = 'a uid_j: an integer 0..65535';
export const WHAT_VALUE = 'a u16 value: an integer 0..65535';

export type Obj = Record<string, unknown>;

/**
 * A short, human rendering of a JSON value for error messages; strings are tagged as such
 * where the expected value is not a string.
 */
export function show(v: unknown, tagStrings = true): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  switch (typeof v) {
    case 'string':
      return JSON.stringify(v.length > 48 ? `${v.slice(0, 45)}...` : v) + (tagStrings ? ' (a string)' : '');
    case 'number':
      return Number.isInteger(v) || !Number.isFinite(v) ? String(v) : `${v} (not an integer)`;
    case 'boolean':
      return String(v);
    case 'bigint':
      return `${v}n (a bigint)`;
    case 'object':
      return Array.isArray(v) ? `an array of length ${v.length}` : 'an object';
    default:
      return `a ${typeof v}`;
  }
}

/** Like show, for places where a string is expected: strings are shown without the tag. */
export function showForString(v: unknown): string {
  if (typeof v === 'number') return `the number ${v} (write it as a decimal string)`;
  return show(v, false);
}

export function fail(message: string, field: string, file: string): never {
  throw new InputError(message, field, file);
}

export function checkInt(v: unknown, lo: number, hi: number, what: string, field: string, file: string): number {
  if (typeof v === 'number' && Number.isInteger(v) && v >= lo && v <= hi) return v;
  return fail(`expected ${what}, got ${show(v)}`, field, file);
}

export function checkU64(v: unknown, field: string, file: string): bigint {
  if (typeof v === 'string' && U64_RE.test(v)) {
    const b = BigInt(v);
    if (b <= U64_MAX) return b;
    return fail(`expected a u64 decimal string, got ${showForString(v)} (above 2^64-1)`, field, file);
  }
  return fail(`expected a u64 decimal string, got ${showForString(v)}${leadingZero(v)}`, field, file);
}

const leadingZero = (v: unknown) =>
  typeof v === 'string' && LEADING_ZERO_RE.test(v) ? ' (no leading zeros)' : v === '-0' ? ' (write 0)' : '';

export function checkI64(v: unknown, field: string, file: string): bigint {
  if (typeof v === 'string' && I64_RE.test(v)) {
    const b = BigInt(v);
    if (b >= I64_MIN && b <= I64_MAX) return b;
    return fail(`expected an i64 decimal string, got ${showForString(v)} (outside -2^63..2^63-1)`, field, file);
  }
  return fail(`expected an i64 decimal string, got ${showForString(v)}${leadingZero(v)}`, field, file);
}

export function checkBool(v: unknown, field: string, file: string): boolean {
  if (typeof v === 'boolean') return v;
  return fail(`expected true or false, got ${show(v)}`, field, file);
}

export function checkString(v: unknown, field: string, file: string): string {
  if (typeof v === 'string') return v;
  return fail(`expected a string, got ${show(v)}`, field, file);
}

export function checkObject(v: unknown, field: string, file: string): Obj {
  if (typeof v === 'object' && v !== null && !Array.isArray(v)) return v as Obj;
  return fail(`expected an object, got ${show(v)}`, field, file);
}

/** An array of exactly n elements; `of` describes an element for the type message. */
export function checkArrayN(v: unknown, n: number, of: string, field: string, file: string): unknown[] {
  if (!Array.isArray(v)) return fail(`expected an array of ${n} ${of}, got ${show(v)}`, field, file);
  if (v.length !== n) return fail(`expected an array of length n = ${n}, got length ${v.length}`, field, file);
  return v;
}

export function checkArray(v: unknown, of: string, field: string, file: string): unknown[] {
  if (!Array.isArray(v)) return fail(`expected an array of ${of}, got ${show(v)}`, field, file);
  return v;
}

/** A reader over one JSON object, which knows its own path. */
export class Reader {
  constructor(
    readonly o: Obj,
    readonly path: string,
    readonly file: string,
  ) {}

  at(key: string): string {
    return this.path === '' ? key : `${this.path}.${key}`;
  }
  has(key: string): boolean {
    return Object.prototype.hasOwnProperty.call(this.o, key) && this.o[key] !== undefined;
  }
  get(key: string): unknown {
    if (!this.has(key)) fail('missing field', this.at(key), this.file);
    return this.o[key];
  }

  int(key: string, lo: number, hi: number, what: string): number {
    return checkInt(this.get(key), lo, hi, what, this.at(key), this.file);
  }
  u16(key: string): number {
    return this.int(key, 0, 65535, WHAT_U16);
  }
  u16OrNull(key: string): number | null {
    const v = this.get(key);
    return v === null ? null : checkInt(v, 0, 65535, `null or ${WHAT_U16}`, this.at(key), this.file);
  }
  block(key: string): number {
    return this.int(key, 0, BLOCK_MAX, WHAT_BLOCK);
  }
  u64(key: string): bigint {
    return checkU64(this.get(key), this.at(key), this.file);
  }
  bool(key: string): boolean {
    return checkBool(this.get(key), this.at(key), this.file);
  }
  obj(key: string): Reader {
    return new Reader(checkObject(this.get(key), this.at(key), this.file), this.at(key), this.file);
  }

  /** n elements, each checked by `each` with its own field path. */
  vec<T>(key: string, n: number, of: string, each: (x: unknown, field: string) => T): T[] {
    const field = this.at(key);
    const a = checkArrayN(this.get(key), n, of, field, this.file);
    const out = new Array<T>(n);
    for (let i = 0; i < n; i++) out[i] = each(a[i], `${field}[${i}]`);
    return out;
  }
  intVec(key: string, n: number, lo: number, hi: number, what: string): number[] {
    return this.vec(key, n, 'integers', (x, f) => checkInt(x, lo, hi, what, f, this.file));
  }

  u64Vec(key: string, n: number): BigUint64Array {
    const field = this.at(key);
    const a = checkArrayN(this.get(key), n, 'u64 decimal strings', field, this.file);
    const out = new BigUint64Array(n);
    for (let i = 0; i < n; i++) out[i] = checkU64(a[i], `${field}[${i}]`, this.file);
    return out;
  }

  i64Vec(key: string, n: number): BigInt64Array {
    const field = this.at(key);
    const a = checkArrayN(this.get(key), n, 'i64 decimal strings', field, this.file);
    const out = new BigInt64Array(n);
    for (let i = 0; i < n; i++) out[i] = checkI64(a[i], `${field}[${i}]`, this.file);
    return out;
  }

  u16Vec(key: string, n: number): Uint16Array {
    const field = this.at(key);
    const a = checkArrayN(this.get(key), n, 'u16 integers', field, this.file);
    const out = new Uint16Array(n);
    for (let i = 0; i < n; i++) {
      const x = a[i];
      if (typeof x === 'number' && Number.isInteger(x) && x >= 0 && x <= 65535) out[i] = x;
      else fail(`expected ${WHAT_U16}, got ${show(x)}`, `${field}[${i}]`, this.file);
    }
    return out;
  }

  boolVec(key: string, n: number): Uint8Array {
    const field = this.at(key);
    const a = checkArrayN(this.get(key), n, 'booleans', field, this.file);
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      const x = a[i];
      if (x === true) out[i] = 1;
      else if (x !== false) fail(`expected true or false, got ${show(x)}`, `${field}[${i}]`, this.file);
    }
    return out;
  }

  /** Block numbers; with `nullable`, null stands for "none" and becomes Infinity. */
  blockVec(key: string, n: number, nullable = false): Float64Array {
    const field = this.at(key);
    const a = checkArrayN(this.get(key), n, nullable ? 'block numbers or nulls' : 'block numbers', field, this.file);
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const x = a[i];
      if (typeof x === 'number' && Number.isInteger(x) && x >= 0 && x <= BLOCK_MAX) out[i] = x;
      else if (nullable && x === null) out[i] = Infinity;
      else fail(`expected ${nullable ? `null or ${WHAT_BLOCK}` : WHAT_BLOCK}, got ${show(x)}`, `${field}[${i}]`, this.file);
    }
    return out;
  }
}

// ---------------------------------------------------------------------------------------
// duplicate keys

/** Where a key repeats in an object: the field path of its second occurrence, and the key. */
export interface DuplicateKey {
  field: string;
  key: string;
}

/**
 * The first key that repeats within one object of a JSON document (given as its UTF-8 bytes,
 * already accepted by JSON.parse), or null. JSON.parse keeps the last of repeated keys
 * silently; the engine's documents must not have any. One pass over the bytes: a stack of
 * containers (object or array, the array index, the object's keys so far); strings are
 * decoded only where they are keys.
 */
export function findDuplicateKey(b: Uint8Array, from = 0): DuplicateKey | null {
  const text = Buffer.from(b.buffer, b.byteOffset, b.byteLength);
  let isObject = new Uint8Array(64);
  let index = new Int32Array(64);
  const keys: Set<string>[] = [];
  const current: string[] = [];
  let depth = 0;
  let expectKey = false;
  const n = b.length;
  for (let i = from; i < n; i++) {
    const c = b[i]!;
    if (c === 0x22) {
      // a string: find its closing quote (a backslash escapes the next byte)
      const start = i;
      let escaped = false;
      for (i++; b[i] !== 0x22; i++) {
        if (b[i] === 0x5c) {
          escaped = true;
          i++;
        }
      }
      if (expectKey) {
        expectKey = false;
        const key = escaped ? (JSON.parse(text.toString('utf8', start, i + 1)) as string) : text.toString('utf8', start + 1, i);
        const seen = keys[depth]!;
        if (seen.has(key)) return { field: fieldPath(isObject, index, current, depth, key), key };
        seen.add(key);
        current[depth] = key;
      }
    } else if (c === 0x2c) {
      // ,
      if (isObject[depth] === 1) expectKey = true;
      else index[depth]!++;
    } else if (c === 0x7b || c === 0x5b) {
      // { or [
      if (++depth === isObject.length) {
        const o = new Uint8Array(depth * 2);
        o.set(isObject);
        isObject = o;
        const x = new Int32Array(depth * 2);
        x.set(index);
        index = x;
      }
      if (c === 0x7b) {
        isObject[depth] = 1;
        keys[depth] = new Set();
        expectKey = true;
      } else {
        isObject[depth] = 0;
        index[depth] = 0;
      }
    } else if (c === 0x7d || c === 0x5d) {
      // } or ]
      expectKey = false;
      depth--;
    }
  }
  return null;
}

/** `epochs[2].input.n`: the path down to `key` in the object at `depth`. */
function fieldPath(isObject: Uint8Array, index: Int32Array, current: string[], depth: number, key: string): string {
  let p = '';
  for (let d = 1; d < depth; d++) {
    if (isObject[d] === 1) p += p === '' ? current[d] : `.${current[d]}`;
    else p += `[${index[d]}]`;
  }
  return p === '' ? key : `${p}.${key}`;
}
