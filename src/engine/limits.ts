// The engine's size limits in one place: what one epoch may hold, and how many bytes of input
// any reader (files, stdin, gunzip output, HTTP bodies, checkpoints) takes before refusing.

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
