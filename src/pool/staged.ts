// A call's inputs staged in ONE SharedArrayBuffer: the main thread copies every typed array of
// every subnet into it once, and each worker reads the subnets it claims in place (typed-array
// views over the buffer), so no task structured-clones a subnet's arrays and any worker can run
// any subnet of the call. What is left of an input (its numbers, bigints, flags and the
// hyperparameters: its "shell") is small and goes with every task by structured clone.
// The copy runs AFTER the tasks are posted, subnet by subnet, each published as it lands: the
// workers start on the first subnets while the calling thread still copies the rest.
import type { EpochInput } from '../engine/types.js';

/** The typed arrays a shell may stand in for, by index (a slot's `staged`). */
const KINDS = [Uint8Array, Uint16Array, Uint32Array, Int32Array, Float64Array, BigUint64Array, BigInt64Array] as const;
type Staged = InstanceType<(typeof KINDS)[number]>;
type View = new (buffer: ArrayBufferLike, byteOffset: number, length: number) => Staged;

/** Where one typed array lies in the staging buffer. */
interface Slot {
  staged: number;
  /** byte offset (a multiple of 8) */
  at: number;
  length: number;
}

export interface StagedInputs {
  memory: SharedArrayBuffer;
  /** per subnet: the input with every staged typed array replaced by its Slot */
  shells: unknown[];
  /** ready[0]: how many subnets (from the first) are copied in; a worker waits for its subnet */
  ready: Int32Array;
}

/** A call's staging: the buffer laid out, the shells made; `copy` fills the buffer. */
export interface Staging {
  staged: StagedInputs;
  /** copies subnet after subnet, publishing each in `ready` (every subnet is published even if a copy throws) */
  copy(): void;
}

const kindOf = (v: unknown): number => {
  for (let k = 0; k < KINDS.length; k++) if (v instanceof KINDS[k]!) return k;
  return -1;
};

const isPlain = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && (Object.getPrototypeOf(v) === Object.prototype || Object.getPrototypeOf(v) === null);

/**
 * The staging buffers of one pool, reused from call to call: the first write into fresh pages
 * costs several times a warm copy (../shared/guides/performance.md; measured:
 * bench/pool.bench.ts). A call takes one for as long as its tasks run, then gives it back; a few
 * idle ones are kept, none larger than KEEP_BYTES (a giant call's buffer is let go).
 */
export class StagingBuffers {
  static readonly KEEP = 2;
  static readonly KEEP_BYTES = 64 * 1024 * 1024;
  private readonly idle: SharedArrayBuffer[] = [];

  /** An idle buffer of at least `bytes` (the smallest that fits), else a new one. */
  take(bytes: number): SharedArrayBuffer {
    let best = -1;
    this.idle.forEach((b, k) => {
      if (b.byteLength >= bytes && (best < 0 || b.byteLength < this.idle[best]!.byteLength)) best = k;
    });
    return best >= 0 ? this.idle.splice(best, 1)[0]! : new SharedArrayBuffer(bytes);
  }

  /** `b` is no longer read by any worker. */
  give(b: SharedArrayBuffer): void {
    if (b.byteLength > StagingBuffers.KEEP_BYTES) return;
    this.idle.push(b);
    // keep the largest few
    this.idle.sort((x, y) => y.byteLength - x.byteLength);
    this.idle.length = Math.min(this.idle.length, StagingBuffers.KEEP);
  }
}

/**
 * Lays out every typed array of `inputs` in one shared buffer (8-byte aligned; from `buffers`
 * when given) and makes the shells; `copy()` then copies the arrays in.
 */
export function stageInputs(inputs: readonly EpochInput[], buffers?: StagingBuffers): Staging {
  let bytes = 0;
  const arrays: [Staged, Slot][][] = [];
  const shell = (v: unknown, into: [Staged, Slot][]): unknown => {
    const kind = kindOf(v);
    if (kind >= 0) {
      const a = v as Staged;
      const slot: Slot = { staged: kind, at: bytes, length: a.length };
      bytes += (a.byteLength + 7) & ~7;
      into.push([a, slot]);
      return slot;
    }
    if (Array.isArray(v)) return v.map((x) => shell(x, into));
    if (!isPlain(v)) return v; // left to structured clone
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(v)) out[key] = shell(v[key], into);
    return out;
  };
  const shells = inputs.map((input) => {
    const into: [Staged, Slot][] = [];
    arrays.push(into);
    return shell(input, into);
  });
  const memory = buffers ? buffers.take(bytes) : new SharedArrayBuffer(bytes);
  const ready = new Int32Array(new SharedArrayBuffer(4));
  return {
    staged: { memory, shells, ready },
    copy() {
      try {
        arrays.forEach((subnet, k) => {
          for (const [a, slot] of subnet) {
            new Uint8Array(memory, slot.at, a.byteLength).set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
          }
          Atomics.store(ready, 0, k + 1);
          Atomics.notify(ready, 0);
        });
      } finally {
        // no worker may wait forever
        Atomics.store(ready, 0, inputs.length);
        Atomics.notify(ready, 0);
      }
    },
  };
}

const isSlot = (v: Record<string, unknown>): boolean =>
  typeof v.staged === 'number' && typeof v.at === 'number' && typeof v.length === 'number' && Object.keys(v).length === 3;

/** In a worker: waits until subnet `k` is copied in. */
export function awaitStaged(s: StagedInputs, k: number): void {
  for (let r = Atomics.load(s.ready, 0); r <= k; r = Atomics.load(s.ready, 0)) Atomics.wait(s.ready, 0, r);
}

/** Subnet `k` of a staged call (copied in: awaitStaged), its typed arrays views over the shared buffer. */
export function stagedInput(s: StagedInputs, k: number): EpochInput {
  const input = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(input);
    if (!isPlain(v)) return v;
    if (isSlot(v)) {
      const { staged, at, length } = v as unknown as Slot;
      return new (KINDS[staged] as View)(s.memory, at, length);
    }
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(v)) out[key] = input(v[key]);
    return out;
  };
  return input(s.shells[k]) as EpochInput;
}
