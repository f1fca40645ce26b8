// The report of a simulation (`yuma simulate --report`): read back from the run's own files
// (epochs.ndjson streamed line by line, summary.json), so it costs the run nothing and a report
// can be made of a finished run's directory.
import { openSync, readSync, closeSync } from 'node:fs';
import { renderReport, type Section } from './html.js';
import { barChart, lineChart } from './svg.js';
import type { EpochRecord, SimulationSummary } from '../engine/network/index.js';

/** Calls `each` with every line of a (possibly large) file, without holding the file in memory. */
function forEachLine(file: string, each: (line: string) => void): void {
  const fd = openSync(file, 'r');
  const buf = Buffer.alloc(1 << 20);
  let rest = '';
  try {
    for (let got = readSync(fd, buf); got > 0; got = readSync(fd, buf)) {
      const lines = (rest + buf.toString('utf8', 0, got)).split('\n');
      rest = lines.pop()!;
      for (const l of lines) if (l) each(l);
    }
    if (rest) each(rest);
  } finally {
    closeSync(fd);
  }
}

const sum = (xs: string[]) => xs.reduce((s, x) => s + BigInt(x), 0n);
/** A token amount (9 decimals) as a float, for charts only: the files keep the exact amounts. */
const tokens = (x: bigint) => Number(x) / 1e9;

/**
 * The report page of the run whose summary is given; the epochs are read from summary.files.epochs.
 *
 * Two amounts per subnet, named apart: "incentive + dividends", what the epochs' records pay
 * the uids (the `emission` of epochs.ndjson), and "credited", the summary's `paid`, which
 * also holds what the epochs credit the subnet owner (Bittensor's owner cut, Commune's founder
 * share): the CLI table's column of that name.
 */
export function simulationReport(summary: SimulationSummary, command: string): string {
  const token = summary.ledger.subnetToken;
  // per subnet: the block of each epoch and the cumulative incentive + dividends by then
  const perSubnet = new Map<number, { blocks: number[]; paid: number[]; total: bigint }>();
  const stageMs = new Map<string, { total: number; count: number }>();
  const costByEpoch: number[] = [];
  forEachLine(summary.files.epochs, (line) => {
    const r = JSON.parse(line) as EpochRecord;
    const s = perSubnet.get(r.netuid) ?? { blocks: [], paid: [], total: 0n };
    s.total += sum(r.emission);
    s.blocks.push(r.block);
    s.paid.push(tokens(s.total));
    perSubnet.set(r.netuid, s);
    if (r.cost_ms) costByEpoch.push(r.cost_ms.consensus);
    for (const [stage, ms] of Object.entries(r.cost_ms?.stages ?? {})) {
      const t = stageMs.get(stage) ?? { total: 0, count: 0 };
      t.total += ms;
      t.count++;
      stageMs.set(stage, t);
    }
  });

  // the eight subnets that paid most get a line each; the total gets a chart of its own
  const ranked = [...perSubnet.entries()].sort((a, b) => (b[1].total > a[1].total ? 1 : b[1].total < a[1].total ? -1 : a[0] - b[0]));
  const shown = ranked.slice(0, 8);
  // the amounts are steps: each epoch block b with b - 1 beside it, so a line holds its value
  // up to the block before a payment instead of slanting from one epoch to the next
  const grid = [...new Set(ranked.flatMap(([, s]) => s.blocks.flatMap((b) => [b - 1, b])))].sort((a, b) => a - b);
  const atGrid = (s: { blocks: number[]; paid: number[] }) => {
    const ys = new Float64Array(grid.length);
    let k = -1;
    grid.forEach((b, g) => {
      while (k + 1 < s.blocks.length && s.blocks[k + 1]! <= b) k++;
      ys[g] = k >= 0 ? s.paid[k]! : 0;
    });
    return ys;
  };
  const series = shown.map(([netuid, s]) => ({ name: `netuid ${netuid}`, ys: atGrid(s) }));
  const all = new Float64Array(grid.length);
  for (const [, s] of ranked) atGrid(s).forEach((y, g) => (all[g] = all[g]! + y));
  const since = grid.map((b) => b - summary.startBlock);
  const creditedBy = new Map(summary.ledger.subnets.map((x) => [x.netuid, x.paid]));
  const credited = (netuid: number) => {
    const c = creditedBy.get(netuid);
    return c === undefined ? '' : tokens(BigInt(c)).toFixed(3);
  };
  const xLabel = `blocks since block ${summary.startBlock}`;

  const sections: Section[] = [
    {
      id: 'emission',
      title: 'Incentive and dividends paid by the epochs',
      intro:
        `Cumulative incentive + dividends the epochs paid to each subnet's uids (${token}, 9 decimals; from epochs.ndjson). ` +
        `"credited" adds what the epochs credited the subnet's owner (${summary.profile === 'bittensor' ? 'the owner cut' : 'the founder share'}): ` +
        'the "credited" column of the command\'s table.',
      blocks: [
        {
          kind: 'charts',
          html: [
            lineChart({ title: `cumulative incentive + dividends, all ${ranked.length} subnets`, xLabel, yLabel: token, xs: since, series: [{ name: 'all subnets', ys: all }] }),
            lineChart({ title: `cumulative incentive + dividends, top ${shown.length} subnets`, xLabel, yLabel: token, xs: since, series }),
          ],
        },
        {
          kind: 'table',
          headers: ['netuid', 'epochs', `incentive + dividends (${token})`, `credited, incl. owner (${token})`],
          rows: ranked.map(([netuid, s]) => [netuid, s.blocks.length, tokens(s.total).toFixed(3), credited(netuid)]),
          numeric: [true, true, true, true],
        },
      ],
    },
  ];
  if (costByEpoch.length > 0) {
    const blocks: Section['blocks'] = [
      { kind: 'chart', html: lineChart({ title: 'consensus ms per epoch, in run order', xLabel: 'epoch', yLabel: 'ms', series: [{ name: 'consensus', ys: costByEpoch }] }) },
    ];
    if (stageMs.size > 0) {
      const stages = [...stageMs.keys()];
      blocks.push({
        kind: 'chart',
        html: barChart({
          title: 'mean ms per stage of an epoch',
          categories: ['mean epoch'],
          groups: stages,
          values: [stages.map((s) => stageMs.get(s)!.total / stageMs.get(s)!.count)],
          mode: 'stacked',
          unit: 'ms',
        }),
      });
    }
    sections.push({ id: 'cost', title: 'What consensus cost', blocks });
  }

  return renderReport({
    title: `yuma simulate: ${summary.scenario}`,
    subtitle: command,
    facts: [
      ['profile', summary.profile],
      ['run', summary.run],
      ['blocks', `${summary.startBlock} .. ${summary.endBlock} (${summary.blocks})`],
      ['epochs', String(summary.epochs)],
      ['wall time', `${summary.wallSeconds.toFixed(2)} s (${summary.blocksPerSecond.toFixed(0)} blocks/s, ${summary.epochsPerSecond.toFixed(1)} epochs/s)`],
      ['conservation', `ok (${summary.conservation.blockChecks} block checks, ${summary.conservation.audits} audits)`],
    ],
    sections,
  });
}
