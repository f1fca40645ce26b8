// The one module that touches WebAssembly: compiles build/yuma.wasm once, instantiates it over
// JS-owned memory (and grows it), and turns Buf arguments into the byte offsets the kernels
// take. The exports are typed from the AssemblyScript source (kernel-exports.ts).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { missingBuildFile } from './build-files.js';
import type { KernelName, Kernels, RangeKernels } from './kernels.js';
import type { WasmExports } from './kernel-exports.js';
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

/** Another build of the kernels, compiled from `path` (the A/B benchmark's old build). */
export function wasmModuleAt(path: string): WebAssembly.Module {
  return new WebAssembly.Module(readFileSync(path));
}

/** Whether `x` is a compiled module (what a pool worker is handed in its workerData). */
export function isWasmModule(x: unknown): x is WebAssembly.Module {
  return x instanceof WebAssembly.Module;
}

/** Grow `memory` (never shrinks) until it holds at least `bytes` bytes. */
export function growTo(memory: WebAssembly.Memory, bytes: number): void {
  const have = memory.buffer.byteLength;
  if (bytes > have) memory.grow(Math.ceil((bytes - have) / PAGE));
}

/** The module's exports over `memory` (its only import), typed from the AssemblyScript source. */
function instantiate(module: WebAssembly.Module, memory: WebAssembly.Memory): WasmExports {
  return new WebAssembly.Instance(module, { env: { memory } }).exports as unknown as WasmExports;
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
  const x = instantiate(module, memory);
  return { kernelsFrom: (from) => kernelsOver(x, memory, from), range: x, memory };
}

/** First byte of a shared memory free for data placed by JS (above the module's static data). */
export const SHARED_DATA_START = 65536;

/** Kernels running in a fresh WASM instance with its own memory. */
export function createWasmKernels(module: WebAssembly.Module = wasmModule()): Kernels {
  const memory = new WebAssembly.Memory({ initial: 1 });
  return kernelsOver(instantiate(module, memory), memory);
}

/** Every kernel, bound to the export of its name (the compiler checks the list is exactly KernelName). */
const KERNEL_NAMES = Object.keys({
  normalize: 0, combineStake: 0, prepareWeights: 0, consensus: 0, clip: 0, loadBonds: 0, divideColumns: 0,
  colnorm: 0, scaleRows: 0, emaOriginal: 0, emaFixed: 0, emaLiquid: 0, rowDotIncentive: 0, emaDividends: 0,
  yuma3Dividends: 0, colMaxUpscale: 0, toU16Array: 0, emission: 0, csrRowsCheck: 0,
} satisfies Record<KernelName, 0>) as KernelName[];

function kernelsOver(x: WasmExports, memory: WebAssembly.Memory, from = 0): Kernels {
  const base = Math.ceil(Math.max(x.heapBase(), from) / 16) * 16;

  // a Buf crosses as its byte offset, null as 0, a boolean as 0/1; numbers and bigints as they are
  const arg = (v: unknown): number | bigint => {
    if (v === null) return 0;
    if (typeof v === 'boolean') return v ? 1 : 0;
    if (typeof v === 'object') return (v as { ptr: number }).ptr;
    return v as number | bigint;
  };
  const exports = x as unknown as Record<KernelName, (...args: Array<number | bigint>) => unknown>;
  const call =
    (name: KernelName) =>
    (...args: unknown[]) =>
      exports[name](...args.map(arg));

  const kernels = {
    name: 'wasm',
    alloc<L extends Layout>(layout: L): Bufs<L> {
      growTo(memory, base + layoutBytes(layout));
      return carve(memory.buffer, base, layout);
    },
  } as Record<string, unknown>;
  for (const name of KERNEL_NAMES) kernels[name] = call(name);
  return kernels as unknown as Kernels;
}

let _default: Kernels | undefined;
/** The kernels this thread uses by default (one instance per thread). */
export function defaultKernels(): Kernels {
  return (_default ??= createWasmKernels());
}

/**
 * The benchmarks' memory floor: floorPass(bytes) runs one WASM pass that reads bytes / 2 and
 * writes bytes / 2 (assembly/floor.ts) over buffers of its own instance, grown once and warm.
 */
export function memoryFloor(): (bytes: number) => void {
  const memory = new WebAssembly.Memory({ initial: 1 });
  const x = instantiate(wasmModule(), memory);
  const base = Math.ceil(x.heapBase() / 16) * 16;
  return (bytes) => {
    const words = Math.max(1, Math.ceil(bytes / 16));
    const need = base + 16 * words;
    if (need > memory.buffer.byteLength) {
      growTo(memory, need);
      x.streamFloor(base, base + 8 * words, words); // first touch of fresh pages: not the floor
    }
    x.streamFloor(base, base + 8 * words, words);
  };
}

/**
 * The benchmarks' division floor: divFloor(entries, perEntry) runs one WASM pass taking perEntry
 * (1 or 2) exact 64-bit quotients per entry (assembly/floor.ts) over buffers of its own instance,
 * grown once and warm; numerators below 2^32 and divisors above them, as a normalization has.
 */
export function divisionFloor(): (entries: number, perEntry: number) => void {
  const memory = new WebAssembly.Memory({ initial: 1 });
  const x = instantiate(wasmModule(), memory);
  const base = Math.ceil(x.heapBase() / 16) * 16;
  const d = base, at = d + 8 * 2048;
  let room = 0;
  return (entries, perEntry) => {
    const count = Math.max(1, Math.ceil(entries));
    if (count > room) {
      growTo(memory, at + 16 * count);
      const divisors = new BigInt64Array(memory.buffer, d, 2048);
      const xs = new BigInt64Array(memory.buffer, at, count);
      let s = 0x9e3779b9;
      const next = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0);
      for (let j = 0; j < 2048; j++) divisors[j] = BigInt(next()) + 0x1_0000_0000n;
      for (let q = 0; q < count; q++) xs[q] = BigInt(next());
      room = count; // the quotients go after all `room` numerators
      x.divisionFloor(at, d, at + 8 * room, count, perEntry); // first touch of fresh pages: not the floor
    }
    x.divisionFloor(at, d, at + 8 * room, count, perEntry);
  };
}

/** The scalar fixed-point primitives, exported for tests against a BigInt reference. */
export function fixedPoint() {
  const x = instantiate(wasmModule(), new WebAssembly.Memory({ initial: 1 }));
  return {
    mulF: (a: bigint, b: bigint) => x.mulF(a, b),
    mulChecked: (a: bigint, b: bigint) => x.mulChecked(a, b),
    divF: (a: bigint, b: bigint) => x.divF(a, b),
    divSat: (a: bigint, b: bigint) => x.divSat(a, b),
    expSafe: (a: bigint) => x.expSafe(a),
    /** unsigned in, unsigned out */
    mulShr32U: (a: bigint, b: bigint) => BigInt.asUintN(64, x.mulShr32U(BigInt.asIntN(64, a), BigInt.asIntN(64, b))),
    /** divF(ONE, s) as the sigmoid computes it */
    oneOver: (s: bigint) => x.oneOverF(s),
    /** floor(a * 2^32 / d) by a divisor's reciprocal (a < 2^32, d >= 1; unsigned in and out) */
    quotShift32: (a: bigint, d: bigint) => BigInt.asUintN(64, x.quotShift32(BigInt.asIntN(64, a), BigInt.asIntN(64, d))),
    /** the same two at a time (a, b < 2^32, 1 <= d < 2^31): a's quotient, or 2^64 - 1 when b's lane differs from quotShift32 */
    quotShift32Pair: (a: bigint, b: bigint, d: bigint) =>
      BigInt.asUintN(64, x.quotShift32Pair(BigInt.asIntN(64, a), BigInt.asIntN(64, b), BigInt.asIntN(64, d))),
  };
}
