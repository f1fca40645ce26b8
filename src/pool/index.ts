// A worker pool for many subnets' epochs at once, on piscina. This file makes the pool and its
// public face; the parts live beside it, as piscina splits its own src/:
//   options.ts      PoolOptions, RunOptions, the defaults and their checks
//   errors.ts       PoolError and the words of its messages
//   input.ts        inputs checked on the main thread, before anything is queued
//   calls.ts        call control: the queue bound, a call's signal, timeout and close
//   batches.ts      runEpochs: one task per thread, each claiming the call's subnets one at a time
//   staged.ts       a call's inputs staged in one SharedArrayBuffer, read in place by the workers
//   split-calls.ts  runEpoch on one giant subnet, split across the workers (split.ts), in turns
//   tasks.ts        the registry of other task kinds (analysis/ defines `yuma map`'s, `yuma scenario`'s)
//   protocol.ts     the messages to and from the workers; worker.ts the worker itself
//
// - The WASM kernels are compiled ONCE, here on the main thread (`wasmModule()`), and the
//   compiled WebAssembly.Module is handed to every worker in workerData (a Module is
//   structured-cloneable: workers instantiate it, they never recompile). Each worker creates
//   its kernels once (`createWasmKernels(module)`) and keeps them for every task.
// - The worker runs from the BUILD: dist/pool/worker.js (through dist/pool/worker-entry.cjs),
//   resolved relative to this package, so the pool works from dist/ and from src/ (tests,
//   tsx) alike. `npm run build` (which `npm ci` runs) must have produced it.
import { Piscina } from 'piscina';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { sharedWasmModule, wasmModule } from '../engine/wasm.js';
import { missingBuildFile } from '../engine/build-files.js';
import type { EpochInput, EpochOutput } from '../engine/types.js';
import { combineMechanisms, mechanismInputs } from '../engine/mechanisms/epoch.js';
import type { MechanismsInput, MechanismsOutput } from '../engine/mechanisms/types.js';
import { runEpochs } from './batches.js';
import { Calls, type PoolCore } from './calls.js';
import { PoolError, describeCause } from './errors.js';
import { checkInput } from './input.js';
import { checkRunOptions, resolveOptions, type PoolOptions, type ResolvedPoolOptions, type RunOptions } from './options.js';
import type { HandlerTask, WarmupReply, WarmupTask, WorkerConfig } from './protocol.js';
import { splitCalls } from './split-calls.js';
import { StagingBuffers } from './staged.js';
import { _bindTaskRunner, type TaskRunner } from './tasks.js';

export type { Fault } from './protocol.js';
export { PoolError, type PoolErrorKind } from './errors.js';
export {
  MECHANISMS_MIN_ENTRIES, POOL_DEFAULTS, SPLIT_MIN_ENTRIES, THREADS_PER_CORE,
  type HeapLimits, type PoolOptions, type ResolvedPoolOptions, type RunOptions,
} from './options.js';

// From dist/pool/index.js this is dist/pool/worker-entry.cjs (beside it); from src/pool/index.ts
// (vitest, tsx) it is still the built one. The entry imports dist/pool/worker.js (worker-entry.cts
// says why piscina is not handed worker.js itself).
const WORKER_URL = new URL('../../dist/pool/worker-entry.cjs', import.meta.url);

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

/** A pool of `threads` workers, each with its own WASM kernels instance. */
export function createPool(options: PoolOptions = {}): Pool {
  const opts = resolveOptions(options);
  const faultInjection = options.faultInjection;
  const filename = fileURLToPath(WORKER_URL);
  if (!existsSync(filename)) {
    throw missingBuildFile('createPool: the pool worker', filename);
  }
  const config: WorkerConfig = {
    module: wasmModule(),
    faults: faultInjection !== undefined,
    sharedModule: sharedWasmModule(),
    preload: [...new Set((options.preload ?? []).map((k) => k.module))],
  };
  const piscina = new Piscina({
    filename,
    minThreads: opts.minThreads,
    maxThreads: opts.threads,
    idleTimeout: opts.idleTimeout,
    // the queue bound is enforced per CALL (see batches.ts), so piscina never rejects one task of many
    maxQueue: Infinity,
    // one task per worker at a time, no prefetch: prefetching would hide the gap between tasks,
    // but piscina never queues an abortable task (ours all are) behind another, and aborting a
    // task already queued in a worker terminates that worker, failing whatever other call's
    // task it is running
    concurrentTasksPerWorker: 1,
    workerData: config,
    ...(opts.heapLimits
      ? { resourceLimits: { maxOldGenerationSizeMb: opts.heapLimits.oldMb, ...(opts.heapLimits.youngMb ? { maxYoungGenerationSizeMb: opts.heapLimits.youngMb } : {}) } }
      : {}),
  });
  // A worker that dies while idle (no task to fail) is reported as an 'error' event; without a
  // listener it would crash the process. piscina replaces it; the next task is unaffected.
  piscina.on('error', () => {});

  const calls = new Calls();
  const core: PoolCore = { piscina, opts, faultInjection, calls, staging: new StagingBuffers() };
  const split = splitCalls(core);
  let closing: Promise<void> | undefined;

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

  /** A task of a registered kind (tasks.ts): one task, its result or a PoolError naming the kind. */
  const runTask: TaskRunner = (kind, data, { signal, about, transfer }) =>
    calls.run(async () => {
      if (calls.closed) throw new PoolError(`${kind.name}: the pool is closed`, 'closed');
      const task: HandlerTask = { kind: 'handler', name: kind.name, module: kind.module, data };
      try {
        return await piscina.run(task, { ...(signal ? { signal } : {}), ...(transfer ? { transferList: transfer } : {}) });
      } catch (err) {
        const what = about === undefined ? kind.name : `${kind.name}: ${about}`;
        throw new PoolError(`${what}: ${describeCause(err)}`, signal?.aborted ? 'aborted' : 'failed', null, null, { cause: err });
      }
    });

  const pool: Pool = {
    options: opts,
    runEpochs: (inputs, runOptions) => runEpochs(core, inputs, runOptions),
    async runEpoch(input, runOptions = {}) {
      checkRunOptions('runEpoch', runOptions);
      checkInput(input, '');
      if (opts.threads >= 2 && input.weights.col.length >= opts.splitMinEntries && split.fits(input)) {
        return split.run(input, runOptions);
      }
      const [out] = await runEpochs(core, [input], runOptions, true);
      return out!;
    },
    async runMechanismsEpoch(input, runOptions = {}) {
      checkRunOptions('runMechanismsEpoch', runOptions);
      const inputs = mechanismInputs(input);
      const entries = inputs.reduce((s, m) => s + m.weights.col.length, 0);
      // spread: one task per thread, claiming the mechanisms one at a time; else one task
      const spread = opts.threads >= 2 && inputs.length >= 2 && entries >= opts.mechanismMinEntries;
      try {
        return combineMechanisms(input, await runEpochs(core, inputs, runOptions, false, spread ? undefined : 1));
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
      return calls.closed ? Promise.reject(new PoolError('warmup: the pool is closed', 'closed')) : calls.run(() => warmupNow(input));
    },
    close({ force = false } = {}) {
      if (!closing) {
        calls.closed = true;
        if (force) {
          calls.stopAll();
          closing = piscina.destroy();
        } else {
          // piscina's own close() may end workers while tasks still wait in its queue: let every
          // call in flight settle first (new calls are refused from now on), then close
          closing = calls.settled().then(() => piscina.close());
        }
      }
      return closing;
    },
    get workers() {
      return piscina.threads.length;
    },
    get closed() {
      return calls.closed;
    },
  };
  _bindTaskRunner(pool, runTask);
  return pool;
}
