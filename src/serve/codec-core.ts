// The JSON work of a request, as plain functions: bytes -> EpochRequest (JSON.parse and the
// yuma-epoch/1 validation), and outputs -> reply text (epochOutputToJson). They run in the
// codec workers (codec-worker.ts) or, with --parse-threads 0, on the main thread (codec.ts).
// Left on the main thread, this would be most of a request's CPU there: parsing a document
// costs more than its epoch (the README's serve section has the numbers).
import { epochOutputToJson } from '../engine/io.js';
import { mechanismsOutputToJson } from '../engine/mechanisms/io.js';
import {
  isMechanismsInput, isMechanismsOutput, mechanismsInputViews, mechanismsOutputViews, type ServeOutput,
} from './mechanisms.js';
import {
  ServeError, oneLine, outputReply, parseJsonText, parseRequest, requestIdOf, toServeError,
  type EpochRequest, type ErrorCode, type RequestId,
} from './protocol.js';
import { checkJsonShape, type ShapeLimits } from './json-shape.js';

export type Expect = 'auto' | 'single' | 'batch';

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

/** The buffers a set of typed arrays owns outright (whole, unshared): safe to transfer. */
export function ownedBuffers(views: Iterable<ArrayBufferView | null | undefined>): ArrayBuffer[] {
  const seen = new Set<ArrayBuffer>();
  for (const v of views) {
    if (!v) continue;
    const b = v.buffer;
    if (b instanceof ArrayBuffer && v.byteOffset === 0 && v.byteLength === b.byteLength) seen.add(b);
  }
  return [...seen];
}

export function requestBuffers(req: EpochRequest): ArrayBuffer[] {
  return ownedBuffers(
    req.inputs.flatMap((i) => isMechanismsInput(i) ? mechanismsInputViews(i) : [
      ...Object.values(i.neurons),
      i.weights.rowPtr, i.weights.col, i.weights.val,
      i.bonds.rowPtr, i.bonds.col, i.bonds.val,
    ]),
  );
}

export function outputBuffers(outputs: ServeOutput[]): ArrayBuffer[] {
  return ownedBuffers(
    outputs.flatMap((o) => isMechanismsOutput(o) ? mechanismsOutputViews(o) : [
      ...Object.values(o.neurons),
      o.bonds.rowPtr, o.bonds.col, o.bonds.val,
      ...(o.trace ? Object.values(o.trace) : []),
    ]),
  );
}
