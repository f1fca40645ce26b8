// The request/response protocol of `yuma serve`, shared by the stdio and HTTP modes.
//
// A request is a JSON document:
//   - one epoch: a yuma-epoch/1 input document (kind "input"), which may also carry
//     "id" (a string, a number or null: echoed in the reply) and "trace" (a boolean: include
//     the raw I32F32 intermediate vectors, as `yuma epoch --trace`);
//   - a batch: {"id"?, "trace"?, "epochs": [input, ...]}: every epoch runs on the pool, the
//     outputs come back in input order, all or nothing. An element's own boolean "trace"
//     overrides the batch's.
// A reply is a JSON document:
//   - one epoch:  {"id": ..., "output": <the yuma-epoch/1 output document>}
//                 (HTTP POST /v1/epoch answers the output document itself)
//   - a batch:    {"id": ..., "outputs": [<output document>, ...]}
//   - an error:   {"id": ..., "error": {"code": "...", "message": "...", "field": "..."}}
//                 `field` is the JSON path of the offending value ("" when there is none),
//                 prefixed "epochs[i]." inside a batch; `id` is null when it could not be read.
// A multi-mechanism document (top-level "mechanisms", docs/spec/mechanisms.md) is accepted
// wherever an input is: its mechanisms run as one pool epoch each, its output is the
// mechanismsOutputToJson text. The output documents are the exact text of epochOutputToJson (the golden layout); on a
// JSON-lines channel their newlines (whitespace between tokens only) are removed.
import { parseEpochInput } from '../engine/io.js';
import { InputError, UnsupportedProfileError, FORMAT } from '../engine/types.js';
import { isMechanismsDocument, parseMechanismsInput } from '../engine/mechanisms/io.js';
import type { ServeInput } from './mechanisms.js';

/** Every error code a reply can carry, with its HTTP status. */
export const ERROR_STATUS = Object.freeze({
  /** the request is not JSON */
  bad_json: 400,
  /** JSON, but not a request: not an object, a bad id/trace, epochs not an array, a batch sent as one epoch... */
  bad_request: 400,
  /** a yuma-epoch/1 input that fails validation (the field names the value) */
  bad_input: 400,
  /** a Commune (or other non-Bittensor) document: serve runs the Bittensor profile only */
  unsupported_profile: 400,
  /** the body (HTTP) or line (stdio) is over the size limit */
  too_large: 413,
  /** a batch with more epochs than the server can ever hold at once (threads + queue) */
  batch_too_large: 413,
  /** the bearer token is missing or wrong */
  unauthorized: 401,
  not_found: 404,
  method_not_allowed: 405,
  /** a Content-Encoding other than identity or gzip */
  unsupported_encoding: 415,
  /** the bounded queue is full: retry later (HTTP: Retry-After) */
  queue_full: 503,
  /** the server is shutting down and takes no new work */
  shutting_down: 503,
  /** the request did not finish within the per-request timeout */
  timeout: 504,
  /** an epoch failed in its worker (the cause is in the message) */
  epoch_failed: 500,
  /** a bug: the message says what happened */
  internal: 500,
});

export type ErrorCode = keyof typeof ERROR_STATUS;

/** A request that gets an error reply. */
export class ServeError extends Error {
  /** the request's id, when the error was raised where the id is known (decoding) */
  requestId: RequestId | undefined;
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly field: string = '',
  ) {
    super(message);
    this.name = 'ServeError';
  }
  get status(): number {
    return ERROR_STATUS[this.code];
  }
}

/** A request of `count` epochs where the server never holds more than `capacity` at once. */
export function batchTooLarge(count: number, capacity: number): ServeError {
  return new ServeError('batch_too_large', `a batch of ${count} epochs is more than this server ever holds at once (${capacity}); split it`, 'epochs');
}

/** A request id: echoed as given. */
export type RequestId = string | number | null;

export interface EpochRequest {
  id: RequestId;
  /** a batch ({"epochs": [...]}) or one epoch */
  batch: boolean;
  /** one per document: a single-mechanism input, or a multi-mechanism one (docs/spec/mechanisms.md) */
  inputs: ServeInput[];
  /** per input */
  trace: boolean[];
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The id of a request document, when it has a readable one (for error replies). */
export function requestIdOf(doc: unknown): RequestId {
  if (!isObject(doc)) return null;
  const id = doc['id'];
  return typeof id === 'string' || (typeof id === 'number' && Number.isFinite(id)) ? id : null;
}

function readId(doc: Record<string, unknown>): RequestId {
  const id = doc['id'];
  if (id === undefined || id === null) return null;
  if (typeof id === 'string' || (typeof id === 'number' && Number.isFinite(id))) return id;
  throw new ServeError('bad_request', 'expected the request id to be a string, a number or null', 'id');
}

function readTrace(doc: Record<string, unknown>, field: string, fallback: boolean): boolean {
  const t = doc['trace'];
  if (t === undefined) return fallback;
  if (typeof t !== 'boolean') throw new ServeError('bad_request', 'expected trace to be true or false', field);
  return t;
}

/** InputError -> ServeError, the field prefixed (inside a batch). */
function inputFailure(err: unknown, prefix: string): ServeError {
  if (err instanceof InputError) {
    const field = err.field === '' ? prefix.replace(/\.$/, '') : `${prefix}${err.field}`;
    if (err instanceof UnsupportedProfileError) {
      return new ServeError(
        'unsupported_profile',
        `${err.message}; serve runs Bittensor epochs on its worker pool only: run Commune documents with \`yuma epoch\` or the library's runCommuneEpoch`,
        field,
      );
    }
    return new ServeError('bad_input', err.message, field);
  }
  return new ServeError('internal', `validating the input failed: ${err instanceof Error ? err.message : String(err)}`, prefix.replace(/\.$/, ''));
}

function parseOne(doc: unknown, prefix: string): ServeInput {
  try {
    return isMechanismsDocument(doc) ? parseMechanismsInput(doc) : parseEpochInput(doc);
  } catch (err) {
    throw inputFailure(err, prefix);
  }
}

/**
 * A parsed JSON document -> the request it is. `expect` restricts the shape (HTTP routes);
 * 'auto' (stdio) reads an object with "epochs" as a batch, anything else as one epoch.
 * `traceDefault` is the trace where neither the epoch nor the batch says. Throws ServeError.
 */
export function parseRequest(doc: unknown, expect: 'auto' | 'single' | 'batch' = 'auto', traceDefault = false): EpochRequest {
  if (!isObject(doc)) {
    throw new ServeError('bad_request', `expected a JSON object (a ${FORMAT} input document, or {"epochs": [...]}), got ${describe(doc)}`);
  }
  const id = readId(doc);
  const batch = expect === 'batch' || (expect === 'auto' && 'epochs' in doc);
  if (!batch) {
    if ('epochs' in doc) {
      throw new ServeError('bad_request', 'a batch ({"epochs": [...]}) goes to POST /v1/epochs', 'epochs');
    }
    const trace = readTrace(doc, 'trace', traceDefault);
    return { id, batch: false, inputs: [parseOne(doc, '')], trace: [trace] };
  }
  const epochs = doc['epochs'];
  if (!Array.isArray(epochs)) {
    throw new ServeError(
      'bad_request',
      expect === 'batch' && epochs === undefined && doc['format'] === FORMAT
        ? 'expected {"epochs": [...]}, got one input document (one epoch goes to POST /v1/epoch)'
        : `expected "epochs" to be an array of ${FORMAT} input documents, got ${describe(epochs)}`,
      'epochs',
    );
  }
  const batchTrace = readTrace(doc, 'trace', traceDefault);
  const inputs: ServeInput[] = new Array(epochs.length);
  const trace: boolean[] = new Array(epochs.length);
  for (let i = 0; i < epochs.length; i++) {
    const e = epochs[i];
    const prefix = `epochs[${i}].`;
    inputs[i] = parseOne(e, prefix);
    trace[i] = isObject(e) ? readTrace(e, `epochs[${i}].trace`, batchTrace) : batchTrace;
  }
  return { id, batch: true, inputs, trace };
}

function describe(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return `a ${typeof v}`;
}

/** JSON.parse with the error as a ServeError (one short line, with the position). */
export function parseJsonText(text: string): unknown {
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    let msg = (e instanceof Error ? e.message : String(e)).replace(/\r?\n/g, '\\n').replace(/\t/g, '\\t');
    if (msg.length > 200) msg = `${msg.slice(0, 197)}...`;
    throw new ServeError('bad_json', `invalid JSON: ${msg}`);
  }
}

/** Any thrown value -> a ServeError (unknown ones are internal errors). */
export function toServeError(err: unknown): ServeError {
  if (err instanceof ServeError) return err;
  if (err instanceof InputError) return inputFailure(err, '');
  return new ServeError('internal', err instanceof Error ? err.message : String(err));
}

const idText = (id: RequestId) => JSON.stringify(id);

/** The error reply, one line, no newline at the end. */
export function errorReply(id: RequestId, err: ServeError): string {
  return `{"id":${idText(id)},"error":${JSON.stringify({ code: err.code, message: err.message, field: err.field })}}`;
}

/** An output document (epochOutputToJson text) on one line: its newlines are whitespace only. */
export function oneLine(json: string): string {
  return json.replace(/\n/g, '');
}

/** The success reply to `req`, given the output documents' text (one line each). */
export function outputReply(req: EpochRequest, outputs: string[]): string {
  if (!req.batch) return `{"id":${idText(req.id)},"output":${outputs[0]}}`;
  return `{"id":${idText(req.id)},"outputs":[${outputs.join(',')}]}`;
}
