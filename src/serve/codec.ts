// The JSON work of a request, as plain functions: bytes -> EpochRequest (JSON.parse and the
// yuma-epoch/1 validation), and outputs -> reply text (epochOutputToJson). They run in the
// pool's workers, inside the one task that also runs the request's epochs (epoch-task.ts), or,
// with --parse-threads 0, on the main thread (service.ts). Left on the main thread, this would
// be most of a request's CPU there: parsing a document costs more than its epoch (the README's
// serve section has the numbers).
import { epochOutputToJson } from '../engine/io.js';
import { mechanismsOutputToJson } from '../engine/mechanisms/io.js';
import { isMechanismsOutput, type ServeOutput } from './mechanisms.js';
import {
  ServeError, oneLine, outputReply, parseJsonText, parseRequest, requestIdOf, toServeError,
  type EpochRequest, type ErrorCode, type RequestId,
} from './protocol.js';
import { checkJsonShape, type ShapeLimits } from './json-shape.js';

export type Expect = 'auto' | 'single' | 'batch';

/**
 * Heap bytes a worker may use per byte of --max-body. JSON.parse of a yuma-epoch/1 input
 * retains about 6 heap bytes per byte of text (measured: 5.3 at n=4096, 6.1 at n=1024 with
 * full rows), plus the text itself and the parser's working copies; hostile shapes within the
 * depth and length limits reach over 20 (`[[{},{},...]]`). Past the limit the worker is
 * stopped (and replaced) and the request gets too_large: one document can never take the
 * server's memory. (The epochs' WASM memory and typed arrays are outside this heap.)
 */
export const PARSE_HEAP_PER_BYTE = 10;
/** a worker's heap beyond PARSE_HEAP_PER_BYTE x --max-body: its code and small requests */
export const PARSE_HEAP_BASE_MB = 64;

/**
 * a worker's young generation, MiB: a small one is faster for the common 256-uid document and
 * slower for a 4096-uid one than Node's default (measured: bench/serve-heap.ab.ts)
 */
export const PARSE_YOUNG_MB = 16;

/** The old-generation heap limit of one worker that parses requests, MiB. */
export function parseHeapMb(maxBodyBytes: number): number {
  return PARSE_HEAP_BASE_MB + Math.ceil((PARSE_HEAP_PER_BYTE * maxBodyBytes) / 2 ** 20);
}

/** a decoded request, or the error reply's parts (errors cross threads as plain data) */
export type Decoded =
  | { ok: true; request: EpochRequest }
  | { ok: false; id: RequestId; code: ErrorCode; message: string; field: string };

export function decodeRequest(bytes: Uint8Array, expect: Expect, traceDefault: boolean, shape: ShapeLimits): Decoded {
  let id: RequestId = null;
  try {
    checkJsonShape(bytes, shape);
    const doc = parseJsonText(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'));
    id = requestIdOf(doc);
    return { ok: true, request: parseRequest(doc, expect, traceDefault) };
  } catch (err) {
    const e = toServeError(err);
    return { ok: false, id, code: e.code, message: e.message, field: e.field };
  }
}

export function decodedError(d: Extract<Decoded, { ok: false }>): ServeError {
  const e = new ServeError(d.code, d.message, d.field);
  e.requestId = d.id;
  return e;
}

/**
 * 'document': the output document itself (HTTP POST /v1/epoch: the exact `yuma epoch` text);
 * 'reply': {"id", "output"} or {"id", "outputs"} on one line (stdio, POST /v1/epochs).
 */
export type ReplyForm = 'document' | 'reply';

/** The output document's text: single- or multi-mechanism. */
const outputJson = (o: ServeOutput) => (isMechanismsOutput(o) ? mechanismsOutputToJson(o) : epochOutputToJson(o));

export function encodeReply(id: RequestId, batch: boolean, outputs: ServeOutput[], form: ReplyForm): string {
  if (form === 'document') return outputJson(outputs[0]!);
  return outputReply({ id, batch, inputs: [], trace: [] }, outputs.map((o) => oneLine(outputJson(o))));
}
