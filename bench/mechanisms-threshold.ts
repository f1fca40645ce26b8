// When do a subnet's mechanisms pay for spreading over the workers? A pool of 2 threads runs
// the same multi-mechanism subnet spread (mechanismMinEntries 0) and in one task (Infinity),
// interleaved in rounds; prints the p50 ms of each and the ratio. `npx tsx bench/mechanisms-threshold.ts`
import { createPool } from '../src/pool/index.js';
import { syntheticMechanismsInput } from '../src/engine/mechanisms/synthetic.js';

const SHAPES = [
  { n: 64, validators: 16, mechanisms: 2 },
  { n: 128, validators: 32, mechanisms: 4 },
  { n: 256, validators: 64, mechanisms: 2 },
  { n: 256, validators: 64, mechanisms: 8 },
  { n: 1024, validators: 128, rowLen: 256, mechanisms: 4 },
  { n: 4096, validators: 256, rowLen: 256, mechanisms: 4 },
];
const LARGE = [
  { n: 4096, validators: 256, rowLen: 1024, mechanisms: 4 },
  { n: 4096, validators: 256, rowLen: 256, mechanisms: 16 },
];
const shapes = process.env.LARGE ? LARGE : SHAPES;
const ROUNDS = Number(process.env.ROUNDS ?? 15);
const spread = createPool({ threads: 2, mechanismMinEntries: 0 });
const whole = createPool({ threads: 2, mechanismMinEntries: Infinity });
const p50 = (a: number[]) => [...a].sort((x, y) => x - y)[a.length >> 1]!;
for (const shape of shapes) {
  const input = syntheticMechanismsInput(shape);
  const entries = input.mechanisms.reduce((s, m) => s + m.weights.col.length, 0);
  const t = { spread: [] as number[], whole: [] as number[] };
  for (let r = 0; r < ROUNDS + 2; r++) {
    for (const [name, pool] of [['spread', spread], ['whole', whole]] as const) {
      const t0 = performance.now();
      await pool.runMechanismsEpoch(input);
      if (r >= 2) t[name].push(performance.now() - t0);
    }
  }
  console.log(
    `n=${shape.n} V=${shape.validators} rowLen=${shape.rowLen ?? shape.n} M=${shape.mechanisms} entries=${entries}: ` +
      `one task ${p50(t.whole).toFixed(2)} ms, spread ${p50(t.spread).toFixed(2)} ms, ${(p50(t.whole) / p50(t.spread)).toFixed(2)}x`,
  );
}
await spread.close();
await whole.close();
