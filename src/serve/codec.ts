// The JSON side of `yuma serve` off the main thread: a small piscina pool of codec workers
// (dist/serve/codec-worker.js) parses and validates request bodies and writes reply text, so
// that the main thread only moves bytes (HTTP, stdio) and the epoch pool only runs epochs.
// Bytes go to a worker by transfer when the caller owns their whole buffer; the parsed typed
// arrays and the outputs cross by transfer too, the reply text by copy. With threads = 0
// everything runs inline on the main thread (the same functions, codec-core.ts).
import { Piscina } from 'piscina';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { missingBuildFile } from '../engine/build-files.js';
import type { ServeOutput } from './mechanisms.js';
import { ServeError, type EpochRequest, type RequestId } from './protocol.js';
import type { ShapeLimits } from './json-shape.js';
import { decodeRequest, decodedError, encodeReply, outputBuffers, type Decoded, type Expect, type ReplyForm } from './codec-core.js';
import type { CodecTask } from './codec-worker.js';

// from dist/serve/codec.js and from src/serve/codec.ts (vitest, tsx) alike: the built worker
const WORKER_URL = new URL('../../dist/serve/codec-worker.js', import.meta.url);

export interface CodecOptions {
  /** worker threads (0: everything inline on the main thread) */
  threads: number;
  /** the largest request body, bytes: sizes each worker's heap (PARSE_HEAP_PER_BYTE) */
  maxBodyBytes: number;
  /** the most tasks that may wait for a worker (the server admits no more requests than this) */
  maxQueue: number;
  /** what a request's JSON may hold before it is parsed (json-shape.ts) */
  shape: ShapeLimits;
}

/**
 * Heap bytes a codec worker may use per byte of --max-body. JSON.parse of a yuma-epoch/1
 * input retains about 6 heap bytes per byte of text (measured: 5.3 at n=4096, 6.1 at n=1024
 * with full rows), plus the text itself and the parser's working copies; hostile shapes
 * within the depth and length limits reach over 20 (`[[{},{},...]]`). Past the limit the
 * worker is stopped (and replaced) and the request gets too_large: one document can never
 * take the server's memory.
 */
export const PARSE_HEAP_PER_BYTE = 10;
/** a codec worker's heap beyond PARSE_HEAP_PER_BYTE x --max-body: its code and small requests */
export const PARSE_HEAP_BASE_MB = 64;

/** a codec worker's young generation, MiB (what a parse allocates survives: a small one costs no time) */
export const PARSE_YOUNG_MB = 16;

/** The old-generation heap limit of one codec worker, MiB. */
export function parseHeapMb(maxBodyBytes: number): number {
  return PARSE_HEAP_BASE_MB + Math.ceil((PARSE_HEAP_PER_BYTE * maxBodyBytes) / 2 ** 20);
}

export interface Codec {
  readonly threads: number;
  /**
   * bytes -> request; throws ServeError (bad_json, bad_request, bad_input, too_large, ...).
   * `signal` drops the task from the queue, or stops it, and throws the signal's reason.
   */
  decode(bytes: Uint8Array, expect: Expect, options?: { traceDefault?: boolean; signal?: AbortSignal }): Promise<EpochRequest>;
  /** outputs -> reply text (the outputs are handed over: do not use them after) */
  encode(id: RequestId, batch: boolean, outputs: ServeOutput[], form: ReplyForm): Promise<string>;
  close(): Promise<void>;
}

export function createCodec(options: CodecOptions): Codec {
  const { threads, shape } = options;
  if (threads === 0) {
    return {
      threads,
      async decode(bytes, expect, { traceDefault = false, signal } = {}) {
        signal?.throwIfAborted();
        const d = decodeRequest(bytes, expect, traceDefault, shape);
        if (!d.ok) throw decodedError(d);
        return d.request;
      },
      async encode(id, batch, outputs, form) {
        return encodeReply(id, batch, outputs, form);
      },
      async close() {},
    };
  }
  const filename = fileURLToPath(WORKER_URL);
  if (!existsSync(filename)) {
    throw missingBuildFile('yuma serve: the codec worker', filename);
  }
  let closing: Promise<void> | undefined;
  const heapMb = parseHeapMb(options.maxBodyBytes);
  const piscina = new Piscina({
    filename,
    minThreads: threads,
    maxThreads: threads,
    idleTimeout: Infinity,
    maxQueue: Math.max(1, options.maxQueue),
    resourceLimits: { maxOldGenerationSizeMb: heapMb, maxYoungGenerationSizeMb: PARSE_YOUNG_MB },
  });
  // a worker that dies while idle is replaced; without a listener the event would end the process
  piscina.on('error', () => {});
  /** a task's failure as the request's error: its signal's reason, or a worker out of memory */
  const failure = (err: unknown, signal: AbortSignal | undefined, what: string): unknown => {
    if (signal?.aborted) return signal.reason;
    if ((err as NodeJS.ErrnoException).code === 'ERR_WORKER_OUT_OF_MEMORY') {
      return new ServeError('too_large', `${what} needs more than the ${heapMb} MiB a codec worker may use (${PARSE_HEAP_PER_BYTE} x --max-body + ${PARSE_HEAP_BASE_MB} MiB)`);
    }
    return err;
  };
  return {
    threads,
    async decode(bytes, expect, { traceDefault = false, signal } = {}) {
      // transfer a buffer of its own: a view into a larger one (a stream chunk, Node's Buffer
      // pool) is copied first (new Uint8Array copies; Buffer#slice would not)
      const own = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && bytes.buffer instanceof ArrayBuffer ? bytes : new Uint8Array(bytes);
      const task: CodecTask = { kind: 'decode', bytes: own, expect, traceDefault, shape };
      let d: Decoded;
      try {
        d = (await piscina.run(task, { transferList: [own.buffer as ArrayBuffer], ...(signal ? { signal } : {}) })) as Decoded;
      } catch (err) {
        throw failure(err, signal, 'parsing this document');
      }
      if (!d.ok) throw decodedError(d);
      return d.request;
    },
    async encode(id, batch, outputs, form) {
      const task: CodecTask = { kind: 'encode', id, batch, outputs, form };
      try {
        return (await piscina.run(task, { transferList: outputBuffers(outputs) })) as string;
      } catch (err) {
        throw failure(err, undefined, 'writing this reply');
      }
    },
    close() {
      closing ??= piscina.close();
      return closing;
    },
  };
}
