// `yuma emission`: a profile's emission schedule (a named preset, or the scenario file's own) as
// a supply curve: the halvings table (block, date, supply) on stdout, a CSV with one row per day
// and one per halving, and an HTML report overlaying the profile's presets. All amounts are
// exact (BigInt, 1e-9 token units); the curve is computed arithmetically (emission-presets.ts).
import { readJsonFile } from '../engine/io.js';
import { InputError } from '../engine/types.js';
import {
  PROFILE_CLOCK,
  blockAtSupply,
  exactTokens,
  getPreset,
  halvingRows,
  presetNames,
  resolveSchedule,
  supplyAt,
  supplyLimit,
  supplySegments,
  type EmissionSchedule,
  type HalvingRow,
  type Segment,
} from '../engine/network/emission-presets.js';
import { parseScenario } from '../engine/network/run-spec.js';
import type { ProfileName } from '../engine/network/profiles/name.js';
import { renderReport, type Section } from '../report/html.js';
import { lineChart } from '../report/svg.js';
import { checkOutputFile, writeOutputs } from './outputs.js';
import { choiceOption, dateOption, numberOption, tokensOption } from './options.js';

export interface EmissionFlags {
  profile?: string;
  preset?: string;
  untilSupply?: string;
  years?: string;
  genesisDate?: string;
  csv?: string;
  report?: string;
}

/** The genesis date used when none is given (a placeholder, not a chain fact). */
export const DEFAULT_GENESIS = '2024-01-01';

const DAYS_PER_YEAR = 365.25;

/** One schedule to draw or tabulate. */
export interface Curve {
  name: string;
  title: string;
  schedule: EmissionSchedule;
  segments: Segment[];
  halvings: HalvingRow[];
  /** the block after which nothing more is minted */
  endBlock: bigint;
}

export function curveOf(name: string, title: string, schedule: EmissionSchedule): Curve {
  const segments = supplySegments(schedule);
  return { name, title, schedule, segments, halvings: halvingRows(segments), endBlock: segments[segments.length - 1]!.startBlock };
}

export function isoDate(genesis: Date, block: bigint, blockSeconds: number): string {
  return new Date(genesis.getTime() + Number(block) * blockSeconds * 1000).toISOString().replace(/\.000Z$/, 'Z');
}

const group = (s: string) => {
  const [w, f] = s.split('.');
  return w!.replace(/\B(?=(\d{3})+(?!\d))/g, ',') + (f !== undefined ? `.${f}` : '');
};

function table(header: string[], rows: string[][], right: boolean[]): string {
  const w = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (right[i] ? c.padStart(w[i]!) : c.padEnd(w[i]!))).join('  ').trimEnd();
  return [line(header), line(w.map((x) => '-'.repeat(x))), ...rows.map(line)].join('\n') + '\n';
}

/** The halvings table rows (the end of emission last), for stdout and the report. */
export function halvingTable(c: Curve, genesis: Date, profile: ProfileName, upTo?: bigint): { header: string[]; rows: string[][] } {
  const clk = PROFILE_CLOCK[profile];
  const rows = c.halvings
    .filter((h) => upTo === undefined || h.block <= upTo)
    .map((h) => [
      h.kind === 'end' ? 'end' : String(h.index),
      group(h.block.toString()),
      isoDate(genesis, h.block, clk.blockSeconds),
      group(exactTokens(h.supply)),
      exactTokens(h.perBlockAfter),
      group(exactTokens(h.perBlockAfter * BigInt(clk.blocksPerDay))),
    ]);
  return { header: ['halving', 'block', 'date', `supply (${clk.token})`, 'per block after', 'per day after'], rows };
}

/** CSV `block,date,supply,emission_per_day`: one row per day to `days`, one per halving in range. */
export function emissionCsv(c: Curve, genesis: Date, profile: ProfileName, days: number): string {
  const clk = PROFILE_CLOCK[profile];
  const bpd = BigInt(clk.blocksPerDay);
  const horizon = BigInt(days) * bpd;
  const rows: { block: bigint; order: number; line: string }[] = [];
  for (let d = 0; d <= days; d++) {
    const b = BigInt(d) * bpd;
    const s = supplyAt(c.segments, b);
    const perDay = supplyAt(c.segments, b + bpd) - s;
    rows.push({ block: b, order: 0, line: `${b},${isoDate(genesis, b, clk.blockSeconds)},${exactTokens(s)},${exactTokens(perDay)}` });
  }
  for (const h of c.halvings) {
    if (h.kind !== 'halving' || h.block > horizon) continue;
    rows.push({
      block: h.block,
      order: 1,
      line: `${h.block},${isoDate(genesis, h.block, clk.blockSeconds)},${exactTokens(h.supply)},${exactTokens(h.perBlockAfter * bpd)}`,
    });
  }
  rows.sort((a, b) => (a.block < b.block ? -1 : a.block > b.block ? 1 : a.order - b.order));
  return `block,date,supply,emission_per_day\n${rows.map((r) => r.line).join('\n')}\n`;
}

/** The report: the curves overlaid (supply, emission per day) and each curve's halvings. */
export function emissionReport(curves: Curve[], genesis: Date, profile: ProfileName, horizon: bigint, subtitle: string): string {
  const clk = PROFILE_CLOCK[profile];
  const bpd = BigInt(clk.blocksPerDay);
  const points = 1200;
  const last = horizon > 0n ? horizon : bpd;
  const blocks: bigint[] = [];
  for (let i = 0; i <= points; i++) blocks.push((last * BigInt(i)) / BigInt(points));
  const years = blocks.map((b) => (Number(b) * clk.blockSeconds) / 86400 / DAYS_PER_YEAR);
  // floats only at the drawing edge: millions of tokens, tokens per day
  const millions = (v: bigint) => Number(v / 1000n) / 1e12;
  const thousands = (v: bigint) => Number(v / 1000n) / 1e9;
  const supply = lineChart({
    title: `Supply (million ${clk.token})`,
    xLabel: `years since genesis (${isoDate(genesis, 0n, clk.blockSeconds).slice(0, 10)})`,
    yLabel: `million ${clk.token}`,
    xs: years,
    yMin: 0,
    width: 720,
    height: 280,
    series: curves.map((c) => ({ name: c.name, ys: blocks.map((b) => millions(supplyAt(c.segments, b))) })),
    caption: 'Supply after each block from genesis (0 at block 0), minted per block by the schedule; halvings where the slope drops.',
  });
  const emission = lineChart({
    title: `Emission per day (thousand ${clk.token})`,
    xLabel: 'years since genesis',
    yLabel: `thousand ${clk.token}/day`,
    xs: years,
    yMin: 0,
    width: 720,
    height: 280,
    series: curves.map((c) => ({ name: c.name, ys: blocks.map((b) => thousands(supplyAt(c.segments, b + bpd) - supplyAt(c.segments, b))) })),
    caption: `Minted over the ${clk.blocksPerDay} blocks (one day) after each point.`,
  });
  const sections: Section[] = [
    { id: 'curves', title: 'Supply and emission', blocks: [{ kind: 'charts', html: [supply, emission] }] },
    ...curves.map(
      (c): Section => {
        const t = halvingTable(c, genesis, profile);
        return {
          id: `halvings-${c.name}`,
          title: `Halvings: ${c.name}`,
          intro: `${c.title}. ${describeSchedule(c.schedule, clk.token)}`,
          blocks: [{ kind: 'table', headers: t.header, rows: t.rows, numeric: [false, true, false, true, true, true] }],
        };
      },
    ),
  ];
  return renderReport({
    title: `Emission schedules: ${profile}`,
    subtitle,
    facts: [
      ['profile', `${profile} (${clk.blockSeconds} s blocks, ${clk.blocksPerDay} blocks/day, ${clk.token})`],
      ['genesis', isoDate(genesis, 0n, clk.blockSeconds)],
      ['curves', curves.map((c) => c.name).join(', ')],
      ['range', `blocks 0..${group(last.toString())} (${(Number(last) / clk.blocksPerDay).toFixed(0)} days)`],
    ],
    sections,
  });
}

export function describeSchedule(s: EmissionSchedule, token: string): string {
  const cap = s.clamp ? 'the block that reaches the cap mints only up to it' : 'the cap is a hard stop (the last block may overshoot it)';
  return s.kind === 'interval'
    ? `Unit emission ${exactTokens(s.unit)} ${token} per block, halved every ${group(exactTokens(s.halvingInterval))} ${token} issued, max supply ${group(exactTokens(s.maxSupply))} ${token}; ${cap}.`
    : `Unit emission ${exactTokens(s.unit)} ${token} per block, halved as issuance reaches cap*(1 - 2^-j), cap ${group(exactTokens(s.cap))} ${token}; ${cap}.`;
}

/** Prints the schedule and writes the files; errors go to the command wrapper (command.ts). */
export async function emissionCommand(file: string | undefined, f: EmissionFlags): Promise<void> {
  const flagProfile = choiceOption<ProfileName>(f.profile, '--profile', ['bittensor', 'commune']);
  if (f.untilSupply !== undefined && f.years !== undefined) throw new InputError('give --until-supply or --years, not both', '--years');
  const genesis = dateOption(f.genesisDate ?? DEFAULT_GENESIS, '--genesis-date');
  const target = tokensOption(f.untilSupply, '--until-supply');
  const years = numberOption(f.years, '--years', 0, 1000, true, 'years');
  if (f.csv !== undefined) checkOutputFile(f.csv, '--csv');
  if (f.report !== undefined) checkOutputFile(f.report, '--report');

  // the schedule: a scenario file's (its preset and parameters), else the profile's preset
  let profile: ProfileName;
  let selected: Curve;
  if (file !== undefined) {
    const sc = parseScenario(readJsonFile(file), file);
    if (flagProfile !== undefined && flagProfile !== sc.profile) {
      throw new InputError(`--profile ${flagProfile} contradicts the scenario's profile "${sc.profile}"`, 'profile', file);
    }
    profile = sc.profile;
    const net = f.preset !== undefined ? { ...sc.network, emissionPreset: getPreset(profile, f.preset).name } : sc.network;
    const r = resolveSchedule(profile, net, file);
    selected = curveOf(r.custom ? 'scenario' : r.preset.name, r.custom ? `${r.preset.name} with the parameters of ${file}` : r.preset.title, r.schedule);
  } else {
    if (flagProfile === undefined) throw new InputError('give --profile bittensor|commune (or a scenario file)', '--profile');
    profile = flagProfile;
    const p = getPreset(profile, f.preset);
    selected = curveOf(p.name, p.title, p.schedule);
  }
  const clk = PROFILE_CLOCK[profile];
  const bpd = BigInt(clk.blocksPerDay);

  // the range in blocks
  let horizon: bigint;
  let rangeText: string;
  if (target !== undefined) {
    const b = blockAtSupply(selected.segments, target);
    if (b === null) {
      const total = selected.segments[selected.segments.length - 1]!.startSupply;
      throw new InputError(
        `${exactTokens(target)} ${clk.token} is never reached: ${selected.name} mints ${exactTokens(total)} ${clk.token} in all (limit ${exactTokens(supplyLimit(selected.schedule))})`,
        '--until-supply',
      );
    }
    horizon = b;
    rangeText = `until the supply reaches ${group(exactTokens(target))} ${clk.token}`;
  } else if (years !== undefined) {
    horizon = BigInt(Math.floor((years * DAYS_PER_YEAR * 86400) / clk.blockSeconds));
    rangeText = `${years} years`;
  } else {
    horizon = selected.endBlock;
    rangeText = 'until the emission ends';
  }
  const days = Math.max(1, Number((horizon + bpd - 1n) / bpd));

  // stdout: the halvings in range
  const out: string[] = [];
  out.push(`yuma emission: ${profile}, ${selected.name}: ${selected.title}\n`);
  out.push(`  ${describeSchedule(selected.schedule, clk.token)}\n`);
  out.push(
    `  ${clk.blockSeconds} s blocks (${clk.blocksPerDay}/day), genesis ${isoDate(genesis, 0n, clk.blockSeconds)}, supply 0 at block 0; range: ${rangeText} ` +
      `(block ${group(horizon.toString())}, ${isoDate(genesis, horizon, clk.blockSeconds)}, supply ${group(exactTokens(supplyAt(selected.segments, horizon)))} ${clk.token})\n\n`,
  );
  const t = halvingTable(selected, genesis, profile, horizon);
  out.push(t.rows.length ? table(t.header, t.rows, [true, true, false, true, true, true]) : 'no halving in range\n');
  const later = selected.halvings.filter((h) => h.block > horizon).length;
  if (later > 0) out.push(`(${later} more row${later > 1 ? 's' : ''} after the range)\n`);
  out.push('block: the last block at the old rate (the supply after it reached the threshold); the new rate applies from the next block.\n');

  // files
  const files: [string, string][] = [];
  if (f.csv !== undefined) files.push([f.csv, emissionCsv(selected, genesis, profile, days)]);
  if (f.report !== undefined) {
    const curves = [selected];
    for (const n of presetNames(profile)) {
      if (n === selected.name) continue;
      const p = getPreset(profile, n);
      curves.push(curveOf(p.name, p.title, p.schedule));
    }
    const reportHorizon = target !== undefined || years !== undefined ? horizon : curves.reduce((m, c) => (c.endBlock > m ? c.endBlock : m), 0n);
    const args = [
      'yuma emission',
      ...(file !== undefined ? [file] : [`--profile ${profile}`]),
      ...(f.preset !== undefined ? [`--preset ${f.preset}`] : []),
      ...(f.untilSupply !== undefined ? [`--until-supply ${f.untilSupply}`] : []),
      ...(f.years !== undefined ? [`--years ${f.years}`] : []),
      ...(f.genesisDate !== undefined ? [`--genesis-date ${f.genesisDate}`] : []),
    ].join(' ');
    files.push([f.report, emissionReport(curves, genesis, profile, reportHorizon, args)]);
  }
  writeOutputs(files);
  if (files.length) out.push(`\nfiles: ${files.map(([p]) => p).join(', ')}\n`);
  process.stdout.write(out.join(''));
}
