// `yuma map` in the report: the retention lines (one contour per major stake, where the
// majority's emission share equals its stake share) and one heatmap per major stake.
import type { MapResult } from '../engine/analysis/mapsweep.js';
import type { Section } from './html.js';
import { contourChart, heatmap, viridis } from './svg.js';

/** Cells where the majority keeps at least its stake share, per major stake. */
export function retentionFraction(r: MapResult, s: number): number {
  const ms = r.majorStakes[s]!;
  let keep = 0;
  let all = 0;
  for (const row of r.share[s]!) {
    for (const v of row) {
      all++;
      if (v >= ms) keep++;
    }
  }
  return all ? keep / all : 0;
}

export function mapSection(r: MapResult, id = 'map'): Section {
  const xs = r.levels;
  const ys = r.levels;
  const lineColor = (i: number) => viridis(0.8 * (r.majorStakes.length > 1 ? i / (r.majorStakes.length - 1) : 0.5));
  const lines = r.majorStakes.map((ms, s) => ({
    name: `major stake ${ms}`,
    values: r.share[s]!,
    level: ms,
    color: lineColor(s),
  }));
  const retention = contourChart({
    title: 'Retention lines: majority emission share = majority stake',
    xLabel: 'major self-weight',
    yLabel: 'minor self-weight',
    xs,
    ys,
    lines,
    size: 420,
    caption:
      'One contour per major stake: to the right of (below) its line the majority receives at least its stake share of the emission. ' +
      'x: the weight majority validators put on majority servers; y: the weight minority validators put on minority servers.',
  });
  const maps = r.majorStakes.map((ms, s) =>
    heatmap({
      title: `major stake ${ms}`,
      xLabel: 'major self-weight',
      yLabel: 'minor self-weight',
      xs,
      ys,
      values: r.share[s]!,
      vMin: 0,
      vMax: 1,
      levels: [
        { value: ms, color: '#ffffff', label: `share = ${ms} (retention)`, width: 2.2 },
        { value: 0.5, color: '#ff4d4d', label: 'share = 0.5', width: 1.4 },
      ],
      size: 210,
    }),
  );
  const shape = r.shape;
  return {
    id,
    title: 'Consensus guarantees: majority emission share',
    intro:
      `Two-camp graphs of ${shape.neurons} neurons (${shape.validators} validators), one epoch each from empty bonds, ` +
      `bonds_penalty ${shape.bondsPenalty}, yuma3 ${shape.yuma3 ? 'on' : 'off'}, weight noise sd ${shape.weightStddev}, stake noise sd ${shape.stakeStddev}, seed ${shape.seed}: ` +
      `${r.epochs} epochs on a ${r.levels.length} x ${r.levels.length} grid per major stake, in ${(r.ms / 1000).toFixed(1)} s.`,
    blocks: [
      { kind: 'chart', html: retention },
      { kind: 'text', text: 'Majority emission share per major stake (colour 0..1). White line: share = major stake (retention); red line: share = 0.5.' },
      { kind: 'charts', html: maps },
      {
        kind: 'table',
        headers: ['major stake', 'major validators', 'minor validators', 'major servers', 'minor servers', 'grid cells retained', 'share at (1, 1)', 'share at (0.5, 0.5)'],
        rows: r.majorStakes.map((ms, s) => {
          const last = r.levels.length - 1;
          const mid = r.levels.findIndex((l) => Math.abs(l - 0.5) < 1e-9);
          const c = r.camps[s]!;
          return [
            String(ms),
            c.majorValidators,
            c.minorValidators,
            c.majorServers,
            c.minorServers,
            `${(retentionFraction(r, s) * 100).toFixed(1)}%`,
            r.share[s]![last]![last]!.toFixed(4),
            mid >= 0 ? r.share[s]![mid]![mid]!.toFixed(4) : '-',
          ];
        }),
        numeric: [true, true, true, true, true, true, true, true],
      },
    ],
  };
}
