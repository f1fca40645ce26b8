// A codec worker of `yuma serve` (piscina loads the BUILT file, dist/serve/codec-worker.js):
// request bytes -> validated EpochRequest (its typed arrays handed back by transfer), and
// epoch outputs -> reply text. No WASM here: the epochs run on the project's pool.
import { move, transferableSymbol, valueSymbol } from 'piscina';
import type { EpochOutput } from '../engine/types.js';
import type { RequestId } from './protocol.js';
import { decodeRequest, encodeReply, requestBuffers, type Decoded, type Expect, type ReplyForm } from './codec-core.js';

export type CodecTask =
  | { kind: 'decode'; bytes: Uint8Array; expect: Expect; traceDefault: boolean }
  | { kind: 'encode'; id: RequestId; batch: boolean; outputs: EpochOutput[]; form: ReplyForm };

/** A piscina Transferable: the reply is the value, `buffers` its transfer list. */
function movable<T extends object>(value: T, buffers: ArrayBuffer[]): T {
  return move({
    get [transferableSymbol]() {
      return buffers;
    },
    get [valueSymbol]() {
      return value;
    },
  } as never) as unknown as T;
}

export default function codec(task: CodecTask): Decoded | string {
  if (task.kind === 'encode') return encodeReply(task.id, task.batch, task.outputs, task.form);
  const d = decodeRequest(task.bytes, task.expect, task.traceDefault);
  return d.ok ? movable(d, requestBuffers(d.request)) : d;
}
