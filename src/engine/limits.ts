// The engine's size limits in one place: what one epoch may hold, and how many bytes of input
// any reader (files, stdin, gunzip output, HTTP bodies, checkpoints) takes before refusing.

/** WebAssembly's 32-bit memory: 65,536 pages of 64 KiB = 4 GiB, for the epoch's flat arrays. */
export const WASM_MAX_BYTES = 65536 * 65536;

/**
 * The largest input document any reader accepts, in bytes (after gunzip). V8 cannot hold a
 * string past ~512 MiB, nor an array past ~134M elements; a 256 MiB document stays under both,
 * and the largest epoch that fits in WASM memory needs more JSON than that, so the parser binds
 * first. Readers stop at this many bytes and refuse, without building anything.
 */
export const MAX_INPUT_BYTES = 256 * 1024 * 1024;
