// Tasks beyond epochs, by name. The pool runs epochs and knows no other work: a module that
// wants its own work on the workers (analysis/: `yuma map` cells, `yuma scenario` runs)
// defines a task kind here, naming itself as the module to load. A worker imports that module
// on the first task of the kind (epoch-only workers never load it), which defines the same
// kind in the worker's registry, and looks the handler up by name.
import type { Kernels } from '../engine/kernels.js';
import type { Pool } from './index.js';

/** What a handler gets from the worker running it. */
export interface TaskContext {
  /** the worker's kernels (instantiated once per worker, kept warm) */
  kernels: Kernels;
}

/** A task kind, as the main thread names it: data `D` in, result `R` back. */
export interface TaskKind<D, R> {
  readonly name: string;
  /** the defining module as built, relative to dist/ ('engine/analysis/mapsweep.js') */
  readonly module: string;
  /** types only */
  readonly _types?: (data: D) => R;
}

interface Handler {
  module: string;
  run(data: unknown, ctx: TaskContext): unknown;
  /** the buffers the result owns outright: handed back by transfer, not copied */
  transfer?(result: unknown): ArrayBuffer[];
}

const handlers = new Map<string, Handler>();

/**
 * Defines task kind `name`: `run` on a worker, its result back (structured clone, except the
 * buffers `transfer` names). `module` must be the module making this call.
 */
export function defineTask<D, R>(
  name: string,
  module: string,
  run: (data: D, ctx: TaskContext) => R,
  transfer?: (result: R) => ArrayBuffer[],
): TaskKind<D, R> {
  const had = handlers.get(name);
  if (had && had.module !== module) throw new Error(`defineTask: task ${JSON.stringify(name)} is already defined by ${had.module}`);
  handlers.set(name, { module, run: run as Handler['run'], ...(transfer ? { transfer: transfer as Handler['transfer'] } : {}) });
  return Object.freeze({ name, module });
}

const moduleUrl = (module: string) => new URL(`../${module}`, import.meta.url).href;

/** In a worker: imports the modules of task kinds before any task comes (PoolOptions.preload). */
export async function preloadModules(modules: readonly string[]): Promise<void> {
  await Promise.all(modules.map((m) => import(moduleUrl(m))));
}

/** In a worker: the handler of `name`, importing `module` first when this thread has not yet. */
export async function loadHandler(name: string, module: string): Promise<Handler> {
  let h = handlers.get(name);
  if (!h) {
    // from dist/pool/tasks.js: dist/<module>
    await import(moduleUrl(module));
    h = handlers.get(name);
    if (!h) throw new Error(`pool worker: ${module} does not define task ${JSON.stringify(name)}`);
  }
  return h;
}

/** How a pool runs a task kind (createPool binds one per pool). */
export type TaskRunner = (kind: TaskKind<unknown, unknown>, data: unknown, options: RunTaskOptions) => Promise<unknown>;

export interface RunTaskOptions {
  /** aborts the task: it rejects with a PoolError of kind 'aborted' */
  signal?: AbortSignal;
  /** after the kind's name in a failure's message ('map: major stake 0.8: ...') */
  about?: string;
  /** buffers of `data` handed to the worker by transfer, not copied (detached here after) */
  transfer?: ArrayBuffer[];
}

const runners = new WeakMap<object, TaskRunner>();

/** @internal createPool's half: how `pool` runs tasks. */
export function _bindTaskRunner(pool: Pool, runner: TaskRunner): void {
  runners.set(pool, runner);
}

/** One task of `kind` on the pool's workers; a failure rejects with a PoolError naming the kind. */
export function runTask<D, R>(pool: Pool, kind: TaskKind<D, R>, data: D, options: RunTaskOptions = {}): Promise<R> {
  const runner = runners.get(pool);
  if (!runner) throw new TypeError('runTask: not a pool made by createPool');
  return runner(kind as TaskKind<unknown, unknown>, data, options) as Promise<R>;
}
