// `yuma profile`: stage statistics that add up, kernel timing that does not change a bit, the
// WASM vs reference comparison, and the command (table, JSON, report, bad arguments).
import { describe, it, expect, beforeAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { timeEpoch, quantile, stageBytes, timedKernels, type EpochTiming } from '../src/engine/analysis/epoch-timing.js';
import { runEpoch, EPOCH_STAGES } from '../src/engine/epoch.js';
import { compareOutputs } from '../src/engine/compare.js';
import { createWasmKernels } from '../src/engine/wasm.js';
import { syntheticInput } from '../src/engine/synthetic.js';
import { describeShape } from '../src/report/epoch-timing.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const bin = join(root, 'dist/cli/main.js');
const edgeInput = join(root, 'test/fixtures/golden/edge/kappa_0.input.json');

function yuma(args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd: root, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

let dir: string;
let prof: EpochTiming;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'yuma-profile-'));
  prof = timeEpoch(syntheticInput({ n: 48, validators: 12, seed: 5 }), { reps: 5, refReps: 1 });
});

describe('timeEpoch', () => {
  it('reports every stage of the pipeline, with shares that add up to 1', () => {
    expect(prof.stages.map((s) => s.stage)).toEqual([...EPOCH_STAGES]);
    const total = prof.stages.reduce((a, s) => a + s.share, 0);
    expect(Math.abs(total - 1)).toBeLessThan(1e-9);
    for (const s of prof.stages) {
      expect(s.medianMs).toBeGreaterThanOrEqual(0);
      expect(s.p90Ms).toBeGreaterThanOrEqual(s.medianMs);
      expect(s.bytes).toBeGreaterThan(0);
    }
    expect(prof.totalP90Ms).toBeGreaterThanOrEqual(prof.totalMedianMs);
    expect(prof.reps).toBe(5);
  });

  it('times the kernels the epoch calls, on WASM and on the reference, and the outputs agree bit for bit', () => {
    const names = prof.kernels.map((k) => k.kernel);
    for (const k of ['prepareWeights', 'consensus', 'emaDividends', 'emission', 'toU16Array']) expect(names).toContain(k);
    // full rows: consensus takes clip's sums from each column it solves, and clip does not run
    expect(names).not.toContain('clip');
    for (const k of prof.kernels) {
      expect(k.calls).toBeGreaterThanOrEqual(1);
      expect(k.refMs).not.toBeNull();
    }
    // five u16 vectors; original Yuma's stored bonds come out of emaDividends (no upscale pass)
    expect(prof.kernels.find((k) => k.kernel === 'toU16Array')!.calls).toBe(5);
    expect(prof.kernels.find((k) => k.kernel === 'emaDividends')!.calls).toBe(1);
    expect(prof.identical).toBe(true);
    expect(prof.mismatch).toBeNull();
  });

  it('entry counts come from the kernels themselves', () => {
    const inp = syntheticInput({ n: 48, validators: 12, seed: 5 });
    expect(prof.counts.n).toBe(48);
    expect(prof.counts.weightsIn).toBe(inp.weights.col.length);
    expect(prof.counts.weights).toBeLessThanOrEqual(prof.counts.weightsIn);
    expect(prof.counts.stored).toBe(runEpoch(inp).bonds.col.length);
    // the bytes model grows with the entries
    const more = stageBytes({ ...prof.counts, weights: prof.counts.weights * 2 }, false, false);
    const base = stageBytes(prof.counts, false, false);
    expect(more.consensus).toBeGreaterThan(base.consensus);
    expect(more.activity).toBe(base.activity);
  });

  it('the timing wrapper changes nothing: same output as the plain kernels, every call recorded', () => {
    const inp = syntheticInput({ n: 40, validators: 10, yuma3: true, liquidAlpha: true, seed: 9 });
    const timed = timedKernels(createWasmKernels());
    const out = runEpoch(inp, { kernels: timed.kernels });
    expect(compareOutputs(runEpoch(inp), out)).toBeNull();
    expect(timed.calls.map((c) => c.kernel)).toContain('emaLiquid');
    for (const c of timed.calls) expect(c.ms).toBeGreaterThanOrEqual(0);
  });

  it('says which bond EMA ran: liquid alpha asked for but all consensus zero runs (and says) the fixed-alpha EMA', () => {
    const live = syntheticInput({ n: 40, validators: 10, yuma3: true, liquidAlpha: true, seed: 9 });
    // every weight 0: every consensus value is 0, so Yuma3 takes the fixed alpha (docs/spec/yuma.md 2.13a)
    const zero = { ...live, weights: { ...live.weights, val: new Uint16Array(live.weights.val.length) } };
    const original = { ...live, hyperparameters: { ...live.hyperparameters, yuma3: false } };
    const fixed = { ...live, hyperparameters: { ...live.hyperparameters, liquid_alpha: false } };
    const run = (inp: typeof live) => timeEpoch(inp, { reps: 1, warmup: 0, refReps: 0 });
    const cases: [typeof live, string, string][] = [
      [live, 'liquid', 'liquid alpha on, bonds_penalty 65535; bond EMA Yuma3, liquid alpha'],
      [zero, 'fixed', 'liquid alpha on, bonds_penalty 65535; bond EMA Yuma3, fixed alpha (liquid alpha not applied: consensus is all zero)'],
      [fixed, 'fixed', 'liquid alpha off, bonds_penalty 65535; bond EMA Yuma3, fixed alpha'],
      [original, 'original', 'liquid alpha on, bonds_penalty 65535; bond EMA original Yuma, fixed alpha (liquid alpha not applied: original Yuma ignores liquid alpha)'],
    ];
    for (const [inp, ema, text] of cases) {
      const p = run(inp);
      expect(p.ema).toBe(ema);
      expect(describeShape(p).endsWith(text), describeShape(p)).toBe(true);
    }
  });

  it('quantile: median interpolates, p90 is the nearest rank', () => {
    expect(quantile([4, 1, 3, 2], 0.5)).toBe(2.5);
    expect(quantile([5, 1, 3], 0.5)).toBe(3);
    expect(quantile(Array.from({ length: 10 }, (_, i) => i + 1), 0.9)).toBe(9);
  });
});

describe('yuma profile (the built CLI)', () => {
  it('synthetic: table on stdout, JSON and report written', () => {
    const json = join(dir, 'p.json');
    const report = join(dir, 'p.html');
    const r = yuma(['profile', '--synthetic', '40,10,20', '--reps', '3', '--ref-reps', '1', '--json', json, '--report', report]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    for (const s of EPOCH_STAGES) expect(r.stdout).toMatch(new RegExp(`^${s}\\s`, 'm'));
    expect(r.stdout).toMatch(/^epoch\s/m);
    expect(r.stdout).toMatch(/^consensus\s+1\s/m); // the kernel table
    expect(r.stdout).toContain('identical to the WASM kernels bit for bit');
    const doc = JSON.parse(readFileSync(json, 'utf8'));
    expect(doc.profile).toBe('synthetic n=40 V=10 rowlen=20 seed=1');
    expect(doc.stages).toHaveLength(EPOCH_STAGES.length);
    expect(doc.shape.n).toBe(40);
    const html = readFileSync(report, 'utf8');
    expect(html.match(/data-kind="stacked-bar"/g)!.length).toBeGreaterThanOrEqual(2);
    expect(html).toContain('data-kind="grouped-bar"');
  });

  it('an input file (yuma-epoch/1), --yuma3 overriding it, no reference run', () => {
    const r = yuma(['profile', edgeInput, '--reps', '2', '--ref-reps', '0', '--yuma3']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('profile: kappa_0.input.json');
    expect(r.stdout).toContain('yuma3 on');
    expect(r.stdout).toContain('not run (--ref-reps 0)');
  });

  const bad: [string, string[], RegExp][] = [
    ['neither input nor --synthetic', ['profile'], /<input>: give either an input file or --synthetic/],
    ['both input and --synthetic', ['profile', edgeInput, '--synthetic', '8,2'], /--synthetic: give either/],
    ['a bad --synthetic', ['profile', '--synthetic', '8'], /--synthetic: expected n,V\[,rowlen\]/],
    ['V above n', ['profile', '--synthetic', '8,9'], /--synthetic: expected n,V\[,rowlen\]/],
    ['--reps 0', ['profile', '--synthetic', '8,2', '--reps', '0'], /--reps: expected an integer 1\.\./],
    ['a missing file', ['profile', join(root, 'nope.json')], /nope\.json: cannot read: no such file/],
    ['a bad input field', ['profile', join(root, 'test/fixtures/golden/edge')], /edge: cannot read: is a directory/],
    ['--json into a missing directory', ['profile', '--synthetic', '8,2', '--json', '/nonexistent-dir/x.json'], /--json: cannot write \/nonexistent-dir\/x\.json: no such directory/],
  ];
  for (const [what, args, re] of bad) {
    it(`exits 2 on ${what}, one line, no stack trace`, () => {
      const r = yuma(args);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(re);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stdout).toBe('');
    });
  }

  it('refuses a --synthetic shape past the 4 GiB WebAssembly memory before generating it, naming entries, limit and the V that fits', () => {
    const r = yuma(['profile', '--synthetic', '65535,2048']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim()).toBe(
      'yuma profile: --synthetic: n=65535, V=2048, 65535 per row: 134,215,680 weight and 134,215,680 bond entries need 6.51 GiB of ' +
        "WebAssembly memory for the epoch's buffers, above its 4.00 GiB limit; at this n and row length at most V=1256 fits (or shorten the rows)",
    );
    // Yuma3 keeps more matrices: fewer validators fit
    expect(yuma(['profile', '--synthetic', '65535,2048', '--yuma3']).stderr).toMatch(/9\.51 GiB .* at most V=859 fits/);
  });

  it('writes nothing when the input is bad', () => {
    const json = join(dir, 'never.json');
    const r = yuma(['profile', join(root, 'nope.json'), '--json', json, '--report', join(dir, 'never.html')]);
    expect(r.code).toBe(2);
    expect(existsSync(json)).toBe(false);
    expect(readdirSync(dir).filter((f) => f.startsWith('never') || f.endsWith('.tmp'))).toEqual([]);
  });

  it('documents every option in --help', () => {
    const r = yuma(['profile', '--help']);
    expect(r.code).toBe(0);
    for (const opt of ['--synthetic', '--yuma3', '--liquid-alpha', '--bonds-penalty', '--seed', '--reps', '--warmup', '--ref-reps', '--json', '--report', '--quiet']) {
      expect(r.stdout).toContain(opt);
    }
  });
});
