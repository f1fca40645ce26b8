// The epoch service behind both modes of `yuma serve`: one warm worker pool, admission of
// requests at arrival (a bounded number of requests and of their bytes, before a body is read),
// a per-request timeout from arrival, cancellation, and metrics.
//
// A request is ONE pool task (epoch-task.ts): its body's bytes go to a worker, which parses
// them, runs the request's epochs one after another and writes the reply, whose bytes come
// back; the per-request timeout and a cancellation (client gone, forced shutdown) stop it.
// With the JSON on the main thread (--parse-threads 0), the request is parsed and its reply
// written here, and its epochs run as one pool call (pool.runEpochs: a few tasks per worker).
import { createPool, PoolError, type Pool } from '../pool/index.js';
import { runTask } from '../pool/tasks.js';
import type { EpochOutput } from '../engine/types.js';
import { Metrics } from './metrics.js';
import { PARSE_HEAP_BASE_MB, PARSE_HEAP_PER_BYTE, PARSE_YOUNG_MB, decodeRequest, decodedError, encodeReply, parseHeapMb, type Expect, type ReplyForm } from './codec.js';
import { DOC, DONE, EPOCHS, EPOCH_TASK, newProgress, progressId, type EpochTaskData, type EpochTaskResult } from './epoch-task.js';
import { INPUT_MAX_LENGTH, REQUEST_MAX_DEPTH, type ShapeLimits } from './json-shape.js';
import { ServeError, batchTooLarge, type EpochRequest } from './protocol.js';
import { epochCount, expandMechanisms, type ServeInput, type ServeOutput } from './mechanisms.js';
import { Places } from './places.js';

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
  /**
   * JSON parsing, validation and reply text on the main thread (--parse-threads 0), epochs on
   * the pool; default false: all of a request in one pool task, the workers' heap bounded
   * (PARSE_HEAP_PER_BYTE x maxBodyBytes)
   */
  parseOnMainThread?: boolean;
  mode: 'stdio' | 'http';
}

export const SERVE_DEFAULTS = Object.freeze({ maxQueue: 64, timeoutMs: 60_000, maxBodyBytes: 64 * 2 ** 20, bufferedPerBody: 4 });

const FAILED = Symbol('failed');

export interface ReplyOptions {
  expect: Expect;
  /** the trace where neither the epoch nor the batch says (HTTP ?trace=true) */
  traceDefault?: boolean;
  /** cancels the request (its deadline, a client gone, a forced shutdown) */
  signal?: AbortSignal;
  /** 'refuse': a batch of more than `capacity` epochs is batch_too_large (HTTP); 'always' (stdio) */
  admit: 'refuse' | 'always';
  form: ReplyForm;
  newline: boolean;
}

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
  readonly metrics: Metrics;
  readonly parseOnMainThread: boolean;
  /** a worker's old-generation heap limit, MiB (undefined: Node's default, with parseOnMainThread) */
  readonly workerHeapMb: number | undefined;
  /** what a request's JSON may hold before it is parsed (json-shape.ts) */
  private readonly shape: ShapeLimits;
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
  /**
   * requests on the pool: a task's progress (its epochs known once its worker has parsed it),
   * or, with the JSON on the main thread, a count of epochs
   */
  private readonly flights = new Set<Int32Array | { epochs: number }>();
  /** requests' tasks on the pool: at most `threads`, the others wait in arrival order (places.ts) */
  private readonly places: Places;

  constructor(options: ServiceOptions) {
    const maxQueue = options.maxQueue ?? SERVE_DEFAULTS.maxQueue;
    this.timeoutMs = options.timeoutMs ?? SERVE_DEFAULTS.timeoutMs;
    this.maxBodyBytes = options.maxBodyBytes ?? SERVE_DEFAULTS.maxBodyBytes;
    this.maxBufferedBytes = options.maxBufferedBytes ?? SERVE_DEFAULTS.bufferedPerBody * this.maxBodyBytes;
    if (this.maxBufferedBytes < this.maxBodyBytes) throw new RangeError('maxBufferedBytes must be at least maxBodyBytes');
    this.parseOnMainThread = options.parseOnMainThread ?? false;
    this.workerHeapMb = this.parseOnMainThread ? undefined : parseHeapMb(this.maxBodyBytes);
    this.pool = createPool({
      ...(options.threads === undefined ? {} : { threads: options.threads }),
      // every worker, a replacement too (a stopped request ends its worker), parses at once
      ...(this.workerHeapMb === undefined ? {} : { heapLimits: { oldMb: this.workerHeapMb, youngMb: PARSE_YOUNG_MB }, preload: [EPOCH_TASK] }),
    });
    this.threads = this.pool.options.threads;
    this.places = new Places(this.threads);
    this.capacity = this.threads + maxQueue;
    // a batch may list up to `capacity` epochs
    this.shape = { maxDepth: REQUEST_MAX_DEPTH, maxLength: Math.max(INPUT_MAX_LENGTH, this.capacity) };
    this.metrics = new Metrics(options.mode, this.threads, this.capacity, () => this.pool.workers);
    this.metrics.admitted = () => ({ requests: this.admittedRequests, bytes: this.admittedBytes, maxBytes: this.maxBufferedBytes });
    this.metrics.pendingEpochs = () => this.epochsPending();
  }

  /** epochs on the pool, running or waiting: a request not yet parsed counts one */
  private epochsPending(): number {
    let sum = 0;
    for (const f of this.flights) {
      if (!(f instanceof Int32Array)) sum += f.epochs;
      else {
        const epochs = Atomics.load(f, EPOCHS);
        sum += epochs === 0 ? 1 : epochs - Atomics.load(f, DONE);
      }
    }
    return sum;
  }

  /** starts every worker and runs one small epoch on each (so the first request is warm) */
  async warmup(): Promise<void> {
    await this.pool.warmup();
  }

  get isClosing(): boolean {
    return this.closing;
  }

  /** epochs in flight now (running or waiting for a worker; a request not yet parsed counts one) */
  get inFlight(): number {
    return this.epochsPending();
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
    return this.epochsPending() + count <= this.capacity;
  }

  /**
   * Seconds a refused client should wait: the queue ahead of it over the worker count, times
   * the recent median epoch time, rounded up, at least 1.
   */
  retryAfterSeconds(): number {
    const p50 = this.metrics.medianEpochSeconds() ?? 0.05;
    return Math.max(1, Math.ceil((this.epochsPending() / this.threads) * p50));
  }

  /**
   * A request's body -> its reply, the bytes to write (a string with the JSON on the main
   * thread): parsed, validated, run and written in ONE pool task (epoch-task.ts). `expect`
   * restricts the shape (HTTP routes); `form`: the output document itself or the {"id", ...}
   * reply; `newline`: end it with "\n". Throws ServeError, with the request's id once it was
   * read: a decoding error (bad_json, bad_request, bad_input, ...), 'batch_too_large' (more
   * epochs than `capacity`, when `admit` is 'refuse'), 'too_large' (a worker out of heap),
   * 'shutting_down', 'epoch_failed', or the signal's reason (a ServeError: 'timeout' at the
   * admission's deadline). `signal` cancels: its task is dropped from the queue, or stopped.
   */
  reply(bytes: Uint8Array, options: ReplyOptions): Promise<Uint8Array | string> {
    if (this.closing) return Promise.reject(new ServeError('shutting_down', 'the server is shutting down; no new requests'));
    const p = this.parseOnMainThread ? this.replyHere(bytes, options) : this.replyInWorker(bytes, options);
    const settled: Promise<unknown> = p.then(
      () => void this.running.delete(settled),
      () => void this.running.delete(settled),
    );
    this.running.add(settled);
    return p;
  }

  private async replyInWorker(bytes: Uint8Array, { expect, traceDefault = false, signal, admit, form, newline }: ReplyOptions): Promise<Uint8Array> {
    signal?.throwIfAborted();
    // transfer a buffer of its own: a view into a larger one (a stream chunk, Node's Buffer
    // pool) is copied first (new Uint8Array copies; Buffer#slice would not)
    const own = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && bytes.buffer instanceof ArrayBuffer ? bytes : new Uint8Array(bytes);
    const progress = newProgress();
    const data: EpochTaskData = {
      bytes: own, expect, traceDefault, shape: this.shape, form, newline, progress,
      maxEpochs: admit === 'refuse' ? this.capacity : Infinity,
    };
    this.flights.add(progress);
    // one task on one worker: busy workers are min(tasks, threads)
    this.metrics.inFlight(1);
    const t0 = performance.now();
    let result: EpochTaskResult | undefined;
    let error: unknown;
    try {
      await this.places.take(signal);
      try {
        result = await runTask(this.pool, EPOCH_TASK, data, { transfer: [own.buffer as ArrayBuffer], about: 'a request', ...(signal ? { signal } : {}) });
      } finally {
        this.places.give();
      }
    } catch (err) {
      error = err;
    } finally {
      this.flights.delete(progress);
      this.metrics.inFlight(-1);
    }
    // epoch latency: a request's pool time (queue wait, parse and reply included) per epoch of it
    const epochs = Atomics.load(progress, EPOCHS);
    const done = Atomics.load(progress, DONE);
    const perEpoch = (performance.now() - t0) / 1000 / Math.max(1, epochs);
    /** the epochs' results: those run ok, then the one that failed (if any), the rest cancelled */
    const count = (failed: boolean) => {
      for (let k = 0; k < epochs; k++) this.metrics.epoch(perEpoch, k < done ? 'ok' : k === done && failed ? 'failed' : 'cancelled');
    };
    if (result?.ok) {
      count(false);
      return result.reply;
    }
    if (result) {
      count(true);
      throw decodedError(result);
    }
    /** the error with the id the worker read (a copy: a signal's reason may be shared) */
    const withId = (e: ServeError) => {
      const copy = new ServeError(e.code, e.message, e.field);
      copy.requestId = progressId(progress);
      return copy;
    };
    if (signal?.aborted) {
      count(false);
      const reason: unknown = signal.reason;
      throw reason instanceof ServeError ? withId(reason) : reason;
    }
    count(true);
    if (error instanceof PoolError && error.kind === 'closed') {
      throw withId(new ServeError('shutting_down', 'the server shut down before the request finished'));
    }
    const cause = error instanceof Error ? error.cause : undefined;
    if ((cause as NodeJS.ErrnoException | undefined)?.code === 'ERR_WORKER_OUT_OF_MEMORY') {
      const what = epochs === 0 ? 'parsing this document' : 'this request';
      throw withId(new ServeError('too_large', `${what} needs more than the ${this.workerHeapMb} MiB a worker may use (${PARSE_HEAP_PER_BYTE} x --max-body + ${PARSE_HEAP_BASE_MB} MiB)`));
    }
    if (epochs > 0) {
      const doc = Atomics.load(progress, DOC);
      const why = error instanceof PoolError ? String(error.message).replace(/^serve\.epoch: a request: /, '') : String(error);
      throw withId(new ServeError('epoch_failed', `the epoch failed: ${why}`, doc >= 0 ? `epochs[${doc}]` : ''));
    }
    throw withId(new ServeError('internal', `the request failed: ${error instanceof Error ? error.message : String(error)}`));
  }

  /** --parse-threads 0: parsed and written on the main thread, the epochs on the pool */
  private async replyHere(bytes: Uint8Array, { expect, traceDefault = false, signal, admit, form, newline }: ReplyOptions): Promise<string> {
    signal?.throwIfAborted();
    const d = decodeRequest(bytes, expect, traceDefault, this.shape);
    if (!d.ok) throw decodedError(d);
    const req = d.request;
    try {
      const text = encodeReply(req.id, req.batch, await this.run(req, { admit, ...(signal ? { signal } : {}) }), form);
      return newline ? `${text}\n` : text;
    } catch (err) {
      if (err instanceof ServeError) err.requestId ??= req.id;
      throw err;
    }
  }

  /**
   * Runs a request's epochs on the pool (the JSON on the main thread); outputs in input order.
   * Throws ServeError: 'queue_full' when `admit` is 'refuse' and they do not fit (stdio waits
   * instead: it reads no further while full), 'batch_too_large', 'shutting_down',
   * 'epoch_failed', or the signal's reason.
   */
  private run(req: EpochRequest, options: { signal?: AbortSignal; admit: 'refuse' | 'always' }): Promise<ServeOutput[]> {
    // a multi-mechanism document is one epoch per mechanism
    const count = epochCount(req.inputs);
    if (count > this.capacity && options.admit === 'refuse') throw batchTooLarge(count, this.capacity);
    if (options.admit === 'refuse' && !this.fits(count)) {
      throw new ServeError(
        'queue_full',
        `queue full: ${this.epochsPending()} epochs in flight, ${count} more do not fit in ${this.capacity}; retry later`,
      );
    }
    return this.runNow(req.inputs, req.trace, options.signal);
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
    const flight = { epochs: count };
    this.flights.add(flight);
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
      this.flights.delete(flight);
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
      await this.pool.close({ force: true });
      return;
    }
    await Promise.allSettled([...this.running]);
    await this.pool.close();
  }
}
