// `yuma scenario <case.json|dir>... [--yuma 1|2|3|3-liquid|snapshot] [--set name=value]...
//  [--sweep name=values]... [--bonds-penalty x] [--resets] [--threads n] [--out dir] [--report file]`:
// multi-epoch scenarios through the exact engine (mapping pinned in src/engine/analysis/scenario.ts,
// the case format in docs/scenario.md). Many runs go through the worker pool in lockstep.
import fs from 'node:fs';
import { availableParallelism } from 'node:os';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import { readJsonFile } from '../engine/io.js';
import { InputError } from '../engine/types.js';
import {
  ALL_VARIANTS,
  parseScenarioCase,
  planRuns,
  poolScenarioRunner,
  runScenarioRuns,
  scenarioCsv,
  scenarioLongCsv,
  type ScenarioTaskRunner,
  type ScenarioCase,
  type ScenarioResult,
} from '../engine/analysis/scenario.js';
import { overridesJson, sweepSettings } from '../engine/analysis/scenario-params.js';
import { THREADS_PER_CORE } from '../pool/index.js';
import { renderReport } from '../report/html.js';
import { scenarioSections } from '../report/scenario.js';
import { progressBar } from './progress.js';
import { checkDirCreatable, checkReportPath, ensureDir, writeOutputs } from './outputs.js';
import { choicesOption, fractionOption, intOption, settingsOption, sweepOption } from './options.js';

export interface ScenarioCliOptions {
  yuma?: string[];
  set?: string[];
  sweep?: string[];
  bondsPenalty?: string;
  resets?: boolean;
  threads?: string;
  epochs?: string;
  out?: string;
  report?: string;
  quiet?: boolean;
}

/** Files as given; a directory contributes its *.json files (sorted). */
export function expandCaseArgs(args: string[]): string[] {
  const files: string[] = [];
  for (const a of args) {
    let st: fs.Stats | undefined;
    try {
      st = fs.statSync(a);
    } catch {
      st = undefined; // readJsonFile reports it
    }
    if (st?.isDirectory()) {
      const found = fs
        .readdirSync(a)
        .filter((f) => /\.json(\.gz)?$/.test(f))
        .sort()
        .map((f) => join(a, f));
      if (found.length === 0) throw new InputError('no *.json case files in this directory', '', a);
      files.push(...found);
    } else {
      files.push(a);
    }
  }
  return files;
}

/**
 * Reads a case; a replay's snapshot path is relative to the case file (read once per path). A
 * yuma-epoch/1 input given as a case is a replay of it without changes, for `replayEpochs` epochs.
 */
export function readCase(file: string, snapshots = new Map<string, unknown>(), replayEpochs = 10): ScenarioCase {
  let doc = readJsonFile(file);
  const reader = (p: string) => {
    const path = isAbsolute(p) ? p : join(dirname(file), p);
    const key = resolve(path);
    if (!snapshots.has(key)) {
      try {
        snapshots.set(key, readJsonFile(path));
      } catch (e) {
        // name the case and its field, then the snapshot file's own problem
        if (e instanceof InputError) throw new InputError(`${path}: ${e.message}`, 'snapshot', file);
        throw e;
      }
    }
    return { doc: snapshots.get(key), source: path };
  };
  if (doc !== null && typeof doc === 'object' && (doc as Record<string, unknown>).format === 'yuma-epoch/1') {
    snapshots.set(resolve(file), doc);
    const slug = (basename(file).replace(/\.json(\.gz)?$/, '').replace(/[^A-Za-z0-9._-]/g, '_') || 'snapshot').replace(/^[^A-Za-z0-9]/, 's');
    doc = { format: 'yuma-sim-case/1', slug, name: `Replay of ${basename(file)}`, snapshot: basename(file), num_epochs: replayEpochs };
  }
  return parseScenarioCase(doc, file, { readSnapshot: reader });
}

/** Tasks per thread: enough that the threads share the runs evenly. */
const TASKS_PER_THREAD = 4;

/** The worker pool's scenario tasks, or the main thread (threads 0, or no pool built). */
async function openRunner(threads: number): Promise<{ runner: ScenarioTaskRunner | null; where: string; close: () => Promise<void> }> {
  const main = { runner: null, where: 'the main thread', close: async () => {} };
  if (threads === 0) return main;
  try {
    const { createPool } = await import('../pool/index.js');
    const pool = createPool({ threads });
    return {
      runner: poolScenarioRunner(pool),
      where: `${threads} worker thread${threads === 1 ? '' : 's'}`,
      close: () => pool.close(),
    };
  } catch (e) {
    process.stderr.write(`yuma scenario: the worker pool is not available (${(e as Error).message}); running on the main thread\n`);
    return { ...main, where: 'the main thread (pool unavailable)' };
  }
}

export async function scenarioCommand(args: string[], opts: ScenarioCliOptions): Promise<void> {
  // `--yuma 1,3 --yuma 3-liquid` (undefined: each case's default)
  const variants = choicesOption(opts.yuma, '--yuma', ALL_VARIANTS);
  const bondsPenalty = fractionOption(opts.bondsPenalty, '--bonds-penalty');
  const overrides = settingsOption(opts.set ?? []);
  const axes = sweepOption(opts.sweep ?? []);
  const settings = sweepSettings(axes);
  // the pool's own cap (createPool refuses more threads than THREADS_PER_CORE x cores)
  const threads = intOption(opts.threads, '--threads', 0, THREADS_PER_CORE * availableParallelism(), '0: the main thread') ?? availableParallelism();
  const replayEpochs = intOption(opts.epochs, '--epochs', 1, 100_000) ?? 10;
  // read and validate every case before running any (bad input: nothing is written)
  const cases: ScenarioCase[] = [];
  const bySlug = new Map<string, string>();
  const snapshots = new Map<string, unknown>();
  for (const file of expandCaseArgs(args)) {
    const c = readCase(file, snapshots, replayEpochs);
    const seen = bySlug.get(c.slug);
    if (seen !== undefined) throw new InputError(`slug ${JSON.stringify(c.slug)} is also the slug of ${seen} (outputs would collide)`, 'slug', file);
    bySlug.set(c.slug, file);
    cases.push(c);
  }
  const runOpts = { resets: opts.resets === true, overrides, ...(bondsPenalty !== undefined ? { bondsPenalty } : {}) };
  const runs = planRuns(cases, variants, settings, runOpts);
  const outDir = opts.out ?? 'yuma-scenarios';
  // checked now, created only when everything is computed (nothing is written on failure)
  checkDirCreatable(outDir, '--out');
  const reportFile = opts.report ?? join(outDir, 'scenario.html');
  if (opts.report) checkReportPath(opts.report, outDir);

  const epochs = runs.reduce((a, r) => a + r.epochs, 0);
  const bar = progressBar('scenario', epochs);
  const runner = await openRunner(threads);
  const t0 = performance.now();
  let results: ScenarioResult[];
  try {
    results = await runScenarioRuns(runs, runner.runner, threads * TASKS_PER_THREAD, (done) => bar.update(done));
  } finally {
    await runner.close();
  }
  bar.done();
  const ms = performance.now() - t0;

  const files: [string, string][] = [];
  // per run files without a sweep; a sweep's hundreds of runs go to scenario.json only
  if (axes.length === 0) {
    runs.forEach((run, k) => {
      const base = join(outDir, `${run.c.slug}.${results[k]!.variant}`);
      files.push([`${base}.json`, `${JSON.stringify(results[k])}\n`]);
      files.push([`${base}.csv`, scenarioCsv(run.c, results[k]!)]);
    });
  }
  files.push([join(outDir, 'scenario.json'), `${JSON.stringify({ format: 'yuma-scenario-result/1', sweep: axes.map((a) => ({ name: a.name, values: a.labels })), runs: results })}\n`]);
  files.push([join(outDir, 'scenario.csv'), scenarioLongCsv(results, axes.map((a) => a.name))]);
  const setText = Object.entries({ ...overridesJson(overrides), ...(bondsPenalty !== undefined ? { bonds_penalty: `${bondsPenalty} (--bonds-penalty)` } : {}) })
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
  files.push([
    reportFile,
    renderReport({
      title: cases.length === 1 ? `yuma scenario: ${cases[0]!.name}` : `yuma scenario: ${cases.length} cases`,
      subtitle: `yuma scenario ${process.argv.slice(3).join(' ')}`.trim(),
      facts: [
        ['variants', variants ? variants.join(', ') : 'all four (synthetic cases), snapshot (replays)'],
        ['settings (--set)', setText || 'none (each case\'s hyperparameters block, else the variant\'s)'],
        ['sweep', axes.length ? axes.map((a) => `${a.name} = ${a.labels.join(', ')}`).join('; ') + ` (${settings.length} settings)` : 'none'],
        ['bond resets', runOpts.resets ? 'on (re-registration of the reset server uid)' : 'off'],
        ['epochs run', `${epochs} in ${(ms / 1000).toFixed(2)} s on ${runner.where}`],
      ],
      sections: scenarioSections(cases, runs.map((run, k) => ({ c: run.c, r: results[k]! })), axes),
    }),
  ]);
  ensureDir(outDir, '--out');
  writeOutputs(files);

  if (!opts.quiet) {
    const lines: string[] = [];
    let last: ScenarioCase | undefined;
    runs.forEach((run, k) => {
      const c = run.c;
      const r = results[k]!;
      if (c !== last) {
        last = c;
        const what = c.kind === 'sim' ? `${c.validators.length} validators, ${c.servers.length} servers` : `replay of ${c.replay.snapshotSource}, n=${c.replay.snapshot.n}, ${c.replay.changes.length} changes`;
        lines.push(`${c.slug} (${what}, ${run.epochs} epochs)`);
      }
      const label = Object.entries(r.setting).map(([n, v]) => `${n}=${v}`).join(' ');
      const shown = r.validators.length > 8 ? ' (first 8 validators)' : '';
      const tot = r.totals.dividends.slice(0, 8).map((x) => x.toFixed(3));
      lines.push(`  yuma ${r.variant.padEnd(8)}${label ? ` ${label}` : ''} total dividends per validator${shown}: ${tot.join('  ')}`);
    });
    lines.push(`scenario: ${epochs} epochs (${runs.length} runs) in ${(ms / 1000).toFixed(2)} s on ${runner.where}; wrote ${files.length - 1} result files to ${outDir} and ${reportFile}`);
    process.stdout.write(`${lines.join('\n')}\n`);
  }
}
