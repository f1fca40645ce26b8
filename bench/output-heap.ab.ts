// A/B of src/engine/heap.ts raiseMallocThresholds: an epoch's output arrays (every array
// runEpoch returns, at its length) sliced out of a WebAssembly memory epoch after epoch, the
// last two epochs' outputs kept (a caller holding its results), in child processes that
// alternate A (as before) and B (thresholds raised first): malloc's state is per process, so
// one process cannot hold both. Reports wall time, page faults and system time per epoch.
//   node --import tsx bench/output-heap.ab.ts [--synthetic n,V[,rowlen]] [--epochs 300] [--rounds 3]
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { runEpoch } from '../src/engine/epoch.js';
import { raiseMallocThresholds } from '../src/engine/heap.js';
import { syntheticInput } from '../src/engine/synthetic.js';

const args = process.argv.slice(2);
const opt = (name: string, dflt: string) => (args.includes(name) ? args[args.indexOf(name) + 1]! : dflt);
const shape = opt('--synthetic', '4096,256');
const epochs = Number(opt('--epochs', '300'));
const rounds = Number(opt('--rounds', '3'));
const child = opt('--child', '');

if (child) {
  // the lengths and kinds of one epoch's outputs (computed in the parent: runEpoch raises the
  // thresholds, so the child never runs it)
  const views = JSON.parse(opt('--views', '[]')) as [string, number][];
  if (child === 'B') raiseMallocThresholds();
  const CTOR = { Uint8Array, Uint16Array, Uint32Array, BigUint64Array } as const;
  const bytes = views.reduce((s, [k, len]) => s + CTOR[k as keyof typeof CTOR].BYTES_PER_ELEMENT * len + 16, 0);
  const memory = new WebAssembly.Memory({ initial: Math.ceil(bytes / 65536) + 1 });
  const sources = [] as { slice(): unknown }[];
  let at = 0;
  for (const [k, len] of views) {
    const C = CTOR[k as keyof typeof CTOR];
    sources.push(new C(memory.buffer as ArrayBuffer, at, len));
    at += Math.ceil((C.BYTES_PER_ELEMENT * len) / 16) * 16;
  }
  const held: unknown[][] = [];
  const u0 = process.resourceUsage();
  const t0 = performance.now();
  for (let e = 0; e < epochs; e++) {
    held.push(sources.map((s) => s.slice()));
    if (held.length > 2) held.shift();
  }
  const wall = performance.now() - t0;
  const u1 = process.resourceUsage();
  process.stdout.write(JSON.stringify({ wall: wall / epochs, faults: (u1.minorPageFault - u0.minorPageFault) / epochs, sys: (u1.systemCPUTime - u0.systemCPUTime) / 1000 / epochs }));
} else {
  const [n, validators, rowLen] = shape.split(',').map(Number);
  const out = runEpoch(syntheticInput({ n: n!, validators: validators!, rowLen }));
  const arrays = [...Object.values(out.neurons), out.bonds.rowPtr, out.bonds.col, out.bonds.val] as ArrayBufferView[];
  const views = arrays.map((a) => [a.constructor.name, (a as Uint8Array).length]);
  const self = fileURLToPath(import.meta.url);
  const runs = { A: [] as { wall: number; faults: number; sys: number }[], B: [] as { wall: number; faults: number; sys: number }[] };
  for (let r = 0; r < rounds; r++) {
    for (const w of r % 2 ? (['B', 'A'] as const) : (['A', 'B'] as const)) {
      const p = spawnSync(process.execPath, [...process.execArgv, self, '--child', w, '--views', JSON.stringify(views), '--epochs', String(epochs)], { encoding: 'utf8' });
      if (p.status !== 0) throw new Error(`child ${w} failed: ${p.stderr}`);
      runs[w].push(JSON.parse(p.stdout));
    }
  }
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const line = (w: 'A' | 'B') =>
    `${w} wall ${mean(runs[w].map((x) => x.wall)).toFixed(3)} ms/epoch (runs ${runs[w].map((x) => x.wall.toFixed(2)).join(', ')}), ` +
    `faults ${mean(runs[w].map((x) => x.faults)).toFixed(0)}/epoch, sys ${mean(runs[w].map((x) => x.sys)).toFixed(3)} ms/epoch`;
  const ratio = mean(runs.B.map((x) => x.wall)) / mean(runs.A.map((x) => x.wall));
  process.stdout.write(
    `output arrays of n=${n} V=${validators}${rowLen ? ` ${rowLen}/row` : ' full'} (${out.bonds.col.length} stored bond entries), ${epochs} epochs x ${rounds} processes each\n` +
      `  ${line('A')}\n  ${line('B')}\n  B/A wall ${ratio.toFixed(3)}\n`,
  );
}
