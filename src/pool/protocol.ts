// The messages between the pool (main thread) and its workers (dist/pool/worker.js).
// Types only, plus the fault names: no runtime dependency on either side.
import type { EpochInput, EpochOutput } from '../engine/types.js';
import type { StagedInput } from './split-staging.js';
import type { StagedInputs } from './staged.js';

/**
 * Faults a worker can be told to inject (tests only: honoured only by a pool created with
 * `faultInjection`). 'throw' throws inside the task, 'exit' calls process.exit(3) inside the
 * worker (the worker dies mid-task), 'hang' blocks the worker for `hangMs` (a stuck epoch).
 */
export type Fault = 'throw' | 'exit' | 'hang';

/** workerData: structured-cloned into every worker the pool starts (replacements included). */
export interface WorkerConfig {
  /** the compiled kernels (a WebAssembly.Module is structured-cloneable: no recompilation) */
  module: WebAssembly.Module;
  /** honour EpochTask.fault (set only by createPool's `faultInjection`) */
  faults: boolean;
  /** the same kernels over an imported shared memory (column-split epochs) */
  sharedModule: WebAssembly.Module;
  /** modules of task kinds (relative to dist/) imported as the worker starts (PoolOptions.preload) */
  preload: string[];
}

/** A fault to inject before one subnet of a task. */
export interface FaultSpec {
  fault: Fault;
  hangMs?: number;
}

/**
 * One worker's share of a call: the call's subnets are staged in one shared buffer (staged.ts)
 * and every task of the call claims them one at a time, in order, from a shared counter, until
 * none is left; a worker that starts late (or is slow) simply claims fewer.
 */
export interface EpochTask {
  kind: 'epoch';
  /** undefined when the call was cancelled before this task was posted (nothing to clone) */
  staged: StagedInputs | undefined;
  trace: boolean;
  /** the call's cancel flag (one Int32 on a SharedArrayBuffer): non-zero = skip what is left */
  cancel: Int32Array;
  /** claim[0]: the call index of the next subnet not yet claimed by any task (Atomics.add) */
  claim: Int32Array;
  /**
   * progress[task] = 1 + the call index of the subnet this task is running (a SharedArrayBuffer
   * written before each epoch): names the subnet when the worker dies or throws mid-task
   */
  progress: Int32Array;
  task: number;
  /**
   * the main thread checked the subnets' shape only: the worker checks the weights' and bonds'
   * column order where it places them (runEpoch's csrRowsCheck)
   */
  checkColumns: boolean;
  /** per subnet of the call (tests only) */
  faults?: (FaultSpec | undefined)[];
}

export interface WarmupTask {
  kind: 'warmup';
  /** the epoch to run; undefined = a tiny synthetic one built in the worker */
  input: EpochInput | undefined;
  /** barrier: every warm-up task increments it, then waits until it reaches `parties` */
  barrier: Int32Array;
  parties: number;
}

/**
 * One giant subnet split across workers (split.ts): the leader runs the epoch, helpers run
 * blocks of its stages, all over one shared WASM memory.
 */
export interface SplitTask {
  kind: 'split';
  role: 'leader' | 'helper';
  /** the call's shared memory, and a number naming it (workers keep an instance per memory) */
  memory: WebAssembly.Memory;
  memoryId: number;
  /** the call's control block */
  ctl: SharedArrayBuffer;
  /** leader + helpers */
  participants: number;
  /** leader only: the input, its weights and bonds staged in the shared memory */
  input?: EpochInput;
  staged?: StagedInput;
  trace: boolean;
  fault?: FaultSpec;
}

export type SplitReply =
  | { kind: 'split'; role: 'leader'; output: EpochOutput; blocks: number; threadId: number; ms: number }
  | { kind: 'split'; role: 'helper'; blocks: number; threadId: number };

/**
 * A task of a registered kind (tasks.ts): the worker imports `module` (relative to dist/) on the
 * first task of kind `name`, then runs its handler on `data`; only the handler's result comes back.
 */
export interface HandlerTask {
  kind: 'handler';
  name: string;
  module: string;
  data: unknown;
}

export type Task = EpochTask | WarmupTask | SplitTask | HandlerTask;

export type EpochReply =
  /** outputs[k] is the output of the call's subnet indices[k] */
  | { kind: 'epoch'; outputs: EpochOutput[]; indices: number[]; threadId: number; ms: number }
  | { kind: 'cancelled'; threadId: number };

export interface WarmupReply {
  kind: 'warmup';
  threadId: number;
  ms: number;
  /** false when the barrier timed out (another worker never arrived) */
  met: boolean;
}
