// `yuma scenario <case.json|dir>... [--yuma 1|2|3|3-liquid] [--bonds-penalty x] [--resets]
//  [--out dir] [--report file]`: multi-epoch validator/server scenarios through the exact engine
// (mapping pinned in src/engine/analysis/scenario.ts).
import fs from 'node:fs';
import { join } from 'node:path';
import { readJsonFile } from '../engine/io.js';
import { InputError } from '../engine/types.js';
import {
  SCENARIO_VARIANTS,
  parseScenarioCase,
  runScenario,
  scenarioCsv,
  type ScenarioCase,
  type ScenarioResult,
  type ScenarioVariant,
} from '../engine/analysis/scenario.js';
import { renderReport } from '../report/html.js';
import { scenarioCaseSection } from '../report/scenario.js';
import { progressBar } from '../report/progress.js';
import { checkDirCreatable, checkReportPath, ensureDir, numberOption, writeOutputs } from '../report/cliutil.js';

export interface ScenarioCliOptions {
  yuma?: string[];
  bondsPenalty?: string;
  resets?: boolean;
  out?: string;
  report?: string;
  quiet?: boolean;
}

/** `--yuma 1,3 --yuma 3-liquid` -> ['1', '3', '3-liquid'] (default: all four, in order). */
export function parseVariants(values: string[] | undefined): ScenarioVariant[] {
  if (!values || values.length === 0) return [...SCENARIO_VARIANTS];
  const out: ScenarioVariant[] = [];
  for (const v of values.flatMap((s) => s.split(',')).map((s) => s.trim())) {
    if (!(SCENARIO_VARIANTS as readonly string[]).includes(v)) {
      throw new InputError(`expected one of ${SCENARIO_VARIANTS.join(', ')} (comma separated or repeated), got ${JSON.stringify(v)}`, '--yuma');
    }
    if (!out.includes(v as ScenarioVariant)) out.push(v as ScenarioVariant);
  }
  return SCENARIO_VARIANTS.filter((v) => out.includes(v));
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

export function scenarioCommand(args: string[], opts: ScenarioCliOptions): void {
  const variants = parseVariants(opts.yuma);
  const bondsPenalty = opts.bondsPenalty === undefined ? undefined : numberOption(opts.bondsPenalty, '--bonds-penalty', 0, 1, 0);
  // read and validate every case before running any (bad input: nothing is written)
  const cases: ScenarioCase[] = [];
  const bySlug = new Map<string, string>();
  for (const file of expandCaseArgs(args)) {
    const c = parseScenarioCase(readJsonFile(file), file);
    const seen = bySlug.get(c.slug);
    if (seen !== undefined) throw new InputError(`slug ${JSON.stringify(c.slug)} is also the slug of ${seen} (outputs would collide)`, 'slug', file);
    bySlug.set(c.slug, file);
    cases.push(c);
  }
  const outDir = opts.out ?? 'yuma-scenarios';
  // checked now, created only when everything is computed (nothing is written on failure)
  checkDirCreatable(outDir, '--out');
  const reportFile = opts.report ?? join(outDir, 'scenario.html');
  if (opts.report) checkReportPath(opts.report, outDir);

  const runOpts = { resets: opts.resets === true, ...(bondsPenalty !== undefined ? { bondsPenalty } : {}) };
  const bar = progressBar('scenario', cases.length * variants.length);
  const t0 = performance.now();
  const results: ScenarioResult[][] = [];
  let done = 0;
  for (const c of cases) {
    const rs: ScenarioResult[] = [];
    for (const v of variants) {
      rs.push(runScenario(c, v, runOpts));
      bar.update(++done);
    }
    results.push(rs);
  }
  bar.done();
  const ms = performance.now() - t0;

  const files: [string, string][] = [];
  cases.forEach((c, k) => {
    for (const r of results[k]!) {
      const base = join(outDir, `${c.slug}.${r.variant}`);
      files.push([`${base}.json`, `${JSON.stringify(r)}\n`]);
      files.push([`${base}.csv`, scenarioCsv(c, r)]);
    }
  });
  const epochs = cases.reduce((a, c) => a + c.epochs.length, 0) * variants.length;
  files.push([
    reportFile,
    renderReport({
      title: cases.length === 1 ? `yuma scenario: ${cases[0]!.name}` : `yuma scenario: ${cases.length} cases`,
      subtitle: `yuma scenario ${process.argv.slice(3).join(' ')}`.trim(),
      facts: [
        ['variants', variants.join(', ')],
        ['bond resets', runOpts.resets ? 'on (re-registration of the reset server uid)' : 'off'],
        ['bonds_penalty override', bondsPenalty === undefined ? 'none' : `${bondsPenalty} -> ${Math.floor(bondsPenalty * 65535 + 0.5)}`],
        ['epochs run', `${epochs} in ${(ms / 1000).toFixed(2)} s`],
      ],
      sections: cases.map((c, k) => scenarioCaseSection(c, results[k]!)),
    }),
  ]);
  ensureDir(outDir, '--out');
  writeOutputs(files);

  if (!opts.quiet) {
    const lines: string[] = [];
    cases.forEach((c, k) => {
      lines.push(`${c.slug} (${c.validators.length} validators, ${c.servers.length} servers, ${c.epochs.length} epochs)`);
      for (const r of results[k]!) {
        const tot = c.validators.map((_, i) => r.epochs.reduce((a, e) => a + e.dividends[i]!, 0).toFixed(3));
        lines.push(`  yuma ${r.variant.padEnd(8)} total dividends per validator: ${tot.join('  ')}`);
      }
    });
    lines.push(`scenario: ${epochs} epochs in ${(ms / 1000).toFixed(2)} s; wrote ${files.length - 1} result files to ${outDir} and ${reportFile}`);
    process.stdout.write(`${lines.join('\n')}\n`);
  }
}
