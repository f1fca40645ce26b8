// `yuma map [--neurons 512] [--validators 64] [--bonds-penalty p] [--threads N] [--out dir]
//  [--report file] [--steps 51] [--stakes list] [--seed s]`: the consensus-guarantee sweep.
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { InputError } from '../engine/types.js';
import { MAP_MAJOR_STAKES, MAP_STEPS } from '../engine/analysis/twocamp.js';
import { mapCsv, mapMainThreadRunner, poolMapRunner, runMapSweep, type MapRunner, type MapResult } from '../engine/analysis/mapsweep.js';
import { renderReport } from '../report/html.js';
import { mapSection, retentionFraction } from '../report/map.js';
import { progressBar } from './progress.js';
import { checkDirCreatable, checkReportPath, ensureDir, writeOutputs } from './outputs.js';
import { fractionOption, intOption, numberOption, openFractionListOption, u16OfFraction } from './options.js';

export interface MapCliOptions {
  neurons?: string;
  validators?: string;
  bondsPenalty?: string;
  threads?: string;
  out?: string;
  report?: string;
  steps?: string;
  stakes?: string;
  seed?: string;
  weightStddev?: string;
  yuma3?: boolean;
  quiet?: boolean;
}

/** The worker pool when it is built and exported, else the main thread (with the reason). */
async function openRunner(threads: number): Promise<{ runner: MapRunner; where: string }> {
  if (threads === 0) return { runner: mapMainThreadRunner(), where: 'the main thread' };
  try {
    const mod = (await import('../pool/index.js')) as Partial<typeof import('../pool/index.js')>;
    if (typeof mod.createPool !== 'function') throw new Error('src/pool does not export createPool');
    const pool = mod.createPool({ threads });
    await pool.warmup();
    return {
      runner: poolMapRunner(pool),
      where: `${threads} worker thread${threads === 1 ? '' : 's'}`,
    };
  } catch (e) {
    process.stderr.write(`yuma map: the worker pool is not available (${(e as Error).message}); running on the main thread\n`);
    return { runner: mapMainThreadRunner(), where: 'the main thread (pool unavailable)' };
  }
}

export async function mapCommand(opts: MapCliOptions): Promise<void> {
  const neurons = intOption(opts.neurons, '--neurons', 4, 65535) ?? 512;
  const validators = intOption(opts.validators, '--validators', 2, 65533) ?? 64;
  if (neurons - validators < 2) {
    throw new InputError(`expected at least 2 servers: --neurons (${neurons}) - --validators (${validators}) >= 2`, '--validators');
  }
  const penalty = fractionOption(opts.bondsPenalty, '--bonds-penalty') ?? 1;
  const threads = intOption(opts.threads, '--threads', 0, 256, '0: the main thread') ?? availableParallelism();
  const steps = intOption(opts.steps, '--steps', 2, 1001) ?? MAP_STEPS;
  const stakes = opts.stakes === undefined ? [...MAP_MAJOR_STAKES] : openFractionListOption(opts.stakes, '--stakes');
  const seed = intOption(opts.seed, '--seed', 0, 0xffffffff) ?? 1;
  const weightStddev = numberOption(opts.weightStddev, '--weight-stddev', 0, 100) ?? 0.4;
  const outDir = opts.out ?? 'yuma-map';
  // checked now, created only when everything is computed (nothing is written on failure)
  checkDirCreatable(outDir, '--out');
  const csvFile = join(outDir, 'map.csv');
  const reportFile = opts.report ?? join(outDir, 'map.html');
  if (opts.report) checkReportPath(opts.report, outDir);

  const total = stakes.length * steps * steps;
  const { runner, where } = await openRunner(threads);
  const bar = progressBar(`map (${where})`, total);
  let result: MapResult;
  try {
    result = await runMapSweep(runner, {
      neurons,
      validators,
      bondsPenalty: u16OfFraction(penalty),
      weightStddev,
      seed,
      yuma3: opts.yuma3 === true,
      majorStakes: stakes,
      steps,
      // enough chunks in flight to keep every worker busy (and one queued behind each)
      inFlight: Math.max(3, 2 * threads),
      onProgress: (d) => bar.update(d),
    });
  } finally {
    bar.done();
    await runner.close();
  }

  const args = process.argv.slice(3).join(' ');
  ensureDir(outDir, '--out');
  writeOutputs([
    [csvFile, mapCsv(result)],
    [
      reportFile,
      renderReport({
        title: 'yuma map: consensus guarantees',
        subtitle: `yuma map ${args}`.trim(),
        facts: [
          ['epochs', `${result.epochs} on ${where}, ${(result.ms / 1000).toFixed(1)} s (${((result.ms / result.epochs) * 1).toFixed(2)} ms per epoch wall)`],
          ['grid', `${stakes.length} major stakes x ${steps} x ${steps} self-weights`],
          ['CSV', csvFile],
          ['node', process.version],
        ],
        sections: [mapSection(result)],
      }),
    ],
  ]);
  if (!opts.quiet) {
    const lines = [
      `map: ${result.epochs} epochs (n=${neurons}, V=${validators}, ${steps}x${steps} per major stake) on ${where} in ${(result.ms / 1000).toFixed(1)} s`,
      'major stake  retained cells  share at (1,1)',
      ...stakes.map(
        (ms, s) =>
          `${String(ms).padStart(11)}  ${`${(retentionFraction(result, s) * 100).toFixed(1)}%`.padStart(14)}  ${result.share[s]![steps - 1]![steps - 1]!.toFixed(4).padStart(14)}`,
      ),
      `wrote ${csvFile} and ${reportFile}`,
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  }
}
