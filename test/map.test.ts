// `yuma map`: the two-camp graph, the sweep's outcomes (shares are shares, majority retention
// where the chain guarantees it, monotone in the majority's self-weight), the pool giving the
// main thread's numbers bit for bit, and the command on a reduced grid (the default sweep is
// 28,611 epochs: run it by hand, see README).
import { describe, it, expect, beforeAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MAP_MAJOR_STAKES, MAP_TOTAL_STAKE, majorShare, twoCampInput, twoCampTemplate } from '../src/engine/analysis/twocamp.js';
import { mapCsv, mapEpochRunner, mapMainThreadRunner, poolMapRunner, runMapSweep, type MapEpochRunner, type MapResult } from '../src/engine/analysis/mapsweep.js';
import { runEpoch } from '../src/engine/epoch.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const bin = join(root, 'dist/cli/main.js');
const poolWorker = join(root, 'dist/pool/worker.js');

function yuma(args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd: root, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const SHAPE = { neurons: 48, validators: 8 };
let dir: string;
let small: MapResult;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'yuma-map-'));
  small = await runMapSweep(mapMainThreadRunner(), { ...SHAPE, steps: 6, majorStakes: [0.51, 0.8, 0.99] });
});

describe('the two-camp graph', () => {
  it('camps, stakes, permits and rows follow the documented construction', () => {
    expect(MAP_MAJOR_STAKES).toEqual([0.51, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95, 0.99]);
    const t = twoCampTemplate({ neurons: 512, validators: 64 }, 0.7, 5);
    expect(t.majorValidators).toBe(Math.floor(0.7 * 64));
    expect(t.majorServers).toBe(Math.floor(0.7 * 448));
    // each camp holds its share of the total stake (floors lose < 1 rao per validator)
    const sum = (from: number, to: number) => t.stake.slice(from, to).reduce((a, b) => a + b, 0n);
    expect(Math.abs(Number(sum(0, t.majorValidators)) - 0.7 * MAP_TOTAL_STAKE)).toBeLessThan(64 * 8);
    expect(Math.abs(Number(sum(t.majorValidators, 64)) - 0.3 * MAP_TOTAL_STAKE)).toBeLessThan(64 * 8);
    expect(sum(64, 512)).toBe(0n);
    expect(Array.from(t.permit.subarray(0, 64)).every((p) => p === 1)).toBe(true);
    // a 0.99 major stake still leaves one minor validator and one minor server
    const extreme = twoCampTemplate({ neurons: 48, validators: 8 }, 0.99, 3);
    expect(extreme.majorValidators).toBe(7);
    expect(extreme.majorServers).toBe(39);

    const inp = twoCampInput(t, 4, 0); // majority all on its own servers, minority all on the majority's
    const S = 448;
    expect(inp.weights.col.length).toBe(64 * S);
    for (let i = 0; i < 64; i++) {
      const cols = inp.weights.col.subarray(inp.weights.rowPtr[i], inp.weights.rowPtr[i + 1]);
      expect(cols.length).toBe(S);
      expect(cols[0]).toBe(64);
      expect(cols[S - 1]).toBe(511);
      const vals = inp.weights.val.subarray(inp.weights.rowPtr[i], inp.weights.rowPtr[i + 1]);
      expect(Math.max(...vals)).toBe(65535); // stored rows are max-upscaled
      // nothing on the minority's servers, from either camp (major weight 1, minor weight 0)
      expect(vals.subarray(t.majorServers).every((v) => v === 0)).toBe(true);
    }
    expect(inp.bonds.col.length).toBe(0);
  });

  it('the noise is fixed per (shape, stake, seed): every grid point sees the same noise', () => {
    const a = twoCampTemplate(SHAPE, 0.6, 3);
    const b = twoCampTemplate(SHAPE, 0.6, 3);
    expect(a.rowsMajor).toEqual(b.rowsMajor);
    expect(a.stake).toEqual(b.stake);
    const c = twoCampTemplate({ ...SHAPE, seed: 2 }, 0.6, 3);
    expect(c.stake).not.toEqual(a.stake);
  });
});

describe('the sweep', () => {
  it('every share is in [0, 1]; CSV has one row per epoch', () => {
    expect(small.epochs).toBe(3 * 6 * 6);
    for (const grid of small.share) for (const row of grid) for (const v of row) expect(v >= 0 && v <= 1).toBe(true);
    const lines = mapCsv(small).trimEnd().split('\n');
    expect(lines[0]).toBe('major_stake,major_self_weight,minor_self_weight,major_emission_share');
    expect(lines).toHaveLength(1 + small.epochs);
  });

  it('retention where the chain guarantees it: both camps only on their own servers -> majority >= its stake share', () => {
    const last = small.levels.length - 1;
    small.majorStakes.forEach((ms, s) => expect(small.share[s]![last]![last]!).toBeGreaterThanOrEqual(ms));
  });

  it('the majority\'s share grows with the weight majority validators put on majority servers', () => {
    // more major self-weight moves stake-weighted weight (and so consensus, incentive and bonds)
    // from minority servers to majority servers; the minority's rows are the same along a row
    for (const grid of small.share) {
      for (const row of grid) {
        for (let a = 1; a < row.length; a++) expect(row[a]!).toBeGreaterThanOrEqual(row[a - 1]! - 1e-9);
      }
    }
  });

  it('a share is the emission of the major camp (validators + servers) over all emission', () => {
    const t = twoCampTemplate(SHAPE, 0.8, 6);
    const out = runEpoch(twoCampInput(t, 3, 2));
    const em = out.neurons.emission;
    let major = 0n;
    for (let i = 0; i < t.majorValidators; i++) major += em[i]!;
    for (let j = 0; j < t.majorServers; j++) major += em[t.V + j]!;
    const total = em.reduce((a, b) => a + b, 0n);
    expect(majorShare(t, out)).toBe(Number(major) / Number(total));
    expect(small.share[1]![2]![3]).toBe(majorShare(t, out));
  });

  it.skipIf(!existsSync(poolWorker))('on the worker pool (cells built in the workers, and whole epochs): the same numbers, bit for bit', async () => {
    const { createPool } = await import('../src/pool/index.js');
    const pool = createPool({ threads: 2 });
    try {
      const viaCells = await runMapSweep(poolMapRunner(pool), { ...SHAPE, steps: 6, majorStakes: [0.51, 0.8, 0.99], chunk: 7 });
      expect(viaCells.share).toEqual(small.share);
      const viaEpochs = await runMapSweep(mapEpochRunner(pool), { ...SHAPE, steps: 6, majorStakes: [0.51, 0.8, 0.99], chunk: 5 });
      expect(viaEpochs.share).toEqual(small.share);
    } finally {
      await pool.close();
    }
  });

  it('a failing runner rejects the sweep (no partial grid)', async () => {
    let calls = 0;
    const failing: MapEpochRunner = {
      async runEpochs(inputs) {
        if (++calls === 2) throw new Error('worker died');
        return inputs.map((i) => runEpoch(i));
      },
      async close() {},
    };
    await expect(runMapSweep(mapEpochRunner(failing), { ...SHAPE, steps: 4, majorStakes: [0.6], chunk: 4 })).rejects.toThrow('worker died');
  });
});

describe('yuma map (the built CLI)', () => {
  it('writes map.csv and the report on a reduced grid, with the pool', () => {
    const out = join(dir, 'm1');
    const r = yuma(['map', '--neurons', '40', '--validators', '8', '--steps', '3', '--stakes', '0.6,0.9', '--threads', '2', '--out', out]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/map: 18 epochs .* on 2 worker threads/);
    expect(readdirSync(out).sort()).toEqual(['map.csv', 'map.html']);
    const csv = readFileSync(join(out, 'map.csv'), 'utf8').trimEnd().split('\n');
    expect(csv).toHaveLength(19);
    for (const line of csv.slice(1)) {
      const [ms, a, b, share] = line.split(',').map(Number);
      expect([0.6, 0.9]).toContain(ms);
      expect([0, 0.5, 1]).toContain(a);
      expect([0, 0.5, 1]).toContain(b);
      expect(share! >= 0 && share! <= 1).toBe(true);
    }
    const html = readFileSync(join(out, 'map.html'), 'utf8');
    expect(html.match(/<figure class="chart" data-kind="contour"/g)).toHaveLength(1);
    expect(html.match(/<figure class="chart" data-kind="heatmap"/g)).toHaveLength(2);
  });

  it('--threads 0 runs on the main thread with the same CSV; --report puts the report elsewhere', () => {
    const a = join(dir, 'm2');
    const b = join(dir, 'm3');
    const report = join(dir, 'map-report.html');
    const common = ['map', '--neurons', '40', '--validators', '8', '--steps', '3', '--stakes', '0.7', '--quiet'];
    expect(yuma([...common, '--threads', '0', '--out', a]).code).toBe(0);
    expect(yuma([...common, '--threads', '1', '--out', b, '--report', report]).code).toBe(0);
    expect(readFileSync(join(a, 'map.csv'), 'utf8')).toBe(readFileSync(join(b, 'map.csv'), 'utf8'));
    expect(existsSync(report)).toBe(true);
    expect(existsSync(join(b, 'map.html'))).toBe(false);
  });

  const bad: [string, string[], RegExp][] = [
    ['--steps below 2', ['--steps', '1'], /--steps: expected an integer 2\.\.1001, got "1"/],
    ['a bonds penalty above 1', ['--bonds-penalty', '1.5'], /--bonds-penalty: expected a fraction in \[0, 1\]/],
    ['fewer than 2 servers', ['--neurons', '10', '--validators', '9'], /--validators: expected at least 2 servers/],
    ['a stake of 1', ['--stakes', '0.6,1'], /--stakes: expected a comma-separated list of fractions in \(0, 1\)/],
    ['threads not a number', ['--threads', 'two'], /--threads: expected an integer/],
  ];
  for (const [what, args, re] of bad) {
    it(`exits 2 on ${what}, one line, nothing written`, () => {
      const out = join(dir, `bad-${what.replace(/\W+/g, '-')}`);
      const r = yuma(['map', ...args, '--out', out]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(re);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(existsSync(out)).toBe(false);
    });
  }

  it('exits 2 before running when --out or --report cannot be written, and creates nothing', () => {
    const file = join(dir, 'a-file');
    writeFileSync(file, 'x');
    const r1 = yuma(['map', '--steps', '2', '--stakes', '0.6', '--out', join(file, 'sub')]);
    expect(r1.code).toBe(2);
    expect(r1.stderr).toMatch(/--out: cannot use .*a-file\/sub as the output directory: a parent is not a directory/);
    const out = join(dir, 'never-created');
    const r2 = yuma(['map', '--steps', '2', '--stakes', '0.6', '--out', out, '--report', join(dir, 'missing-dir', 'r.html')]);
    expect(r2.code).toBe(2);
    expect(r2.stderr).toMatch(/--report: cannot write .*r\.html: no such directory/);
    expect(existsSync(out)).toBe(false);
  });

  it('documents every option in --help', () => {
    const r = yuma(['map', '--help']);
    expect(r.code).toBe(0);
    for (const opt of ['--neurons', '--validators', '--bonds-penalty', '--threads', '--out', '--report', '--steps', '--stakes', '--seed', '--weight-stddev', '--yuma3']) {
      expect(r.stdout).toContain(opt);
    }
  });
});
