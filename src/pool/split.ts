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
// Fork-join: one job at a time in a control block (Int32Array over a SharedArrayBuffer). A job
// is a range kernel's name (or `move`) and its named arguments, laid out in the block by one
// declaration (JOBS) that both the leader's writes and the threads' reads are typed from. A
// job is published by bumping GEN; its blocks are claimed by compare-exchange on CLAIM, a
// word tagged with the job's generation, so a thread that wakes late can never claim a block
// of a later job. The leader claims blocks too: a helper that never starts (its worker busy
// elsewhere) costs speed, never a deadlock. QUIT (GEN = -1) sends the helpers home.
import { MEDIAN_SCRATCH, type Kernels, type RangeKernels } from '../engine/kernels.js';
import { carve, layoutBytes, type Buf, type Bufs, type Layout } from '../engine/memory.js';
import { growTo } from '../engine/wasm.js';
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

/**
 * How an argument sits in the control block: a byte offset or a count in an f64 slot of ARGS,
 * a flag (0 or 1) in one, or an i64 in a slot of BIG.
 */
type Slot = 'f64' | 'flag' | 'i64';
type ValueOf<S extends Slot> = S extends 'i64' ? bigint : S extends 'flag' ? boolean : number;
type Args<R extends Record<string, Slot>> = { -readonly [A in keyof R]: ValueOf<R[A]> };

/**
 * Set once per split call (alloc), read by every block: the threads' scratch (from byte
 * `scratch`, `perThread` bytes each, sized for `n`) and the split's own buffers (the row
 * shards' cuts, padded bases, final places and entry counts, and the tmp arrays they write).
 */
const SPLIT = {
  scratch: 'f64', perThread: 'f64', n: 'f64', cuts: 'f64', bases: 'f64', dests: 'f64', counts: 'f64', tmpCol: 'f64', tmpVal: 'f64',
} as const satisfies Record<string, Slot>;

/**
 * Every job, by the range kernel its blocks run (`move`: a row job's entries to their final
 * place), with its arguments by name. A row job runs the rows of its shard (SPLIT.cuts); one
 * that writes entries writes them to SPLIT.tmpCol/tmpVal from its padded base (SPLIT.bases).
 */
const JOBS = {
  prepareWeightRows: {
    rowPtr: 'f64', col: 'f64', w: 'f64', forbid: 'f64', lastUpdate: 'f64', registered: 'f64', commit: 'f64', owner: 'f64', outPtr: 'f64',
  },
  consensusColumns: { rowPtr: 'f64', col: 'f64', val: 'f64', u: 'f64', C: 'f64', countU: 'f64', T: 'i64', minority: 'i64' },
  emaSums: {
    rowPtr: 'f64', col: 'f64', val: 'f64', C: 'f64', a: 'f64', beta: 'i64', bPtr: 'f64', bCol: 'f64', bVal: 'f64', recent: 'f64',
    sumDReady: 'flag',
  },
  emaRows: {
    rowPtr: 'f64', col: 'f64', val: 'f64', C: 'f64', a: 'f64', beta: 'i64', bPtr: 'f64', bCol: 'f64', bVal: 'f64', recent: 'f64',
    alpha: 'i64', sumD: 'f64', sumB: 'f64', outPtr: 'f64',
  },
  emaDividendRows: { rowPtr: 'f64', col: 'f64', val: 'f64', colSum: 'f64', I: 'f64', out: 'f64', colMax: 'f64', u16: 'f64' },
  upscaleToU16: { nnz: 'f64', col: 'f64', val: 'f64', colMax: 'f64', out: 'f64' },
  emaFixedRows: {
    alpha: 'i64', newPtr: 'f64', newCol: 'f64', newVal: 'f64', oldPtr: 'f64', oldCol: 'f64', oldVal: 'f64', outPtr: 'f64',
  },
  emaLiquidRows: {
    C: 'f64', lo: 'i64', hi: 'i64', steepness: 'i64', newPtr: 'f64', newCol: 'f64', newVal: 'f64',
    oldPtr: 'f64', oldCol: 'f64', oldVal: 'f64', outPtr: 'f64',
  },
  yuma3DividendRows: { rowPtr: 'f64', col: 'f64', val: 'f64', colSum: 'f64', I: 'f64', a: 'f64', out: 'f64' },
  clipRows: { rowPtr: 'f64', col: 'f64', val: 'f64', C: 'f64', a: 'f64', VT: 'f64' },
  move: { outPtr: 'f64', col: 'f64', val: 'f64' },
} as const satisfies Partial<Record<keyof RangeKernels | 'move', Record<string, Slot>>>;

type JobName = keyof typeof JOBS;
const JOB_NAMES = Object.keys(JOBS) as JobName[];
/** A job's number in the control block's KIND word (1 on; JOB_NAMES[kind - 1] reads it back). */
const JOB_KIND = Object.fromEntries(JOB_NAMES.map((name, k) => [name, k + 1])) as Record<JobName, number>;

/** The control block of one split call (shared by the leader and its helpers). */
export function newControl(): SharedArrayBuffer {
  return new SharedArrayBuffer(CTL_BYTES);
}

/**
 * `layout`'s arguments as named properties over the control block (f64 slots from `at`, i64
 * slots from 0): assigning one writes its slot, reading one reads it. Built once per thread.
 */
function argRecord<R extends Record<string, Slot>>(f: Float64Array, b: BigInt64Array, layout: R, at: number): Args<R> {
  const record = {};
  let fi = at;
  let bi = 0;
  for (const [name, slot] of Object.entries(layout)) {
    const k = slot === 'i64' ? bi++ : fi++;
    if (fi > ARGS || bi > BIG) throw new Error(`split: the arguments of ${Object.keys(layout).join(', ')} exceed the control block`);
    Object.defineProperty(record, name, {
      get: slot === 'i64' ? () => b[k] : slot === 'flag' ? () => f[k] !== 0 : () => f[k],
      set: slot === 'i64' ? (v: bigint) => void (b[k] = v) : slot === 'flag' ? (v: boolean) => void (f[k] = v ? 1 : 0) : (v: number) => void (f[k] = v),
    });
  }
  return record as Args<R>;
}

function views(ctl: SharedArrayBuffer) {
  const i = new Int32Array(ctl, 0, CTL_INTS);
  const f = new Float64Array(ctl, CTL_INTS * 4, ARGS);
  const b = new BigInt64Array(ctl, CTL_INTS * 4 + ARGS * 8, BIG);
  const head = Object.keys(SPLIT).length;
  const jobs = {} as { [J in JobName]: Args<(typeof JOBS)[J]> };
  for (const name of JOB_NAMES) (jobs as Record<JobName, unknown>)[name] = argRecord(f, b, JOBS[name], head);
  return { i, split: argRecord(f, b, SPLIT, 0), jobs };
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
function claimBlocks(ctl: ReturnType<typeof views>, gen: number, run: (job: JobName, block: number) => void): void {
  const tag = (gen & 0x7fff) << 16;
  for (;;) {
    const w = Atomics.load(ctl.i, CLAIM);
    if ((w & ~0xffff) !== tag || (w & 0xffff) >= Atomics.load(ctl.i, NBLOCKS)) return;
    if (Atomics.compareExchange(ctl.i, CLAIM, w, w + 1) !== w) continue;
    try {
      const job = JOB_NAMES[Atomics.load(ctl.i, KIND) - 1];
      if (job === undefined) throw new Error(`split: unknown job kind ${Atomics.load(ctl.i, KIND)}`);
      run(job, w & 0xffff);
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
    const nb = Atomics.load(ctl.i, NBLOCKS);
    const b = memory.buffer;
    // a row job's shard: its rows (SPLIT.cuts), its padded base (SPLIT.bases, set by the
    // leader), and where its entry count goes (SPLIT.counts)
    const [r0, r1] = job === 'consensusColumns' || job === 'upscaleToU16' ? [0, 0] : cutsAt(b, split.cuts, nb, block);
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
          a.sumD, a.sumB, a.outPtr, split.tmpCol, split.tmpVal, base(), s.colSum.ptr, s.colMax.ptr,
        ));
        break;
      }
      case 'emaDividendRows': {
        const a = jobs.emaDividendRows;
        range.emaDividendRows(r0, r1, a.rowPtr, a.col, a.val, a.colSum, a.I, a.out, a.colMax, a.u16);
        break;
      }
      case 'upscaleToU16': {
        const a = jobs.upscaleToU16;
        const [q0, q1] = blockSpan(block, nb, a.nnz);
        range.upscaleToU16(q1 - q0, a.col + 4 * q0, a.val + 8 * q0, a.colMax, a.out + 2 * q0);
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
  const { split, jobs } = ctl;

  const scratchOf = (p: number) => carveScratch(memory.buffer, end + p * perThread, n);

  /** Publish job `job` of `blocks` blocks (its arguments already written), run, wait for all. */
  const forkJoin = (job: JobName, blocks: number) => {
    if (blocks > 0xffff) throw new Error(`split: ${blocks} blocks exceed the claim word`);
    ctl.i[KIND] = JOB_KIND[job];
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
      if (performance.now() > deadline) throw new Error(`split: a helper did not finish its block of ${job} in ${STAGE_TIMEOUT_MS} ms`);
      Atomics.wait(ctl.i, DONE, d, 100);
    }
    if (Atomics.load(ctl.i, FAILED) !== 0) throw new Error(`split: a helper failed in ${job}`);
  };

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
    },

    emaOriginal(nn, rowPtr, col, val, C, a, beta, bPtr, bCol, bVal, recent, alpha, outPtr, outCol, outVal, colSum, colMax, sumD, sumB, sumDReady) {
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
      padded((r0) => both[r0]!);
      withPartials('emaRows', 'add', [['colSum', colSum], ['colMax', colMax, 'max']]);
      return gather(outPtr, outCol, outVal);
    },

    emaDividends(nn, rowPtr, col, val, colSum, I, out, colMax, u16) {
      // the EMA's column maxima become N's first (n entries: on this thread), then the rows
      range.emaColumnMaxima(nn, colMax.ptr, colSum.ptr);
      const x = jobs.emaDividendRows;
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

    upscaleToU16(nnz, col, val, colMax, out) {
      const x = jobs.upscaleToU16;
      x.nnz = nnz; x.col = col.ptr; x.val = val.ptr; x.colMax = colMax.ptr; x.out = out.ptr;
      forkJoin('upscaleToU16', Math.min(shards, Math.max(1, nnz)));
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
