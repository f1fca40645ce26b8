// A split epoch's input in the shared memory: the main thread stages the weights and bonds
// there once; the leader reads them where they lie (as views, and as the epoch's placed input).
import { growTo } from '../engine/wasm.js';
import type { EpochInput } from '../engine/types.js';
import type { PlacedInput } from '../engine/epoch.js';

/** Where the O(nnz) input arrays of a split call lie in the shared memory: [byte offset, length]. */
export interface StagedInput {
  weights: { rowPtr: [number, number]; col: [number, number]; val: [number, number] };
  bonds: { rowPtr: [number, number]; col: [number, number]; val: [number, number] };
  /** first byte after them: the leader's epoch buffers start here */
  end: number;
}

/**
 * Main thread: copy the input's weights and bonds into the shared memory (from `from` on,
 * growing it as needed) and return the input without them, for the leader task. A memcpy
 * into memory every worker already sees, instead of a structured clone of the largest part
 * of the input into the leader and out again (the clone dominated a split call's overhead).
 */
export function stageInput(memory: WebAssembly.Memory, input: EpochInput, from: number): { input: EpochInput; staged: StagedInput } {
  const arrays = [input.weights.rowPtr, input.weights.col, input.weights.val, input.bonds.rowPtr, input.bonds.col, input.bonds.val];
  const spans: [number, number][] = [];
  let at = Math.ceil(from / 16) * 16;
  for (const a of arrays) {
    spans.push([at, a.length]);
    at = Math.ceil((at + a.byteLength) / 16) * 16;
  }
  growTo(memory, at);
  const buffer = memory.buffer as ArrayBuffer;
  arrays.forEach((a, k) => {
    const [ptr, len] = spans[k]!;
    const Ctor = a.constructor as Uint32ArrayConstructor | Uint16ArrayConstructor;
    new Ctor(buffer, ptr, len).set(a as never);
  });
  const empty = { rowPtr: new Uint32Array(0), col: new Uint32Array(0), val: new Uint16Array(0) };
  return {
    input: { ...input, weights: empty, bonds: empty },
    staged: {
      weights: { rowPtr: spans[0]!, col: spans[1]!, val: spans[2]! },
      bonds: { rowPtr: spans[3]!, col: spans[4]!, val: spans[5]! },
      end: at,
    },
  };
}

/**
 * Leader: the input with its weights and bonds as views of the shared memory, and the same
 * arrays as the epoch's placed input (read where they lie: no second copy into its buffers).
 */
export function unstageInput(memory: WebAssembly.Memory, input: EpochInput, staged: StagedInput): { input: EpochInput; placed: PlacedInput } {
  const b = memory.buffer as ArrayBuffer; // a SharedArrayBuffer: views over it share, never copy
  const u32 = ([ptr, len]: [number, number]) => ({ ptr, view: new Uint32Array(b, ptr, len) });
  const u16 = ([ptr, len]: [number, number]) => ({ ptr, view: new Uint16Array(b, ptr, len) });
  const w = staged.weights;
  const bo = staged.bonds;
  const placed: PlacedInput = {
    wPtr: u32(w.rowPtr), wCol: u32(w.col), wVal: u16(w.val),
    bPtr: u32(bo.rowPtr), bCol: u32(bo.col), bVal: u16(bo.val),
  };
  return {
    input: {
      ...input,
      weights: { rowPtr: placed.wPtr.view, col: placed.wCol.view, val: placed.wVal.view },
      bonds: { rowPtr: placed.bPtr.view, col: placed.bCol.view, val: placed.bVal.view },
    },
    placed,
  };
}
