// The pool's options and a call's options: their types, defaults and checks (a bad value
// throws at once, naming the option).
import { availableParallelism } from 'node:os';
import type { EpochInput } from '../engine/types.js';
import type { Fault } from './protocol.js';
import type { TaskKind } from './tasks.js';

/**
 * Weight entries from which runEpoch splits one subnet across the workers: where a pool of 2
 * split starts to beat one worker running it whole (measured: bench/pool.bench.ts, `yuma bench`;
 * the numbers are in the README's Worker pool section).
 */
export const SPLIT_MIN_ENTRIES = 262_144;

/**
 * Weight entries (over all mechanisms) from which runMechanismsEpoch spreads a subnet's
 * mechanisms over the workers instead of running them in one task (measured:
 * bench/mechanisms-threshold.ts; the numbers are in the README's Worker pool section).
 */
export const MECHANISMS_MIN_ENTRIES = 262_144;

/**
 * The most threads a pool takes without `allowOversubscription`: this many per core
 * (os.availableParallelism()). Each worker holds its own WASM instance and memory, and more
 * workers than cores only compete.
 */
export const THREADS_PER_CORE = 4;

/** Node's timers fire at once past this many ms (a 32-bit signed delay). */
const TIMER_MAX_MS = 2 ** 31 - 1;

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
   * instantiated kernels and its already grown and touched WASM memory (a fresh worker starts
   * slowly and writes into fresh pages cost several times warm ones: README, Worker pool): a
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
  /**
   * Each worker's V8 heap limits, MiB (default: Node's). A worker past its old-generation limit
   * is stopped and replaced, and its task rejects (cause: ERR_WORKER_OUT_OF_MEMORY); WASM memory
   * and typed arrays are outside the heap. `yuma serve` sets them: its workers parse request JSON.
   */
  heapLimits?: HeapLimits;
  /**
   * Task kinds (tasks.ts) whose modules every worker imports as it starts, replacements
   * included, so that no task of theirs pays for the import (default: none; a kind's module is
   * then imported on the worker's first task of it)
   */
  preload?: readonly TaskKind<never, unknown>[];
}

export interface HeapLimits {
  /** the old generation (what survives) */
  oldMb: number;
  /** the young generation (default: Node's, from the old generation's size) */
  youngMb?: number;
}

export interface ResolvedPoolOptions {
  readonly threads: number;
  readonly splitMinEntries: number;
  readonly mechanismMinEntries: number;
  readonly minThreads: number;
  readonly idleTimeout: number;
  readonly maxQueue: number;
  readonly heapLimits: Readonly<HeapLimits> | undefined;
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

const OPTION_KEYS = new Set(['threads', 'allowOversubscription', 'minThreads', 'idleTimeout', 'maxQueue', 'splitMinEntries', 'mechanismMinEntries', 'faultInjection', 'heapLimits', 'preload']);
const RUN_KEYS = new Set(['signal', 'timeoutMs', 'trace']);

/** A value as an error message shows it. */
export const show = (v: unknown) => (typeof v === 'string' ? JSON.stringify(v) : typeof v === 'bigint' ? `${v}n` : String(v));

export function resolveOptions(o: PoolOptions): ResolvedPoolOptions {
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
  if (o.preload !== undefined && (!Array.isArray(o.preload) || o.preload.some((k) => typeof k?.module !== 'string'))) {
    throw new TypeError(`createPool: preload must be an array of task kinds (defineTask), got ${show(o.preload)}`);
  }
  if (o.faultInjection !== undefined && typeof o.faultInjection !== 'function') {
    throw new TypeError(`createPool: faultInjection must be a function, got ${show(o.faultInjection)}`);
  }
  const heapLimits = o.heapLimits;
  if (heapLimits !== undefined) {
    const mb = (v: unknown) => typeof v === 'number' && Number.isInteger(v) && v >= 1;
    if (heapLimits === null || typeof heapLimits !== 'object' || !mb(heapLimits.oldMb) || (heapLimits.youngMb !== undefined && !mb(heapLimits.youngMb))) {
      throw new RangeError(`createPool: heapLimits must be { oldMb, youngMb? } in whole MiB >= 1, got ${JSON.stringify(heapLimits) ?? show(heapLimits)}`);
    }
  }
  return Object.freeze({
    threads, minThreads, idleTimeout, maxQueue, splitMinEntries, mechanismMinEntries,
    heapLimits: heapLimits && Object.freeze({ ...heapLimits }),
  });
}

export function checkRunOptions(what: string, o: RunOptions): void {
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
