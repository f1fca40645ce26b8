// The messages between the pool (main thread) and its workers (dist/pool/worker.js).
// Types only, plus the fault names: no runtime dependency on either side.
import type { EpochInput, EpochOutput } from '../engine/types.js';

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
}

export interface EpochTask {
  kind: 'epoch';
  /** undefined when the call was cancelled before this task was posted (nothing to clone) */
  input: EpochInput | undefined;
  trace: boolean;
  /** the call's cancel flag (one Int32 on a SharedArrayBuffer): non-zero = skip this task */
  cancel: Int32Array;
  fault?: Fault;
  hangMs?: number;
}

export interface WarmupTask {
  kind: 'warmup';
  /** the epoch to run; undefined = a tiny synthetic one built in the worker */
  input: EpochInput | undefined;
  /** barrier: every warm-up task increments it, then waits until it reaches `parties` */
  barrier: Int32Array;
  parties: number;
}

export type Task = EpochTask | WarmupTask;

export type EpochReply =
  | { kind: 'epoch'; output: EpochOutput; threadId: number; ms: number }
  | { kind: 'cancelled'; threadId: number };

export interface WarmupReply {
  kind: 'warmup';
  threadId: number;
  ms: number;
  /** false when the barrier timed out (another worker never arrived) */
  met: boolean;
}
