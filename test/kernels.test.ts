// Every WASM kernel against the BigInt reference kernels (src/engine/reference.ts) on random
// sparse inputs, output arrays and returned counts compared whole; then the whole epoch on the
// reference kernels against the golden vectors (edge, and random cases with n <= 64).
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createWasmKernels, fixedPoint, sharedWasmModule, wasmModule } from '../src/engine/wasm.js';
import { WASM_ARITY } from '../src/engine/kernel-exports.js';
import { createReferenceKernels, ref } from '../src/engine/reference.js';
import { MEDIAN_SCRATCH, type Kernels } from '../src/engine/kernels.js';
import type { Bufs, Layout } from '../src/engine/memory.js';
import { runEpoch } from '../src/engine/epoch.js';
import { parseEpochInput, parseEpochOutput, readJsonFile } from '../src/engine/io.js';
import { compareOutputs, describeMismatch } from '../src/engine/compare.js';
import { I32F32_ONE } from '../src/engine/i32f32.js';

const WASM = createWasmKernels();
const REF = createReferenceKernels();
const ONE = I32F32_ONE;
const I64_MIN = -(1n << 63n);
const I64_MAX = (1n << 63n) - 1n;
const U64_MAX = (1n << 64n) - 1n;
const RUNS = 300;

// ---------------------------------------------------------------------------------------
// generators

const N_MAX = 40;
const size = fc.oneof({ weight: 1, arbitrary: fc.integer({ min: 0, max: 3 }) }, { weight: 4, arbitrary: fc.integer({ min: 0, max: N_MAX }) });

/** I32F32 proportions in [0, ONE], heavy on ties and on the edges (0, ONE, tiny values). */
const frac = fc.oneof(
  { weight: 3, arbitrary: fc.bigInt({ min: 0n, max: ONE }) },
  { weight: 3, arbitrary: fc.constantFrom(0n, ONE, ONE / 2n, ONE / 4n, (3n * ONE) / 4n, 1n, ONE - 1n, 0x7fff7fffn) },
  { weight: 1, arbitrary: fc.bigInt({ min: 0n, max: 100n }) },
);
/** any i64, biased toward extremes and small values */
const anyI64 = fc.oneof(
  fc.bigInt({ min: I64_MIN, max: I64_MAX }),
  fc.bigInt({ min: -2n * ONE, max: 2n * ONE }),
  fc.constantFrom(0n, 1n, -1n, ONE, -ONE, I64_MAX, I64_MIN),
);
const u16 = fc.oneof(
  { weight: 3, arbitrary: fc.integer({ min: 0, max: 65535 }) },
  { weight: 2, arbitrary: fc.constantFrom(0, 1, 2, 32767, 32768, 65534, 65535) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 3 }) },
);
const u16p = (b: number) => ref.u16p(b);
/**
 * Column values for the dividing kernels: proportions, whole numbers (u16 * ONE, as original
 * Yuma's bonds: their columns divide as integers), and anything at all.
 */
const divisible = fc.oneof(
  { weight: 3, arbitrary: fc.bigInt({ min: 0n, max: 1n << 32n }) },
  { weight: 2, arbitrary: fc.integer({ min: 0, max: 65535 }).map((b) => BigInt(b) << 32n) },
  { weight: 1, arbitrary: fc.bigInt({ min: -(1n << 63n), max: (1n << 63n) - 1n }) },
);
const flag = fc.oneof(fc.constant(0), fc.constant(1), fc.integer({ min: 0, max: 1 }));

const vec = <T>(n: number, v: fc.Arbitrary<T>) => fc.array(v, { minLength: n, maxLength: n });
/** a non-negative stake-like vector: zeros likely, sometimes all zero */
const stakeVec = (n: number) =>
  fc.oneof(
    { weight: 1, arbitrary: fc.constant(new Array<bigint>(n).fill(0n)) },
    { weight: 6, arbitrary: vec(n, fc.oneof(fc.constant(0n), frac, fc.bigInt({ min: 0n, max: ONE / 16n }))) },
  );

/**
 * Active stake as the pipeline hands it to consensus: normalized (yuma.md 2.4), or at least summing
 * to at most ONE. (Section 3's closed form relies on it: with sum(a) > ONE a positive a_i can
 * normalize to u_i = 0, where the literal quickselect and the closed form part ways.)
 */
const activeStake = (n: number) =>
  fc.oneof(
    stakeVec(n).map((v) => {
      const S = v.reduce((s, x) => s + x, 0n);
      return S === 0n ? v : v.map((x) => ref.divF(x, S));
    }),
    vec(n, fc.oneof(fc.constant(0n), fc.bigInt({ min: 1n, max: ONE / BigInt(Math.max(n, 64)) }), fc.bigInt({ min: 1n, max: 16n }))),
  );

/** a small seeded PRNG in [0, 1) for bulk data that fast-check need not shrink */
function mulberry32(seed: number): () => number {
  let t = seed >>> 0;
  return () => {
    t = (t + 0x6d2b79f5) >>> 0;
    let r = Math.imul(t ^ (t >>> 15), 1 | t);
    r = (r + Math.imul(r ^ (r >>> 7), 61 | r)) ^ r;
    return ((r ^ (r >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Exactly 2^k staked uids with ONE/2^k each (T = ONE, u = a exactly), so that cumulative stakes
 * land exactly on minority = T - kappa for dyadic kappa: the median's strict/non-strict edges.
 */
const dyadicStake = (n: number) =>
  fc
    .integer({ min: 0, max: Math.max(0, Math.floor(Math.log2(Math.max(n, 1)))) })
    .chain((k) => fc.shuffledSubarray(Array.from({ length: n }, (_, i) => i), { minLength: Math.min(n, 2 ** k), maxLength: Math.min(n, 2 ** k) }))
    .map((staked) => {
      const a = new Array<bigint>(n).fill(0n);
      for (const i of staked) a[i] = ONE / BigInt(staked.length);
      return a;
    });

/** normalized active stake with every uid staked (so every row takes part in the median) */
const positiveStake = (n: number) =>
  vec(n, fc.bigInt({ min: 1n, max: ONE })).map((v) => {
    const S = v.reduce((s, x) => s + x, 0n);
    return v.map((x) => ref.divF(x, S));
  });

interface Csr<T> {
  rowPtr: number[];
  col: number[];
  val: T[];
}
/** Rows whose columns are w's and b's together: b's value where b has one, else one from w's. */
function coveringRows(n: number, w: Csr<bigint>, b: Csr<number>): Csr<number> {
  const rowPtr = [0], col: number[] = [], val: number[] = [];
  for (let i = 0; i < n; i++) {
    const row = new Map<number, number>();
    for (let q = w.rowPtr[i]!; q < w.rowPtr[i + 1]!; q++) row.set(w.col[q]!, Number(w.val[q]! % 65536n));
    for (let q = b.rowPtr[i]!; q < b.rowPtr[i + 1]!; q++) row.set(b.col[q]!, b.val[q]!);
    for (const j of [...row.keys()].sort((x, y) => x - y)) {
      col.push(j);
      val.push(row.get(j)!);
    }
    rowPtr.push(col.length);
  }
  return { rowPtr, col, val };
}

/** Every non-empty row of c over all n columns (its own values first, then theirs again). */
function denseRows<T>(n: number, c: Csr<T>): Csr<T> {
  const rowPtr = [0], col: number[] = [], val: T[] = [];
  for (let i = 0; i < n; i++) {
    const own = c.val.slice(c.rowPtr[i]!, c.rowPtr[i + 1]!);
    if (own.length > 0) for (let j = 0; j < n; j++) { col.push(j); val.push(own[j % own.length]!); }
    rowPtr.push(col.length);
  }
  return { rowPtr, col, val };
}

/** n rows over n columns, ascending distinct columns per row; empty rows and empty columns likely. */
function csr<T>(n: number, value: fc.Arbitrary<T>): fc.Arbitrary<Csr<T>> {
  const cols = Array.from({ length: n }, (_, j) => j);
  const rowArb = fc.oneof(
    { weight: 1, arbitrary: fc.constant<number[]>([]) },
    { weight: 2, arbitrary: fc.subarray(cols, { maxLength: Math.min(n, 3) }) },
    { weight: 3, arbitrary: fc.subarray(cols) },
    { weight: 1, arbitrary: fc.constant(cols) },
  );
  return vec(n, rowArb).chain((rows) => {
    const nnz = rows.reduce((s, r) => s + r.length, 0);
    return vec(nnz, value).map((val) => {
      const rowPtr = [0];
      for (const r of rows) rowPtr.push(rowPtr[rowPtr.length - 1]! + r.length);
      return { rowPtr, col: rows.flat(), val };
    });
  });
}

// ---------------------------------------------------------------------------------------
// harness: the same inputs into both kernel sets, outputs (read back after the call) compared

type Read<L extends Layout> = (m: Bufs<L>, ret: number) => Record<string, unknown>;
function sameOnBoth<L extends Layout>(
  layout: L,
  fill: (m: Bufs<L>) => void,
  call: (k: Kernels, m: Bufs<L>) => number | void,
  read: Read<L>,
): void {
  const [w, r] = [WASM, REF].map((k) => {
    const m = k.alloc(layout); // fresh views over this kernel set's memory: fill after alloc
    fill(m);
    const ret = call(k, m) ?? -1;
    return { ret, ...read(m, ret) };
  });
  expect(w, 'wasm (left) vs reference (right)').toEqual(r);
}

const head = (v: ArrayLike<number | bigint>, len: number) => Array.from(v).slice(0, len);
const csrLayout = <K extends 'i64' | 'u16'>(n: number, nnz: number, valKind: K) =>
  ({ rowPtr: ['u32', n + 1], col: ['u32', nnz], val: [valKind, nnz] }) as const;
const fillCsr = (m: { rowPtr: { view: Uint32Array }; col: { view: Uint32Array } }, c: Csr<unknown>) => {
  m.rowPtr.view.set(c.rowPtr);
  m.col.view.set(c.col);
};
/** The plain (wrapping) column sums of a CSR's entries: what the EMA kernels hand the dividends. */
const columnSums = (n: number, c: Csr<bigint>) => {
  const s = new BigInt64Array(n);
  c.col.forEach((j, q) => (s[j] = s[j]! + c.val[q]!)); // a BigInt64Array store wraps as the i64 sum does
  return s;
};
/** the output CSR as far as the kernel wrote it */
const readOut = (m: { outPtr: { view: Uint32Array }; outCol: { view: Uint32Array }; outVal: { view: BigInt64Array } }, n: number, nnz: number) => ({
  outPtr: head(m.outPtr.view, n + 1),
  outCol: head(m.outCol.view, nnz),
  outVal: head(m.outVal.view, nnz),
});
const property = <T>(arb: fc.Arbitrary<T>, check: (t: T) => void, numRuns = RUNS, shrink = true) =>
  fc.assert(fc.property(arb, check), { numRuns, endOnFailure: !shrink });

// ---------------------------------------------------------------------------------------

describe('exact divisions without a 128-bit or per-entry division (a row sum\'s reciprocal, the sigmoid\'s 1 / s) == BigInt', () => {
  const { quotShift32 } = fixedPoint();
  const U32_MAX = (1n << 32n) - 1n;
  const floorDiv = (a: bigint, d: bigint) => (a << 32n) / d;
  const numerator = fc.oneof(
    fc.bigInt({ min: 0n, max: U32_MAX }),
    fc.bigInt({ min: 0n, max: 65535n }),
    fc.bigInt({ min: U32_MAX - 4096n, max: U32_MAX }),
    fc.constantFrom(0n, 1n, 2n, 65535n, 1n << 31n, U32_MAX),
  );
  const divisor = fc.oneof(
    fc.bigInt({ min: 1n, max: U64_MAX }),
    fc.bigInt({ min: 1n, max: 1n << 33n }),
    fc.bigInt({ min: 1n, max: 4096n }),
    fc.integer({ min: 0, max: 63 }).map((e) => 1n << BigInt(e)),
    fc.integer({ min: 1, max: 63 }).chain((e) => fc.constantFrom((1n << BigInt(e)) - 1n, (1n << BigInt(e)) + 1n)),
    fc.constantFrom(1n, 2n, 3n, 65535n, 65537n, U32_MAX, 1n << 32n, U64_MAX, U64_MAX - 1n),
  );
  it('arbitrary numerators below 2^32 over arbitrary divisors (divisor 1, powers of two, 2^64 - 1)', () =>
    fc.assert(fc.property(numerator, divisor, (a, d) => quotShift32(a, d) === floorDiv(a, d)), { numRuns: 20000 }));
  it('numerators at and next to exact multiples of the divisor (quotient estimate one short)', () =>
    fc.assert(
      fc.property(divisor, fc.bigInt({ min: 0n, max: U32_MAX }), fc.constantFrom(-1n, 0n, 1n), (d, q, e) => {
        // a * 2^32 near q * d: a = ceil(q * d / 2^32) + e, kept below 2^32
        const a = ((q * d + U32_MAX) >> 32n) + e;
        fc.pre(a >= 0n && a <= U32_MAX);
        return quotShift32(a, d) === floorDiv(a, d);
      }),
      { numRuns: 20000 },
    ));
  it('two at a time (quotBy2): both lanes over every divisor a weight row sum can be (1 .. 2^31 - 1)', () => {
    const { quotShift32Pair } = fixedPoint();
    const rowSum = fc.oneof(
      fc.bigInt({ min: 1n, max: (1n << 31n) - 1n }),
      fc.bigInt({ min: 1n, max: 4096n }),
      fc.integer({ min: 1, max: 30 }).chain((e) => fc.constantFrom((1n << BigInt(e)) - 1n, 1n << BigInt(e), (1n << BigInt(e)) + 1n)),
      fc.constantFrom(1n, 2n, 3n, 65535n, 65537n, (1n << 31n) - 1n),
    );
    fc.assert(
      fc.property(numerator, numerator, rowSum, (a, b, d) => quotShift32Pair(a, b, d) === floorDiv(a, d)),
      { numRuns: 20000 },
    );
    fc.assert(
      fc.property(rowSum, fc.bigInt({ min: 0n, max: U32_MAX }), fc.constantFrom(-1n, 0n, 1n), (d, q, e) => {
        const a = ((q * d + U32_MAX) >> 32n) + e; // a * 2^32 next to a multiple of d
        fc.pre(a >= 0n && a <= U32_MAX);
        return quotShift32Pair(a, a, d) === floorDiv(a, d) && quotShift32Pair(0n, a, d) === 0n;
      }),
      { numRuns: 20000 },
    );
  });
  it('oneOver(s) == divF(ONE, s) for every s (the sigmoid\'s 1 / (1 + e^x))', () => {
    const { oneOver } = fixedPoint();
    const s = fc.oneof(
      fc.bigInt({ min: I64_MIN, max: I64_MAX }),
      fc.bigInt({ min: ONE - 4096n, max: 2n * ONE }),
      fc.bigInt({ min: ONE, max: 1n << 40n }),
      fc.integer({ min: 0, max: 62 }).chain((e) => fc.constantFrom((1n << BigInt(e)) - 1n, 1n << BigInt(e), (1n << BigInt(e)) + 1n)),
      fc.constantFrom(0n, 1n, -1n, ONE, ONE + 1n, I64_MAX, I64_MIN),
    );
    fc.assert(fc.property(s, (x) => oneOver(x) === ref.divF(ONE, x)), { numRuns: 20000 });
  });
  it('every u16 numerator over the row sums a weight row can have (1 .. 2^31 - 1, edges)', () => {
    for (const d of [1n, 2n, 3n, 7n, 255n, 65535n, 65536n, 65537n, 1n << 20n, 16777213n, (1n << 31n) - 1n]) {
      for (let a = 0n; a <= 65535n; a += a < 256n ? 1n : 97n) expect(quotShift32(a, d), `${a} / ${d}`).toBe(floorDiv(a, d));
      expect(quotShift32(65535n, d)).toBe(floorDiv(65535n, d));
    }
  });
});

describe('WASM kernels == reference kernels', () => {
  it('normalize (proportions and arbitrary i64, wrapping sum)', () =>
    property(
      size.chain((n) => fc.record({ n: fc.constant(n), v: fc.oneof(stakeVec(n), vec(n, anyI64)) })),
      ({ n, v }) =>
        sameOnBoth(
          { v: ['i64', n] } as const,
          (m) => m.v.view.set(v),
          (k, m) => k.normalize(m.v, n),
          (m) => ({ v: head(m.v.view, n) }),
        ),
      1000,
    ));

  it('prepareWeights (permit, diagonal, outdated, commit-reveal masks; row normalize)', () =>
    property(
      size.chain((n) =>
        fc.record({
          n: fc.constant(n),
          w: csr(n, u16),
          forbid: vec(n, fc.oneof(fc.constant(0), flag)),
          lastUpdate: vec(n, fc.oneof(fc.integer({ min: 0, max: 6 }), fc.constant(2 ** 53 - 1))),
          registered: vec(n, fc.oneof(fc.integer({ min: 0, max: 6 }), fc.constant(0))),
          commit: fc.option(vec(n, fc.oneof(fc.constant(Infinity), fc.integer({ min: 0, max: 6 })))),
          owner: n === 0 ? fc.constant(-1) : fc.oneof(fc.constant(-1), fc.integer({ min: 0, max: n - 1 })),
        }),
      ),
      ({ n, w, forbid, lastUpdate, registered, commit, owner }) => {
        const nnz = w.col.length;
        sameOnBoth(
          {
            ...csrLayout(n, nnz, 'u16'),
            forbid: ['u8', n], lastUpdate: ['f64', n], registered: ['f64', n], commit: ['f64', n],
            outPtr: ['u32', n + 1], outCol: ['u32', nnz], outVal: ['i64', nnz],
          } as const,
          (m) => {
            fillCsr(m, w);
            m.val.view.set(w.val);
            m.forbid.view.set(forbid);
            m.lastUpdate.view.set(lastUpdate);
            m.registered.view.set(registered);
            if (commit) m.commit.view.set(commit);
          },
          (k, m) =>
            k.prepareWeights(
              n, m.rowPtr, m.col, m.val, m.forbid, m.lastUpdate, m.registered, commit ? m.commit : null, owner,
              m.outPtr, m.outCol, m.outVal,
            ),
          (m, ret) => readOut(m, n, ret),
        );
      },
    ));

  const kappaArb = fc.oneof(
    u16.map(u16p),
    fc.bigInt({ min: 0n, max: ONE }),
    fc.constantFrom(0n, 1n, ONE - 1n, ONE, ONE + 1n, 0x7fff7fffn),
    fc.integer({ min: 0, max: 32 }).map((q) => (BigInt(q) * ONE) / 32n), // dyadic: exact ties with cumulative stake
  );

  /** consensus inputs a, C and its scratch (sized as kernels.ts documents) */
  const medianLayout = (n: number) =>
    ({
      a: ['i64', n], C: ['i64', n], u: ['i64', n], colPtr: ['u32', n + 1], cursor: ['u32', n],
      score: ['i64', MEDIAN_SCRATCH(n)], weight: ['i64', MEDIAN_SCRATCH(n)], hist: ['i64', 256],
    }) as const;
  const callConsensus = (
    k: Kernels, m: Bufs<ReturnType<typeof medianLayout> & ReturnType<typeof csrLayout<'i64'>>>, n: number, kappa: bigint,
  ) => k.consensus(n, m.rowPtr, m.col, m.val, m.a, kappa, m.u, m.colPtr, m.cursor, m.score, m.weight, m.hist, m.C, null, null);

  /** W rows full or nearly so (consensus' dense path), with normalized stake */
  const denseConsensusCase = (value: fc.Arbitrary<bigint>) =>
    fc.integer({ min: 1, max: N_MAX }).chain((n) =>
      fc.record({
        n: fc.constant(n),
        w: fc.tuple(csr(n, value), fc.boolean()).map(([c, full]) => (full ? denseRows(n, c) : c)),
        // normalized stake (unstaked rows with entries lie outside the median's runs), or every uid staked
        a: fc.oneof(activeStake(n), positiveStake(n)),
        kappa: kappaArb,
      }),
    );
  const clipLayout = (n: number, nnz: number) => ({ ...csrLayout(n, nnz, 'i64'), ...medianLayout(n), VT: ['i64', n], R: ['i64', n] }) as const;
  /** consensus asked for clip's sums; clip after it where it did not do them */
  const consensusThenClip = (k: Kernels, m: Bufs<ReturnType<typeof clipLayout>>, n: number, kappa: bigint, fuse: boolean): number => {
    const did = k.consensus(
      n, m.rowPtr, m.col, m.val, m.a, kappa, m.u, m.colPtr, m.cursor, m.score, m.weight, m.hist, m.C, fuse ? m.VT : null, fuse ? m.R : null,
    );
    if (!did) k.clip(n, m.rowPtr, m.col, m.val, m.C, m.a, 0n, m.VT, m.R, null, null, null);
    return did;
  };

  it("consensus given VT and R: on a dense matrix also clip's sums, equal to consensus then clip", () => {
    let fused = 0;
    property(
      // weights as the pipeline has them, and now and then past ONE (consensus past 2^32: no lanes)
      denseConsensusCase(fc.oneof({ weight: 12, arbitrary: frac }, { weight: 1, arbitrary: fc.bigInt({ min: ONE, max: 3n * ONE }) })),
      ({ n, w, a, kappa }) =>
        sameOnBoth(
          clipLayout(n, w.col.length),
          (m) => {
            fillCsr(m, w);
            m.val.view.set(w.val);
            m.a.view.set(a);
          },
          (k, m) => {
            const did = consensusThenClip(k, m, n, kappa, true);
            if (k === WASM) fused += did;
          },
          (m) => ({ C: head(m.C.view, n), VT: head(m.VT.view, n), R: head(m.R.view, n) }),
        ),
      400,
    );
    expect(fused, 'runs where the kernel did clip itself').toBeGreaterThan(0);
  });

  it('consensus given VT and R, any entries (negative ones too, where it leaves clip to clip): the same C, VT and R as without', () =>
    property(denseConsensusCase(fc.oneof({ weight: 12, arbitrary: frac }, { weight: 1, arbitrary: anyI64 })), ({ n, w, a, kappa }) => {
      const [fusedTry, plain] = [true, false].map((fuse) => {
        const m = WASM.alloc(clipLayout(n, w.col.length));
        fillCsr(m, w);
        m.val.view.set(w.val);
        m.a.view.set(a);
        consensusThenClip(WASM, m, n, kappa, fuse);
        return { C: head(m.C.view, n), VT: head(m.VT.view, n), R: head(m.R.view, n) };
      });
      expect(fusedTry).toEqual(plain);
    }));

  it('consensus (quickselect median vs the WASM kernel)', () =>
    property(
      size.chain((n) =>
        fc.record({
          n: fc.constant(n),
          w: csr(n, frac),
          a: fc.oneof(activeStake(n), dyadicStake(n)),
          kappa: kappaArb,
        }),
      ),
      ({ n, w, a, kappa }) => {
        const nnz = w.col.length;
        sameOnBoth(
          {
            ...csrLayout(n, nnz, 'i64'),
            ...medianLayout(n),
          } as const,
          (m) => {
            fillCsr(m, w);
            m.val.view.set(w.val);
            m.a.view.set(a);
          },
          (k, m) => callConsensus(k, m, n, kappa),
          (m) => ({ C: head(m.C.view, n) }),
        );
      },
      600,
    ));

  it('consensus: every U row holds a positive entry, kappa 65535 (smallest positive score)', () =>
    property(
      fc.oneof(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 40, max: 64 })).chain((n) =>
        fc.record({
          n: fc.constant(n),
          vals: vec(n * n, fc.bigInt({ min: 1n, max: 8n })),
          a: fc.oneof(activeStake(n), positiveStake(n)),
          kappa: fc.constantFrom(u16p(65535), u16p(65534), u16p(32767), 0n),
        }),
      ),
      ({ n, vals, a, kappa }) => {
        const rowPtr = Array.from({ length: n + 1 }, (_, i) => i * n);
        const col = Array.from({ length: n * n }, (_, q) => q % n);
        sameOnBoth(
          {
            ...csrLayout(n, n * n, 'i64'),
            ...medianLayout(n),
          } as const,
          (m) => {
            m.rowPtr.view.set(rowPtr);
            m.col.view.set(col);
            m.val.view.set(vals);
            m.a.view.set(a);
          },
          (k, m) => callConsensus(k, m, n, kappa),
          (m) => ({ C: head(m.C.view, n) }),
        );
      },
      RUNS,
      false, // no shrinking (slow on 64x64 data); the regression test below is the minimal case
    ));

  it('consensus: the worked example of yuma.md 3 (4 validators, u = ONE/4, scores 0.1..0.4)', () => {
    const scores = [ONE / 10n, ONE / 5n, (3n * ONE) / 10n, (2n * ONE) / 5n];
    const table: [number, bigint][] = [
      [0, scores[3]!], [16383, scores[3]!], [32767, scores[2]!], [32768, scores[1]!], [49151, scores[1]!], [65535, scores[0]!],
    ];
    // column 0 gets the scores in a shuffled row order; kappa = ONE/2 exactly: Cum(0.2) == minority -> 0.3
    const rows = [2, 0, 3, 1];
    const cases: [bigint, bigint][] = [...table.map(([k, want]) => [u16p(k), want] as [bigint, bigint]), [ONE / 2n, scores[2]!]];
    for (const [kappa, want] of cases) {
      const n = 4;
      const layout = { ...csrLayout(n, n, 'i64'), ...medianLayout(n) } as const;
      const fill = (m: Bufs<typeof layout>) => {
        for (let i = 0; i <= n; i++) m.rowPtr.view[i] = i;
        m.col.view.fill(0);
        m.val.view.set(rows.map((r) => scores[r]!));
        m.a.view.fill(ONE / 4n);
      };
      for (const k of [WASM, REF]) {
        const m = k.alloc(layout);
        fill(m);
        callConsensus(k, m, n, kappa);
        expect(m.C.view[0], `${k.name} kappa ${kappa}`).toBe(want);
      }
    }
  });

  it('consensus regression: 48 equal validators, scores 1..48, kappa 65535 -> smallest score', () => {
    // yuma.md 3.4: with every U row holding a positive entry, 0 is never the answer even when
    // minority = T - kappa < 0 (here T = 4294967280, minority = -16); the median is the smallest score.
    for (const n of [47, 48, 64, 100]) {
      const w: Csr<bigint> = { rowPtr: [], col: [], val: [] };
      for (let i = 0; i <= n; i++) w.rowPtr.push(i);
      for (let i = 0; i < n; i++) {
        w.col.push(0);
        w.val.push(BigInt(i + 1));
      }
      const a = new Array<bigint>(n).fill(ref.divF(1n, BigInt(n))); // normalize of n equal stakes
      const kappa = u16p(65535);
      sameOnBoth(
        { ...csrLayout(n, n, 'i64'), ...medianLayout(n) } as const,
        (m) => {
          fillCsr(m, w);
          m.val.view.set(w.val);
          m.a.view.set(a);
        },
        (k, m) => callConsensus(k, m, n, kappa),
        (m) => ({ n, C0: m.C.view[0] }),
      );
      const m = REF.alloc({ ...csrLayout(n, n, 'i64'), ...medianLayout(n) } as const);
      fillCsr(m, w);
      m.val.view.set(w.val);
      m.a.view.set(a);
      callConsensus(REF, m, n, kappa);
      expect(m.C.view[0]).toBe(1n);
    }
  });

  it('consensus on larger columns (48+ entries per column, 256+ for the 8-bit radix; nnz beyond one MEDIAN_SCRATCH block)', () =>
    property(
      fc.oneof(fc.integer({ min: 41, max: 100 }), fc.integer({ min: 129, max: 320 })).chain((n) =>
        fc.record({
          n: fc.constant(n),
          density: fc.constantFrom(0.3, 0.7, 1),
          seed: fc.integer(),
          pool: fc.array(frac, { minLength: 1, maxLength: 12 }),
          a: fc.oneof(activeStake(n), positiveStake(n)),
          kappa: kappaArb,
        }),
      ),
      ({ n, density, seed, pool, a, kappa }) => {
        // a cheap deterministic sparse pattern (fast-check shrinking on 60k entries would be slow)
        const rnd = mulberry32(seed);
        const w: Csr<bigint> = { rowPtr: [0], col: [], val: [] };
        for (let i = 0; i < n; i++) {
          for (let j = 0; j < n; j++) {
            if (rnd() < density) {
              w.col.push(j);
              w.val.push(rnd() < 0.5 ? pool[Math.floor(rnd() * pool.length)]! : BigInt(Math.floor(rnd() * 2 ** 32)));
            }
          }
          w.rowPtr.push(w.col.length);
        }
        const nnz = w.col.length;
        sameOnBoth(
          { ...csrLayout(n, nnz, 'i64'), ...medianLayout(n) } as const,
          (m) => {
            fillCsr(m, w);
            m.val.view.set(w.val);
            m.a.view.set(a);
          },
          (k, m) => callConsensus(k, m, n, kappa),
          (m) => ({ C: head(m.C.view, n) }),
        );
      },
      32,
      false, // no shrinking: the data comes from the seed, and a failing case is already printed
    ));

  it('consensus on dense matrices (one column at a time): full rows, rows short of a few columns, empty staked rows; whole and split column ranges', async () => {
    const { newSharedMemory, sharedKernels, SHARED_DATA_START } = await import('../src/engine/wasm.js');
    const shared = sharedKernels(newSharedMemory());
    property(
      fc.oneof(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 40, max: 90 })).chain((n) =>
        fc.record({
          n: fc.constant(n),
          seed: fc.integer(),
          // the share of entries a row lacks (0: full rows); 0.55 crosses the dense threshold
          missing: fc.constantFrom(0, 0.02, 0.2, 0.55),
          pool: fc.array(frac, { minLength: 1, maxLength: 6 }),
          a: fc.oneof(activeStake(n), positiveStake(n), dyadicStake(n)),
          kappa: kappaArb,
          cut: fc.double({ min: 0, max: 1, noNaN: true }),
        }),
      ),
      ({ n, seed, missing, pool, a, kappa, cut }) => {
        const rnd = mulberry32(seed);
        const w: Csr<bigint> = { rowPtr: [0], col: [], val: [] };
        for (let i = 0; i < n; i++) {
          const shape = rnd();
          for (let j = 0; j < n; j++) {
            if (shape < 0.1) break; // an empty row
            if (shape < 0.3 && j === i) continue; // full but for its own column (the weights' mask)
            if (shape >= 0.3 && rnd() < missing) continue;
            w.col.push(j);
            const r = rnd();
            w.val.push(r < 0.1 ? 0n : r < 0.55 ? pool[Math.floor(rnd() * pool.length)]! : BigInt(Math.floor(rnd() * 2 ** 32)));
          }
          w.rowPtr.push(w.col.length);
        }
        const nnz = w.col.length;
        const layout = { ...csrLayout(n, nnz, 'i64'), ...medianLayout(n), out: ['i64', 3] } as const;
        const fill = (m: Bufs<typeof layout>) => {
          fillCsr(m, w);
          m.val.view.set(w.val);
          m.a.view.set(a);
        };
        sameOnBoth(layout, fill, (k, m) => callConsensus(k, m, n, kappa), (m) => ({ C: head(m.C.view, n) }));
        // the split epoch's binding: consensusColumns over [0, j) and [j, n) gives the same C
        const whole = REF.alloc(layout);
        fill(whole);
        callConsensus(REF, whole, n, kappa);
        const m = shared.kernelsFrom(SHARED_DATA_START).alloc(layout);
        fill(m);
        shared.range.consensusStakeInto(n, m.a.ptr, kappa, m.u.ptr, m.out.ptr);
        const [T, minority, countU] = m.out.view;
        const j = Math.floor(cut * n);
        for (const [j0, j1] of [[0, j], [j, n]] as const) {
          shared.range.consensusColumns(
            n, j0, j1, m.rowPtr.ptr, m.col.ptr, m.val.ptr, m.u.ptr, T!, minority!, Number(countU),
            m.colPtr.ptr, m.cursor.ptr, m.score.ptr, m.weight.ptr, m.hist.ptr, m.C.ptr,
          );
        }
        expect(head(m.C.view, n), `split at column ${j}`).toEqual(head(whole.C.view, n));
      },
      120,
      false, // no shrinking: the data comes from the seed, and a failing case is already printed
    );
  });

  it('clip (Wc, VT, R, Wb for beta 0 / ONE / in between)', () =>
    property(
      size.chain((n) =>
        fc.record({
          n: fc.constant(n),
          w: csr(n, frac),
          C: vec(n, frac),
          a: stakeVec(n),
          beta: fc.oneof(fc.constantFrom(0n, ONE, 1n, ONE - 1n), u16.map(u16p), fc.bigInt({ min: 0n, max: ONE })),
        }),
      ),
      ({ n, w, C, a, beta }) => {
        const nnz = w.col.length;
        sameOnBoth(
          {
            ...csrLayout(n, nnz, 'i64'),
            C: ['i64', n], a: ['i64', n], VT: ['i64', n], R: ['i64', n],
            outPtr: ['u32', n + 1], outCol: ['u32', nnz], outVal: ['i64', nnz],
          } as const,
          (m) => {
            fillCsr(m, w);
            m.val.view.set(w.val);
            m.C.view.set(C);
            m.a.view.set(a);
          },
          (k, m) => k.clip(n, m.rowPtr, m.col, m.val, m.C, m.a, beta, m.VT, m.R, m.outPtr, m.outCol, m.outVal),
          (m, ret) => ({
            VT: head(m.VT.view, n),
            R: head(m.R.view, n),
            ...(beta === 0n ? {} : readOut(m, n, ret)), // beta == 0: Wb is W, nothing written
          }),
        );
      },
      600,
    ));

  it('clip without Wb (out buffers null): VT and R only, W\'s nnz returned', () =>
    property(
      size.chain((n) =>
        fc.record({ n: fc.constant(n), w: csr(n, frac), C: vec(n, frac), a: stakeVec(n), beta: fc.bigInt({ min: 0n, max: ONE }) }),
      ),
      ({ n, w, C, a, beta }) =>
        sameOnBoth(
          { ...csrLayout(n, w.col.length, 'i64'), C: ['i64', n], a: ['i64', n], VT: ['i64', n], R: ['i64', n] } as const,
          (m) => {
            fillCsr(m, w);
            m.val.view.set(w.val);
            m.C.view.set(C);
            m.a.view.set(a);
          },
          (k, m) => {
            const ret = k.clip(n, m.rowPtr, m.col, m.val, m.C, m.a, beta, m.VT, m.R, null, null, null);
            expect(ret).toBe(w.col.length);
            return ret;
          },
          (m) => ({ VT: head(m.VT.view, n), R: head(m.R.view, n) }),
        ),
    ));

  it('emaOriginal (Wb, B, both colnorms and the EMA on the fly), then emaDividends with the stored u16 == the spec\'s sequence of matrices', () =>
    property(
      size.chain((n) =>
        fc.record({
          n: fc.constant(n),
          // kept zeros, entries above and below consensus, zero consensus columns (and, rarely,
          // entries past ONE, which no weights stage hands on)
          w: csr(n, fc.oneof(
            { weight: 8, arbitrary: frac }, { weight: 2, arbitrary: fc.constant(0n) },
            { weight: 1, arbitrary: fc.bigInt({ min: ONE + 1n, max: 3n * ONE }) },
          )),
          C: vec(n, fc.oneof({ weight: 3, arbitrary: frac }, { weight: 1, arbitrary: fc.constant(0n) })),
          a: stakeVec(n),
          beta: fc.oneof(fc.constantFrom(0n, ONE, 1n, ONE - 1n), u16.map(u16p)),
          b: csr(n, u16),
          // the bond rows: their own pattern, or covering W's (W's columns and b's), as bonds
          // grown from these weights do
          cover: fc.boolean(),
          recent: vec(n, flag),
          alpha: fc.oneof(fc.constantFrom(0n, ONE, 429496730n, ONE - 1n), fc.bigInt({ min: -ONE, max: 2n * ONE })),
          ready1: fc.boolean(),
          I: stakeVec(n),
        }),
      ),
      ({ n, w, C, a, beta, b: own, cover, recent, alpha, ready1, I }) => {
        const b = cover ? coveringRows(n, w, own) : own;
        const nnzW = w.col.length;
        const nnzB = b.col.length;
        sameOnBoth(
          {
            ...csrLayout(n, nnzW, 'i64'), C: ['i64', n], a: ['i64', n],
            bPtr: ['u32', n + 1], bCol: ['u32', nnzB], bVal: ['u16', nnzB], recent: ['u8', n],
            outPtr: ['u32', n + 1], outCol: ['u32', nnzW + nnzB], outVal: ['i64', nnzW + nnzB],
            colSum: ['i64', n], colMax: ['i64', n], sumD: ['i64', n], sumB: ['i64', n], VT: ['i64', n],
            I: ['i64', n], div: ['i64', n], u16: ['u16', nnzW + nnzB], emaColMax: ['i64', n],
          } as const,
          (m) => {
            fillCsr(m, w);
            m.val.view.set(w.val);
            m.C.view.set(C);
            m.a.view.set(a);
            m.bPtr.view.set(b.rowPtr);
            m.bCol.view.set(b.col);
            m.bVal.view.set(b.val);
            m.recent.view.set(recent);
            m.I.view.set(I);
          },
          (k, m) => {
            // beta == ONE: also the epoch's shortcut, sumD handed in as clip's ranks
            const ready = beta === ONE && ready1;
            if (ready) k.clip(n, m.rowPtr, m.col, m.val, m.C, m.a, beta, m.VT, m.sumD, null, null, null);
            // the hint that W lies in [0, ONE], given where it is true (the walk then checks no entry)
            const wInRange = w.val.every((v) => v >= 0n && v <= ONE);
            const nnz = k.emaOriginal(
              n, m.rowPtr, m.col, m.val, m.C, m.a, beta, m.bPtr, m.bCol, m.bVal, m.recent, alpha,
              m.outPtr, m.outCol, m.outVal, m.colSum, m.colMax, m.sumD, m.sumB, ready, wInRange,
            );
            m.emaColMax.view.set(m.colMax.view);
            // the reference takes the spec's order (normalize, column maxima of N, upscale);
            // WASM the maxima of N from the EMA's and one pass
            k.emaDividends(n, m.outPtr, m.outCol, m.outVal, m.colSum, m.I, m.div, m.colMax, m.u16);
            return nnz;
          },
          (m, ret) => ({
            ...readOut(m, n, ret), colSum: head(m.colSum.view, n), emaColMax: head(m.emaColMax.view, n),
            div: head(m.div.view, n), colMax: head(m.colMax.view, n), u16: head(m.u16.view, ret),
          }),
        );
      },
      400,
    ));

  it('loadBonds (integer or proportion, recent columns dropped)', () =>
    property(
      size.chain((n) =>
        fc.record({ n: fc.constant(n), b: csr(n, u16), recent: vec(n, flag), proportion: fc.boolean() }),
      ),
      ({ n, b, recent, proportion }) => {
        const nnz = b.col.length;
        sameOnBoth(
          {
            ...csrLayout(n, nnz, 'u16'),
            recent: ['u8', n], outPtr: ['u32', n + 1], outCol: ['u32', nnz], outVal: ['i64', nnz],
            colSum: ['i64', n],
          } as const,
          (m) => {
            fillCsr(m, b);
            m.val.view.set(b.val);
            m.recent.view.set(recent);
          },
          (k, m) =>
            k.loadBonds(n, m.rowPtr, m.col, m.val, m.recent, proportion, m.outPtr, m.outCol, m.outVal, m.colSum),
          (m, ret) => ({ ...readOut(m, n, ret), colSum: head(m.colSum.view, n) }),
        );
      },
    ));

  it('colnorm (in place and into another buffer)', () =>
    property(
      size.chain((n) =>
        fc.record({
          n: fc.constant(n),
          m: csr(n, divisible),
          inPlace: fc.boolean(),
        }),
      ),
      ({ n, m: c, inPlace }) => {
        const nnz = c.col.length;
        sameOnBoth(
          { ...csrLayout(n, nnz, 'i64'), out: ['i64', nnz], sums: ['i64', n] } as const,
          (m) => {
            fillCsr(m, c);
            m.val.view.set(c.val);
          },
          (k, m) => k.colnorm(n, nnz, m.col, m.val, inPlace ? m.val : m.out, m.sums),
          (m) => ({ out: head((inPlace ? m.val : m.out).view, nnz), val: head(m.val.view, nnz) }),
        );
      },
    ));

  it('colnorm on whole numbers only (original Yuma bonds: u16 * ONE, divided as integers)', () =>
    property(
      size.chain((n) =>
        fc.record({ n: fc.constant(n), m: csr(n, fc.integer({ min: 0, max: 65535 }).map((b) => BigInt(b) << 32n)) }),
      ),
      ({ n, m: c }) => {
        const nnz = c.col.length;
        sameOnBoth(
          { ...csrLayout(n, nnz, 'i64'), sums: ['i64', n] } as const,
          (m) => {
            fillCsr(m, c);
            m.val.view.set(c.val);
          },
          (k, m) => k.colnorm(n, nnz, m.col, m.val, m.val, m.sums),
          (m) => ({ val: head(m.val.view, nnz) }),
        );
      },
    ));

  it('divideColumns by the column sums equals colnorm', () =>
    property(
      size.chain((n) =>
        fc.record({ n: fc.constant(n), m: csr(n, divisible) }),
      ),
      ({ n, m: c }) => {
        const nnz = c.col.length;
        sameOnBoth(
          { ...csrLayout(n, nnz, 'i64'), out: ['i64', nnz], sums: ['i64', n], out2: ['i64', nnz], sums2: ['i64', n] } as const,
          (m) => {
            fillCsr(m, c);
            m.val.view.set(c.val);
            m.sums.view.set(columnSums(n, c));
          },
          (k, m) => {
            k.divideColumns(nnz, m.col, m.val, m.out, m.sums);
            k.colnorm(n, nnz, m.col, m.val, m.out2, m.sums2);
            expect(head(m.out.view, nnz)).toEqual(head(m.out2.view, nnz));
          },
          (m) => ({ out: head(m.out.view, nnz), sums: head(m.sums2.view, n) }),
        );
      },
    ));

  it('scaleRows', () =>
    property(
      size.chain((n) =>
        fc.record({
          n: fc.constant(n),
          m: csr(n, fc.oneof({ weight: 4, arbitrary: frac }, { weight: 1, arbitrary: anyI64 })),
          a: fc.oneof(stakeVec(n), vec(n, anyI64)),
        }),
      ),
      ({ n, m: c, a }) => {
        const nnz = c.col.length;
        sameOnBoth(
          { ...csrLayout(n, nnz, 'i64'), a: ['i64', n], out: ['i64', nnz], colSum: ['i64', n] } as const,
          (m) => {
            fillCsr(m, c);
            m.val.view.set(c.val);
            m.a.view.set(a);
          },
          (k, m) => k.scaleRows(n, m.rowPtr, m.col, m.val, m.a, m.out, m.colSum),
          (m) => ({ out: head(m.out.view, nnz), colSum: head(m.colSum.view, n) }),
        );
      },
    ));

  const emaLayout = (n: number, nnzNew: number, nnzOld: number) =>
    ({
      newPtr: ['u32', n + 1], newCol: ['u32', nnzNew], newVal: ['i64', nnzNew],
      oldPtr: ['u32', n + 1], oldCol: ['u32', nnzOld], oldVal: ['i64', nnzOld],
      outPtr: ['u32', n + 1], outCol: ['u32', nnzNew + nnzOld], outVal: ['i64', nnzNew + nnzOld],
      C: ['i64', n], colSum: ['i64', n],
    }) as const;
  type EmaBufs = Bufs<ReturnType<typeof emaLayout>>;
  const fillEma = (m: EmaBufs, nw: Csr<bigint>, old: Csr<bigint>) => {
    m.newPtr.view.set(nw.rowPtr);
    m.newCol.view.set(nw.col);
    m.newVal.view.set(nw.val);
    m.oldPtr.view.set(old.rowPtr);
    m.oldCol.view.set(old.col);
    m.oldVal.view.set(old.val);
  };

  it('emaFixed (union of patterns, keep > 0)', () =>
    property(
      size.chain((n) =>
        fc.record({
          n: fc.constant(n),
          alpha: fc.oneof(fc.constantFrom(0n, ONE, 429496730n, 1n, ONE - 1n), fc.bigInt({ min: 0n, max: ONE })),
          nw: csr(n, frac),
          old: csr(n, frac),
        }),
      ),
      ({ n, alpha, nw, old }) =>
        sameOnBoth(
          emaLayout(n, nw.col.length, old.col.length),
          (m) => fillEma(m, nw, old),
          (k, m) =>
            k.emaFixed(
              n, alpha, m.newPtr, m.newCol, m.newVal, m.oldPtr, m.oldCol, m.oldVal, m.outPtr, m.outCol, m.outVal, m.colSum,
            ),
          (m, ret) => ({ ...readOut(m, n, ret), colSum: head(m.colSum.view, n) }),
        ),
    ));

  it('emaLiquid (sigmoid alpha per Wb entry, lo > hi, negative steepness, kept zeros)', () =>
    property(
      size.chain((n) =>
        fc.record({
          n: fc.constant(n),
          C: vec(n, fc.oneof(fc.constant(0n), frac)),
          lo: u16,
          hi: u16,
          steep: fc.oneof(
            fc.integer({ min: -32768, max: 32767 }),
            fc.constantFrom(-32768, 32767, 0, 1000, -1000, 200, -200, 100, -100, 1, -1, 50, -50, 99, -99),
          ),
          // sometimes both sides from one small pool, so that w == b (the sigmoid's branch) happens
          pooled: fc.boolean(),
        }).chain((r) => {
          const pool = fc.constantFrom(0n, u16p(1), u16p(20000), u16p(32767), u16p(50000), u16p(65534));
          return fc.record({
            ...Object.fromEntries(Object.entries(r).map(([key, v]) => [key, fc.constant(v)])),
            nw: csr(r.n, r.pooled ? pool : frac),
            old: csr(r.n, r.pooled ? pool : u16.map(u16p)),
          }) as fc.Arbitrary<typeof r & { nw: Csr<bigint>; old: Csr<bigint> }>;
        }),
      ),
      ({ n, C, lo, hi, steep, nw, old }) =>
        sameOnBoth(
          emaLayout(n, nw.col.length, old.col.length),
          (m) => {
            fillEma(m, nw, old);
            m.C.view.set(C);
          },
          (k, m) =>
            k.emaLiquid(
              n, m.C, u16p(lo), u16p(hi), BigInt(steep) * ONE,
              m.newPtr, m.newCol, m.newVal, m.oldPtr, m.oldCol, m.oldVal, m.outPtr, m.outCol, m.outVal, m.colSum,
            ),
          (m, ret) => ({ ...readOut(m, n, ret), colSum: head(m.colSum.view, n) }),
        ),
      500,
    ));

  it('rowDotIncentive and yuma3Dividends', () =>
    property(
      size.chain((n) =>
        fc.record({
          n: fc.constant(n),
          m: csr(n, divisible),
          I: fc.oneof({ weight: 4, arbitrary: stakeVec(n) }, { weight: 1, arbitrary: vec(n, anyI64) }),
          a: fc.oneof({ weight: 4, arbitrary: stakeVec(n) }, { weight: 1, arbitrary: vec(n, anyI64) }),
        }),
      ),
      ({ n, m: c, I, a }) =>
        sameOnBoth(
          {
            ...csrLayout(n, c.col.length, 'i64'), I: ['i64', n], a: ['i64', n], dot: ['i64', n], div: ['i64', n],
            sums: ['i64', n],
          } as const,
          (m) => {
            fillCsr(m, c);
            m.val.view.set(c.val);
            m.I.view.set(I);
            m.a.view.set(a);
            m.sums.view.set(columnSums(n, c));
          },
          (k, m) => {
            k.rowDotIncentive(n, m.rowPtr, m.col, m.val, m.I, m.dot);
            k.yuma3Dividends(n, m.rowPtr, m.col, m.val, m.sums, m.I, m.a, m.div);
          },
          (m) => ({ dot: head(m.dot.view, n), div: head(m.div.view, n), val: head(m.val.view, c.col.length) }),
        ),
    ));

  /** emaDividends on both kernels for an EMA-like CSR c (entries > 0), its own column sums and maxima. */
  const emaDividendsOnBoth = (n: number, c: Csr<bigint>, I: bigint[], stored: boolean) => {
    const nnz = c.col.length;
    sameOnBoth(
      { ...csrLayout(n, nnz, 'i64'), I: ['i64', n], sums: ['i64', n], colMax: ['i64', n], div: ['i64', n], u16: ['u16', nnz] } as const,
      (m) => {
        fillCsr(m, c);
        m.val.view.set(c.val);
        m.I.view.set(I);
        m.colMax.view.fill(0n);
        c.col.forEach((j, q) => (m.colMax.view[j] = m.colMax.view[j]! > c.val[q]! ? m.colMax.view[j]! : c.val[q]!));
        m.u16.view.fill(7);
        m.sums.view.set(columnSums(n, c));
      },
      (k, m) => {
        k.emaDividends(n, m.rowPtr, m.col, m.val, m.sums, m.I, m.div, m.colMax, stored ? m.u16 : null);
      },
      (m) => ({
        div: head(m.div.view, n), colMax: head(m.colMax.view, n), u16: head(m.u16.view, nnz), val: head(m.val.view, nnz),
      }),
    );
  };

  it('emaDividends on EMA-like matrices (entries > 0, with their column sums and maxima; with and without the stored u16)', () =>
    property(
      size.chain((n) =>
        fc.record({
          n: fc.constant(n),
          // single-entry columns (N = ONE), ties, tiny entries, entries a little above ONE
          m: csr(n, fc.oneof(
            { weight: 4, arbitrary: fc.bigInt({ min: 1n, max: ONE }) },
            { weight: 2, arbitrary: fc.constantFrom(1n, 2n, ONE, ONE - 1n, ONE / 2n, ONE / 3n, 0x7fff7fffn) },
            { weight: 1, arbitrary: fc.bigInt({ min: 1n, max: 100n }) },
            { weight: 1, arbitrary: fc.bigInt({ min: ONE, max: 2n * ONE }) },
          )),
          I: fc.oneof({ weight: 4, arbitrary: stakeVec(n) }, { weight: 1, arbitrary: vec(n, anyI64) }),
          stored: fc.boolean(),
        }),
      ),
      ({ n, m: c, I, stored }) => emaDividendsOnBoth(n, c, I, stored),
    ));

  it('emaDividends with every entry and I_j below ONE (its walk without a check per entry) == the reference', () =>
    property(
      size.chain((n) =>
        fc.record({
          n: fc.constant(n),
          m: csr(n, fc.oneof(
            { weight: 4, arbitrary: fc.bigInt({ min: 1n, max: ONE - 1n }) },
            { weight: 1, arbitrary: fc.constantFrom(1n, 2n, ONE - 1n, ONE / 2n, ONE / 3n) },
          )),
          I: stakeVec(n),
        }),
      ),
      ({ n, m: c, I }) => {
        fc.pre(I.every((x) => x >= 0n && x < ONE));
        emaDividendsOnBoth(n, c, I, true);
      },
    ));

  it('colMaxUpscale (in place; all-zero and negative columns untouched)', () =>
    property(
      size.chain((n) =>
        fc.record({
          n: fc.constant(n),
          m: csr(n, fc.oneof({ weight: 5, arbitrary: divisible }, { weight: 1, arbitrary: fc.bigInt({ min: -ONE, max: 0n }) })),
        }),
      ),
      ({ n, m: c }) => {
        const nnz = c.col.length;
        sameOnBoth(
          { ...csrLayout(n, nnz, 'i64'), maxes: ['i64', n] } as const,
          (m) => {
            fillCsr(m, c);
            m.val.view.set(c.val);
          },
          (k, m) => k.colMaxUpscale(n, nnz, m.col, m.val, m.maxes),
          (m) => ({ val: head(m.val.view, nnz), maxes: head(m.maxes.view, n) }),
        );
      },
    ));

  it('combineStake (128-bit stake combine, threshold, owner, normalize; false past 2^62)', () => {
    const L62 = 1n << 62n;
    const rao = fc.oneof(
      fc.constantFrom(0n, 1n, L62 - 1n, (1n << 32n) - 1n, 1n << 32n),
      fc.bigInt({ min: 0n, max: 1n << 20n }),
      fc.bigInt({ min: 0n, max: 21_000_000n * 1_000_000_000n }),
      fc.bigInt({ min: 0n, max: L62 - 1n }),
    );
    property(
      size.chain((n) =>
        fc.record({
          n: fc.constant(n),
          alpha: fc.array(rao, { minLength: n, maxLength: n }),
          tao: fc.array(fc.oneof({ weight: 2, arbitrary: fc.constant(0n) }, { weight: 5, arbitrary: rao }), { minLength: n, maxLength: n }),
          // one stake past the limit now and then: then neither writes anything
          big: fc.oneof({ weight: 9, arbitrary: fc.constant(-1) }, { weight: 1, arbitrary: fc.integer({ min: 0, max: Math.max(0, 2 * n - 1) }) }),
          w32: fc.oneof(fc.constantFrom(0n, 226245882n, (1n << 32n) - 1n), fc.bigInt({ min: 0n, max: (1n << 32n) - 1n })),
          threshold: fc.oneof(fc.constantFrom(0n, 1000n, (1n << 64n) - 1n), rao),
          owner: fc.integer({ min: -1, max: Math.max(-1, n - 1) }),
        }),
      ),
      ({ n, alpha, tao, big, w32, threshold, owner }) => {
        const A = BigUint64Array.from(alpha);
        const T = BigUint64Array.from(tao);
        if (big >= 0 && n > 0) (big < n ? A : T)[big % n] = L62 + BigInt(big);
        sameOnBoth(
          { alpha: ['u64', n], tao: ['u64', n], raw: ['u64', n], stake: ['i64', n], th: ['u64', n], tl: ['u64', n] } as const,
          (m) => {
            m.alpha.view.set(A);
            m.tao.view.set(T);
            m.raw.view.fill(0n);
            m.stake.view.fill(0n);
          },
          (k, m) => Number(k.combineStake(n, m.alpha, m.tao, w32, threshold, owner, m.raw, m.stake, m.th, m.tl)),
          (m, ret) => (ret ? { raw: head(m.raw.view, n), stake: head(m.stake.view, n) } : {}),
        );
      },
    );
  });

  it('toU16Array', () =>
    property(
      fc.array(fc.oneof(anyI64, frac), { maxLength: 200 }),
      (v) =>
        sameOnBoth(
          { v: ['i64', v.length], out: ['u16', v.length] } as const,
          (m) => m.v.view.set(v),
          (k, m) => k.toU16Array(v.length, m.v, m.out),
          (m) => ({ out: head(m.out.view, v.length) }),
        ),
      1000,
    ));

  it('emission (shares of I + D, zero-emission fallbacks, rao up to u64 max)', () =>
    property(
      size.chain((n) =>
        fc.record({
          n: fc.constant(n),
          I: stakeVec(n),
          D: stakeVec(n),
          a: stakeVec(n),
          stake: stakeVec(n),
          rao: fc.oneof(
            fc.constantFrom(0n, 1n, 1_000_000_000n, U64_MAX, U64_MAX - 1n, 1n << 63n),
            fc.bigInt({ min: 0n, max: U64_MAX }),
            fc.bigInt({ min: 0n, max: 10n ** 12n }),
          ),
        }),
      ),
      ({ n, I, D, a, stake, rao }) =>
        sameOnBoth(
          {
            I: ['i64', n], D: ['i64', n], a: ['i64', n], stake: ['i64', n],
            server: ['u64', n], validator: ['u64', n], combined: ['u64', n],
          } as const,
          (m) => {
            m.I.view.set(I);
            m.D.view.set(D);
            m.a.view.set(a);
            m.stake.view.set(stake);
          },
          (k, m) => k.emission(n, m.I, m.D, m.a, m.stake, rao, m.server, m.validator, m.combined),
          (m) => ({ server: head(m.server.view, n), validator: head(m.validator.view, n), combined: head(m.combined.view, n) }),
        ),
      500,
    ));
});

// ---------------------------------------------------------------------------------------
// the whole epoch on the reference kernels against the golden vectors

const GOLDEN = fileURLToPath(new URL('./fixtures/golden/', import.meta.url));
function goldenCases(dir: string, maxN: number): { name: string; file: string }[] {
  const d = path.join(GOLDEN, dir);
  return fs
    .readdirSync(d)
    .filter((f) => f.endsWith('.input.json'))
    .sort()
    .map((f) => ({ name: f.replace('.input.json', ''), file: path.join(d, f) }))
    .filter(({ name }) => {
      const m = /_n(\d+)_/.exec(name);
      return !m || Number(m[1]) <= maxN;
    });
}

describe('runEpoch on the reference kernels matches the golden vectors', () => {
  const cases = [...goldenCases('edge', Infinity), ...goldenCases('random', 64)];
  it('found the golden cases', () => expect(cases.length).toBeGreaterThan(65));
  for (const { name, file } of cases) {
    it(name, () => {
      const input = parseEpochInput(readJsonFile(file), file);
      const expectedFile = file.replace('.input.json', '.expected.json');
      const expected = parseEpochOutput(readJsonFile(expectedFile), expectedFile);
      const got = runEpoch(input, { kernels: REF, trace: true });
      const mismatch = compareOutputs(expected, got);
      expect(mismatch && describeMismatch(mismatch)).toBeNull();
    });
  }
});

describe('the kernels\' declaration (kernel-exports.ts, generated from assembly/)', () => {
  // The compiler checks every binding against WasmExports; this checks WasmExports against the
  // modules actually built: the same exported functions, each with the declared parameter count.
  it.each([
    ['build/yuma.wasm', wasmModule, () => new WebAssembly.Memory({ initial: 1 })],
    ['build/yuma-shared.wasm', sharedWasmModule, () => new WebAssembly.Memory({ initial: 1, maximum: 65536, shared: true })],
  ] as const)('%s exports exactly the declared functions, with the declared arity', (_, module, memory) => {
    const exports = new WebAssembly.Instance(module(), { env: { memory: memory() } }).exports as Record<string, unknown>;
    const functions = WebAssembly.Module.exports(module()).filter((e) => e.kind === 'function').map((e) => e.name);
    expect(functions.sort()).toEqual(Object.keys(WASM_ARITY).sort());
    for (const [name, arity] of Object.entries(WASM_ARITY)) expect([name, (exports[name] as (...a: unknown[]) => unknown).length]).toEqual([name, arity]);
  });
});
