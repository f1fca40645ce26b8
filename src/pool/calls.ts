// Call control: what every call of one pool shares (the queue bound, close) and what stops one
// call (its signal, its timeout, close({ force }), its first failure).
import { setMaxListeners } from 'node:events';
import type { Piscina } from 'piscina';
import type { PoolErrorKind } from './errors.js';
import type { PoolOptions, ResolvedPoolOptions, RunOptions } from './options.js';
import type { StagingBuffers } from './staged.js';

/** Why a call stopped: the first reason wins (a failure, the timeout, the signal, close). */
export interface Failure {
  kind: PoolErrorKind;
  index?: number;
  cause?: unknown;
}

/**
 * One call's stopping: an AbortController for its tasks (piscina adds a listener per task),
 * fed by the caller's signal, its timeout and close({ force }). `fail` records a failure
 * without aborting (the tasks already running may finish); `stop` records and aborts;
 * the call's `onStop` runs once, on the first of either. `dispose` when the call is settled.
 */
export interface CallControl {
  readonly signal: AbortSignal;
  stop(kind: PoolErrorKind, cause?: unknown): void;
  fail(f: Failure): boolean;
  failure(): Failure | undefined;
  dispose(): void;
}

/** The calls of one pool. */
export class Calls {
  closed = false;
  /** tasks submitted and not yet settled, over all calls (bounded by threads + maxQueue) */
  pending = 0;
  /** the stop functions of the calls in flight (close({ force }) aborts them) */
  private readonly active = new Set<(kind: PoolErrorKind) => void>();
  /** every call not yet settled: a graceful close() lets them finish first */
  private readonly inflight = new Set<Promise<unknown>>();

  /** Starts `call`, tracked until it settles; once the pool is closed it is left untracked (it rejects on its own). */
  run<T>(call: () => Promise<T>): Promise<T> {
    const p = call();
    if (this.closed) return p;
    const settled: Promise<unknown> = p.then(
      (): void => void this.inflight.delete(settled),
      (): void => void this.inflight.delete(settled),
    );
    this.inflight.add(settled);
    return p;
  }

  /** Settles when every tracked call has. */
  settled(): Promise<unknown> {
    return Promise.allSettled([...this.inflight]);
  }

  /** close({ force }): every call in flight stops as 'closed'. */
  stopAll(): void {
    for (const stop of [...this.active]) stop('closed');
  }

  control(runOptions: RunOptions, tasks: number, onStop: () => void = () => {}): CallControl {
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
    const active = this.active;
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
}

/** What the modules running a pool's calls share. */
export interface PoolCore {
  readonly piscina: Piscina;
  readonly opts: ResolvedPoolOptions;
  readonly faultInjection: PoolOptions['faultInjection'];
  readonly calls: Calls;
  /** runEpochs' input staging buffers, reused from call to call */
  readonly staging: StagingBuffers;
}
