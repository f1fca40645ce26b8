// `yuma scenario`: the pinned case -> epoch mapping (README, `yuma scenario`), the multi-epoch carry, case-file
// validation, and the command end to end (files, report, bad arguments, no partial output).
import { describe, it, expect, beforeAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  parseScenarioCase,
  runScenario,
  scenarioCsv,
  scenarioEpochInput,
  variantHyperparameters,
  weightRowToU16,
  type ScenarioCase,
} from '../src/engine/analysis/scenario.js';
import { runEpoch } from '../src/engine/epoch.js';
import { InputError } from '../src/engine/types.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const bin = join(root, 'dist/cli/main.js');
const peerCases = join(root, 'examples/scenarios/simulator-cases'); // the public simulator's cases, shipped
const examples = join(root, 'examples/scenarios');

function yuma(args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd: root, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A small case: 2 validators, 3 servers, 4 epochs; validator 1 moves, then loses its stake. */
function smallCase(): Record<string, unknown> {
  return {
    format: 'yuma-sim-case/1',
    slug: 'small-case',
    name: 'Small case',
    description: 'two validators, three servers',
    validators: ['Big (0.75)', 'Small, "quoted" (0.25)'],
    servers: ['A', 'B', 'C'],
    base_validator: 'Big (0.75)',
    num_epochs: 4,
    reset_bonds: { enabled: true, server_index: 1, epoch: 2, applies_to: [] },
    config_overrides: {},
    epochs: [
      { weights: [[0.2, 0.5, 0.3], [1, 0, 0]], stakes: [0.75, 0.25] },
      { weights: [[0.2, 0.5, 0.3], [0, 0, 0]], stakes: [0.75, 0.25] },
      { weights: [[0, 1, 0], [0, 1, 0]], stakes: [0.75, 0] },
      { weights: [[0, 1, 0], [0, 1, 0]], stakes: [0.75, 0] },
    ],
  };
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'yuma-scenario-'));
});

describe('the pinned mapping', () => {
  const c = parseScenarioCase(smallCase(), 'small.json');

  it('weights: every server column listed, zeros kept, u16 = floor(w / max * 65535 + 0.5) on float32 values', () => {
    const input = scenarioEpochInput(c, '1', 0, null, new Float64Array(5));
    const { rowPtr, col, val } = input.weights;
    expect(input.n).toBe(5);
    expect(Array.from(rowPtr)).toEqual([0, 3, 6, 6, 6, 6]);
    expect(Array.from(col)).toEqual([2, 3, 4, 2, 3, 4]);
    const w = [0.2, 0.5, 0.3].map(Math.fround);
    const expected = w.map((x) => Math.floor((x / Math.fround(0.5)) * 65535 + 0.5));
    expect(Array.from(val.subarray(0, 3))).toEqual(expected);
    expect(val[1]).toBe(65535);
    expect(Array.from(val.subarray(3, 6))).toEqual([65535, 0, 0]);
    // an all-zero row lists every column with 0
    const e1 = scenarioEpochInput(c, '1', 1, null, new Float64Array(5));
    expect(Array.from(e1.weights.col.subarray(3, 6))).toEqual([2, 3, 4]);
    expect(Array.from(e1.weights.val.subarray(3, 6))).toEqual([0, 0, 0]);
    expect(Array.from(weightRowToU16([0.25, 0.75]))).toEqual([21845, 65535]);
  });

  it('stake: floor(s * 1e9 + 0.5) rao of the float32 value, tao 0, servers 0', () => {
    const input = scenarioEpochInput(c, '1', 0, null, new Float64Array(5));
    expect(input.neurons.alpha_stake[0]).toBe(BigInt(Math.floor(Math.fround(0.75) * 1e9 + 0.5)));
    const fromPoint1 = parseScenarioCase({ ...smallCase(), epochs: smallCase().epochs.map(() => ({ weights: [[1, 0, 0], [1, 0, 0]], stakes: [0.8, 0.1] })) });
    const s = scenarioEpochInput(fromPoint1, '1', 0, null, new Float64Array(5)).neurons.alpha_stake;
    // float32(0.8) = 0.800000011920929..., float32(0.1) = 0.100000001490116...
    expect(Array.from(s)).toEqual([800000012n, 100000001n, 0n, 0n, 0n]);
    expect(Array.from(input.neurons.tao_stake)).toEqual([0n, 0n, 0n, 0n, 0n]);
  });

  it('blocks, activity, permits and bonds at epoch 0 and after', () => {
    const e0 = scenarioEpochInput(c, '2', 0, null, new Float64Array(5));
    expect(e0.current_block).toBe(10000);
    expect(e0.last_mechanism_step_block).toBe(0);
    expect(e0.netuid).toBe(1);
    expect(e0.owner_uid).toBeNull();
    expect(e0.rao_emission).toBe(1_000_000_000n);
    expect(Array.from(e0.neurons.last_update)).toEqual([10000, 10000, 10000, 10000, 10000]);
    expect(Array.from(e0.neurons.validator_permit)).toEqual([1, 1, 0, 0, 0]);
    expect(e0.bonds.col.length).toBe(0);
    const out0 = runEpoch(e0);
    const e2 = scenarioEpochInput(c, '2', 2, out0, new Float64Array(5));
    expect(e2.current_block).toBe(10000 + 2 * 361);
    expect(e2.last_mechanism_step_block).toBe(10000 + 361);
    expect(Array.from(e2.neurons.validator_permit)).toEqual(Array.from(out0.neurons.new_validator_permit));
    expect(e2.bonds).toBe(out0.bonds);
  });

  it('variants: the pinned chain settings, liquid alpha from the second epoch, --bonds-penalty as a fraction', () => {
    const common = { tempo: 360, activity_cutoff: 1_000_000, kappa: 32767, max_allowed_validators: 64, stake_threshold: 0n, commit_reveal: false };
    expect(variantHyperparameters('1', 3, 0)).toMatchObject({ ...common, yuma3: false, bonds_moving_average: 0, bonds_penalty: 65535, liquid_alpha: false });
    expect(variantHyperparameters('2', 3, 5)).toMatchObject({ ...common, yuma3: false, bonds_moving_average: 900000, bonds_penalty: 65535, liquid_alpha: false });
    expect(variantHyperparameters('3', 3, 5)).toMatchObject({ ...common, yuma3: true, bonds_moving_average: 975000, bonds_penalty: 0, liquid_alpha: false });
    const liquid = { yuma3: true, bonds_moving_average: 975000, bonds_penalty: 0, alpha_low: 6554, alpha_high: 19661, alpha_sigmoid_steepness: 1000 };
    expect(variantHyperparameters('3-liquid', 3, 0)).toMatchObject({ ...liquid, liquid_alpha: false });
    expect(variantHyperparameters('3-liquid', 3, 1)).toMatchObject({ ...liquid, liquid_alpha: true });
    expect(variantHyperparameters('1', 100, 0).max_allowed_validators).toBe(100);
    expect(variantHyperparameters('3', 3, 0, { bondsPenalty: 0.5 }).bonds_penalty).toBe(32768);
    expect(variantHyperparameters('1', 3, 0, { bondsPenalty: 0 }).bonds_penalty).toBe(0);
  });
});

describe('runScenario', () => {
  const c = parseScenarioCase(smallCase(), 'small.json');

  it('per epoch: dividends over validators and incentives over servers are shares (sum 1 or all 0), bonds are stored u16', () => {
    for (const v of ['1', '2', '3', '3-liquid'] as const) {
      const r = runScenario(c, v);
      expect(r.case).toBe('small-case');
      expect(r.variant).toBe(v);
      expect(r.epochs).toHaveLength(4);
      for (const ep of r.epochs) {
        expect(ep.dividends).toHaveLength(2);
        expect(ep.incentives).toHaveLength(3);
        const sd = ep.dividends.reduce((a, b) => a + b, 0);
        const si = ep.incentives.reduce((a, b) => a + b, 0);
        expect(sd === 0 || Math.abs(sd - 1) < 1e-12).toBe(true);
        expect(Math.abs(si - 1) < 1e-12).toBe(true);
        for (const row of ep.bonds) for (const b of row) expect(Number.isInteger(b) && b >= 0 && b <= 65535).toBe(true);
      }
      // everyone weights server B from epoch 2: it takes all the incentive
      expect(r.epochs[3]!.incentives[1]).toBe(1);
      // the validator whose stake went to 0 at epoch 2 has no permit at epoch 3: no bonds, no dividends
      expect(r.epochs[3]!.dividends[1]).toBe(0);
      expect(r.epochs[3]!.bonds[1]).toEqual([0, 0, 0]);
    }
  });

  it('the same case gives the same result, bit for bit (a pure function of the case)', () => {
    expect(runScenario(c, '3-liquid')).toEqual(runScenario(c, '3-liquid'));
  });

  it('--resets re-registers the reset server at its epoch: earlier epochs unchanged, its bond column restarts', () => {
    // Yuma3 stores the EMA as is (no column upscaling), so the restart is visible in the stored bond
    const off = runScenario(c, '3');
    const on = runScenario(c, '3', { resets: true });
    expect(on.epochs.slice(0, 2)).toEqual(off.epochs.slice(0, 2));
    expect(on.hyperparameters.bond_reset).toEqual({ server_uid: 3, epoch: 2, block_at_registration: 10000 + 2 * 361 - 1 });
    expect(off.hyperparameters.bond_reset).toBeNull();
    // the bond on server B restarts from zero at the reset (one EMA step), instead of growing on
    expect(on.epochs[2]!.bonds[0]![1]!).toBeLessThan(off.epochs[2]!.bonds[0]![1]!);
    // the other servers' bonds are untouched by the reset
    expect(on.epochs[2]!.bonds[0]![0]).toBe(off.epochs[2]!.bonds[0]![0]);
  });

  it('the CSV has a header naming every column and one row per epoch', () => {
    const r = runScenario(c, '1');
    const lines = scenarioCsv(c, r).trimEnd().split('\n');
    expect(lines).toHaveLength(5);
    expect(lines[0]).toContain('"dividend:Small, ""quoted"" (0.25)"');
    expect(lines[0]!.startsWith('epoch,dividend:Big (0.75),')).toBe(true);
    expect(lines[1]!.split(',')).toHaveLength(1 + 2 + 3 + 6);
  });

  it.skipIf(!existsSync(peerCases))('the public simulator\'s cases run in every variant; kappa moving first keeps the big validator\'s share', () => {
    const files = readdirSync(peerCases).filter((f) => f.endsWith('.json'));
    expect(files.length).toBeGreaterThanOrEqual(22);
    for (const f of files) {
      const cs = parseScenarioCase(JSON.parse(readFileSync(join(peerCases, f), 'utf8')), f);
      expect(cs.epochs.length).toBe(40);
    }
    const case1 = parseScenarioCase(JSON.parse(readFileSync(join(peerCases, 'case-01-kappa-moves-first.json'), 'utf8')));
    for (const v of ['1', '2', '3', '3-liquid'] as const) {
      const r = runScenario(case1, v);
      // after all validators moved to server 2, it has all the incentive
      expect(r.epochs[39]!.incentives).toEqual([0, 1]);
      // the big validator (0.8 of the stake) moved first: at least its stake share of the dividends at the end
      expect(r.epochs[39]!.dividends[0]!).toBeGreaterThanOrEqual(0.8 - 1e-3);
    }
  });
});

/**
 * An independent float64 model of Yuma 3 as the public simulator describes it: rows normalized,
 * consensus by bisection on stake above kappa 0.5 (normalized, truncated to u16), incentive from
 * the clipped ranks, bonds B = (1 - a) B + a W (a = 0.025, capped at 1), dividends S_i * sum_j
 * B_ij / colsum_j * I_j, normalized. The exact engine must agree with it to about 1e-3.
 */
function floatYuma3(c: ScenarioCase, a = 0.025): number[][] {
  const V = c.validators.length;
  const S = c.servers.length;
  let B = Array.from({ length: V }, () => new Array<number>(S).fill(0));
  return c.epochs.map((ep) => {
    const W = ep.weights.map((r) => {
      const sum = r.reduce((x, y) => x + y, 0);
      return r.map((w) => w / (sum + 1e-6));
    });
    const total = ep.stakes.reduce((x, y) => x + y, 0);
    const st = ep.stakes.map((x) => x / total);
    const C = Array.from({ length: S }, (_, j) => {
      let lo = 0;
      let hi = 1;
      while (hi - lo > 1e-5) {
        const mid = (lo + hi) / 2;
        const above = st.reduce((acc, s, i) => acc + (W[i]![j]! > mid ? s : 0), 0);
        if (above > 0.5) lo = mid;
        else hi = mid;
      }
      return hi;
    });
    const cs = C.reduce((x, y) => x + y, 0);
    const Cn = C.map((x) => Math.trunc((x / cs) * 65535) / 65535);
    const R = Cn.map((cj, j) => st.reduce((acc, s, i) => acc + s * Math.min(W[i]![j]!, cj), 0));
    const rs = R.reduce((x, y) => x + y, 0);
    const I = R.map((r) => (rs ? r / rs : 0));
    B = B.map((row, i) => row.map((b, j) => Math.min(1, b * (1 - a) + a * W[i]![j]!)));
    const col = Array.from({ length: S }, (_, j) => B.reduce((acc, row) => acc + row[j]!, 0));
    const D = st.map((s, i) => s * B[i]!.reduce((acc, b, j) => acc + (b / (col[j]! + 1e-6)) * I[j]!, 0));
    const ds = D.reduce((x, y) => x + y, 0);
    return D.map((d) => d / (ds + 1e-6));
  });
}

describe.skipIf(!existsSync(peerCases))('against a float model of the simulator', () => {
  it('variant 3: the dividends of the simulator\'s cases 1-19 agree with the float Yuma 3 model to 1e-3, every epoch', () => {
    const files = readdirSync(peerCases).filter((f) => /^case-(0\d|1\d)-.*\.json$/.test(f));
    expect(files).toHaveLength(19);
    for (const f of files) {
      const c = parseScenarioCase(JSON.parse(readFileSync(join(peerCases, f), 'utf8')), f);
      const ours = runScenario(c, '3');
      const model = floatYuma3(c);
      let worst = 0;
      ours.epochs.forEach((e, k) => e.dividends.forEach((d, i) => (worst = Math.max(worst, Math.abs(d - model[k]![i]!)))));
      expect({ case: f, agrees: worst < 1e-3 }).toEqual({ case: f, agrees: true });
    }
  });
});

describe('case file validation', () => {
  const bad: [string, (d: any) => void, RegExp][] = [
    ['not an object', (d) => Object.keys(d).forEach((k) => delete d[k]), /validators/],
    ['wrong format', (d) => (d.format = 'yuma-sim-case/2'), /^x\.json: format: /],
    ['row too short', (d) => d.epochs[1].weights[0].pop(), /epochs\[1\]\.weights\[0\]: expected 3 weights/],
    ['missing row', (d) => d.epochs[2].weights.pop(), /epochs\[2\]\.weights: expected 2 weight rows/],
    ['negative weight', (d) => (d.epochs[0].weights[1][2] = -1), /epochs\[0\]\.weights\[1\]\[2\]/],
    ['string stake', (d) => (d.epochs[3].stakes[0] = '0.5'), /epochs\[3\]\.stakes\[0\]/],
    ['stakes length', (d) => d.epochs[0].stakes.push(1), /epochs\[0\]\.stakes: expected 2 stakes/],
    ['num_epochs mismatch', (d) => (d.num_epochs = 40), /num_epochs: expected 4/],
    ['reset server out of range', (d) => (d.reset_bonds.server_index = 3), /reset_bonds\.server_index/],
    ['reset epoch out of range', (d) => (d.reset_bonds.epoch = 4), /reset_bonds\.epoch/],
    ['unsafe slug', (d) => (d.slug = '../evil'), /slug/],
    ['server name not a string', (d) => (d.servers[2] = 7), /servers\[2\]/],
    ['no epochs', (d) => (d.epochs = []), /epochs: expected a non-empty array/],
    ['unknown base validator', (d) => (d.base_validator = 'nobody'), /base_validator/],
  ];
  for (const [what, mutate, re] of bad) {
    it(`rejects ${what}, naming the file and the field`, () => {
      const d = smallCase();
      mutate(d);
      let err: unknown;
      try {
        parseScenarioCase(d, 'x.json');
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(InputError);
      expect((err as InputError).describe()).toMatch(re);
      expect((err as InputError).describe().startsWith('x.json: ')).toBe(true);
    });
  }
});

describe('yuma scenario (the built CLI)', () => {
  it('writes <slug>.<variant>.json and .csv per case and variant, and one report', () => {
    const caseFile = join(dir, 'small.json');
    writeFileSync(caseFile, JSON.stringify(smallCase()));
    const out = join(dir, 'out1');
    const r = yuma(['scenario', caseFile, '--yuma', '1,3-liquid', '--out', out, '--resets']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('small-case');
    expect(readdirSync(out).sort()).toEqual(
      ['scenario.html', 'small-case.1.csv', 'small-case.1.json', 'small-case.3-liquid.csv', 'small-case.3-liquid.json'].sort(),
    );
    const doc = JSON.parse(readFileSync(join(out, 'small-case.3-liquid.json'), 'utf8'));
    expect(Object.keys(doc)).toEqual(['case', 'variant', 'hyperparameters', 'epochs']);
    expect(doc.case).toBe('small-case');
    expect(doc.variant).toBe('3-liquid');
    expect(doc.hyperparameters.bond_reset.server_uid).toBe(3);
    expect(doc.epochs).toHaveLength(4);
    expect(Object.keys(doc.epochs[0])).toEqual(['dividends', 'incentives', 'bonds']);
    // the CLI's numbers are the library's
    const lib = runScenario(parseScenarioCase(smallCase(), caseFile), '3-liquid', { resets: true });
    expect(doc.epochs).toEqual(JSON.parse(JSON.stringify(lib.epochs)));
    const html = readFileSync(join(out, 'scenario.html'), 'utf8');
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    // per case: 3 weight charts + stake; per variant: dividends, incentives, 3 bonds, 3 normalized bonds
    expect(html.match(/<figure class="chart"/g)).toHaveLength(4 + 2 * 8);
    expect(html).toContain('Dividends per validator');
    expect(html).toContain('Normalized bonds on B');
  });

  it.skipIf(!existsSync(examples))('runs the examples shipped in examples/scenarios', () => {
    const out = join(dir, 'examples');
    const r = yuma(['scenario', examples, '--out', out, '--quiet']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(readdirSync(out).filter((f) => f.endsWith('.json')).length).toBeGreaterThanOrEqual(4 * 3);
  });

  const badRuns: [string, (f: string, out: string) => string[], RegExp][] = [
    ['an unknown variant', (f, out) => ['scenario', f, '--yuma', '4', '--out', out], /--yuma: expected one of 1, 2, 3, 3-liquid/],
    ['a bonds penalty above 1', (f, out) => ['scenario', f, '--bonds-penalty', '1.5', '--out', out], /--bonds-penalty/],
    ['a missing case file', (_f, out) => ['scenario', join(dir, 'nope.json'), '--out', out], /nope\.json: cannot read: no such file/],
  ];
  for (const [what, args, re] of badRuns) {
    it(`exits 2 on ${what}, one line, nothing written`, () => {
      const caseFile = join(dir, 'ok.json');
      writeFileSync(caseFile, JSON.stringify(smallCase()));
      const out = join(dir, `bad-${what.replace(/\W+/g, '-')}`);
      const r = yuma(args(caseFile, out));
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(re);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).not.toMatch(/\n\s+at /);
      expect(existsSync(out)).toBe(false);
    });
  }

  it('exits 2 on a bad case among good ones, naming the file and field, and writes nothing', () => {
    const good = join(dir, 'good.json');
    const badFile = join(dir, 'bad-case.json');
    writeFileSync(good, JSON.stringify(smallCase()));
    const d = smallCase() as any;
    d.slug = 'other';
    d.epochs[2].weights[1] = [0, 1];
    writeFileSync(badFile, JSON.stringify(d));
    const out = join(dir, 'out-bad');
    const r = yuma(['scenario', good, badFile, '--out', out]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe(`yuma: ${badFile}: epochs[2].weights[1]: expected 3 weights (one per server), got 2 values`);
    expect(existsSync(out)).toBe(false);
  });

  it('exits 2 when two cases share a slug (their outputs would collide)', () => {
    const a = join(dir, 'a.json');
    const b = join(dir, 'b.json');
    writeFileSync(a, JSON.stringify(smallCase()));
    writeFileSync(b, JSON.stringify(smallCase()));
    const r = yuma(['scenario', a, b, '--out', join(dir, 'dup')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/b\.json: slug: .*also the slug of .*a\.json/);
  });

  it('documents every option in --help', () => {
    const r = yuma(['scenario', '--help']);
    expect(r.code).toBe(0);
    for (const opt of ['--yuma', '--bonds-penalty', '--resets', '--out', '--report', '--quiet']) expect(r.stdout).toContain(opt);
  });
});
