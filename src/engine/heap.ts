// Fresh output arrays without fresh pages. Every epoch hands its caller new typed arrays (the
// stored bonds alone are 6 bytes per entry); glibc's malloc serves the big ones with mmap, or
// from the top of its heap and then gives the freed top back to the system, so each epoch's
// outputs landed on pages the kernel had to fault in again. glibc raises both limits by itself
// once a chunk it mapped is freed (mallopt(3), M_MMAP_THRESHOLD: "dynamic mmap threshold"): the
// mmap threshold to that chunk's size, at most 32 MiB, and the trim threshold to twice that.
// One untouched allocation just below 32 MiB, dropped, sets them as MALLOC_MMAP_THRESHOLD_ and
// MALLOC_TRIM_THRESHOLD_ would: later outputs reuse memory already mapped (measured:
// bench/output-heap.ab.ts). Elsewhere (musl, macOS) it is one short-lived allocation.

/** Below glibc's DEFAULT_MMAP_THRESHOLD_MAX (32 MiB on 64-bit), with room for its chunk header. */
const NEAR_MMAP_THRESHOLD_MAX = 32 * 1024 * 1024 - 1024 * 1024;

let raised = false;

/**
 * Once per thread: allocate (never touch) and drop a buffer just below 32 MiB. glibc maps it
 * without faulting a page in; when the garbage collector frees it, glibc's thresholds rise.
 */
export function raiseMallocThresholds(): void {
  if (raised) return;
  raised = true;
  void new ArrayBuffer(NEAR_MMAP_THRESHOLD_MAX);
}
