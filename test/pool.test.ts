// The worker pool: bit-identical outputs with 1, 2 and 4 threads, failure handling,
// abort/timeout, options, and a clean process exit after close(). The pool's worker always
// runs from the build (dist/pool/worker.js), so this file tests the built library: run
// `npm run build` first (npm ci does).
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { availableParallelism } from 'node:os';

const root = fileURLToPath(new URL('..', import.meta.url));
const DIST = `${root}dist/index.js`;
if (!existsSync(DIST) || !existsSync(`${root}dist/pool/worker.js`)) {
  throw new Error(`${DIST} or dist/pool/worker.js is missing: run \`npm run build\` (npm ci does it)`);
}
const lib: typeof import('../dist/index.js') = await import('../dist/index.js');
const { findCases }: typeof import('../dist/engine/verify.js') = await import('../dist/engine/verify.js');
const { createPool, runEpoch, syntheticInput, parseEpochInput, readJsonFile, compareOutputs, describeMismatch, PoolError, POOL_DEFAULTS, InputError } = lib;
type EpochInput = import('../dist/index.js').EpochInput;
type EpochOutput = import('../dist/index.js').EpochOutput;
type Pool = import('../dist/index.js').Pool;
type PoolFault = import('../dist/index.js').PoolFault;

const FIXTURES = `${root}test/fixtures/golden`;

/** every golden pair under edge/ and random/ */
function goldenInputs(): EpochInput[] {
  const cases = findCases([`${FIXTURES}/edge`, `${FIXTURES}/random`]).filter((c) => c.kind === 'pair');
  return cases.map((c) => parseEpochInput(readJsonFile(c.file), c.file));
}

/** large random subnets: several seeds, original Yuma and Yuma3, liquid alpha, bonds penalty */
function largeInputs(): EpochInput[] {
  const shapes = [
    { n: 2048, validators: 128, seed: 11 },
    { n: 4096, validators: 256, rowLen: 256, seed: 12 },
    { n: 3000, validators: 200, rowLen: 512, yuma3: true, seed: 13 },
    { n: 4096, validators: 256, rowLen: 256, yuma3: true, liquidAlpha: true, seed: 14 },
    { n: 2048, validators: 256, rowLen: 1024, yuma3: true, liquidAlpha: true, bondsPenalty: 0, seed: 15 },
    { n: 2500, validators: 100, bondsPenalty: 30000, seed: 16 },
    { n: 4096, validators: 64, rowLen: 4096, liquidAlpha: true, seed: 17 },
  ];
  return shapes.map((s, k) => ({ ...syntheticInput(s), netuid: 1000 + k }));
}

function expectSame(expected: EpochOutput, got: EpochOutput, what: string): void {
  const m = compareOutputs(expected, got);
  expect(m, m ? `${what}: ${describeMismatch(m)}` : what).toBeNull();
  expect(got.netuid).toBe(expected.netuid);
  expect(got.trace, `${what}: trace`).toBeDefined();
  for (const [k, v] of Object.entries(expected.trace!)) {
    expect((got.trace as unknown as Record<string, unknown>)[k], `${what}: trace.${k}`).toEqual(v);
  }
}

const inputs: EpochInput[] = [];
const expected: EpochOutput[] = [];
beforeAll(() => {
  inputs.push(...goldenInputs(), ...largeInputs());
  for (const input of inputs) expected.push(runEpoch(input, { trace: true }));
}, 60_000);

describe.each([1, 2, 4])('pool with %i thread(s)', (threads) => {
  let pool: Pool;
  beforeAll(async () => {
    pool = createPool({ threads });
    const w = await pool.warmup();
    expect(new Set(w.threadIds).size).toBe(threads);
  });
  afterAll(() => pool?.close());

  it('every golden case and large random subnet: identical to runEpoch on the main thread', async () => {
    expect(inputs.length).toBeGreaterThan(140); // 145 golden pairs (edge + random) + 7 large
    const got = await pool.runEpochs(inputs, { trace: true });
    expect(got).toHaveLength(inputs.length);
    for (let i = 0; i < inputs.length; i++) expectSame(expected[i]!, got[i]!, `input ${i} (netuid ${inputs[i]!.netuid}, n ${inputs[i]!.n})`);
  }, 60_000);

  it('runEpoch: one subnet, whole, in one worker; no trace unless asked', async () => {
    const i = inputs.length - 4; // a large Yuma3 + liquid alpha one
    const out = await pool.runEpoch(inputs[i]!);
    expect(out.trace).toBeUndefined();
    expect(compareOutputs(expected[i]!, out)).toBeNull();
  }, 30_000);
});

describe('pool calls', () => {
  let pool: Pool;
  beforeAll(async () => {
    pool = createPool({ threads: 2 });
    await pool.warmup();
  });
  afterAll(() => pool?.close());

  it('results come in input order; the inputs are cloned, not detached', async () => {
    const batch = Array.from({ length: 9 }, (_, k) => ({ ...syntheticInput({ n: 128, validators: 32, seed: 100 + k }), netuid: 40 - k }));
    const lengths = batch.map((b) => b.weights.col.byteLength);
    const got = await pool.runEpochs(batch, { trace: true });
    expect(got.map((o) => o.netuid)).toEqual(batch.map((b) => b.netuid));
    expect(batch.map((b) => b.weights.col.byteLength)).toEqual(lengths);
    for (let k = 0; k < batch.length; k++) expectSame(runEpoch(batch[k]!, { trace: true }), got[k]!, `batch ${k}`);
    expect(await pool.runEpochs([])).toEqual([]);
  });

  it('concurrent calls on one pool each get their own results', async () => {
    const a = inputs.slice(0, 20);
    const b = inputs.slice(20, 40);
    const [ga, gb] = await Promise.all([pool.runEpochs(a, { trace: true }), pool.runEpochs(b, { trace: true })]);
    a.forEach((_, k) => expectSame(expected[k]!, ga[k]!, `a ${k}`));
    b.forEach((_, k) => expectSame(expected[20 + k]!, gb[k]!, `b ${k}`));
  });

  it('timeoutMs: Infinity is no timeout, 2^31 - 1 ms is the longest; past it (Node fires at once) it is refused by name', async () => {
    const batch = inputs.slice(0, 4);
    for (const timeoutMs of [Infinity, 2 ** 31 - 1]) {
      const got = await pool.runEpochs(batch, { timeoutMs, trace: true });
      got.forEach((o, k) => expectSame(expected[k]!, o, `timeoutMs ${timeoutMs}, ${k}`));
      expectSame(expected[0]!, await pool.runEpoch(batch[0]!, { timeoutMs, trace: true }), `runEpoch, timeoutMs ${timeoutMs}`);
    }
    const range = "timeoutMs must be a number of ms from 1 to 2147483647 (2^31 - 1, Node's timer range), or Infinity for none";
    for (const timeoutMs of [2 ** 31, 1e12, 0, -1, NaN]) {
      await expect(pool.runEpochs(batch, { timeoutMs })).rejects.toThrow(`runEpochs: ${range}, got ${timeoutMs}`);
      await expect(pool.runEpoch(batch[0]!, { timeoutMs })).rejects.toThrow(`runEpoch: ${range}, got ${timeoutMs}`);
    }
  });

  it('a bad input is refused on the main thread with an InputError naming the input and field; nothing runs, the pool goes on', async () => {
    const good = inputs[1]!;
    const short = { ...good, neurons: { ...good.neurons, alpha_stake: good.neurons.alpha_stake.slice(1) } };
    const err = (await pool.runEpochs([inputs[0]!, short]).catch((e: unknown) => e)) as InstanceType<typeof InputError>;
    expect(err).toBeInstanceOf(InputError);
    expect(err.field).toBe('inputs[1].neurons.alpha_stake');
    expect(err.message).toBe(`expected a BigUint64Array of length ${good.n} (n = ${good.n}), got length ${good.n - 1}`);
    const err2 = (await pool.runEpoch({ ...good, n: good.n + 3 }).catch((e: unknown) => e)) as InstanceType<typeof InputError>;
    expect(err2).toBeInstanceOf(InputError);
    expect(err2.field).toBe('neurons.alpha_stake');
    await expect(pool.warmup({ ...good, weights: { ...good.weights, rowPtr: new Uint32Array(1) } })).rejects.toThrow(InputError);
    const got = await pool.runEpochs(inputs.slice(0, 2), { trace: true });
    got.forEach((o, k) => expectSame(expected[k]!, o, `after a bad input, ${k}`));
  });

  it('a batch subnet whose columns are out of order (checked by the worker that runs it) gives the validator\'s InputError; the pool goes on', async () => {
    const batch = [inputs[0]!, inputs[1]!, syntheticInput({ n: 64, validators: 8, rowLen: 9, seed: 5 }), inputs[2]!];
    for (const which of ['weights', 'bonds'] as const) {
      const m = batch[2]![which];
      const q = Array.from(m.rowPtr).findIndex((p, i) => i > 0 && p - m.rowPtr[i - 1]! >= 2);
      expect(q, 'a row of two entries or more').toBeGreaterThan(0);
      const col = m.col.slice();
      const at = m.rowPtr[q]! - 1; // the last entry of that row: now equal to the one before it
      col[at] = col[at - 1]!;
      const bad = batch.map((x, k) => (k === 2 ? { ...x, [which]: { ...m, col } } : x));
      const err = (await pool.runEpochs(bad).catch((e: unknown) => e)) as InstanceType<typeof InputError>;
      expect(err, which).toBeInstanceOf(InputError);
      expect(err.field).toBe(`inputs[2].${which}.col[${at}]`);
      expect(err.message).toMatch(/duplicate uid_j/);
    }
    const got = await pool.runEpochs(inputs.slice(0, 2), { trace: true });
    got.forEach((o, k) => expectSame(expected[k]!, o, `after a bad batch, ${k}`));
  });

  it('an already-aborted signal runs nothing', async () => {
    const c = new AbortController();
    c.abort(new Error('not wanted'));
    const err = await pool.runEpochs(inputs.slice(0, 3), { signal: c.signal }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PoolError);
    expect((err as InstanceType<typeof PoolError>).kind).toBe('aborted');
    expect((err as Error).message).toMatch(/not wanted/);
  });
});

describe('failures', () => {
  let pool: Pool;
  /** netuid -> the fault its task injects (the test sets it per call) */
  const faults = new Map<number, PoolFault | { fault: PoolFault; hangMs: number }>();
  const batch = Array.from({ length: 6 }, (_, k) => ({ ...syntheticInput({ n: 256, validators: 64, seed: 200 + k }), netuid: k + 1 }));
  let batchExpected: EpochOutput[];

  beforeAll(async () => {
    pool = createPool({ threads: 2, faultInjection: (input) => faults.get(input.netuid) });
    await pool.warmup();
    batchExpected = batch.map((b) => runEpoch(b, { trace: true }));
  });
  afterAll(() => pool?.close());

  /** the pool still gives the exact outputs, with all its workers */
  async function stillUsable() {
    faults.clear();
    const got = await pool.runEpochs(batch, { trace: true });
    got.forEach((o, k) => expectSame(batchExpected[k]!, o, `after failure, ${k}`));
    expect(pool.workers).toBe(2);
  }

  it('a task that throws fails the call, naming the subnet and the cause; nothing partial', async () => {
    faults.set(3, 'throw');
    const err = (await pool.runEpochs(batch).then(
      () => null,
      (e: unknown) => e,
    )) as InstanceType<typeof PoolError>;
    expect(err).toBeInstanceOf(PoolError);
    expect(err.kind).toBe('failed');
    expect(err.netuid).toBe(3);
    expect(err.index).toBe(2);
    expect(err.message).toMatch(/subnet netuid 3 \(input 3 of 6\) failed: injected fault: task threw/);
    await stillUsable();
  });

  it('a worker that dies mid-task fails the call, naming the subnet; the worker is replaced', async () => {
    faults.set(5, 'exit');
    const err = (await pool.runEpochs(batch).catch((e: unknown) => e)) as InstanceType<typeof PoolError>;
    expect(err).toBeInstanceOf(PoolError);
    expect(err.kind).toBe('failed');
    expect(err.netuid).toBe(5);
    expect(err.message).toMatch(/subnet netuid 5 .*failed: the worker died \(worker exited with code: 3\)/);
    await stillUsable();
  });

  it('runEpoch: a dying worker fails that one subnet', async () => {
    faults.set(2, 'exit');
    await expect(pool.runEpoch(batch[1]!)).rejects.toThrow(/subnet netuid 2 \(input 1 of 1\) failed: the worker died/);
    await stillUsable();
  });

  it('timeoutMs stops a stuck call promptly, naming the unfinished subnets', async () => {
    faults.set(4, { fault: 'hang', hangMs: 20_000 });
    const t0 = performance.now();
    const err = (await pool.runEpochs(batch, { timeoutMs: 300 }).catch((e: unknown) => e)) as InstanceType<typeof PoolError>;
    expect(performance.now() - t0).toBeLessThan(3_000);
    expect(err).toBeInstanceOf(PoolError);
    expect(err.kind).toBe('timeout');
    expect(err.message).toMatch(/^runEpochs: timed out after 300 ms; unfinished subnets: netuid .*4/);
    await stillUsable();
  });

  it('an AbortSignal stops a running call', async () => {
    faults.set(1, { fault: 'hang', hangMs: 20_000 });
    const c = new AbortController();
    setTimeout(() => c.abort(new Error('operator said stop')), 200);
    const t0 = performance.now();
    const err = (await pool.runEpoch(batch[0]!, { signal: c.signal }).catch((e: unknown) => e)) as InstanceType<typeof PoolError>;
    expect(performance.now() - t0).toBeLessThan(3_000);
    expect(err.kind).toBe('aborted');
    expect(err.netuid).toBe(1);
    expect(err.message).toMatch(/aborted \(operator said stop\); unfinished subnets: netuid 1/);
    await stillUsable();
  });
});

describe('column split: one subnet across the workers (runEpoch above splitMinEntries)', () => {
  it('in one thread, leader alone with 1 and 3 participants\' blocks: identical to runEpoch', async () => {
    const { newSharedMemory, sharedKernels }: typeof import('../dist/engine/wasm.js') = await import('../dist/engine/wasm.js');
    const { splitKernels }: typeof import('../dist/pool/split.js') = await import('../dist/pool/split.js');
    const { newControl }: typeof import('../dist/pool/split-control.js') = await import('../dist/pool/split-control.js');
    const memory = newSharedMemory();
    const inst = sharedKernels(memory);
    // every large subnet and a spread of golden ones (the pool tests below run all of them)
    const pick = [...inputs.keys()].filter((i) => i % 9 === 0 || i >= inputs.length - 7);
    for (const participants of [1, 3]) {
      for (const i of pick) {
        const sp = splitKernels(inst.kernelsFrom(0), inst.range, memory, newControl(), inputs[i]!, participants);
        try {
          expectSame(expected[i]!, runEpoch(inputs[i]!, { trace: true, kernels: sp.kernels }), `input ${i}, ${participants} participant(s)`);
        } finally {
          sp.quit();
        }
      }
    }
  }, 60_000);

  describe.each([2, 4])('%i threads, every subnet split', (threads) => {
    let pool: Pool;
    beforeAll(async () => {
      pool = createPool({ threads, splitMinEntries: 0 });
      await pool.warmup();
    });
    afterAll(() => pool?.close());

    it('every golden case and large random subnet: identical to runEpoch on the main thread', async () => {
      for (let i = 0; i < inputs.length; i++) {
        expectSame(expected[i]!, await pool.runEpoch(inputs[i]!, { trace: true }), `input ${i} (netuid ${inputs[i]!.netuid}, n ${inputs[i]!.n})`);
      }
    }, 120_000);

    it('concurrent split calls and batches on one pool each get their own results', async () => {
      const last = inputs.length - 1;
      const [a, b, c] = await Promise.all([pool.runEpoch(inputs[last]!, { trace: true }), pool.runEpochs(inputs.slice(0, 8), { trace: true }), pool.runEpoch(inputs[last - 1]!, { trace: true })]);
      expectSame(expected[last]!, a, 'split call 1');
      b.forEach((o, k) => expectSame(expected[k]!, o, `batch ${k}`));
      expectSame(expected[last - 1]!, c, 'split call 2');
    }, 60_000);
  });

  describe('failures', () => {
    let pool: Pool;
    const faults = new Map<number, PoolFault | { fault: PoolFault; hangMs: number }>();
    const giant = { ...syntheticInput({ n: 1024, validators: 128, seed: 300 }), netuid: 77 };
    let want: EpochOutput;
    beforeAll(async () => {
      pool = createPool({ threads: 2, splitMinEntries: 0, faultInjection: (input) => faults.get(input.netuid) });
      await pool.warmup();
      want = runEpoch(giant, { trace: true });
    });
    afterAll(() => pool?.close());
    const stillUsable = async () => {
      faults.clear();
      expectSame(want, await pool.runEpoch(giant, { trace: true }), 'after failure');
      expect(pool.workers).toBe(2);
    };
    const failure = (p: Promise<unknown>) => p.then(() => null, (e: unknown) => e) as Promise<InstanceType<typeof PoolError>>;

    it('the leader throws: the call fails naming the subnet and the cause', async () => {
      faults.set(77, 'throw');
      const err = await failure(pool.runEpoch(giant));
      expect(err).toBeInstanceOf(PoolError);
      expect(err.kind).toBe('failed');
      expect(err.netuid).toBe(77);
      expect(err.message).toMatch(/^subnet netuid 77 \(split over 2 threads\) failed: injected fault: task threw/);
      await stillUsable();
    });

    it('the leader worker dies: the call fails, the helper goes home, the pool goes on', async () => {
      faults.set(77, 'exit');
      const err = await failure(pool.runEpoch(giant));
      expect(err.kind).toBe('failed');
      expect(err.message).toMatch(/split over 2 threads\) failed: the worker died/);
      await stillUsable();
    });

    it('timeoutMs and an AbortSignal stop a stuck split call promptly', async () => {
      faults.set(77, { fault: 'hang', hangMs: 20_000 });
      let t0 = performance.now();
      const err = await failure(pool.runEpoch(giant, { timeoutMs: 300 }));
      expect(performance.now() - t0).toBeLessThan(3_000);
      expect(err.kind).toBe('timeout');
      expect(err.message).toMatch(/split over 2 threads\) timed out after 300 ms/);
      const c = new AbortController();
      setTimeout(() => c.abort(new Error('operator said stop')), 200);
      t0 = performance.now();
      const err2 = await failure(pool.runEpoch(giant, { signal: c.signal }));
      expect(performance.now() - t0).toBeLessThan(3_000);
      expect(err2.kind).toBe('aborted');
      expect(err2.message).toMatch(/aborted \(operator said stop\)/);
      await stillUsable();
    });
  });
});

describe('concurrent split calls complete (they take turns: a helper never waits for a leader queued behind it)', () => {
  // n=1024, 256 full validator rows: 262,144 weight entries, the default split threshold
  const bigs = [3, 4, 5].map((seed, k) => ({ ...syntheticInput({ n: 1024, validators: 256, seed }), netuid: 500 + k }));
  let want: EpochOutput[];
  beforeAll(() => {
    expect(bigs[0]!.weights.col.length).toBeGreaterThanOrEqual(POOL_DEFAULTS.splitMinEntries);
    want = bigs.map((b) => runEpoch(b, { trace: true }));
  });

  describe.each([2, 4])('%i threads', (threads) => {
    let pool: Pool;
    beforeAll(() => {
      pool = createPool({ threads });
    });
    afterAll(() => pool?.close());

    // a deadlock fails by the vitest timeout instead of hanging the run
    it.each([2, 3, 8])('%i at once, between runEpochs calls: every one matches runEpoch', async (calls) => {
      const jobs: Promise<void>[] = [];
      for (let c = 0; c < calls; c++) {
        jobs.push(pool.runEpoch(bigs[c % 3]!, { trace: true }).then((out) => expectSame(want[c % 3]!, out, `split call ${c}`)));
        if (c % 2 === 0) {
          const first = c % 20;
          jobs.push(pool.runEpochs(inputs.slice(first, first + 6), { trace: true }).then((outs) =>
            outs.forEach((o, k) => expectSame(expected[first + k]!, o, `batch ${c}, ${k}`))));
        }
      }
      await Promise.all(jobs);
    }, 60_000);
  });
});

describe('options', () => {
  it('errors name the option', () => {
    expect(() => createPool({ threads: 0 })).toThrow('createPool: threads must be an integer >= 1, got 0');
    expect(() => createPool({ threads: 1.5 })).toThrow('createPool: threads must be an integer >= 1, got 1.5');
    expect(() => createPool({ threads: 2, minThreads: 3 })).toThrow('createPool: minThreads must be an integer 0..threads (2), got 3');
    expect(() => createPool({ threads: 1, idleTimeout: -1 })).toThrow('createPool: idleTimeout must be a number of ms >= 0 (or Infinity), got -1');
    expect(() => createPool({ threads: 1, maxQueue: 0.5 })).toThrow('createPool: maxQueue must be an integer >= 0 (or Infinity), got 0.5');
    expect(() => createPool({ threads: 1, thread: 2 } as never)).toThrow('createPool: unknown option "thread"');
    expect(() => createPool({ threads: 2, splitMinEntries: -1 })).toThrow('createPool: splitMinEntries must be a number >= 0 (or Infinity), got -1');
    expect(() => createPool({ threads: 2, allowOversubscription: 'yes' } as never)).toThrow('createPool: allowOversubscription must be a boolean, got "yes"');
  });

  it('threads is capped at 4 x the cores unless allowOversubscription says otherwise', async () => {
    const cores = availableParallelism();
    const most = 4 * cores;
    expect(lib.THREADS_PER_CORE).toBe(4);
    expect(() => createPool({ threads: most + 1 })).toThrow(
      `createPool: threads must be at most ${most} (4 x ${cores} cores; allowOversubscription: true allows more), got ${most + 1}`,
    );
    expect(() => createPool({ threads: 64 * cores })).toThrow(/threads must be at most/);
    // allowed, with no worker started (minThreads 0) and none run
    const pool = createPool({ threads: most + 1, minThreads: 0, allowOversubscription: true });
    expect(pool.options.threads).toBe(most + 1);
    await pool.close();
  });

  it('defaults are frozen; resolved options are frozen', async () => {
    expect(Object.isFrozen(POOL_DEFAULTS)).toBe(true);
    expect(POOL_DEFAULTS).toEqual({ idleTimeout: Infinity, maxQueue: Infinity, splitMinEntries: 262_144, mechanismMinEntries: 262_144 });
    const pool = createPool({ threads: 1 });
    try {
      expect(pool.options).toEqual({ threads: 1, minThreads: 1, idleTimeout: Infinity, maxQueue: Infinity, splitMinEntries: 262_144, mechanismMinEntries: 262_144 });
      expect(Object.isFrozen(pool.options)).toBe(true);
      await expect(pool.runEpochs(inputs.slice(0, 1), { timeoutMs: 0 })).rejects.toThrow('runEpochs: timeoutMs must be a number of ms from 1 to');
      await expect(pool.runEpoch(inputs[0]!, { tracee: true } as never)).rejects.toThrow('runEpoch: unknown option "tracee"');
    } finally {
      await pool.close();
    }
  });

  it('maxQueue rejects a call whole, before running any of it', async () => {
    const pool = createPool({ threads: 1, maxQueue: 1 });
    try {
      const err = (await pool.runEpochs(inputs.slice(0, 3)).catch((e: unknown) => e)) as InstanceType<typeof PoolError>;
      expect(err.kind).toBe('queue-full');
      expect(err.message).toMatch(/maxQueue \(1\)/);
      const got = await pool.runEpochs(inputs.slice(0, 2), { trace: true });
      got.forEach((o, k) => expectSame(expected[k]!, o, `maxQueue ${k}`));
    } finally {
      await pool.close();
    }
  });
});

describe('close', () => {
  it('close() ends the workers; later calls reject; close again is a no-op', async () => {
    const pool = createPool({ threads: 2 });
    await pool.runEpoch(inputs[0]!);
    await pool.close();
    expect(pool.closed).toBe(true);
    expect(pool.workers).toBe(0);
    await expect(pool.runEpochs(inputs.slice(0, 1))).rejects.toThrow('runEpochs: the pool is closed');
    await pool.close();
  });

  it('close() lets the calls in flight finish, queued tasks included', async () => {
    const pool = createPool({ threads: 1 });
    const call = pool.runEpochs(inputs.slice(0, 12), { trace: true });
    const closed = pool.close();
    await expect(pool.runEpoch(inputs[0]!)).rejects.toThrow('runEpochs: the pool is closed');
    const got = await call;
    got.forEach((o, k) => expectSame(expected[k]!, o, `during close ${k}`));
    await closed;
    expect(pool.workers).toBe(0);
  });

  it('close({ force: true }) aborts a running call', async () => {
    const pool = createPool({ threads: 1, faultInjection: () => ({ fault: 'hang', hangMs: 20_000 }) });
    const call = pool.runEpoch(inputs[0]!).catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 100));
    await pool.close({ force: true });
    const err = (await call) as InstanceType<typeof PoolError>;
    expect(err.kind).toBe('closed');
  });

  it('a process that creates a pool, runs, and closes exits cleanly within a few seconds', () => {
    const script = `
      import { createPool, syntheticInput, runEpoch, compareOutputs } from ${JSON.stringify(DIST)};
      const pool = createPool({ threads: 2 });
      await pool.warmup();
      const inputs = [1, 2, 3, 4].map((s) => ({ ...syntheticInput({ n: 256, validators: 64, seed: s }), netuid: s }));
      const outs = await pool.runEpochs(inputs);
      await pool.close();
      const bad = outs.filter((o, k) => compareOutputs(runEpoch(inputs[k]), o) !== null).length;
      console.log('done', outs.length, bad);
    `;
    const t0 = performance.now();
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 15_000 });
    const ms = performance.now() - t0;
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('done 4 0');
    expect(r.status).toBe(0);
    expect(ms).toBeLessThan(5_000);
  });
});
