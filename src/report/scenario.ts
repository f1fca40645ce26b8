// `yuma scenario` in the report: per case, the weights per epoch; per variant, dividends per
// validator, incentives per server, bonds and normalized bonds per server (the charts users of
// the Yuma simulators expect), and a table of total dividends per validator.
import { VARIANT_TITLES, type ScenarioCase, type ScenarioResult } from '../engine/analysis/scenario.js';
import { slugId, type Section } from './html.js';
import { lineChart } from './svg.js';

const W = 380;
const H = 170;

/** Bond matrix column j over epochs, per validator: raw u16 / 65535, or normalized by the column sum. */
function bondSeries(c: ScenarioCase, r: ScenarioResult, j: number, normalized: boolean) {
  return c.validators.map((name, i) => ({
    name,
    ys: r.epochs.map((ep) => {
      if (!normalized) return ep.bonds[i]![j]! / 65535;
      let sum = 0;
      for (let k = 0; k < c.validators.length; k++) sum += ep.bonds[k]![j]!;
      return sum > 0 ? ep.bonds[i]![j]! / sum : 0;
    }),
  }));
}

export function scenarioVariantSection(c: ScenarioCase, r: ScenarioResult): Section {
  const charts: string[] = [];
  charts.push(
    lineChart({
      title: 'Dividends per validator',
      xLabel: 'epoch',
      yLabel: 'share of dividends',
      series: c.validators.map((name, i) => ({ name, ys: r.epochs.map((e) => e.dividends[i]!) })),
      yMin: 0,
      yMax: 1,
      width: W,
      height: H,
    }),
  );
  charts.push(
    lineChart({
      title: 'Incentives per server',
      xLabel: 'epoch',
      yLabel: 'share of incentive',
      series: c.servers.map((name, j) => ({ name, ys: r.epochs.map((e) => e.incentives[j]!) })),
      yMin: 0,
      yMax: 1,
      width: W,
      height: H,
    }),
  );
  c.servers.forEach((srv, j) => {
    charts.push(
      lineChart({
        title: `Bonds on ${srv}`,
        xLabel: 'epoch',
        yLabel: 'stored bond / 65535',
        series: bondSeries(c, r, j, false),
        yMin: 0,
        yMax: 1,
        width: W,
        height: H,
      }),
    );
  });
  c.servers.forEach((srv, j) => {
    charts.push(
      lineChart({
        title: `Normalized bonds on ${srv}`,
        xLabel: 'epoch',
        yLabel: 'bond / column sum',
        series: bondSeries(c, r, j, true),
        yMin: 0,
        yMax: 1,
        width: W,
        height: H,
      }),
    );
  });
  const reset = r.hyperparameters.bond_reset as { server_uid: number; epoch: number } | null;
  return {
    id: `${slugId(c.slug)}-v${slugId(r.variant)}`,
    title: `Variant ${r.variant}: ${VARIANT_TITLES[r.variant]}`,
    intro: reset ? `Bond reset applied: server uid ${reset.server_uid} re-registered at epoch ${reset.epoch}.` : undefined,
    blocks: [{ kind: 'charts', html: charts }],
  };
}

export function scenarioCaseSection(c: ScenarioCase, results: ScenarioResult[]): Section {
  const weightCharts = c.servers.map((srv, j) =>
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
  const totals = {
    kind: 'table' as const,
    caption: 'Total dividends per validator over all epochs (sum of the per-epoch shares)',
    headers: ['validator', ...results.map((r) => `variant ${r.variant}`)],
    rows: c.validators.map((name, i) => [name, ...results.map((r) => r.epochs.reduce((a, e) => a + e.dividends[i]!, 0).toFixed(4))]),
    numeric: [false, ...results.map(() => true)],
  };
  const ignored = Object.keys(c.configOverrides);
  return {
    id: slugId(c.slug),
    title: c.name,
    intro:
      `${c.validators.length} validators, ${c.servers.length} servers, ${c.epochs.length} epochs` +
      (c.description && c.description !== c.name ? `: ${c.description}` : '') +
      (ignored.length ? `. Simulator settings not applied (not chain settings): ${ignored.join(', ')}.` : '.'),
    blocks: [{ kind: 'charts', html: [...weightCharts, stakeChart] }, totals],
    sections: results.map((r) => scenarioVariantSection(c, r)),
  };
}
