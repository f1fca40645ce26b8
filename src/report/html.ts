// One self-contained HTML page: inline CSS, inline SVG charts (src/report/svg.ts), no script,
// no external resource. Opens offline in any browser; `yuma profile|map|scenario --report`.
import { esc } from './svg.js';

export type Block =
  | { kind: 'chart'; html: string }
  | { kind: 'charts'; html: string[] }
  | { kind: 'table'; headers: string[]; rows: (string | number)[][]; caption?: string; numeric?: boolean[] }
  | { kind: 'text'; text: string }
  | { kind: 'list'; items: string[] };

export interface Section {
  id: string;
  title: string;
  intro?: string;
  blocks: Block[];
  /** nested sections (h3) */
  sections?: Section[];
}

export interface ReportSpec {
  title: string;
  /** one line under the title, e.g. the command that made the report */
  subtitle?: string;
  sections: Section[];
  /** key facts shown as a definition list at the top */
  facts?: [string, string][];
}

const CSS = `
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif; color: #1d1d1f; background: #f4f5f7; }
header { background: #1f2937; color: #f9fafb; padding: 18px 28px 14px; }
header h1 { margin: 0 0 4px; font-size: 21px; font-weight: 650; }
header p { margin: 0; color: #cbd5e1; font-size: 13px; font-family: ui-monospace, SFMono-Regular, Menlo, monospace; }
main { padding: 18px 28px 40px; max-width: 1500px; }
nav.toc { background: #fff; border: 1px solid #e3e5e8; border-radius: 8px; padding: 10px 16px; margin-bottom: 16px; font-size: 13px; }
nav.toc a { color: #1d4ed8; text-decoration: none; margin-right: 14px; white-space: nowrap; display: inline-block; }
section.top { background: #fff; border: 1px solid #e3e5e8; border-radius: 8px; padding: 14px 20px 18px; margin-bottom: 18px; }
section.top > h2 { margin: 0 0 8px; font-size: 17px; }
section.sub { border-top: 1px solid #eceef1; margin-top: 14px; padding-top: 10px; }
section.sub > h3 { margin: 0 0 6px; font-size: 15px; }
p.intro { margin: 2px 0 10px; color: #4b5563; max-width: 110ch; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 3px 14px; margin: 0 0 16px; background: #fff; border: 1px solid #e3e5e8; border-radius: 8px; padding: 10px 16px; }
dl.facts dt { color: #6b7280; } dl.facts dd { margin: 0; font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: 12.5px; }
.charts { display: flex; flex-wrap: wrap; gap: 10px 14px; align-items: flex-start; }
figure.chart { margin: 6px 0; background: #fff; }
figure.chart svg { display: block; max-width: 100%; height: auto; }
figcaption { font-size: 12px; color: #6b7280; max-width: 760px; margin-top: 2px; }
table { border-collapse: collapse; margin: 6px 0 12px; font-size: 12.5px; }
th, td { border-bottom: 1px solid #e5e7eb; padding: 3px 10px; text-align: left; }
th { background: #f3f4f6; font-weight: 600; }
td.num { text-align: right; font-variant-numeric: tabular-nums; font-family: ui-monospace, SFMono-Regular, Menlo, monospace; }
table caption { caption-side: top; text-align: left; color: #4b5563; padding-bottom: 3px; }
ul { margin: 4px 0 10px; }
`;

function block(b: Block): string {
  switch (b.kind) {
    case 'chart':
      return b.html;
    case 'charts':
      return `<div class="charts">${b.html.join('')}</div>`;
    case 'text':
      return `<p class="intro">${esc(b.text)}</p>`;
    case 'list':
      return `<ul>${b.items.map((i) => `<li>${esc(i)}</li>`).join('')}</ul>`;
    case 'table': {
      const num = b.numeric ?? b.headers.map((_, k) => b.rows.every((r) => typeof r[k] === 'number'));
      const head = `<tr>${b.headers.map((h) => `<th>${esc(h)}</th>`).join('')}</tr>`;
      const body = b.rows
        .map((r) => `<tr>${r.map((c, k) => `<td${num[k] ? ' class="num"' : ''}>${esc(String(c))}</td>`).join('')}</tr>`)
        .join('');
      const cap = b.caption ? `<caption>${esc(b.caption)}</caption>` : '';
      return `<table>${cap}<thead>${head}</thead><tbody>${body}</tbody></table>`;
    }
  }
}

function section(s: Section, depth: number): string {
  const h = depth === 0 ? 'h2' : 'h3';
  const cls = depth === 0 ? 'top' : 'sub';
  const intro = s.intro ? `<p class="intro">${esc(s.intro)}</p>` : '';
  const inner = s.blocks.map(block).join('') + (s.sections ?? []).map((c) => section(c, depth + 1)).join('');
  return `<section class="${cls}" id="${esc(s.id)}"><${h}>${esc(s.title)}</${h}>${intro}${inner}</section>`;
}

/** The whole page as a string (UTF-8). */
export function renderReport(spec: ReportSpec): string {
  const toc =
    spec.sections.length > 1
      ? `<nav class="toc">${spec.sections.map((s) => `<a href="#${esc(s.id)}">${esc(s.title)}</a>`).join('')}</nav>`
      : '';
  const facts = spec.facts?.length
    ? `<dl class="facts">${spec.facts.map(([k, v]) => `<dt>${esc(k)}</dt><dd>${esc(v)}</dd>`).join('')}</dl>`
    : '';
  return (
    '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">' +
    '<meta name="viewport" content="width=device-width, initial-scale=1">' +
    `<meta name="generator" content="yuma-engine">` +
    `<title>${esc(spec.title)}</title><style>${CSS}</style></head><body>` +
    `<header><h1>${esc(spec.title)}</h1>${spec.subtitle ? `<p>${esc(spec.subtitle)}</p>` : ''}</header>` +
    `<main>${facts}${toc}${spec.sections.map((s) => section(s, 0)).join('')}</main></body></html>\n`
  );
}

/** A safe HTML id from any text. */
export function slugId(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '') || 'section';
}
