// The network layer: emission and halving thresholds, the three epoch schedulers
// (exact epoch blocks, the deferral cap), the per-block alpha split, share pools, the
// workload's top-k, canonical JSON, scenario validation, checkpoint framing, conservation
// over long randomized runs of both profiles (and that a broken identity is reported with
// its block, subnet and account), and identical results for any thread count.
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InputError } from '../src/engine/types.js';
import {
  bittensorBlockEmission,
  bittensorHalvingThreshold,
  bittensorHalvings,
  communeBlockEmission,
} from '../src/engine/network/emission.js';
import {
  communeDue,
  legacyBlocksUntilNext,
  legacyDue,
  newScheduleState,
  schedule,
  setTempo,
  triggerEpoch,
  type Decision,
  type SchedulerSpec,
} from '../src/engine/network/scheduler.js';
import { BITTENSOR_PARAMS, splitAlpha } from '../src/engine/network/profiles/bittensor/index.js';
import { COMMUNE_PARAMS } from '../src/engine/network/profiles/commune/index.js';
import { checkPool, creditHolder, creditPool, debitHolder, holderValue, newPool } from '../src/engine/network/sharepool.js';
import { topK } from '../src/engine/network/workload.js';
import { canonicalJson, toJsonValue } from '../src/engine/network/canonical.js';
import { applyOverrides, defaultScenario, parseScenario, type Scenario } from '../src/engine/network/run-spec.js';
import { HEADER_BYTES, checkpointRun, checkpointText, parseCheckpointText } from '../src/engine/network/checkpoint.js';
import { CheckpointError, SimulationError } from '../src/engine/network/errors.js';
import { Network } from '../src/engine/network/network.js';
import { mainThreadRunner } from '../src/engine/network/runner.js';
import { simulate } from '../src/engine/network/simulate.js';
import { TOKEN } from '../src/engine/network/token.js';

const CAP = 21_000_000n * TOKEN;
const SPEC = BITTENSOR_PARAMS.emission;

// ---------------------------------------------------------------------------------------
// emission

/** network.md 4.2, second form: k = #{ j >= 1 : I >= ceil(cap * (1 - 2^-j)) } (j <= 40 is plenty). */
function referenceHalvings(I: bigint): number {
  let k = 0;
  for (let j = 1; j <= 40; j++) {
    const p = 1n << BigInt(j);
    const t = (CAP * (p - 1n) + p - 1n) / p; // ceil
    if (I >= t) k++;
  }
  return k;
}
const referenceEmission = (I: bigint) => (I >= CAP ? 0n : TOKEN >> BigInt(Math.min(referenceHalvings(I), 63)));

describe('Bittensor block emission and halving (network.md 4.2)', () => {
  it('halves at 10.5M, 15.75M, 18.375M, 19.6875M, 20.34375M TAO exactly', () => {
    const thresholds = [10_500_000n * TOKEN, 15_750_000n * TOKEN, 18_375_000n * TOKEN, 19_687_500n * TOKEN, 20_343_750n * TOKEN];
    thresholds.forEach((t, i) => {
      expect(bittensorHalvingThreshold(i + 1, CAP)).toBe(t);
      expect(bittensorBlockEmission(t - 1n, SPEC)).toBe(TOKEN >> BigInt(i));
      expect(bittensorBlockEmission(t, SPEC)).toBe(TOKEN >> BigInt(i + 1));
    });
    expect(bittensorBlockEmission(0n, SPEC)).toBe(TOKEN);
    expect(bittensorBlockEmission(10_499_999_999_999_999n, SPEC)).toBe(1_000_000_000n);
    expect(bittensorBlockEmission(10_500_000_000_000_000n, SPEC)).toBe(500_000_000n);
  });

  it('matches the threshold count at and +-3 rao around each of the first 39 thresholds', () => {
    for (let j = 1; j <= 39; j++) {
      const p = 1n << BigInt(j);
      const t = (CAP * (p - 1n) + p - 1n) / p;
      for (let d = -3n; d <= 3n; d++) {
        const I = t + d;
        if (I < 0n || I >= CAP) continue;
        expect(bittensorBlockEmission(I, SPEC), `j=${j} d=${d}`).toBe(referenceEmission(I));
      }
    }
  });

  it('is 0 at and above the cap, 0 once k >= 30, and never increases with issuance', () => {
    expect(bittensorBlockEmission(CAP, SPEC)).toBe(0n);
    expect(bittensorBlockEmission(CAP + 1n, SPEC)).toBe(0n);
    expect(bittensorBlockEmission(CAP - 1n, SPEC)).toBe(0n);
    expect(bittensorBlockEmission(bittensorHalvingThreshold(30, CAP), SPEC)).toBe(0n);
    expect(bittensorBlockEmission(bittensorHalvingThreshold(30, CAP) - 1n, SPEC)).toBe(1n);
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: CAP - 1n }), fc.bigInt({ min: 0n, max: CAP - 1n }), (a, b) => {
        const [lo, hi] = a <= b ? [a, b] : [b, a];
        expect(bittensorBlockEmission(lo, SPEC)).toBe(referenceEmission(lo));
        expect(bittensorBlockEmission(hi, SPEC) <= bittensorBlockEmission(lo, SPEC)).toBe(true);
        expect(bittensorHalvings(lo, CAP)).toBe(Math.min(referenceHalvings(lo), 32));
      }),
      { numRuns: 300 },
    );
  });
});

describe('Commune block emission (network.md 4.1)', () => {
  const C = COMMUNE_PARAMS.emission;
  it('is U below H, U/2 from H, 0 from M (a hard stop)', () => {
    expect(C.unit).toBe(23_148_148_148n);
    expect(communeBlockEmission(0n, C)).toBe(23_148_148_148n);
    expect(communeBlockEmission(84_710_000n * TOKEN - 1n, C)).toBe(23_148_148_148n);
    expect(communeBlockEmission(84_710_000n * TOKEN, C)).toBe(11_574_074_074n);
    expect(communeBlockEmission(169_420_000n * TOKEN - 1n, C)).toBe(11_574_074_074n);
    expect(communeBlockEmission(169_420_000n * TOKEN, C)).toBe(0n);
    expect(communeBlockEmission(169_420_000n * TOKEN + 1n, C)).toBe(0n);
  });
});

// ---------------------------------------------------------------------------------------
// scheduling

/** Runs a scheduler over blocks [from, to] and lists the blocks each netuid ran. */
function epochBlocks(spec: SchedulerSpec, netuids: number[], tempo: number, created: number, from: number, to: number) {
  const states = netuids.map((u) => newScheduleState(u, tempo, created));
  const runs = new Map<number, number[]>(netuids.map((u) => [u, []]));
  for (let b = from; b <= to; b++) for (const u of schedule(spec, b, states)) runs.get(u)!.push(b);
  return { runs, states };
}

describe('epoch scheduling (network.md 3)', () => {
  it('commune: (b + netuid) mod tempo == 0, period tempo', () => {
    const spec: SchedulerSpec = { kind: 'commune', maxEpochsPerBlock: Infinity, maxBlocksWithoutStep: Infinity };
    const { runs } = epochBlocks(spec, [0, 1, 7, 100], 100, 0, 1, 300);
    expect(runs.get(0)).toEqual([100, 200, 300]);
    expect(runs.get(1)).toEqual([99, 199, 299]);
    expect(runs.get(7)).toEqual([93, 193, 293]);
    expect(runs.get(100)).toEqual([100, 200, 300]); // equal netuid mod tempo: same block
    expect(communeDue(0, 0, 100)).toBe(true);
    expect(communeDue(5, 0, 0)).toBe(false); // tempo 0 never runs
  });

  it('bittensor legacy: (b + netuid + 1) mod (tempo + 1) == 0, period tempo + 1', () => {
    const spec: SchedulerSpec = { kind: 'legacy', maxEpochsPerBlock: 2, maxBlocksWithoutStep: 50_400 };
    const { runs, states } = epochBlocks(spec, [0, 1, 2, 3], 360, 0, 1, 1100);
    expect(runs.get(0)).toEqual([360, 721, 1082]);
    expect(runs.get(1)).toEqual([359, 720, 1081]);
    expect(runs.get(2)).toEqual([358, 719, 1080]);
    expect(states[0]!.epochIndex).toBe(3);
    expect(legacyDue(360, 0, 360)).toBe(true);
    expect(legacyBlocksUntilNext(0, 0, 360)).toBe(359);
    expect(legacyBlocksUntilNext(360, 0, 360)).toBe(360);
    expect(legacyBlocksUntilNext(361, 0, 360)).toBe(359);
  });

  it('bittensor stateful: first epoch at c - (netuid mod tempo) + tempo, then every tempo', () => {
    const spec: SchedulerSpec = { kind: 'stateful', maxEpochsPerBlock: 2, maxBlocksWithoutStep: 50_400 };
    const { runs } = epochBlocks(spec, [1, 2, 3, 361], 360, 1_000_000, 1_000_001, 1_001_100);
    expect(runs.get(1)).toEqual([1_000_359, 1_000_719, 1_001_079]);
    expect(runs.get(2)).toEqual([1_000_358, 1_000_718, 1_001_078]);
    expect(runs.get(3)).toEqual([1_000_357, 1_000_717, 1_001_077]);
    expect(runs.get(361)).toEqual([1_000_359, 1_000_719, 1_001_079]);
  });

  it('bittensor stateful: at most MaxEpochsPerBlock start per block; the rest wait one block and their anchor moves', () => {
    const spec: SchedulerSpec = { kind: 'stateful', maxEpochsPerBlock: 2, maxBlocksWithoutStep: 50_400 };
    // five subnets with the same anchor (netuid mod 10 = 1..5 differ, so create them apart)
    const states = [1, 2, 3, 4, 5].map((u) => ({ ...newScheduleState(u, 10, 0), lastEpochBlock: 100 }));
    const log: string[] = [];
    for (let b = 101; b <= 125; b++) {
      const d = new Map<number, Decision>();
      const due = schedule(spec, b, states, () => true, d);
      const deferred = [...d].filter(([, x]) => x === 'deferred').map(([u]) => u);
      if (due.length || deferred.length) log.push(`${b}: run ${due.join(',')} deferred ${deferred.join(',')}`);
    }
    expect(log).toEqual([
      '110: run 1,2 deferred 3,4,5',
      '111: run 3,4 deferred 5',
      '112: run 5 deferred ',
      '120: run 1,2 deferred ',
      '121: run 3,4 deferred ',
      '122: run 5 deferred ',
    ]);
    expect(states.map((s) => s.epochIndex)).toEqual([2, 2, 2, 2, 2]);
    expect(states.map((s) => s.pendingEpochAt)).toEqual([0, 0, 0, 0, 0]);
  });

  it('bittensor stateful: an inconsistent subnet is skipped but its anchor advances; triggers; set_tempo; forced steps', () => {
    const spec: SchedulerSpec = { kind: 'stateful', maxEpochsPerBlock: 2, maxBlocksWithoutStep: 50 };
    const s = { ...newScheduleState(1, 10, 0), lastEpochBlock: 100 };
    const d = new Map<number, Decision>();
    for (let b = 101; b <= 109; b++) schedule(spec, b, [s]);
    expect(schedule(spec, 110, [s], () => false, d)).toEqual([]);
    expect(d.get(1)).toBe('skipped');
    expect(s.lastEpochBlock).toBe(110);
    expect(s.blocksSinceLastStep).toBe(10); // nothing ran
    triggerEpoch(s, 112, 2); // due at 114
    const runs: number[] = [];
    for (let b = 111; b <= 124; b++) runs.push(...schedule(spec, b, [s]).map(() => b));
    expect(runs).toEqual([114, 124]);
    setTempo(s, 100, 130);
    const later: number[] = [];
    for (let b = 125; b <= 240; b++) later.push(...schedule(spec, b, [s]).map(() => b));
    // 50 blocks without a step force one (blocksSinceLastStep > 50) before the tempo does
    expect(later).toEqual([175, 226]);
  });
});

// ---------------------------------------------------------------------------------------
// the per-block split, share pools, top-k, canonical JSON

describe('alpha split per block (network.md 5.2 step 4)', () => {
  const cutBits = (11796n << 32n) / 65535n;
  it('splits exactly, with less than 4 alpha-rao of dust', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 10n ** 12n }), fc.integer({ min: 0, max: 1_000_000_000 }), (A, ppb) => {
        const rp = (BigInt(ppb) << 32n) / 1_000_000_000n;
        const x = splitAlpha(A, cutBits, rp);
        expect(x.ownerCut + x.server + x.validator + x.root + x.dust).toBe(A);
        expect(x.dust >= 0n && x.dust < 4n).toBe(true);
        // server is half of A' = A - cut (fixed point), floored
        expect(x.server).toBe(((A << 32n) - A * cutBits) >> 33n);
        expect(x.ownerCut).toBe((A * cutBits) >> 32n);
      }),
      { numRuns: 300 },
    );
  });
  it('known values', () => {
    expect(splitAlpha(1_000_000_000n, 0n, 0n)).toEqual({ ownerCut: 0n, server: 500_000_000n, validator: 500_000_000n, root: 0n, dust: 0n });
    expect(splitAlpha(7n, 0n, 0n)).toEqual({ ownerCut: 0n, server: 3n, validator: 3n, root: 0n, dust: 1n });
    const x = splitAlpha(1_000_000_000n, cutBits, (1n << 32n) / 10n);
    expect(x.ownerCut).toBe(179_995_422n); // floor(1e9 * floor(11796 * 2^32 / 65535) / 2^32)
    expect(x.server).toBe(410_002_288n);
    expect(x.root).toBe(41_000_228n);
    expect(x.validator).toBe(369_002_060n);
  });
});

describe('share pools (network.md 7.1)', () => {
  it('keep the exact total, holders <= total, and nobody loses on another holder leaving', () => {
    const op = fc.oneof(
      fc.record({ k: fc.constant('h' as const), who: fc.integer({ min: 0, max: 4 }), v: fc.bigInt({ min: 0n, max: 10n ** 15n }) }),
      fc.record({ k: fc.constant('p' as const), who: fc.constant(0), v: fc.bigInt({ min: 0n, max: 10n ** 13n }) }),
      fc.record({ k: fc.constant('d' as const), who: fc.integer({ min: 0, max: 4 }), v: fc.integer({ min: 0, max: 100 }).map(BigInt) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
        const pool = newPool();
        let expected = 0n;
        for (const o of ops) {
          const who = `ck${o.who}`;
          if (o.k === 'h') {
            creditHolder(pool, who, o.v, 'p');
            expected += o.v;
          } else if (o.k === 'p') {
            if (pool.shares === 0n) continue;
            creditPool(pool, o.v, 'p');
            expected += o.v;
          } else {
            const others = [0, 1, 2, 3, 4].map((i) => `ck${i}`).filter((c) => c !== who);
            const before = others.map((c) => holderValue(pool, c));
            const x = (holderValue(pool, who) * o.v) / 100n;
            debitHolder(pool, who, x, 'p');
            expected -= x;
            others.forEach((c, i) => expect(holderValue(pool, c) >= before[i]!).toBe(true));
          }
          expect(pool.total).toBe(expected);
          checkPool(pool, 'p');
        }
      }),
      { numRuns: 200 },
    );
  });
  it('refuses to debit more than a holder has, naming the account', () => {
    const pool = newPool();
    creditHolder(pool, 'a', 100n, 'stake:1:hk');
    expect(() => debitHolder(pool, 'a', 101n, 'stake:1:hk')).toThrow(SimulationError);
    try {
      debitHolder(pool, 'a', 101n, 'stake:1:hk');
    } catch (e) {
      expect((e as SimulationError).account).toBe('stake:1:hk/a');
    }
  });
});

describe("the workload's top-k rows", () => {
  it('equal a sort-based reference: k best scores > 0, ties to lower uids, ascending, max-upscaled', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 65535 }), { minLength: 1, maxLength: 300 }),
        fc.integer({ min: 1, max: 320 }),
        fc.boolean(),
        (raw, k, fewValues) => {
          const scores = fewValues ? raw.map((x) => x % 5) : raw;
          const n = scores.length;
          const got = topK(n, k, (j) => scores[j]!);
          const order = scores.map((s, j) => [s, j] as const).filter(([s]) => s > 0);
          order.sort((a, b) => b[0] - a[0] || a[1] - b[1]);
          const best = order.slice(0, k).sort((a, b) => a[1] - b[1]);
          if (best.length === 0) {
            expect(got).toBeNull();
            return;
          }
          const max = Math.max(...best.map(([s]) => s));
          expect(Array.from(got!.col)).toEqual(best.map(([, j]) => j));
          expect(Array.from(got!.val)).toEqual(best.map(([s]) => Math.floor((s * 65535) / max)));
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('canonical JSON', () => {
  it('does not depend on insertion order; bigint as strings; typed arrays as base64', () => {
    const a = new Map<string, unknown>([['b', 1n], ['a', { z: 1, y: [2n, 3] }]]);
    const b = new Map<string, unknown>([['a', { y: [2n, 3], z: 1 }], ['b', 1n]]);
    expect(canonicalJson(a)).toBe(canonicalJson(b));
    expect(canonicalJson(a)).toBe('{"a":{"y":["2",3],"z":1},"b":"1"}');
    expect(toJsonValue(Uint16Array.of(1, 2))).toBe(Buffer.from([1, 0, 2, 0]).toString('base64'));
    expect(canonicalJson({ 'é': 1, z: 2, Z: 3 })).toBe('{"Z":3,"z":2,"é":1}');
  });
});

// ---------------------------------------------------------------------------------------
// scenario files

function scenarioError(json: unknown): string {
  try {
    parseScenario(json, 'bad.json');
  } catch (e) {
    if (e instanceof InputError) return e.describe();
    throw e;
  }
  throw new Error('no error');
}

describe('scenario validation (bad files: clear errors naming file, field and index)', () => {
  it('names the field and the index', () => {
    expect(scenarioError({ subnets: [{ count: 2 }, { uids: [256, 'x'] }] })).toBe(
      'bad.json: subnets[1].uids[1]: must be an integer in 1..4096, got "x"',
    );
    expect(scenarioError({ subnets: [{ uids: 64, validators: 64 }] })).toMatch(/^bad\.json: subnets\[0\]\.validators: 64 validators do not fit in 64 uids/);
    expect(scenarioError({ workload: { weightCadence: [500, 100] } })).toBe('bad.json: workload.weightCadence: min 500 is above max 100');
    expect(scenarioError({ workload: { validatorStake: ['1', -5] } })).toMatch(/^bad\.json: workload\.validatorStake\[1\]: must be an amount/);
    expect(scenarioError({ network: { taoWeight: 1.5 } })).toMatch(/^bad\.json: network\.taoWeight: must be an amount/);
    expect(scenarioError({ subnets: [{ hyperparameters: { kappa: 70000 } }] })).toBe(
      'bad.json: subnets[0].hyperparameters.kappa: must be an integer in 0..65535, got 70000',
    );
    expect(scenarioError({ subnets: [{ tempo: 360, colour: 'red' }] })).toMatch(/^bad\.json: subnets\[0\]\.colour: unknown field/);
    expect(scenarioError({ profile: 'polkadot' })).toMatch(/^bad\.json: profile: must be one of "bittensor", "commune"/);
    expect(scenarioError({ blocks: 10, days: 1 })).toBe('bad.json: days: give either "blocks" or "days", not both');
    expect(scenarioError({ format: 'yuma-scenario/2' })).toMatch(/^bad\.json: format: must be "yuma-scenario\/1"/);
    expect(scenarioError({ subnets: [] })).toBe('bad.json: subnets: must be a non-empty list of subnet groups');
    expect(scenarioError({ subnets: [{ count: 200 }, { count: 100 }] })).toMatch(/at most 255/);
    expect(scenarioError([1, 2])).toBe('bad.json: a scenario must be a JSON object');
    expect(scenarioError({ profile: 'commune', subnets: [{ rootProp: 0.2 }] })).toMatch(/subnets\[0\]\.rootProp: unknown field/);
    expect(scenarioError({ workload: { copierFraction: 0.7, selfDealerFraction: 0.5 } })).toMatch(/must be at most 1/);
  });

  it('fills the defaults: the built-in scenario is 32 Bittensor subnets mixing 1024 and 256 uids, one day', () => {
    const s = defaultScenario();
    expect(s.profile).toBe('bittensor');
    expect(s.blocks).toBe(7200);
    expect(s.subnets.reduce((a, g) => a + g.count, 0)).toBe(32);
    expect(new Set(s.subnets.flatMap((g) => g.uids))).toEqual(new Set([1024, 256]));
    expect(defaultScenario('commune').blocks).toBe(10_800);
  });

  it('round-trips through its canonical JSON (checkpoints embed it)', () => {
    const file = JSON.parse(readFileSync(new URL('../examples/simulate.json', import.meta.url), 'utf8'));
    const s = parseScenario(file, 'examples/simulate.json');
    expect(parseScenario(toJsonValue(s), 'x')).toEqual(s);
    const d = applyOverrides(defaultScenario(), { subnets: 5, neurons: 64, validators: 8, seed: 9, days: 0.5 });
    expect(parseScenario(toJsonValue(d), 'x')).toEqual(d);
    expect(d.blocks).toBe(3600);
    expect(() => applyOverrides(defaultScenario(), { neurons: 8, validators: 8 })).toThrow(/do not fit/);
  });
});

// ---------------------------------------------------------------------------------------
// checkpoints

describe('checkpoint files', () => {
  const run = '0123456789abcdef';
  const text = checkpointText({ run, block: 5, big: 12n, list: [1, 2, 3] });
  it('round-trip; the run id is in the header and in the state', () => {
    expect(parseCheckpointText(text, 'c.json')).toEqual({ big: '12', block: 5, list: [1, 2, 3], run });
    expect(JSON.parse(text).format).toBe('yuma-checkpoint/2');
    expect(checkpointRun(text.slice(0, HEADER_BYTES))).toEqual({ run });
    expect(text.slice(0, HEADER_BYTES)).toMatch(/"state":$/);
  });
  it('refuse truncated, corrupt and foreign files, naming the file', () => {
    const refuse = (t: string) => {
      try {
        parseCheckpointText(t, 'c.json');
      } catch (e) {
        expect(e).toBeInstanceOf(CheckpointError);
        return (e as CheckpointError).describe();
      }
      throw new Error('accepted');
    };
    for (const cut of [1, 10, text.length / 2, text.length - 3, text.length - 1]) {
      expect(refuse(text.slice(0, Math.floor(cut)))).toMatch(/^c\.json: (truncated|not a|corrupt)/);
    }
    expect(refuse('')).toMatch(/empty file/);
    expect(refuse(text.replace('"block":5', '"block":6'))).toMatch(/^c\.json: corrupt: sha256/);
    expect(refuse('{"format":"yuma-epoch/1"}')).toMatch(/not a yuma-checkpoint\/2 file/);
    expect(refuse('{"format":"yuma-checkpoint/1","sha256":"00"}')).toMatch(/a yuma-checkpoint\/1 file \(an earlier build's, without a run id\)/);
    // a header whose run id differs from the state's (the hash covers only the state)
    expect(refuse(text.replace(`"run":"${run}","sha256"`, '"run":"ffffffffffffffff","sha256"'))).toMatch(
      /^c\.json: state\.run: "0123456789abcdef" differs from the header's run ffffffffffffffff/,
    );
  });
});

// ---------------------------------------------------------------------------------------
// long randomized runs: every identity checked after every block, a full recount at the end

/** A small, busy network: small tempos, many registrations and stake moves. */
function busy(profile: 'bittensor' | 'commune', seed: number, extra: Record<string, unknown> = {}): Scenario {
  return parseScenario(
    {
      profile,
      seed,
      blocks: 1500,
      subnets: [
        { count: 3, uids: [48, 32], validators: [8, 4], tempo: 13, registrationsPerDay: 2000, stakeEventsPerDay: 4000, immunityPeriod: 40 },
        { count: 2, uids: 24, validators: 3, tempo: 7, registrationsPerDay: 3000, stakeEventsPerDay: 2000, emissionShare: 3 },
      ],
      workload: { nominators: 12, weightCadence: [3, 30], weightsPerValidator: 16, copierFraction: 0.25, selfDealerFraction: 0.25 },
      ...extra,
    },
    `busy-${profile}`,
  );
}

/** Recounts network.md 8 from the ledger JSON alone (independent of the running totals). */
function recountBittensor(ledger: any): void {
  const tao = ledger.tao;
  let free = 0n;
  for (const ck of Object.values<any>(ledger.coldkeys)) free += BigInt(ck.free);
  let root = 0n;
  for (const p of Object.values<any>(ledger.stake['000'] ?? {})) root += BigInt(p.total);
  let pools = 0n;
  for (const v of Object.values<string>(tao.pools)) pools += BigInt(v);
  expect(free + root + pools + BigInt(tao.burn) + BigInt(tao.external)).toBe(BigInt(tao.total_issuance));
  expect(BigInt(tao.genesis) + BigInt(tao.minted) - BigInt(tao.recycled)).toBe(BigInt(tao.total_issuance));
  for (const [id, sn] of Object.entries<any>(ledger.subnets)) {
    let stake = 0n;
    for (const p of Object.values<any>(ledger.stake[id] ?? {})) {
      stake += BigInt(p.total);
      let holders = 0n, shares = 0n;
      for (const h of Object.values<any>(p.holders)) {
        holders += BigInt(h.stake);
        shares += BigInt(h.shares);
      }
      expect(shares).toBe(BigInt(p.shares));
      expect(holders <= BigInt(p.total)).toBe(true);
    }
    let claim = 0n;
    for (const v of Object.values<string>(ledger.claimable[id] ?? {})) claim += BigInt(v);
    const pending = Object.values<string>(sn.pending).reduce((a, v) => a + BigInt(v), 0n);
    expect(stake + pending + BigInt(sn.burn) + BigInt(sn.dust) + claim).toBe(BigInt(sn.alpha_out) + BigInt(sn.overpaid));
  }
}

function recountCommune(ledger: any): void {
  const is = ledger.issuance;
  let free = 0n, stake = 0n;
  for (const a of Object.values<any>(ledger.accounts)) free += BigInt(a.free);
  for (const from of Object.values<any>(ledger.stake_from)) for (const v of Object.values<string>(from)) stake += BigInt(v);
  expect(stake).toBe(BigInt(is.total_stake));
  expect(free + stake + BigInt(is.external)).toBe(BigInt(is.total));
  expect(BigInt(is.genesis) + BigInt(is.credited) - BigInt(is.burned)).toBe(BigInt(is.total));
}

describe('conservation over long randomized runs (network.md 8)', () => {
  it('bittensor: stateful with deferrals, legacy, recycle, root sell off', { timeout: 60_000 }, async () => {
    const variants = [
      { network: { maxEpochsPerBlock: 1 } },
      { network: { scheduler: 'legacy', ownerIncentive: 'recycle', rootSell: false, ownerCutEnabled: false } },
      { network: { totalIssuance: '15749999000000000' } }, // crosses the second halving
    ];
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 2 ** 31 }), fc.constantFrom(...variants), async (seed, v) => {
        const records: number[] = [];
        const net = new Network(busy('bittensor', seed, v), { runner: mainThreadRunner(), onRecord: (r) => records.push(r.block) });
        await net.run();
        await net.quiesce();
        expect(net.counters.blockChecks).toBe(1500);
        expect(records.length).toBe(net.counters.epochs);
        expect(records).toEqual([...records].sort((a, b) => a - b));
        const ledger = JSON.parse(canonicalJson(net.ledgerJson()));
        recountBittensor(ledger);
        const s = net.summary();
        expect(s.subnets.every((x) => x.epochs > 50)).toBe(true);
      }),
      { numRuns: 3 },
    );
  });

  it('commune: sequential credits, registrations with swap-remove, Linear and Yuma subnets', { timeout: 60_000 }, async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 2 ** 31 }), async (seed) => {
        const sc = busy('commune', seed);
        sc.subnets[1] = { ...sc.subnets[1]!, consensus: 'linear' };
        const net = new Network(sc, { runner: mainThreadRunner() });
        await net.run();
        await net.quiesce();
        recountCommune(JSON.parse(canonicalJson(net.ledgerJson())));
        expect(net.summary().subnets.every((x) => x.epochs > 50)).toBe(true);
      }),
      { numRuns: 2 },
    );
  });

  it('a broken identity stops the run with the block, the subnet and the account', async () => {
    const net = new Network(busy('bittensor', 3), { runner: mainThreadRunner() });
    await net.run(net.block + 99);
    // an alpha-rao appears out of nowhere in subnet 2's dust
    (net.driver as any).ledger.books.get(2).dust += 1n;
    const b = net.block;
    await expect(net.step(b)).rejects.toThrow(SimulationError);
    try {
      await net.step(b + 1);
    } catch (e) {
      const err = e as SimulationError;
      expect(err.describe()).toMatch(new RegExp(`^block ${b + 1}, subnet 2, account alpha-out:2: conservation violated`));
    }
    // a holder's stake edited behind the ledger's back is found by the recount at that subnet's epoch
    const net2 = new Network(busy('bittensor', 4), { runner: mainThreadRunner() });
    await net2.run(net2.block + 20);
    const s1 = net2.driver.subnets[0]!;
    const pool = (net2.driver as any).ledger.pools.get(s1.netuid).get(s1.hotkeys[1]);
    pool.total += 5n;
    let err: SimulationError | undefined;
    try {
      await net2.run(net2.block + 40);
    } catch (e) {
      err = e as SimulationError;
    }
    expect(err).toBeInstanceOf(SimulationError);
    expect(err!.describe()).toMatch(new RegExp(`^block \\d+, subnet ${s1.netuid}, account stake:${s1.netuid}: conservation violated`));
  });
});

// ---------------------------------------------------------------------------------------
// Bittensor distribution on a hand-checked epoch (network.md 6.2)

describe('Bittensor distribution (network.md 6.2)', () => {
  const tiny = () =>
    parseScenario(
      {
        blocks: 10,
        subnets: [{ count: 1, uids: 4, validators: 1, registrationsPerDay: 0, stakeEventsPerDay: 0 }],
        workload: {
          nominators: 0, copierFraction: 0, selfDealerFraction: 0,
          validatorStake: ['9000000000000', '9000000000000'], rootStake: ['1000000000000', '1000000000000'],
          minerStake: [0, 0], ownerStake: '1000000000000',
        },
      },
      'tiny',
    );
  /** uid 0 owner, 1 validator, 2 and 3 miners; pending counters set by hand, a made-up output */
  function epoch(server: bigint[], dividend: bigint[]) {
    const net = new Network(tiny(), { runner: mainThreadRunner() });
    const d = net.driver as any;
    const book = d.ledger.books.get(1);
    book.pending = { server: 1000n, validator: 900n, root: 100n, ownerCut: 300n };
    book.alphaOut += 2300n;
    book.minted += 2300n;
    d.checkBlock(5_000_001);
    const job = d.prepare(1, 5_000_001);
    expect(job.input.rao_emission).toBe(2000n);
    const n = 4;
    const out = {
      netuid: 1, n,
      neurons: {
        active: new Uint8Array(n).fill(1), stake_weight: new Uint16Array(n), consensus: new Uint16Array(n),
        validator_trust: new Uint16Array(n), incentive: new Uint16Array(n), dividend: new Uint16Array(n),
        new_validator_permit: Uint8Array.of(1, 1, 0, 0), server_emission: BigUint64Array.from(server),
        validator_emission: BigUint64Array.from(dividend), emission: new BigUint64Array(n), stake: new BigUint64Array(n),
      },
      bonds: { rowPtr: new Uint32Array(n + 1), col: new Uint32Array(0), val: new Uint16Array(0) },
    };
    const before = (uid: number) => d.ledger.pools.get(1).get(job.ctx.hotkeys[uid])?.total ?? 0n;
    const b0 = [0, 1, 2, 3].map(before);
    const record = d.apply(job, out, 0);
    d.checkBlock(5_000_001);
    d.audit();
    const gained = [0, 1, 2, 3].map((u) => before(u) - b0[u]!);
    return { gained, record, book, claim: d.ledger.claimable.get(1).get(job.ctx.hotkeys[1]) ?? 0n, ownerHk: job.ctx.hotkeys[0] };
  }

  it('incentives to the miners, dividends with take to the owner and the rest to the pool, root part claimable', () => {
    const { gained, record, book, claim } = epoch([0n, 0n, 600n, 399n], [0n, 1000n, 0n, 0n]);
    // validator: alpha part of 900 -> take floor(900 * 11796/65535) = 161 to (hk, owner), 738 to the pool;
    // root part of 100 -> take 17 to (hk, owner), 82 claimable by its root stakers
    expect(gained).toEqual([300n, 161n + 738n + 17n, 600n, 399n]);
    expect(claim).toBe(82n);
    // dust: 1 (server 1000 - 999 paid) + 1 (alpha floors) + 1 (root floors)
    expect(book.dust).toBe(3n);
    expect(record.incentive).toEqual(['0', '0', '600', '399']);
    expect(record.dividends).toEqual(['0', String(161 + 738 + 17 + 82), '0', '0']);
    expect(record.drained).toEqual({ server: '1000', validator: '900', root: '100', owner_cut: '300' });
  });

  it('with no incentive at all the validators get validator + server; the owner\'s own incentive is burned', () => {
    const a = epoch([0n, 0n, 0n, 0n], [0n, 5n, 0n, 0n]);
    // alpha part: 1900 -> take floor(1900 * 0.17999...) = 341, pool floor(1900 - 341.99...) = 1558
    expect(a.gained).toEqual([300n, 341n + 1558n + 17n, 0n, 0n]);
    const b = epoch([700n, 0n, 300n, 0n], [0n, 1000n, 0n, 0n]);
    expect(b.book.burn).toBe(700n);
    expect(b.gained[0]).toBe(300n); // the owner cut only
    expect(b.record.incentive).toEqual(['700', '0', '300', '0']);
  });
});

// ---------------------------------------------------------------------------------------
// thread counts

describe('determinism across thread counts', () => {
  it('main thread, 1 and 2 pool workers: the same ledger.json and epochs.ndjson bytes', { timeout: 60_000 }, async () => {
    // tempo 4 over 8 subnets: several epochs due in one block, deferrals, late applies
    const sc = parseScenario(
      {
        seed: 11,
        blocks: 240,
        network: { maxEpochsPerBlock: 2 },
        subnets: [{ count: 8, uids: [128, 64], validators: [16, 8], tempo: 4, registrationsPerDay: 500, stakeEventsPerDay: 1000, immunityPeriod: 20 }],
      },
      'threads',
    );
    const dir = mkdtempSync(join(tmpdir(), 'yuma-threads-'));
    try {
      const bytes: string[] = [];
      for (const threads of [0, 1, 2]) {
        const out = join(dir, `t${threads}`);
        const s = await simulate({ scenario: sc, out, threads, timings: false });
        expect(s.threads).toBe(threads);
        expect(s.epochs).toBeGreaterThan(300);
        bytes.push(readFileSync(join(out, 'ledger.json'), 'utf8') + readFileSync(join(out, 'epochs.ndjson'), 'utf8'));
      }
      expect(bytes[1]).toBe(bytes[0]);
      expect(bytes[2]).toBe(bytes[0]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
