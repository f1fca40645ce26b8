// Checkpoints: the whole state of a run in one JSON file, written atomically (temp file,
// fsync, rename: io.ts writeFileAtomic). The file is
//   {"format":"yuma-checkpoint/2","run":"<16 hex>","sha256":"<hex>","state":<canonical JSON>}
// and the sha256 covers the exact bytes of the state. The run id is in the header (so the
// checkpoints of a directory can be told apart by reading a few bytes) and in the state (so
// the hash covers it); the two must agree. Reading checks the frame, the length and the hash
// BEFORE parsing, so a truncated or corrupted file is refused whole, with a clear error, and
// nothing is half-loaded.
import { createHash } from 'node:crypto';
import { readInputBytes, writeFileAtomic } from '../io.js';
import { InputError } from '../types.js';
import { canonicalJson } from './canonical.js';
import { CheckpointError } from './errors.js';

export const CHECKPOINT_FORMAT = 'yuma-checkpoint/2';
const HEAD = `{"format":"${CHECKPOINT_FORMAT}","run":"`;
const SHA = '","sha256":"';
const MID = '","state":';
const TAIL = '}\n';
/** a run id: 16 hex digits (simulate.ts runId) */
export const RUN_ID = /^[0-9a-f]{16}$/;
/** bytes up to the end of the hash: enough to read a checkpoint's run id and hash */
export const HEADER_BYTES = HEAD.length + 16 + SHA.length + 64 + MID.length;

/** The file text of a state; `state.run` is the run id the header repeats. */
export function checkpointText<S extends { run: string }>(state: S): string {
  const body = canonicalJson(state);
  const hash = createHash('sha256').update(body, 'utf8').digest('hex');
  return `${HEAD}${state.run}${SHA}${hash}${MID}${body}${TAIL}`;
}

export function writeCheckpoint<S extends { run: string }>(file: string, state: S): void {
  writeFileAtomic(file, checkpointText(state));
}

/**
 * The run id in a checkpoint's header (its first HEADER_BYTES), or why there is none. Reads
 * no further: it tells the checkpoints of a directory apart without loading them.
 */
export function checkpointRun(head: string): { run: string } | { why: string } {
  if (head.startsWith('{"format":"yuma-checkpoint/1"')) return { why: 'a yuma-checkpoint/1 file (an earlier build\'s, without a run id)' };
  if (!head.startsWith(HEAD)) return { why: `not a ${CHECKPOINT_FORMAT} file` };
  const run = head.slice(HEAD.length, HEAD.length + 16);
  if (!RUN_ID.test(run) || head.slice(HEAD.length + 16, HEAD.length + 16 + SHA.length) !== SHA) return { why: 'a corrupt header (no run id)' };
  return { run };
}

/** Parses checkpoint text; throws CheckpointError naming `file`. */
export function parseCheckpointText(text: string, file: string): unknown {
  if (text.length === 0) throw new CheckpointError('empty file: not a checkpoint (refused, nothing loaded)', file);
  const head = checkpointRun(text.slice(0, HEADER_BYTES));
  if ('why' in head) {
    const start = head.why.startsWith('not a') ? ` (it must start with ${JSON.stringify(HEAD)})` : '';
    throw new CheckpointError(`${head.why}${start}; refused, nothing loaded`, file);
  }
  const at = HEAD.length + 16 + SHA.length;
  const hash = text.slice(at, at + 64);
  if (!/^[0-9a-f]{64}$/.test(hash) || text.slice(at + 64, at + 64 + MID.length) !== MID) {
    throw new CheckpointError('corrupt header (no sha256); refused, nothing loaded', file);
  }
  if (!text.endsWith(TAIL)) {
    throw new CheckpointError('truncated: the file does not end where a checkpoint ends; refused, nothing loaded', file);
  }
  const body = text.slice(at + 64 + MID.length, text.length - TAIL.length);
  const got = createHash('sha256').update(body, 'utf8').digest('hex');
  if (got !== hash) {
    throw new CheckpointError(`corrupt: sha256 of the state is ${got.slice(0, 16)}..., the header says ${hash.slice(0, 16)}...; refused, nothing loaded`, file);
  }
  let state: unknown;
  try {
    state = JSON.parse(body) as unknown;
  } catch (e) {
    throw new CheckpointError(`corrupt state JSON (${e instanceof Error ? e.message : String(e)}); refused, nothing loaded`, file);
  }
  const inState = state !== null && typeof state === 'object' ? (state as { run?: unknown }).run : undefined;
  if (inState !== head.run) {
    throw new CheckpointError(`state.run: ${JSON.stringify(inState ?? null)} differs from the header's run ${head.run}; refused, nothing loaded`, file);
  }
  return state;
}

export function readCheckpoint(file: string): unknown {
  let text: string;
  try {
    text = readInputBytes(file).toString('utf8'); // bounded: at most MAX_INPUT_BYTES
  } catch (e) {
    if (e instanceof InputError) throw new CheckpointError(e.message.replace(/^cannot read: /, ''), file);
    const code = (e as NodeJS.ErrnoException).code;
    throw new CheckpointError(code === 'ENOENT' ? 'no such file' : `cannot read (${code ?? String(e)})`, file);
  }
  return parseCheckpointText(text, file);
}
