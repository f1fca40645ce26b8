// `yuma simulate`: a whole network over many blocks (profiles, scheduler, emission, ledger).
// Progress on stderr (only on a TTY, never with --json), the summary table on stdout (or the
// summary JSON with --json), files in --out (see engine/network/simulate.ts).
import { simulationReport } from '../report/simulate.js';
import { dirname } from 'node:path';
import { checkDirCreatable, checkOutputFile, writeOutputs } from './outputs.js';
import { choiceOption, intOption, numberOption } from './options.js';
import { readJsonFile } from '../engine/io.js';
import { InputError } from '../engine/types.js';
import {
  applyOverrides,
  defaultScenario,
  parseScenario,
  setIfDefined,
  type Scenario,
  type ScenarioOverrides,
} from '../engine/network/run-spec.js';
import type { ProfileName } from '../engine/network/profiles/name.js';
import { simulate, type Progress, type SimulationSummary } from '../engine/network/simulate.js';

export interface SimulateFlags {
  profile?: string;
  subnets?: string;
  neurons?: string;
  validators?: string;
  blocks?: string;
  days?: string;
  threads?: string;
  seed?: string;
  preset?: string;
  out?: string;
  checkpointEvery?: string;
  keepCheckpoints?: string;
  resume?: string;
  json?: boolean;
  report?: string;
  progress?: boolean;
  timings?: boolean;
}

/**
 * The default: epochs on the main thread. The ledger and the workload (main-thread work) take
 * about 70% of the built-in day, so on a 2-core machine a pool does not pay for the input
 * copies (bench/simulate.bench.ts); --threads N uses one.
 */
export const defaultThreads = () => 0;

/**
 * Runs the simulation. Errors go to the command wrapper (command.ts): bad input or an untrusted
 * checkpoint exit 2, a broken identity (SimulationError) exits 1.
 */
export async function simulateCommand(file: string | undefined, f: SimulateFlags): Promise<void> {
  const threads = intOption(f.threads, '--threads', 0, 256, '0: the main thread') ?? defaultThreads();
  const checkpointEvery = intOption(f.checkpointEvery, '--checkpoint-every', 1);
  const keepCheckpoints = intOption(f.keepCheckpoints, '--keep-checkpoints', 1);
  const progress = f.progress !== false && !f.json && process.stderr.isTTY === true;
  // output paths: fail before hours of work, not after
  checkDirCreatable(f.out ?? (f.resume !== undefined ? dirname(f.resume) : 'simulate-out'), '--out');
  if (f.report !== undefined) checkOutputFile(f.report, '--report');
  let scenario: Scenario | undefined;
  let blocks: number | undefined;
  if (f.resume !== undefined) {
    const model = { scenario: file, '--profile': f.profile, '--subnets': f.subnets, '--neurons': f.neurons, '--validators': f.validators, '--seed': f.seed, '--days': f.days, '--preset': f.preset };
    const clash = Object.entries(model).filter(([, v]) => v !== undefined).map(([k]) => k);
    if (clash.length > 0) {
      throw new InputError(`cannot be combined with ${clash.join(', ')}: a checkpoint carries its own scenario`, '--resume');
    }
    blocks = intOption(f.blocks, '--blocks', 1);
  } else {
    const profile = choiceOption<ProfileName>(f.profile, '--profile', ['bittensor', 'commune']);
    const base = file !== undefined ? parseScenario(readJsonFile(file), file) : defaultScenario(profile ?? 'bittensor');
    const o: ScenarioOverrides = {};
    const set = setIfDefined(o);
    set('profile', file !== undefined ? profile : undefined);
    set('subnets', intOption(f.subnets, '--subnets', 1, 256));
    set('neurons', intOption(f.neurons, '--neurons', 1));
    set('validators', intOption(f.validators, '--validators', 0));
    set('blocks', intOption(f.blocks, '--blocks', 1));
    set('days', numberOption(f.days, '--days', 0, Infinity, true));
    set('seed', intOption(f.seed, '--seed', 0, 0xffffffff));
    set('preset', f.preset);
    scenario = applyOverrides(base, o);
  }
  const bar = progress ? progressBar() : undefined;
  let summary: SimulationSummary;
  try {
    summary = await simulate({
      ...(scenario ? { scenario } : {}),
      ...(f.resume !== undefined ? { resume: f.resume } : {}),
      ...(f.out !== undefined ? { out: f.out } : {}),
      ...(checkpointEvery !== undefined ? { checkpointEvery } : {}),
      ...(keepCheckpoints !== undefined ? { keepCheckpoints } : {}),
      ...(blocks !== undefined ? { blocks } : {}),
      threads,
      timings: f.timings !== false,
      ...(bar ? { onProgress: bar.update } : {}),
      log: (line) => process.stderr.write(`${line}\n`),
    });
  } finally {
    bar?.done();
  }
  if (f.report !== undefined) {
    writeOutputs([[f.report, simulationReport(summary, ['yuma simulate', ...process.argv.slice(3)].join(' '))]]);
  }
  process.stdout.write(f.json ? JSON.stringify(summary, null, 2) + '\n' : formatSummary(summary));
}

// ---------------------------------------------------------------------------------------
// progress bar (stderr, TTY only)

function progressBar(): { update: (p: Progress) => void; done: () => void } {
  const width = 28;
  let shown = false;
  return {
    update(p) {
      const total = p.endBlock - p.startBlock;
      const done = p.block - p.startBlock;
      const frac = total > 0 ? done / total : 1;
      const filled = Math.round(frac * width);
      const secs = p.elapsedMs / 1000;
      const eps = secs > 0 ? p.epochs / secs : 0;
      const eta = frac > 0 ? secs * (1 / frac - 1) : 0;
      const line =
        `[${'='.repeat(filled)}${filled < width ? '>' : ''}${' '.repeat(Math.max(0, width - filled - 1))}] ` +
        `${(frac * 100).toFixed(0).padStart(3)}%  block ${group(done)}/${group(total)}  ` +
        `${group(p.epochs)} epochs  ${eps.toFixed(1)} epochs/s  ETA ${clock(eta)}`;
      process.stderr.write(`\r${line}\x1b[K`);
      shown = true;
    },
    done() {
      if (shown) process.stderr.write('\r\x1b[K');
    },
  };
}

const clock = (s: number) => {
  const t = Math.max(0, Math.round(s));
  return `${Math.floor(t / 60)}:${String(t % 60).padStart(2, '0')}`;
};

// ---------------------------------------------------------------------------------------
// the summary table

const group = (x: number | bigint | string) => String(x).replace(/\B(?=(\d{3})+(?!\d))/g, ',');

/** An amount in 1e-9 units as a decimal with `d` digits (floored). */
export function tokens(raw: string | bigint, d = 3): string {
  const v = BigInt(raw);
  const whole = v / 1_000_000_000n;
  const frac = (v % 1_000_000_000n).toString().padStart(9, '0').slice(0, d);
  return d > 0 ? `${group(whole)}.${frac}` : group(whole);
}

function table(header: string[], rows: string[][], right: boolean[]): string {
  const w = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (right[i] ? c.padStart(w[i]!) : c.padEnd(w[i]!))).join('  ').trimEnd();
  return [line(header), line(w.map((x) => '-'.repeat(x))), ...rows.map(line)].join('\n') + '\n';
}

export function formatSummary(s: SimulationSummary): string {
  const L = s.ledger;
  const nat = L.nativeToken, subTok = L.subnetToken;
  const days = s.blocks / (s.profile === 'bittensor' ? 7200 : 10_800);
  const out: string[] = [];
  out.push(
    `yuma simulate: ${s.scenario} (${s.profile}), ${L.subnets.length} subnets, blocks ${group(s.startBlock)}..${group(s.endBlock)} ` +
      `(${group(s.blocks)} blocks, ${days.toFixed(2)} days)${s.resumedFrom !== null ? `, resumed after block ${group(s.resumedFrom)}` : ''}, run ${s.run}\n\n`,
  );
  const minted = L.subnets.reduce((a, x) => a + BigInt(x.minted), 0n);
  out.push(
    table(
      ['', ''],
      [
        ['epochs run', `${group(s.epochs)}${s.epochsThisRun !== s.epochs ? ` (${group(s.epochsThisRun)} in this run)` : ''}`],
        ['epochs/s', `${s.epochsPerSecond}`],
        ['blocks/s', `${s.blocksPerSecond}`],
        ['wall time', `${s.wallSeconds.toFixed(1)} s (${s.threads === 0 ? 'main thread' : `${s.threads} worker thread${s.threads > 1 ? 's' : ''}`})`],
        [`${nat} minted`, `${tokens(L.nativeMinted)} ${nat} (${s.profile === 'bittensor' ? 'recycled' : 'burned'} ${tokens(L.nativeRecycled)})`],
        [`${nat} issuance`, `${tokens(L.issuanceStart)} -> ${tokens(L.issuanceEnd)} ${nat}`],
        ['block emission', `${tokens(L.blockEmission, 9)} ${nat} (halvings so far: ${L.halvings})`],
        ...(subTok !== nat ? [[`${subTok} minted`, `${tokens(minted)} ${subTok} over all subnets`]] : []),
        ['conservation', `OK (${group(s.conservation.blockChecks)} block checks, ${group(s.conservation.audits)} audits)`],
      ],
      [false, false],
    ).split('\n').slice(2).join('\n'),
  );
  out.push('\nper subnet\n');
  out.push(
    table(
      ['netuid', 'uids', 'epochs', `minted (${subTok})`, `credited (${subTok})`, 'burned', `dust (${s.profile === 'bittensor' ? 'rao' : 'nano'})`],
      L.subnets.map((x) => [String(x.netuid), String(x.n), String(x.epochs), tokens(x.minted), tokens(x.paid), tokens(x.burned), group(x.dust)]),
      [true, true, true, true, true, true, true],
    ),
  );
  out.push(`credited: incentive + dividends + ${s.profile === 'bittensor' ? 'the owner cut' : 'the founder share'}, as the epochs credited them\n`);
  out.push(`\ntop ${L.topEarners.length} earners${s.profile === 'bittensor' ? ` (ranked by value in ${nat} at the subnet's alpha price)` : ''}\n`);
  out.push(
    table(
      ['#', 'key', 'netuid', 'role', `earned (${subTok})`, ...(s.profile === 'bittensor' ? [`value (${nat})`] : [])],
      L.topEarners.map((e, i) => [
        String(i + 1), e.key, String(e.netuid), e.role, tokens(e.amount),
        ...(s.profile === 'bittensor' ? [tokens(e.value)] : []),
      ]),
      [true, false, true, false, true, true],
    ),
  );
  out.push('\nsinks and counters\n');
  out.push(
    table(
      ['', ''],
      Object.entries(L.sinks).map(([k, v]) => [k, /^[0-9]+$/.test(v) && !k.includes('epochs') ? tokens(v, 9) : v]),
      [false, true],
    ).split('\n').slice(2).join('\n'),
  );
  out.push(`\nfiles: ${s.files.epochs}, ${s.files.ledger}, ${s.files.summary}${s.files.checkpoints.length ? `, ${s.files.checkpoints.join(', ')}` : ''}\n`);
  return out.join('');
}
