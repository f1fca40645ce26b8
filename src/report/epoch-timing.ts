// `yuma profile`: the table on stdout and the report section (stacked bars per stage, grouped
// bars per kernel WASM vs TypeScript reference).
import type { EpochTiming } from '../engine/analysis/epoch-timing.js';
import type { Section } from './html.js';
import { barChart, color } from './svg.js';

export function formatBytes(b: number): string {
  if (b < 1024) return `${b} B`;
  if (b < 1024 ** 2) return `${(b / 1024).toFixed(1)} KiB`;
  if (b < 1024 ** 3) return `${(b / 1024 ** 2).toFixed(2)} MiB`;
  return `${(b / 1024 ** 3).toFixed(2)} GiB`;
}

const ms = (x: number) => (x >= 100 ? x.toFixed(1) : x >= 1 ? x.toFixed(3) : x.toFixed(4));
const pad = (s: string, w: number, right = true) => (right ? s.padStart(w) : s.padEnd(w));

/** The bond EMA that ran, in words; says why when liquid alpha was asked for and did not run. */
export function describeEma(p: EpochTiming): string {
  const ran = { original: 'original Yuma, fixed alpha', fixed: 'Yuma3, fixed alpha', liquid: 'Yuma3, liquid alpha' }[p.ema];
  if (!p.shape.liquidAlpha || p.ema === 'liquid') return `bond EMA ${ran}`;
  const why = p.shape.yuma3 ? 'consensus is all zero' : 'original Yuma ignores liquid alpha';
  return `bond EMA ${ran} (liquid alpha not applied: ${why})`;
}

export function describeShape(p: EpochTiming): string {
  const s = p.shape;
  return (
    `n=${s.n}, ${s.weights} weight entries, ${s.bonds} bond entries, yuma3 ${s.yuma3 ? 'on' : 'off'}, ` +
    `liquid alpha ${s.liquidAlpha ? 'on' : 'off'}, bonds_penalty ${s.bondsPenalty}; ${describeEma(p)}`
  );
}

/** The plain-text tables `yuma profile` prints. */
export function epochTimingTable(p: EpochTiming, label: string): string {
  const lines: string[] = [];
  lines.push(`profile: ${label}`);
  lines.push(`  ${describeShape(p)}; ${p.reps} reps after ${p.warmup} warm-up`);
  lines.push('');
  lines.push(`${pad('stage', 18, false)}${pad('median ms', 11)}${pad('p90 ms', 10)}${pad('share', 8)}${pad('bytes', 12)}${pad('GB/s', 8)}`);
  for (const s of p.stages) {
    const gbs = s.medianMs > 0 ? (s.bytes / (s.medianMs / 1000) / 1e9).toFixed(2) : '-';
    lines.push(
      `${pad(s.stage, 18, false)}${pad(ms(s.medianMs), 11)}${pad(ms(s.p90Ms), 10)}${pad(`${(s.share * 100).toFixed(1)}%`, 8)}` +
        `${pad(formatBytes(s.bytes), 12)}${pad(gbs, 8)}`,
    );
  }
  const bytes = p.stages.reduce((a, s) => a + s.bytes, 0);
  lines.push(`${pad('epoch', 18, false)}${pad(ms(p.totalMedianMs), 11)}${pad(ms(p.totalP90Ms), 10)}${pad('100%', 8)}${pad(formatBytes(bytes), 12)}`);
  lines.push('');
  const hasRef = p.refReps > 0;
  lines.push(
    `${pad('kernel', 18, false)}${pad('calls', 6)}${pad('wasm ms', 11)}` + (hasRef ? `${pad('ts-ref ms', 12)}${pad('ref/wasm', 10)}` : ''),
  );
  for (const k of p.kernels) {
    lines.push(
      `${pad(k.kernel, 18, false)}${pad(String(k.calls), 6)}${pad(ms(k.wasmMs), 11)}` +
        (hasRef ? `${pad(k.refMs === null ? '-' : ms(k.refMs), 12)}${pad(k.ratio === null ? '-' : `${k.ratio.toFixed(1)}x`, 10)}` : ''),
    );
  }
  lines.push('');
  lines.push('median ms per epoch (all calls of a kernel in one epoch); bytes: a model of the arrays each stage reads or writes.');
  if (hasRef) {
    lines.push(
      p.identical
        ? `reference kernels (${p.refReps} reps, epoch median ${ms(p.refTotalMedianMs!)} ms): output identical to the WASM kernels bit for bit`
        : `reference kernels: OUTPUT DIFFERS from the WASM kernels: ${p.mismatch}`,
    );
  } else {
    lines.push('reference kernels: not run (--ref-reps 0)');
  }
  return `${lines.join('\n')}\n`;
}

export function epochTimingSection(p: EpochTiming, label: string, id = 'profile'): Section {
  const stageNames = p.stages.map((s) => s.stage);
  const colors = stageNames.map((_, i) => color(i));
  const stacked = barChart({
    title: 'Epoch time by stage, WASM kernels (stacked)',
    categories: ['median', 'p90'],
    groups: stageNames,
    values: [p.stages.map((s) => s.medianMs), p.stages.map((s) => s.p90Ms)],
    mode: 'stacked',
    unit: 'ms',
    colors,
    caption: 'Each bar is one epoch split into the pipeline stages of docs/spec/yuma-stages.md (median or p90 of each stage over the reps).',
  });
  const refStacked = p.refStages
    ? barChart({
        title: 'Epoch time by stage, TypeScript reference kernels (stacked)',
        categories: ['median'],
        groups: stageNames,
        values: [p.refStages.map((s) => s.medianMs)],
        mode: 'stacked',
        unit: 'ms',
        colors,
        caption: `The same epoch on the plain TypeScript + BigInt kernels (${p.refReps} reps): the vector stages are the same code, the matrix stages are not.`,
      })
    : null;
  const shares = barChart({
    title: 'Share of the epoch per stage',
    categories: ['share'],
    groups: stageNames,
    values: [p.stages.map((s) => s.share * 100)],
    mode: 'stacked',
    unit: '%',
    colors,
  });
  const ks = p.kernels.filter((k) => k.kernel !== 'alloc');
  const kernelChart = barChart({
    title: p.refReps > 0 ? 'Kernel time per epoch: WASM vs TypeScript reference' : 'Kernel time per epoch (WASM)',
    categories: ks.map((k) => `${k.kernel} ×${k.calls}`),
    groups: p.refReps > 0 ? ['WASM', 'TypeScript reference'] : ['WASM'],
    values: ks.map((k) => (p.refReps > 0 ? [k.wasmMs, k.refMs ?? 0] : [k.wasmMs])),
    mode: 'grouped',
    unit: 'ms',
    log: true,
    colors: ['#0072B2', '#D55E00'],
    caption: 'Median over the reps of each kernel\'s time within one epoch (all its calls). Log scale.',
  });
  const bytesTotal = p.stages.reduce((a, s) => a + s.bytes, 0);
  return {
    id,
    title: `Profile: ${label}`,
    intro: `${describeShape(p)}. ${p.reps} timed reps after ${p.warmup} warm-up; epoch median ${ms(p.totalMedianMs)} ms, p90 ${ms(p.totalP90Ms)} ms.`,
    blocks: [
      { kind: 'charts', html: [stacked, shares, ...(refStacked ? [refStacked] : [])] },
      {
        kind: 'table',
        headers: ['stage', 'median ms', 'p90 ms', 'share', 'bytes touched'],
        rows: [
          ...p.stages.map((s) => [s.stage, ms(s.medianMs), ms(s.p90Ms), `${(s.share * 100).toFixed(1)}%`, formatBytes(s.bytes)]),
          ['epoch', ms(p.totalMedianMs), ms(p.totalP90Ms), '100%', formatBytes(bytesTotal)],
        ],
        numeric: [false, true, true, true, true],
        caption: 'Bytes touched: a model, each array a stage reads or writes counted once at its used length.',
      },
      { kind: 'chart', html: kernelChart },
      {
        kind: 'table',
        headers: ['kernel', 'calls', 'WASM ms', 'TS reference ms', 'reference / WASM'],
        rows: p.kernels.map((k) => [
          k.kernel,
          String(k.calls),
          ms(k.wasmMs),
          k.refMs === null ? '-' : ms(k.refMs),
          k.ratio === null ? '-' : `${k.ratio.toFixed(1)}x`,
        ]),
        numeric: [false, true, true, true, true],
      },
      {
        kind: 'text',
        text:
          p.refReps === 0
            ? 'The TypeScript reference kernels were not run.'
            : p.identical
              ? `The TypeScript reference kernels (${p.refReps} reps) produced the same output as the WASM kernels, bit for bit.`
              : `The TypeScript reference kernels produced a DIFFERENT output: ${p.mismatch}`,
      },
    ],
  };
}
