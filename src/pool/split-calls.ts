// Split calls: pool.runEpoch on one giant subnet, split across the workers over one shared
// WASM memory (split.ts: a leader runs the epoch, helpers run blocks of its stages), taking
// turns with each other.
import { SHARED_DATA_START, SHARED_MAX_BYTES, newSharedMemory } from '../engine/wasm.js';
import { epochBytes } from '../engine/epoch.js';
import type { EpochInput, EpochOutput } from '../engine/types.js';
import type { PoolCore } from './calls.js';
import { PoolError, describeCause, errorText } from './errors.js';
import type { RunOptions } from './options.js';
import type { SplitReply, SplitTask } from './protocol.js';
import { splitBytes } from './split.js';
import { newControl } from './split-control.js';
import { stageInput } from './split-staging.js';

export interface SplitCalls {
  /** Whether a split of `input` fits in the shared memory (else it runs whole, if that fits). */
  fits(input: EpochInput): boolean;
  /** One split epoch (the input checked already), after the split calls before it. */
  run(input: EpochInput, runOptions: RunOptions): Promise<EpochOutput>;
}

export function splitCalls(core: PoolCore): SplitCalls {
  const { piscina, opts, faultInjection, calls } = core;
  // Shared memories of finished split calls, kept for the next one: a memory's pages are then
  // already touched (fresh pages are slower to write) and every worker keeps its instance over
  // it. A call that failed drops its memory.
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

  function fits(input: EpochInput): boolean {
    // the epoch's buffers without the weights and bonds: splitBytes counts them once, staged
    const whole = epochBytes(input.n, input.weights.col.length, input.bonds.col.length, input.hyperparameters, true);
    return splitBytes(input, opts.threads, whole, SHARED_DATA_START) <= SHARED_MAX_BYTES;
  }

  async function runNow(input: EpochInput, runOptions: RunOptions): Promise<EpochOutput> {
    if (calls.closed) throw new PoolError('runEpoch: the pool is closed', 'closed', input.netuid, 0);
    const participants = opts.threads;
    if (calls.pending + participants > opts.threads + opts.maxQueue) {
      throw new PoolError(
        `runEpoch: queue full: a split epoch (${participants} tasks) with ${calls.pending} pending exceeds threads (${opts.threads}) + maxQueue (${opts.maxQueue}); nothing was run`,
        'queue-full', input.netuid, 0,
      );
    }
    const { signal, timeoutMs } = runOptions;
    if (signal?.aborted) {
      throw new PoolError(`runEpoch: aborted before start (${errorText(signal.reason)}); nothing was run`, 'aborted', input.netuid, 0, { cause: signal.reason });
    }
    let stopped!: () => void;
    const stop = new Promise<void>((resolve) => (stopped = resolve));
    const call = calls.control(runOptions, participants, () => stopped());
    calls.pending += participants;
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
            () => void calls.pending--,
            // a helper that died leaves its block unfinished: the leader would wait for it
            (err: unknown) => {
              calls.pending--;
              call.stop('failed', new Error(`a helper worker failed: ${describeCause(err)}`, { cause: err }));
            },
          ),
        );
        await leader;
        calls.pending--;
        // the leader has sent the helpers home (or died: tell them here)
        const quit = new Int32Array(ctl, 0, 1);
        Atomics.store(quit, 0, -1);
        Atomics.notify(quit, 0);
        await Promise.all(helpers);
        if (!call.failure() && spareMemories.length < 2) spareMemories.push(shared);
      }
    } finally {
      calls.pending -= participants - started;
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

  return { fits, run: (input, runOptions) => calls.run(() => runNow(input, runOptions)) };
}
