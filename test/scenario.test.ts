// `yuma scenario`: the pinned case -> epoch mapping (docs/scenario.md), the multi-epoch carry, case-file
// validation, settings and sweeps, relative dividends, snapshot replays, the schema, serve, and the
// command end to end (files, report, bad arguments, no partial output).
import { describe, it, expect, beforeAll } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  ScenarioRun,
  parseScenarioCase,
  runScenario,
  scenarioCsv,
  scenarioEpochInput,
  variantHyperparameters,
  weightRowToU16,
  type ScenarioCase,
  type SimCase,
} from '../src/engine/analysis/scenario.js';
import { resolveParam, sweepSettings, sweepValues } from '../src/engine/analysis/scenario-params.js';
import { settingsOption, sweepOption } from '../src/cli/options.js';
import { runEpoch } from '../src/engine/epoch.js';
import { InputError, type EpochInput } from '../src/engine/types.js';
import { epochInputToJson, epochOutputToJson, parseEpochInput } from '../src/engine/io.js';
import fc from 'fast-check';
import { Ajv } from 'ajv';

const root = fileURLToPath(new URL('..', import.meta.url));
const bin = join(root, 'dist/cli/main.js');
const peerCases = join(root, 'examples/scenarios/simulator-cases'); // the public simulator's cases, shipped
const examples = join(root, 'examples/scenarios');
const sn15 = join(root, 'examples/snapshots/metagraph-sn15-b4769998.json'); // the subnet-15 snapshot, shipped

/** parseScenarioCase for a document that must be a simulator case (not a snapshot replay). */
function simCase(json: unknown, file = ''): SimCase {
  const c = parseScenarioCase(json, file);
  if (c.kind !== 'sim') throw new Error(`${file}: expected a simulator case, got a ${c.kind} case`);
  return c;
}

function yuma(args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd: root, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A small case: 2 validators, 3 servers, 4 epochs; validator 1 moves, then loses its stake. */
function smallCase(): Record<string, unknown> & { epochs: unknown[] } {
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
  const c = simCase(smallCase(), 'small.json');

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
    const fromPoint1 = simCase({ ...smallCase(), epochs: smallCase().epochs.map(() => ({ weights: [[1, 0, 0], [1, 0, 0]], stakes: [0.8, 0.1] })) });
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
  const c = simCase(smallCase(), 'small.json');

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
        for (const row of ep.bonds!) for (const b of row) expect(Number.isInteger(b) && b >= 0 && b <= 65535).toBe(true);
      }
      // everyone weights server B from epoch 2: it takes all the incentive
      expect(r.epochs[3]!.incentives[1]).toBe(1);
      // the validator whose stake went to 0 at epoch 2 has no permit at epoch 3: no bonds, no dividends
      expect(r.epochs[3]!.dividends[1]).toBe(0);
      expect(r.epochs[3]!.bonds![1]).toEqual([0, 0, 0]);
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
    expect(on.epochs[2]!.bonds![0]![1]!).toBeLessThan(off.epochs[2]!.bonds![0]![1]!);
    // the other servers' bonds are untouched by the reset
    expect(on.epochs[2]!.bonds![0]![0]).toBe(off.epochs[2]!.bonds![0]![0]);
  });

  it('the CSV has a header naming every column and one row per epoch', () => {
    const r = runScenario(c, '1');
    const lines = scenarioCsv(c, r).trimEnd().split('\n');
    expect(lines).toHaveLength(5);
    expect(lines[0]).toContain('"dividend:Small, ""quoted"" (0.25)"');
    expect(lines[0]!.startsWith('epoch,dividend:Big (0.75),')).toBe(true);
    // epoch, dividends, incentives, bonds, validator emission
    expect(lines[1]!.split(',')).toHaveLength(1 + 2 + 3 + 6 + 2);
  });

  it.skipIf(!existsSync(peerCases))('the public simulator\'s cases run in every variant; kappa moving first keeps the big validator\'s share', () => {
    const files = readdirSync(peerCases).filter((f) => f.endsWith('.json'));
    expect(files.length).toBeGreaterThanOrEqual(22);
    for (const f of files) {
      const cs = simCase(JSON.parse(readFileSync(join(peerCases, f), 'utf8')), f);
      expect(cs.epochs.length).toBe(40);
    }
    const case1 = simCase(JSON.parse(readFileSync(join(peerCases, 'case-01-kappa-moves-first.json'), 'utf8')));
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
function floatYuma3(c: SimCase, a = 0.025): number[][] {
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
      const c = simCase(JSON.parse(readFileSync(join(peerCases, f), 'utf8')), f);
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
    ['an unknown field (a typo must not be ignored)', (d) => (d.hyperparameter = { kappa: 0.6 }), /^x\.json: hyperparameter: unknown field/],
    ['an unknown field in an epoch', (d) => (d.epochs[1].weight = []), /epochs\[1\]\.weight: unknown field/],
    ['a setting that is not a number', (d) => (d.hyperparameters = { kappa: 'high' }), /hyperparameters\.kappa: expected a number/],
    ['a setting that does not exist', (d) => (d.hyperparameters = { tempo: 10 }), /hyperparameters\.tempo: unknown setting "tempo"/],
    ['a raw setting above its range', (d) => (d.hyperparameters = { bonds_moving_average: 2000000 }), /hyperparameters\.bonds_moving_average: expected a fraction in \[0, 1\] or a raw integer 0\.\.1000000/],
    ['a replay field in a synthetic case', (d) => (d.changes = []), /changes: only a snapshot replay/],
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
      ['scenario.csv', 'scenario.html', 'scenario.json', 'small-case.1.csv', 'small-case.1.json', 'small-case.3-liquid.csv', 'small-case.3-liquid.json'].sort(),
    );
    const doc = JSON.parse(readFileSync(join(out, 'small-case.3-liquid.json'), 'utf8'));
    expect(Object.keys(doc)).toEqual(['case', 'variant', 'setting', 'hyperparameters', 'validators', 'validator_uids', 'epochs', 'totals']);
    expect(doc.case).toBe('small-case');
    expect(doc.variant).toBe('3-liquid');
    expect(doc.hyperparameters.bond_reset.server_uid).toBe(3);
    expect(doc.epochs).toHaveLength(4);
    expect(Object.keys(doc.epochs[0])).toEqual([
      'dividends', 'incentives', 'bonds', 'stake_shares', 'relative_dividends', 'relative_dividends_cumulative', 'validator_emission',
    ]);
    // the CLI's numbers are the library's
    const lib = runScenario(simCase(smallCase(), caseFile), '3-liquid', { resets: true });
    expect(doc.epochs).toEqual(JSON.parse(JSON.stringify(lib.epochs)));
    const html = readFileSync(join(out, 'scenario.html'), 'utf8');
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    // per case: 3 weight charts + stake; per variant: dividends, relative and cumulative relative
    // dividends, incentives, 3 bonds, 3 normalized bonds
    expect(html.match(/<figure class="chart"/g)).toHaveLength(4 + 2 * 10);
    expect(html).toContain('Cumulative relative dividends');
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
    ['an unknown variant', (f, out) => ['scenario', f, '--yuma', '4', '--out', out], /--yuma: expected one of 1, 2, 3, 3-liquid, snapshot/],
    ['the snapshot variant on a synthetic case', (f, out) => ['scenario', f, '--yuma', 'snapshot', '--out', out], /ok\.json: --yuma: variant snapshot runs snapshot replays only/],
    ['an unknown setting', (f, out) => ['scenario', f, '--set', 'kapa=0.5', '--out', out], /--set kapa: unknown setting "kapa"; one of kappa,/],
    ['a setting out of range', (f, out) => ['scenario', f, '--set', 'kappa=70000', '--out', out], /--set kappa: expected a fraction in \[0, 1\] or a raw integer 0\.\.65535/],
    ['a bad switch', (f, out) => ['scenario', f, '--set', 'yuma3=maybe', '--out', out], /--set yuma3: expected true or false/],
    ['a bad sweep range', (f, out) => ['scenario', f, '--sweep', 'kappa=0.9:0.5:0.1', '--out', out], /--sweep kappa: expected a range from:to:step/],
    ['more threads than the pool allows', (f, out) => ['scenario', f, '--threads', '100000', '--out', out], /--threads: expected an integer 0\.\.\d+/],
    ['a sweep with a repeated chain value', (f, out) => ['scenario', f, '--sweep', 'kappa=0.5,0.50000001', '--out', out], /--sweep kappa: value 0\.50000001 repeats/],
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
    expect(r.stderr.trim()).toBe(`yuma scenario: ${badFile}: epochs[2].weights[1]: expected 3 weights (one per server), got 2 values`);
    expect(existsSync(out)).toBe(false);
  });

  it('exits 2 on a replay whose snapshot file is missing, naming the case, its field and the file', () => {
    const caseFile = join(dir, 'missing-snapshot.json');
    writeFileSync(caseFile, JSON.stringify({ snapshot: 'nope.json', num_epochs: 2 }));
    const out = join(dir, 'missing-out');
    const r = yuma(['scenario', caseFile, '--out', out]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe(`yuma scenario: ${caseFile}: snapshot: ${join(dir, 'nope.json')}: cannot read: no such file`);
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
    for (const opt of ['--yuma', '--set', '--sweep', '--bonds-penalty', '--resets', '--threads', '--epochs', '--out', '--report', '--quiet']) {
      expect(r.stdout).toContain(opt);
    }
  });
});

describe('settings: units, precedence, effective values', () => {
  it('u16 fractions and raw u16, per million, switches and u64 amounts as the spec\'s units say', () => {
    expect(resolveParam('kappa', ['0.6'], 'f')).toEqual([Math.floor(0.6 * 65535 + 0.5)]);
    expect(resolveParam('kappa', [1], 'f')).toEqual([65535]);
    expect(resolveParam('kappa', ['39321'], 'f')).toEqual([39321]);
    expect(resolveParam('bonds_moving_average', [0.975], 'f')).toEqual([975000]);
    expect(resolveParam('bonds_moving_average', ['900000'], 'f')).toEqual([900000]);
    // a list is read as one: any value above 1 makes every value raw
    expect(resolveParam('bonds_penalty', [0, 0.5, 0.99, 1], 'f')).toEqual([0, 32768, 64880, 65535]);
    expect(resolveParam('bonds_penalty', [0, 1, 65535], 'f')).toEqual([0, 1, 65535]);
    expect(resolveParam('yuma3', ['on', false, 'true', 0], 'f')).toEqual([true, false, true, false]);
    expect(resolveParam('stake_threshold', ['18446744073709551615', 5], 'f')).toEqual([18446744073709551615n, 5n]);
    expect(resolveParam('alpha_sigmoid_steepness', ['-200'], 'f')).toEqual([-200]);
    expect(() => resolveParam('kappa', [0.5, 2.5], 'x', 'c.json')).toThrow(/raw integer 0\.\.65535.*every value is raw/);
    expect(() => resolveParam('max_allowed_validators', [1.5], '--set max_allowed_validators')).toThrow(InputError);
  });

  it('ranges are exact decimals, inclusive of the end; axes cross, first axis slowest', () => {
    expect(sweepValues('0.5:0.9:0.1', 'f')).toEqual(['0.5', '0.6', '0.7', '0.8', '0.9']);
    expect(sweepValues('0:1:0.25', 'f')).toEqual(['0', '0.25', '0.5', '0.75', '1']);
    expect(sweepValues('900000:990000:30000', 'f')).toEqual(['900000', '930000', '960000', '990000']);
    const settings = sweepSettings(sweepOption(['kappa=0.5,0.6', 'yuma3=false,true']));
    expect(settings.map((s) => s.label)).toEqual(['kappa=0.5 yuma3=false', 'kappa=0.5 yuma3=true', 'kappa=0.6 yuma3=false', 'kappa=0.6 yuma3=true']);
    expect(settings[3]!.overrides).toEqual({ kappa: 39321, yuma3: true });
  });

  it('every setting reaches the epoch input; order: variant < case block < --bonds-penalty < --set < sweep', () => {
    const d = smallCase() as any;
    d.hyperparameters = { kappa: 0.6, bonds_penalty: 0.25, activity_cutoff: 5000, max_allowed_validators: 1, stake_threshold: '100', alpha_low: 0.1, alpha_high: 0.3, alpha_sigmoid_steepness: 500, liquid_alpha: true, rao_emission: '5000000000' };
    const c = parseScenarioCase(d, 'c.json') as Extract<ScenarioCase, { kind: 'sim' }>;
    const input = scenarioEpochInput(c, '2', 0, null, new Float64Array(5), {});
    expect(input.hyperparameters).toMatchObject({
      kappa: 39321, bonds_penalty: 16384, activity_cutoff: 5000, max_allowed_validators: 1, stake_threshold: 100n,
      alpha_low: 6554, alpha_high: 19661, alpha_sigmoid_steepness: 500, liquid_alpha: true, yuma3: false, bonds_moving_average: 900000,
    });
    expect(input.rao_emission).toBe(5_000_000_000n);
    const set = settingsOption(['bonds_penalty=1', 'yuma3=true', 'bonds_moving_average=0.5']);
    const [setting] = sweepSettings(sweepOption(['bonds_penalty=0']));
    const over = scenarioEpochInput(c, '2', 0, null, new Float64Array(5), { bondsPenalty: 0.5, overrides: set });
    expect(over.hyperparameters).toMatchObject({ bonds_penalty: 65535, yuma3: true, bonds_moving_average: 500000 });
    expect(scenarioEpochInput(c, '2', 0, null, new Float64Array(5), { bondsPenalty: 0.5 }).hyperparameters.bonds_penalty).toBe(32768);
    expect(scenarioEpochInput(c, '2', 0, null, new Float64Array(5), { overrides: set, setting }).hyperparameters.bonds_penalty).toBe(0);
    // an explicit liquid_alpha holds from epoch 0, also in 3-liquid
    expect(scenarioEpochInput(c, '3-liquid', 0, null, new Float64Array(5)).hyperparameters.liquid_alpha).toBe(true);
    // the result names the effective values and what was set
    const r = runScenario(c, '2', { overrides: set });
    expect(r.hyperparameters).toMatchObject({ kappa: 39321, bonds_penalty: 65535, yuma3: true, rao_emission: '5000000000', stake_threshold: '100' });
    expect(r.hyperparameters.set).toEqual({
      kappa: 39321, bonds_penalty: 65535, bonds_moving_average: 500000, alpha_low: 6554, alpha_high: 19661, alpha_sigmoid_steepness: 500,
      liquid_alpha: true, yuma3: true, activity_cutoff: 5000, max_allowed_validators: 1, stake_threshold: '100', rao_emission: '5000000000',
    });
  });

  it('a setting changes the chain\'s result (kappa above the big validator\'s stake share moves consensus)', () => {
    const c = simCase(smallCase(), 'c.json');
    const plain = runScenario(c, '1');
    const kappa = runScenario(c, '1', { overrides: { kappa: 65535 } });
    expect(kappa.epochs[0]!.incentives).not.toEqual(plain.epochs[0]!.incentives);
  });
});

describe('relative dividends, the base validator, absolute emission', () => {
  it('property: per epoch, relative dividends sum to zero over validators (within rounding), the cumulative ones too', () => {
    const arb = fc.record({
      V: fc.integer({ min: 1, max: 4 }),
      S: fc.integer({ min: 1, max: 4 }),
      E: fc.integer({ min: 1, max: 6 }),
      seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
      variant: fc.constantFrom('1', '2', '3', '3-liquid' as const),
    });
    fc.assert(
      fc.property(arb, ({ V, S, E, seed, variant }) => {
        let x = seed || 1;
        const rnd = () => ((x = (x * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
        const doc = {
          validators: Array.from({ length: V }, (_, i) => `v${i}`),
          servers: Array.from({ length: S }, (_, j) => `s${j}`),
          epochs: Array.from({ length: E }, () => ({
            weights: Array.from({ length: V }, () => Array.from({ length: S }, () => (rnd() < 0.3 ? 0 : rnd()))),
            stakes: Array.from({ length: V }, () => (rnd() < 0.15 ? 0 : rnd())),
          })),
        };
        const r = runScenario(parseScenarioCase(doc, 'p.json'), variant);
        for (const ep of r.epochs) {
          const paid = ep.dividends.some((d) => d > 0);
          const sum = ep.relative_dividends.reduce((a, b) => a + b, 0);
          expect(Math.abs(sum)).toBeLessThan(1e-12);
          if (!paid) expect(ep.relative_dividends.every((d) => d === 0)).toBe(true);
          expect(Math.abs(ep.relative_dividends_cumulative.reduce((a, b) => a + b, 0))).toBeLessThan(1e-11);
          ep.relative_dividends.forEach((d, k) => expect(d).toBe(paid ? ep.dividends[k]! - ep.stake_shares[k]! : 0));
        }
      }),
      { numRuns: 60 },
    );
  });

  it('stake shares come from the output stake; dividends in rao are the output\'s validator_emission; totals add up', () => {
    const c = simCase(smallCase(), 'c.json') as Extract<ScenarioCase, { kind: 'sim' }>;
    const r = runScenario(c, '2', { overrides: { rao_emission: 7_000_000_000n } });
    let prev = null as ReturnType<typeof runEpoch> | null;
    const em = [0n, 0n];
    r.epochs.forEach((ep, e) => {
      const out = runEpoch(scenarioEpochInput(c, '2', e, prev, new Float64Array(5), { overrides: { rao_emission: 7_000_000_000n } }));
      prev = out;
      expect(ep.validator_emission).toEqual([out.neurons.validator_emission[0]!.toString(), out.neurons.validator_emission[1]!.toString()]);
      const st = Number(out.neurons.stake[0]! + out.neurons.stake[1]!);
      expect(ep.stake_shares).toEqual([Number(out.neurons.stake[0]!) / st, Number(out.neurons.stake[1]!) / st]);
      em[0]! += out.neurons.validator_emission[0]!;
      em[1]! += out.neurons.validator_emission[1]!;
      // the validators' part of one epoch's emission (about half of it)
      const paid = out.neurons.validator_emission[0]! + out.neurons.validator_emission[1]!;
      expect(paid <= 7_000_000_000n && paid > 3_000_000_000n).toBe(true);
    });
    expect(r.totals.validator_emission).toEqual(em.map(String));
    expect(r.totals.dividends[0]).toBeCloseTo(r.epochs.reduce((a, ep) => a + ep.dividends[0]!, 0), 12);
    expect(r.totals.relative_dividends).toEqual(r.epochs[3]!.relative_dividends_cumulative);
    // the base validator: its own ratio is 1
    expect(r.totals.base_validator).toBe('Big (0.75)');
    expect(r.totals.dividends_vs_base![0]).toBe(1);
    expect(r.totals.dividends_vs_base![1]).toBeCloseTo(r.totals.dividends[1]! / r.totals.dividends[0]!, 15);
    const noBase = runScenario(parseScenarioCase({ ...smallCase(), base_validator: null }, 'c.json'), '2');
    expect(noBase.totals.dividends_vs_base).toBeNull();
  });
});

/** A replay case of the shipped sn15 snapshot. */
function sn15Case(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { format: 'yuma-sim-case/1', slug: 'sn15', snapshot: sn15, num_epochs: 4, ...extra };
}
const readSnapshot = (p: string) => ({ doc: JSON.parse(readFileSync(p, 'utf8')) as unknown, source: p });

describe.skipIf(!existsSync(sn15))('snapshot replays (subnet 15 at block 4769998)', () => {
  it('without changes, a replay is a `yuma verify` sequence: the snapshot moved on, carried from the engine\'s own outputs', () => {
    const c = parseScenarioCase(sn15Case(), 'r.json', { readSnapshot });
    const run = new ScenarioRun(c, 'snapshot');
    const snap = parseEpochInput(JSON.parse(readFileSync(sn15, 'utf8')));
    const epochs: unknown[] = [];
    for (let e = 0; e < 4; e++) {
      const input = run.input(e);
      const out = runEpoch(input);
      run.accept(e, out);
      // the file's input of epoch e: the snapshot, every block moved on by e * (tempo + 1)
      const shift = e * 361;
      const given = { ...snap, current_block: snap.current_block + shift, neurons: { ...snap.neurons, last_update: snap.neurons.last_update.map((b) => b + shift) } };
      epochs.push({ epoch: e, registered: [], input: JSON.parse(epochInputToJson(given)), expected: JSON.parse(epochOutputToJson(out)) });
    }
    const r = run.result();
    expect(r.epochs).toHaveLength(4);
    // the permit holders are the validators reported
    expect(r.validator_uids.length).toBeGreaterThanOrEqual(64);
    const seqFile = join(dir, 'sn15-replay.sequence.json');
    writeFileSync(seqFile, JSON.stringify({ format: 'yuma-epoch/1', kind: 'sequence', carry_rule: 'epoch-io.md', epochs }));
    const v = yuma(['verify', seqFile]);
    expect(v.stdout + v.stderr).toMatch(/verify: 1 passed, 0 failed/);
    expect(v.code).toBe(0);
  });

  it('scripted changes: weights, a deregistration, stake moves; checked against the stake held', () => {
    const snap = JSON.parse(readFileSync(sn15, 'utf8'));
    const alpha0 = BigInt(snap.neurons.alpha_stake[0]);
    const c = parseScenarioCase(
      sn15Case({
        changes: [
          { epoch: 1, uid: 0, weights: [[5, 2], [7, 1]] },
          { epoch: 2, deregister: 3 },
          { epoch: 2, move_stake: { from: 0, to: 9, amount: '1000000000' } },
          { epoch: 3, uid: 9, set_stake: { tao_stake: '42' } },
        ],
      }),
      'r.json',
      { readSnapshot },
    );
    const run = new ScenarioRun(c, 'snapshot');
    const inputs: EpochInput[] = [];
    for (let e = 0; e < 4; e++) {
      const input = run.input(e);
      inputs.push(input);
      run.accept(e, runEpoch(input));
    }
    const row = (m: typeof inputs[0]['weights'], i: number) => Array.from(m.col.subarray(m.rowPtr[i], m.rowPtr[i + 1]));
    expect(row(inputs[0]!.weights, 0)).not.toEqual([5, 7]);
    expect(row(inputs[1]!.weights, 0)).toEqual([5, 7]);
    expect(Array.from(inputs[1]!.weights.val.subarray(inputs[1]!.weights.rowPtr[0], inputs[1]!.weights.rowPtr[1]))).toEqual([65535, 32768]);
    expect(inputs[1]!.neurons.last_update[0]).toBe(inputs[1]!.current_block);
    // uid 3 (a permitted validator) deregisters at epoch 2: a new neuron, no stake, no row, no bonds, no permit
    expect(inputs[1]!.neurons.validator_permit[3]).toBe(1);
    expect(inputs[2]!.neurons.validator_permit[3]).toBe(0);
    expect(inputs[2]!.neurons.alpha_stake[3]).toBe(0n);
    expect(row(inputs[2]!.weights, 3)).toEqual([]);
    expect(row(inputs[2]!.bonds, 3)).toEqual([]);
    expect(inputs[2]!.neurons.block_at_registration[3]).toBe(inputs[2]!.current_block - 1);
    expect(inputs[2]!.neurons.alpha_stake[0]).toBe(alpha0 - 1_000_000_000n);
    expect(inputs[3]!.neurons.tao_stake[9]).toBe(42n);
    // bonds come from the previous output from epoch 1 on
    expect(inputs[1]!.bonds.col.length).toBeGreaterThan(0);
  });

  it('the shipped replay example runs (examples/replays/sn15-what-if.json)', () => {
    const out = join(dir, 'replay-example');
    const r = yuma(['scenario', join(root, 'examples/replays/sn15-what-if.json'), '--yuma', 'snapshot,3', '--threads', '0', '--out', out, '--quiet']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const doc = JSON.parse(readFileSync(join(out, 'sn15-what-if.snapshot.json'), 'utf8'));
    expect(doc.epochs).toHaveLength(20);
    expect(doc.hyperparameters).toMatchObject({ changes: 3, rao_emission: '360000000000' });
    expect(doc.totals.base_validator).toBe('uid 2');
  });

  const badReplays: [string, Record<string, unknown>, RegExp][] = [
    ['a move of more stake than held', { changes: [{ epoch: 0, move_stake: { from: 0, to: 1, amount: '1' } }, { epoch: 1, move_stake: { from: 1, to: 2, amount: '1000000000000000000' } }] }, /^r\.json: changes\[1\]\.move_stake\.amount: uid 1 holds \d+ rao/],
    ['a uid out of range', { changes: [{ epoch: 0, deregister: 256 }] }, /changes\[0\]\.deregister: expected a uid 0\.\.255/],
    ['an epoch past the end', { changes: [{ epoch: 4, deregister: 1 }] }, /changes\[0\]\.epoch: expected an epoch index 0\.\.3/],
    ['two changes in one', { changes: [{ epoch: 0, deregister: 1, uid: 2, weights: [] }] }, /changes\[0\]: expected exactly one of/],
    ['unsorted weights', { changes: [{ epoch: 0, uid: 1, weights: [[5, 1], [4, 1]] }] }, /changes\[0\]\.weights\[1\]\[0\]: expected uid_j in ascending order/],
    ['a synthetic field', { validators: ['a'] }, /validators: not a field of a snapshot replay/],
    ['a base validator by name', { base_validator: 'Big' }, /base_validator: expected a uid 0\.\.255/],
    ['no epoch count', { num_epochs: undefined }, /num_epochs: expected the number of epochs/],
    ['a bad inline snapshot', { snapshot: { format: 'yuma-epoch/1', kind: 'input', n: 1 } }, /^r\.json: snapshot\.\w+/],
  ];
  for (const [what, extra, re] of badReplays) {
    it(`rejects ${what}, naming the field`, () => {
      let err: unknown;
      try {
        parseScenarioCase(sn15Case(extra), 'r.json', { readSnapshot });
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(InputError);
      expect((err as InputError).describe()).toMatch(re);
    });
  }

  it('the CLI replays a case file (snapshot path relative to it) and a bare yuma-epoch/1 input, with variants and settings', () => {
    const caseDir = join(dir, 'replay-case');
    mkdirSync(caseDir, { recursive: true });
    copyFileSync(sn15, join(caseDir, 'snap.json'));
    writeFileSync(join(caseDir, 'whatif.json'), JSON.stringify({ ...sn15Case({ snapshot: 'snap.json', base_validator: 0 }), changes: [{ epoch: 2, uid: 0, weights: [[5, 1]] }] }));
    const out = join(dir, 'replay-out');
    const r = yuma(['scenario', join(caseDir, 'whatif.json'), '--yuma', 'snapshot,3', '--set', 'kappa=0.6', '--threads', '2', '--out', out, '--quiet']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const doc = JSON.parse(readFileSync(join(out, 'sn15.snapshot.json'), 'utf8'));
    expect(doc.hyperparameters).toMatchObject({ kappa: 39321, yuma3: false, netuid: 15, first_block: 4769998, changes: 1 });
    expect(JSON.parse(readFileSync(join(out, 'sn15.3.json'), 'utf8')).hyperparameters).toMatchObject({ kappa: 39321, yuma3: true, bonds_penalty: 0 });
    // the CLI's numbers are the library's
    const lib = runScenario(parseScenarioCase(JSON.parse(readFileSync(join(caseDir, 'whatif.json'), 'utf8')), join(caseDir, 'whatif.json'), { readSnapshot: (p) => readSnapshot(join(caseDir, p)) }), 'snapshot', { overrides: { kappa: 39321 } });
    expect(doc.epochs).toEqual(JSON.parse(JSON.stringify(lib.epochs)));
    expect(doc.totals.base_validator).toBe('uid 0');
    const bare = yuma(['scenario', sn15, '--epochs', '2', '--threads', '0', '--out', join(dir, 'bare-out'), '--quiet']);
    expect(bare.code).toBe(0);
    expect(JSON.parse(readFileSync(join(dir, 'bare-out', 'metagraph-sn15-b4769998.snapshot.json'), 'utf8')).epochs).toHaveLength(2);
  });
});

describe('sweeps', () => {
  it('each setting of a sweep equals the plain run with that setting; the same with 0 or 2 threads; one long CSV', () => {
    const caseFile = join(dir, 'sweep-case.json');
    writeFileSync(caseFile, JSON.stringify(smallCase()));
    const out2 = join(dir, 'sweep2');
    const out0 = join(dir, 'sweep0');
    const args = ['scenario', caseFile, '--sweep', 'bonds_penalty=0,0.5,0.99,1', '--yuma', '2,3'];
    const r2 = yuma([...args, '--threads', '2', '--out', out2, '--quiet']);
    expect(r2.stderr).toBe('');
    expect(r2.code).toBe(0);
    expect(yuma([...args, '--threads', '0', '--out', out0, '--quiet']).code).toBe(0);
    const c = simCase(smallCase(), caseFile);
    const text = readFileSync(join(out2, 'scenario.json'), 'utf8');
    expect(readFileSync(join(out0, 'scenario.json'), 'utf8')).toBe(text);
    const all = JSON.parse(text);
    expect(all.sweep).toEqual([{ name: 'bonds_penalty', values: ['0', '0.5', '0.99', '1'] }]);
    // per case, per variant, per setting
    expect(all.runs.map((r: { variant: string; setting: { bonds_penalty: string } }) => `${r.variant}:${r.setting.bonds_penalty}`)).toEqual(
      ['2:0', '2:0.5', '2:0.99', '2:1', '3:0', '3:0.5', '3:0.99', '3:1'],
    );
    let k = 0;
    for (const v of ['2', '3'] as const) {
      for (const [label, x] of [['0', 0], ['0.5', 0.5], ['0.99', 0.99], ['1', 1]] as const) {
        const doc = all.runs[k++];
        expect(doc.hyperparameters.bonds_penalty).toBe(Math.floor(x * 65535 + 0.5));
        const plain = runScenario(c, v, { overrides: settingsOption([`bonds_penalty=${label}`]) });
        expect(doc.epochs).toEqual(JSON.parse(JSON.stringify(plain.epochs)));
        expect(doc.totals).toEqual(JSON.parse(JSON.stringify(plain.totals)));
      }
    }
    // and the CLI's plain run with that setting
    const plainOut = join(dir, 'sweep-plain');
    expect(yuma(['scenario', caseFile, '--set', 'bonds_penalty=0.99', '--yuma', '3', '--out', plainOut, '--quiet']).code).toBe(0);
    expect(JSON.parse(readFileSync(join(plainOut, 'small-case.3.json'), 'utf8')).epochs).toEqual(all.runs[6].epochs);
    // a sweep writes no per-run files
    expect(readdirSync(out2).sort()).toEqual(['scenario.csv', 'scenario.html', 'scenario.json']);
    const csv = readFileSync(join(out2, 'scenario.csv'), 'utf8').trimEnd().split('\n');
    expect(csv[0]).toBe('case,variant,setting,bonds_penalty,epoch,validator,uid,stake_share,dividend_share,relative_dividend,relative_dividend_cumulative,validator_emission_rao');
    // one row per (case, variant, setting, epoch, validator)
    expect(csv).toHaveLength(1 + 2 * 4 * 4 * 2);
    expect(csv[1]).toMatch(/^small-case,2,bonds_penalty=0,0,0,Big \(0\.75\),0,/);
    // the report draws small multiples: per variant, the totals against the setting and one chart per setting
    const html = readFileSync(join(out2, 'scenario.html'), 'utf8');
    expect(html).toContain('Cumulative relative dividends against the setting');
    expect(html.match(/<figure class="chart"/g)).toHaveLength(4 + 2 * (1 + 4));
  });

  it.skipIf(!existsSync(peerCases))('the simulator\'s 22 cases x 4 variants x a 4-value sweep run on 2 threads (time printed)', () => {
    const out = join(dir, 'sweep-peer');
    const r = yuma(['scenario', peerCases, '--sweep', 'bonds_penalty=0,0.5,0.99,1', '--threads', '2', '--out', out]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/scenario: 14080 epochs \(352 runs\) in [\d.]+ s on 2 worker threads/);
    expect(JSON.parse(readFileSync(join(out, 'scenario.json'), 'utf8')).runs).toHaveLength(352);
  });
});

describe('the case file schema (schema/yuma-sim-case-1.schema.json)', () => {
  const schema = JSON.parse(readFileSync(join(root, 'schema/yuma-sim-case-1.schema.json'), 'utf8'));
  const validate = new Ajv({ allErrors: true, strict: false }).compile(schema);
  const shipped = [examples, join(root, 'examples/replays')]
    .filter((d) => existsSync(d))
    .flatMap((d) => readdirSync(d, { recursive: true }).map(String).filter((f) => f.endsWith('.json')).map((f) => join(d, f)));

  it('every shipped case validates, and the engine reads it', () => {
    // our four, the simulator's 22, the replay example
    expect(shipped.length).toBeGreaterThanOrEqual(4 + 22 + 1);
    for (const f of shipped) {
      const doc = JSON.parse(readFileSync(f, 'utf8'));
      expect({ f, ok: validate(doc), errors: validate.errors ?? null }).toEqual({ f, ok: true, errors: null });
    }
    // the test cases above validate too
    for (const doc of [smallCase(), { ...smallCase(), hyperparameters: { kappa: 0.6, yuma3: true, stake_threshold: '1000' } }, sn15Case({ changes: [{ epoch: 1, deregister: 2 }] })]) {
      expect(validate(doc)).toBe(true);
    }
  });

  it('it rejects what the engine rejects: unknown fields, bad settings, mixed case kinds', () => {
    for (const doc of [
      { ...smallCase(), hyperparameter: {} },
      { ...smallCase(), hyperparameters: { tempo: 1 } },
      { ...smallCase(), hyperparameters: { yuma3: 'yes' } },
      { ...smallCase(), changes: [] },
      sn15Case({ validators: ['a'] }),
      sn15Case({ changes: [{ epoch: 0, deregister: 1, weights: [] }] }),
    ]) {
      expect(validate(doc)).toBe(false);
      expect(() => parseScenarioCase(doc, 'x.json', { readSnapshot })).toThrow(InputError);
    }
  });
});

describe('yuma serve: POST /v1/scenario and the stdio scenario request', () => {
  const request = (id: unknown, extra: Record<string, unknown> = {}) => ({
    id,
    scenario: { case: smallCase(), yuma: ['2', '3'], set: { kappa: 0.6 }, sweep: { bonds_penalty: [0, 1] }, resets: true, ...extra },
  });
  /** the library's results for request() */
  const expected = () => {
    const c = simCase(smallCase(), '');
    const out = [];
    for (const v of ['2', '3'] as const) {
      for (const bp of [0, 65535]) {
        out.push(runScenario(c, v, { resets: true, overrides: { kappa: 39321 }, setting: { overrides: { bonds_penalty: bp }, values: { bonds_penalty: bp ? '1' : '0' }, label: '' } }));
      }
    }
    return JSON.parse(JSON.stringify(out));
  };

  it('stdio: a line with "scenario" runs it on the pool, between epoch requests, replies in order', () => {
    const epochInput = readFileSync(join(root, 'test/fixtures/golden/edge', readdirSync(join(root, 'test/fixtures/golden/edge')).find((f) => f.endsWith('.input.json'))!), 'utf8');
    const lines = [
      JSON.stringify(request('s1')),
      JSON.stringify({ ...JSON.parse(epochInput), id: 'e1' }),
      JSON.stringify(request('bad', { set: { kappa: 'x' } })),
      JSON.stringify({ id: 'bad2', scenario: { case: { slug: 'r', snapshot: '/etc/passwd', num_epochs: 2 } } }),
    ];
    const r = spawnSync(process.execPath, [bin, 'serve', '--stdio', '--threads', '2', '--quiet'], { cwd: root, input: `${lines.join('\n')}\n`, encoding: 'utf8', timeout: 60_000 });
    expect(r.status).toBe(0);
    const replies = r.stdout.trimEnd().split('\n').map((l) => JSON.parse(l));
    expect(replies.map((x) => x.id)).toEqual(['s1', 'e1', 'bad', 'bad2']);
    expect(replies[0].results).toEqual(expected());
    expect(replies[1].output.format).toBe('yuma-epoch/1');
    expect(replies[2].error).toMatchObject({ code: 'bad_input', field: 'scenario.set.kappa' });
    // a server reads no file a request names: a snapshot goes inline
    expect(replies[3].error).toMatchObject({ code: 'bad_input', field: 'scenario.case.snapshot', message: expect.stringMatching(/inline/) });
  });

  it('HTTP: POST /v1/scenario answers {"id", "results"}; bad input is a 400 naming the field', async () => {
    const proc = spawn(process.execPath, [bin, 'serve', '--http', '--port', '0', '--threads', '2', '--quiet'], { cwd: root });
    try {
      const port = await new Promise<number>((resolve, reject) => {
        let err = '';
        proc.stderr.on('data', (d: Buffer) => {
          err += d.toString();
          const m = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(err);
          if (m) resolve(Number(m[1]));
        });
        proc.on('exit', () => reject(new Error(`serve exited: ${err}`)));
      });
      const post = async (body: unknown) => {
        const res = await fetch(`http://127.0.0.1:${port}/v1/scenario`, { method: 'POST', body: JSON.stringify(body) });
        return { status: res.status, doc: (await res.json()) as any };
      };
      const ok = await post(request(3));
      expect(ok.status).toBe(200);
      expect(ok.doc.id).toBe(3);
      expect(ok.doc.results).toEqual(expected());
      const bad = await post({ id: 4, scenario: { cases: [smallCase(), smallCase()] } });
      expect(bad.status).toBe(400);
      expect(bad.doc).toEqual({ id: 4, error: { code: 'bad_input', message: expect.stringMatching(/repeats an earlier case/), field: 'scenario.cases[1].slug' } });
      const badCase = await post({ id: 5, scenario: { case: { ...smallCase(), epochs: [] } } });
      expect(badCase.doc.error).toMatchObject({ code: 'bad_input', field: 'scenario.case.epochs' });
      const get = await fetch(`http://127.0.0.1:${port}/v1/scenario`);
      expect(get.status).toBe(405);
      await get.text();
    } finally {
      proc.kill('SIGTERM');
    }
  }, 60_000);
});
