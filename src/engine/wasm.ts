// The one module that touches WebAssembly: compiles build/yuma.wasm once, instantiates it over
// JS-owned memory, and turns Buf arguments into the byte offsets the kernels take.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { missingBuildFile } from './build-files.js';
import type { Kernels } from './kernels.js';
import { carve, layoutBytes, type Bufs, type Layout } from './memory.js';

const WASM_URL = new URL('../../build/yuma.wasm', import.meta.url);
const PAGE = 65536;

const SHARED_URL = new URL('../../build/yuma-shared.wasm', import.meta.url);
/** The shared build's declared maximum (asconfig.json target "shared"): 4 GiB. */
const SHARED_MAX_PAGES = 65536;
/** The most bytes a shared memory (a split epoch's) can grow to. */
export const SHARED_MAX_BYTES = SHARED_MAX_PAGES * PAGE;

let _module: WebAssembly.Module | undefined;
let _shared: WebAssembly.Module | undefined;

function compile(url: URL): WebAssembly.Module {
  let bytes: Buffer;
  try {
    bytes = readFileSync(url);
  } catch {
    throw missingBuildFile('WASM kernels', fileURLToPath(url));
  }
  return new WebAssembly.Module(bytes);
}

/** The compiled kernels (compiled on first use, then shared; a worker can be handed it). */
export function wasmModule(): WebAssembly.Module {
  return (_module ??= compile(WASM_URL));
}

/** The same kernels built over an imported SHARED memory (the pool's column split). */
export function sharedWasmModule(): WebAssembly.Module {
  return (_shared ??= compile(SHARED_URL));
}

/** A fresh shared memory for sharedKernels (grown on demand up to 4 GiB, never moved). */
export function newSharedMemory(): WebAssembly.Memory {
  return new WebAssembly.Memory({ initial: 1, maximum: SHARED_MAX_PAGES, shared: true });
}

/**
 * The range kernels a split epoch runs on every thread over one shared memory (assembly/:
 * prepareWeightRows, consensusColumns, emaSums, emaRows, emaDividendRows, upscaleToU16,
 * and the Yuma3 EMA and dividend rows) with byte offsets for pointers. The one place their
 * argument lists cross into WASM.
 */
export interface RangeKernels {
  prepareWeightRows(
    r0: number, r1: number, rowPtr: number, col: number, w: number, forbid: number, lastUpdate: number,
    registered: number, commit: number, owner: number, outPtr: number, outCol: number, outVal: number, outBase: number,
  ): number;
  consensusStakeInto(n: number, a: number, kappa: bigint, u: number, out: number): void;
  consensusColumns(
    n: number, j0: number, j1: number, rowPtr: number, col: number, val: number, u: number, T: bigint, minority: bigint,
    countU: number, colPtr: number, cursor: number, score: number, weight: number, hist: number, C: number,
  ): void;
  emaSums(
    r0: number, r1: number, rowPtr: number, col: number, val: number, C: number, a: number, beta: bigint,
    bPtr: number, bCol: number, bVal: number, recent: number, sumD: number, sumB: number, sumDReady: number,
  ): void;
  emaRows(
    r0: number, r1: number, rowPtr: number, col: number, val: number, C: number, a: number, beta: bigint,
    bPtr: number, bCol: number, bVal: number, recent: number, alpha: bigint, sumD: number, sumB: number,
    outPtr: number, outCol: number, outVal: number, outBase: number, colSum: number,
  ): number;
  emaDividendRows(
    r0: number, r1: number, rowPtr: number, col: number, val: number, colSum: number, I: number, out: number, colMax: number,
  ): void;
  upscaleToU16(nnz: number, col: number, val: number, colMax: number, out: number): void;
  emaFixedRows(
    r0: number, r1: number, alpha: bigint, newPtr: number, newCol: number, newVal: number,
    oldPtr: number, oldCol: number, oldVal: number, outPtr: number, outCol: number, outVal: number, outBase: number, colSum: number,
  ): number;
  emaLiquidRows(
    r0: number, r1: number, C: number, lo: bigint, hi: bigint, steepness: bigint, newPtr: number, newCol: number, newVal: number,
    oldPtr: number, oldCol: number, oldVal: number, outPtr: number, outCol: number, outVal: number, outBase: number, colSum: number,
  ): number;
  yuma3DividendRows(
    r0: number, r1: number, rowPtr: number, col: number, val: number, colSum: number, I: number, a: number, out: number,
  ): void;
  clipRows(r0: number, r1: number, rowPtr: number, col: number, val: number, C: number, a: number, VT: number, R: number): void;
  /** dst_j += src_j (wrapping), j < n */
  addInto(dst: number, src: number, n: number): void;
  /** dst_j = max(dst_j, src_j), j < n */
  maxInto(dst: number, src: number, n: number): void;
}

/**
 * One thread's instance over a shared memory: the whole-epoch Kernels (as createWasmKernels,
 * carving from the same base in every instance) and the range kernels. Nothing in the module
 * allocates, so instances over one memory never step on each other.
 */
export function sharedKernels(memory: WebAssembly.Memory, module: WebAssembly.Module = sharedWasmModule()): {
  /** whole-epoch kernels carving their buffers from byte `from` on (0: the module's heap base) */
  kernelsFrom(from: number): Kernels;
  range: RangeKernels;
  memory: WebAssembly.Memory;
} {
  const x = new WebAssembly.Instance(module, { env: { memory } }).exports as unknown as Exports;
  return { kernelsFrom: (from) => kernelsOver(x, memory, from), range: x as unknown as RangeKernels, memory };
}

/** First byte of a shared memory free for data placed by JS (above the module's static data). */
export const SHARED_DATA_START = 65536;

type Exports = Record<string, (...args: Array<number | bigint>) => number | bigint | undefined> & {
  heapBase(): number;
};

/** Kernels running in a fresh WASM instance with its own memory. */
export function createWasmKernels(module: WebAssembly.Module = wasmModule()): Kernels {
  const memory = new WebAssembly.Memory({ initial: 1 });
  const x = new WebAssembly.Instance(module, { env: { memory } }).exports as unknown as Exports;
  return kernelsOver(x, memory);
}

function kernelsOver(x: Exports, memory: WebAssembly.Memory, from = 0): Kernels {
  const base = Math.ceil(Math.max(x.heapBase(), from) / 16) * 16;

  // a Buf crosses as its byte offset, null as 0, a boolean as 0/1; numbers and bigints as they are
  const arg = (v: unknown): number | bigint => {
    if (v === null) return 0;
    if (typeof v === 'boolean') return v ? 1 : 0;
    if (typeof v === 'object') return (v as { ptr: number }).ptr;
    return v as number | bigint;
  };
  const call =
    (name: string) =>
    (...args: unknown[]) =>
      x[name]!(...args.map(arg));

  const kernels = {
    name: 'wasm',
    alloc<L extends Layout>(layout: L): Bufs<L> {
      const need = base + layoutBytes(layout);
      const have = memory.buffer.byteLength;
      if (need > have) memory.grow(Math.ceil((need - have) / PAGE));
      return carve(memory.buffer, base, layout);
    },
  } as Record<string, unknown>;
  for (const name of [
    'normalize', 'combineStake', 'prepareWeights', 'consensus', 'clip', 'loadBonds', 'colSums', 'divideColumns',
    'colnorm', 'scaleRows', 'emaOriginal', 'emaFixed', 'emaLiquid', 'rowDotIncentive', 'emaDividends',
    'yuma3Dividends', 'upscaleToU16', 'colMaxUpscale', 'toU16Array', 'emission',
  ]) {
    kernels[name] = call(name);
  }
  return kernels as unknown as Kernels;
}

let _default: Kernels | undefined;
/** The kernels this thread uses by default (one instance per thread). */
export function defaultKernels(): Kernels {
  return (_default ??= createWasmKernels());
}

/** The scalar fixed-point primitives, exported for tests against a BigInt reference. */
export function fixedPoint() {
  const memory = new WebAssembly.Memory({ initial: 1 });
  const x = new WebAssembly.Instance(wasmModule(), { env: { memory } }).exports as unknown as Record<
    string,
    (...a: bigint[]) => bigint
  >;
  return {
    mulF: (a: bigint, b: bigint) => x.mulF!(a, b),
    mulChecked: (a: bigint, b: bigint) => x.mulChecked!(a, b),
    divF: (a: bigint, b: bigint) => x.divF!(a, b),
    divSat: (a: bigint, b: bigint) => x.divSat!(a, b),
    expSafe: (a: bigint) => x.expSafe!(a),
    /** unsigned in, unsigned out */
    mulShr32U: (a: bigint, b: bigint) => BigInt.asUintN(64, x.mulShr32U!(BigInt.asIntN(64, a), BigInt.asIntN(64, b))),
  };
}
