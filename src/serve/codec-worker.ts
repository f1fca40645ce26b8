// A codec worker of `yuma serve` (piscina loads the BUILT file, dist/serve/codec-worker.js):
// request bytes -> validated EpochRequest (its typed arrays handed back by transfer), and
// epoch outputs -> reply text. No WASM here: the epochs run on the project's pool.
import { movable } from '../pool/movable.js';
import type { ServeOutput } from './mechanisms.js';
import type { RequestId } from './protocol.js';
import type { ShapeLimits } from './json-shape.js';
import { decodeRequest, encodeReply, requestBuffers, type Decoded, type Expect, type ReplyForm } from './codec-core.js';

export type CodecTask =
  | { kind: 'decode'; bytes: Uint8Array; expect: Expect; traceDefault: boolean; shape: ShapeLimits }
  | { kind: 'encode'; id: RequestId; batch: boolean; outputs: ServeOutput[]; form: ReplyForm };

export default function codec(task: CodecTask): Decoded | string {
  if (task.kind === 'encode') return encodeReply(task.id, task.batch, task.outputs, task.form);
  const d = decodeRequest(task.bytes, task.expect, task.traceDefault, task.shape);
  return d.ok ? movable(d, requestBuffers(d.request)) : d;
}
