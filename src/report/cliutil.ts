// Small helpers shared by `yuma profile|map|scenario`: option parsing with errors that name the
// option, and output files written atomically only once everything is computed.
import fs from 'node:fs';
import path from 'node:path';
import { writeFileAtomic } from '../engine/io.js';
import { InputError } from '../engine/types.js';

/** An integer option in [min, max] (the default when absent); InputError naming the option. */
export function intOption(text: string | undefined, option: string, min: number, max: number, dflt: number): number {
  if (text === undefined) return dflt;
  const x = Number(text);
  if (text.trim() === '' || !Number.isInteger(x) || x < min || x > max) {
    throw new InputError(`expected an integer ${min}..${max}, got ${JSON.stringify(text)}`, option);
  }
  return x;
}

/** A number option in [min, max]. */
export function numberOption(text: string | undefined, option: string, min: number, max: number, dflt: number): number {
  if (text === undefined) return dflt;
  const x = Number(text);
  if (text.trim() === '' || !Number.isFinite(x) || x < min || x > max) {
    throw new InputError(`expected a number in [${min}, ${max}], got ${JSON.stringify(text)}`, option);
  }
  return x;
}

const why = (e: unknown) => {
  const code = (e as NodeJS.ErrnoException).code;
  return code === 'ENOENT'
    ? 'no such directory'
    : code === 'EACCES' || code === 'EPERM'
      ? 'permission denied'
      : code === 'ENOTDIR'
        ? 'a parent is not a directory'
        : code === 'EISDIR'
          ? 'is a directory'
          : (e as Error).message;
};

/** Fails early (before a long run) when `file` cannot be written: its directory must exist. */
export function checkWritable(file: string, option: string): void {
  const dir = path.dirname(path.resolve(file));
  try {
    if (!fs.statSync(dir).isDirectory()) throw Object.assign(new Error('not a directory'), { code: 'ENOTDIR' });
    fs.accessSync(dir, fs.constants.W_OK);
  } catch (e) {
    throw new InputError(`cannot write ${file}: ${why(e)}`, option);
  }
  try {
    if (fs.statSync(file).isDirectory()) throw new InputError(`cannot write ${file}: it is a directory`, option);
  } catch (e) {
    if (e instanceof InputError) throw e;
  }
}

/**
 * Fails early when `dir` could not be created or written later: it is a writable directory, or
 * its nearest existing ancestor is. Nothing is created here (no output on bad input).
 */
export function checkDirCreatable(dir: string, option: string): void {
  let at = path.resolve(dir);
  try {
    for (;;) {
      if (fs.existsSync(at)) {
        if (!fs.statSync(at).isDirectory()) throw Object.assign(new Error('not a directory'), { code: 'ENOTDIR' });
        fs.accessSync(at, fs.constants.W_OK);
        return;
      }
      const up = path.dirname(at);
      if (up === at) throw Object.assign(new Error('no such directory'), { code: 'ENOENT' });
      at = up;
    }
  } catch (e) {
    throw new InputError(`cannot use ${dir} as the output directory: ${why(e)}`, option);
  }
}

/** `--report file` beside `--out dir`: its directory must exist, unless it is the out dir itself. */
export function checkReportPath(report: string, outDir: string): void {
  if (path.dirname(path.resolve(report)) === path.resolve(outDir)) return;
  checkWritable(report, '--report');
}

/** Creates the output directory (and parents) or fails naming the option. */
export function ensureDir(dir: string, option: string): void {
  try {
    fs.mkdirSync(dir, { recursive: true });
    if (!fs.statSync(dir).isDirectory()) throw Object.assign(new Error('not a directory'), { code: 'ENOTDIR' });
    fs.accessSync(dir, fs.constants.W_OK);
  } catch (e) {
    throw new InputError(`cannot use ${dir} as the output directory: ${why(e)}`, option);
  }
}

/** Writes every [file, data] atomically (each: temp file, fsync, rename). */
export function writeOutputs(files: readonly [string, string][]): void {
  for (const [file, data] of files) {
    try {
      writeFileAtomic(file, data);
    } catch (e) {
      throw new InputError(`cannot write: ${why(e)}`, '', file);
    }
  }
}
