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

/** Every golden case under the given files or directories (recursively), in path order. */
export function findCases(paths: readonly string[]): GoldenCase[] {
  const out: GoldenCase[] = [];
  const visit = (p: string) => {
    const st = statSync(p, { throwIfNoEntry: false });
    if (!st) throw new InputError('no such file or directory', '', p);
    if (st.isDirectory()) {
      for (const e of readdirSync(p).sort()) visit(join(p, e));
      return;
    }
    const name = basename(p);
    const m = INPUT.exec(name);
    if (m) {
      const dir = p.slice(0, p.length - name.length);
      const expected = [`${m[1]}.expected.json`, `${m[1]}.expected.json.gz`].map((f) => join(dir, f)).find(existsSync);
      out.push({ name: p.replace(INPUT, '$1'), kind: 'pair', file: p, ...(expected ? { expectedFile: expected } : {}) });
    } else if (/\.json(\.gz)?$/.test(name) && !/\.expected\.json(\.gz)?$/.test(name) && isSequence(p)) {
      out.push({ name: p.replace(/\.json(\.gz)?$/, ''), kind: 'sequence', file: p });
    }
  };
  for (const p of paths) visit(p);
  return out;
}

function isSequence(file: string): boolean {
  try {
    const doc = readJsonFile(file) as { kind?: unknown };
    return doc !== null && typeof doc === 'object' && doc.kind === 'sequence';
  } catch {
    return false;
  }
}

/** Runs one case; never throws for bad or unsupported input (it becomes the result). */
export function runCase(c: GoldenCase, options: EpochOptions = {}): CaseResult {
  const t0 = performance.now();
  const done = (status: CaseStatus, epochs: number, detail?: string): CaseResult => ({
    case: c, status, epochs, ms: performance.now() - t0, ...(detail ? { detail } : {}),
  });
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
    throw err;
  }
}
