// A pool worker (piscina loads the BUILT file, dist/pool/worker.js, through worker-entry.cjs).
// Each worker instantiates the kernels once, from the WebAssembly.Module compiled on the main
// thread, and keeps that instance (and its already-grown, already-touched memory) for every task
// it runs. It runs epochs, warm-ups and split epochs itself; any other task kind it looks up in the registry
// (tasks.ts), loading the module that defines it on the first task of that kind.
import { threadId, workerData } from 'node:worker_threads';
import { movable } from './movable.js';
import { runEpoch, _runCheckedEpoch } from '../engine/epoch.js';
import { createWasmKernels, isWasmModule, sharedKernels } from '../engine/wasm.js';
import { splitKernels } from './split.js';
import { runHelper } from './split-blocks.js';
import { unstageInput } from './split-staging.js';
import { syntheticInput } from '../engine/synthetic.js';
import type { EpochOutput } from '../engine/types.js';
import { loadHandler, preloadModules } from './tasks.js';
import { awaitStaged, stagedInput } from './staged.js';
import type {
  EpochReply, EpochTask, FaultSpec, HandlerTask, SplitReply, SplitTask, Task, WarmupReply, WarmupTask, WorkerConfig,
} from './protocol.js';

const config = workerData as WorkerConfig;
if (!isWasmModule(config?.module)) {
  throw new Error('yuma pool worker: workerData.module is not a WebAssembly.Module (start workers through createPool)');
}
const kernels = createWasmKernels(config.module);
// task kinds the pool's owner wants ready before the first task (PoolOptions.preload)
await preloadModules(config.preload ?? []);

function injectFault(task: FaultSpec): void {
  switch (task.fault) {
    case 'throw':
      throw new Error(`injected fault: task threw inside worker ${threadId}`);
    case 'exit':
      process.exit(3); // in a worker thread this ends the thread, not the process
      break;
    case 'hang': {
      const until = performance.now() + (task.hangMs ?? 60_000);
      while (performance.now() < until) {
        // a stuck synchronous epoch: only terminating the worker ends it
      }
      break;
    }
  }
}

function epochs(task: EpochTask): EpochReply {
  const { staged, cancel, claim, progress } = task;
  if (staged === undefined) return { kind: 'cancelled', threadId };
  const t0 = performance.now();
  const outputs: EpochOutput[] = [];
  const indices: number[] = [];
  for (;;) {
    if (Atomics.load(cancel, 0) !== 0) return { kind: 'cancelled', threadId };
    const i = Atomics.add(claim, 0, 1);
    if (i >= staged.shells.length) break;
    awaitStaged(staged, i);
    if (Atomics.load(cancel, 0) !== 0) return { kind: 'cancelled', threadId };
    Atomics.store(progress, task.task, i + 1);
    const fault = config.faults ? task.faults?.[i] : undefined;
    if (fault) injectFault(fault);
    // checked on the main thread before it was staged (pool/input.ts checkInput), its columns
    // here unless the main thread checked them too
    outputs.push(_runCheckedEpoch(stagedInput(staged, i), { kernels, trace: task.trace }, undefined, task.checkColumns));
    indices.push(i);
  }
  // by structured clone, not by transfer: once a reply had transferred (so detached) its
  // buffers, this worker's later epochs ran 1.12-1.17x slower (V8's optimized typed-array code
  // then guards against detached buffers, by our reading), and the copy costs less than that
  // (measured on a 1-thread pool, runs of each form alternating: a call on 64 x n=256 0.90-0.91x)
  const reply: EpochReply = { kind: 'epoch', outputs, indices, threadId, ms: performance.now() - t0 };
  return reply;
}

function warmup(task: WarmupTask): WarmupReply {
  const t0 = performance.now();
  runEpoch(task.input ?? syntheticInput({ n: 64, validators: 16, seed: 7 }), { kernels, trace: true });
  const ms = performance.now() - t0;
  // barrier: hold this worker until every warm-up task has a worker of its own
  const b = task.barrier;
  Atomics.add(b, 0, 1);
  Atomics.notify(b, 0);
  const deadline = performance.now() + 10_000;
  let met = true;
  for (let v = Atomics.load(b, 0); v < task.parties; v = Atomics.load(b, 0)) {
    const left = deadline - performance.now();
    if (left <= 0 || Atomics.wait(b, 0, v, left) === 'timed-out') {
      met = Atomics.load(b, 0) >= task.parties;
      break;
    }
  }
  return { kind: 'warmup', threadId, ms, met };
}

/** A task of a registered kind: its handler's result, its owned buffers by transfer. */
async function handled(task: HandlerTask): Promise<unknown> {
  const h = await loadHandler(task.name, task.module);
  const result = h.run(task.data, { kernels });
  return h.transfer ? movable(result as object, h.transfer(result)) : result;
}

/** This worker's instance over each shared memory it has seen (the pool reuses a few). */
const sharedInstances = new Map<number, ReturnType<typeof sharedKernels>>();
function instanceFor(task: SplitTask): ReturnType<typeof sharedKernels> {
  let inst = sharedInstances.get(task.memoryId);
  if (!inst) {
    inst = sharedKernels(task.memory, config.sharedModule);
    sharedInstances.set(task.memoryId, inst);
    // the pool keeps few memories alive; forget the oldest instances beyond that
    while (sharedInstances.size > 4) sharedInstances.delete(sharedInstances.keys().next().value!);
  }
  return inst;
}

function split(task: SplitTask): SplitReply {
  const inst = instanceFor(task);
  if (task.role === 'helper') {
    return { kind: 'split', role: 'helper', blocks: runHelper(inst.range, inst.memory, task.ctl, task.participants), threadId };
  }
  const t0 = performance.now();
  const { input, placed } = unstageInput(inst.memory, task.input!, task.staged!);
  const sp = splitKernels(inst.kernelsFrom(task.staged!.end), inst.range, inst.memory, task.ctl, input, task.participants);
  let output: EpochOutput;
  try {
    if (config.faults && task.fault) injectFault(task.fault);
    output = _runCheckedEpoch(input, { kernels: sp.kernels, trace: task.trace }, placed);
  } finally {
    sp.quit();
  }
  const reply: SplitReply = { kind: 'split', role: 'leader', output, blocks: sp.blocks(), threadId, ms: performance.now() - t0 };
  return reply; // by structured clone, as epochs' replies
}

export default function handle(task: Task): EpochReply | WarmupReply | SplitReply | Promise<unknown> {
  switch (task.kind) {
    case 'warmup':
      return warmup(task);
    case 'split':
      return split(task);
    case 'handler':
      return handled(task);
    default:
      return epochs(task);
  }
}
