// The one module that touches WebAssembly: compiles build/yuma.wasm once, instantiates it over
// JS-owned memory, and turns Buf arguments into the byte offsets the kernels take.
import { readFileSync } from 'node:fs';
import type { Kernels } from './kernels.js';
import { carve, layoutBytes, type Bufs, type Layout } from './memory.js';

const WASM_URL = new URL('../../build/yuma.wasm', import.meta.url);
const PAGE = 65536;

let _module: WebAssembly.Module | undefined;

/** The compiled kernels (compiled on first use, then shared; a worker can be handed it). */
export function wasmModule(): WebAssembly.Module {
  if (!_module) {
    let bytes: Buffer;
    try {
      bytes = readFileSync(WASM_URL);
    } catch {
      throw new Error(`WASM kernels not built: ${WASM_URL.pathname} is missing (run \`npm run build\`)`);
    }
    _module = new WebAssembly.Module(bytes);
  }
  return _module;
}

type Exports = Record<string, (...args: Array<number | bigint>) => number | bigint | undefined> & {
  heapBase(): number;
};

/** Kernels running in a fresh WASM instance with its own memory. */
export function createWasmKernels(module: WebAssembly.Module = wasmModule()): Kernels {
  const memory = new WebAssembly.Memory({ initial: 1 });
  const x = new WebAssembly.Instance(module, { env: { memory } }).exports as unknown as Exports;
  const base = Math.ceil(x.heapBase() / 16) * 16;

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
    'yuma3Dividends', 'upscaleColumns', 'upscaleToU16', 'colMaxUpscale', 'toU16Array', 'emission',
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
