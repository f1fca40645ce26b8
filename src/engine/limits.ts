// The engine's size limits in one place: what one epoch may hold, and how many bytes of input
// any reader (files, stdin, gunzip output, HTTP bodies, checkpoints) takes before refusing.
import { InputError } from './types.js';

/** WebAssembly's 32-bit memory: 65,536 pages of 64 KiB = 4 GiB, for the epoch's flat arrays. */
export const WASM_MAX_BYTES = 65536 * 65536;

/**
 * The largest input document any reader accepts, in bytes (after gunzip): 128 MiB. Readers stop
 * at this many bytes and refuse, without building anything.
 *
 * Derived from what JSON.parse survives on Node's default 4 GiB heap, whatever the document:
 * - V8 aborts the process (no exception) on an array past 134,217,725 elements: a 256 MiB
 *   `[0,0,...]` has 134,217,727. At 128 MiB an array holds at most 67M.
 * - the worst heap cost per input byte is an array of empty objects, `[{},{},...]`: 21 bytes of
 *   heap per byte (an epoch's `[uid_j, value]` pairs: about 12): 128 MiB needs 2.7 GiB.
 * - strings stop at 512 MiB.
 * The largest epoch that fits is then about 10M weight plus bond entries (~13 bytes each), 5x
 * the largest golden vector (n = 4096, 256 full validator rows: 26.5 MB), far past any subnet
 * on chain; its WASM arrays (a few hundred MB) stay far below WASM_MAX_BYTES.
 */
export const MAX_INPUT_BYTES = 128 * 1024 * 1024;

/** `128 MiB`: the limit as messages and the README write it. */
export function formatBytes(bytes: number): string {
  if (bytes % (1024 * 1024) === 0) return `${bytes / (1024 * 1024)} MiB`;
  if (bytes % 1024 === 0) return `${bytes / 1024} KiB`;
  return `${bytes} bytes`;
}

/** Room below an epoch's buffers for the kernels' own static data (their heap base is lower). */
export const WASM_RESERVED_BYTES = 65536;

const GIB = 1024 ** 3;
const gib = (b: number) => `${(b / GIB).toFixed(2)} GiB`;
const count = (x: number) => x.toLocaleString('en-US');

/**
 * An epoch whose buffers do not fit in WebAssembly memory: refused before anything is
 * allocated. An InputError (the CLI exits 2), with the numbers as fields.
 */
export class EpochTooLargeError extends InputError {
  constructor(
    readonly n: number,
    /** weight entries (and bond entries) of the refused epoch */
    readonly weightEntries: number,
    readonly bondEntries: number,
    /** bytes its buffers need, and the memory's limit */
    readonly bytes: number,
    readonly limit: number,
    /** the most weight entries that fit at this n with these bonds */
    readonly maxWeightEntries: number,
    field = 'weights',
  ) {
    super(
      `n = ${n} with ${count(weightEntries)} weight and ${count(bondEntries)} bond entries needs ${gib(bytes)} of ` +
        `WebAssembly memory for the epoch's buffers, above its ${gib(limit)} limit; at this n with these bonds at most ` +
        `${count(maxWeightEntries)} weight entries fit`,
      field,
    );
    this.name = 'EpochTooLargeError';
  }
}

/**
 * The largest x in [0, hi] with bytesOf(x) <= limit (bytesOf non-decreasing), or -1 when even
 * bytesOf(0) does not fit. A binary search: about 32 calls.
 */
export function largestFitting(bytesOf: (x: number) => number, limit: number, hi: number): number {
  if (bytesOf(0) > limit) return -1;
  let lo = 0;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (bytesOf(mid) <= limit) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}
