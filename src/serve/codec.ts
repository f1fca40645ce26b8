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
import type { EpochOutput } from '../engine/types.js';
import type { EpochRequest, RequestId } from './protocol.js';
import { decodeRequest, decodedError, encodeReply, outputBuffers, type Decoded, type Expect, type ReplyForm } from './codec-core.js';
import type { CodecTask } from './codec-worker.js';

// from dist/serve/codec.js and from src/serve/codec.ts (vitest, tsx) alike: the built worker
const WORKER_URL = new URL('../../dist/serve/codec-worker.js', import.meta.url);

export interface Codec {
  readonly threads: number;
  /** bytes -> request; throws ServeError (bad_json, bad_request, bad_input, ...) */
  decode(bytes: Uint8Array, expect: Expect, traceDefault?: boolean): Promise<EpochRequest>;
  /** outputs -> reply text (the outputs are handed over: do not use them after) */
  encode(id: RequestId, batch: boolean, outputs: EpochOutput[], form: ReplyForm): Promise<string>;
  close(): Promise<void>;
}

export function createCodec(threads: number): Codec {
  if (threads === 0) {
    return {
      threads,
      async decode(bytes, expect, traceDefault = false) {
        const d = decodeRequest(bytes, expect, traceDefault);
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
  const piscina = new Piscina({ filename, minThreads: threads, maxThreads: threads, idleTimeout: Infinity });
  // a worker that dies while idle is replaced; without a listener the event would end the process
  piscina.on('error', () => {});
  return {
    threads,
    async decode(bytes, expect, traceDefault = false) {
      // transfer a buffer of its own: a view into a larger one (a stream chunk, Node's Buffer
      // pool) is copied first (new Uint8Array copies; Buffer#slice would not)
      const own = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && bytes.buffer instanceof ArrayBuffer ? bytes : new Uint8Array(bytes);
      const task: CodecTask = { kind: 'decode', bytes: own, expect, traceDefault };
      const d = (await piscina.run(task, { transferList: [own.buffer as ArrayBuffer] })) as Decoded;
      if (!d.ok) throw decodedError(d);
      return d.request;
    },
    async encode(id, batch, outputs, form) {
      const task: CodecTask = { kind: 'encode', id, batch, outputs, form };
      return (await piscina.run(task, { transferList: outputBuffers(outputs) })) as string;
    },
    close() {
      closing ??= piscina.close();
      return closing;
    },
  };
}
