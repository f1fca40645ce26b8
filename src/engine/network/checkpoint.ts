// Checkpoints: the whole state of a run in one JSON file, written atomically (temp file,
// fsync, rename: io.ts writeFileAtomic). The file is
//   {"format":"yuma-checkpoint/1","sha256":"<hex>","state":<canonical JSON>}
// and the sha256 covers the exact bytes of the state. Reading checks the frame, the length
// and the hash BEFORE parsing, so a truncated or corrupted file is refused whole, with a
// clear error, and nothing is half-loaded.
import { createHash } from 'node:crypto';
import { readInputBytes, writeFileAtomic } from '../io.js';
import { InputError } from '../types.js';
import { canonicalJson } from './canonical.js';
import { CheckpointError } from './errors.js';

export const CHECKPOINT_FORMAT = 'yuma-checkpoint/1';
const HEAD = `{"format":"${CHECKPOINT_FORMAT}","sha256":"`;
const MID = '","state":';
const TAIL = '}\n';

export function checkpointText(state: unknown): string {
  const body = canonicalJson(state);
  const hash = createHash('sha256').update(body, 'utf8').digest('hex');
  return `${HEAD}${hash}${MID}${body}${TAIL}`;
}

export function writeCheckpoint(file: string, state: unknown): void {
  writeFileAtomic(file, checkpointText(state));
}

/** Parses checkpoint text; throws CheckpointError naming `file`. */
export function parseCheckpointText(text: string, file: string): unknown {
  if (text.length === 0) throw new CheckpointError('empty file: not a checkpoint (refused, nothing loaded)', file);
  if (!text.startsWith(HEAD)) {
    throw new CheckpointError(`not a ${CHECKPOINT_FORMAT} file (it must start with ${JSON.stringify(HEAD)}); refused, nothing loaded`, file);
  }
  const hash = text.slice(HEAD.length, HEAD.length + 64);
  if (!/^[0-9a-f]{64}$/.test(hash) || text.slice(HEAD.length + 64, HEAD.length + 64 + MID.length) !== MID) {
    throw new CheckpointError('corrupt header (no sha256); refused, nothing loaded', file);
  }
  if (!text.endsWith(TAIL)) {
    throw new CheckpointError('truncated: the file does not end where a checkpoint ends; refused, nothing loaded', file);
  }
  const body = text.slice(HEAD.length + 64 + MID.length, text.length - TAIL.length);
  const got = createHash('sha256').update(body, 'utf8').digest('hex');
  if (got !== hash) {
    throw new CheckpointError(`corrupt: sha256 of the state is ${got.slice(0, 16)}..., the header says ${hash.slice(0, 16)}...; refused, nothing loaded`, file);
  }
  try {
    return JSON.parse(body) as unknown;
  } catch (e) {
    throw new CheckpointError(`corrupt state JSON (${e instanceof Error ? e.message : String(e)}); refused, nothing loaded`, file);
  }
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
