// A request of `yuma serve` as ONE pool task (the pool's task registry, pool/tasks.ts): the
// body's bytes go to a worker by transfer, the worker parses and validates them (codec.ts),
// runs the request's epochs on its own kernels one after another, writes the reply, and the
// reply's bytes come back by transfer. Each request crosses between threads once each way;
// nothing of it is cloned.
import { InputError, type EpochOutput } from '../engine/types.js';
import { runEpoch } from '../engine/epoch.js';
import type { Kernels } from '../engine/kernels.js';
import { defineTask } from '../pool/tasks.js';
import { decodeRequest, encodeReply, type Decoded, type Expect, type ReplyForm } from './codec.js';
import { epochCount, expandMechanisms } from './mechanisms.js';
import { ServeError, batchTooLarge, toServeError, type RequestId } from './protocol.js';
import type { ShapeLimits } from './json-shape.js';

/** progress[EPOCHS]: the request's epochs once decoded (0 before) */
export const EPOCHS = 0;
/** progress[DONE]: its epochs run so far */
export const DONE = 1;
/** progress[DOC]: the document (batch index) of the epoch running now; -1 outside a batch */
export const DOC = 2;
/** progress[ID_BYTES]: the length of the request id's JSON in the progress buffer's id area (0: none yet, or too long) */
export const ID_BYTES = 3;
/** where the id area starts, bytes into the progress buffer, and its size */
export const ID_AT = 16;
export const ID_MAX = 1024;

/**
 * A request's progress, shared with its worker: 4 Int32 (EPOCHS, DONE, DOC, ID_BYTES), then the
 * request id's JSON (ID_MAX bytes at most), so that a request stopped mid-run (its timeout, a
 * worker that died) is still answered with its id.
 */
export function newProgress(): Int32Array {
  return new Int32Array(new SharedArrayBuffer(ID_AT + ID_MAX), 0, 4);
}

/** The id the worker wrote into `progress`, or null. */
export function progressId(progress: Int32Array): RequestId {
  const len = Atomics.load(progress, ID_BYTES);
  if (len === 0) return null;
  // copied out: TextDecoder does not read shared memory
  const json = new TextDecoder().decode(new Uint8Array(progress.buffer, ID_AT, len).slice());
  return JSON.parse(json) as RequestId;
}

function writeId(progress: Int32Array, id: RequestId): void {
  if (id === null) return;
  const json = JSON.stringify(id);
  const { read, written } = encoder.encodeInto(json, new Uint8Array(progress.buffer, ID_AT, ID_MAX));
  // only a whole id (encodeInto stops short of what does not fit)
  if (read === json.length) Atomics.store(progress, ID_BYTES, written);
}

export interface EpochTaskData {
  /** the request body (its buffer transferred: detached on the main thread) */
  bytes: Uint8Array;
  expect: Expect;
  /** the trace where neither the epoch nor the batch says (?trace=true) */
  traceDefault: boolean;
  shape: ShapeLimits;
  form: ReplyForm;
  /** end the reply with "\n" */
  newline: boolean;
  /** the most epochs one request may hold: more is batch_too_large (the server's capacity) */
  maxEpochs: number;
  /** newProgress(): the main thread reads it for its metrics, and when the task is stopped */
  progress: Int32Array;
}

/** The reply's bytes, or the error reply's parts (errors cross threads as plain data). */
export type EpochTaskResult = { ok: true; reply: Uint8Array } | Extract<Decoded, { ok: false }>;

const encoder = new TextEncoder();

const failure = (id: RequestId, e: ServeError): EpochTaskResult => ({ ok: false, id, code: e.code, message: e.message, field: e.field });

export function runEpochTask(data: EpochTaskData, kernels: Kernels): EpochTaskResult {
  const d = decodeRequest(data.bytes, data.expect, data.traceDefault, data.shape);
  if (!d.ok) return d;
  const req = d.request;
  const { progress } = data;
  writeId(progress, req.id);
  const count = epochCount(req.inputs);
  if (count > data.maxEpochs) {
    return failure(req.id, batchTooLarge(count, data.maxEpochs));
  }
  // a multi-mechanism document is one epoch per mechanism, folded back at the end
  const { inputs, trace, doc, fold } = expandMechanisms(req.inputs, req.trace);
  Atomics.store(progress, EPOCHS, count);
  const outputs: EpochOutput[] = [];
  for (let j = 0; j < inputs.length; j++) {
    Atomics.store(progress, DOC, req.batch ? doc[j]! : -1);
    const at = req.batch ? `epochs[${doc[j]}]` : '';
    try {
      outputs.push(runEpoch(inputs[j]!, { kernels, trace: trace[j]! }));
    } catch (err) {
      if (err instanceof InputError) {
        const e = toServeError(err);
        return failure(req.id, new ServeError(e.code, e.message, at && e.field ? `${at}.${e.field}` : at || e.field));
      }
      const what = count > 1 ? `subnet netuid ${inputs[j]!.netuid} (epoch ${j + 1} of ${count})` : `subnet netuid ${inputs[j]!.netuid}`;
      return failure(req.id, new ServeError('epoch_failed', `the epoch failed: ${what}: ${err instanceof Error ? err.message : String(err)}`, at));
    }
    Atomics.store(progress, DONE, j + 1);
  }
  const text = encodeReply(req.id, req.batch, fold(outputs), data.form);
  return { ok: true, reply: encoder.encode(data.newline ? `${text}\n` : text) };
}

/** The task kind: defined here, on the main thread and in every worker that runs one. */
export const EPOCH_TASK = defineTask<EpochTaskData, EpochTaskResult>(
  'serve.epoch', 'serve/epoch-task.js',
  (data, { kernels }) => runEpochTask(data, kernels),
  // a fresh encoder output owns its buffer
  (r) => (r.ok && r.reply.byteOffset === 0 && r.reply.byteLength === r.reply.buffer.byteLength ? [r.reply.buffer as ArrayBuffer] : []),
);
