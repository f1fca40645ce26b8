// The pool's registry of task kinds beyond epochs (src/pool/tasks.ts): a kind names the module
// that defines it, the worker loads that module on the first task of the kind, failures come
// back as PoolErrors naming the kind; and the pool itself imports nothing of analysis/ (the map
// and scenario kinds are defined there). The workers run from the build: `npm run build` first.
import { describe, it, expect } from 'vitest';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createPool, PoolError } from '../src/pool/index.js';
import { defineTask, runTask } from '../src/pool/tasks.js';
import { poolMapRunner, mapMainThreadRunner } from '../src/engine/analysis/mapsweep.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const built = existsSync(join(root, 'dist/pool/worker.js'));

describe('pool task registry', () => {
  it('src/pool imports nothing from analysis/, network/, cli/ or serve/ (the layers above it)', () => {
    const dir = join(root, 'src/pool');
    const files = readdirSync(dir).filter((f) => f.endsWith('.ts'));
    expect(files.length).toBeGreaterThan(5);
    for (const f of files) {
      // static imports and re-exports, and dynamic import()
      const imports = [...readFileSync(join(dir, f), 'utf8').matchAll(/(?:\bfrom\s+|\bimport\(\s*)'([^']+)'/g)].map((m) => m[1]!);
      const above = imports.filter((p) => /\/(analysis|network|cli|serve|report)\//.test(p));
      expect(above, `src/pool/${f}`).toEqual([]);
    }
  });

  it('defining a kind twice from another module throws, naming the first', () => {
    defineTask('test-twice', 'a/first.js', () => 1);
    expect(() => defineTask('test-twice', 'a/first.js', () => 1)).not.toThrow();
    expect(() => defineTask('test-twice', 'b/second.js', () => 1)).toThrow('defineTask: task "test-twice" is already defined by a/first.js');
  });

  it('runTask on something that is not a pool throws a TypeError', () => {
    const kind = defineTask('test-nopool', 'x/y.js', () => 1);
    expect(() => runTask({} as never, kind, null)).toThrow(TypeError);
  });

  it.skipIf(!built)('a registered kind runs on the workers; a module that does not define it, or a closed pool, rejects naming the kind', async () => {
    const pool = createPool({ threads: 2 });
    try {
      // the map kind: its module loaded by the worker on the first task, the shares bit for bit
      const spec = { shape: { neurons: 48, validators: 8, weightStddev: 0.4, stakeStddev: 0.3, seed: 1, bondsPenalty: 65535, yuma3: false }, majorStake: 0.8, steps: 6 };
      const cells = Uint16Array.from([0, 0, 3, 2, 5, 5]);
      const want = await mapMainThreadRunner().runCells(spec, cells);
      expect(await poolMapRunner(pool).runCells(spec, cells)).toEqual(want);

      // dist/pool/movable.js exists but defines no task
      const ghost = defineTask<null, number>('test-ghost', 'pool/movable.js', () => 1);
      const err = await runTask(pool, ghost, null, { about: 'cell 3' }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(PoolError);
      expect((err as PoolError).kind).toBe('failed');
      expect((err as PoolError).message).toBe('test-ghost: cell 3: pool worker: pool/movable.js does not define task "test-ghost"');

      // the pool still runs the map kind after the failure
      expect(await poolMapRunner(pool).runCells(spec, cells)).toEqual(want);
    } finally {
      await pool.close();
    }
    const closed = await poolMapRunner(pool).runCells({ shape: { neurons: 48, validators: 8, weightStddev: 0.4, stakeStddev: 0.3, seed: 1, bondsPenalty: 65535, yuma3: false }, majorStake: 0.8, steps: 6 }, new Uint16Array(2)).catch((e: unknown) => e);
    expect(closed).toBeInstanceOf(PoolError);
    expect((closed as PoolError).kind).toBe('closed');
    expect((closed as PoolError).message).toBe('map: the pool is closed');
  });

  it.skipIf(!built)('an aborted task rejects with kind aborted', async () => {
    const pool = createPool({ threads: 1 });
    try {
      const { poolScenarioRunner } = await import('../src/engine/analysis/scenario.js');
      const ac = new AbortController();
      ac.abort(new Error('stop'));
      const err = await poolScenarioRunner(pool, ac.signal)({ cases: [], runs: [] }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(PoolError);
      expect((err as PoolError).kind).toBe('aborted');
      expect((err as PoolError).message).toMatch(/^scenario: /);
    } finally {
      await pool.close();
    }
  });
});
