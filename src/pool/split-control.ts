// The fork-join protocol of a split epoch (split.ts), the only code that touches the control
// block: one job at a time in a control block (Int32Array over a SharedArrayBuffer). A job
// is a range kernel's name (or `move`) and its named arguments, laid out in the block by one
// declaration (JOBS) that both the leader's writes and the threads' reads are typed from. A
// job is published by bumping GEN; its blocks are claimed by compare-exchange on CLAIM, a
// word tagged with the job's generation, so a thread that wakes late can never claim a block
// of a later job. The leader claims blocks too: a helper that never starts (its worker busy
// elsewhere) costs speed, never a deadlock. QUIT (GEN = -1) sends the helpers home.
import type { RangeKernels } from '../engine/kernels.js';

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
export const SPLIT = {
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
    alpha: 'i64', sumD: 'f64', sumB: 'f64', outPtr: 'f64', inRange: 'flag',
  },
  emaDividendRows: { rowPtr: 'f64', col: 'f64', val: 'f64', colSum: 'f64', I: 'f64', out: 'f64', colMax: 'f64', u16: 'f64', inRange: 'flag' },
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

export type JobName = keyof typeof JOBS;
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

export type Control = ReturnType<typeof controlOf>;

/** One thread's typed view of the control block: its words, the split's record, every job's arguments. */
export function controlOf(ctl: SharedArrayBuffer) {
  const i = new Int32Array(ctl, 0, CTL_INTS);
  const f = new Float64Array(ctl, CTL_INTS * 4, ARGS);
  const b = new BigInt64Array(ctl, CTL_INTS * 4 + ARGS * 8, BIG);
  const head = Object.keys(SPLIT).length;
  const jobs = {} as { [J in JobName]: Args<(typeof JOBS)[J]> };
  for (const name of JOB_NAMES) (jobs as Record<JobName, unknown>)[name] = argRecord(f, b, JOBS[name], head);
  return { i, split: argRecord(f, b, SPLIT, 0), jobs };
}

/**
 * Run the blocks of job `gen` that this thread can claim. Arguments are read only after a
 * claim succeeded: until every block is done the leader does not touch them.
 */
function claimBlocks(ctl: Control, gen: number, run: (job: JobName, block: number) => void): void {
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

/** Blocks of the job being run. */
export function blockCount(ctl: Control): number {
  return Atomics.load(ctl.i, NBLOCKS);
}

/**
 * A helper: join (take a participant index p >= 1), then run blocks of every job the leader
 * publishes, with `runnerFor(p)`, until QUIT. Returns the number of blocks it ran; 0 at once
 * when there is no participant slot left, or the epoch ended before it arrived.
 */
export function serveJobs(ctl: Control, participants: number, runnerFor: (p: number) => (job: JobName, block: number) => void): number {
  const p = 1 + Atomics.add(ctl.i, JOINED, 1);
  if (p >= participants) return 0;
  const run = runnerFor(p);
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
 * The leader's side: forkJoin(job, blocks) publishes a job (its arguments already written),
 * runs blocks of it with `run` and waits for all; quit() sends the helpers home.
 */
export function leaderJobs(ctl: Control, run: (job: JobName, block: number) => void) {
  let gen = 0;
  let ran = 0;
  return {
    forkJoin(job: JobName, blocks: number): void {
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
    },
    quit(): void {
      Atomics.store(ctl.i, GEN, -1);
      Atomics.notify(ctl.i, GEN);
    },
    /** blocks this thread ran */
    blocks: () => ran,
  };
}
