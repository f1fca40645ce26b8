// Charts as inline SVG strings: line charts, stacked and grouped bar charts, heatmaps with
// contour lines. No library and no script: the report renders anywhere, offline, and a chart
// is "drawn" as soon as the page is parsed. Every chart is one <figure class="chart">.
import { contourSegments } from './contour.js';

/** Okabe-Ito + Tableau-like categorical colours (colour-blind friendly first). */
export const PALETTE = [
  '#0072B2', '#E69F00', '#009E73', '#D55E00', '#CC79A7', '#56B4E9', '#F0E442', '#000000',
  '#8C564B', '#7F7F7F', '#17BECF', '#BCBD22', '#9467BD', '#FF9896', '#AEC7E8', '#98DF8A',
];
export const color = (i: number) => PALETTE[((i % PALETTE.length) + PALETTE.length) % PALETTE.length]!;

/** Escape text for HTML/SVG content and attribute values. */
export function esc(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

const f = (x: number) => (Number.isInteger(x) ? String(x) : x.toFixed(2));

/** Round, human tick values covering [lo, hi]. */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) return [0, 1];
  if (hi === lo) {
    const d = lo === 0 ? 1 : Math.abs(lo) * 0.1;
    lo -= d;
    hi += d;
  }
  const raw = (hi - lo) / Math.max(1, count);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  const out: number[] = [];
  for (let t = Math.ceil(lo / step - 1e-9) * step; t <= hi + step * 1e-9; t += step) out.push(Math.abs(t) < step * 1e-9 ? 0 : t);
  return out;
}

export function tickLabel(t: number): string {
  if (t === 0) return '0';
  const a = Math.abs(t);
  if (a >= 1e6 || a < 1e-3) return t.toExponential(1).replace('e+', 'e');
  return String(Number(t.toPrecision(6)));
}

/** A figure wrapper: the chart SVG plus a caption. */
export function figure(kind: string, title: string, svg: string, caption?: string): string {
  const cap = caption ? `<figcaption>${esc(caption)}</figcaption>` : '';
  return `<figure class="chart" data-kind="${esc(kind)}" data-title="${esc(title)}">${svg}${cap}</figure>`;
}

interface Frame {
  width: number;
  height: number;
  left: number;
  right: number;
  top: number;
  bottom: number;
}

function svgOpen(fr: Frame, title: string): string {
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${fr.width} ${fr.height}" width="${fr.width}" height="${fr.height}" ` +
    `role="img" aria-label="${esc(title)}" font-family="system-ui, -apple-system, 'Segoe UI', sans-serif" font-size="11">` +
    `<title>${esc(title)}</title>` +
    `<text x="${fr.left}" y="16" font-size="13" font-weight="600" fill="#222">${esc(title)}</text>`
  );
}

function axisLabels(fr: Frame, xLabel: string | undefined, yLabel: string | undefined): string {
  let s = '';
  if (xLabel) s += `<text x="${fr.left + (fr.width - fr.left - fr.right) / 2}" y="${fr.height - 6}" text-anchor="middle" fill="#444">${esc(xLabel)}</text>`;
  if (yLabel) {
    const cy = fr.top + (fr.height - fr.top - fr.bottom) / 2;
    s += `<text transform="translate(12 ${cy}) rotate(-90)" text-anchor="middle" fill="#444">${esc(yLabel)}</text>`;
  }
  return s;
}

function legend(items: { name: string; color: string; dash?: string }[], x: number, y: number, maxWidth: number): { svg: string; height: number } {
  let s = '';
  let cx = x;
  let cy = y;
  for (const it of items) {
    const w = 34 + Math.min(it.name.length, 40) * 6.6;
    if (cx + w > x + maxWidth && cx > x) {
      cx = x;
      cy += 15;
    }
    s +=
      `<line x1="${cx}" y1="${cy - 4}" x2="${cx + 18}" y2="${cy - 4}" stroke="${it.color}" stroke-width="2.5"${it.dash ? ` stroke-dasharray="${it.dash}"` : ''}/>` +
      `<text x="${cx + 22}" y="${cy}" fill="#333">${esc(it.name.length > 40 ? `${it.name.slice(0, 39)}…` : it.name)}</text>`;
    cx += w;
  }
  return { svg: `<g class="legend">${s}</g>`, height: items.length ? cy - y + 15 : 0 };
}

const DASHES = ['', '7 3', '2 2.5', '9 3 2 3'];
function seriesDash(k: number, few: boolean): string | undefined {
  return few ? DASHES[k % DASHES.length] || undefined : undefined;
}

export interface Series {
  name: string;
  /** y per x (x = index, or xs[index]) */
  ys: ArrayLike<number>;
  color?: string;
  dash?: string;
}

export interface LineChartSpec {
  title: string;
  xLabel?: string;
  yLabel?: string;
  series: Series[];
  /** x values (default 0..len-1) */
  xs?: ArrayLike<number>;
  yMin?: number;
  yMax?: number;
  width?: number;
  height?: number;
  caption?: string;
  /** draw markers at each point (small series) */
  markers?: boolean;
}

/** A line chart with axes, grid, and a legend under the plot. */
/** Where a rotated y-axis title (axisLabels, centred on x = 12) ends on the right, with a margin. */
const Y_TITLE_CLEAR = 19;
/** tick labels end this far left of the plot */
const TICK_GAP = 5;
/** A width in px that 11px text of these labels stays within (digits are about 0.64em in the usual sans fonts). */
const labelWidth = (labels: string[]) => Math.ceil(7.1 * Math.max(0, ...labels.map((l) => l.length)));

export function lineChart(spec: LineChartSpec): string {
  const width = spec.width ?? 460;
  const plotH = spec.height ?? 200;
  const legendProbe = legend(spec.series.map((s, i) => ({ name: s.name, color: s.color ?? color(i) })), 0, 0, width - 68);
  const fr: Frame = { width, height: 0, left: 54, right: 14, top: 26, bottom: 38 + legendProbe.height };
  fr.height = fr.top + plotH + fr.bottom;
  const len = Math.max(0, ...spec.series.map((s) => s.ys.length));
  const xs = spec.xs ?? Array.from({ length: len }, (_, i) => i);
  let lo = Infinity;
  let hi = -Infinity;
  for (const s of spec.series) {
    for (let i = 0; i < s.ys.length; i++) {
      const v = s.ys[i]!;
      if (Number.isFinite(v)) {
        lo = Math.min(lo, v);
        hi = Math.max(hi, v);
      }
    }
  }
  if (spec.yMin !== undefined) lo = Math.min(spec.yMin, Number.isFinite(lo) ? lo : spec.yMin);
  if (spec.yMax !== undefined) hi = Math.max(spec.yMax, Number.isFinite(hi) ? hi : spec.yMax);
  if (!Number.isFinite(lo)) [lo, hi] = [0, 1];
  const yt = niceTicks(lo, hi);
  // wide tick labels ("100000") push the plot right, clear of the rotated axis title at x = 12
  fr.left = Math.max(fr.left, Y_TITLE_CLEAR + TICK_GAP + labelWidth(yt.map(tickLabel)));
  const y0 = Math.min(lo, yt[0]!);
  const y1 = Math.max(hi, yt[yt.length - 1]!);
  const x0 = len ? xs[0]! : 0;
  const x1 = len > 1 ? xs[len - 1]! : x0 + 1;
  const pw = width - fr.left - fr.right;
  const X = (x: number) => fr.left + ((x - x0) / (x1 - x0 || 1)) * pw;
  const Y = (y: number) => fr.top + plotH - ((y - y0) / (y1 - y0 || 1)) * plotH;
  let s = svgOpen(fr, spec.title);
  s += `<rect x="${fr.left}" y="${fr.top}" width="${pw}" height="${plotH}" fill="#fcfcfd" stroke="#ccc"/>`;
  for (const t of yt) {
    s += `<line x1="${fr.left}" x2="${fr.left + pw}" y1="${f(Y(t))}" y2="${f(Y(t))}" stroke="#e5e5e5"/>`;
    s += `<text x="${fr.left - 5}" y="${f(Y(t) + 3.5)}" text-anchor="end" fill="#555">${tickLabel(t)}</text>`;
  }
  for (const t of niceTicks(x0, x1, 8)) {
    if (t < x0 - 1e-9 || t > x1 + 1e-9) continue;
    s += `<line x1="${f(X(t))}" x2="${f(X(t))}" y1="${fr.top + plotH}" y2="${fr.top + plotH + 4}" stroke="#888"/>`;
    s += `<text x="${f(X(t))}" y="${fr.top + plotH + 15}" text-anchor="middle" fill="#555">${tickLabel(t)}</text>`;
  }
  // overlapping series stay visible: earlier ones wider, later ones dashed (small counts only)
  const few = spec.series.length <= 8;
  const dashOf = (k: number) => seriesDash(k, few);
  const widthOf = (k: number) => (few ? Math.max(1.6, 3.4 - k * 0.6) : 1.8);
  spec.series.forEach((ser, k) => {
    const c = ser.color ?? color(k);
    if (ser.dash === undefined && dashOf(k)) ser = { ...ser, dash: dashOf(k) };
    const pts: string[] = [];
    for (let i = 0; i < ser.ys.length; i++) {
      const v = ser.ys[i]!;
      if (Number.isFinite(v)) pts.push(`${f(X(xs[i]!))},${f(Y(v))}`);
    }
    if (pts.length === 0) return;
    const title = `<title>${esc(ser.name)}</title>`;
    s += `<polyline class="series" points="${pts.join(' ')}" fill="none" stroke="${c}" stroke-width="${widthOf(k)}" stroke-linejoin="round"${ser.dash ? ` stroke-dasharray="${ser.dash}"` : ''}>${title}</polyline>`;
    if (spec.markers || pts.length === 1) {
      for (const p of pts) {
        const [px, py] = p.split(',');
        s += `<circle cx="${px}" cy="${py}" r="2.2" fill="${c}"/>`;
      }
    }
  });
  s += axisLabels({ ...fr, height: fr.top + plotH + 34, bottom: 34 }, spec.xLabel, spec.yLabel);
  const lg = legend(
    spec.series.map((ser, i) => ({ name: ser.name, color: ser.color ?? color(i), dash: ser.dash ?? dashOf(i) })),
    fr.left,
    fr.top + plotH + 46,
    pw,
  );
  s += lg.svg + '</svg>';
  return figure('line', spec.title, s, spec.caption);
}

export interface BarChartSpec {
  title: string;
  /** one bar per category (rows, drawn horizontally) */
  categories: string[];
  /** stacked: segments of each bar; grouped: one bar per group within a category */
  groups: string[];
  /** values[category][group] */
  values: number[][];
  mode: 'stacked' | 'grouped';
  unit?: string;
  log?: boolean;
  width?: number;
  caption?: string;
  /** colours per group (default: the palette) */
  colors?: string[];
}

/** Horizontal bars: stacked (shares of one total) or grouped (side by side, optional log axis). */
export function barChart(spec: BarChartSpec): string {
  const width = spec.width ?? 760;
  const labelW = Math.min(220, 12 + Math.max(...spec.categories.map((c) => c.length)) * 6.4);
  const barH = spec.mode === 'stacked' ? 26 : Math.max(8, 22 / Math.max(1, spec.groups.length) + 4);
  const rowH = spec.mode === 'stacked' ? 36 : barH * spec.groups.length + 10;
  const plotH = rowH * spec.categories.length;
  const colors = spec.colors ?? spec.groups.map((_, i) => color(i));
  const lg = legend(spec.groups.map((g, i) => ({ name: g, color: colors[i]! })), 0, 0, width - labelW - 20);
  const fr: Frame = { width, height: 0, left: labelW, right: spec.mode === 'stacked' ? 70 : 44, top: 28, bottom: 40 + lg.height };
  fr.height = fr.top + plotH + fr.bottom;
  const pw = width - fr.left - fr.right;
  const totals = spec.values.map((row) => (spec.mode === 'stacked' ? row.reduce((a, b) => a + Math.max(0, b), 0) : Math.max(0, ...row)));
  const maxV = Math.max(1e-12, ...totals);
  let X: (v: number) => number;
  let ticks: number[];
  if (spec.log) {
    const pos = spec.values.flat().filter((v) => v > 0);
    const lo = 10 ** Math.floor(Math.log10(Math.min(...pos, maxV)));
    const hi = 10 ** Math.ceil(Math.log10(maxV));
    X = (v: number) => fr.left + ((Math.log10(Math.max(v, lo)) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo) || 1)) * pw;
    ticks = [];
    for (let t = lo; t <= hi * 1.0001; t *= 10) ticks.push(t);
  } else {
    ticks = niceTicks(0, maxV);
    if (ticks.length > 1 && ticks[ticks.length - 1]! < maxV) ticks.push(ticks[ticks.length - 1]! + (ticks[1]! - ticks[0]!));
    const top = ticks[ticks.length - 1]!;
    X = (v: number) => fr.left + (v / top) * pw;
  }
  let s = svgOpen(fr, spec.title);
  for (const t of ticks) {
    s += `<line x1="${f(X(t))}" x2="${f(X(t))}" y1="${fr.top}" y2="${fr.top + plotH}" stroke="#e5e5e5"/>`;
    s += `<text x="${f(X(t))}" y="${fr.top + plotH + 14}" text-anchor="middle" fill="#555">${tickLabel(t)}</text>`;
  }
  spec.categories.forEach((cat, r) => {
    const y = fr.top + r * rowH + 5;
    s += `<text x="${fr.left - 6}" y="${f(y + (rowH - 10) / 2 + 4)}" text-anchor="end" fill="#222">${esc(cat)}</text>`;
    let acc = 0;
    spec.groups.forEach((g, k) => {
      const v = spec.values[r]![k]!;
      if (!(v > 0)) return;
      const tip = `<title>${esc(`${cat} · ${g}: ${tickLabel(v)}${spec.unit ? ` ${spec.unit}` : ''}`)}</title>`;
      if (spec.mode === 'stacked') {
        const xa = X(acc);
        const xb = X(acc + v);
        s += `<rect class="bar" x="${f(xa)}" y="${f(y)}" width="${f(Math.max(0.5, xb - xa))}" height="${barH}" fill="${colors[k]}" stroke="#fff" stroke-width="0.5">${tip}</rect>`;
        if (xb - xa > g.length * 6.4 + 6) {
          s += `<text x="${f((xa + xb) / 2)}" y="${f(y + barH / 2 + 4)}" text-anchor="middle" fill="${textOn(colors[k]!)}" font-size="10.5">${esc(g)}</text>`;
        }
        acc += v;
      } else {
        const yy = y + k * barH;
        s += `<rect class="bar" x="${fr.left}" y="${f(yy)}" width="${f(Math.max(0.5, X(v) - fr.left))}" height="${barH - 2}" fill="${colors[k]}">${tip}</rect>`;
        s += `<text x="${f(X(v) + 3)}" y="${f(yy + barH - 4)}" fill="#333" font-size="10">${tickLabel(Number(v.toPrecision(3)))}</text>`;
      }
    });
    if (spec.mode === 'stacked') {
      s += `<text x="${f(X(acc) + 4)}" y="${f(y + barH / 2 + 4)}" fill="#333">${tickLabel(Number(acc.toPrecision(3)))}${spec.unit ? ` ${esc(spec.unit)}` : ''}</text>`;
    }
  });
  s += `<line x1="${fr.left}" x2="${fr.left}" y1="${fr.top}" y2="${fr.top + plotH}" stroke="#888"/>`;
  if (spec.unit) s += `<text x="${fr.left + pw / 2}" y="${fr.top + plotH + 28}" text-anchor="middle" fill="#444">${esc(spec.unit)}${spec.log ? ' (log scale)' : ''}</text>`;
  const lgd = legend(spec.groups.map((g, i) => ({ name: g, color: colors[i]! })), fr.left, fr.top + plotH + 46, pw);
  s += lgd.svg + '</svg>';
  return figure(spec.mode === 'stacked' ? 'stacked-bar' : 'grouped-bar', spec.title, s, spec.caption);
}

/** Black or white text, whichever reads better on a #rrggbb background. */
export function textOn(bg: string): string {
  const m = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(bg);
  if (!m) return '#000';
  const [r, g, b] = [m[1], m[2], m[3]].map((h) => parseInt(h!, 16) / 255) as [number, number, number];
  return 0.299 * r + 0.587 * g + 0.114 * b > 0.55 ? '#111' : '#fff';
}

/** Viridis, sampled: t in [0, 1] to a hex colour. */
export function viridis(t: number): string {
  const stops = [
    [68, 1, 84], [72, 40, 120], [62, 74, 137], [49, 104, 142], [38, 130, 142],
    [31, 158, 137], [53, 183, 121], [109, 205, 89], [180, 222, 44], [253, 231, 37],
  ];
  const x = Math.min(1, Math.max(0, Number.isFinite(t) ? t : 0)) * (stops.length - 1);
  const i = Math.min(stops.length - 2, Math.floor(x));
  const u = x - i;
  const c = stops[i]!.map((a, k) => Math.round(a + (stops[i + 1]![k]! - a) * u));
  return `#${c.map((v) => v.toString(16).padStart(2, '0')).join('')}`;
}

export interface GridSpec {
  /** values[iy][ix]: iy along y (ys), ix along x (xs) */
  values: ArrayLike<number>[];
  xs: ArrayLike<number>;
  ys: ArrayLike<number>;
}

export interface HeatmapSpec extends GridSpec {
  title: string;
  xLabel: string;
  yLabel: string;
  /** colour range */
  vMin: number;
  vMax: number;
  /** contour levels drawn as lines (labelled) */
  levels?: { value: number; color?: string; label?: string; width?: number }[];
  size?: number;
  caption?: string;
}

/** A heatmap (cells coloured by value) with contour lines at the given levels. */
export function heatmap(spec: HeatmapSpec): string {
  const size = spec.size ?? 230;
  const fr: Frame = { width: size + 70, height: size + 64, left: 46, right: 24, top: 26, bottom: 38 };
  const nx = spec.xs.length;
  const ny = spec.ys.length;
  const X0 = spec.xs[0]!, X1 = spec.xs[nx - 1]!, Y0 = spec.ys[0]!, Y1 = spec.ys[ny - 1]!;
  const cw = size / nx;
  const ch = size / ny;
  const X = (x: number) => fr.left + cw / 2 + ((x - X0) / (X1 - X0 || 1)) * (size - cw);
  const Y = (y: number) => fr.top + size - ch / 2 - ((y - Y0) / (Y1 - Y0 || 1)) * (size - ch);
  let s = svgOpen(fr, spec.title);
  let cells = '';
  for (let iy = 0; iy < ny; iy++) {
    for (let ix = 0; ix < nx; ix++) {
      const v = spec.values[iy]![ix]!;
      const t = (v - spec.vMin) / (spec.vMax - spec.vMin || 1);
      cells += `<rect x="${f(fr.left + ix * cw)}" y="${f(fr.top + size - (iy + 1) * ch)}" width="${f(cw + 0.3)}" height="${f(ch + 0.3)}" fill="${viridis(t)}"/>`;
    }
  }
  s += `<g class="cells" shape-rendering="crispEdges">${cells}</g>`;
  for (const lv of spec.levels ?? []) {
    const segs = contourSegments(spec, lv.value);
    if (segs.length === 0) continue;
    const d = segs.map(([a, b, c, e]) => `M${f(X(a))} ${f(Y(b))}L${f(X(c))} ${f(Y(e))}`).join('');
    s += `<path class="contour" d="${d}" fill="none" stroke="${lv.color ?? '#fff'}" stroke-width="${lv.width ?? 1.6}" stroke-linecap="round"><title>${esc(lv.label ?? `level ${lv.value}`)}</title></path>`;
  }
  s += `<rect x="${fr.left}" y="${fr.top}" width="${size}" height="${size}" fill="none" stroke="#888"/>`;
  for (const t of niceTicks(X0, X1, 4)) {
    if (t < X0 - 1e-9 || t > X1 + 1e-9) continue;
    s += `<text x="${f(X(t))}" y="${fr.top + size + 13}" text-anchor="middle" fill="#555">${tickLabel(t)}</text>`;
  }
  for (const t of niceTicks(Y0, Y1, 4)) {
    if (t < Y0 - 1e-9 || t > Y1 + 1e-9) continue;
    s += `<text x="${fr.left - 4}" y="${f(Y(t) + 3.5)}" text-anchor="end" fill="#555">${tickLabel(t)}</text>`;
  }
  s += axisLabels({ ...fr, height: fr.top + size + 30 }, spec.xLabel, undefined);
  s += `<text transform="translate(12 ${fr.top + size / 2}) rotate(-90)" text-anchor="middle" fill="#444">${esc(spec.yLabel)}</text>`;
  // colour bar
  const bx = fr.left + size + 8;
  for (let k = 0; k < 20; k++) {
    s += `<rect x="${bx}" y="${f(fr.top + size - ((k + 1) * size) / 20)}" width="8" height="${f(size / 20 + 0.3)}" fill="${viridis((k + 0.5) / 20)}"/>`;
  }
  s += `<text x="${bx + 10}" y="${fr.top + 8}" font-size="9" fill="#555">${tickLabel(spec.vMax)}</text>`;
  s += `<text x="${bx + 10}" y="${fr.top + size}" font-size="9" fill="#555">${tickLabel(spec.vMin)}</text>`;
  s += '</svg>';
  return figure('heatmap', spec.title, s, spec.caption);
}

export interface ContourChartSpec {
  title: string;
  xLabel: string;
  yLabel: string;
  xs: ArrayLike<number>;
  ys: ArrayLike<number>;
  /** one contour per entry: its own grid and level */
  lines: { name: string; values: ArrayLike<number>[]; level: number; color?: string }[];
  size?: number;
  caption?: string;
}

/** Several contour lines (each from its own grid) on one plot, with a legend. */
export function contourChart(spec: ContourChartSpec): string {
  const size = spec.size ?? 360;
  const lgProbe = legend(spec.lines.map((l, i) => ({ name: l.name, color: l.color ?? color(i) })), 0, 0, size);
  const fr: Frame = { width: size + 70, height: 0, left: 54, right: 16, top: 26, bottom: 44 + lgProbe.height };
  fr.height = fr.top + size + fr.bottom;
  const nx = spec.xs.length;
  const ny = spec.ys.length;
  const X0 = spec.xs[0]!, X1 = spec.xs[nx - 1]!, Y0 = spec.ys[0]!, Y1 = spec.ys[ny - 1]!;
  const X = (x: number) => fr.left + ((x - X0) / (X1 - X0 || 1)) * size;
  const Y = (y: number) => fr.top + size - ((y - Y0) / (Y1 - Y0 || 1)) * size;
  let s = svgOpen(fr, spec.title);
  s += `<rect x="${fr.left}" y="${fr.top}" width="${size}" height="${size}" fill="#fcfcfd" stroke="#ccc"/>`;
  for (const t of niceTicks(X0, X1, 5)) {
    s += `<line x1="${f(X(t))}" x2="${f(X(t))}" y1="${fr.top}" y2="${fr.top + size}" stroke="#eee"/>`;
    s += `<text x="${f(X(t))}" y="${fr.top + size + 14}" text-anchor="middle" fill="#555">${tickLabel(t)}</text>`;
  }
  for (const t of niceTicks(Y0, Y1, 5)) {
    s += `<line x1="${fr.left}" x2="${fr.left + size}" y1="${f(Y(t))}" y2="${f(Y(t))}" stroke="#eee"/>`;
    s += `<text x="${fr.left - 5}" y="${f(Y(t) + 3.5)}" text-anchor="end" fill="#555">${tickLabel(t)}</text>`;
  }
  spec.lines.forEach((ln, i) => {
    const segs = contourSegments({ values: ln.values, xs: spec.xs, ys: spec.ys }, ln.level);
    const d = segs.map(([a, b, c, e]) => `M${f(X(a))} ${f(Y(b))}L${f(X(c))} ${f(Y(e))}`).join('');
    s += `<path class="contour series" d="${d || `M${fr.left} ${fr.top}`}" fill="none" stroke="${ln.color ?? color(i)}" stroke-width="2" stroke-linecap="round"${d ? '' : ' stroke-opacity="0"'}><title>${esc(ln.name)}</title></path>`;
  });
  s += `<text x="${fr.left + size / 2}" y="${fr.top + size + 30}" text-anchor="middle" fill="#444">${esc(spec.xLabel)}</text>`;
  s += `<text transform="translate(12 ${fr.top + size / 2}) rotate(-90)" text-anchor="middle" fill="#444">${esc(spec.yLabel)}</text>`;
  s += legend(spec.lines.map((l, i) => ({ name: l.name, color: l.color ?? color(i) })), fr.left, fr.top + size + 48, size).svg;
  s += '</svg>';
  return figure('contour', spec.title, s, spec.caption);
}
