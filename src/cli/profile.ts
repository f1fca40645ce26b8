// `yuma profile <input.json[.gz]> | --synthetic n,V[,rowlen] [--yuma3] [--liquid-alpha] [--reps N]
//  [--ref-reps N] [--json out.json] [--report out.html]`: per-stage cost of one epoch and the
// WASM vs TypeScript-reference time per kernel.
import { basename } from 'node:path';
import { parseEpochInput, readJsonFile } from '../engine/io.js';
import { syntheticInput } from '../engine/synthetic.js';
import { timeEpoch, type EpochTiming } from '../engine/analysis/epoch-timing.js';
import { CHAIN_DEFAULT_HYPERPARAMETERS, InputError, type EpochInput } from '../engine/types.js';
import { epochBytes } from '../engine/epoch.js';
import { WASM_MAX_BYTES, largestFitting } from '../engine/limits.js';
import { renderReport, type Section } from '../report/html.js';
import { epochTimingSection, epochTimingTable } from '../report/epoch-timing.js';
import { progressBar } from './progress.js';
import { checkOutputFile, writeOutputs } from './outputs.js';
import { fractionOption, intOption, syntheticOption, u16OfFraction, type SyntheticSpec } from './options.js';
import { isMechanismsDocument, parseMechanismsInput } from '../engine/mechanisms/io.js';
import { timeMechanisms } from '../engine/mechanisms/timing.js';

export interface ProfileCliOptions {
  synthetic?: string;
  yuma3?: boolean;
  liquidAlpha?: boolean;
  bondsPenalty?: string;
  seed?: string;
  reps?: string;
  warmup?: string;
  refReps?: string;
  json?: string;
  report?: string;
  quiet?: boolean;
}

/**
 * Refuses a synthetic shape whose epoch would not fit in WebAssembly memory, before generating
 * it (its V rows of weights and of bonds), naming the entries, the limit and the largest V that fits.
 */
export function checkSyntheticFits(
  shape: SyntheticSpec, yuma3: boolean, liquidAlpha: boolean, bondsPenalty: number,
): void {
  const { n, validators: V } = shape;
  const len = Math.min(shape.rowLen ?? n, n);
  const hp = { ...CHAIN_DEFAULT_HYPERPARAMETERS, yuma3, liquid_alpha: liquidAlpha, bonds_penalty: bondsPenalty, commit_reveal: false };
  // syntheticInput: V rows of `len` entries in the weights and again in the bonds
  const bytesAt = (v: number) => epochBytes(n, v * len, v * len, hp);
  const bytes = bytesAt(V);
  if (bytes <= WASM_MAX_BYTES) return;
  const gib = (b: number) => (b / 1024 ** 3).toFixed(2);
  const most = largestFitting(bytesAt, WASM_MAX_BYTES, V);
  const entries = (V * len).toLocaleString('en-US');
  throw new InputError(
    `n=${n}, V=${V}, ${len} per row: ${entries} weight and ${entries} bond entries need ${gib(bytes)} GiB of WebAssembly ` +
      `memory for the epoch's buffers, above its ${gib(WASM_MAX_BYTES)} GiB limit; at this n and row length at most ` +
      `V=${Math.max(0, most)} fits (or shorten the rows)`,
    '--synthetic',
  );
}

export function profileCommand(input: string | undefined, opts: ProfileCliOptions): void {
  if ((input === undefined) === (opts.synthetic === undefined)) {
    throw new InputError('give either an input file or --synthetic n,V[,rowlen] (exactly one)', input === undefined ? '<input>' : '--synthetic');
  }
  const reps = intOption(opts.reps, '--reps', 1, 1_000_000) ?? 50;
  const refReps = intOption(opts.refReps, '--ref-reps', 0, 1_000_000) ?? 3;
  const warmup = intOption(opts.warmup, '--warmup', 0, 1_000_000);
  const seed = intOption(opts.seed, '--seed', 0, 0xffffffff) ?? 1;
  const penalty = fractionOption(opts.bondsPenalty, '--bonds-penalty');
  const bondsPenalty = penalty === undefined ? undefined : u16OfFraction(penalty);
  // fail before the (possibly long) run when an output cannot be written
  if (opts.json) checkOutputFile(opts.json, '--json');
  if (opts.report) checkOutputFile(opts.report, '--report');

  let epoch: EpochInput;
  let label: string;
  if (opts.synthetic !== undefined) {
    const shape = syntheticOption(opts.synthetic);
    checkSyntheticFits(shape, opts.yuma3 === true, opts.liquidAlpha === true, bondsPenalty ?? CHAIN_DEFAULT_HYPERPARAMETERS.bonds_penalty);
    epoch = syntheticInput({
      ...shape,
      yuma3: opts.yuma3 === true,
      liquidAlpha: opts.liquidAlpha === true,
      seed,
      ...(bondsPenalty !== undefined ? { bondsPenalty } : {}),
    });
    label = `synthetic n=${shape.n} V=${shape.validators}${shape.rowLen ? ` rowlen=${shape.rowLen}` : ''} seed=${seed}`;
  } else {
    const file = input === '-' ? '<stdin>' : input!;
    const doc = readJsonFile(input!);
    if (isMechanismsDocument(doc)) {
      // several incentive mechanisms: one timing per mechanism (src/engine/mechanisms/timing.ts)
      const multi = parseMechanismsInput(doc, file);
      if (opts.yuma3) multi.hyperparameters.yuma3 = true;
      if (opts.liquidAlpha) multi.hyperparameters.liquid_alpha = true;
      if (bondsPenalty !== undefined) multi.hyperparameters.bonds_penalty = bondsPenalty;
      profileMechanismsCommand(multi, basename(file), { reps, refReps, ...(warmup !== undefined ? { warmup } : {}) }, opts);
      return;
    }
    epoch = parseEpochInput(doc, file);
    if (opts.yuma3) epoch.hyperparameters.yuma3 = true;
    if (opts.liquidAlpha) epoch.hyperparameters.liquid_alpha = true;
    if (bondsPenalty !== undefined) epoch.hyperparameters.bonds_penalty = bondsPenalty;
    label = basename(file);
  }

  const bars = { wasm: progressBar('profile: wasm', reps), kernels: progressBar('profile: kernels', reps), reference: progressBar('profile: ts reference', refReps) };
  let phase: keyof typeof bars | undefined;
  const result: EpochTiming = timeEpoch(epoch, {
    reps,
    refReps,
    ...(warmup !== undefined ? { warmup } : {}),
    onProgress: (p, done) => {
      if (phase !== p) bars[phase ?? p].done();
      phase = p;
      bars[p].update(done);
    },
  });
  if (phase) bars[phase].done();

  writeProfileFiles(opts, label, result, () => ({ title: `yuma profile: ${label}`, facts: [], sections: [epochTimingSection(result, label)] }));
  if (!opts.quiet) process.stdout.write(epochTimingTable(result, label));
}

function profileMechanismsCommand(
  input: Parameters<typeof timeMechanisms>[0], label: string, run: { reps: number; refReps: number; warmup?: number },
  opts: ProfileCliOptions,
): void {
  const count = input.mechanisms.length;
  const bar = progressBar('profile: mechanisms', count);
  const result = timeMechanisms(input, { ...run, onMechanism: (k) => bar.update(k) });
  bar.done();
  const name = (k: number) => `${label} mechanism ${k} (emission ${result.mechanisms[k]!.emission})`;
  writeProfileFiles(opts, label, result, () => ({
    title: `yuma profile: ${label} (${count} mechanisms)`,
    facts: [
      ['mechanisms', String(count)],
      ['split + fold, median ms', result.foldMedianMs.toFixed(4)],
    ],
    sections: result.mechanisms.map((m) => epochTimingSection(m.profile, name(m.mechanism), `profile-m${m.mechanism}`)),
  }));
  if (opts.quiet) return;
  const head =
    `profile: ${label}: ${count} mechanisms; epoch ${result.totalMedianMs.toFixed(3)} ms = the mechanisms' epoch medians ` +
    `+ split and fold ${result.foldMedianMs.toFixed(4)} ms (median; p90 ${result.foldP90Ms.toFixed(4)} ms)\n\n`;
  process.stdout.write(head + result.mechanisms.map((m) => epochTimingTable(m.profile, name(m.mechanism))).join('\n'));
}

/** Writes --json (the result) and --report (the page `report` describes), atomically, together. */
function writeProfileFiles(
  opts: ProfileCliOptions, label: string, result: object,
  report: () => { title: string; facts: [string, string][]; sections: Section[] },
): void {
  const outputs: [string, string][] = [];
  if (opts.json) outputs.push([opts.json, `${JSON.stringify({ profile: label, ...result }, null, 2)}\n`]);
  if (opts.report) {
    const { title, facts, sections } = report();
    outputs.push([
      opts.report,
      renderReport({
        title,
        subtitle: `yuma profile ${process.argv.slice(3).join(' ')}`,
        facts: [['node', process.version], ['date', new Date().toISOString()], ...facts],
        sections,
      }),
    ]);
  }
  writeOutputs(outputs);
}
