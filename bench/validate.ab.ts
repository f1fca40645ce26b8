// A/B of runEpoch's column check of the weights and bonds: A, validateEpochInput's JS loop
// (src/engine/validate.ts csr, eight comparisons per step); B, the kernel runEpoch uses
// (csrRowsCheck, four pairs per SIMD step) on the matrices where runEpoch places them anyway
// (the copy into the kernels' memory is timed with it, though runEpoch pays it either way).
// In ONE process, interleaved, on a synthetic epoch's weights and bonds; both must accept it,
// and both must refuse the same broken copies.
//   node --import tsx bench/validate.ab.ts [--reps 61] [--synthetic n,V[,rowlen]]
import { csr } from '../src/engine/validate.js';
import { syntheticInput } from '../src/engine/synthetic.js';
import { createWasmKernels } from '../src/engine/wasm.js';
import { placeSparse } from '../src/engine/memory.js';

const args = process.argv.slice(2);
const opt = (name: string, dflt: string) => (args.includes(name) ? args[args.indexOf(name) + 1]! : dflt);
const reps = Number(opt('--reps', '61'));
const [n, validators, rowLen] = opt('--synthetic', '4096,256').split(',').map(Number);

const input = syntheticInput({ n: n!, validators: validators!, rowLen });
const k = createWasmKernels();
const m = k.alloc({
  wPtr: ['u32', n! + 1], wCol: ['u32', input.weights.col.length], wVal: ['u16', input.weights.col.length],
  bPtr: ['u32', n! + 1], bCol: ['u32', input.bonds.col.length], bVal: ['u16', input.bonds.col.length],
} as const);
const impl = {
  A: () => { csr(input.weights, n!, 'weights'); csr(input.bonds, n!, 'bonds'); },
  B: () => {
    placeSparse(input.weights, m.wPtr, m.wCol, m.wVal);
    placeSparse(input.bonds, m.bPtr, m.bCol, m.bVal);
    if (k.csrRowsCheck(n!, m.wPtr, m.wCol) >= 0 || k.csrRowsCheck(n!, m.bPtr, m.bCol) >= 0) throw new Error('bad row');
  },
};
// both refuse the same broken rows: a duplicate, a descent, a column at n, one at 2^31, at 2^32 - 1
const refuses = (f: () => void) => { try { f(); return false; } catch { return true; } };
const { col, rowPtr } = input.weights;
const saved = col.slice();
const a = rowPtr[1]!, b = rowPtr[2]!;
for (const [k, v] of [[a + 9, col[a + 8]!], [a + 9, col[a + 7]!], [b - 1, n!], [a + 3, 2 ** 31], [b - 1, 2 ** 32 - 1], [a + 16, 0]] as const) {
  col.set(saved);
  col[k] = v;
  if (!refuses(impl.A) || !refuses(impl.B)) throw new Error(`a broken row (col[${k}] = ${v}) passed`);
}
col.set(saved);
if (refuses(impl.A) || refuses(impl.B)) throw new Error('the synthetic epoch was refused');

const times = { A: [] as number[], B: [] as number[] };
for (let r = 0; r < reps; r++) {
  for (const w of r % 2 ? (['B', 'A'] as const) : (['A', 'B'] as const)) {
    const t0 = performance.now();
    impl[w]();
    times[w].push(performance.now() - t0);
  }
}
const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[xs.length >> 1]!;
const [ma, mb, aMin, bMin] = [median(times.A), median(times.B), Math.min(...times.A), Math.min(...times.B)];
process.stdout.write(
  `csr check n=${n} V=${validators}${rowLen ? ` ${rowLen}/row` : ' full'}, ${input.weights.col.length} weight + ${input.bonds.col.length} bond entries, ${reps} reps each\n` +
    `  A (JS, validateEpochInput) p50 ${ma.toFixed(3)} ms, min ${aMin.toFixed(3)}; B (placed + csrRowsCheck) p50 ${mb.toFixed(3)} ms, min ${bMin.toFixed(3)}; B/A p50 ${(mb / ma).toFixed(3)}, min ${(bMin / aMin).toFixed(3)}\n`,
);
