// Reading and writing the engine's files. Every reader is bounded: a file, stdin, a device or
// a gzip stream stops at MAX_INPUT_BYTES (./limits.ts) and is refused, before anything is
// parsed. Every writer is atomic where that is possible (temp file, fsync, rename) and never
// replaces what is not a regular file.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { findDuplicateKey } from './json-check.js';
import { MAX_INPUT_BYTES, formatBytes } from './limits.js';
import { InputError } from './types.js';

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function cannotRead(e: unknown, name: string): InputError {
  const code = (e as NodeJS.ErrnoException).code;
  const why =
    code === 'ENOENT'
      ? 'no such file'
      : code === 'EISDIR'
        ? 'is a directory, not a file'
        : code === 'EACCES' || code === 'EPERM'
          ? 'permission denied'
          : code === 'ELOOP'
            ? 'a symlink loop'
            : code === 'ENOTDIR'
              ? 'a parent is not a directory'
              : errorText(e);
  return new InputError(`cannot read: ${why}`, '', name);
}

function tooLarge(name: string, limit: number, size: number | 'stream' | 'gunzip'): InputError {
  const max = formatBytes(limit) === `${limit} bytes` ? `${limit} bytes` : `${formatBytes(limit)} (${limit} bytes)`;
  return new InputError(
    size === 'stream'
      ? `too large: more than the maximum input size of ${max}; stopped reading there`
      : size === 'gunzip'
        ? `too large after gunzip: more than the maximum input size of ${max}; stopped inflating there`
        : `too large: ${size} bytes; the maximum input size is ${max}`,
    '',
    name,
  );
}

/** A synchronous pause for a non-blocking stdin that has nothing to read yet. */
function waitForInput(): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5);
}

/**
 * The bytes of a file (`-`: stdin), at most `limit`: a regular file larger than that is refused
 * by its size before reading; stdin, pipes and devices (`/dev/zero`) are read in chunks and
 * refused as soon as more than `limit` bytes arrive. Throws InputError naming the file.
 */
export function readInputBytes(file: string, limit = MAX_INPUT_BYTES): Buffer {
  const name = file === '-' ? '<stdin>' : file;
  let fd = 0;
  if (file !== '-') {
    try {
      fd = fs.openSync(file, 'r');
    } catch (e) {
      throw cannotRead(e, name);
    }
  }
  try {
    let st: fs.Stats;
    try {
      st = fs.fstatSync(fd);
    } catch (e) {
      throw cannotRead(e, name);
    }
    if (st.isDirectory()) throw new InputError('cannot read: is a directory, not a file', '', name);
    if (st.isFile() && st.size > limit) throw tooLarge(name, limit, st.size);
    // a regular file: its size and one more byte (to see the end); a stream: growing chunks
    let chunk = st.isFile() ? st.size + 1 : 1 << 16;
    const parts: Buffer[] = [];
    let total = 0;
    for (;;) {
      const want = Math.min(chunk, limit + 1 - total);
      const buf = Buffer.allocUnsafe(want);
      let got = 0;
      while (got < want) {
        let k: number;
        try {
          k = fs.readSync(fd, buf, got, want - got, null);
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code === 'EAGAIN') {
            waitForInput();
            continue;
          }
          throw cannotRead(e, name);
        }
        if (k === 0) break;
        got += k;
      }
      parts.push(got < want ? buf.subarray(0, got) : buf);
      total += got;
      if (total > limit) throw tooLarge(name, limit, 'stream');
      if (got < want) break; // the end
      chunk = Math.min(chunk * 2, 1 << 24);
    }
    return parts.length === 1 ? parts[0]! : Buffer.concat(parts, total);
  } finally {
    if (file !== '-') fs.closeSync(fd);
  }
}

/**
 * The document a file holds: its bytes (readInputBytes), inflated when they are gzip (magic
 * 1f 8b). The inflated size is bounded too: zlib inflates chunk by chunk, counts the bytes it
 * produced, and stops at `limit` (a gzip bomb is refused after `limit` bytes, not expanded).
 */
export function readDocumentBytes(file: string, limit = MAX_INPUT_BYTES): Buffer {
  const name = file === '-' ? '<stdin>' : file;
  const buf = readInputBytes(file, limit);
  if (buf.length < 2 || buf[0] !== 0x1f || buf[1] !== 0x8b) return buf;
  try {
    return gunzipSync(buf, { maxOutputLength: limit, chunkSize: 1 << 20 });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
      throw tooLarge(name, limit, 'gunzip');
    }
    throw new InputError(`cannot decompress (gzip): ${errorText(e)}`, '', name);
  }
}

/** 1-based line and column of a 0-based character offset. */
function lineColumn(text: string, pos: number): string {
  let line = 1;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < pos; i = text.indexOf('\n', i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return `line ${line}, column ${pos - lineStart + 1}`;
}

/**
 * Parses one JSON document given as UTF-8 bytes (a BOM is skipped): refused when larger than
 * `limit` (before parsing), when JSON.parse fails, or when an object repeats a key. Throws
 * InputError naming `name` (and the field of a repeated key).
 */
export function parseJsonBytes(bytes: Uint8Array, name: string, limit = MAX_INPUT_BYTES): unknown {
  if (bytes.length > limit) throw tooLarge(name, limit, bytes.length);
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const from = buf.length >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf ? 3 : 0;
  const text = buf.toString('utf8', from);
  let doc: unknown;
  try {
    doc = JSON.parse(text) as unknown;
  } catch (e) {
    // V8 may quote the source around the error: keep the message on one short line
    let msg = errorText(e).replace(/\r?\n/g, '\\n').replace(/\t/g, '\\t');
    if (msg.length > 200) msg = `${msg.slice(0, 197)}...`;
    const m = /at position (\d+)/.exec(msg);
    const where = m && !/line \d+/.test(msg) ? ` (${lineColumn(text, Number(m[1]))})` : '';
    throw new InputError(`invalid JSON: ${msg}${where}`, '', name);
  }
  const dup = findDuplicateKey(buf, from);
  if (dup) throw new InputError(`duplicate key ${JSON.stringify(dup.key)} (each key once per object)`, dup.field, name);
  return doc;
}

/**
 * Reads and parses a JSON file (synchronously); gzip content is inflated first; `-` reads
 * stdin; at most MAX_INPUT_BYTES before and after inflating. A missing, unreadable or
 * oversize file, bad gzip, a JSON syntax error or a repeated key throws InputError naming
 * the file.
 */
export function readJsonFile(file: string, limit = MAX_INPUT_BYTES): unknown {
  return parseJsonBytes(readDocumentBytes(file, limit), file === '-' ? '<stdin>' : file, limit);
}

// ---------------------------------------------------------------------------------------
// writing

/** An error with an errno-like code, as fs throws them. */
function fsError(code: string, message: string): NodeJS.ErrnoException {
  return Object.assign(new Error(message), { code });
}

/**
 * Writes `data` to `file`. A new path or a regular file is written atomically: a temp file in
 * the same directory (named with the pid and random bytes; the old file's mode kept), fsync,
 * rename over it; on any error the temp file is removed and the error rethrown. A symlink is
 * followed: its target is replaced that way and the link stays (a dangling link is refused,
 * ENOENT). A character device (`/dev/null`) or a FIFO is written through, never replaced. A
 * directory (EISDIR), socket or block device (ENOTSUP) is refused.
 */
export function writeFileAtomic(file: string, data: string | Uint8Array): void {
  let target = file;
  let st = fs.lstatSync(file, { throwIfNoEntry: false });
  if (st?.isSymbolicLink()) {
    target = fs.realpathSync(file);
    st = fs.statSync(target);
  }
  if (st?.isCharacterDevice() || st?.isFIFO()) {
    fs.writeFileSync(target, data);
    return;
  }
  if (st?.isDirectory()) throw fsError('EISDIR', `EISDIR: is a directory, cannot write '${file}'`);
  if (st && !st.isFile()) throw fsError('ENOTSUP', `not a regular file, character device or FIFO: '${file}'`);

  const dir = path.dirname(target);
  const tmp = path.join(dir, `.${path.basename(target)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  let fd: number | undefined;
  try {
    fd = fs.openSync(tmp, 'wx', st ? st.mode & 0o7777 : 0o666);
    fs.writeFileSync(fd, data);
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fd = undefined;
    fs.renameSync(tmp, target);
  } catch (e) {
    if (fd !== undefined) {
      try {
        fs.closeSync(fd);
      } catch {
        // already failing; the original error matters
      }
    }
    try {
      fs.unlinkSync(tmp);
    } catch {
      // never created, or already gone
    }
    throw e;
  }
  // best effort: make the rename itself durable (not possible on every platform)
  try {
    const dfd = fs.openSync(dir, 'r');
    try {
      fs.fsyncSync(dfd);
    } finally {
      fs.closeSync(dfd);
    }
  } catch {
    // ignore
  }
}
