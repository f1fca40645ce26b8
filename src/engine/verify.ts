// Golden-vector verification: every NAME.input.json[.gz] beside its NAME.expected.json[.gz],
// and every kind "sequence" file, run through the engine and compared field by field.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { parseEpochInput, parseEpochOutput, parseSequence, readJsonFile } from './io.js';
import { runEpoch, type EpochOptions } from './epoch.js';
import { carryInput } from './sequence.js';
import { compareOutputs, describeMismatch } from './compare.js';
import { InputError, UnsupportedProfileError, type EpochOutput } from './types.js';
import { checkCommunePair, isCommuneDocument } from './commune/index.js';
import { isMechanismsDocument, isMechanismsSequence } from './mechanisms/io.js';
import { checkMechanismsPair, checkMechanismsSequence } from './mechanisms/verify.js';

export interface GoldenCase {
  name: string;
  kind: 'pair' | 'sequence';
  /** the input (pair) or the sequence file */
  file: string;
  /** the expected output (pair only) */
  expectedFile?: string;
  /** set when the case could not even be read: why (the case fails with it) */
  error?: string;
}

export type CaseStatus = 'passed' | 'failed' | 'unsupported';

export interface CaseResult {
  case: GoldenCase;
  status: CaseStatus;
  /** epochs run (a sequence has many) */
  epochs: number;
  /** why it failed or is unsupported: one line */
  detail?: string;
  ms: number;
}

const INPUT = /^(.*)\.input\.json(\.gz)?$/;

/**
 * Every golden case under the given files or directories (recursively), in path order. What
 * cannot be searched or read becomes a case of its own that fails with the reason (`error`):
 * an unreadable directory, a symlink loop (of links, or a link back to a directory above),
 * a `.json` file that cannot be read or parsed (or is dangling). A `.json` file that parses
 * but is not a sequence (nor an input or expected file) is not a case.
 */
export function findCases(paths: readonly string[]): GoldenCase[] {
  const out: GoldenCase[] = [];
  const seenDirs = new Set<string>();
  const broken = (p: string, error: string) => out.push({ name: p, kind: 'sequence', file: p, error });
  const visit = (p: string, top: boolean) => {
    let st;
    try {
      st = statSync(p, { throwIfNoEntry: false });
    } catch (e) {
      return broken(p, `cannot read: ${fsReason(e)}`);
    }
    if (!st) {
      if (top) throw new InputError('no such file or directory', '', p);
      if (/\.json(\.gz)?$/.test(p)) broken(p, 'cannot read: a dangling symlink');
      return;
    }
    if (st.isDirectory()) {
      const id = `${st.dev}:${st.ino}`;
      if (seenDirs.has(id)) return broken(p, 'a symlink loop: a link back to a directory above it');
      seenDirs.add(id);
      let entries: string[];
      try {
        entries = readdirSync(p).sort();
      } catch (e) {
        return broken(p, `cannot read the directory: ${fsReason(e)}`);
      }
      for (const e of entries) visit(join(p, e), false);
      seenDirs.delete(id);
      return;
    }
    const name = basename(p);
    const m = INPUT.exec(name);
    if (m) {
      const dir = p.slice(0, p.length - name.length);
      const expected = [`${m[1]}.expected.json`, `${m[1]}.expected.json.gz`].map((f) => join(dir, f)).find(existsSync);
      out.push({ name: p.replace(INPUT, '$1'), kind: 'pair', file: p, ...(expected ? { expectedFile: expected } : {}) });
    } else if (/\.json(\.gz)?$/.test(name) && !/\.expected\.json(\.gz)?$/.test(name)) {
      const kind = sequenceKind(p);
      if (kind === true) out.push({ name: p.replace(/\.json(\.gz)?$/, ''), kind: 'sequence', file: p });
      else if (kind !== false) broken(p.replace(/\.json(\.gz)?$/, ''), kind);
    }
  };
  for (const p of paths) visit(p, true);
  return out;
}

function fsReason(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  return code === 'ELOOP' ? 'a symlink loop' : code === 'EACCES' ? 'permission denied' : (e as Error).message;
}

/** true: a sequence file; false: some other JSON document; a string: why it cannot be read. */
function sequenceKind(file: string): boolean | string {
  try {
    const doc = readJsonFile(file) as { kind?: unknown };
    return doc !== null && typeof doc === 'object' && doc.kind === 'sequence';
  } catch (e) {
    return e instanceof InputError ? e.describe() : `internal error: ${(e as Error).message}`;
  }
}

/** Runs one case; never throws (bad, unreadable or unsupported input becomes the result). */
export function runCase(c: GoldenCase, options: EpochOptions = {}): CaseResult {
  const t0 = performance.now();
  const done = (status: CaseStatus, epochs: number, detail?: string): CaseResult => ({
    case: c, status, epochs, ms: performance.now() - t0, ...(detail ? { detail } : {}),
  });
  if (c.error !== undefined) return done('failed', 0, c.error);
  try {
    if (c.kind === 'pair') {
      if (!c.expectedFile) return done('failed', 0, `no expected output beside ${c.file}`);
      const inputJson = readJsonFile(c.file);
      if (isCommuneDocument(inputJson)) {
        // a `profile: "commune"` pair runs the Commune pipeline (src/engine/commune)
        const kernels = options.kernels ? { kernels: options.kernels } : {};
        const m = checkCommunePair(inputJson, readJsonFile(c.expectedFile), c.file, c.expectedFile, kernels);
        return m ? done('failed', 1, describeMismatch(m)) : done('passed', 1);
      }
      if (isMechanismsDocument(inputJson)) {
        // several incentive mechanisms (src/engine/mechanisms)
        const m = checkMechanismsPair(inputJson, readJsonFile(c.expectedFile), c.file, c.expectedFile, options);
        return m ? done('failed', 1, describeMismatch(m)) : done('passed', 1);
      }
      const input = parseEpochInput(inputJson, c.file);
      const expected = parseEpochOutput(readJsonFile(c.expectedFile), c.expectedFile);
      const got = runEpoch(input, { ...options, trace: expected.trace !== undefined });
      const m = compareOutputs(expected, got);
      return m ? done('failed', 1, describeMismatch(m)) : done('passed', 1);
    }
    const seqJson = readJsonFile(c.file);
    if (isMechanismsSequence(seqJson)) {
      const r = checkMechanismsSequence(seqJson, c.file, options);
      return r.failure ? done('failed', r.epochs, r.failure) : done('passed', r.epochs);
    }
    const seq = parseSequence(seqJson, c.file);
    let prev: EpochOutput | undefined;
    for (let k = 0; k < seq.epochs.length; k++) {
      const e = seq.epochs[k]!;
      const input = k === 0 || !prev ? e.input : carryInput(e.input, e.registered, seq.epochs[k - 1]!.input, prev);
      const got = runEpoch(input, { ...options, trace: e.expected.trace !== undefined });
      const m = compareOutputs(e.expected, got);
      if (m) return done('failed', k + 1, `epoch ${e.epoch}: ${describeMismatch(m)}`);
      prev = got;
    }
    return done('passed', seq.epochs.length);
  } catch (err) {
    if (err instanceof UnsupportedProfileError) return done('unsupported', 0, `unsupported profile "${err.profile}"`);
    if (err instanceof InputError) return done('failed', 0, err.describe());
    // one broken case fails alone; the run goes on
    return done('failed', 0, `internal error: ${(err as Error)?.message ?? String(err)}`);
  }
}
