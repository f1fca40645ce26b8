// `yuma simulate` with subnets that run several incentive mechanisms (docs/spec/mechanisms.md,
// docs/simulate.md): the scenario fields and their errors; the ledger credits the aggregate
// (per uid the sum over mechanisms of server and validator emission) with conservation checked
// every block; each mechanism carries its own weights, last updates and bonds from epoch to
// epoch while permits come from the aggregate; the same bytes for any thread count (also with
// every subnet's mechanisms spread over the workers); checkpoints carry the per-mechanism
// state and a resume (in process, and after SIGKILL of the CLI) ends in the same bytes.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import fc from 'fast-check';
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, watch, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InputError } from '../src/engine/types.js';
import { splitEmissions } from '../src/engine/mechanisms/split.js';
import type { MechanismsInput, MechanismsOutput } from '../src/engine/mechanisms/types.js';
import { parseScenario, type Scenario } from '../src/engine/network/run-spec.js';
import { Network } from '../src/engine/network/network.js';
import { mainThreadRunner, poolRunner, type EpochRunner } from '../src/engine/network/runner.js';
import { runId, simulate } from '../src/engine/network/simulate.js';
import { checkpointText, parseCheckpointText } from '../src/engine/network/checkpoint.js';
import { CheckpointError } from '../src/engine/network/errors.js';
import type { EpochRecord } from '../src/engine/network/profiles/types.js';
import { canonicalJson } from '../src/engine/network/canonical.js';
import { sparseToRows } from '../src/engine/io.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const bin = join(root, 'dist/cli/main.js');
const yuma = (args: string[]) => {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd: root, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
};

/** netuid 1: 3 mechanisms with a split; 2: 2 mechanisms, even; 3: one mechanism; 4: 3 mechanisms, no registrations */
const MIXED = {
  name: 'mechanisms',
  seed: 9,
  blocks: 600,
  subnets: [
    { count: 1, uids: 48, validators: 8, tempo: 20, mechanisms: 3, emission_split: [30000, 20000, 15535], registrationsPerDay: 400, stakeEventsPerDay: 800, immunityPeriod: 30 },
    { count: 1, uids: 40, validators: 6, tempo: 25, mechanisms: 2, registrationsPerDay: 400, immunityPeriod: 30 },
    { count: 1, uids: 32, validators: 4, tempo: 15 },
    { count: 1, uids: 32, validators: 6, tempo: 30, mechanisms: 3, registrationsPerDay: 0, stakeEventsPerDay: 0 },
  ],
  workload: { weightsPerValidator: 16, weightCadence: [5, 40], nominators: 16 },
};
const mixed = (extra: Record<string, unknown> = {}): Scenario => parseScenario({ ...MIXED, ...extra }, 'mixed');

const scenarioError = (doc: unknown): string => {
  try {
    parseScenario(doc, 'sc.json');
  } catch (e) {
    if (e instanceof InputError) return e.describe();
    throw e;
  }
  return 'no error';
};

let dir: string;
beforeAll(() => {
  if (!existsSync(bin)) throw new Error(`${bin} is missing: run \`npm run build\``);
  dir = mkdtempSync(join(tmpdir(), 'yuma-sim-mech-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the scenario fields mechanisms and emission_split', () => {
  it('are read per group; absent, they stay absent (a scenario without them keeps its run id)', () => {
    const s = mixed();
    expect(s.subnets.map((g) => [g.mechanisms, g.emission_split])).toEqual([
      [3, [30000, 20000, 15535]],
      [2, undefined],
      [undefined, undefined],
      [3, undefined],
    ]);
    expect('mechanisms' in s.subnets[2]!).toBe(false);
    expect(runId(parseScenario({ subnets: [{ count: 2 }] }))).toBe(runId(parseScenario({ subnets: [{ count: 2 }] })));
    expect(runId(parseScenario({ subnets: [{ count: 2, mechanisms: 2 }] }))).not.toBe(runId(parseScenario({ subnets: [{ count: 2 }] })));
    // a shorter split is one the chain stores (the missing mechanisms get nothing)
    expect(parseScenario({ subnets: [{ mechanisms: 4, emission_split: [65535] }] }).subnets[0]!.emission_split).toEqual([65535]);
    const example = JSON.parse(readFileSync(join(root, 'examples/simulate-mechanisms.json'), 'utf8'));
    expect(parseScenario(example, 'examples/simulate-mechanisms.json').subnets.map((g) => g.mechanisms ?? 1)).toEqual([3, 3, 2, 1]);
  });

  it('bad values: one line naming the file, the field and the index', () => {
    const group = (g: Record<string, unknown>) => ({ subnets: [{ count: 1 }, g] });
    expect(scenarioError(group({ mechanisms: 0 }))).toBe('sc.json: subnets[1].mechanisms: must be an integer in 1..16, got 0');
    expect(scenarioError(group({ mechanisms: 17 }))).toBe('sc.json: subnets[1].mechanisms: must be an integer in 1..16, got 17');
    expect(scenarioError(group({ mechanisms: '3' }))).toBe('sc.json: subnets[1].mechanisms: must be an integer in 1..16, got "3"');
    expect(scenarioError(group({ mechanisms: 2, emission_split: [] }))).toBe('sc.json: subnets[1].emission_split: must be a non-empty list of u16 values, got []');
    expect(scenarioError(group({ mechanisms: 2, emission_split: 65535 }))).toBe('sc.json: subnets[1].emission_split: must be a non-empty list of u16 values, got 65535');
    expect(scenarioError(group({ mechanisms: 2, emission_split: [65535, -1] }))).toBe('sc.json: subnets[1].emission_split[1]: must be an integer in 0..65535, got -1');
    expect(scenarioError(group({ mechanisms: 2, emission_split: [0.5, 65535] }))).toBe('sc.json: subnets[1].emission_split[0]: must be an integer in 0..65535, got 0.5');
    expect(scenarioError(group({ mechanisms: 2, emission_split: [30000, 30000] }))).toBe('sc.json: subnets[1].emission_split: must sum to 65535, got 60000');
    expect(scenarioError(group({ mechanisms: 2, emission_split: [20000, 20000, 25535] }))).toBe(
      'sc.json: subnets[1].emission_split: 3 values for 2 mechanisms: at most one per mechanism',
    );
    expect(scenarioError(group({ emission_split: [30000, 35535] }))).toBe('sc.json: subnets[1].emission_split: 2 values for 1 mechanism: at most one per mechanism');
    // Commune subnets have one mechanism
    expect(scenarioError({ profile: 'commune', subnets: [{ mechanisms: 2 }] })).toMatch(/^sc\.json: subnets\[0\]\.mechanisms: unknown field/);
    expect(scenarioError({ profile: 'commune', subnets: [{ emission_split: [65535] }] })).toMatch(/^sc\.json: subnets\[0\]\.emission_split: unknown field/);
  });

  it('on the command line: exit 2, one line, nothing written', () => {
    const file = join(dir, 'bad.json');
    writeFileSync(file, JSON.stringify({ subnets: [{ mechanisms: 3, emission_split: [65535, 1] }] }));
    const r = yuma(['simulate', file, '--out', join(dir, 'bad-out')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`yuma simulate: ${file}: subnets[0].emission_split: must sum to 65535, got 65536\n`);
    expect(existsSync(join(dir, 'bad-out'))).toBe(false);
  });
});

/** A main-thread runner that keeps every epoch's input and output, by netuid. */
function recordingRunner(): { runner: EpochRunner; seen: Map<number, Array<{ input: any; output: any }>> } {
  const inner = mainThreadRunner();
  const seen = new Map<number, Array<{ input: any; output: any }>>();
  return {
    seen,
    runner: {
      threads: 0,
      close: () => inner.close(),
      run: async (inputs) => {
        const r = await inner.run(inputs);
        inputs.forEach((input, i) => {
          if (!seen.has(input.netuid)) seen.set(input.netuid, []);
          seen.get(input.netuid)!.push({ input, output: r.outputs[i] });
        });
        return r;
      },
    },
  };
}

const sum = (a: BigUint64Array) => a.reduce((x, y) => x + y, 0n);

describe('a run with multi-mechanism subnets', () => {
  it('credits the aggregate: per uid the sum over mechanisms of server and validator emission; the records say each mechanism\'s share', async () => {
    const { runner, seen } = recordingRunner();
    const records: EpochRecord[] = [];
    const net = new Network(mixed(), { runner, onRecord: (r) => records.push(r) });
    await net.run();
    await net.quiesce();
    expect(net.counters.blockChecks).toBe(600); // conservation checked after every block
    const byNetuid = (id: number) => records.filter((r) => r.netuid === id);
    for (const [netuid, M] of [[1, 3], [2, 2], [3, 1], [4, 3]] as const) {
      const recs = byNetuid(netuid);
      const runs = seen.get(netuid)!;
      expect(recs.length).toBe(runs.length);
      expect(recs.length).toBeGreaterThan(15);
      recs.forEach((rec, e) => {
        const { input, output } = runs[e]!;
        if (M === 1) {
          expect('mechanisms' in input).toBe(false);
          expect(rec.mechanisms).toBeUndefined();
          return;
        }
        const inp = input as MechanismsInput;
        const out = output as MechanismsOutput;
        expect(inp.mechanisms.length).toBe(M);
        expect(inp.emission_split).toEqual(netuid === 1 ? [30000, 20000, 15535] : null);
        // the drained emission is split as the chain splits it
        const drained = BigInt(rec.drained.server!) + BigInt(rec.drained.validator!) + BigInt(rec.drained.root!);
        expect(inp.rao_emission).toBe(drained);
        const shares = splitEmissions(drained, M, inp.emission_split);
        expect(rec.mechanisms!.map((m) => m.emission)).toEqual(shares.map(String));
        expect(shares.reduce((a, x) => a + x, 0n)).toBe(drained);
        rec.mechanisms!.forEach((m, k) => {
          expect(m.server_emission).toBe(String(sum(out.mechanisms[k]!.server_emission)));
          expect(m.validator_emission).toBe(String(sum(out.mechanisms[k]!.validator_emission)));
        });
        // what each uid is paid as incentive is the aggregate server emission: the exact sum over mechanisms
        for (let j = 0; j < inp.n; j++) {
          const total = out.mechanisms.reduce((a, m) => a + m.server_emission[j]!, 0n);
          expect(out.neurons.server_emission[j]).toBe(total);
          expect(rec.incentive[j]).toBe(String(total));
        }
      });
    }
    // the mechanisms are different tasks: their weights differ
    const last = seen.get(1)!.at(-1)!.input as MechanismsInput;
    const rows = last.mechanisms.map((m) => JSON.stringify(sparseToRows(m.weights)));
    expect(new Set(rows).size).toBe(3);
    net.driver.audit();
    await net.close();
  });

  it('each mechanism carries its own bonds and last updates; permits come from the aggregate', async () => {
    const { runner, seen } = recordingRunner();
    const net = new Network(mixed(), { runner });
    await net.run();
    await net.close();
    // netuid 4: no registrations, so every uid keeps its bonds from one epoch to the next
    const runs = seen.get(4)!;
    expect(runs.length).toBeGreaterThan(15);
    let bondsSeen = 0;
    for (let e = 1; e < runs.length; e++) {
      const prev = runs[e - 1]!.output as MechanismsOutput;
      const inp = runs[e]!.input as MechanismsInput;
      expect(Array.from(inp.neurons.validator_permit)).toEqual(Array.from(prev.neurons.new_validator_permit));
      inp.mechanisms.forEach((m, k) => {
        expect(sparseToRows(m.bonds)).toEqual(sparseToRows(prev.mechanisms[k]!.bonds));
        bondsSeen += m.bonds.col.length;
      });
    }
    expect(bondsSeen).toBeGreaterThan(0);
    // the mechanisms' bonds and last updates are their own
    const lastOut = runs.at(-1)!.output as MechanismsOutput;
    expect(new Set(lastOut.mechanisms.map((m) => JSON.stringify(sparseToRows(m.bonds)))).size).toBe(3);
    const lastIn = runs.at(-1)!.input as MechanismsInput;
    expect(new Set(lastIn.mechanisms.map((m) => Array.from(m.last_update).join())).size).toBe(3);
  });

  it('conserves every block for any seed, mechanism count and split (and a recount of the ledger agrees)', { timeout: 120_000 }, async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 2 ** 31 }),
        fc.integer({ min: 2, max: 16 }).chain((M) => fc.tuple(fc.constant(M), fc.array(fc.integer({ min: 0, max: 1000 }), { minLength: 1, maxLength: M }))),
        async (seed, [M, w]) => {
          // a split the chain stores: at most M values summing to 65535 (proportional to w, the rest to the first)
          const total = w.reduce((a, x) => a + x, 0);
          const split = w.map((x) => (total === 0 ? 0 : Math.floor((x * 65535) / total)));
          split[0] = split[0]! + 65535 - split.reduce((a, x) => a + x, 0);
          const sc = parseScenario({
            seed,
            blocks: 400,
            subnets: [
              { count: 1, uids: 40, validators: 6, tempo: 9, mechanisms: M, emission_split: split, registrationsPerDay: 2000, stakeEventsPerDay: 3000, immunityPeriod: 20 },
              { count: 1, uids: 24, validators: 3, tempo: 7, mechanisms: M, registrationsPerDay: 2000, stakeEventsPerDay: 2000 },
            ],
            workload: { nominators: 8, weightCadence: [3, 30], weightsPerValidator: 12, copierFraction: 0.25, selfDealerFraction: 0.25 },
          });
          const net = new Network(sc, { runner: mainThreadRunner() });
          await net.run();
          await net.quiesce();
          expect(net.counters.blockChecks).toBe(400);
          expect(net.summary().subnets.every((x) => x.epochs > 30)).toBe(true);
          // every alpha-rao minted is somewhere: stakes + pending + burn + dust + claimable = outstanding
          const ledger = JSON.parse(canonicalJson(net.ledgerJson()));
          for (const [id, b] of Object.entries<any>(ledger.subnets)) {
            let stake = 0n;
            for (const p of Object.values<any>(ledger.stake[id] ?? {})) stake += BigInt(p.total);
            let claim = 0n;
            for (const v of Object.values<string>(ledger.claimable[id] ?? {})) claim += BigInt(v);
            const pending = Object.values<string>(b.pending).reduce((a, x) => a + BigInt(x), 0n);
            expect(stake + pending + BigInt(b.burn) + BigInt(b.dust) + claim).toBe(BigInt(b.alpha_out) + BigInt(b.overpaid));
          }
          await net.close();
        },
      ),
      { numRuns: 3 },
    );
  });

  it('mechanisms: 1 is the single-mechanism subnet: the same records and ledger (only the run id differs)', async () => {
    const plain = { ...MIXED, subnets: [{ count: 2, uids: 32, validators: 4, tempo: 15 }] };
    const one = { ...MIXED, subnets: [{ count: 2, uids: 32, validators: 4, tempo: 15, mechanisms: 1, emission_split: [65535] }] };
    const texts: string[] = [];
    for (const [name, doc] of [['plain', plain], ['one', one]] as const) {
      const out = join(dir, `m1-${name}`);
      const s = await simulate({ scenario: parseScenario(doc), out, timings: false });
      const strip = (t: string) => t.replaceAll(s.run, 'RUN');
      texts.push(strip(readFileSync(join(out, 'epochs.ndjson'), 'utf8')) + strip(readFileSync(join(out, 'ledger.json'), 'utf8')));
    }
    expect(texts[1]).toBe(texts[0]);
  });
});

describe('threads', () => {
  it('main thread, 1 and 2 workers, and 2 workers spreading every subnet\'s mechanisms: the same bytes', { timeout: 120_000 }, async () => {
    const sc = mixed({ blocks: 300, network: { maxEpochsPerBlock: 2 } });
    const bytes: string[] = [];
    const runs: Array<[string, () => Promise<EpochRunner> | undefined, number]> = [
      ['t0', () => undefined, 0],
      ['t1', () => undefined, 1],
      ['t2', () => undefined, 2],
      ['spread', () => poolRunner(2, { mechanismMinEntries: 0 }), 2],
    ];
    for (const [name, make, threads] of runs) {
      const out = join(dir, `threads-${name}`);
      const runner = await make();
      const s = await simulate({ scenario: sc, out, threads, timings: false, ...(runner ? { runner } : {}) });
      expect(s.threads).toBe(threads);
      bytes.push(readFileSync(join(out, 'ledger.json'), 'utf8') + readFileSync(join(out, 'epochs.ndjson'), 'utf8'));
    }
    expect(bytes[0]!.length).toBeGreaterThan(10_000);
    for (const b of bytes.slice(1)) expect(b === bytes[0]).toBe(true);
  });
});

describe('checkpoints carry the per-mechanism state', () => {
  let whole: string;
  beforeAll(async () => {
    whole = join(dir, 'ck-whole');
    await simulate({ scenario: mixed(), out: whole, checkpointEvery: 100, keepCheckpoints: 10, timings: false });
  });

  it('a resume from any checkpoint ends in the bytes of the uninterrupted run', async () => {
    const state = parseCheckpointText(readFileSync(join(whole, 'checkpoint-5000300.json'), 'utf8'), 'x') as any;
    expect(state.driver.subnets.map((s: any) => s.mechanisms?.length ?? 0)).toEqual([2, 1, 0, 2]);
    for (const at of [5_000_100, 5_000_300, 5_000_500]) {
      const copy = join(dir, `ck-resume-${at}`);
      cpSync(whole, copy, { recursive: true });
      rmSync(join(copy, 'summary.json'));
      await simulate({ resume: join(copy, `checkpoint-${at}.json`), log: () => {} });
      for (const f of ['epochs.ndjson', 'ledger.json', 'checkpoint-5000500.json']) {
        expect(readFileSync(join(copy, f), 'utf8') === readFileSync(join(whole, f), 'utf8'), `${at}: ${f}`).toBe(true);
      }
    }
  });

  const tampered: Array<[string, (s: any) => void, RegExp]> = [
    ['a 3-mechanism subnet without its mechanisms', (s) => delete s.driver.subnets[0].mechanisms, /state\.driver\.subnets\[0\]\.mechanisms: must hold 2 \(mechanisms 1\.\.2 of the scenario's 3\), got nothing/],
    ['one mechanism too few', (s) => s.driver.subnets[3].mechanisms.pop(), /state\.driver\.subnets\[3\]\.mechanisms: must hold 2 \(mechanisms 1\.\.2 of the scenario's 3\), got 1/],
    ['mechanisms on a single-mechanism subnet', (s) => (s.driver.subnets[2].mechanisms = []), /state\.driver\.subnets\[2\]\.mechanisms: the scenario's subnet has one mechanism, so there must be none, got 0/],
    ['a mechanism\'s bond row pointing past n', (s) => {
      const m = s.driver.subnets[0].mechanisms[1];
      const col = Buffer.from(m.bonds.col, 'base64');
      col.writeUInt32LE(48, 0);
      m.bonds.col = col.toString('base64');
    }, /state\.driver\.subnets\[0\]\.mechanisms\[1\]\.bonds: row \d+ points at uid 48 >= n = 48/],
    ['a mechanism\'s last updates of another length', (s) => (s.driver.subnets[1].mechanisms[0].lastUpdate = Buffer.alloc(8 * 39).toString('base64')), /state\.driver\.subnets\[1\]\.mechanisms\[0\]\.lastUpdate: 39 entries for n = 40/],
    ['an unknown field in a mechanism', (s) => (s.driver.subnets[0].mechanisms[0].incentive = ''), /state\.driver\.subnets\[0\]\.mechanisms\[0\]: unknown field "incentive"/],
  ];
  for (const [what, edit, message] of tampered) {
    it(`refuses ${what}, by field, loading nothing`, async () => {
      const state = parseCheckpointText(readFileSync(join(whole, 'checkpoint-5000300.json'), 'utf8'), 'x') as any;
      edit(state);
      const d = mkdtempSync(join(dir, 'tamper-'));
      const file = join(d, 'checkpoint-5000300.json');
      writeFileSync(file, checkpointText(state));
      const err = await simulate({ resume: file }).then(() => null, (e) => e);
      expect(err).toBeInstanceOf(CheckpointError);
      expect((err as CheckpointError).describe()).toMatch(message);
      expect(readdirSync(d)).toEqual(['checkpoint-5000300.json']);
    });
  }

  it('SIGKILL of the CLI after a checkpoint, resume: the same bytes as an uninterrupted run', { timeout: 120_000 }, async () => {
    const file = join(dir, 'kill.json');
    writeFileSync(file, JSON.stringify({ ...MIXED, blocks: 2000 }));
    const args = (out: string) => ['simulate', file, '--out', out, '--checkpoint-every', '100', '--no-timings', '--json'];
    const full = join(dir, 'kill-whole');
    expect(yuma(args(full)).code).toBe(0);
    let resumed = 0;
    for (let attempt = 0; attempt < 5 && resumed === 0; attempt++) {
      const killed = join(dir, `killed${attempt}`);
      mkdirSync(killed);
      // kill as soon as the first checkpoint is there (it is renamed into place whole)
      const hasCheckpoint = () => readdirSync(killed).some((f) => /^checkpoint-\d+\.json$/.test(f));
      const watcher = watch(killed);
      const checkpointed = new Promise<void>((res) => watcher.on('change', () => hasCheckpoint() && res()));
      const child = spawn(process.execPath, [bin, ...args(killed)], { cwd: root, stdio: 'ignore' });
      const exited = new Promise<void>((res) => child.on('exit', () => res()));
      await Promise.race([checkpointed, exited]);
      watcher.close();
      child.kill('SIGKILL');
      await exited;
      if (existsSync(join(killed, 'summary.json'))) continue; // it finished first: nothing to resume
      const last = readdirSync(killed).filter((f) => /^checkpoint-\d+\.json$/.test(f)).sort().pop()!;
      const r = yuma(['simulate', '--resume', join(killed, last), '--json']);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      for (const f of ['ledger.json', 'epochs.ndjson']) {
        expect(readFileSync(join(killed, f), 'utf8') === readFileSync(join(full, f), 'utf8'), f).toBe(true);
      }
      resumed++;
    }
    expect(resumed).toBe(1);
  });
});
