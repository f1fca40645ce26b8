// Canonical JSON: object keys in byte order at every level, bigint as decimal strings, Maps as
// objects (keys in byte order), typed arrays as base64 of their little-endian bytes. Equal
// states give equal bytes, whatever the insertion order that built them.

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

const byteOrder = (a: string, b: string) => (a === b ? 0 : Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8')));
const ASCII = /^[\x00-\x7f]*$/;

/** Sorts strings by their UTF-8 bytes (the order of the chain's account keys). */
export function sortBytes(keys: Iterable<string>): string[] {
  const list = [...keys];
  // for ASCII, byte order is code-unit order: the default sort, without a Buffer per comparison
  if (list.every((k) => ASCII.test(k))) return list.sort();
  return list.sort(byteOrder);
}

type Typed =
  | Uint8Array
  | Uint16Array
  | Uint32Array
  | Int32Array
  | Float64Array
  | BigUint64Array
  | BigInt64Array;

export function typedToBase64(a: Typed): string {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');
}

function bytesOf(b64: string, elementSize: number, what: string): Buffer {
  const buf = Buffer.from(b64, 'base64');
  if (buf.length % elementSize !== 0) throw new Error(`${what}: ${buf.length} bytes is not a whole number of elements`);
  // a fresh, aligned copy
  const out = Buffer.alloc(buf.length);
  buf.copy(out);
  return out;
}

/** A typed array over a fresh copy of the base64 bytes (element size from the constructor). */
function typedFrom<T>(C: { new (buffer: ArrayBuffer): T; readonly BYTES_PER_ELEMENT: number }) {
  return (s: string, what: string): T => {
    const b = bytesOf(s, C.BYTES_PER_ELEMENT, what);
    return new C(b.buffer.slice(b.byteOffset, b.byteOffset + b.length) as ArrayBuffer);
  };
}

export const b64 = {
  u8: (s: string, what: string) => {
    const b = bytesOf(s, 1, what);
    return new Uint8Array(b.buffer, b.byteOffset, b.length);
  },
  u16: typedFrom(Uint16Array),
  u32: typedFrom(Uint32Array),
  i32: typedFrom(Int32Array),
  f64: typedFrom(Float64Array),
  u64: typedFrom(BigUint64Array),
};

function isTyped(v: unknown): v is Typed {
  return ArrayBuffer.isView(v) && !(v instanceof DataView);
}

/** Converts to plain JSON values (see the file comment). */
export function toJsonValue(v: unknown): Json {
  if (v === null || v === undefined) return null;
  switch (typeof v) {
    case 'bigint':
      return v.toString();
    case 'number':
      if (!Number.isFinite(v)) throw new Error(`canonical JSON: non-finite number ${v}`);
      return v;
    case 'string':
    case 'boolean':
      return v;
    case 'object':
      break;
    default:
      throw new Error(`canonical JSON: cannot encode a ${typeof v}`);
  }
  if (isTyped(v)) return typedToBase64(v);
  if (Array.isArray(v)) return v.map(toJsonValue);
  if (v instanceof Map) {
    const o: { [k: string]: Json } = {};
    for (const k of sortBytes([...v.keys()].map(String))) o[k] = toJsonValue(v.get(k) ?? v.get(Number(k)));
    return o;
  }
  const o: { [k: string]: Json } = {};
  const src = v as Record<string, unknown>;
  for (const k of sortBytes(Object.keys(src))) {
    if (src[k] !== undefined) o[k] = toJsonValue(src[k]);
  }
  return o;
}

/**
 * Canonical text: keys sorted by bytes. `indent` > 0 puts each member of the top `depth`
 * levels on its own line (readable, still canonical); deeper levels are compact.
 */
export function canonicalJson(v: unknown, depth = 0): string {
  return write(toJsonValue(v), depth, 0);
}

function write(v: Json, depth: number, level: number): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v);
  const nl = level < depth ? '\n' + ' '.repeat(level + 1) : '';
  const end = level < depth ? '\n' + ' '.repeat(level) : '';
  if (Array.isArray(v)) {
    if (v.length === 0) return '[]';
    return `[${nl}${v.map((x) => write(x, depth, level + 1)).join(`,${nl}`)}${end}]`;
  }
  const keys = sortBytes(Object.keys(v));
  if (keys.length === 0) return '{}';
  return `{${nl}${keys.map((k) => `${JSON.stringify(k)}:${write(v[k]!, depth, level + 1)}`).join(`,${nl}`)}${end}}`;
}
