// The HTML report: well-formed, self-contained (no script, no network), escaped; and in a real
// headless Chromium (Debian's `chromium`, when the machine has one; else these
// tests are skipped with a notice): loads without console errors and every chart has drawn.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Readable, Writable } from 'node:stream';
import { renderReport } from '../src/report/html.js';
import { barChart, contourChart, esc, heatmap, lineChart, niceTicks } from '../src/report/svg.js';
import { contourSegments } from '../src/report/contour.js';
import { epochTimingSection } from '../src/report/epoch-timing.js';
import { mapSection } from '../src/report/map.js';
import { scenarioCaseSection } from '../src/report/scenario.js';
import { timeEpoch } from '../src/engine/analysis/epoch-timing.js';
import { mapMainThreadRunner, runMapSweep } from '../src/engine/analysis/mapsweep.js';
import { parseScenarioCase, runScenario, SCENARIO_VARIANTS } from '../src/engine/analysis/scenario.js';
import { syntheticInput } from '../src/engine/synthetic.js';

const VOID = new Set(['meta', 'br', 'img', 'input', 'link', 'hr', 'col', 'source', 'wbr', 'area', 'base', 'embed', 'track']);

/** Checks that every tag is closed in order (SVG self-closing allowed); returns the first problem. */
function tagProblem(html: string): string | null {
  const stack: string[] = [];
  const re = /<(\/?)([a-zA-Z][\w:-]*)((?:\s+[\w:-]+(?:="[^"]*")?)*)\s*(\/?)>/g;
  const body = html.replace(/^<!DOCTYPE html>\s*/, '');
  let m: RegExpExecArray | null;
  let consumed = 0;
  while ((m = re.exec(body))) {
    const between = body.slice(consumed, m.index);
    if (between.includes('<')) return `unparsed markup near: ${between.slice(between.indexOf('<'), between.indexOf('<') + 60)}`;
    consumed = re.lastIndex;
    const [, close, name, , self] = m;
    const tag = name!.toLowerCase();
    if (close) {
      const top = stack.pop();
      if (top !== tag) return `</${tag}> closes <${top}>`;
    } else if (!self && !VOID.has(tag)) {
      stack.push(tag);
    }
  }
  if (body.slice(consumed).includes('<')) return 'unparsed markup at the end';
  return stack.length ? `unclosed <${stack.join('> <')}>` : null;
}

function smallCaseJson() {
  return {
    slug: 'tiny',
    name: 'Tiny <case> & "quotes"',
    validators: ['V1 (0.6)', 'V2 (0.4)'],
    servers: ['S1', 'S2'],
    epochs: Array.from({ length: 8 }, (_, e) => ({
      weights: [e < 3 ? [1, 0] : [0, 1], e < 5 ? [1, 0] : [0, 1]],
      stakes: [0.6, 0.4],
    })),
  };
}

/** A report with every chart kind: profile (stacked + grouped bars), map (contours + heatmaps), scenario (lines). */
async function fullReport(): Promise<string> {
  const prof = timeEpoch(syntheticInput({ n: 32, validators: 8, seed: 2 }), { reps: 3, refReps: 1 });
  const map = await runMapSweep(mapMainThreadRunner(), { neurons: 24, validators: 6, steps: 4, majorStakes: [0.6, 0.9] });
  const c = parseScenarioCase(smallCaseJson(), 'tiny.json');
  const results = SCENARIO_VARIANTS.map((v) => runScenario(c, v));
  return renderReport({
    title: 'yuma report <test>',
    subtitle: 'yuma test',
    facts: [['a & b', '<x>']],
    sections: [epochTimingSection(prof, 'synthetic'), mapSection(map), scenarioCaseSection(c, results)],
  });
}

let dir: string;
let html: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'yuma-report-'));
  html = await fullReport();
});

describe('the report page', () => {
  it('is one well-formed, self-contained HTML document: no script, no external resource', () => {
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(tagProblem(html)).toBeNull();
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/<link/i);
    expect(html).not.toMatch(/\b(src|href)="(?!#)/i); // only in-page anchors
    const urls = html.match(/https?:\/\/[^\s"')]+/g) ?? [];
    expect(new Set(urls)).toEqual(new Set(['http://www.w3.org/2000/svg'])); // the SVG namespace, never fetched
  });

  it('contains every chart: stacked and grouped bars, retention contours, heatmaps, line charts', () => {
    const kinds = (html.match(/<figure class="chart" data-kind="([\w-]+)"/g) ?? []).map((s) => /data-kind="([\w-]+)"/.exec(s)![1]);
    const count = (k: string) => kinds.filter((x) => x === k).length;
    expect(count('stacked-bar')).toBe(3); // WASM stages, shares, reference stages
    expect(count('grouped-bar')).toBe(1);
    expect(count('contour')).toBe(1);
    expect(count('heatmap')).toBe(2);
    // scenario: 2 weight charts + stake, then per variant dividends, relative and cumulative
    // relative dividends, incentives, 2 bonds, 2 normalized bonds
    expect(count('line')).toBe(3 + 4 * 8);
    expect((html.match(/<svg /g) ?? []).length).toBe(kinds.length);
  });

  it('escapes names from the inputs', () => {
    expect(html).toContain('Tiny &lt;case&gt; &amp; &quot;quotes&quot;');
    expect(html).not.toContain('<case>');
    expect(html).toContain('<dt>a &amp; b</dt><dd>&lt;x&gt;</dd>');
    expect(esc(`<a href='x'>&</a>`)).toBe('&lt;a href=&#39;x&#39;&gt;&amp;&lt;/a&gt;');
  });

  it('each chart stands alone as well-formed SVG', () => {
    const charts = [
      lineChart({ title: 'l', series: [{ name: 's', ys: [0, 1, NaN, 2] }] }),
      lineChart({ title: 'one point', series: [{ name: 's', ys: [3] }] }),
      barChart({ title: 'b', categories: ['x'], groups: ['g1', 'g2'], values: [[1, 0]], mode: 'stacked' }),
      barChart({ title: 'g', categories: ['x', 'y'], groups: ['g1', 'g2'], values: [[0.01, 10], [1, 100]], mode: 'grouped', log: true }),
      heatmap({ title: 'h', xLabel: 'x', yLabel: 'y', xs: [0, 1], ys: [0, 1], values: [[0, 1], [1, 0]], vMin: 0, vMax: 1, levels: [{ value: 0.5 }] }),
      contourChart({ title: 'c', xLabel: 'x', yLabel: 'y', xs: [0, 1], ys: [0, 1], lines: [{ name: 'none', values: [[0, 0], [0, 0]], level: 0.5 }] }),
    ];
    for (const c of charts) expect(tagProblem(c)).toBeNull();
  });
});

describe('contours and ticks', () => {
  it('marching squares: f(x, y) = x crosses 0.5 on the vertical line x = 0.5', () => {
    const xs = [0, 0.25, 0.5, 0.75, 1];
    const ys = [0, 0.5, 1];
    const values = ys.map(() => xs.slice());
    const segs = contourSegments({ values, xs, ys }, 0.4);
    expect(segs).toHaveLength(2);
    for (const [x1, , x2] of segs) {
      expect(x1).toBeCloseTo(0.4, 12);
      expect(x2).toBeCloseTo(0.4, 12);
    }
    // a level outside the range draws nothing; a saddle draws two segments
    expect(contourSegments({ values, xs, ys }, 2)).toEqual([]);
    expect(contourSegments({ values: [[1, 0], [0, 1]], xs: [0, 1], ys: [0, 1] }, 0.5)).toHaveLength(2);
  });

  it('ticks cover the range with round steps', () => {
    const unit = niceTicks(0, 1);
    expect(unit).toHaveLength(6);
    unit.forEach((t, k) => expect(t).toBeCloseTo(k * 0.2, 12));
    const t = niceTicks(0, 37);
    expect(t[0]).toBe(0);
    expect(t[t.length - 1]!).toBeLessThanOrEqual(37);
    expect(t.length).toBeGreaterThanOrEqual(4);
  });
});

// ---------------------------------------------------------------------------------------
// headless Chromium over the DevTools protocol on pipes (--remote-debugging-pipe): no
// network port, no dependency

const BROWSERS = ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable'];

function which(cmd: string): string | null {
  const r = spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' });
  return r.status === 0 && r.stdout.trim() ? r.stdout.trim() : null;
}

function findBrowser(): string | null {
  const env = process.env.CHROMIUM_BIN ?? process.env.CHROME_BIN;
  if (env) return env;
  for (const b of BROWSERS) {
    const p = which(b);
    if (p) return p;
  }
  return null;
}

/**
 * A headless browser if this machine has one (Debian's chromium, or CHROMIUM_BIN / CHROME_BIN).
 * Tests never install system packages: without one, the rendering checks are skipped with a
 * visible note (the structural checks of the report above still run).
 */
function ensureBrowser(): { bin: string | null; note: string } {
  const bin = findBrowser();
  return bin ? { bin, note: '' } : { bin: null, note: 'no chromium found (apt-get install chromium, or set CHROMIUM_BIN)' };
}

interface Cdp {
  send(method: string, params?: Record<string, unknown>, sessionId?: string): Promise<any>;
  events: { method: string; params: any; sessionId?: string }[];
  waitFor(method: string, timeoutMs: number): Promise<any>;
  close(): Promise<void>;
}

function launch(bin: string, profileDir: string): Cdp {
  const proc: ChildProcess = spawn(
    bin,
    [
      '--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
      '--disable-dev-shm-usage', '--hide-scrollbars', '--window-size=1400,1000', `--user-data-dir=${profileDir}`,
      '--remote-debugging-pipe', 'about:blank',
    ],
    // its own process group, so close() can end the helpers (zygote, crashpad) that write the profile too
    { stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe'], detached: true },
  );
  const toBrowser = proc.stdio[3] as Writable;
  const fromBrowser = proc.stdio[4] as Readable;
  let stderr = '';
  proc.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  let id = 0;
  const waiting = new Map<number, { ok: (v: any) => void; fail: (e: Error) => void }>();
  const events: Cdp['events'] = [];
  const listeners: ((e: Cdp['events'][number]) => void)[] = [];
  let buf = '';
  fromBrowser.on('data', (d: Buffer) => {
    buf += d.toString('utf8');
    let at: number;
    while ((at = buf.indexOf('\0')) >= 0) {
      const msg = JSON.parse(buf.slice(0, at));
      buf = buf.slice(at + 1);
      if (msg.id !== undefined) {
        const w = waiting.get(msg.id);
        waiting.delete(msg.id);
        if (msg.error) w?.fail(new Error(`${msg.error.message} (${JSON.stringify(msg.error.data ?? '')})`));
        else w?.ok(msg.result);
      } else {
        events.push(msg);
        for (const l of listeners) l(msg);
      }
    }
  });
  const exited = new Promise<void>((res) => proc.on('exit', () => res()));
  proc.on('exit', (code) => {
    for (const w of waiting.values()) w.fail(new Error(`chromium exited (${code}): ${stderr.trim().split('\n').slice(-3).join(' | ')}`));
    waiting.clear();
  });
  return {
    events,
    send(method, params = {}, sessionId) {
      const msg = { id: ++id, method, params, ...(sessionId ? { sessionId } : {}) };
      return new Promise((ok, fail) => {
        waiting.set(msg.id, { ok, fail });
        toBrowser.write(`${JSON.stringify(msg)}\0`);
      });
    },
    waitFor(method, timeoutMs) {
      const seen = events.find((e) => e.method === method);
      if (seen) return Promise.resolve(seen.params);
      return new Promise((ok, fail) => {
        const t = setTimeout(() => fail(new Error(`timed out waiting for ${method}`)), timeoutMs);
        listeners.push((e) => {
          if (e.method === method) {
            clearTimeout(t);
            ok(e.params);
          }
        });
      });
    },
    async close() {
      try {
        await Promise.race([this.send('Browser.close'), new Promise((r) => setTimeout(r, 3000))]);
      } catch {
        // already gone
      }
      if (proc.exitCode === null) proc.kill();
      await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
      try {
        process.kill(-proc.pid!, 'SIGKILL');
      } catch {
        // the whole group is gone already
      }
    },
  };
}

const browser = ensureBrowser();
if (!browser.bin) {
  // visible in the test output: the browser checks did not run
  console.warn(`\n*** report.test: SKIPPING the headless-browser checks: ${browser.note} ***\n`);
}

describe.skipIf(!browser.bin)('in headless Chromium', () => {
  let cdp: Cdp;
  let profileDir: string;
  beforeAll(() => {
    profileDir = mkdtempSync(join(tmpdir(), 'yuma-chromium-'));
    cdp = launch(browser.bin!, profileDir);
  });
  afterAll(async () => {
    await cdp?.close();
    // a helper the browser left can still be writing its last files: retry (ENOTEMPTY is retried)
    try {
      rmSync(profileDir, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 });
    } catch (e) {
      console.warn(`report.test: could not remove the browser profile ${profileDir}: ${(e as Error).message}`);
    }
  });

  it('loads without console errors and every chart has drawn', async () => {
    const file = join(dir, 'report.html');
    writeFileSync(file, html);
    const { targetId } = await cdp.send('Target.createTarget', { url: 'about:blank' });
    const { sessionId } = await cdp.send('Target.attachToTarget', { targetId, flatten: true });
    await cdp.send('Runtime.enable', {}, sessionId);
    await cdp.send('Log.enable', {}, sessionId);
    await cdp.send('Page.enable', {}, sessionId);
    const loaded = cdp.waitFor('Page.loadEventFired', 20_000);
    await cdp.send('Page.navigate', { url: pathToFileURL(file).href }, sessionId);
    await loaded;
    const { result } = await cdp.send(
      'Runtime.evaluate',
      {
        returnByValue: true,
        expression: `(() => {
          const marks = 'polyline.series, rect.bar, path.contour, g.cells rect';
          return [...document.querySelectorAll('figure.chart')].map((f) => {
            const svg = f.querySelector('svg');
            const box = svg ? svg.getBoundingClientRect() : { width: 0, height: 0 };
            let drawn = 0;
            for (const m of svg ? svg.querySelectorAll(marks) : []) {
              const b = m.getBBox();
              if (b.width > 0 || b.height > 0) drawn++;
            }
            return { kind: f.dataset.kind, title: f.dataset.title, width: box.width, height: box.height, drawn };
          });
        })()`,
      },
      sessionId,
    );
    const charts = result.value as { kind: string; title: string; width: number; height: number; drawn: number }[];
    const inHtml = (html.match(/<figure class="chart"/g) ?? []).length;
    expect(charts).toHaveLength(inHtml);
    for (const c of charts) {
      expect({ chart: c.title, kind: c.kind, laidOut: c.width > 50 && c.height > 50, drawn: c.drawn > 0 }).toEqual({
        chart: c.title,
        kind: c.kind,
        laidOut: true,
        drawn: true,
      });
    }
    const shot = await cdp.send('Page.captureScreenshot', { format: 'png' }, sessionId);
    const png = Buffer.from(shot.data, 'base64');
    expect(png.subarray(1, 4).toString()).toBe('PNG');
    expect(png.length).toBeGreaterThan(20_000);
    if (process.env.YUMA_REPORT_SCREENSHOT) writeFileSync(process.env.YUMA_REPORT_SCREENSHOT, png);

    const errors = cdp.events.filter(
      (e) =>
        e.method === 'Runtime.exceptionThrown' ||
        (e.method === 'Runtime.consoleAPICalled' && ['error', 'assert'].includes(e.params.type)) ||
        (e.method === 'Log.entryAdded' && e.params.entry.level === 'error'),
    );
    expect(errors.map((e) => JSON.stringify(e.params).slice(0, 300))).toEqual([]);
  }, 60_000);

  it('the report the CLI writes for a scenario loads the same way', async () => {
    const c = parseScenarioCase(smallCaseJson(), 'tiny.json');
    const page = renderReport({ title: 't', sections: [scenarioCaseSection(c, [runScenario(c, '3')])] });
    const file = join(dir, 'scenario.html');
    writeFileSync(file, page);
    expect(readFileSync(file, 'utf8')).toBe(page);
    const { targetId } = await cdp.send('Target.createTarget', { url: 'about:blank' });
    const { sessionId } = await cdp.send('Target.attachToTarget', { targetId, flatten: true });
    await cdp.send('Page.enable', {}, sessionId);
    const before = cdp.events.length;
    await cdp.send('Page.navigate', { url: pathToFileURL(file).href }, sessionId);
    await new Promise<void>((ok) => {
      const poll = () => (cdp.events.slice(before).some((e) => e.method === 'Page.loadEventFired' && e.sessionId === sessionId) ? ok() : setTimeout(poll, 50));
      poll();
    });
    const { result } = await cdp.send(
      'Runtime.evaluate',
      { returnByValue: true, expression: `[...document.querySelectorAll('figure.chart svg')].filter((s) => s.getBoundingClientRect().width > 50).length` },
      sessionId,
    );
    expect(result.value).toBe((page.match(/<figure class="chart"/g) ?? []).length);
  }, 60_000);
});
