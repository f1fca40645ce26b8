// `yuma scenario` in the report: per case its inputs (weights and stakes per epoch, or the
// replay's script), tables of the totals per run (dividend shares, relative dividends, against
// the base validator, emission in tokens), and per variant the charts users of the Yuma
// simulators expect: dividends, relative dividends (per epoch, cumulative), incentives, bonds
// and normalized bonds. A sweep draws small multiples instead: one small chart per setting,
// and the totals against the setting.
import { VARIANT_TITLES, type ScenarioCase, type ScenarioResult, type ScenarioVariant } from '../engine/analysis/scenario.js';
import type { SweepAxis } from '../engine/analysis/scenario-params.js';
import { slugId, type Block, type Section } from './html.js';
import { lineChart } from './svg.js';

const W = 380;
const H = 170;
/** validators drawn per chart (a replay has dozens): the largest by total dividends, and the base */
const MAX_SERIES = 8;
/** servers whose bonds get charts of their own */
const MAX_BOND_SERVERS = 8;

/** Indices of the validators a chart draws. */
function shown(r: ScenarioResult): number[] {
  const all = r.validators.map((_, k) => k);
  if (all.length <= MAX_SERIES) return all;
  const top = [...all].sort((a, b) => r.totals.dividends[b]! - r.totals.dividends[a]! || a - b).slice(0, MAX_SERIES);
  const base = r.totals.base_validator === null ? -1 : r.validators.indexOf(r.totals.base_validator);
  if (base >= 0 && !top.includes(base)) top[MAX_SERIES - 1] = base;
  return top.sort((a, b) => a - b);
}

const perValidator = (r: ScenarioResult, pick: (ep: ScenarioResult['epochs'][number], k: number) => number) =>
  shown(r).map((k) => ({ name: r.validators[k]!, ys: r.epochs.map((ep) => pick(ep, k)) }));

/** Bond matrix column j over epochs, per validator: raw u16 / 65535, or normalized by the column sum. */
function bondSeries(r: ScenarioResult, j: number, normalized: boolean) {
  return r.validators.map((name, i) => ({
    name,
    ys: r.epochs.map((ep) => {
      const b = ep.bonds!;
      if (!normalized) return b[i]![j]! / 65535;
      let sum = 0;
      for (let k = 0; k < r.validators.length; k++) sum += b[k]![j]!;
      return sum > 0 ? b[i]![j]! / sum : 0;
    }),
  }));
}

const relTitle = (cum: boolean) => (cum ? 'Cumulative relative dividends' : 'Relative dividends');

function relativeChart(r: ScenarioResult, cumulative: boolean, width = W, height = H, title = relTitle(cumulative)): string {
  return lineChart({
    title,
    xLabel: 'epoch',
    yLabel: cumulative ? 'sum of (dividend - stake share)' : 'dividend share - stake share',
    series: perValidator(r, (ep, k) => (cumulative ? ep.relative_dividends_cumulative[k]! : ep.relative_dividends[k]!)),
    width,
    height,
  });
}

export function scenarioVariantSection(c: ScenarioCase, r: ScenarioResult): Section {
  const charts: string[] = [];
  charts.push(
    lineChart({
      title: 'Dividends per validator',
      xLabel: 'epoch',
      yLabel: 'share of dividends',
      series: perValidator(r, (ep, k) => ep.dividends[k]!),
      yMin: 0,
      yMax: 1,
      width: W,
      height: H,
    }),
  );
  charts.push(relativeChart(r, false), relativeChart(r, true));
  const servers = c.kind === 'sim' ? c.servers : [];
  if (c.kind === 'sim') {
    charts.push(
      lineChart({
        title: 'Incentives per server',
        xLabel: 'epoch',
        yLabel: 'share of incentive',
        series: servers.map((name, j) => ({ name, ys: r.epochs.map((e) => e.incentives[j]!) })),
        yMin: 0,
        yMax: 1,
        width: W,
        height: H,
      }),
    );
  }
  const bondServers = servers.length <= MAX_BOND_SERVERS ? servers : [];
  for (const normalized of [false, true]) {
    bondServers.forEach((srv, j) => {
      charts.push(
        lineChart({
          title: `${normalized ? 'Normalized bonds' : 'Bonds'} on ${srv}`,
          xLabel: 'epoch',
          yLabel: normalized ? 'bond / column sum' : 'stored bond / 65535',
          series: bondSeries(r, j, normalized),
          yMin: 0,
          yMax: 1,
          width: W,
          height: H,
        }),
      );
    });
  }
  const reset = r.hyperparameters.bond_reset as { server_uid: number; epoch: number } | null | undefined;
  return {
    id: `${slugId(c.slug)}-v${slugId(r.variant)}`,
    title: `Variant ${r.variant}: ${VARIANT_TITLES[r.variant]}`,
    intro: reset ? `Bond reset applied: server uid ${reset.server_uid} re-registered at epoch ${reset.epoch}.` : undefined,
    blocks: [{ kind: 'charts', html: charts }],
  };
}

const settingLabel = (r: ScenarioResult) => Object.entries(r.setting).map(([k, v]) => `${k}=${v}`).join(' ') || '(none)';
const tokens = (rao: string) => (Number(BigInt(rao) / 1000n) / 1e6).toFixed(4);

/** Tables of the totals: one row per run, one column per validator shown. */
function totalsTables(results: ScenarioResult[]): Block[] {
  const r0 = results[0]!;
  const ks = shown(r0);
  const sweep = results.some((r) => Object.keys(r.setting).length > 0);
  const lead = sweep ? ['variant', 'setting'] : ['variant'];
  const leadCells = (r: ScenarioResult) => (sweep ? [r.variant, settingLabel(r)] : [r.variant]);
  const table = (caption: string, cell: (r: ScenarioResult, k: number) => string): Block => ({
    kind: 'table',
    caption,
    headers: [...lead, ...ks.map((k) => r0.validators[k]!)],
    rows: results.map((r) => [...leadCells(r), ...ks.map((k) => cell(r, k))]),
    numeric: [...lead.map(() => false), ...ks.map(() => true)],
  });
  const blocks: Block[] = [
    table('Total dividends per validator over all epochs (sum of the per-epoch shares)', (r, k) => r.totals.dividends[k]!.toFixed(4)),
    table('Cumulative relative dividends (sum over epochs of dividend share - stake share)', (r, k) => r.totals.relative_dividends[k]!.toFixed(4)),
  ];
  // a sweep's runs are many: emission and the base validator's ratio stay in scenario.json/.csv
  if (sweep) return blocks;
  blocks.push(
    table(
      `Validator emission over all epochs, tokens (1 token = 1e9 rao; rao_emission ${String(r0.hyperparameters.rao_emission)} per epoch)`,
      (r, k) => tokens(r.totals.validator_emission[k]!),
    ),
  );
  if (r0.totals.base_validator !== null) {
    blocks.push(
      table(`Total dividends over those of the base validator, ${r0.totals.base_validator}`, (r, k) =>
        r.totals.dividends_vs_base ? r.totals.dividends_vs_base[k]!.toFixed(4) : 'n/a (base earned nothing)',
      ),
    );
  }
  return blocks;
}

/** A sweep, per variant: cumulative relative dividends against the setting, and per setting over the epochs (small multiples). */
function sweepVariantSection(c: ScenarioCase, variant: ScenarioVariant, results: ScenarioResult[], axes: readonly SweepAxis[]): Section {
  const small = results.map((r) => relativeChart(r, true, 250, 110, settingLabel(r)));
  const numericAxis = axes.length === 1 && axes[0]!.labels.every((l) => Number.isFinite(Number(l)));
  const xs = numericAxis ? axes[0]!.labels.map(Number) : results.map((_, s) => s);
  const r0 = results[0]!;
  const totals = lineChart({
    title: 'Cumulative relative dividends against the setting',
    xLabel: numericAxis ? axes[0]!.name : 'setting (in the order of the small multiples)',
    yLabel: 'sum of (dividend - stake share)',
    xs,
    series: shown(r0).map((k) => ({ name: r0.validators[k]!, ys: results.map((r) => r.totals.relative_dividends[k]!) })),
    markers: true,
    width: W,
    height: H,
  });
  return {
    id: `${slugId(c.slug)}-v${slugId(variant)}`,
    title: `Variant ${variant}: ${VARIANT_TITLES[variant]}`,
    intro: 'Cumulative relative dividends (dividend share - stake share, summed over epochs), one chart per setting.',
    blocks: [{ kind: 'charts', html: [totals] }, { kind: 'charts', html: small }],
  };
}

function inputBlocks(c: ScenarioCase): Block[] {
  if (c.kind === 'replay') {
    const s = c.replay.snapshot;
    const items = c.replay.changes.map((ch) => {
      switch (ch.kind) {
        case 'weights':
          return `epoch ${ch.epoch}: uid ${ch.uid} sets ${ch.cols.length} weights`;
        case 'deregister':
          return `epoch ${ch.epoch}: uid ${ch.uid} deregisters (a new neuron takes the uid)`;
        case 'move_stake':
          return `epoch ${ch.epoch}: ${tokens(ch.amount.toString())} tokens of alpha stake move from uid ${ch.from} to uid ${ch.to}`;
        default:
          return `epoch ${ch.epoch}: uid ${ch.uid}'s stake set to${ch.alpha !== undefined ? ` alpha ${ch.alpha} rao` : ''}${ch.tao !== undefined ? ` tao ${ch.tao} rao` : ''}`;
      }
    });
    return [
      { kind: 'text', text: `Snapshot ${c.replay.snapshotSource}: netuid ${s.netuid}, n=${s.n}, block ${s.current_block}, ${s.weights.col.length} weight entries; ${c.replay.epochs} epochs, ${c.replay.changes.length} scripted changes.` },
      ...(items.length ? [{ kind: 'list' as const, items }] : []),
    ];
  }
  const weightCharts = c.servers.slice(0, MAX_BOND_SERVERS).map((srv, j) =>
    lineChart({
      title: `Weights on ${srv}`,
      xLabel: 'epoch',
      yLabel: 'weight',
      series: c.validators.map((name, i) => ({ name, ys: c.epochs.map((e) => e.weights[i]![j]!) })),
      yMin: 0,
      yMax: 1,
      width: W,
      height: H,
    }),
  );
  const stakeChart = lineChart({
    title: 'Stake per validator',
    xLabel: 'epoch',
    yLabel: 'stake',
    series: c.validators.map((name, i) => ({ name, ys: c.epochs.map((e) => e.stakes[i]!) })),
    yMin: 0,
    width: W,
    height: H,
  });
  return [{ kind: 'charts', html: [...weightCharts, stakeChart] }];
}

/** One case: its inputs, the totals of every run, and a section per variant (small multiples with a sweep). */
export function scenarioCaseSection(c: ScenarioCase, results: ScenarioResult[], axes: readonly SweepAxis[] = []): Section {
  const what = c.kind === 'sim' ? `${c.validators.length} validators, ${c.servers.length} servers, ${c.epochs.length} epochs` : `snapshot replay, ${c.replay.epochs} epochs`;
  const ignored = c.kind === 'sim' ? Object.keys(c.configOverrides) : [];
  const set = Object.entries((results[0]?.hyperparameters.set as Record<string, unknown> | undefined) ?? {})
    .filter(([k]) => !axes.some((a) => a.name === k))
    .map(([k, v]) => `${k}=${v}`);
  const variants = [...new Set(results.map((r) => r.variant))];
  return {
    id: slugId(c.slug),
    title: c.name,
    intro:
      `${what}` +
      (c.description && c.description !== c.name ? `: ${c.description}` : '') +
      (set.length ? `. Settings of the runs: ${set.join(' ')}` : '') +
      (ignored.length ? `. Simulator settings not applied (not chain settings): ${ignored.join(', ')}.` : '.'),
    blocks: [...inputBlocks(c), ...totalsTables(results)],
    sections: axes.length
      ? variants.map((v) => sweepVariantSection(c, v, results.filter((r) => r.variant === v), axes))
      : results.map((r) => scenarioVariantSection(c, r)),
  };
}

/** Every case of a command's runs, in case order. */
export function scenarioSections(cases: readonly ScenarioCase[], runs: readonly { c: ScenarioCase; r: ScenarioResult }[], axes: readonly SweepAxis[]): Section[] {
  return cases.map((c) => scenarioCaseSection(c, runs.filter((x) => x.c === c).map((x) => x.r), axes));
}
