// Multi-mechanism subnets on the worker pool: the mechanisms spread over the workers or in one
// task, for any thread count, give exactly runMechanismsEpoch's output on the main thread.
import { describe, it, expect, afterAll } from 'vitest';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createPool, PoolError, type Pool } from '../src/pool/index.js';
import { findCases } from '../src/engine/verify.js';
import { readJsonFile } from '../src/engine/io.js';
import {
  compareMechanismsOutputs, parseMechanismsInput, runMechanismsEpoch, type MechanismsInput,
} from '../src/engine/mechanisms/index.js';
import { syntheticMechanismsInput } from '../src/engine/mechanisms/synthetic.js';

const FIXTURES = fileURLToPath(new URL('./fixtures/golden/mechanisms', import.meta.url));
const golden: MechanismsInput[] = findCases([FIXTURES])
  .filter((c) => c.kind === 'pair')
  .map((c) => parseMechanismsInput(readJsonFile(c.file), c.file));
const synthetic = [
  syntheticMechanismsInput({ n: 512, validators: 64, rowLen: 128, mechanisms: 5, yuma3: true, liquidAlpha: true, seed: 3 }),
  syntheticMechanismsInput({ n: 300, validators: 40, mechanisms: 16, emissionSplit: [30000, 35535], seed: 4 }),
];

const pools: Pool[] = [];
afterAll(async () => {
  await Promise.all(pools.map((p) => p.close()));
});

describe('pool.runMechanismsEpoch', () => {
  for (const [threads, mechanismMinEntries] of [[1, 0], [2, 0], [2, Infinity], [3, 0]] as const) {
    it(`equals the main thread bit for bit: ${threads} thread(s), ${mechanismMinEntries === 0 ? 'spread' : 'one task'}`, async () => {
      const pool = createPool({ threads, mechanismMinEntries });
      pools.push(pool);
      const inputs = threads === 2 && mechanismMinEntries === 0 ? [...golden, ...synthetic] : [...golden.slice(0, 12), ...synthetic];
      const outs = await Promise.all(inputs.map((input) => pool.runMechanismsEpoch(input, { trace: true })));
      inputs.forEach((input, i) => {
        expect(compareMechanismsOutputs(runMechanismsEpoch(input, { trace: true }), outs[i]!)).toBeNull();
      });
    }, 120_000);
  }

  it('a failing mechanism rejects the whole call with a PoolError naming the subnet', async () => {
    const pool = createPool({ threads: 2, mechanismMinEntries: 0, faultInjection: (m, index) => (m.n === 300 && index === 3 ? 'throw' : undefined) });
    pools.push(pool);
    const input = synthetic[1]!;
    const err = await pool.runMechanismsEpoch(input).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PoolError);
    expect((err as PoolError).kind).toBe('failed');
    expect((err as PoolError).netuid).toBe(input.netuid);
    expect((err as PoolError).message).toMatch(/^subnet netuid 1, mechanism 3 of 16, failed: injected fault/);
    // the pool stays usable
    expect(compareMechanismsOutputs(runMechanismsEpoch(synthetic[0]!), await pool.runMechanismsEpoch(synthetic[0]!))).toBeNull();
  }, 60_000);
});
