// One giant subnet split across the pool's workers, over ONE shared WASM memory:
// a leader worker runs the epoch (runEpoch, unchanged) on kernels whose matrix stages fork
// their rows or columns out as blocks; helper workers, started beside it, claim blocks of each
// stage and run them on their own WASM instance over the same memory (original Yuma and
// Yuma3 alike; the bonds load, Yuma3's weights for bonds and the vector stages stay on the
// leader). No input is copied
// between workers: copying W to a second worker costs about what halving the median saves
// (measured; ../shared/guides/performance.md, "Handing 16 MiB to a worker"); the main thread
// stages the weights and bonds in the shared memory once, and the leader's epoch reads them
// there (epoch.ts PlacedInput), not from a copy in its own buffers.
//
// Exactness (spec/yuma-stages.md, "Sharding rules"): columns of the median are independent;
// row shards keep each row's entries in order and write them from the shard's padded base
// (the input offsets) into a scratch area, then each shard moves to its final place (known
// from the counts, in shard order), in parallel; column sums and maxima are per-thread
// partials the leader adds (plain integer sums, any order) or maxes. So the output is
// runEpoch's, bit for bit, whatever the number of threads or who ran which block.
//
// Speed: the README's Worker pool section has the numbers (measured: bench/pool.bench.ts, the
// same as `yuma bench`). The stages' blocks share the threads; what stays serial is the vector
// stages, clip, the outputs and the call's own overhead (staging the input, waking the helpers).
//
// One module per concern: split-control.ts (the fork-join protocol over the control block),
// split-blocks.ts (what a block of each job does; a helper's task), split-staging.ts (the input
// in the shared memory); here the leader's kernels and the memory a split needs.
import type { Kernels, RangeKernels } from '../engine/kernels.js';
import { carve, layoutBytes, type Buf, type Bufs, type Layout } from '../engine/memory.js';
import type { EpochInput } from '../engine/types.js';
import { controlOf, leaderJobs, type JobName } from './split-control.js';
import { blockRunner, carveScratch, scratchLayout } from './split-blocks.js';

/** Blocks per participant per stage: enough to even out uneven rows, few enough to be cheap. */
const BLOCKS_PER_THREAD = 4;

/** Row shards with about equal entries: shard s is rows [cut[s], cut[s + 1]). */
function rowCuts(rowPtr: Uint32Array, n: number, shards: number): Uint32Array {
  const cut = new Uint32Array(shards + 1);
  const total = rowPtr[n]!;
  let i = 0;
  for (let s = 1; s < shards; s++) {
    const want = (s * total) / shards;
    while (i < n && rowPtr[i]! < want) i++;
    cut[s] = i;
  }
  cut[shards] = n;
  for (let s = 1; s <= shards; s++) if (cut[s]! < cut[s - 1]!) cut[s] = cut[s - 1]!;
  return cut;
}

/** The split's own buffers (after the epoch's): shard bookkeeping and the row shards' scratch. */
const splitLayout = (shards: number, maxEntries: number) =>
  ({
    cuts: ['u32', shards + 1], counts: ['u32', shards], bases: ['u32', shards], dests: ['u32', shards], tmp: ['i64', 3],
    // where row shards write (from padded bases) before their entries move to the real CSR
    tmpCol: ['u32', maxEntries], tmpVal: ['i64', maxEntries],
  }) as const;

/**
 * Bytes of the shared memory a split epoch of `input` over `participants` threads needs: the
 * staged weights and bonds (from `from`), the epoch's own buffers (`epochBytes` without the
 * weights and bonds: they are read where staged), the split's, and every thread's scratch.
 * The pool splits only when this fits in the shared memory's maximum.
 */
export function splitBytes(input: EpochInput, participants: number, epochBytes: number, from: number): number {
  const a16 = (b: number) => Math.ceil(b / 16) * 16;
  const staged = [input.weights, input.bonds].reduce((t, m) => t + a16(m.rowPtr.byteLength) + a16(m.col.byteLength) + a16(m.val.byteLength), 0);
  const own = layoutBytes(splitLayout(Math.max(1, participants * BLOCKS_PER_THREAD), input.weights.col.length + input.bonds.col.length));
  return a16(from) + staged + epochBytes + own + participants * layoutBytes(scratchLayout(input.n)) + 16;
}

/**
 * The leader's kernels: `base` (the shared instance's whole-epoch kernels) with the matrix
 * stages split into blocks over `participants` threads. Call `quit()` when the epoch is over.
 */
export function splitKernels(
  base: Kernels, range: RangeKernels, memory: WebAssembly.Memory, ctlBuffer: SharedArrayBuffer, input: EpochInput, participants: number,
): { kernels: Kernels; quit: () => void; blocks: () => number } {
  const n = input.n;
  /** the most entries a row stage writes: W (at most the input's weights), the EMA (W + bonds) */
  const maxEntries = input.weights.col.length + input.bonds.col.length;
  const ctl = controlOf(ctlBuffer);
  const leader = leaderJobs(ctl, blockRunner(range, memory, ctl, 0));
  const forkJoin = leader.forkJoin;
  const shards = Math.max(1, participants * BLOCKS_PER_THREAD);
  /** first byte after the epoch's buffers (set by alloc), where the split's own scratch starts */
  let end = 0;
  const perThread = layoutBytes(scratchLayout(n));
  const ownLayout = splitLayout(shards, maxEntries);
  let own: Bufs<typeof ownLayout> & { counts32: Int32Array } | undefined;
  const { split, jobs } = ctl;

  const scratchOf = (p: number) => carveScratch(memory.buffer, end + p * perThread, n);

  /** The row shards of the next row job: about equal entries counted by `rowPtr`. */
  const cutsFor = (rowPtr: Uint32Array): void => own!.cuts.view.set(rowCuts(rowPtr, n, shards));
  /** Entries of both matrices before each row: a union of the two rows fits in that many. */
  const entriesBefore = (x: Uint32Array, y: Uint32Array): Uint32Array => {
    const both = new Uint32Array(n + 1);
    for (let i = 0; i <= n; i++) both[i] = x[i]! + y[i]!;
    return both;
  };
  /**
   * Before a row job that writes entries: each shard's padded base, where its rows start when
   * nothing before them is dropped (so whatever the previous shards drop, it has room). The
   * shards write into tmpCol/tmpVal from there.
   */
  const padded = (baseOf: (r0: number) => number) => {
    const o = own!;
    for (let s = 0; s < shards; s++) o.bases.view[s] = baseOf(o.cuts.view[s]!);
  };
  /**
   * After it: the shards' final places follow from their counts in shard order; a Move job
   * copies each shard (and shifts its row pointers) in parallel. Returns the entries in all.
   */
  const gather = (rowPtr: Buf<'u32'>, col: Buf<'u32'>, val: Buf<'i64'>): number => {
    const o = own!;
    let at = 0;
    for (let s = 0; s < shards; s++) {
      o.dests.view[s] = at;
      at += o.counts32[s]!;
    }
    const a = jobs.move;
    a.outPtr = rowPtr.ptr; a.col = col.ptr; a.val = val.ptr;
    forkJoin('move', shards);
    rowPtr.view[0] = 0;
    return at;
  };

  /**
   * Job `job`, whose blocks fold column terms into their thread's partial vectors `parts`
   * (zeroed first); then each `into` vector is the fold of its partials: a sum (plain integer
   * sums, exact in any order) or a maximum (`fold`, or a pair's own third element).
   */
  const withPartials = (
    job: JobName, fold: 'add' | 'max', pairs: ['sumD' | 'sumB' | 'colSum' | 'colMax', Buf<'i64'>, ('add' | 'max')?][],
  ) => {
    const parts = Array.from({ length: participants }, (_, p) => scratchOf(p));
    for (const s of parts) for (const [which] of pairs) s[which].view.fill(0n);
    forkJoin(job, shards);
    for (const [which, into, own] of pairs) {
      into.view.fill(0n, 0, n);
      for (const s of parts) ((own ?? fold) === 'add' ? range.addInto : range.maxInto)(into.ptr, s[which].ptr, n);
    }
  };

  /**
   * The Yuma3 EMA (fixed or liquid alpha; its arguments written but for the matrices) by row
   * shards, gathered; colSum from the partials.
   */
  const yuma3Ema = (
    job: 'emaFixedRows' | 'emaLiquidRows', newPtr: Buf<'u32'>, newCol: Buf<'u32'>, newVal: Buf<'i64'>, oldPtr: Buf<'u32'>,
    oldCol: Buf<'u32'>, oldVal: Buf<'i64'>, outPtr: Buf<'u32'>, outCol: Buf<'u32'>, outVal: Buf<'i64'>, colSum: Buf<'i64'>,
  ): number => {
    const a = jobs[job];
    a.newPtr = newPtr.ptr; a.newCol = newCol.ptr; a.newVal = newVal.ptr; a.oldPtr = oldPtr.ptr; a.oldCol = oldCol.ptr; a.oldVal = oldVal.ptr;
    a.outPtr = outPtr.ptr;
    const both = entriesBefore(newPtr.view, oldPtr.view);
    cutsFor(both);
    padded((r0) => both[r0]!);
    withPartials(job, 'add', [['colSum', colSum]]);
    return gather(outPtr, outCol, outVal);
  };

  const kernels: Kernels = {
    ...base,
    name: `wasm-split-${participants}`,
    alloc(layout) {
      // the epoch's buffers, then this split's own (cuts, counts, consensus scalars) and every
      // thread's scratch, in one allocation: memory grows at most once per epoch
      const pad = layoutBytes(ownLayout) + participants * perThread;
      const m = base.alloc({ ...layout, _split: ['u8', pad] } as Layout) as Record<string, Buf>;
      const at = m['_split']!.ptr;
      const o = carve(memory.buffer, at, ownLayout);
      own = { ...o, counts32: new Int32Array(memory.buffer, o.counts.ptr, shards) };
      end = at + layoutBytes(ownLayout);
      split.scratch = end; split.perThread = perThread; split.n = n;
      split.cuts = o.cuts.ptr; split.bases = o.bases.ptr; split.dests = o.dests.ptr; split.counts = o.counts.ptr;
      split.tmpCol = o.tmpCol.ptr; split.tmpVal = o.tmpVal.ptr;
      return m as never;
    },

    prepareWeights(nn, rowPtr, col, w, forbid, lastUpdate, registered, commit, owner, outPtr, outCol, outVal) {
      const a = jobs.prepareWeightRows;
      a.rowPtr = rowPtr.ptr; a.col = col.ptr; a.w = w.ptr; a.forbid = forbid.ptr; a.lastUpdate = lastUpdate.ptr;
      a.registered = registered.ptr; a.commit = commit ? commit.ptr : 0; a.owner = owner; a.outPtr = outPtr.ptr;
      cutsFor(rowPtr.view);
      padded((r0) => rowPtr.view[r0]!);
      forkJoin('prepareWeightRows', shards);
      return gather(outPtr, outCol, outVal);
    },

    consensus(nn, rowPtr, col, val, a, kappa, u, colPtr, cursor, score, weight, hist, C) {
      range.consensusStakeInto(nn, a.ptr, kappa, u.ptr, own!.tmp.ptr);
      const [T, minority, countU] = own!.tmp.view;
      const x = jobs.consensusColumns;
      x.rowPtr = rowPtr.ptr; x.col = col.ptr; x.val = val.ptr; x.u = u.ptr; x.C = C.ptr; x.countU = Number(countU);
      x.T = T!; x.minority = minority!;
      forkJoin('consensusColumns', Math.min(shards, nn));
      return 0; // the columns are split: clip runs on its own (by rows)
    },

    emaOriginal(nn, rowPtr, col, val, C, a, beta, bPtr, bCol, bVal, recent, alpha, outPtr, outCol, outVal, colSum, colMax, sumD, sumB, sumDReady, wInRange) {
      // rows cut by their W and B entries together
      const both = entriesBefore(rowPtr.view, bPtr.view);
      cutsFor(both);
      // pass 1: the column sums of the delta (unless given) and of the bonds
      const x = jobs.emaSums;
      x.rowPtr = rowPtr.ptr; x.col = col.ptr; x.val = val.ptr; x.C = C.ptr; x.a = a.ptr; x.beta = beta;
      x.bPtr = bPtr.ptr; x.bCol = bCol.ptr; x.bVal = bVal.ptr; x.recent = recent.ptr; x.sumDReady = sumDReady;
      withPartials('emaSums', 'add', sumDReady ? [['sumB', sumB]] : [['sumD', sumD], ['sumB', sumB]]);
      // pass 2: the EMA rows from padded bases, then gathered; colSum and colMax from the partials
      const y = jobs.emaRows;
      y.rowPtr = rowPtr.ptr; y.col = col.ptr; y.val = val.ptr; y.C = C.ptr; y.a = a.ptr; y.beta = beta;
      y.bPtr = bPtr.ptr; y.bCol = bCol.ptr; y.bVal = bVal.ptr; y.recent = recent.ptr; y.alpha = alpha;
      y.sumD = sumD.ptr; y.sumB = sumB.ptr; y.outPtr = outPtr.ptr;
      // as emaOriginal decides it, on the combined sums
      y.inRange = wInRange && range.emaWalkInRange(nn, a.ptr, sumB.ptr);
      padded((r0) => both[r0]!);
      withPartials('emaRows', 'add', [['colSum', colSum], ['colMax', colMax, 'max']]);
      return gather(outPtr, outCol, outVal);
    },

    emaDividends(nn, rowPtr, col, val, colSum, I, out, colMax, u16) {
      // the EMA's column maxima become N's first (n entries: on this thread), then the rows
      const x = jobs.emaDividendRows;
      x.inRange = range.emaDividendsInRange(nn, colMax.ptr, I.ptr);
      range.emaColumnMaxima(nn, colMax.ptr, colSum.ptr);
      x.rowPtr = rowPtr.ptr; x.col = col.ptr; x.val = val.ptr; x.colSum = colSum.ptr; x.I = I.ptr; x.out = out.ptr;
      x.colMax = colMax.ptr; x.u16 = u16 ? u16.ptr : 0;
      cutsFor(rowPtr.view);
      forkJoin('emaDividendRows', shards);
    },

    clip(nn, rowPtr, col, val, C, a, beta, VT, R, outPtr, outCol, outVal) {
      // the weights for bonds (Yuma3 with a penalty) stay whole: a compacted output of their own
      if (beta !== 0n && outPtr !== null) return base.clip(nn, rowPtr, col, val, C, a, beta, VT, R, outPtr, outCol, outVal);
      const x = jobs.clipRows;
      x.rowPtr = rowPtr.ptr; x.col = col.ptr; x.val = val.ptr; x.C = C.ptr; x.a = a.ptr; x.VT = VT.ptr;
      cutsFor(rowPtr.view);
      withPartials('clipRows', 'add', [['colSum', R]]);
      return rowPtr.view[n]!;
    },

    emaFixed(nn, alpha, newPtr, newCol, newVal, oldPtr, oldCol, oldVal, outPtr, outCol, outVal, colSum) {
      jobs.emaFixedRows.alpha = alpha;
      return yuma3Ema('emaFixedRows', newPtr, newCol, newVal, oldPtr, oldCol, oldVal, outPtr, outCol, outVal, colSum);
    },

    emaLiquid(nn, C, lo, hi, steepness, newPtr, newCol, newVal, oldPtr, oldCol, oldVal, outPtr, outCol, outVal, colSum) {
      const x = jobs.emaLiquidRows;
      x.C = C.ptr; x.lo = lo; x.hi = hi; x.steepness = steepness;
      return yuma3Ema('emaLiquidRows', newPtr, newCol, newVal, oldPtr, oldCol, oldVal, outPtr, outCol, outVal, colSum);
    },

    yuma3Dividends(nn, rowPtr, col, val, colSum, I, a, out) {
      const x = jobs.yuma3DividendRows;
      x.rowPtr = rowPtr.ptr; x.col = col.ptr; x.val = val.ptr; x.colSum = colSum.ptr; x.I = I.ptr; x.a = a.ptr; x.out = out.ptr;
      cutsFor(rowPtr.view);
      forkJoin('yuma3DividendRows', shards);
    },
  };

  return { kernels, quit: leader.quit, blocks: leader.blocks };
}
