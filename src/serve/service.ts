// The epoch service behind both modes of `yuma serve`: one warm worker pool, admission of
// requests at arrival (a bounded number of requests and of their bytes, before a body is read),
// a bounded number of epochs in flight, a per-request timeout from arrival, cancellation, and
// metrics.
//
// A request's epochs run as one pool call (pool.runEpochs: the pool cuts it into a few tasks
// per worker), outputs in input order, all or nothing; the per-request timeout and a
// cancellation (client gone, forced shutdown) abort it through one signal.
import { createPool, PoolError, type Pool } from '../pool/index.js';
import type { EpochOutput } from '../engine/types.js';
import { Metrics } from './metrics.js';
import { createCodec, type Codec } from './codec.js';
import { INPUT_MAX_LENGTH, REQUEST_MAX_DEPTH } from './json-shape.js';
import { ServeError, type EpochRequest } from './protocol.js';
import { epochCount, expandMechanisms, type ServeInput, type ServeOutput } from './mechanisms.js';

export interface ServiceOptions {
  /** worker threads (default: the machine's parallelism) */
  threads?: number;
  /** epochs that may wait for a worker beyond the `threads` running (default 64) */
  maxQueue?: number;
  /** ms a request may take from its arrival to its reply (default 60000) */
  timeoutMs?: number;
  /** the largest request body (HTTP) or line (stdio), bytes (default 64 MiB) */
  maxBodyBytes?: number;
  /** request bytes held at once: bodies admitted and not yet answered (default 4 x maxBodyBytes) */
  maxBufferedBytes?: number;
  /** codec workers for JSON parsing/validation and reply text (default: threads; 0: the main thread) */
  parseThreads?: number;
  mode: 'stdio' | 'http';
}

export const SERVE_DEFAULTS = Object.freeze({ maxQueue: 64, timeoutMs: 60_000, maxBodyBytes: 64 * 2 ** 20, bufferedPerBody: 4 });

const FAILED = Symbol('failed');

/**
 * A request admitted at its arrival: it holds one of the server's `capacity` request places
 * and `bytes` of its byte budget until release(), and carries the request's deadline.
 */
export interface Admission {
  readonly bytes: number;
  /** aborts at the deadline (reason: ServeError 'timeout'), on abort(), or on a forced shutdown */
  readonly signal: AbortSignal;
  abort(reason: unknown): void;
  /** gives the place and the bytes back (once; later calls do nothing) */
  release(): void;
}

export class Service {
  readonly pool: Pool;
  readonly codec: Codec;
  readonly metrics: Metrics;
  readonly threads: number;
  /** the most epochs in flight at once: threads + maxQueue */
  readonly capacity: number;
  readonly timeoutMs: number;
  readonly maxBodyBytes: number;
  readonly maxBufferedBytes: number;
  /** requests admitted and not released, and their bytes */
  private admittedRequests = 0;
  private admittedBytes = 0;
  private closing = false;
  /** requests admitted and not settled (graceful shutdown waits for them) */
  private readonly running = new Set<Promise<unknown>>();

  constructor(options: ServiceOptions) {
    const maxQueue = options.maxQueue ?? SERVE_DEFAULTS.maxQueue;
    this.timeoutMs = options.timeoutMs ?? SERVE_DEFAULTS.timeoutMs;
    this.maxBodyBytes = options.maxBodyBytes ?? SERVE_DEFAULTS.maxBodyBytes;
    this.maxBufferedBytes = options.maxBufferedBytes ?? SERVE_DEFAULTS.bufferedPerBody * this.maxBodyBytes;
    if (this.maxBufferedBytes < this.maxBodyBytes) throw new RangeError('maxBufferedBytes must be at least maxBodyBytes');
    this.pool = createPool(options.threads === undefined ? {} : { threads: options.threads });
    this.threads = this.pool.options.threads;
    this.capacity = this.threads + maxQueue;
    this.codec = createCodec({
      threads: options.parseThreads ?? this.threads,
      maxBodyBytes: this.maxBodyBytes,
      // each admitted request has at most one codec task at a time
      maxQueue: this.capacity,
      // a batch may list up to `capacity` epochs
      shape: { maxDepth: REQUEST_MAX_DEPTH, maxLength: Math.max(INPUT_MAX_LENGTH, this.capacity) },
    });
    this.metrics = new Metrics(options.mode, this.threads, this.capacity, () => this.pool.workers);
    this.metrics.admitted = () => ({ requests: this.admittedRequests, bytes: this.admittedBytes, maxBytes: this.maxBufferedBytes });
  }

  /** starts every worker and runs one small epoch on each (so the first request is warm) */
  async warmup(): Promise<void> {
    await this.pool.warmup();
  }

  get isClosing(): boolean {
    return this.closing;
  }

  /** epochs in flight now (running or waiting for a worker) */
  get inFlight(): number {
    return this.metrics.epochsPending;
  }

  /** requests admitted and not answered, and the bytes they hold */
  get admitted(): { requests: number; bytes: number } {
    return { requests: this.admittedRequests, bytes: this.admittedBytes };
  }

  /** whether a request of `bytes` would be admitted now */
  admits(bytes: number): boolean {
    return this.admittedRequests < this.capacity && this.admittedBytes + bytes <= this.maxBufferedBytes;
  }

  /**
   * Admits a request at its arrival, before its body is read: at most `capacity` requests and
   * `maxBufferedBytes` bytes at once (HTTP reserves the declared Content-Length, or max-body
   * when the length is unknown or the body gzip). Throws ServeError 'queue_full' (or
   * 'shutting_down') unless `force` (stdio: it reads no further while full instead, and admits
   * the line it has read). The deadline (timeoutMs) starts now.
   */
  admit(bytes: number, options: { force?: boolean } = {}): Admission {
    if (this.closing && !options.force) throw new ServeError('shutting_down', 'the server is shutting down; no new requests');
    if (!options.force && !this.admits(bytes)) {
      throw new ServeError(
        'queue_full',
        this.admittedRequests >= this.capacity
          ? `queue full: ${this.admittedRequests} requests in progress (capacity ${this.capacity}); retry later`
          : `queue full: ${this.admittedBytes} request bytes held, ${bytes} more do not fit in ${this.maxBufferedBytes}; retry later`,
      );
    }
    this.admittedRequests++;
    this.admittedBytes += bytes;
    const controller = new AbortController();
    const timer = setTimeout(
      () =>
        controller.abort(
          new ServeError('timeout', `the request did not finish within ${this.timeoutMs} ms of its arrival; nothing was returned`),
        ),
      this.timeoutMs,
    );
    let released = false;
    return {
      bytes,
      signal: controller.signal,
      abort: (reason) => controller.abort(reason),
      release: () => {
        if (released) return;
        released = true;
        clearTimeout(timer);
        this.admittedRequests--;
        this.admittedBytes -= bytes;
      },
    };
  }

  /** whether `count` more epochs fit now */
  fits(count: number): boolean {
    return this.metrics.epochsPending + count <= this.capacity;
  }

  /**
   * Seconds a refused client should wait: the queue ahead of it over the worker count, times
   * the recent median epoch time, rounded up, at least 1.
   */
  retryAfterSeconds(): number {
    const p50 = this.metrics.medianEpochSeconds() ?? 0.05;
    return Math.max(1, Math.ceil((this.metrics.epochsPending / this.threads) * p50));
  }

  /**
   * Runs a request's epochs; outputs in input order. Throws ServeError: 'queue_full' when
   * `admit` is 'refuse' and they do not fit (stdio waits instead: it reads no further while
   * full), 'batch_too_large', 'shutting_down', 'epoch_failed', or the signal's reason (a
   * ServeError: 'timeout' at the admission's deadline). `signal` cancels (the deadline, a
   * client gone): the pool stops the request's epochs.
   */
  run(req: EpochRequest, options: { signal?: AbortSignal; admit: 'refuse' | 'always' }): Promise<ServeOutput[]> {
    // a multi-mechanism document is one epoch per mechanism
    const count = epochCount(req.inputs);
    if (this.closing) throw new ServeError('shutting_down', 'the server is shutting down; no new requests');
    if (count > this.capacity && options.admit === 'refuse') {
      throw new ServeError(
        'batch_too_large',
        `a batch of ${count} epochs is more than this server ever holds at once (${this.capacity} = threads ${this.threads} + queue ${this.capacity - this.threads}); split it`,
        'epochs',
      );
    }
    if (options.admit === 'refuse' && !this.fits(count)) {
      throw new ServeError(
        'queue_full',
        `queue full: ${this.metrics.epochsPending} epochs in flight, ${count} more do not fit in ${this.capacity}; retry later`,
      );
    }
    const p = this.runNow(req.inputs, req.trace, options.signal);
    const settled: Promise<unknown> = p.then(
      () => void this.running.delete(settled),
      () => void this.running.delete(settled),
    );
    this.running.add(settled);
    return p;
  }

  private async runNow(docs: ServeInput[], docTrace: boolean[], signal: AbortSignal | undefined): Promise<ServeOutput[]> {
    // one pool epoch per mechanism of a multi-mechanism document, folded back at the end
    const expanded = expandMechanisms(docs, docTrace);
    const { inputs, trace } = expanded;
    const count = inputs.length;
    if (count === 0) return [];
    signal?.throwIfAborted();
    // one pool call per trace setting (almost always one): all or nothing across them
    const groups = trace.every((t) => t === trace[0])
      ? [inputs.map((_, i) => i)]
      : [true, false].map((t) => inputs.map((_, i) => i).filter((i) => trace[i] === t));
    const controller = new AbortController();
    const onAbort = () => controller.abort(signal!.reason);
    signal?.addEventListener('abort', onAbort, { once: true });
    const t0 = performance.now();
    const outputs: EpochOutput[] = new Array(count);
    let firstError: unknown;
    /** the request index of the epoch that failed (a PoolError of kind 'failed') */
    let failedAt = -1;
    this.metrics.inFlight(count);
    try {
      await Promise.all(
        groups.map(async (g) => {
          try {
            const outs = await this.pool.runEpochs(g.map((i) => inputs[i]!), { signal: controller.signal, trace: trace[g[0]!] === true });
            g.forEach((i, k) => (outputs[i] = outs[k]!));
          } catch (err) {
            // the first failure stops the other group too
            if (firstError === undefined) {
              firstError = err;
              if (err instanceof PoolError && err.kind === 'failed') failedAt = g[err.index ?? 0] ?? 0;
            }
            if (!controller.signal.aborted) controller.abort(FAILED);
          } finally {
            this.metrics.inFlight(-g.length);
          }
        }),
      );
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
    // epoch latency: a request's pool time (queue wait included) per epoch of it
    const perEpoch = (performance.now() - t0) / 1000 / count;
    if (firstError === undefined) {
      for (let i = 0; i < count; i++) this.metrics.epoch(perEpoch, 'ok');
      return expanded.fold(outputs);
    }
    const reason: unknown = controller.signal.reason;
    const err = firstError;
    for (let i = 0; i < count; i++) this.metrics.epoch(perEpoch, outputs[i] !== undefined ? 'ok' : i === failedAt ? 'failed' : 'cancelled');
    if (failedAt >= 0) {
      const why = (err as Error).message.replace(/; nothing was returned$/, '');
      throw new ServeError('epoch_failed', `the epoch failed: ${why}`, docs.length > 1 ? `epochs[${expanded.doc[failedAt]}]` : '');
    }
    if (err instanceof PoolError && err.kind === 'closed') {
      throw new ServeError('shutting_down', 'the server shut down before the request finished');
    }
    if (reason instanceof ServeError) throw reason;
    throw new ServeError('internal', `the request failed: ${err instanceof Error ? err.message : String(err)}`);
  }

  /**
   * Graceful: refuse new requests, let the admitted ones finish (each within its timeout),
   * then end the workers. `force`: abort what runs (its requests fail) and end the workers now.
   */
  async close(options: { force?: boolean } = {}): Promise<void> {
    this.closing = true;
    if (options.force) {
      await Promise.all([this.pool.close({ force: true }), this.codec.close()]);
      return;
    }
    await Promise.allSettled([...this.running]);
    await Promise.all([this.pool.close(), this.codec.close()]);
  }
}
