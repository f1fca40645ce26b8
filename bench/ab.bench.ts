// A/B of two WASM kernel builds in ONE process: the same synthetic epochs run on both builds,
// interleaved (A then B, then B then A, ...), so machine load and clock drift hit both alike.
// Reports per case the median epoch time of each, the ratio B/A, and the same per stage
// (runEpoch's onStage), and the minimum of each (on a loaded machine the minimum is the steadier
// figure). Every epoch's output is checked to be identical on both builds.
//   npx tsx bench/ab.bench.ts --a /tmp/old.wasm [--b build/yuma.wasm] [--reps 15]
//       [--synthetic n,V[,rowlen]]... [--yuma3] [--liquid-alpha] [--json out.json]
import { isDeepStrictEqual } from 'node:util';
import { syntheticInput, type SyntheticShape } from '../src/engine/synthetic.js';
import { runEpoch, EPOCH_STAGES, type EpochStage } from '../src/engine/epoch.js';
import { createWasmKernels, wasmModuleAt } from '../src/engine/wasm.js';
import { writeFileAtomic } from '../src/engine/io.js';

const args = process.argv.slice(2);
const opt = (name: string, dflt: string) => {
  const at = args.indexOf(name);
  return at >= 0 ? args[at + 1]! : dflt;
};
const aPath = opt('--a', '');
if (!aPath) {
  process.stderr.write('usage: tsx bench/ab.bench.ts --a old.wasm [--b build/yuma.wasm] [--reps N] [--synthetic n,V[,rowlen]]...\n');
  process.exit(2);
}
const bPath = opt('--b', 'build/yuma.wasm');
const reps = Number(opt('--reps', '15'));
const yuma3 = args.includes('--yuma3');
const liquidAlpha = args.includes('--liquid-alpha');

const shapes: Array<SyntheticShape & { name: string }> = [];
args.forEach((x, i) => {
  if (x !== '--synthetic') return;
  const [n, validators, rowLen] = args[i + 1]!.split(',').map(Number);
  shapes.push({ name: `n=${n} V=${validators}${rowLen ? ` ${rowLen}/row` : ' full'}`, n: n!, validators: validators!, rowLen, yuma3, liquidAlpha });
});
if (shapes.length === 0) {
  shapes.push(
    { name: 'n=1024 V=128 full', n: 1024, validators: 128 },
    { name: 'n=4096 V=256 full', n: 4096, validators: 256 },
    { name: 'n=4096 V=256 256/row', n: 4096, validators: 256, rowLen: 256 },
    { name: 'n=16384 V=512 1024/row', n: 16384, validators: 512, rowLen: 1024 },
    { name: 'yuma3+liquid n=4096 V=256 full', n: 4096, validators: 256, yuma3: true, liquidAlpha: true },
  );
}

const load = (p: string) => createWasmKernels(wasmModuleAt(p));
const builds = { A: load(aPath), B: load(bPath) };
const median = (xs: number[]) => {
  const s = [...xs].sort((x, y) => x - y);
  return s.length % 2 ? s[s.length >> 1]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

const results = [];
for (const shape of shapes) {
  const input = syntheticInput(shape);
  const times = { A: [] as number[], B: [] as number[] };
  const stages = { A: new Map<EpochStage, number[]>(), B: new Map<EpochStage, number[]>() };
  const epoch = (which: 'A' | 'B') => {
    const per = new Map<EpochStage, number>();
    const t0 = performance.now();
    const out = runEpoch(input, { kernels: builds[which], onStage: (s, ms) => per.set(s, ms) });
    times[which].push(performance.now() - t0);
    for (const [s, ms] of per) (stages[which].get(s) ?? stages[which].set(s, []).get(s)!).push(ms);
    return out;
  };
  // warm-up, and the exactness check: both builds give the same epoch
  if (!isDeepStrictEqual(epoch('A'), epoch('B'))) throw new Error(`${shape.name}: builds A and B disagree`);
  times.A.length = times.B.length = 0;
  stages.A.clear();
  stages.B.clear();
  for (let r = 0; r < reps; r++) {
    const order: Array<'A' | 'B'> = r % 2 ? ['B', 'A'] : ['A', 'B'];
    for (const w of order) epoch(w);
  }
  const min = (xs: number[]) => Math.min(...xs);
  const a = median(times.A), b = median(times.B), aMin = min(times.A), bMin = min(times.B);
  const perStage = EPOCH_STAGES.map((s) => {
    const xa = stages.A.get(s) ?? [0], xb = stages.B.get(s) ?? [0];
    const sa = median(xa), sb = median(xb), ma = min(xa), mb = min(xb);
    return { stage: s, a: sa, b: sb, ratio: sa > 0 ? sb / sa : 1, aMin: ma, bMin: mb, ratioMin: ma > 0 ? mb / ma : 1 };
  });
  results.push({ case: shape.name, a, b, ratio: b / a, aMin, bMin, ratioMin: bMin / aMin, stages: perStage });
  const f = (x: number) => x.toFixed(3).padStart(8);
  process.stdout.write(`${shape.name} (${reps} reps each)\n  ${'stage'.padEnd(18)} ${'A p50'.padStart(8)} ${'B p50'.padStart(8)} ${'B/A'.padStart(6)}   ${'A min'.padStart(8)} ${'B min'.padStart(8)} ${'B/A'.padStart(6)}\n`);
  const line = (name: string, sa: number, sb: number, ma: number, mb: number) =>
    process.stdout.write(`  ${name.padEnd(18)} ${f(sa)} ${f(sb)} ${(sb / sa).toFixed(3).padStart(6)}   ${f(ma)} ${f(mb)} ${(mb / ma).toFixed(3).padStart(6)}\n`);
  for (const s of perStage) if (s.a >= 0.05 || s.b >= 0.05) line(s.stage, s.a, s.b, s.aMin, s.bMin);
  line('epoch', a, b, aMin, bMin);
}
const jsonPath = opt('--json', '');
if (jsonPath) writeFileAtomic(jsonPath, JSON.stringify({ a: aPath, b: bPath, reps, results }, null, 2) + '\n');
