// `yuma bench`: the table and the JSON report, end to end on the built CLI (the
// quick, small case only: the giant cases take minutes), and the table's split rows.
import { describe, it, expect } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatPoolBench, type PoolBenchReport } from '../src/cli/bench.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const bin = join(root, 'dist/cli/main.js');
const yuma = (args: string[]) => spawnSync(process.execPath, [bin, ...args], { cwd: root, encoding: 'utf8', timeout: 120_000 });

describe('yuma bench', () => {
  it('--quick --only: the table (main, 1 and 2 threads) and the JSON with the machine', () => {
    const json = join(mkdtempSync(join(tmpdir(), 'yuma-bench-')), 'sub', 'pool.json');
    const r = yuma(['bench', '--quick', '--only', '64 x', '--threads', '1,2', '--json', json]);
    expect(r.status, r.stderr).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toMatch(/^case\s+threads\s+ms\/epoch p50\s+ms\/epoch p99\s+epochs\/s\s+speed-up\s+vs whole\s+cpu ms\/epoch\s+main ms\/epoch\s+samples$/);
    expect(lines.filter((l) => l.startsWith('64 x n=256 V=64 full')).map((l) => l.split(/\s{2,}/)[1])).toEqual(['main', '1', '2']);
    const report = JSON.parse(readFileSync(json, 'utf8')) as PoolBenchReport;
    expect(report.bench).toBe('pool');
    expect(report.cpu.count).toBeGreaterThan(0);
    expect(report.node).toBe(process.version);
    expect(report.rows.map((x) => [x.threads, x.mode, x.vsWhole])).toEqual([[0, 'batch', null], [1, 'batch', null], [2, 'batch', null]]);
    for (const x of report.rows) {
      expect(x.p50EpochMs).toBeGreaterThan(0);
      expect(x.p99EpochMs).toBeGreaterThanOrEqual(x.p50EpochMs);
      expect(x.epochsPerSec).toBeCloseTo(1000 / x.p50EpochMs, 6);
      expect(x.cpuEpochMs).toBeGreaterThan(0);
      // the calling thread is busy for part of a pool's call (checks, staging, replies)
      expect(x.mainEpochMs).toBeGreaterThan(0);
    }
    expect(report.rows[0]!.speedup).toBe(1);
  }, 120_000);

  it('the benchmarker\'s own cases: --synthetic (repeatable, --yuma3) and input files, one subnet each, in the JSON', () => {
    const dir = mkdtempSync(join(tmpdir(), 'yuma-bench-'));
    const file = join(root, 'test/fixtures/golden/random', readdirSync(join(root, 'test/fixtures/golden/random')).find((f) => f.endsWith('.input.json'))!);
    const json = join(dir, 'own.json');
    const r = yuma(['bench', file, '--synthetic', '64,8', '--synthetic', '128,16,8', '--yuma3', '--threads', '2', '--quick', '--json', json]);
    expect(r.status, r.stderr).toBe(0);
    const report = JSON.parse(readFileSync(json, 'utf8')) as PoolBenchReport;
    const names = ['n=64 V=8 full yuma3', 'n=128 V=16 8/row yuma3', `${basename(file)} yuma3`];
    expect([...new Set(report.rows.map((x) => x.case))]).toEqual(names);
    // each: the main thread, whole in one worker, and the 2-thread pool (whole: below the split threshold)
    for (const name of names) {
      expect(report.rows.filter((x) => x.case === name).map((x) => [x.threads, x.mode, x.subnets])).toEqual([[0, 'batch', 1], [1, 'whole', 1], [2, 'whole', 1]]);
    }
    expect(report.rows.find((x) => x.case === names[0])!.n).toBe(64);
    for (const name of names) expect(r.stdout).toContain(name);
  }, 120_000);

  it('bad options: one line naming the option, exit 2', () => {
    for (const [args, want] of [
      [['--synthetic', '10,20'], /^yuma bench: --synthetic: expected n,V\[,rowlen\]/],
      [['no-such-input.json'], /^yuma bench: no-such-input\.json: /],
      [['--threads', '0'], /^yuma bench: --threads: expected a comma-separated list of integers 1\.\.256/],
      [['--only', 'no such case'], /^yuma bench: --only: no case matches "no such case"/],
    ] as const) {
      const r = yuma(['bench', ...args]);
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(want);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
  });

  it('a giant subnet: "whole" and "split" rows, the split one with its ratio to whole', () => {
    const row = (threads: number, mode: 'batch' | 'whole' | 'split', p50: number, vsWhole: number | null) => ({
      case: '1 x n=16384', subnets: 1, n: 16384, entries: 524288, threads, mode, p50EpochMs: p50, p99EpochMs: p50 * 1.5,
      epochsPerSec: 1000 / p50, speedup: 60 / p50, vsWhole, cpuEpochMs: p50 * 1.1, mainEpochMs: p50 * 0.2, samples: 24,
    });
    const text = formatPoolBench({
      bench: 'pool', date: '', node: 'v20', cpu: { model: 'x', count: 2, availableParallelism: 2 }, quick: false,
      rows: [row(0, 'batch', 60, null), row(1, 'whole', 62, null), row(2, 'split', 46, 62 / 46)],
    });
    const cells = text.split('\n').slice(2, 5).map((l) => l.split(/\s{2,}/));
    expect(cells.map((c) => c[1])).toEqual(['main', '1 (whole)', '2 (split)']);
    expect(cells[2]).toContain('1.35x');
  });
});

// The npm run bench:* scripts run under tsx and no test runs them whole (they take minutes):
// at least every one of them must parse, so a stray edit cannot leave `npm run bench` broken.
describe('the bench scripts', () => {
  it('every bench/*.ts file parses as TypeScript', async () => {
    const ts = (await import('typescript')).default;
    const dir = join(root, 'bench');
    const files = readdirSync(dir).filter((f) => f.endsWith('.ts'));
    expect(files.length).toBeGreaterThan(0);
    for (const f of files) {
      const out = ts.transpileModule(readFileSync(join(dir, f), 'utf8'), { fileName: f, reportDiagnostics: true });
      const errors = (out.diagnostics ?? []).map((d) => `${f}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
      expect(errors).toEqual([]);
    }
  });
});
