// A worker pool for many subnets' epochs at once, on piscina.
//
// - The WASM kernels are compiled ONCE, here on the main thread (`wasmModule()`), and the
//   compiled WebAssembly.Module is handed to every worker in workerData (a Module is
//   structured-cloneable: workers instantiate it, they never recompile). Each worker creates
//   its kernels once (`createWasmKernels(module)`) and keeps them for every task.
// - runEpoch on ONE subnet of at least `splitMinEntries` weight entries splits it across the
//   workers instead (split.ts: one shared WASM memory, a leader and helpers, bit-identical).
// - A task is a batch of consecutive subnets of one call, each run whole by `runEpoch` in a
//   worker: the same code, the same WASM on the same inputs, so the outputs are bit-identical
//   to `runEpoch` on the main thread. A call is cut into about 4 batches per thread: few enough
//   that the per-task messaging (0.3-1 ms measured here) is paid a few times per call instead
//   of once per subnet, enough that the threads share the work evenly (see BATCHES_PER_THREAD).
// - The worker runs from the BUILD: dist/pool/worker.js (a plain .js file piscina can load),
//   resolved relative to this package, so the pool works from dist/ and from src/ (tests,
//   tsx) alike. `npm run build` (which `npm ci` runs) must have produced it.
import { Piscina } from 'piscina';
import { setMaxListeners } from 'node:events';
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { SHARED_DATA_START, SHARED_MAX_BYTES, newSharedMemory, sharedWasmModule, wasmModule } from '../engine/wasm.js';
import { missingBuildFile } from '../engine/build-files.js';
import { newControl, splitBytes, stageInput } from './split.js';
import { InputError, type EpochInput, type EpochOutput } from '../engine/types.js';
import { validateEpochInput } from '../engine/validate.js';
import { assertEpochFits, epochBytes } from '../engine/epoch.js';
import { EpochTooLargeError } from '../engine/limits.js';
import { combineMechanisms, mechanismInputs } from '../engine/mechanisms/epoch.js';
import type { MechanismsInput, MechanismsOutput } from '../engine/mechanisms/types.js';
import type { MapCellSpec, MapRunner } from '../engine/analysis/mapsweep.js';
import type { ScenarioResult, ScenarioTaskData, ScenarioTaskRunner } from '../engine/analysis/scenario.js';
import type {
  EpochReply, EpochTask, Fault, FaultSpec, MapReply, MapTask, ScenarioReply, ScenarioTask, SplitReply, SplitTask, WarmupReply, WarmupTask, WorkerConfig,
} from './protocol.js';

export type { Fault } from './protocol.js';

/**
 * Weight entries from which runEpoch splits one subnet across the workers. Measured on the
 * 2-core machine (pool of 2 split vs a 1-thread pool whole, p50 of 10, one run each;
 * scratch harness, then `yuma bench`): 65,536 entries (n=4096, 256 per row) 0.70x,
 * 131,072 (n=8192, 512 per row) 1.00x, 262,144 (n=2048, 1024 per row) 1.25x, 1,048,576
 * (n=4096 full) 1.42x; `yuma bench`: n=16384/V=512 1.33x, n=65535/V=1024 1.36x.
 */
export const SPLIT_MIN_ENTRIES = 262_144;

/**
 * The most threads a pool takes without `allowOversubscription`: this many per core
 * (os.availableParallelism()). Each worker holds its own WASM instance and memory (about 11 MB
 * idle, more once an epoch has grown it), and more workers than cores only compete.
 */
export const THREADS_PER_CORE = 4;

/** Node's timers fire at once past this many ms (a 32-bit signed delay). */
const TIMER_MAX_MS = 2 ** 31 - 1;

/**
 * Weight entries (over all mechanisms) from which runMechanismsEpoch spreads a subnet's
 * mechanisms over the workers instead of running them in one task; see the README's pool
 * section for the measurement (bench/mechanisms-threshold.ts).
 */
export const MECHANISMS_MIN_ENTRIES = 262_144;

/** Batches per thread in one call (see the header). */
const BATCHES_PER_THREAD = 4;

/** [first, end) index ranges cutting `count` subnets into `parts` near-equal consecutive batches. */
function batchRanges(count: number, parts: number): [number, number][] {
  const ranges: [number, number][] = [];
  for (let b = 0; b < parts; b++) ranges.push([Math.floor((b * count) / parts), Math.floor(((b + 1) * count) / parts)]);
  return ranges;
}

// From dist/pool/index.js this is dist/pool/worker.js (the same as '../pool/worker.js');
// from src/pool/index.ts (vitest, tsx) it is still the built dist/pool/worker.js.
const WORKER_URL = new URL('../../dist/pool/worker.js', import.meta.url);

export interface PoolOptions {
  /**
   * the most workers (default: os.availableParallelism()); an integer from 1 to
   * THREADS_PER_CORE x os.availableParallelism() unless `allowOversubscription`
   */
  threads?: number;
  /** allow `threads` above THREADS_PER_CORE x os.availableParallelism() (default false) */
  allowOversubscription?: boolean;
  /** workers kept alive while idle (default: `threads`, all of them); an integer 0..threads */
  minThreads?: number;
  /**
   * ms an idle worker above `minThreads` lives on (default Infinity). A worker's value is its
   * instantiated kernels and its already grown and touched WASM memory (the first write into
   * fresh pages costs about 10x a warm one, and a fresh worker needs 35-40 ms to start): a
   * subnet's next epoch comes one tempo later (360 blocks, about 72 minutes), longer than any
   * timeout worth setting, so a finite default would make every epoch start cold. With the
   * default minThreads (= threads) no worker is ever retired; idle workers do not keep the
   * process alive (piscina unrefs them) and `close()` ends them. Lower minThreads and set a
   * finite idleTimeout to give memory back between bursts.
   */
  idleTimeout?: number;
  /**
   * The most tasks that may wait for a worker (default Infinity): a call whose tasks, with the
   * tasks already pending, would exceed threads + maxQueue is rejected whole, before any of
   * its tasks starts (never half run).
   */
  maxQueue?: number;
  /**
   * runEpoch splits a subnet across the workers (column blocks of the median, row shards of
   * the other matrix stages, over one shared WASM memory: src/pool/split.ts) when it has at
   * least this many weight entries and the pool has 2 threads or more; below it the subnet
   * runs whole in one worker. Default SPLIT_MIN_ENTRIES (measured); Infinity never splits,
   * 0 always does (tests).
   */
  splitMinEntries?: number;
  /**
   * runMechanismsEpoch spreads a subnet's mechanisms over the workers when they hold at least
   * this many weight entries in all (and the pool has 2 threads or more); below it they run
   * one after another in one task. Default MECHANISMS_MIN_ENTRIES (measured); Infinity never
   * spreads, 0 always does (tests).
   */
  mechanismMinEntries?: number;
  /**
   * TESTS ONLY: called once per task on the main thread; a returned fault is injected in the
   * worker ('throw', 'exit': the worker dies mid-task, 'hang': blocks it for `hangMs`).
   */
  faultInjection?: (input: EpochInput, index: number) => Fault | { fault: Fault; hangMs?: number } | undefined;
}

export interface ResolvedPoolOptions {
  readonly threads: number;
  readonly splitMinEntries: number;
  readonly mechanismMinEntries: number;
  readonly minThreads: number;
  readonly idleTimeout: number;
  readonly maxQueue: number;
}

/** The defaults (threads defaults to os.availableParallelism() and minThreads to threads). */
export const POOL_DEFAULTS: Readonly<{ idleTimeout: number; maxQueue: number; splitMinEntries: number; mechanismMinEntries: number }> = Object.freeze({
  idleTimeout: Infinity,
  maxQueue: Infinity,
  splitMinEntries: SPLIT_MIN_ENTRIES,
  mechanismMinEntries: MECHANISMS_MIN_ENTRIES,
});

export interface RunOptions {
  /** abort the whole call: running tasks are stopped (their workers replaced), nothing returned */
  signal?: AbortSignal;
  /**
   * abort the whole call after this many ms: a number from 1 to 2^31 - 1 (Node's timer range),
   * or Infinity for none (the default)
   */
  timeoutMs?: number;
  /** include the raw I32F32 intermediate vectors (output `trace`), as runEpoch does */
  trace?: boolean;
}

export interface WarmupReport {
  /** the worker thread ids that ran a warm-up epoch (one per thread) */
  threadIds: number[];
  /** wall time of the whole warm-up, ms */
  ms: number;
}

export interface Pool {
  readonly options: ResolvedPoolOptions;
  /**
   * Runs one epoch on EVERY thread at once (each worker gets exactly one: a barrier holds it
   * until all have started), so that later timings see started workers with instantiated
   * kernels and warm memory. `input` (default: a tiny synthetic subnet) should be the largest
   * subnet to come when memory growth matters.
   */
  warmup(input?: EpochInput): Promise<WarmupReport>;
  /** One task per subnet; outputs in input order, bit-identical to runEpoch. All or nothing. */
  runEpochs(inputs: readonly EpochInput[], options?: RunOptions): Promise<EpochOutput[]>;
  /**
   * One subnet: split across the workers when it has `splitMinEntries` weight entries or more
   * (and threads >= 2), else whole in one worker. Bit-identical to runEpoch either way.
   */
  runEpoch(input: EpochInput, options?: RunOptions): Promise<EpochOutput>;
  /**
   * One multi-mechanism subnet (docs/spec/mechanisms.md): its mechanisms' epochs spread over
   * the workers when they hold `mechanismMinEntries` weight entries or more in all (and
   * threads >= 2), else all in one task; split and fold on the calling thread. Bit-identical
   * to runMechanismsEpoch either way.
   */
  runMechanismsEpoch(input: MechanismsInput, options?: RunOptions): Promise<MechanismsOutput>;
  /**
   * Ends every worker. Waits for running calls to finish first; `force` aborts them (they
   * reject with a PoolError of kind 'closed'). Later calls reject; close() again is a no-op.
   */
  close(options?: { force?: boolean }): Promise<void>;
  /** workers alive now */
  readonly workers: number;
  readonly closed: boolean;
}

export type PoolErrorKind = 'failed' | 'timeout' | 'aborted' | 'closed' | 'queue-full';

/** Why a pool call failed. `netuid`/`index` name the subnet (the failed one, or the first unfinished). */
export class PoolError extends Error {
  constructor(
    message: string,
    readonly kind: PoolErrorKind,
    readonly netuid: number | null = null,
    readonly index: number | null = null,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'PoolError';
  }
}

const OPTION_KEYS = new Set(['threads', 'allowOversubscription', 'minThreads', 'idleTimeout', 'maxQueue', 'splitMinEntries', 'mechanismMinEntries', 'faultInjection']);
const RUN_KEYS = new Set(['signal', 'timeoutMs', 'trace']);

const show = (v: unknown) => (typeof v === 'string' ? JSON.stringify(v) : typeof v === 'bigint' ? `${v}n` : String(v));

function resolveOptions(o: PoolOptions): ResolvedPoolOptions {
  if (o === null || typeof o !== 'object') throw new TypeError(`createPool: options must be an object, got ${show(o)}`);
  for (const k of Object.keys(o)) {
    if (!OPTION_KEYS.has(k)) throw new TypeError(`createPool: unknown option ${JSON.stringify(k)}`);
  }
  if (o.allowOversubscription !== undefined && typeof o.allowOversubscription !== 'boolean') {
    throw new TypeError(`createPool: allowOversubscription must be a boolean, got ${show(o.allowOversubscription)}`);
  }
  const cores = availableParallelism();
  const threads = o.threads ?? cores;
  if (!Number.isInteger(threads) || threads < 1) {
    throw new RangeError(`createPool: threads must be an integer >= 1, got ${show(threads)}`);
  }
  const most = THREADS_PER_CORE * cores;
  if (threads > most && o.allowOversubscription !== true) {
    throw new RangeError(
      `createPool: threads must be at most ${most} (${THREADS_PER_CORE} x ${cores} cores; allowOversubscription: true allows more), got ${threads}`,
    );
  }
  const minThreads = o.minThreads ?? threads;
  if (!Number.isInteger(minThreads) || minThreads < 0 || minThreads > threads) {
    throw new RangeError(`createPool: minThreads must be an integer 0..threads (${threads}), got ${show(minThreads)}`);
  }
  const idleTimeout = o.idleTimeout ?? POOL_DEFAULTS.idleTimeout;
  if (typeof idleTimeout !== 'number' || !(idleTimeout >= 0)) {
    throw new RangeError(`createPool: idleTimeout must be a number of ms >= 0 (or Infinity), got ${show(idleTimeout)}`);
  }
  const maxQueue = o.maxQueue ?? POOL_DEFAULTS.maxQueue;
  if (typeof maxQueue !== 'number' || !(maxQueue >= 0) || !(Number.isInteger(maxQueue) || maxQueue === Infinity)) {
    throw new RangeError(`createPool: maxQueue must be an integer >= 0 (or Infinity), got ${show(maxQueue)}`);
  }
  const splitMinEntries = o.splitMinEntries ?? POOL_DEFAULTS.splitMinEntries;
  if (typeof splitMinEntries !== 'number' || !(splitMinEntries >= 0)) {
    throw new RangeError(`createPool: splitMinEntries must be a number >= 0 (or Infinity), got ${show(splitMinEntries)}`);
  }
  const mechanismMinEntries = o.mechanismMinEntries ?? POOL_DEFAULTS.mechanismMinEntries;
  if (typeof mechanismMinEntries !== 'number' || !(mechanismMinEntries >= 0)) {
    throw new RangeError(`createPool: mechanismMinEntries must be a number >= 0 (or Infinity), got ${show(mechanismMinEntries)}`);
  }
  if (o.faultInjection !== undefined && typeof o.faultInjection !== 'function') {
    throw new TypeError(`createPool: faultInjection must be a function, got ${show(o.faultInjection)}`);
  }
  return Object.freeze({ threads, minThreads, idleTimeout, maxQueue, splitMinEntries, mechanismMinEntries });
}

function checkRunOptions(what: string, o: RunOptions): void {
  if (o === null || typeof o !== 'object') throw new TypeError(`${what}: options must be an object, got ${show(o)}`);
  for (const k of Object.keys(o)) {
    if (!RUN_KEYS.has(k)) throw new TypeError(`${what}: unknown option ${JSON.stringify(k)}`);
  }
  if (o.signal !== undefined && !(o.signal instanceof AbortSignal)) {
    throw new TypeError(`${what}: signal must be an AbortSignal, got ${show(o.signal)}`);
  }
  const t = o.timeoutMs;
  if (t !== undefined && (typeof t !== 'number' || !(t >= 1) || (t > TIMER_MAX_MS && t !== Infinity))) {
    throw new RangeError(`${what}: timeoutMs must be a number of ms from 1 to ${TIMER_MAX_MS} (2^31 - 1, Node's timer range), or Infinity for none, got ${show(t)}`);
  }
  if (o.trace !== undefined && typeof o.trace !== 'boolean') {
    throw new TypeError(`${what}: trace must be a boolean, got ${show(o.trace)}`);
  }
}

/**
 * validateEpochInput and the WebAssembly size check on the main thread, before anything is
 * cloned or queued (the workers then run the input unchecked). `at` names the input in a
 * batch (`inputs[3]`), prefixed to the field of the InputError.
 */
function checkInput(input: unknown, at: string): asserts input is EpochInput {
  try {
    validateEpochInput(input);
    assertEpochFits(input.n, input.weights.col.length, input.bonds.col.length, input.hyperparameters);
  } catch (e) {
    if (!(e instanceof InputError) || at === '') throw e;
    const field = e.field === '' ? at : `${at}.${e.field}`;
    throw e instanceof EpochTooLargeError
      ? new EpochTooLargeError(e.n, e.weightEntries, e.bondEntries, e.bytes, e.limit, e.maxWeightEntries, field)
      : new InputError(e.message, field);
  }
}

const errorText = (e: unknown) => (e instanceof Error ? `${e.message}` : String(e));

/** Why a task failed, in words: a worker that died says so. */
function describeCause(e: unknown): string {
  const text = errorText(e);
  return /^worker exited with code/.test(text) ? `the worker died (${text})` : text;
}

function netuidsText(inputs: readonly EpochInput[], indices: number[]): string {
  const shown = indices.slice(0, 8).map((i) => inputs[i]!.netuid).join(', ');
  return indices.length > 8 ? `${shown} and ${indices.length - 8} more` : shown;
}

/** What a pool runs besides epochs (internal: `yuma map`'s cells). */
const internals = new WeakMap<Pool, { runCells: MapRunner['runCells']; runScenario: (task: ScenarioTaskData, signal?: AbortSignal) => Promise<ScenarioResult[]> }>();

/**
 * `yuma map` on a pool: each chunk of cells is ONE task that builds its inputs in the worker and
 * returns only the shares (the inputs, 28,672 weights each at the default size, never cross).
 * @internal
 */
export function _mapRunner(pool: Pool): MapRunner {
  const own = internals.get(pool);
  if (!own) throw new TypeError('_mapRunner: not a pool made by createPool');
  return { runCells: own.runCells, close: () => pool.close() };
}

/**
 * `yuma scenario` on a pool: each task is a few whole runs (every epoch in one worker, carried
 * there); only their results come back. `signal` aborts the task.
 * @internal
 */
export function _scenarioRunner(pool: Pool, signal?: AbortSignal): ScenarioTaskRunner {
  const own = internals.get(pool);
  if (!own) throw new TypeError('_scenarioRunner: not a pool made by createPool');
  return (task) => own.runScenario(task, signal);
}

/** A pool of `threads` workers, each with its own WASM kernels instance. */
export function createPool(options: PoolOptions = {}): Pool {
  const opts = resolveOptions(options);
  const faultInjection = options.faultInjection;
  const filename = fileURLToPath(WORKER_URL);
  if (!existsSync(filename)) {
    throw missingBuildFile('createPool: the pool worker', filename);
  }
  const config: WorkerConfig = { module: wasmModule(), faults: faultInjection !== undefined, sharedModule: sharedWasmModule() };
  const piscina = new Piscina({
    filename,
    minThreads: opts.minThreads,
    maxThreads: opts.threads,
    idleTimeout: opts.idleTimeout,
    // the queue bound is enforced per CALL (see runEpochs), so piscina never rejects one task of many
    maxQueue: Infinity,
    // one task per worker at a time, no prefetch: prefetching would hide the ~0.3-0.6 ms between
    // tasks, but piscina never queues an abortable task (ours all are) behind another, and
    // aborting a task already queued in a worker terminates that worker, failing whatever other
    // call's task it is running
    concurrentTasksPerWorker: 1,
    workerData: config,
  });
  // A worker that dies while idle (no task to fail) is reported as an 'error' event; without a
  // listener it would crash the process. piscina replaces it; the next task is unaffected.
  piscina.on('error', () => {});

  let closed = false;
  let closing: Promise<void> | undefined;
  /** epoch tasks submitted and not yet settled, over all calls */
  let pending = 0;
  /** the stop functions of the calls in flight (close({ force }) aborts them) */
  const active = new Set<(kind: 'closed') => void>();
  /** every call not yet settled: a graceful close() lets them finish first */
  const inflight = new Set<Promise<unknown>>();
  const track = <T>(p: Promise<T>): Promise<T> => {
    const settled: Promise<unknown> = p.then(
      (): void => void inflight.delete(settled),
      (): void => void inflight.delete(settled),
    );
    inflight.add(settled);
    return p;
  };

  /** Why a call stopped: the first reason wins (a failure, the timeout, the signal, close). */
  type Failure = { kind: PoolErrorKind; index?: number; cause?: unknown };

  /**
   * One call's stopping: an AbortController for its tasks (piscina adds a listener per task),
   * fed by the caller's signal, its timeout and close({ force }). `fail` records a failure
   * without aborting (the tasks already running may finish); `stop` records and aborts;
   * `onStop` runs once, on the first of either. `dispose` when the call is settled.
   */
  function callControl(runOptions: RunOptions, tasks: number, onStop: () => void = () => {}) {
    const { signal, timeoutMs } = runOptions;
    let first: Failure | undefined;
    const controller = new AbortController();
    setMaxListeners(tasks + 8, controller.signal);
    const fail = (f: Failure): boolean => {
      if (first) return false;
      first = f;
      onStop();
      return true;
    };
    const stop = (kind: PoolErrorKind, cause?: unknown) => {
      if (fail({ kind, cause })) controller.abort(cause);
    };
    const onAbort = () => stop('aborted', signal!.reason);
    signal?.addEventListener('abort', onAbort, { once: true });
    // Infinity: no timer (Node would fire one past 2^31 - 1 ms at once)
    const timer = timeoutMs !== undefined && timeoutMs !== Infinity ? setTimeout(() => stop('timeout'), timeoutMs) : undefined;
    active.add(stop);
    return {
      signal: controller.signal,
      stop,
      fail,
      failure: () => first,
      dispose() {
        if (timer !== undefined) clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        active.delete(stop);
      },
    };
  }

  function runEpochs(inputs: readonly EpochInput[], runOptions: RunOptions = {}, checked = false, batches?: number): Promise<EpochOutput[]> {
    return closed ? runEpochsNow(inputs, runOptions, checked, batches) : track(runEpochsNow(inputs, runOptions, checked, batches));
  }

  /** `checked`: the inputs passed checkInput already (pool.runEpoch); `batches`: how many tasks to cut the call into (default about BATCHES_PER_THREAD per thread). */
  async function runEpochsNow(inputs: readonly EpochInput[], runOptions: RunOptions, checked: boolean, batches?: number): Promise<EpochOutput[]> {
    checkRunOptions('runEpochs', runOptions);
    if (!Array.isArray(inputs)) throw new TypeError(`runEpochs: inputs must be an array of EpochInput, got ${show(inputs)}`);
    if (!checked) inputs.forEach((inp, i) => checkInput(inp, `inputs[${i}]`));
    const count = inputs.length;
    if (closed) throw new PoolError('runEpochs: the pool is closed', 'closed');
    if (count === 0) return [];
    if (pending + count > opts.threads + opts.maxQueue) {
      throw new PoolError(
        `runEpochs: queue full: ${count} task(s) with ${pending} pending exceed threads (${opts.threads}) + maxQueue (${opts.maxQueue}); nothing was run`,
        'queue-full',
      );
    }
    const { signal, timeoutMs } = runOptions;
    if (signal?.aborted) {
      throw new PoolError(`runEpochs: aborted before start (${errorText(signal.reason)}); nothing was run`, 'aborted',
        inputs[0]!.netuid, 0, { cause: signal.reason });
    }

    // Inputs cross to the worker by STRUCTURED CLONE, not transfer: transferring (Piscina.move)
    // would detach the caller's arrays, and the clone is small next to the epoch. Measured here
    // (post + receive of one input, 2-core machine): n=256/V=64 (0.2 MB) 0.15-0.2 ms vs a
    // 2.5-3 ms epoch; n=4096/V=256 at 256 per row (1 MB) 0.3-0.8 ms vs 11-21 ms; n=65535/V=1024
    // at 1024 per row (15 MB) 7.5-12 ms vs 200-230 ms. Copying into a fresh buffer and
    // transferring that instead measured 6.3 ms at 15 MB (fresh pages fault in): no real gain.
    // Outputs come back by TRANSFER (the worker's own fresh buffers, see worker.ts): zero copy.
    const cancel = new Int32Array(new SharedArrayBuffer(4));
    const ranges = batchRanges(count, Math.min(count, batches ?? opts.threads * BATCHES_PER_THREAD));
    const progress = new Int32Array(new SharedArrayBuffer(4 * ranges.length));
    const tasks: EpochTask[] = ranges.map(([first, end], batch) => {
      const task: EpochTask = {
        kind: 'epoch', inputs: inputs.slice(first, end), first, trace: runOptions.trace === true,
        cancel, progress, batch,
      };
      if (faultInjection) {
        task.faults = task.inputs!.map((input, k): FaultSpec | undefined => {
          const f = faultInjection(input, first + k);
          return typeof f === 'string' ? { fault: f } : f;
        });
      }
      return task;
    });
    // Skip what has not started: the flag for tasks already posted (checked before every
    // subnet), and no input to clone for tasks still in the queue (piscina posts the task
    // object when a worker takes it).
    const cancelRest = () => {
      Atomics.store(cancel, 0, 1);
      for (const t of tasks) t.inputs = undefined;
    };

    const outputs: (EpochOutput | undefined)[] = new Array(count);
    const call = callControl(runOptions, count, cancelRest);
    pending += count;
    try {
      await Promise.all(
        tasks.map((task, b) => {
          const size = ranges[b]![1] - ranges[b]![0];
          return (piscina.run(task, { signal: call.signal }) as Promise<EpochReply>).then(
            (reply) => {
              pending -= size;
              if (reply.kind === 'epoch') reply.outputs.forEach((out, k) => (outputs[task.first + k] = out));
            },
            (err: unknown) => {
              pending -= size;
              // the subnet the worker was running when it threw or died; the tasks already
              // running finish (their workers stay warm), the rest are skipped. A failure after
              // the first (or the abort itself) changes nothing.
              call.fail({ kind: 'failed', index: Math.max(task.first, Atomics.load(progress, b) - 1), cause: err });
            },
          );
        }),
      );
    } finally {
      call.dispose();
    }

    const first = call.failure();
    if (first) {
      const f = first;
      if (f.kind === 'failed') {
        const i = f.index!;
        const netuid = inputs[i]!.netuid;
        throw new PoolError(
          `subnet netuid ${netuid} (input ${i + 1} of ${count}) failed: ${describeCause(f.cause)}; nothing was returned`,
          'failed', netuid, i, { cause: f.cause },
        );
      }
      const unfinished = [...outputs.keys()].filter((i) => outputs[i] === undefined);
      const at = unfinished[0] ?? 0;
      const why =
        f.kind === 'timeout'
          ? `timed out after ${timeoutMs} ms`
          : f.kind === 'closed'
            ? 'the pool was closed'
            : `aborted (${errorText(f.cause)})`;
      throw new PoolError(
        `runEpochs: ${why}; unfinished subnets: netuid ${netuidsText(inputs, unfinished)}; nothing was returned`,
        f.kind, inputs[at]!.netuid, at, { cause: f.cause },
      );
    }
    for (let i = 0; i < count; i++) {
      // cannot happen: a task is only skipped after a failure or an abort
      if (outputs[i] === undefined) throw new PoolError(`subnet netuid ${inputs[i]!.netuid}: no output`, 'failed', inputs[i]!.netuid, i);
    }
    return outputs as EpochOutput[];
  }

  async function warmupNow(input: EpochInput | undefined): Promise<WarmupReport> {
    const t0 = performance.now();
    const barrier = new Int32Array(new SharedArrayBuffer(4));
    const task: WarmupTask = { kind: 'warmup', input, barrier, parties: opts.threads };
    try {
      const replies = (await Promise.all(
        Array.from({ length: opts.threads }, () => piscina.run(task)),
      )) as WarmupReply[];
      return { threadIds: replies.map((r) => r.threadId), ms: performance.now() - t0 };
    } catch (err) {
      const what = input ? `subnet netuid ${input.netuid}` : 'the warm-up epoch';
      throw new PoolError(`warmup: ${what} failed: ${describeCause(err)}`, 'failed', input?.netuid ?? null, null, { cause: err });
    }
    }

  async function runCellsNow(spec: MapCellSpec, cells: Uint16Array): Promise<Float64Array> {
    if (closed) throw new PoolError('map: the pool is closed', 'closed');
    const task: MapTask = { kind: 'map', spec, cells };
    try {
      return ((await piscina.run(task)) as MapReply).shares;
    } catch (err) {
      throw new PoolError(`map: major stake ${spec.majorStake}: ${describeCause(err)}`, 'failed', null, null, { cause: err });
    }
  }

  async function runScenarioNow(data: ScenarioTaskData, signal: AbortSignal | undefined): Promise<ScenarioResult[]> {
    if (closed) throw new PoolError('scenario: the pool is closed', 'closed');
    const task: ScenarioTask = { kind: 'scenario', ...data };
    try {
      return ((await piscina.run(task, signal ? { signal } : {})) as ScenarioReply).results;
    } catch (err) {
      throw new PoolError(`scenario: ${describeCause(err)}`, signal?.aborted ? 'aborted' : 'failed', null, null, { cause: err });
    }
  }

  // Shared memories of finished split calls, kept for the next one: a memory's pages are then
  // already touched (fresh pages cost about 10x a warm write) and every worker keeps its
  // instance over it. A call that failed drops its memory.
  const spareMemories: { memory: WebAssembly.Memory; id: number }[] = [];
  let memoryIds = 0;
  /**
   * Split calls run one at a time: each waits for the one before it (settled, helpers home).
   * A helper waits in its worker for its leader; with one split call in the pool at a time,
   * helpers occupy at most threads - 1 workers, so some worker always runs tasks that end on
   * their own and reaches the leader. Two split calls at once could fill every worker with
   * helpers whose leaders are queued behind them: a deadlock.
   */
  let splitTail: Promise<void> = Promise.resolve();

  /** Whether a split of `input` fits in the shared memory (else it runs whole, if that fits). */
  function splitFits(input: EpochInput): boolean {
    const whole = epochBytes(input.n, input.weights.col.length, input.bonds.col.length, input.hyperparameters);
    return splitBytes(input, opts.threads, whole, SHARED_DATA_START) <= SHARED_MAX_BYTES;
  }

  async function runSplitNow(input: EpochInput, runOptions: RunOptions): Promise<EpochOutput> {
    if (closed) throw new PoolError('runEpoch: the pool is closed', 'closed', input.netuid, 0);
    const participants = opts.threads;
    if (pending + participants > opts.threads + opts.maxQueue) {
      throw new PoolError(
        `runEpoch: queue full: a split epoch (${participants} tasks) with ${pending} pending exceeds threads (${opts.threads}) + maxQueue (${opts.maxQueue}); nothing was run`,
        'queue-full', input.netuid, 0,
      );
    }
    const { signal, timeoutMs } = runOptions;
    if (signal?.aborted) {
      throw new PoolError(`runEpoch: aborted before start (${errorText(signal.reason)}); nothing was run`, 'aborted', input.netuid, 0, { cause: signal.reason });
    }
    let stopped!: () => void;
    const stop = new Promise<void>((resolve) => (stopped = resolve));
    const call = callControl(runOptions, participants, () => stopped());
    pending += participants;
    const turn = splitTail;
    let done!: () => void;
    splitTail = new Promise<void>((resolve) => (done = resolve));
    let reply: SplitReply | undefined;
    let started = 0;
    try {
      // the timeout, the signal and close({ force }) also end the wait for the turn
      await Promise.race([turn, stop]);
      if (!call.failure()) {
        started = participants;
        const shared = spareMemories.pop() ?? { memory: newSharedMemory(), id: ++memoryIds };
        const ctl = newControl();
        const base = { kind: 'split', memory: shared.memory, memoryId: shared.id, ctl, participants, trace: runOptions.trace === true } as const;
        const fault = faultInjection?.(input, 0);
        const staged = stageInput(shared.memory, input, SHARED_DATA_START);
        const leaderTask: SplitTask = { ...base, role: 'leader', input: staged.input, staged: staged.staged, ...(fault ? { fault: typeof fault === 'string' ? { fault } : fault } : {}) };
        const helperTask: SplitTask = { ...base, role: 'helper' };
        // the leader is queued first: its helpers only wait for it while it runs
        const leader = (piscina.run(leaderTask, { signal: call.signal }) as Promise<SplitReply>).then(
          (r) => void (reply = r),
          (err: unknown) => call.stop('failed', err),
        );
        const helpers = Array.from({ length: participants - 1 }, () =>
          (piscina.run(helperTask, { signal: call.signal }) as Promise<SplitReply>).then(
            () => void pending--,
            // a helper that died leaves its block unfinished: the leader would wait for it
            (err: unknown) => {
              pending--;
              call.stop('failed', new Error(`a helper worker failed: ${describeCause(err)}`, { cause: err }));
            },
          ),
        );
        await leader;
        pending--;
        // the leader has sent the helpers home (or died: tell them here)
        const quit = new Int32Array(ctl, 0, 1);
        Atomics.store(quit, 0, -1);
        Atomics.notify(quit, 0);
        await Promise.all(helpers);
        if (!call.failure() && spareMemories.length < 2) spareMemories.push(shared);
      }
    } finally {
      pending -= participants - started;
      call.dispose();
      // the next split call goes after this one and after the one before it
      void turn.then(done);
    }
    const f = call.failure();
    if (f) {
      const why =
        f.kind === 'failed'
          ? `failed: ${describeCause(f.cause)}`
          : f.kind === 'timeout'
            ? `timed out after ${timeoutMs} ms`
            : f.kind === 'closed'
              ? 'the pool was closed'
              : `aborted (${errorText(f.cause)})`;
      throw new PoolError(`subnet netuid ${input.netuid} (split over ${participants} threads) ${why}; nothing was returned`, f.kind, input.netuid, 0, { cause: f.cause });
    }
    if (reply?.role !== 'leader') throw new PoolError(`subnet netuid ${input.netuid}: no output`, 'failed', input.netuid, 0);
    return reply.output;
  }

  const pool: Pool = {
    options: opts,
    runEpochs: (inputs, runOptions) => runEpochs(inputs, runOptions),
    async runEpoch(input, runOptions = {}) {
      checkRunOptions('runEpoch', runOptions);
      checkInput(input, '');
      if (opts.threads >= 2 && input.weights.col.length >= opts.splitMinEntries && splitFits(input)) {
        return closed ? runSplitNow(input, runOptions) : track(runSplitNow(input, runOptions));
      }
      const [out] = await runEpochs([input], runOptions, true);
      return out!;
    },
    async runMechanismsEpoch(input, runOptions = {}) {
      checkRunOptions('runMechanismsEpoch', runOptions);
      const inputs = mechanismInputs(input);
      const entries = inputs.reduce((s, m) => s + m.weights.col.length, 0);
      // spread: the usual batches of consecutive mechanisms over the threads; else one task
      const spread = opts.threads >= 2 && inputs.length >= 2 && entries >= opts.mechanismMinEntries;
      try {
        return combineMechanisms(input, await runEpochs(inputs, runOptions, false, spread ? undefined : 1));
      } catch (err) {
        // name the mechanism, not "input k of M"
        if (!(err instanceof PoolError) || err.kind !== 'failed' || err.index === null) throw err;
        throw new PoolError(
          `subnet netuid ${input.netuid}, mechanism ${err.index} of ${inputs.length}, failed: ${describeCause(err.cause)}; nothing was returned`,
          'failed', input.netuid, err.index, { cause: err.cause },
        );
      }
    },
    warmup(input) {
      if (input !== undefined) {
        try {
          checkInput(input, '');
        } catch (e) {
          return Promise.reject(e);
        }
      }
      return closed ? Promise.reject(new PoolError('warmup: the pool is closed', 'closed')) : track(warmupNow(input));
    },
    close({ force = false } = {}) {
      if (!closing) {
        closed = true;
        if (force) {
          for (const stop of [...active]) stop('closed');
          closing = piscina.destroy();
        } else {
          // piscina's own close() may end workers while tasks still wait in its queue: let every
          // call in flight settle first (new calls are refused from now on), then close
          closing = Promise.allSettled([...inflight]).then(() => piscina.close());
        }
      }
      return closing;
    },
    get workers() {
      return piscina.threads.length;
    },
    get closed() {
      return closed;
    },
  };
  internals.set(pool, {
    runCells: (spec, cells) => track(runCellsNow(spec, cells)),
    runScenario: (task, signal) => track(runScenarioNow(task, signal)),
  });
  return pool;
}
