// Faults around `yuma simulate`'s checkpoints: a resume into another run's --out, checkpoints
// whose hash was recomputed over a tampered state (every field range-checked, the run id
// against the scenario, the ledger's identities), the rotation of checkpoints across resumes,
// temp files a kill leaves. A refused resume exits 2 with one line and changes nothing.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkpointText, parseCheckpointText } from '../src/engine/network/checkpoint.js';
import { CheckpointError } from '../src/engine/network/errors.js';
import { parseScenario, type Scenario } from '../src/engine/network/run-spec.js';
import { runId, simulate } from '../src/engine/network/simulate.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const bin = join(root, 'dist/cli/main.js');
const yuma = (args: string[]) => {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd: root, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
};

/** every file of a directory with the sha256 of its bytes */
function snapshot(dir: string): Record<string, string> {
  const o: Record<string, string> = {};
  for (const f of readdirSync(dir).sort()) o[f] = createHash('sha256').update(readFileSync(join(dir, f))).digest('hex');
  return o;
}
const checkpointsIn = (dir: string) => readdirSync(dir).filter((f) => /^checkpoint-\d+\.json$/.test(f)).sort();

/** two subnets with epochs (tempo 50) and registrations before the first checkpoint */
const small = (seed: number, blocks: number): Scenario =>
  parseScenario(
    {
      name: 'faults',
      seed,
      blocks,
      subnets: [{ count: 2, uids: 32, validators: 4, tempo: 50, registrationsPerDay: 400, stakeEventsPerDay: 800, immunityPeriod: 20 }],
    },
    'faults',
  );

let dir: string;
/** run A: seed 5, 600 blocks, a checkpoint every 100 (all kept) */
let runA: string;
beforeAll(async () => {
  if (!existsSync(bin)) throw new Error(`${bin} is missing: run \`npm run build\``);
  dir = mkdtempSync(join(tmpdir(), 'yuma-faults-sim-'));
  runA = join(dir, 'a');
  await simulate({ scenario: small(5, 600), out: runA, checkpointEvery: 100, keepCheckpoints: 10, timings: false });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('resuming into another run\'s --out', () => {
  it('refuses (exit 2, one line) and changes nothing when --out holds a longer run of another seed', async () => {
    const other = join(dir, 'other');
    await simulate({ scenario: small(6, 900), out: other, checkpointEvery: 100, keepCheckpoints: 10, timings: false });
    const before = snapshot(other);
    const r = yuma(['simulate', '--resume', join(runA, 'checkpoint-5000300.json'), '--out', other]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      `yuma simulate: checkpoint ${join(runA, 'checkpoint-5000300.json')}: ${join(other, 'epochs.ndjson')} belongs to run ` +
        `${runId(small(6, 900))}: it is not this run's (run ${runId(small(5, 600))}); use another --out. Nothing was changed\n`,
    );
    expect(r.stdout).toBe('');
    expect(snapshot(other)).toEqual(before);
  });

  it('refuses when epochs.ndjson is this run\'s id but not the bytes the checkpoint saw, or another file is foreign', async () => {
    const ck = join(runA, 'checkpoint-5000300.json');
    // the same run id on every line, one byte changed inside the part the checkpoint covers
    const spliced = join(dir, 'spliced');
    mkdirSync(spliced);
    const text = readFileSync(join(runA, 'epochs.ndjson'), 'utf8');
    const at = text.indexOf('"stake":["') + 10;
    writeFileSync(join(spliced, 'epochs.ndjson'), text.slice(0, at) + (text[at] === '1' ? '2' : '1') + text.slice(at + 1));
    let before = snapshot(spliced);
    await expect(simulate({ resume: ck, out: spliced })).rejects.toThrow(/epochs\.ndjson does not start with the \d+ bytes written before the checkpoint/);
    expect(snapshot(spliced)).toEqual(before);
    // a line of another build (no run id)
    writeFileSync(join(spliced, 'epochs.ndjson'), '{"netuid":1,"block":5}\n');
    await expect(simulate({ resume: ck, out: spliced })).rejects.toThrow(/epochs\.ndjson has no run id on its first line/);
    // shorter than the checkpoint's byte count
    writeFileSync(join(spliced, 'epochs.ndjson'), text.slice(0, 200));
    await expect(simulate({ resume: ck, out: spliced })).rejects.toThrow(/holds 200 bytes, fewer than the \d+ written before the checkpoint/);
    // a foreign summary, a checkpoint of another run, an old-format checkpoint: each refused by name
    rmSync(join(spliced, 'epochs.ndjson'));
    writeFileSync(join(spliced, 'summary.json'), JSON.stringify({ run: 'ffffffffffffffff' }));
    before = snapshot(spliced);
    await expect(simulate({ resume: ck, out: spliced })).rejects.toThrow(/summary\.json belongs to run ffffffffffffffff/);
    expect(snapshot(spliced)).toEqual(before);
    rmSync(join(spliced, 'summary.json'));
    copyFileSync(join(dir, 'other', 'checkpoint-5000800.json'), join(spliced, 'checkpoint-5000800.json'));
    await expect(simulate({ resume: ck, out: spliced })).rejects.toThrow(/checkpoint-5000800\.json belongs to run [0-9a-f]{16}: it is not this run's/);
    writeFileSync(join(spliced, 'checkpoint-5000800.json'), '{"format":"yuma-checkpoint/1","sha256":"00","state":{}}\n');
    await expect(simulate({ resume: ck, out: spliced })).rejects.toThrow(/checkpoint-5000800\.json is a yuma-checkpoint\/1 file/);
    expect(readdirSync(spliced)).toEqual(['checkpoint-5000800.json']);
  });
});

describe('a checkpoint whose hash was recomputed over a tampered state is refused by field', () => {
  const tampered: Array<[string, (s: any) => void, RegExp]> = [
    ['block 0 (5M blocks back)', (s) => (s.block = 0), /state\.block: must be in 5000002\.\.5000600 \(.*\), got 0/],
    ['a block past the end', (s) => (s.block = 5_000_701), /state\.block: must be in 5000002\.\.5000600 .*got 5000701/],
    ['a block between checkpoints', (s) => (s.block = 5_000_251), /state\.block: 5000251 is not 1 \+ a checkpoint block/],
    ['no driver (would restart from genesis)', (s) => delete s.driver, /^state: missing field "driver"/],
    ['a take of 70000', (s) => (s.driver.take[Object.keys(s.driver.take)[0]!] = 70000), /state\.driver\.take\["hk:001:\d{6}"\]: must be an integer in 0\.\.65535, got 70000/],
    ['a take of -1', (s) => (s.driver.take[Object.keys(s.driver.take)[1]!] = -1), /state\.driver\.take\["hk:\d{3}:\d{6}"\]: must be an integer in 0\.\.65535, got -1/],
    ['another seed', (s) => (s.scenario.seed = 6), /state\.run: [0-9a-f]{16}, but its scenario is run [0-9a-f]{16} \(the scenario was changed/],
    ['a negative balance', (s) => (s.driver.free[Object.keys(s.driver.free)[0]!] = '-5'), /state\.driver\.free\["ck:001:m00000"\]: must be a u64 as a decimal string, got "-5"/],
    ['an amount past u64', (s) => (s.driver.tao.burn = '18446744073709551616'), /state\.driver\.tao\.burn: must be a u64/],
    ['an unknown field', (s) => (s.driver.books['1'].extra = '0'), /state\.driver\.books\["1"\]: unknown field "extra"/],
    ['a role that does not exist', (s) => (s.driver.subnets[1].role = Buffer.alloc(32, 9).toString('base64')), /state\.driver\.subnets\[1\]\.role\[0\]: must be in 0\.\.4, got 9/],
    ['an all-zero generator', (s) => (s.driver.subnets[0].rng = [0, 0, 0, 0]), /state\.driver\.subnets\[0\]\.rng: must be 4 integers/],
    ['a subnet of another size', (s) => (s.driver.subnets[0].n = 31), /state\.driver\.subnets\[0\]\.hotkeys: 32 entries for n = 31/],
    ['a block count off by one', (s) => (s.counters.blockChecks += 1), /state\.counters\.blockChecks: must be 300 \(one per block run\), got 301/],
    ['an epoch count the subnets do not add up to', (s) => (s.counters.epochs += 1), /state\.counters\.epochs: \d+, but the subnets ran \d+ epochs/],
    ['a version of another build', (s) => (s.version = 1), /state\.version: 1, this build reads 2/],
    ['keepCheckpoints 0', (s) => (s.keepCheckpoints = 0), /state\.keepCheckpoints: must be an integer in 1\.\./],
    // in range field by field, but the ledger no longer adds up (network.md 8)
    ['a balance that breaks conservation', (s) => (s.driver.free['ck:001:m00000'] = String(BigInt(s.driver.free['ck:001:m00000']) + 1n)), /its state breaks conservation \(.*free .* != running/],
  ];

  for (const [what, edit, message] of tampered) {
    it(what, async () => {
      const state = parseCheckpointText(readFileSync(join(runA, 'checkpoint-5000300.json'), 'utf8'), 'x') as any;
      edit(state);
      const d = mkdtempSync(join(dir, 'tamper-'));
      const file = join(d, 'checkpoint-5000300.json');
      writeFileSync(file, checkpointText(state));
      const err = await simulate({ resume: file }).then(
        () => null,
        (e) => e,
      );
      expect(err).toBeInstanceOf(CheckpointError);
      expect((err as CheckpointError).describe()).toMatch(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: ${message.source.replace(/^\^/, '')}`));
      expect(readdirSync(d)).toEqual(['checkpoint-5000300.json']);
    });
  }

  it('on the command line: exit 2, one line naming the file and the field, nothing written', () => {
    const state = parseCheckpointText(readFileSync(join(runA, 'checkpoint-5000300.json'), 'utf8'), 'x') as any;
    state.block = 0;
    const d = mkdtempSync(join(dir, 'cli-'));
    const file = join(d, 'checkpoint-5000300.json');
    writeFileSync(file, checkpointText(state));
    const r = yuma(['simulate', '--resume', file, '--out', join(d, 'out')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`^yuma simulate: checkpoint ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: state\\.block: must be in 5000002\\.\\.5000600 .*got 0; refused, nothing loaded\\n$`));
    expect(readdirSync(d)).toEqual(['checkpoint-5000300.json']);
  });
});

describe('checkpoint rotation and leftovers', () => {
  it('--keep-checkpoints holds across a resume: two runs leave the newest N, this run\'s later ones go, temp files go', async () => {
    const out = join(dir, 'rot');
    await simulate({ scenario: small(5, 400), out, checkpointEvery: 100, keepCheckpoints: 2, timings: false });
    expect(checkpointsIn(out)).toEqual(['checkpoint-5000200.json', 'checkpoint-5000300.json']);
    // a kill inside writeFileAtomic leaves a temp file, empty or not
    writeFileSync(join(out, '.checkpoint-5000400.json.4242.0123456789ab.tmp'), '');
    writeFileSync(join(out, '.ledger.json.4243.0123456789ab.tmp'), '{"par');
    writeFileSync(join(out, 'notes.txt'), 'mine');
    const logs: string[] = [];
    await simulate({ resume: join(out, 'checkpoint-5000300.json'), blocks: 700, log: (l) => logs.push(l) });
    expect(checkpointsIn(out)).toEqual(['checkpoint-5000500.json', 'checkpoint-5000600.json']);
    expect(readdirSync(out).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    expect(readFileSync(join(out, 'notes.txt'), 'utf8')).toBe('mine');
    expect(logs).toContain(`note: removed 2 temp file(s) a killed run left in ${out}`);

    // resuming from an older checkpoint: this run's later ones no longer match the cut-back
    // epochs.ndjson and go; three segments of different lengths end in the bytes of run A
    // (the same scenario run 600 blocks in one go)
    await simulate({ resume: join(out, 'checkpoint-5000500.json'), blocks: 600, log: (l) => logs.push(l) });
    expect(logs).toContain(`note: removed 1 later checkpoint(s) of this run in ${out} (epochs.ndjson is cut back to block 5000500)`);
    expect(checkpointsIn(out)).toEqual(['checkpoint-5000500.json']);
    // (the checkpoint itself differs: it records the 700-block length and --keep-checkpoints 2)
    for (const f of ['epochs.ndjson', 'ledger.json']) {
      expect(readFileSync(join(out, f), 'utf8') === readFileSync(join(runA, f), 'utf8'), f).toBe(true);
    }
  });

  it('on the command line: two runs with --keep-checkpoints 2 leave 2 checkpoints', () => {
    const out = join(dir, 'rot-cli');
    const args = ['--subnets', '2', '--neurons', '32', '--validators', '4', '--no-timings', '--json'];
    expect(yuma(['simulate', ...args, '--blocks', '400', '--checkpoint-every', '100', '--keep-checkpoints', '2', '--out', out]).code).toBe(0);
    expect(checkpointsIn(out)).toEqual(['checkpoint-5000200.json', 'checkpoint-5000300.json']);
    const r = yuma(['simulate', '--resume', join(out, 'checkpoint-5000300.json'), '--blocks', '800', '--no-timings', '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(checkpointsIn(out)).toEqual(['checkpoint-5000600.json', 'checkpoint-5000700.json']);
  });
});

describe('a subnet without workload events', () => {
  it('checkpoints "never" as an event block a resume accepts, and resumes to the same bytes', async () => {
    const quiet = parseScenario({ name: 'quiet', seed: 2, blocks: 300, subnets: [{ count: 2, uids: 32, validators: 4, tempo: 50, registrationsPerDay: 0, stakeEventsPerDay: 0 }] }, 'quiet');
    const out = join(dir, 'quiet');
    await simulate({ scenario: quiet, out, checkpointEvery: 100, keepCheckpoints: 10, timings: false });
    const state = parseCheckpointText(readFileSync(join(out, 'checkpoint-5000100.json'), 'utf8'), 'x') as any;
    expect(state.driver.subnets.map((x: any) => [x.nextStakeEvent, x.nextRegistration])).toEqual([
      [Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
      [Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
    ]);
    const copy = join(dir, 'quiet-resumed');
    mkdirSync(copy);
    for (const f of ['epochs.ndjson', 'checkpoint-5000100.json']) copyFileSync(join(out, f), join(copy, f));
    await simulate({ resume: join(copy, 'checkpoint-5000100.json'), log: () => {} });
    for (const f of ['epochs.ndjson', 'ledger.json']) {
      expect(readFileSync(join(copy, f), 'utf8') === readFileSync(join(out, f), 'utf8'), f).toBe(true);
    }
  });
});

describe('Commune checkpoints', () => {
  const commune = (blocks: number) =>
    parseScenario({ profile: 'commune', seed: 3, blocks, subnets: [{ count: 3, uids: 32, validators: 4, tempo: 40, registrationsPerDay: 400 }] }, 'c');

  it('pass the same checks: a resume ends in the bytes of an uninterrupted run; a tampered field is refused', async () => {
    const whole = join(dir, 'c-whole');
    await simulate({ scenario: commune(500), out: whole, timings: false });
    const cut = join(dir, 'c-cut');
    await simulate({ scenario: commune(500), out: cut, checkpointEvery: 120, keepCheckpoints: 10, timings: false });
    const ck = join(cut, 'checkpoint-5000240.json');
    rmSync(join(cut, 'summary.json'));
    await simulate({ resume: ck, log: () => {} });
    for (const f of ['epochs.ndjson', 'ledger.json']) {
      expect(readFileSync(join(cut, f), 'utf8') === readFileSync(join(whole, f), 'utf8'), f).toBe(true);
    }
    const state = parseCheckpointText(readFileSync(ck, 'utf8'), 'x') as any;
    state.driver.books['1'].failed = -1;
    const d = mkdtempSync(join(dir, 'c-tamper-'));
    writeFileSync(join(d, 'checkpoint-5000240.json'), checkpointText(state));
    await expect(simulate({ resume: join(d, 'checkpoint-5000240.json') })).rejects.toThrow(
      /state\.driver\.books\["1"\]\.failed: must be an integer in 0\.\.\d+, got -1; refused, nothing loaded/,
    );
    expect(readdirSync(d)).toEqual(['checkpoint-5000240.json']);
  });
});
