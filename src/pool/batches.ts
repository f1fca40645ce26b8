// Batches: a call of many subnets goes to the workers as ONE task per thread (fewer, larger
// messages), every subnet run whole by runEpoch's code in a worker (the same WASM on the same
// inputs, so the outputs are bit-identical to runEpoch on the main thread). The subnets are
// staged once in a shared buffer (staged.ts) and the call's tasks claim them one at a time from
// a shared counter: the threads share the work evenly however long each subnet takes and
// whenever each task starts, and no subnet's arrays are structured-cloned (measured:
// bench/pool.bench.ts; README, Worker pool).
import type { EpochInput, EpochOutput } from '../engine/types.js';
import type { PoolCore } from './calls.js';
import { PoolError, describeCause, errorText, netuidsText } from './errors.js';
import { checkInput } from './input.js';
import { checkRunOptions, show, type RunOptions } from './options.js';
import type { EpochReply, EpochTask, FaultSpec } from './protocol.js';
import { stageInputs } from './staged.js';

/**
 * pool.runEpochs: outputs in input order, all or nothing. `checked`: the inputs passed
 * checkInput already (pool.runEpoch); `batches`: how many tasks to cut the call into (default
 * one per thread).
 */
export function runEpochs(core: PoolCore, inputs: readonly EpochInput[], runOptions: RunOptions = {}, checked = false, batches?: number): Promise<EpochOutput[]> {
  return core.calls.run(() => runEpochsNow(core, inputs, runOptions, checked, batches));
}

async function runEpochsNow(core: PoolCore, inputs: readonly EpochInput[], runOptions: RunOptions, checked: boolean, batches?: number): Promise<EpochOutput[]> {
  const { piscina, opts, faultInjection, calls } = core;
  checkRunOptions('runEpochs', runOptions);
  if (!Array.isArray(inputs)) throw new TypeError(`runEpochs: inputs must be an array of EpochInput, got ${show(inputs)}`);
  // the column order of each subnet's weights and bonds is checked by the worker that runs it
  // (a bad one fails the call; its InputError is then the validator's, below)
  if (!checked) inputs.forEach((inp, i) => checkInput(inp, `inputs[${i}]`, false));
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

  // Inputs cross to the workers STAGED (copied once into a shared buffer; the caller's arrays
  // are never detached); outputs come back by structured clone (worker.ts says why not transfer).
  const cancel = new Int32Array(new SharedArrayBuffer(4));
  const claim = new Int32Array(new SharedArrayBuffer(4));
  const parts = Math.min(count, batches ?? opts.threads);
  const progress = new Int32Array(new SharedArrayBuffer(4 * parts));
  const staging = stageInputs(inputs, core.staging);
  const { staged } = staging;
  const faults = faultInjection
    ? inputs.map((input, i): FaultSpec | undefined => {
        const f = faultInjection(input, i);
        return typeof f === 'string' ? { fault: f } : f;
      })
    : undefined;
  const tasks: EpochTask[] = Array.from({ length: parts }, (_, task) => ({
    kind: 'epoch', staged, trace: runOptions.trace === true, cancel, claim, progress, task, checkColumns: !checked,
    ...(faults ? { faults } : {}),
  }));
  // Skip what has not started: the flag for tasks already posted (checked before every
  // subnet), and nothing to clone for tasks still in the queue (piscina posts the task
  // object when a worker takes it).
  const cancelRest = () => {
    Atomics.store(cancel, 0, 1);
    for (const t of tasks) t.staged = undefined;
  };

  const outputs: (EpochOutput | undefined)[] = new Array(count);
  const call = calls.control(runOptions, count, cancelRest);
  // the queue bound counts subnets: each reply releases the subnets its task ran, the call's
  // end whatever was never run
  let unsettled = count;
  calls.pending += count;
  try {
    const running = Promise.all(
      tasks.map((task, t) =>
        (piscina.run(task, { signal: call.signal }) as Promise<EpochReply>).then(
          (reply) => {
            if (reply.kind !== 'epoch') return;
            calls.pending -= reply.outputs.length;
            unsettled -= reply.outputs.length;
            reply.outputs.forEach((out, k) => (outputs[reply.indices[k]!] = out));
          },
          (err: unknown) => {
            // the subnet the worker was running when it threw or died (else the first one not
            // done); the tasks already running stop before their next subnet. A failure after
            // the first (or the abort itself) changes nothing.
            const at = Atomics.load(progress, t) - 1;
            const index = at >= 0 ? at : Math.max(0, outputs.findIndex((o) => o === undefined));
            call.fail({ kind: 'failed', index, cause: err });
          },
        ),
      ),
    );
    // the tasks are posted (piscina posts to an idle worker at once): copy the inputs in while
    // the workers start on the first subnets
    try {
      staging.copy();
    } catch (err) {
      call.fail({ kind: 'failed', index: 0, cause: err });
    }
    await running;
  } finally {
    calls.pending -= unsettled;
    call.dispose();
    // every task has replied: no worker reads the buffer any more. (An aborted task rejects
    // before its worker is terminated: after a stop the buffer is left to the collector.)
    if (!call.failure()) core.staging.give(staged.memory);
  }

  const f = call.failure();
  if (f) {
    if (f.kind === 'failed') {
      const i = f.index!;
      // a subnet whose columns the worker refused: the InputError the validator gives it
      if (!checked) checkInput(inputs[i], `inputs[${i}]`);
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
