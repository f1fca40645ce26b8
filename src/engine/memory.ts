// Epoch buffers: one declaration sizes and carves every flat array an epoch needs, so memory
// grows at most once per epoch and typed views never go stale while the epoch runs.
import type { SparseU16 } from './types.js';

export type Kind = 'i64' | 'u64' | 'f64' | 'u32' | 'u16' | 'u8';
type ViewOf = {
  i64: BigInt64Array;
  u64: BigUint64Array;
  f64: Float64Array;
  u32: Uint32Array;
  u16: Uint16Array;
  u8: Uint8Array;
};
const CTOR = {
  i64: BigInt64Array,
  u64: BigUint64Array,
  f64: Float64Array,
  u32: Uint32Array,
  u16: Uint16Array,
  u8: Uint8Array,
} as const;

/** A flat array: its byte offset in the backing memory (what a WASM kernel takes) and a view. */
export interface Buf<K extends Kind = Kind> {
  readonly ptr: number;
  readonly view: ViewOf[K];
}

export type Layout = Record<string, readonly [Kind, number]>;
export type Bufs<L extends Layout> = { [P in keyof L]: Buf<L[P][0]> };

const ALIGN = 16;
const roundUp = (x: number) => Math.ceil(x / ALIGN) * ALIGN;

export function layoutBytes(layout: Layout): number {
  let total = 0;
  for (const [kind, len] of Object.values(layout)) total += roundUp(len * CTOR[kind].BYTES_PER_ELEMENT);
  return total;
}

/**
 * Carve `layout` out of `buffer` starting at byte `base` (the caller made it large enough).
 * Buffers are not cleared (they hold the previous epoch's bytes): kernels write before they read.
 */
export function carve<L extends Layout>(buffer: ArrayBufferLike, base: number, layout: L): Bufs<L> {
  const out: Record<string, Buf> = {};
  let off = base;
  for (const [name, [kind, len]] of Object.entries(layout)) {
    const view = new CTOR[kind](buffer as ArrayBuffer, off, len);
    out[name] = { ptr: off, view };
    off += roundUp(len * CTOR[kind].BYTES_PER_ELEMENT);
  }
  return out as Bufs<L>;
}

/** Copies a sparse u16 matrix into its buffers: row pointers, columns, values. */
export function placeSparse(m: SparseU16, ptr: Buf<'u32'>, col: Buf<'u32'>, val: Buf<'u16'>): void {
  ptr.view.set(m.rowPtr);
  col.view.set(m.col);
  val.view.set(m.val);
}
