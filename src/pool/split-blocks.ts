// What one block of each split job does (split.ts), on whichever thread claimed it: the
// range kernel over its rows or columns, on that thread's own WASM instance and
// scratch over the shared memory; and a helper's task, which runs blocks until the leader quits.
import { MEDIAN_SCRATCH, type RangeKernels } from '../engine/kernels.js';
import { carve } from '../engine/memory.js';
import { blockCount, controlOf, serveJobs, type Control, type JobName } from './split-control.js';

/** Per-thread scratch of the split stages, carved after the epoch's own buffers. */
export const scratchLayout = (n: number) =>
  ({
    colPtr: ['u32', n + 1], cursor: ['u32', n], score: ['i64', MEDIAN_SCRATCH(n)], weight: ['i64', MEDIAN_SCRATCH(n)],
    hist: ['i64', 256], sumD: ['i64', n], sumB: ['i64', n], colSum: ['i64', n], colMax: ['i64', n],
  }) as const;
type Scratch = ReturnType<typeof carveScratch>;
export function carveScratch(buffer: ArrayBufferLike, at: number, n: number) {
  return carve(buffer, at, scratchLayout(n));
}

/** Block b of `count` near-equal ranges of [0, total). */
const blockSpan = (b: number, count: number, total: number): [number, number] => [
  Math.floor((b * total) / count),
  Math.floor(((b + 1) * total) / count),
];

/** What every participant needs to run any block: the range kernels and its own scratch. */
export function blockRunner(range: RangeKernels, memory: WebAssembly.Memory, ctl: Control, p: number) {
  let scratch: { at: number; n: number; s: Scratch } | undefined;
  const { split, jobs } = ctl;
  const mine = (): Scratch => {
    const at = split.scratch + p * split.perThread;
    const n = split.n;
    if (!scratch || scratch.at !== at || scratch.n !== n || scratch.s.colPtr.view.buffer !== memory.buffer) {
      scratch = { at, n, s: carveScratch(memory.buffer, at, n) };
    }
    return scratch.s;
  };
  return (job: JobName, block: number): void => {
    const s = mine();
    const nb = blockCount(ctl);
    const b = memory.buffer;
    // a row job's shard: its rows (SPLIT.cuts), its padded base (SPLIT.bases, set by the
    // leader), and where its entry count goes (SPLIT.counts)
    const [r0, r1] = job === 'consensusColumns' ? [0, 0] : cutsAt(b, split.cuts, nb, block);
    const base = () => new Uint32Array(b, split.bases, nb)[block]!;
    const counted = (k: number) => void (new Int32Array(b, split.counts, nb)[block] = k);
    switch (job) {
      case 'prepareWeightRows': {
        const a = jobs.prepareWeightRows;
        counted(range.prepareWeightRows(
          r0, r1, a.rowPtr, a.col, a.w, a.forbid, a.lastUpdate, a.registered, a.commit, a.owner, a.outPtr, split.tmpCol, split.tmpVal, base(),
        ));
        break;
      }
      case 'consensusColumns': {
        const a = jobs.consensusColumns;
        const [j0, j1] = blockSpan(block, nb, split.n);
        range.consensusColumns(
          split.n, j0, j1, a.rowPtr, a.col, a.val, a.u, a.T, a.minority, a.countU,
          s.colPtr.ptr, s.cursor.ptr, s.score.ptr, s.weight.ptr, s.hist.ptr, a.C,
        );
        break;
      }
      case 'emaSums': {
        const a = jobs.emaSums;
        range.emaSums(r0, r1, a.rowPtr, a.col, a.val, a.C, a.a, a.beta, a.bPtr, a.bCol, a.bVal, a.recent, s.sumD.ptr, s.sumB.ptr, a.sumDReady);
        break;
      }
      case 'emaRows': {
        const a = jobs.emaRows;
        counted(range.emaRows(
          r0, r1, a.rowPtr, a.col, a.val, a.C, a.a, a.beta, a.bPtr, a.bCol, a.bVal, a.recent, a.alpha,
          a.sumD, a.sumB, a.outPtr, split.tmpCol, split.tmpVal, base(), s.colSum.ptr, s.colMax.ptr, a.inRange,
        ));
        break;
      }
      case 'emaDividendRows': {
        const a = jobs.emaDividendRows;
        range.emaDividendRows(r0, r1, a.rowPtr, a.col, a.val, a.colSum, a.I, a.out, a.colMax, a.u16, a.inRange);
        break;
      }
      case 'emaFixedRows': {
        const a = jobs.emaFixedRows;
        counted(range.emaFixedRows(
          r0, r1, a.alpha, a.newPtr, a.newCol, a.newVal, a.oldPtr, a.oldCol, a.oldVal, a.outPtr, split.tmpCol, split.tmpVal, base(), s.colSum.ptr,
        ));
        break;
      }
      case 'emaLiquidRows': {
        const a = jobs.emaLiquidRows;
        counted(range.emaLiquidRows(
          r0, r1, a.C, a.lo, a.hi, a.steepness, a.newPtr, a.newCol, a.newVal, a.oldPtr, a.oldCol, a.oldVal,
          a.outPtr, split.tmpCol, split.tmpVal, base(), s.colSum.ptr,
        ));
        break;
      }
      case 'yuma3DividendRows': {
        const a = jobs.yuma3DividendRows;
        range.yuma3DividendRows(r0, r1, a.rowPtr, a.col, a.val, a.colSum, a.I, a.a, a.out);
        break;
      }
      case 'clipRows': {
        // this thread's rank terms in its colSum
        const a = jobs.clipRows;
        range.clipRows(r0, r1, a.rowPtr, a.col, a.val, a.C, a.a, a.VT, s.colSum.ptr);
        break;
      }
      case 'move': {
        // shard `block` of a row job wrote its entries to the tmp arrays from its padded base:
        // copy them to their final place and shift its rows' pointers by the same amount.
        const a = jobs.move;
        const from = new Uint32Array(b, split.bases, nb)[block]!;
        const to = new Uint32Array(b, split.dests, nb)[block]!;
        const count = new Int32Array(b, split.counts, nb)[block]!;
        new Uint32Array(b, a.col + 4 * to, count).set(new Uint32Array(b, split.tmpCol + 4 * from, count));
        new BigInt64Array(b, a.val + 8 * to, count).set(new BigInt64Array(b, split.tmpVal + 8 * from, count));
        if (from !== to) {
          const cuts = new Uint32Array(b, split.cuts, nb + 1);
          const ptr = new Uint32Array(b, a.outPtr, cuts[nb]! + 1);
          const shift = from - to;
          for (let i = cuts[block]!; i < cuts[block + 1]!; i++) ptr[i + 1] = ptr[i + 1]! - shift;
        }
        break;
      }
    }
  };
}

/** Rows [cuts[block], cuts[block + 1]) of a row job's shard `block`. */
function cutsAt(b: ArrayBufferLike, cuts: number, nb: number, block: number): [number, number] {
  const c = new Uint32Array(b, cuts, nb + 1);
  return [c[block]!, c[block + 1]!];
}

/**
 * A helper's task: join (take a participant index), then run blocks of every job the leader
 * publishes until QUIT. Returns the number of blocks it ran. A helper that arrives when there
 * is no participant slot left, or after the epoch ended, returns at once.
 */
export function runHelper(range: RangeKernels, memory: WebAssembly.Memory, ctlBuffer: SharedArrayBuffer, participants: number): number {
  const ctl = controlOf(ctlBuffer);
  return serveJobs(ctl, participants, (p) => blockRunner(range, memory, ctl, p));
}
