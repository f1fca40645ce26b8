// One giant subnet split across the pool's workers, over ONE shared WASM memory:
// a leader worker runs the epoch (runEpoch, unchanged) on kernels whose matrix stages fork
// their rows or columns out as blocks; helper workers, started beside it, claim blocks of each
// stage and run them on their own WASM instance over the same memory (original Yuma and
// Yuma3 alike; the bonds load, Yuma3's weights for bonds and the vector stages stay on the
// leader). No input is copied
// between workers: copying W to a second worker costs about what halving the median saves
// (measured; ../shared/guides/performance.md, "Handing 16 MiB to a worker").
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
// Fork-join: one job at a time in a control block (Int32Array over a SharedArrayBuffer). A
// job is published by bumping GEN; its blocks are claimed by compare-exchange on CLAIM, a
// word tagged with the job's generation, so a thread that wakes late can never claim a block
// of a later job. The leader claims blocks too: a helper that never starts (its worker busy
// elsewhere) costs speed, never a deadlock. QUIT (GEN = -1) sends the helpers home.
import { MEDIAN_SCRATCH, type Kernels } from '../engine/kernels.js';
import { carve, layoutBytes, type Buf, type Bufs, type Layout } from '../engine/memory.js';
import type { RangeKernels } from '../engine/wasm.js';
import type { EpochInput } from '../engine/types.js';

const GEN = 0;
const CLAIM = 1;
const DONE = 2;
const JOINED = 3;
const KIND = 4;
const NBLOCKS = 5;
const FAILED = 6;
/** Int32 slots of the control block; then ARGS (f64) and BIG (i64) argument areas. */
const CTL_INTS = 16;
const ARGS = 64;
const BIG = 8;
const CTL_BYTES = CTL_INTS * 4 + ARGS * 8 + BIG * 8;

/** Blocks per participant per stage: enough to even out uneven rows, few enough to be cheap. */
const BLOCKS_PER_THREAD = 4;
/** A helper waits this long for the next job before checking again (it never misses one). */
const HELPER_WAIT_MS = 1_000;
/** The leader gives up on a stage whose blocks have not all finished in this long. */
const STAGE_TIMEOUT_MS = 120_000;

const enum Job {
  Weights = 1,
  Consensus = 2,
  EmaSums = 3,
  EmaRows = 4,
  Dividends = 5,
  U16 = 6,
  Move = 7,
  EmaFixed = 8,
  EmaLiquid = 9,
  Yuma3Dividends = 10,
  Clip = 11,
}

/** The control block of one split call (shared by the leader and its helpers). */
export function newControl(): SharedArrayBuffer {
  return new SharedArrayBuffer(CTL_BYTES);
}

function views(ctl: SharedArrayBuffer) {
  return {
    i: new Int32Array(ctl, 0, CTL_INTS),
    f: new Float64Array(ctl, CTL_INTS * 4, ARGS),
    b: new BigInt64Array(ctl, CTL_INTS * 4 + ARGS * 8, BIG),
  };
}

/** Per-thread scratch of the split stages, carved after the epoch's own buffers. */
const scratchLayout = (n: number) =>
  ({
    colPtr: ['u32', n + 1], cursor: ['u32', n], score: ['i64', MEDIAN_SCRATCH(n)], weight: ['i64', MEDIAN_SCRATCH(n)],
    hist: ['i64', 256], sumD: ['i64', n], sumB: ['i64', n], colSum: ['i64', n], colMax: ['i64', n],
  }) as const;
type Scratch = ReturnType<typeof carveScratch>;
function carveScratch(buffer: ArrayBufferLike, at: number, n: number) {
  return carve(buffer, at, scratchLayout(n));
}

/** Block b of `count` near-equal ranges of [0, total). */
const blockSpan = (b: number, count: number, total: number): [number, number] => [
  Math.floor((b * total) / count),
  Math.floor(((b + 1) * total) / count),
];

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
 * staged weights and bonds (from `from`), the epoch's own buffers, the split's, and every
 * thread's scratch. The pool splits only when this fits in the shared memory's maximum.
 */
export function splitBytes(input: EpochInput, participants: number, epochBytes: number, from: number): number {
  const a16 = (b: number) => Math.ceil(b / 16) * 16;
  const staged = [input.weights, input.bonds].reduce((t, m) => t + a16(m.rowPtr.byteLength) + a16(m.col.byteLength) + a16(m.val.byteLength), 0);
  const own = layoutBytes(splitLayout(Math.max(1, participants * BLOCKS_PER_THREAD), input.weights.col.length + input.bonds.col.length));
  return a16(from) + staged + epochBytes + own + participants * layoutBytes(scratchLayout(input.n)) + 16;
}

/**
 * Run the blocks of job `gen` that this thread can claim. Arguments are read only after a
 * claim succeeded: until every block is done the leader does not touch them.
 */
function claimBlocks(ctl: ReturnType<typeof views>, gen: number, run: (kind: Job, block: number) => void): void {
  const tag = (gen & 0x7fff) << 16;
  for (;;) {
    const w = Atomics.load(ctl.i, CLAIM);
    if ((w & ~0xffff) !== tag || (w & 0xffff) >= Atomics.load(ctl.i, NBLOCKS)) return;
    if (Atomics.compareExchange(ctl.i, CLAIM, w, w + 1) !== w) continue;
    try {
      run(Atomics.load(ctl.i, KIND) as Job, w & 0xffff);
    } catch (e) {
      Atomics.store(ctl.i, FAILED, 1);
      throw e;
    } finally {
      Atomics.add(ctl.i, DONE, 1);
      Atomics.notify(ctl.i, DONE);
    }
  }
}

/** What every participant needs to run any block: the range kernels and its own scratch. */
function blockRunner(range: RangeKernels, memory: WebAssembly.Memory, ctl: ReturnType<typeof views>, p: number) {
  let scratch: { at: number; n: number; s: Scratch } | undefined;
  const mine = (): Scratch => {
    // this thread's scratch: ARGS 0 = first scratch byte, 1 = bytes per thread, 2 = n
    const at = ctl.f[0]! + p * ctl.f[1]!;
    const n = ctl.f[2]!;
    if (!scratch || scratch.at !== at || scratch.n !== n || scratch.s.colPtr.view.buffer !== memory.buffer) {
      scratch = { at, n, s: carveScratch(memory.buffer, at, n) };
    }
    return scratch.s;
  };
  const f = ctl.f;
  const big = ctl.b;
  return (kind: Job, block: number): void => {
    const s = mine();
    const nb = Atomics.load(ctl.i, NBLOCKS);
    const b = memory.buffer;
    // a row job's shard: its rows (cuts at f[15]), its padded base (bases at f[26], set by the
    // leader), and where its entry count goes (counts at f[16])
    const cuts = () => new Uint32Array(b, f[15]!, nb + 1);
    const [r0, r1] = kind === Job.Consensus || kind === Job.U16 ? [0, 0] : [cuts()[block]!, cuts()[block + 1]!];
    const base = () => new Uint32Array(b, f[26]!, nb)[block]!;
    const counted = (k: number) => void (new Int32Array(b, f[16]!, nb)[block] = k);
    switch (kind) {
      case Job.Weights:
        // f: 4 rowPtr, 5 col, 6 w, 7 forbid, 8 lastUpdate, 9 registered, 10 commit, 11 owner,
        // 12 outPtr, 13 outCol, 14 outVal
        counted(range.prepareWeightRows(r0, r1, f[4]!, f[5]!, f[6]!, f[7]!, f[8]!, f[9]!, f[10]!, f[11]!, f[12]!, f[13]!, f[14]!, base()));
        break;
      case Job.Consensus: {
        // f: 3 n, 4 rowPtr, 5 col, 6 val, 7 u, 8 C, 9 countU; big: 0 T, 1 minority
        const [j0, j1] = blockSpan(block, nb, f[3]!);
        range.consensusColumns(
          f[3]!, j0, j1, f[4]!, f[5]!, f[6]!, f[7]!, big[0]!, big[1]!, f[9]!,
          s.colPtr.ptr, s.cursor.ptr, s.score.ptr, s.weight.ptr, s.hist.ptr, f[8]!,
        );
        break;
      }
      case Job.EmaSums:
        // f: 4 rowPtr, 5 col, 6 val, 7 C, 8 a, 9 bPtr, 10 bCol, 11 bVal, 12 recent, 13 sumDReady; big: 0 beta
        range.emaSums(r0, r1, f[4]!, f[5]!, f[6]!, f[7]!, f[8]!, big[0]!, f[9]!, f[10]!, f[11]!, f[12]!, s.sumD.ptr, s.sumB.ptr, f[13]!);
        break;
      case Job.EmaRows:
        // as EmaSums, plus 14 outPtr, 17 outCol, 18 outVal, 19 sumD, 20 sumB; big: 0 beta, 1 alpha
        counted(range.emaRows(
          r0, r1, f[4]!, f[5]!, f[6]!, f[7]!, f[8]!, big[0]!, f[9]!, f[10]!, f[11]!, f[12]!, big[1]!,
          f[19]!, f[20]!, f[14]!, f[17]!, f[18]!, base(), s.colSum.ptr,
        ));
        break;
      case Job.Dividends:
        // f: 4 rowPtr, 5 col, 6 val, 7 colSum, 8 I, 9 out
        range.emaDividendRows(r0, r1, f[4]!, f[5]!, f[6]!, f[7]!, f[8]!, f[9]!, s.colMax.ptr);
        break;
      case Job.U16: {
        // f: 3 nnz, 4 col, 5 val, 6 colMax, 7 out
        const [q0, q1] = blockSpan(block, nb, f[3]!);
        range.upscaleToU16(q1 - q0, f[4]! + 4 * q0, f[5]! + 8 * q0, f[6]!, f[7]! + 2 * q0);
        break;
      }
      case Job.EmaFixed:
        // f: 5 newPtr, 6 newCol, 7 newVal, 8 oldPtr, 9 oldCol, 10 oldVal, 14 outPtr, 17 outCol,
        // 18 outVal; big: 0 alpha
        counted(range.emaFixedRows(r0, r1, big[0]!, f[5]!, f[6]!, f[7]!, f[8]!, f[9]!, f[10]!, f[14]!, f[17]!, f[18]!, base(), s.colSum.ptr));
        break;
      case Job.EmaLiquid:
        // as EmaFixed, plus 4 C; big: 0 lo, 1 hi, 2 steepness
        counted(range.emaLiquidRows(
          r0, r1, f[4]!, big[0]!, big[1]!, big[2]!, f[5]!, f[6]!, f[7]!, f[8]!, f[9]!, f[10]!, f[14]!, f[17]!, f[18]!, base(), s.colSum.ptr,
        ));
        break;
      case Job.Yuma3Dividends:
        // f: 4 rowPtr, 5 col, 6 val, 7 colSum, 8 I, 9 a, 10 out
        range.yuma3DividendRows(r0, r1, f[4]!, f[5]!, f[6]!, f[7]!, f[8]!, f[9]!, f[10]!);
        break;
      case Job.Clip:
        // f: 4 rowPtr, 5 col, 6 val, 7 C, 8 a, 9 VT; this thread's rank terms in its colSum
        range.clipRows(r0, r1, f[4]!, f[5]!, f[6]!, f[7]!, f[8]!, f[9]!, s.colSum.ptr);
        break;
      case Job.Move: {
        // shard `block` of a row job wrote its entries to the tmp arrays from its padded base:
        // copy them to their final place and shift its rows' pointers by the same amount.
        // f: 20 outPtr, 21 col, 22 val, 23 tmpCol, 24 tmpVal, 25 cuts, 26 bases, 27 dests, 28 counts
        const from = new Uint32Array(b, f[26]!, nb)[block]!;
        const to = new Uint32Array(b, f[27]!, nb)[block]!;
        const count = new Int32Array(b, f[28]!, nb)[block]!;
        new Uint32Array(b, f[21]! + 4 * to, count).set(new Uint32Array(b, f[23]! + 4 * from, count));
        new BigInt64Array(b, f[22]! + 8 * to, count).set(new BigInt64Array(b, f[24]! + 8 * from, count));
        if (from !== to) {
          const cuts = new Uint32Array(b, f[25]!, nb + 1);
          const ptr = new Uint32Array(b, f[20]!, cuts[nb]! + 1);
          const shift = from - to;
          for (let i = cuts[block]!; i < cuts[block + 1]!; i++) ptr[i + 1] = ptr[i + 1]! - shift;
        }
        break;
      }
      default:
        throw new Error(`split: unknown job kind ${kind as number}`);
    }
  };
}

/**
 * A helper's task: join (take a participant index), then run blocks of every job the leader
 * publishes until QUIT. Returns the number of blocks it ran. A helper that arrives when there
 * is no participant slot left, or after the epoch ended, returns at once.
 */
export function runHelper(range: RangeKernels, memory: WebAssembly.Memory, ctlBuffer: SharedArrayBuffer, participants: number): number {
  const ctl = views(ctlBuffer);
  const p = 1 + Atomics.add(ctl.i, JOINED, 1);
  if (p >= participants) return 0;
  const run = blockRunner(range, memory, ctl, p);
  let ran = 0;
  let seen = 0;
  for (;;) {
    const g = Atomics.load(ctl.i, GEN);
    if (g < 0) return ran;
    if (g === seen) {
      Atomics.wait(ctl.i, GEN, g, HELPER_WAIT_MS);
      continue;
    }
    seen = g;
    claimBlocks(ctl, g, (kind, b) => {
      run(kind, b);
      ran++;
    });
  }
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
  const ctl = views(ctlBuffer);
  const run = blockRunner(range, memory, ctl, 0);
  const shards = Math.max(1, participants * BLOCKS_PER_THREAD);
  let gen = 0;
  let ran = 0;
  /** first byte after the epoch's buffers (set by alloc), where the split's own scratch starts */
  let end = 0;
  const perThread = layoutBytes(scratchLayout(n));
  const ownLayout = splitLayout(shards, maxEntries);
  let own: Bufs<typeof ownLayout> & { counts32: Int32Array } | undefined;
  const f = ctl.f;

  const scratchOf = (p: number) => carveScratch(memory.buffer, end + p * perThread, n);

  /** Publish job `kind` of `blocks` blocks (arguments already in ARGS/BIG), run, wait for all. */
  const forkJoin = (kind: Job, blocks: number) => {
    if (blocks > 0xffff) throw new Error(`split: ${blocks} blocks exceed the claim word`);
    ctl.i[KIND] = kind;
    ctl.i[NBLOCKS] = blocks;
    ctl.i[DONE] = 0;
    gen = gen >= 0x3fff_ffff ? 1 : gen + 1;
    Atomics.store(ctl.i, CLAIM, (gen & 0x7fff) << 16);
    Atomics.store(ctl.i, GEN, gen);
    Atomics.notify(ctl.i, GEN);
    claimBlocks(ctl, gen, (k, b) => {
      run(k, b);
      ran++;
    });
    const deadline = performance.now() + STAGE_TIMEOUT_MS;
    for (let d = Atomics.load(ctl.i, DONE); d < blocks; d = Atomics.load(ctl.i, DONE)) {
      if (performance.now() > deadline) throw new Error(`split: a helper did not finish its block of stage ${kind} in ${STAGE_TIMEOUT_MS} ms`);
      Atomics.wait(ctl.i, DONE, d, 100);
    }
    if (Atomics.load(ctl.i, FAILED) !== 0) throw new Error(`split: a helper failed in stage ${kind}`);
  };

  const setCommon = () => {
    f[0] = end;
    f[1] = perThread;
    f[2] = n;
    f[3] = n;
  };
  const cutsFor = (rowPtr: Uint32Array): number => {
    own!.cuts.view.set(rowCuts(rowPtr, n, shards));
    return own!.cuts.ptr;
  };
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
    f[16] = o.counts.ptr; f[17] = o.tmpCol.ptr; f[18] = o.tmpVal.ptr; f[26] = o.bases.ptr;
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
    f[20] = rowPtr.ptr; f[21] = col.ptr; f[22] = val.ptr; f[23] = o.tmpCol.ptr; f[24] = o.tmpVal.ptr;
    f[25] = o.cuts.ptr; f[26] = o.bases.ptr; f[27] = o.dests.ptr; f[28] = o.counts.ptr;
    forkJoin(Job.Move, shards);
    rowPtr.view[0] = 0;
    return at;
  };

  /**
   * Job `kind`, whose blocks fold column terms into their thread's partial vectors `parts`
   * (zeroed first); then each `into` vector is the fold of its partials: a sum (plain integer
   * sums, exact in any order) or a maximum.
   */
  const withPartials = (kind: Job, fold: 'add' | 'max', pairs: ['sumD' | 'sumB' | 'colSum' | 'colMax', Buf<'i64'>][]) => {
    const parts = Array.from({ length: participants }, (_, p) => scratchOf(p));
    for (const s of parts) for (const [which] of pairs) s[which].view.fill(0n);
    forkJoin(kind, shards);
    for (const [which, into] of pairs) {
      into.view.fill(0n, 0, n);
      for (const s of parts) (fold === 'add' ? range.addInto : range.maxInto)(into.ptr, s[which].ptr, n);
    }
  };

  /** The Yuma3 EMA (fixed or liquid alpha) by row shards, gathered; colSum from the partials. */
  const yuma3Ema = (
    kind: Job, C: number, newPtr: Buf<'u32'>, newCol: Buf<'u32'>, newVal: Buf<'i64'>, oldPtr: Buf<'u32'>, oldCol: Buf<'u32'>,
    oldVal: Buf<'i64'>, outPtr: Buf<'u32'>, outCol: Buf<'u32'>, outVal: Buf<'i64'>, colSum: Buf<'i64'>,
  ): number => {
    setCommon();
    f[4] = C; f[5] = newPtr.ptr; f[6] = newCol.ptr; f[7] = newVal.ptr; f[8] = oldPtr.ptr; f[9] = oldCol.ptr; f[10] = oldVal.ptr;
    f[14] = outPtr.ptr;
    const both = entriesBefore(newPtr.view, oldPtr.view);
    f[15] = cutsFor(both);
    padded((r0) => both[r0]!);
    withPartials(kind, 'add', [['colSum', colSum]]);
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
      return m as never;
    },

    prepareWeights(nn, rowPtr, col, w, forbid, lastUpdate, registered, commit, owner, outPtr, outCol, outVal) {
      setCommon();
      f[4] = rowPtr.ptr; f[5] = col.ptr; f[6] = w.ptr; f[7] = forbid.ptr; f[8] = lastUpdate.ptr;
      f[9] = registered.ptr; f[10] = commit ? commit.ptr : 0; f[11] = owner; f[12] = outPtr.ptr;
      f[13] = own!.tmpCol.ptr; f[14] = own!.tmpVal.ptr; f[15] = cutsFor(rowPtr.view);
      padded((r0) => rowPtr.view[r0]!);
      forkJoin(Job.Weights, shards);
      return gather(outPtr, outCol, outVal);
    },

    consensus(nn, rowPtr, col, val, a, kappa, u, colPtr, cursor, score, weight, hist, C) {
      range.consensusStakeInto(nn, a.ptr, kappa, u.ptr, own!.tmp.ptr);
      const [T, minority, countU] = own!.tmp.view;
      setCommon();
      f[4] = rowPtr.ptr; f[5] = col.ptr; f[6] = val.ptr; f[7] = u.ptr; f[8] = C.ptr; f[9] = Number(countU);
      ctl.b[0] = T!;
      ctl.b[1] = minority!;
      forkJoin(Job.Consensus, Math.min(shards, nn));
    },

    emaOriginal(nn, rowPtr, col, val, C, a, beta, bPtr, bCol, bVal, recent, alpha, outPtr, outCol, outVal, colSum, sumD, sumB, sumDReady) {
      setCommon();
      f[4] = rowPtr.ptr; f[5] = col.ptr; f[6] = val.ptr; f[7] = C.ptr; f[8] = a.ptr; f[9] = bPtr.ptr;
      f[10] = bCol.ptr; f[11] = bVal.ptr; f[12] = recent.ptr; f[13] = sumDReady ? 1 : 0;
      // rows cut by their W and B entries together
      const both = entriesBefore(rowPtr.view, bPtr.view);
      f[15] = cutsFor(both);
      ctl.b[0] = beta;
      ctl.b[1] = alpha;
      // pass 1: the column sums of the delta (unless given) and of the bonds
      withPartials(Job.EmaSums, 'add', sumDReady ? [['sumB', sumB]] : [['sumD', sumD], ['sumB', sumB]]);
      // pass 2: the EMA rows from padded bases, then gathered; colSum from the partials
      f[14] = outPtr.ptr; f[19] = sumD.ptr; f[20] = sumB.ptr;
      padded((r0) => both[r0]!);
      withPartials(Job.EmaRows, 'add', [['colSum', colSum]]);
      return gather(outPtr, outCol, outVal);
    },

    emaDividends(nn, rowPtr, col, val, colSum, I, out, colMax) {
      setCommon();
      f[4] = rowPtr.ptr; f[5] = col.ptr; f[6] = val.ptr; f[7] = colSum.ptr; f[8] = I.ptr; f[9] = out.ptr;
      f[15] = cutsFor(rowPtr.view);
      withPartials(Job.Dividends, 'max', [['colMax', colMax]]);
    },

    clip(nn, rowPtr, col, val, C, a, beta, VT, R, outPtr, outCol, outVal) {
      // the weights for bonds (Yuma3 with a penalty) stay whole: a compacted output of their own
      if (beta !== 0n && outPtr !== null) return base.clip(nn, rowPtr, col, val, C, a, beta, VT, R, outPtr, outCol, outVal);
      setCommon();
      f[4] = rowPtr.ptr; f[5] = col.ptr; f[6] = val.ptr; f[7] = C.ptr; f[8] = a.ptr; f[9] = VT.ptr;
      f[15] = cutsFor(rowPtr.view);
      withPartials(Job.Clip, 'add', [['colSum', R]]);
      return rowPtr.view[n]!;
    },

    emaFixed(nn, alpha, newPtr, newCol, newVal, oldPtr, oldCol, oldVal, outPtr, outCol, outVal, colSum) {
      ctl.b[0] = alpha;
      return yuma3Ema(Job.EmaFixed, 0, newPtr, newCol, newVal, oldPtr, oldCol, oldVal, outPtr, outCol, outVal, colSum);
    },

    emaLiquid(nn, C, lo, hi, steepness, newPtr, newCol, newVal, oldPtr, oldCol, oldVal, outPtr, outCol, outVal, colSum) {
      ctl.b[0] = lo;
      ctl.b[1] = hi;
      ctl.b[2] = steepness;
      return yuma3Ema(Job.EmaLiquid, C.ptr, newPtr, newCol, newVal, oldPtr, oldCol, oldVal, outPtr, outCol, outVal, colSum);
    },

    yuma3Dividends(nn, rowPtr, col, val, colSum, I, a, out) {
      setCommon();
      f[4] = rowPtr.ptr; f[5] = col.ptr; f[6] = val.ptr; f[7] = colSum.ptr; f[8] = I.ptr; f[9] = a.ptr; f[10] = out.ptr;
      f[15] = cutsFor(rowPtr.view);
      forkJoin(Job.Yuma3Dividends, shards);
    },

    upscaleToU16(nnz, col, val, colMax, out) {
      setCommon();
      f[3] = nnz; f[4] = col.ptr; f[5] = val.ptr; f[6] = colMax.ptr; f[7] = out.ptr;
      forkJoin(Job.U16, Math.min(shards, Math.max(1, nnz)));
    },
  };

  return {
    kernels,
    quit() {
      Atomics.store(ctl.i, GEN, -1);
      Atomics.notify(ctl.i, GEN);
    },
    blocks: () => ran,
  };
}

/** Where the O(nnz) input arrays of a split call lie in the shared memory: [byte offset, length]. */
export interface StagedInput {
  weights: { rowPtr: [number, number]; col: [number, number]; val: [number, number] };
  bonds: { rowPtr: [number, number]; col: [number, number]; val: [number, number] };
  /** first byte after them: the leader's epoch buffers start here */
  end: number;
}

const PAGE = 65536;

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
  const have = memory.buffer.byteLength;
  if (at > have) memory.grow(Math.ceil((at - have) / PAGE));
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

/** Leader: the input with its weights and bonds as views of the shared memory. */
export function unstageInput(memory: WebAssembly.Memory, input: EpochInput, staged: StagedInput): EpochInput {
  const b = memory.buffer as ArrayBuffer; // a SharedArrayBuffer: views over it share, never copy
  const csr = (s: StagedInput['weights']) => ({
    rowPtr: new Uint32Array(b, s.rowPtr[0], s.rowPtr[1]),
    col: new Uint32Array(b, s.col[0], s.col[1]),
    val: new Uint16Array(b, s.val[0], s.val[1]),
  });
  return { ...input, weights: csr(staged.weights), bonds: csr(staged.bonds) };
}
