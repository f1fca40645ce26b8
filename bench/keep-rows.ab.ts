// A/B of the outputs stage's bond copy (src/engine/epoch.ts keepRows) against the row-by-row
// copy it replaced, in ONE process, interleaved: a real epoch's stored bonds placed in a
// WebAssembly memory as the kernels leave them, copied out with each, outputs compared.
//   node --import tsx bench/keep-rows.ab.ts [--reps 41] [--synthetic n,V[,rowlen]]
import { isDeepStrictEqual } from 'node:util';
import { keepRows, runEpoch } from '../src/engine/epoch.js';
import { syntheticInput } from '../src/engine/synthetic.js';
import type { SparseU16 } from '../src/engine/types.js';

const args = process.argv.slice(2);
const opt = (name: string, dflt: string) => (args.includes(name) ? args[args.indexOf(name) + 1]! : dflt);
const reps = Number(opt('--reps', '41'));
const [n, validators, rowLen] = opt('--synthetic', '4096,256').split(',').map(Number);

/** the copy before: a zero-filled array each, then one copy per kept row */
function keepRowsBefore(rowPtr: Uint32Array, col: Uint32Array, val: Uint16Array, keep: Uint8Array): SparseU16 {
  const n = keep.length;
  const outPtr = new Uint32Array(n + 1);
  for (let i = 0; i < n; i++) outPtr[i + 1] = outPtr[i]! + (keep[i] ? rowPtr[i + 1]! - rowPtr[i]! : 0);
  const outCol = new Uint32Array(outPtr[n]!);
  const outVal = new Uint16Array(outPtr[n]!);
  for (let i = 0; i < n; i++) {
    if (!keep[i]) continue;
    outCol.set(col.subarray(rowPtr[i], rowPtr[i + 1]), outPtr[i]);
    outVal.set(val.subarray(rowPtr[i], rowPtr[i + 1]), outPtr[i]);
  }
  return { rowPtr: outPtr, col: outCol, val: outVal };
}

const out = runEpoch(syntheticInput({ n: n!, validators: validators!, rowLen }));
const nnz = out.bonds.col.length;
const memory = new WebAssembly.Memory({ initial: Math.ceil((4 * (n! + 1) + 6 * nnz + 64) / 65536) });
const rowPtr = new Uint32Array(memory.buffer, 0, n! + 1);
const col = new Uint32Array(memory.buffer, 4 * (n! + 1), nnz);
const val = new Uint16Array(memory.buffer, 4 * (n! + 1) + 4 * nnz, nnz);
rowPtr.set(out.bonds.rowPtr);
col.set(out.bonds.col);
val.set(out.bonds.val);
const keep = out.neurons.new_validator_permit;
const impl = { A: keepRowsBefore, B: keepRows };
if (!isDeepStrictEqual(impl.A(rowPtr, col, val, keep), impl.B(rowPtr, col, val, keep))) throw new Error('A and B disagree');
const times = { A: [] as number[], B: [] as number[] };
for (let r = 0; r < reps; r++) {
  for (const w of r % 2 ? (['B', 'A'] as const) : (['A', 'B'] as const)) {
    const t0 = performance.now();
    impl[w](rowPtr, col, val, keep);
    times[w].push(performance.now() - t0);
  }
}
const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[xs.length >> 1]!;
const [a, b, aMin, bMin] = [median(times.A), median(times.B), Math.min(...times.A), Math.min(...times.B)];
process.stdout.write(
  `keepRows n=${n} V=${validators}${rowLen ? ` ${rowLen}/row` : ' full'}, ${nnz} bond entries, ${reps} reps each\n` +
    `  A (row by row) p50 ${a.toFixed(3)} ms, min ${aMin.toFixed(3)}; B p50 ${b.toFixed(3)} ms, min ${bMin.toFixed(3)}; B/A p50 ${(b / a).toFixed(3)}, min ${(bMin / aMin).toFixed(3)}\n`,
);
