// `yuma simulate` end to end, on the built binary (npm ci builds it): the files and the
// summary, bad scenario files, refused checkpoints, and a run killed with SIGKILL at a random
// moment and resumed from its last checkpoint ending in the same bytes as an uninterrupted run.
import { describe, it, expect, beforeAll } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync, copyFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const bin = join(root, 'dist/cli/main.js');

function yuma(args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd: root, encoding: 'utf8', maxBuffer: 1 << 28 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

let dir: string;
beforeAll(() => {
  if (!existsSync(bin)) throw new Error(`${bin} is missing: run \`npm run build\` (npm ci does it)`);
  dir = mkdtempSync(join(tmpdir(), 'yuma-sim-'));
});

/** a small scenario that still has several epochs per block, deferrals and registrations */
const SMALL = {
  format: 'yuma-scenario/1',
  name: 'small',
  seed: 5,
  blocks: 900,
  subnets: [
    { count: 6, uids: [128, 64], validators: [16, 8], tempo: 30, registrationsPerDay: 800, stakeEventsPerDay: 1500, immunityPeriod: 50 },
    { count: 2, uids: 256, validators: 32, tempo: 60 },
  ],
  network: { maxEpochsPerBlock: 1 },
  workload: { weightsPerValidator: 64 },
};

describe('yuma simulate', () => {
  it('--report writes one self-contained HTML page of the run, read back from its files', () => {
    const file = join(dir, 'small-report.json');
    writeFileSync(file, JSON.stringify({ ...SMALL, blocks: 300 }));
    const out = join(dir, 'run-report');
    const report = join(dir, 'run.html');
    const r = yuma(['simulate', file, '--out', out, '--report', report]);
    expect(r.code).toBe(0);
    const html = readFileSync(report, 'utf8');
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(html).not.toMatch(/<script|(?:src|href)="https?:/i); // nothing to fetch
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    expect(html).toContain(`all ${summary.ledger.subnets.length} subnets`);
    expect((html.match(/<svg/g) ?? []).length).toBeGreaterThanOrEqual(3);
    // every subnet that ran an epoch has its row in the table, with its epoch count
    const epochs = readFileSync(join(out, 'epochs.ndjson'), 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l).netuid as number);
    for (const netuid of new Set(epochs)) {
      expect(html).toMatch(new RegExp(`<td class="num">${netuid}</td><td class="num">${epochs.filter((x) => x === netuid).length}</td>`));
    }
    const bad = yuma(['simulate', file, '--out', join(dir, 'run-bad'), '--report', join(dir, 'missing-dir', 'x.html')]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--report: cannot write/);
    expect(existsSync(join(dir, 'run-bad'))).toBe(false);
  });

  it('--report names its two amounts apart from the table\'s, and no label of a chart overlaps another (headless Chromium)', { timeout: 60_000 }, () => {
    // 100 alpha a block: totals past 100000, the widest tick labels
    const file = join(dir, 'small-wide.json');
    writeFileSync(file, JSON.stringify({ ...SMALL, blocks: 300, network: { ...SMALL.network, unitEmission: 100_000_000_000 } }));
    const report = join(dir, 'wide.html');
    const r = yuma(['simulate', file, '--out', join(dir, 'run-wide'), '--report', report]);
    expect(r.code).toBe(0);
    // the table's "credited" holds the owner cut; the report's epoch amounts do not, and say so
    expect(r.stdout).toMatch(/credited \(alpha\)/);
    expect(r.stdout).toMatch(/credited: incentive \+ dividends \+ the owner cut/);
    expect(r.stdout).not.toMatch(/\bpaid\b/);
    const html = readFileSync(report, 'utf8');
    expect(html).toContain('<th>incentive + dividends (alpha)</th>');
    expect(html).toContain('<th>credited, incl. owner (alpha)</th>');
    expect(html).not.toMatch(/emission paid|paid \(tokens\)/);
    expect(html).toMatch(/>1[0-9]0000<\/text>/); // a 6-digit tick
    const chromium = ['chromium', 'chromium-browser', 'google-chrome'].find((b) => spawnSync('sh', ['-c', `command -v ${b}`]).status === 0);
    if (!chromium) {
      console.warn('*** simulate.test: no chromium: the label-overlap check in a browser did not run ***');
      return;
    }
    // in the browser: every pair of texts of a chart, by their laid-out boxes
    const probe = join(dir, 'wide-probe.html');
    const script = `<script>
      const found = [];
      for (const f of document.querySelectorAll('figure.chart')) {
        const texts = [...f.querySelectorAll('svg text')].map((t) => ({ t: t.textContent, b: t.getBoundingClientRect() }));
        for (let i = 0; i < texts.length; i++) for (let j = i + 1; j < texts.length; j++) {
          const a = texts[i].b, b = texts[j].b;
          if (a.left < b.right - 0.5 && b.left < a.right - 0.5 && a.top < b.bottom - 0.5 && b.top < a.bottom - 0.5) found.push(f.dataset.title + ': ' + texts[i].t + ' / ' + texts[j].t);
        }
      }
      const out = document.createElement('pre');
      out.id = 'overlaps';
      out.textContent = encodeURIComponent(JSON.stringify(found));
      document.body.appendChild(out);
    </script>`;
    writeFileSync(probe, html.replace('</body>', `${script}</body>`));
    const b = spawnSync(chromium, ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--window-size=1400,1000', '--dump-dom', `file://${probe}`], {
      encoding: 'utf8',
      timeout: 45_000,
    });
    const m = /<pre id="overlaps">([^<]*)<\/pre>/.exec(b.stdout);
    expect(m, b.stderr.slice(-500)).not.toBeNull();
    expect(JSON.parse(decodeURIComponent(m![1]!))).toEqual([]);
  });

  it('runs a scenario: summary table on stdout, nothing on stderr (not a TTY), the three files', () => {
    const file = join(dir, 'small.json');
    writeFileSync(file, JSON.stringify(SMALL));
    const out = join(dir, 'run1');
    const r = yuma(['simulate', file, '--out', out, '--threads', '1']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^yuma simulate: small \(bittensor\), 8 subnets, blocks 5,000,001\.\.5,000,900/);
    expect(r.stdout).toMatch(/conservation +OK \(900 block checks/);
    expect(r.stdout).toMatch(/top 10 earners/);
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    expect(summary.format).toBe('yuma-simulate-summary/1');
    expect(summary.conservation.ok).toBe(true);
    expect(summary.ledger.subnets.map((s: { netuid: number }) => s.netuid)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    const lines = readFileSync(join(out, 'epochs.ndjson'), 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l));
    expect(lines.length).toBe(summary.epochs);
    const first = lines[0];
    expect(Object.keys(first)).toEqual(['run', 'netuid', 'block', 'epoch', 'n', 'drained', 'incentive', 'dividends', 'emission', 'stake', 'cost_ms']);
    // one run id in every line, the ledger and the summary
    expect(summary.run).toMatch(/^[0-9a-f]{16}$/);
    expect(lines.every((l) => l.run === summary.run)).toBe(true);
    expect(first.incentive.length).toBe(first.n);
    expect(Object.keys(first.cost_ms)).toEqual(['input', 'consensus', 'distribute']);
    // sorted by block then netuid
    for (let i = 1; i < lines.length; i++) {
      const a = lines[i - 1], b = lines[i];
      expect(a.block < b.block || (a.block === b.block && a.netuid < b.netuid)).toBe(true);
    }
    // the ledger is canonical: keys in byte order at every level
    const ledger = JSON.parse(readFileSync(join(out, 'ledger.json'), 'utf8'));
    expect(ledger.run).toBe(summary.run);
    const sorted = (o: unknown): boolean =>
      o === null || typeof o !== 'object' || Array.isArray(o)
        ? true
        : Object.keys(o).every((k, i, ks) => i === 0 || Buffer.compare(Buffer.from(ks[i - 1]!), Buffer.from(k)) < 0) &&
          Object.values(o).every(sorted);
    expect(sorted(ledger)).toBe(true);
    expect(readdirSync(out).sort()).toEqual(['epochs.ndjson', 'ledger.json', 'summary.json']);
  });

  it('--json prints the summary; flags override the built-in scenario; commune runs its own consensus', () => {
    const r = yuma(['simulate', '--profile', 'commune', '--subnets', '3', '--neurons', '64', '--validators', '8', '--blocks', '300', '--json', '--out', join(dir, 'c')]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const s = JSON.parse(r.stdout);
    expect(s.profile).toBe('commune');
    expect(s.threads).toBe(0);
    expect(s.ledger.subnets.map((x: { netuid: number; n: number; epochs: number }) => [x.netuid, x.n, x.epochs])).toEqual([
      [0, 64, 3],
      [1, 64, 3],
      [2, 64, 3],
    ]);
  });

  it('bad input: one line naming the file, the field and the index; exit 2', () => {
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ subnets: [{ count: 2 }, { uids: [256, -3] }] }));
    let r = yuma(['simulate', bad, '--out', join(dir, 'bad')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`yuma simulate: ${bad}: subnets[1].uids[1]: must be an integer in 1..4096, got -3\n`);
    expect(existsSync(join(dir, 'bad'))).toBe(false);
    writeFileSync(bad, '{"subnets": [');
    r = yuma(['simulate', bad]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^yuma simulate: .*bad\.json: invalid JSON/);
    r = yuma(['simulate', '--threads', 'two']);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('yuma simulate: --threads: expected an integer 0..256 (0: the main thread), got "two"\n');
    r = yuma(['simulate', '--resume', join(dir, 'x.json'), '--seed', '3']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--resume: cannot be combined with --seed/);
  });

  it('refuses a truncated or corrupt checkpoint, loading nothing and writing nothing', async () => {
    const out = join(dir, 'ck');
    const r = yuma(['simulate', '--subnets', '2', '--neurons', '32', '--validators', '4', '--blocks', '400', '--checkpoint-every', '200', '--out', out, '--threads', '0']);
    expect(r.code).toBe(0);
    const good = readFileSync(join(out, 'checkpoint-5000200.json'), 'utf8');
    const bad = join(dir, 'ck-bad');
    mkdirSync(bad);
    const truncated = join(bad, 'truncated.json');
    writeFileSync(truncated, good.slice(0, Math.floor(good.length * 0.7)));
    let x = yuma(['simulate', '--resume', truncated]);
    expect(x.code).toBe(2);
    expect(x.stderr).toBe(`yuma simulate: checkpoint ${truncated}: truncated: the file does not end where a checkpoint ends; refused, nothing loaded\n`);
    const corrupt = join(bad, 'corrupt.json');
    const at = Math.floor(good.length / 2);
    writeFileSync(corrupt, good.slice(0, at) + (good[at] === 'A' ? 'B' : 'A') + good.slice(at + 1));
    x = yuma(['simulate', '--resume', corrupt]);
    expect(x.code).toBe(2);
    expect(x.stderr).toMatch(/^yuma simulate: checkpoint .*corrupt\.json: corrupt: sha256 of the state is [0-9a-f]{16}\.\.\., the header says/);
    // a well-framed checkpoint whose state does not hold together is refused too
    const { checkpointText, parseCheckpointText } = await import('../src/engine/network/checkpoint.js');
    const state = parseCheckpointText(good, 'good') as any;
    state.driver.subnets[0].hotkeys.pop();
    const inconsistent = join(bad, 'inconsistent.json');
    writeFileSync(inconsistent, checkpointText(state));
    x = yuma(['simulate', '--resume', inconsistent]);
    expect(x.code).toBe(2);
    expect(x.stderr).toMatch(/^yuma simulate: checkpoint .*inconsistent\.json: state\.driver\.subnets\[0\]\.hotkeys: 31 entries for n = 32; refused, nothing loaded\n$/);
    expect(readdirSync(bad).sort()).toEqual(['corrupt.json', 'inconsistent.json', 'truncated.json']);
  });

  it('SIGKILL at a random moment, resume from the last checkpoint: the same bytes as an uninterrupted run', { timeout: 120_000 }, async () => {
    const file = join(dir, 'kill.json');
    writeFileSync(file, JSON.stringify({ ...SMALL, blocks: 1500 }));
    const args = (out: string) => ['simulate', file, '--out', out, '--checkpoint-every', '100', '--no-timings', '--threads', '1', '--json'];
    const whole = join(dir, 'whole');
    const w = yuma(args(whole));
    expect(w.code).toBe(0);

    // two kills at random moments after the first checkpoint (more tries, sooner, on a machine
    // fast enough to finish first): at least two must land mid-run
    let resumed = 0;
    for (let attempt = 0; attempt < 5 && resumed < 2; attempt++) {
      const killed = join(dir, `killed${attempt}`);
      const child = spawn(process.execPath, [bin, ...args(killed)], { cwd: root, stdio: 'ignore' });
      const exited = new Promise<number | null>((res) => child.on('exit', (code) => res(code)));
      const t0 = Date.now();
      while (!(existsSync(killed) && readdirSync(killed).some((f) => /^checkpoint-\d+\.json$/.test(f)))) {
        if (Date.now() - t0 > 60_000) throw new Error('no checkpoint appeared');
        await new Promise((r) => setTimeout(r, 5));
      }
      await new Promise((r) => setTimeout(r, Math.floor((Math.random() * 600) / (attempt + 1))));
      child.kill('SIGKILL');
      await exited;
      if (existsSync(join(killed, 'summary.json'))) continue; // it finished before the kill: nothing to resume
      const checkpoints = readdirSync(killed)
        .filter((f) => /^checkpoint-\d+\.json$/.test(f))
        .sort((a, b) => Number(a.match(/\d+/)![0]) - Number(b.match(/\d+/)![0]));
      const last = join(killed, checkpoints[checkpoints.length - 1]!);
      const r = yuma(['simulate', '--resume', last, '--json']);
      // a kill that lands while a file is being written atomically leaves its temp file: the
      // resume removes it and says so, in that one line; nothing else may be on stderr
      const note = `note: removed 1 temp file(s) a killed run left in ${killed}\n`;
      expect(['', note]).toContain(r.stderr);
      expect(r.code).toBe(0);
      expect(readdirSync(killed).filter((f) => f.includes('.tmp')), 'temp files left after the resume').toEqual([]);
      expect(JSON.parse(r.stdout).resumedFrom).toBe(Number(last.match(/checkpoint-(\d+)/)![1]));
      for (const f of ['ledger.json', 'epochs.ndjson']) {
        expect(readFileSync(join(killed, f), 'utf8') === readFileSync(join(whole, f), 'utf8'), f).toBe(true);
      }
      // the resumed run's checkpoints are byte-identical to the uninterrupted run's too
      const lastWhole = readdirSync(whole).filter((f) => f.startsWith('checkpoint-')).sort().pop()!;
      expect(readFileSync(join(killed, lastWhole), 'utf8') === readFileSync(join(whole, lastWhole), 'utf8')).toBe(true);
      resumed++;
    }
    expect(resumed).toBe(2);
    // a checkpoint copied into an empty directory resumes too (records before it are absent)
    const lone = join(dir, 'lone');
    mkdirSync(lone);
    const any = readdirSync(whole).filter((f) => f.startsWith('checkpoint-')).sort()[0]!;
    copyFileSync(join(whole, any), join(lone, any));
    const r = yuma(['simulate', '--resume', join(lone, any), '--json']);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/did not exist/);
    expect(readFileSync(join(lone, 'ledger.json'), 'utf8') === readFileSync(join(whole, 'ledger.json'), 'utf8')).toBe(true);
  });
});
