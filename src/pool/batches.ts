// Batching: a call of many subnets is cut into batches of consecutive subnets, one task each,
// every subnet run whole by runEpoch's code in a worker (the same WASM on the same inputs, so
// the outputs are bit-identical to runEpoch on the main thread). About BATCHES_PER_THREAD
// batches per thread: few enough that the per-task messaging is paid a few times per call
// instead of once per subnet, enough that the threads share the work evenly (measured:
// bench/pool.bench.ts; README, Worker pool).
import type { EpochInput, EpochOutput } from '../engine/types.js';
import type { PoolCore } from './calls.js';
import { PoolError, describeCause, errorText, netuidsText } from './errors.js';
import { checkInput } from './input.js';
import { checkRunOptions, show, type RunOptions } from './options.js';
import type { EpochReply, EpochTask, FaultSpec } from './protocol.js';

/** Batches per thread in one call (see the header). */
const BATCHES_PER_THREAD = 4;

/** [first, end) index ranges cutting `count` subnets into `parts` near-equal consecutive batches. */
function batchRanges(count: number, parts: number): [number, number][] {
  const ranges: [number, number][] = [];
  for (let b = 0; b < parts; b++) ranges.push([Math.floor((b * count) / parts), Math.floor(((b + 1) * count) / parts)]);
  return ranges;
}

/**
 * pool.runEpochs: outputs in input order, all or nothing. `checked`: the inputs passed
 * checkInput already (pool.runEpoch); `batches`: how many tasks to cut the call into (default
 * about BATCHES_PER_THREAD per thread).
 */
export function runEpochs(core: PoolCore, inputs: readonly EpochInput[], runOptions: RunOptions = {}, checked = false, batches?: number): Promise<EpochOutput[]> {
  return core.calls.run(() => runEpochsNow(core, inputs, runOptions, checked, batches));
}

async function runEpochsNow(core: PoolCore, inputs: readonly EpochInput[], runOptions: RunOptions, checked: boolean, batches?: number): Promise<EpochOutput[]> {
  const { piscina, opts, faultInjection, calls } = core;
  checkRunOptions('runEpochs', runOptions);
  if (!Array.isArray(inputs)) throw new TypeError(`runEpochs: inputs must be an array of EpochInput, got ${show(inputs)}`);
  if (!checked) inputs.forEach((inp, i) => checkInput(inp, `inputs[${i}]`));
  const count = inputs.length;
  if (calls.closed) throw new PoolError('runEpochs: the pool is closed', 'closed');
  if (count === 0) return [];
  if (calls.pending + count > opts.threads + opts.maxQueue) {
    throw new PoolError(
      `runEpochs: queue full: ${count} task(s) with ${calls.pending} pending exceed threads (${opts.threads}) + maxQueue (${opts.maxQueue}); nothing was run`,
      'queue-full',
    );
  }
  const { signal, timeoutMs } = runOptions;
  if (signal?.aborted) {
    throw new PoolError(`runEpochs: aborted before start (${errorText(signal.reason)}); nothing was run`, 'aborted',
      inputs[0]!.netuid, 0, { cause: signal.reason });
  }

  // Inputs cross to the worker by STRUCTURED CLONE, not transfer: transferring (Piscina.move)
  // would detach the caller's arrays, and the clone is small next to the epoch; copying into a
  // fresh buffer to transfer that gains nothing (fresh pages fault in). README, Worker pool,
  // has the measurements. Outputs come back by TRANSFER (the worker's own fresh buffers).
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
  const call = calls.control(runOptions, count, cancelRest);
  calls.pending += count;
  try {
    await Promise.all(
      tasks.map((task, b) => {
        const size = ranges[b]![1] - ranges[b]![0];
        return (piscina.run(task, { signal: call.signal }) as Promise<EpochReply>).then(
          (reply) => {
            calls.pending -= size;
            if (reply.kind === 'epoch') reply.outputs.forEach((out, k) => (outputs[task.first + k] = out));
          },
          (err: unknown) => {
            calls.pending -= size;
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

  const f = call.failure();
  if (f) {
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
