// Every golden vector, compared field by field (neurons, bonds, trace) through runCase.
import { describe, it, expect } from 'vitest';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { findCases, runCase } from '../src/engine/verify.js';
import { parseEpochInput, readJsonFile } from '../src/engine/io.js';
import { runEpoch } from '../src/engine/epoch.js';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));
const FIXTURES = here('./fixtures/golden');
const LARGE = here('../../shared/golden/large');
const SNAPSHOT = here('../examples/snapshots/metagraph-sn15-b4769998.json');
const SNAPSHOT_MIN1000 = here('../examples/snapshots/metagraph-sn15-b4769998.min1000.json');

for (const family of ['edge', 'random', 'sequence']) {
  describe(`golden ${family}`, () => {
    const cases = findCases([`${FIXTURES}/${family}`]);
    it('has cases', () => expect(cases.length).toBeGreaterThan(0));
    for (const c of cases) {
      it(c.name.slice(FIXTURES.length + 1), () => {
        const r = runCase(c);
        expect(r.detail).toBeUndefined();
        expect(r.status).toBe('passed');
      });
    }
  });
}

describe.skipIf(!existsSync(LARGE))('golden large (from ../shared/golden/large)', () => {
  for (const c of existsSync(LARGE) ? findCases([LARGE]) : []) {
    it(c.name.slice(LARGE.length + 1), () => {
      const r = runCase(c);
      expect(r.detail).toBeUndefined();
      expect(r.status).toBe('passed');
    }, 60_000);
  }
});
if (!existsSync(LARGE)) console.warn(`golden large: ${LARGE} not present, those 4 cases were not run`);

describe('real subnet snapshot (examples/snapshots, sn15 at block 4769998)', () => {
  for (const file of [SNAPSHOT, SNAPSHOT_MIN1000]) {
    it(file.split('/').pop()!, () => {
      const input = parseEpochInput(readJsonFile(file), file);
      const out = runEpoch(input);
      const total = out.neurons.incentive.reduce((s, x) => s + x, 0);
      // u16 incentive truncates each uid's share: the sum lands within n of 65535
      expect(Math.abs(total - 65535)).toBeLessThanOrEqual(input.n);
      expect(out.neurons.consensus.some((c) => c > 0)).toBe(true);
    });
  }
});
