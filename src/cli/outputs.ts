// The `yuma` commands' output paths: checked before the work (one line naming the path and
// what is wrong, exit 2), and the files written atomically only once everything is computed.
import fs from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../engine/io.js';
import { InputError } from '../engine/types.js';

/** Pseudo filesystems (statfs f_type): no place for output files; mkdir can loop under /proc. */
const PSEUDO_FS: ReadonlyMap<number, string> = new Map([
  [0x9fa0, 'proc'],
  [0x62656572, 'sysfs'],
  [0x27e0eb, 'cgroup'],
  [0x63677270, 'cgroup2'],
  [0x64626720, 'debugfs'],
  [0x74726163, 'tracefs'],
  [0x73636673, 'securityfs'],
  [0x1cd1, 'devpts'],
  [0x62656570, 'configfs'],
  [0xcafe4a11, 'bpf'],
  [0x6165676c, 'pstore'],
  [0xde5e81e4, 'efivarfs'],
]);

/** Thrown inside the checks below; becomes the InputError's reason. */
class Why extends Error {}

/** One short reason for an fs error (`at` names the path it concerns when not the output itself). */
function why(e: unknown, at = ''): string {
  if (e instanceof Why) return e.message;
  const code = (e as NodeJS.ErrnoException).code;
  const of = at === '' ? '' : ` (${at})`;
  switch (code) {
    case 'ENOENT':
      return `no such directory${of}`;
    case 'EACCES':
    case 'EPERM':
    case 'EROFS':
      return `permission denied${of}`;
    case 'ENOTDIR':
      return 'a parent is not a directory';
    case 'EISDIR':
      return 'is a directory';
    case 'ELOOP':
      return 'a symlink loop';
    case 'ENOSPC':
      return 'no space left on the device';
    default:
      return (e as Error).message;
  }
}

/** fs.statSync, undefined for a path that does not exist (or has a file as a parent). */
function statOrNone(p: string): fs.Stats | undefined {
  try {
    return fs.statSync(p, { throwIfNoEntry: false });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOTDIR') return undefined;
    throw e;
  }
}

/** `dir` is a writable directory on a real filesystem, else Why. */
function checkDirectory(dir: string): void {
  const st = statOrNone(dir);
  if (!st) throw new Why(`no such directory: ${dir}`);
  if (!st.isDirectory()) throw new Why(`${dir} is not a directory`);
  const kind = PSEUDO_FS.get(Number(fs.statfsSync(dir).type));
  if (kind !== undefined) throw new Why(`${dir} is on a ${kind} filesystem, not a real one (no place for files)`);
  try {
    fs.accessSync(dir, fs.constants.W_OK);
  } catch {
    throw new Why(`permission denied: ${dir} is not writable`);
  }
}

/**
 * Fails early (before a long run) when `file` cannot be an output file: it is a new path or a
 * regular file in a writable directory on a real filesystem (replaced atomically), a symlink
 * to one (its target is replaced), or a character device or FIFO (written through). With
 * `createParent`, a missing parent is fine when it could be created.
 */
export function checkOutputFile(file: string, option: string, createParent = false): void {
  try {
    let target = path.resolve(file);
    let st = fs.lstatSync(target, { throwIfNoEntry: false });
    if (st?.isSymbolicLink()) {
      try {
        target = fs.realpathSync(target);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        throw new Why(code === 'ENOENT' ? 'a symlink to a missing file (a dangling link is not followed)' : why(e));
      }
      st = fs.statSync(target);
    }
    if (st?.isDirectory()) throw new Why('is a directory');
    if (st?.isCharacterDevice() || st?.isFIFO()) {
      try {
        fs.accessSync(target, fs.constants.W_OK);
      } catch {
        throw new Why('permission denied');
      }
      return;
    }
    if (st && !st.isFile()) throw new Why('not a regular file, character device or FIFO');
    const dir = path.dirname(target);
    if (createParent) checkDirCreatable(dir, option);
    else checkDirectory(dir);
  } catch (e) {
    if (e instanceof InputError) throw e;
    throw new InputError(`cannot write ${file}: ${why(e)}`, option);
  }
}

/**
 * Fails early when `dir` could not be created or written later: it is a writable directory on
 * a real filesystem, or its nearest existing ancestor is. Nothing is created here (no output
 * on bad input).
 */
export function checkDirCreatable(dir: string, option: string): void {
  try {
    let at = path.resolve(dir);
    for (;;) {
      const st = statOrNone(at);
      if (st) {
        if (!st.isDirectory()) {
          throw new Why(at === path.resolve(dir) ? 'it is a file, not a directory' : `a parent is not a directory (${at})`);
        }
        checkDirectory(at);
        return;
      }
      const up = path.dirname(at);
      if (up === at) throw new Why('no such directory');
      at = up;
    }
  } catch (e) {
    throw new InputError(`cannot use ${dir} as the output directory: ${why(e)}`, option);
  }
}

/** `--report file` beside `--out dir`: its directory must exist, unless it is the out dir itself. */
export function checkReportPath(report: string, outDir: string): void {
  if (path.dirname(path.resolve(report)) === path.resolve(outDir)) {
    checkOutputFile(report, '--report', true);
    return;
  }
  checkOutputFile(report, '--report');
}

/** Creates the output directory (and parents) or fails naming the option. */
export function ensureDir(dir: string, option: string): void {
  checkDirCreatable(dir, option);
  try {
    fs.mkdirSync(dir, { recursive: true });
    checkDirectory(dir);
  } catch (e) {
    throw new InputError(`cannot use ${dir} as the output directory: ${why(e)}`, option);
  }
}

/**
 * Writes every [file, data] (each atomically: temp file, fsync, rename; a device or FIFO is
 * written through). A failure names the file, and leaves no temp file.
 */
export function writeOutputs(files: readonly [string, string][]): void {
  for (const [file, data] of files) {
    try {
      writeFileAtomic(file, data);
    } catch (e) {
      throw new InputError(`cannot write: ${why(e, path.dirname(file))}`, '', file);
    }
  }
}
