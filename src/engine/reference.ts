// The readable reference implementation of the epoch kernels: plain TypeScript over the `.view`
// of each buffer, with every fixed-point operation done on BigInt raws exactly as yuma.md 1.2
// states it. Written from the spec alone (independently of assembly/), so that tests comparing
// it with the WASM kernels catch a mistake in either. Clarity over speed: it may be slow.
import type { Kernels } from './kernels.js';
import { carve, layoutBytes, type Buf, type Bufs, type Layout } from './memory.js';
import { I32F32_ONE } from './i32f32.js';

// ---------------------------------------------------------------------------------------
// Scalar fixed-point helpers on raw I32F32 integers (yuma.md 1.2, 1.4)

const ONE = I32F32_ONE;
const I64_MIN = -(1n << 63n);
const I64_MAX = (1n << 63n) - 1n;
const U64_MAX = (1n << 64n) - 1n;

/** Plain i64 addition: wraps on overflow (yuma.md 1.2, `a + b`). */
const add = (a: bigint, b: bigint): bigint => BigInt.asIntN(64, a + b);
/** Plain i64 subtraction: wraps on overflow. */
const sub = (a: bigint, b: bigint): bigint => BigInt.asIntN(64, a - b);
/** saturating_add on i64. */
const satAdd = (a: bigint, b: bigint): bigint => clampI64(a + b);
/** saturating_sub on i64. */
const satSub = (a: bigint, b: bigint): bigint => clampI64(a - b);
/** Plain `.sum()` of a list of raws: wrapping i64 sum. */
const sum = (xs: Iterable<bigint>): bigint => {
  let s = 0n;
  for (const x of xs) s = add(s, x);
  return s;
};

const clampI64 = (x: bigint): bigint => (x > I64_MAX ? I64_MAX : x < I64_MIN ? I64_MIN : x);
const fitsI64 = (x: bigint): boolean => x >= I64_MIN && x <= I64_MAX;
const min = (a: bigint, b: bigint): bigint => (a < b ? a : b);
const max = (a: bigint, b: bigint): bigint => (a > b ? a : b);
/** clamp_value(v, lo, hi) = max(min(v, hi), lo), in that order (yuma.md 1.2). */
const clamp = (v: bigint, lo: bigint, hi: bigint): bigint => max(min(v, hi), lo);

/** floor(x / d) for d > 0 (BigInt `/` truncates toward zero; this rounds toward -infinity). */
function floorDiv(x: bigint, d: bigint): bigint {
  const q = x / d;
  return x % d !== 0n && x < 0n ? q - 1n : q;
}

/** The exact product a*b/2^32 floored (toward -infinity), before any range check. */
const productFloor = (a: bigint, b: bigint): bigint => floorDiv(a * b, ONE);

/** saturating_mul: floor(a*b / 2^32); out of range -> MAX for equal signs, MIN otherwise. */
function mulF(a: bigint, b: bigint): bigint {
  const p = productFloor(a, b);
  if (fitsI64(p)) return p;
  return (a < 0n) === (b < 0n) ? I64_MAX : I64_MIN;
}

/** checked_mul mapped to 0 on overflow (`vec_mul`): floor(a*b / 2^32), or 0 if out of range. */
function mulChecked(a: bigint, b: bigint): bigint {
  const p = productFloor(a, b);
  return fitsI64(p) ? p : 0n;
}

/** safe_div: b == 0 -> 0; else trunc(a*2^32 / b), and 0 if that leaves i64 (not saturated). */
function divF(a: bigint, b: bigint): bigint {
  if (b === 0n) return 0n;
  const q = (a * ONE) / b; // BigInt division truncates toward zero
  return fitsI64(q) ? q : 0n;
}

/** saturating_div: trunc(a*2^32 / b), out of range -> MIN/MAX by sign; b == 0 panics on chain. */
function divSat(a: bigint, b: bigint): bigint {
  if (b === 0n) throw new RangeError('saturating_div by zero (the chain panics)');
  return clampI64((a * ONE) / b);
}

/** substrate-fixed `exp` on I32F32 (yuma.md 1.4): the 30-term floored series, e constant at 1. */
function exp(x: bigint): bigint {
  if (x === 0n) return ONE;
  if (x === ONE) return 22802600n << 9n; // the crate's 23-bit constant e = 11674931200
  const neg = x < 0n;
  const y = neg ? -x : x;
  let r = ONE + y;
  let t = y;
  for (let i = 2n; i <= 31n; i++) {
    t = mulF(t, y);
    t = t / i; // divF(t, i*ONE) == integer t div i; t >= 0 here, so truncation is floor
    r = r + t;
  }
  return neg ? divF(ONE, r) : r;
}

/** exp_safe: clamp x to [-20, 20] (yuma.md 1.4), then exp. */
const expSafe = (x: bigint): bigint => exp(clamp(x, -20n * ONE, 20n * ONE));

/** u16 proportion to I32F32: divF(b*ONE, 65535*ONE) = floor(b * 2^32 / 65535) (yuma.md 1.2). */
const u16p = (b: number | bigint): bigint => divF(BigInt(b) * ONE, 65535n * ONE);

/** fixed_proportion_to_u16: x <= 0 -> 0, else floor(mulF(x, 65535*ONE) / 2^32) capped at 65535. */
function toU16(x: bigint): number {
  if (x <= 0n) return 0;
  return Number(min(65535n, floorDiv(mulF(x, 65535n * ONE), ONE)));
}

/** Unsigned u64 x u64 -> floor(a*b / 2^32), saturated to u64 (the I96F32 share-times-rao of 2.14). */
const mulShr32U = (a: bigint, b: bigint): bigint => min(U64_MAX, (a * b) >> 32n);

/** The scalar helpers, for tests against the WASM primitives. */
export const ref = { ONE, mulF, mulChecked, divF, divSat, exp, expSafe, u16p, toU16, mulShr32U };

// ---------------------------------------------------------------------------------------
// Small helpers on CSR rows

interface Entry {
  j: number;
  v: bigint;
}

/** Row i of a CSR (rowPtr, col, val) as a list of entries, in stored order. */
function row(i: number, rowPtr: Buf<'u32'>, col: Buf<'u32'>, val: Buf<'i64'>): Entry[] {
  const out: Entry[] = [];
  for (let q = rowPtr.view[i]!; q < rowPtr.view[i + 1]!; q++) out.push({ j: col.view[q]!, v: val.view[q]! });
  return out;
}

/** Writes rows into an output CSR; returns the number of entries written. */
function writeRows(rows: Entry[][], outPtr: Buf<'u32'>, outCol: Buf<'u32'>, outVal: Buf<'i64'>): number {
  let q = 0;
  outPtr.view[0] = 0;
  rows.forEach((r, i) => {
    for (const { j, v } of r) {
      outCol.view[q] = j;
      outVal.view[q] = v;
      q++;
    }
    outPtr.view[i + 1] = q;
  });
  return q;
}

/** Value of entry j in a row, or undefined when the row has no entry j. */
const lookup = (r: Entry[], j: number): bigint | undefined => r.find((e) => e.j === j)?.v;

// ---------------------------------------------------------------------------------------
// Weighted median (yuma.md section 3, step 3: the chain's literal quickselect)

/**
 * The chain's `weighted_median`: mid-pivot quickselect over the stake integral.
 * stake/score are indexed by position in U; minority = T - kappa; lo = 0, hi = T initially.
 */
function weightedMedian(stake: bigint[], score: bigint[], minority: bigint, total: bigint): bigint {
  let part = stake.map((_, k) => k);
  let lo = 0n;
  let hi = total;
  const cap = part.length; // the chain's iteration cap (never reached)
  for (let iter = 0; ; iter++) {
    if (part.length === 0) return 0n;
    if (part.length === 1) return score[part[0]!]!;
    const p = score[part[Math.floor(part.length / 2)]!]!;
    const L = part.filter((k) => score[k]! < p);
    const H = part.filter((k) => score[k]! > p);
    const Ls = sum(L.map((k) => stake[k]!));
    const Hs = sum(H.map((k) => stake[k]!));
    if (minority < add(lo, Ls) && L.length > 0) {
      part = L;
      hi = add(lo, Ls);
    } else if (sub(hi, Hs) <= minority && H.length > 0) {
      part = H;
      lo = sub(hi, Hs);
    } else {
      return p;
    }
    if (iter >= cap) return p;
  }
}

// ---------------------------------------------------------------------------------------
// Column helpers

/** Plain (wrapping) column sums of a matrix's entries. */
function columnSums(n: number, nnz: number, col: Buf<'u32'>, val: Buf<'i64'>, sums: Buf<'i64'>): void {
  for (let j = 0; j < n; j++) sums.view[j] = 0n;
  for (let q = 0; q < nnz; q++) sums.view[col.view[q]!] = add(sums.view[col.view[q]!]!, val.view[q]!);
}

/** Entries divF(v, s_j) where the column sum s_j != 0, else unchanged. */
function divideColumns(nnz: number, col: Buf<'u32'>, val: Buf<'i64'>, out: Buf<'i64'>, sums: Buf<'i64'>): void {
  for (let q = 0; q < nnz; q++) {
    const s = sums.view[col.view[q]!]!;
    out.view[q] = s !== 0n ? divF(val.view[q]!, s) : val.view[q]!;
  }
}

/** m_j = max(0, max of column j). */
function columnMaxima(n: number, nnz: number, col: Buf<'u32'>, val: Buf<'i64'>, maxes: Buf<'i64'>): void {
  for (let j = 0; j < n; j++) maxes.view[j] = 0n;
  for (let q = 0; q < nnz; q++) maxes.view[col.view[q]!] = max(maxes.view[col.view[q]!]!, val.view[q]!);
}

/** Entries divF(v, m_j) where the column maximum m_j != 0. */
function upscaleColumns(nnz: number, col: Buf<'u32'>, val: Buf<'i64'>, maxes: Buf<'i64'>): void {
  for (let q = 0; q < nnz; q++) {
    const m = maxes.view[col.view[q]!]!;
    if (m !== 0n) val.view[q] = divF(val.view[q]!, m);
  }
}

/** The intermediate matrices of the reference emaOriginal. */
const emaOriginalScratch = (n: number, nnzW: number, nnzB: number) =>
  ({
    VT: ['i64', n], R: ['i64', n],
    WbPtr: ['u32', n + 1], WbCol: ['u32', nnzW], WbVal: ['i64', nnzW], D: ['i64', nnzW],
    BPtr: ['u32', n + 1], BCol: ['u32', nnzB], BVal: ['i64', nnzB],
  }) as const;

// ---------------------------------------------------------------------------------------
// The kernels

export function createReferenceKernels(): Kernels {
  let memory = new ArrayBuffer(0);

  return {
    name: 'reference',

    // Buffers carved from one plain ArrayBuffer, replaced by a larger one when needed.
    alloc<L extends Layout>(layout: L): Bufs<L> {
      const need = layoutBytes(layout);
      if (need > memory.byteLength) memory = new ArrayBuffer(need);
      return carve(memory, 0, layout);
    },

    // yuma.md 1.2 normalize: S = sum(v); if S != 0 every v_i = divF(v_i, S).
    normalize(v, n) {
      const S = sum(v.view.subarray(0, n));
      if (S === 0n) return;
      for (let i = 0; i < n; i++) v.view[i] = divF(v.view[i]!, S);
    },

    // yuma.md 2.2 without saturation: exact integers T_i = alpha_i * 2^32 + tao_i * w32.
    combineStake(n, alpha, tao, w32, threshold, owner, raw, stake, th, tl) {
      const LIMIT = 1n << 62n;
      for (let i = 0; i < n; i++) if (alpha.view[i]! >= LIMIT || tao.view[i]! >= LIMIT) return false;
      const T: bigint[] = new Array(n);
      let S = 0n;
      for (let i = 0; i < n; i++) {
        const t = (alpha.view[i]! << 32n) + tao.view[i]! * w32;
        raw.view[i] = t >> 32n;
        T[i] = i === owner || t >> 32n >= threshold ? t : 0n;
        th.view[i] = T[i]! >> 64n;
        tl.view[i] = BigInt.asUintN(64, T[i]!);
        S += T[i]!;
      }
      for (let i = 0; i < n; i++) stake.view[i] = S === 0n ? 0n : (T[i]! << 32n) / S;
      return true;
    },

    // yuma.md 2.5: load (j, w*ONE), permit mask, diagonal, outdated, commit-reveal, row normalize.
    prepareWeights(n, rowPtr, col, w, forbid, lastUpdate, registered, commit, owner, outPtr, outCol, outVal) {
      const rows: Entry[][] = [];
      for (let i = 0; i < n; i++) {
        let r: Entry[] = [];
        for (let q = rowPtr.view[i]!; q < rowPtr.view[i + 1]!; q++) {
          r.push({ j: col.view[q]!, v: BigInt(w.view[q]!) * ONE });
        }
        if (forbid.view[i]) r = []; // 1. permit mask
        r = r.filter((e) => e.j !== i || i === owner); // 2. diagonal, owner keeps its self-weight
        r = r.filter((e) => !(lastUpdate.view[i]! <= registered.view[e.j]!)); // 3. outdated
        if (commit) r = r.filter((e) => !(commit.view[i]! < registered.view[e.j]!)); // 4. commit-reveal
        const S = sum(r.map((e) => e.v)); // 5. row normalize
        if (S > 0n) r = r.map((e) => ({ j: e.j, v: divF(e.v, S) }));
        rows.push(r);
      }
      return writeRows(rows, outPtr, outCol, outVal);
    },

    // yuma.md 2.6 + 3: per column, the chain's quickselect weighted median under stake a.
    // (the scratch buffers u, colPtr, cursor, score, weight, hist are not needed here)
    consensus(n, rowPtr, col, val, a, kappa, _u, _colPtr, _cursor, _score, _weight, _hist, C, VT, R) {
      // 3.1: U = uids with a_i > 0; u = normalize(a_U); T = sum(u); minority = T - kappa
      const U: number[] = [];
      for (let i = 0; i < n; i++) if (a.view[i]! > 0n) U.push(i);
      let u = U.map((i) => a.view[i]!);
      const S = sum(u);
      if (S !== 0n) u = u.map((x) => divF(x, S));
      const T = sum(u);
      const minority = sub(T, kappa);
      // 3.2: scores per column, 0 where row i has no entry
      const scores: bigint[][] = Array.from({ length: n }, () => U.map(() => 0n));
      U.forEach((i, k) => {
        for (const { j, v } of row(i, rowPtr, col, val)) scores[j]![k] = v;
      });
      // 3.3: the median of every column
      for (let j = 0; j < n; j++) C.view[j] = weightedMedian(u, scores[j]!, minority, T);
      // asked for clip's sums too: the spec's clip, in its own order
      if (!VT || !R) return 0;
      this.clip(n, rowPtr, col, val, C, a, 0n, VT, R, null, null, null);
      return 1;
    },

    // yuma.md 2.7-2.10: clip at consensus, VT = row sums, R = column sums of a*Wc, Wb.
    clip(n, rowPtr, col, val, C, a, beta, VT, R, outPtr, outCol, outVal) {
      const W: Entry[][] = [];
      const Wc: Entry[][] = [];
      for (let j = 0; j < n; j++) R.view[j] = 0n;
      for (let i = 0; i < n; i++) {
        const w = row(i, rowPtr, col, val);
        // 2.7: above consensus -> consensus, or dropped when consensus is 0
        const c: Entry[] = [];
        for (const { j, v } of w) {
          const Cj = C.view[j]!;
          if (Cj < v) {
            if (Cj > 0n) c.push({ j, v: Cj });
          } else {
            c.push({ j, v });
          }
        }
        W.push(w);
        Wc.push(c);
        VT.view[i] = sum(c.map((e) => e.v)); // 2.8
        for (const { j, v } of c) R.view[j] = add(R.view[j]!, mulF(a.view[i]!, v)); // 2.9
      }
      // 2.10 weights for bonds
      if (beta === 0n || !outPtr || !outCol || !outVal) return rowPtr.view[n]!; // no Wb written: W's nnz
      if (beta === ONE) return writeRows(Wc, outPtr, outCol, outVal);
      const Wb = W.map((w, i) => {
        const out: Entry[] = [];
        for (let j = 0; j < n; j++) {
          const v1 = lookup(w, j) ?? 0n;
          const v2 = lookup(Wc[i]!, j) ?? 0n;
          const v = add(v1, mulF(beta, sub(v2, v1)));
          if (v > 0n) out.push({ j, v });
        }
        return out;
      });
      return writeRows(Wb, outPtr, outCol, outVal);
    },

    // yuma.md 2.10-2.12c in the spec's own order, on the intermediate matrices the WASM kernel
    // never writes: Wb, B, colnorm(B), D = Wb x a, colnorm(D), then the union EMA.
    // sumDReady changes nothing here: the reference always computes sumD itself
    emaOriginal(n, rowPtr, col, val, C, a, beta, bPtr, bCol, bVal, recent, alpha, outPtr, outCol, outVal, colSum, colMax, sumD, sumB) {
      const nnzW = rowPtr.view[n]!;
      const nnzB = bPtr.view[n]!;
      const t = carve(new ArrayBuffer(layoutBytes(emaOriginalScratch(n, nnzW, nnzB))), 0, emaOriginalScratch(n, nnzW, nnzB));
      const nnzWb = this.clip(n, rowPtr, col, val, C, a, beta, t.VT, t.R, t.WbPtr, t.WbCol, t.WbVal);
      const Wb = beta === 0n ? { ptr: rowPtr, col, val } : { ptr: t.WbPtr, col: t.WbCol, val: t.WbVal };
      const nnzBl = this.loadBonds(n, bPtr, bCol, bVal, recent, false, t.BPtr, t.BCol, t.BVal, sumB);
      divideColumns(nnzBl, t.BCol, t.BVal, t.BVal, sumB);
      this.scaleRows(n, Wb.ptr, Wb.col, Wb.val, a, t.D, sumD);
      divideColumns(nnzWb, Wb.col, t.D, t.D, sumD);
      const nnz = this.emaFixed(n, alpha, Wb.ptr, Wb.col, t.D, t.BPtr, t.BCol, t.BVal, outPtr, outCol, outVal, colSum);
      columnMaxima(n, nnz, outCol, outVal, colMax);
      return nnz;
    },

    // yuma.md 2.11: b*ONE (original) or u16p(b) (Yuma3); drop columns j with recent_j.
    loadBonds(n, rowPtr, col, b, recent, proportion, outPtr, outCol, outVal, colSum) {
      const rows: Entry[][] = [];
      for (let i = 0; i < n; i++) {
        const r: Entry[] = [];
        for (let q = rowPtr.view[i]!; q < rowPtr.view[i + 1]!; q++) {
          const j = col.view[q]!;
          const raw = b.view[q]!;
          if (!recent.view[j]) r.push({ j, v: proportion ? u16p(raw) : BigInt(raw) * ONE });
        }
        rows.push(r);
      }
      const nnz = writeRows(rows, outPtr, outCol, outVal);
      columnSums(n, nnz, outCol, outVal, colSum);
      return nnz;
    },

    divideColumns,

    // yuma.md 2.12 colnorm: s_j = column sum; entries divF(v, s_j) where s_j != 0.
    colnorm(n, nnz, col, val, out, sums) {
      columnSums(n, nnz, col, val, sums);
      divideColumns(nnz, col, val, out, sums);
    },

    // yuma.md 2.12b: D_ij = mulF(Wb_ij, a_i) for every entry (zeros kept).
    scaleRows(n, rowPtr, col, val, a, out, colSum) {
      for (let i = 0; i < n; i++) {
        for (let q = rowPtr.view[i]!; q < rowPtr.view[i + 1]!; q++) out.view[q] = mulF(val.view[q]!, a.view[i]!);
      }
      columnSums(n, rowPtr.view[n]!, col, out, colSum);
    },

    // yuma.md 2.12c / 2.13b fixed alpha: mulF(alpha, new) + mulF(ONE - alpha, old) on the union; keep > 0.
    emaFixed(n, alpha, newPtr, newCol, newVal, oldPtr, oldCol, oldVal, outPtr, outCol, outVal, colSum) {
      const om = ONE - alpha;
      const rows: Entry[][] = [];
      for (let i = 0; i < n; i++) {
        if (newPtr.view[i] === newPtr.view[i + 1] && oldPtr.view[i] === oldPtr.view[i + 1]) {
          rows.push([]); // both rows empty: nothing to densify
          continue;
        }
        const dense: bigint[] = new Array<bigint>(n).fill(0n);
        for (const { j, v } of row(i, newPtr, newCol, newVal)) dense[j] = add(dense[j]!, mulF(alpha, v));
        for (const { j, v } of row(i, oldPtr, oldCol, oldVal)) dense[j] = add(dense[j]!, mulF(om, v));
        const r: Entry[] = [];
        dense.forEach((v, j) => {
          if (v > 0n) r.push({ j, v });
        });
        rows.push(r);
      }
      const nnz = writeRows(rows, outPtr, outCol, outVal);
      columnSums(n, nnz, outCol, outVal, colSum);
      return nnz;
    },

    // yuma.md 2.13a-b: per Wb entry, sigmoid alpha, then decayed bond + alpha*w, capped at ONE, keep > 0.
    emaLiquid(n, C, lo, hi, steepness, newPtr, newCol, newVal, oldPtr, oldCol, oldVal, outPtr, outCol, outVal, colSum) {
      const k = divSat(steepness, -100n * ONE); // truncates toward zero
      const sigmoidAlpha = (c: bigint, w: bigint, b: bigint): bigint => {
        const d = w >= b ? clamp(satSub(w, c), 0n, ONE) : clamp(satSub(b, w), 0n, ONE);
        const x = mulF(k, satSub(d, ONE / 2n));
        const sg = divSat(ONE, satAdd(ONE, expSafe(x)));
        return clamp(satAdd(lo, mulF(sg, satSub(hi, lo))), lo, hi);
      };
      const rows: Entry[][] = [];
      for (let i = 0; i < n; i++) {
        const old = row(i, oldPtr, oldCol, oldVal);
        const r: Entry[] = [];
        for (const { j, v: w } of row(i, newPtr, newCol, newVal)) {
          const b = lookup(old, j);
          const alpha = sigmoidAlpha(C.view[j]!, w, b ?? 0n);
          const dec = b !== undefined ? mulF(satSub(ONE, alpha), b) : 0n;
          const inc = max(0n, mulF(alpha, w));
          const v = min(ONE, satAdd(dec, inc));
          if (v > 0n) r.push({ j, v });
        }
        rows.push(r);
      }
      const nnz = writeRows(rows, outPtr, outCol, outVal);
      columnSums(n, nnz, outCol, outVal, colSum);
      return nnz;
    },

    // yuma.md 2.12e: out_i = sum over row i of mulF(I_j, M_ij).
    rowDotIncentive(n, rowPtr, col, val, I, out) {
      for (let i = 0; i < n; i++) {
        out.view[i] = sum(row(i, rowPtr, col, val).map(({ j, v }) => mulF(I.view[j]!, v)));
      }
    },

    // yuma.md 2.12d-f in the spec's order (the EMA's maxima handed in are not used): N = the EMA
    // column-normalized, Div_i = sum mulF(I_j, N_ij), the column maxima of N, then 2.15 the
    // stored u16 of the max-upscaled N.
    emaDividends(n, rowPtr, col, val, colSum, I, out, colMax, u16) {
      const nnz = rowPtr.view[n]!;
      const N = carve(new ArrayBuffer(8 * nnz), 0, { v: ['i64', nnz] } as const).v;
      divideColumns(nnz, col, val, N, colSum);
      for (let i = 0; i < n; i++) {
        out.view[i] = sum(row(i, rowPtr, col, N).map(({ j, v }) => mulF(I.view[j]!, v)));
      }
      columnMaxima(n, nnz, col, N, colMax);
      if (u16) {
        upscaleColumns(nnz, col, N, colMax); // N is this kernel's own copy
        for (let q = 0; q < nnz; q++) u16.view[q] = toU16(N.view[q]!);
      }
    },

    // yuma.md 2.13c: N = EMA / column sums; tb_i = sum mulF(N_ij, I_j); out_i = checked mulF(tb_i, a_i).
    yuma3Dividends(n, rowPtr, col, val, colSum, I, a, out) {
      for (let i = 0; i < n; i++) {
        const N = row(i, rowPtr, col, val).map(({ j, v }) => {
          const s = colSum.view[j]!;
          return { j, v: s !== 0n ? divF(v, s) : v };
        });
        const tb = sum(N.map(({ j, v }) => mulF(v, I.view[j]!)));
        out.view[i] = mulChecked(tb, a.view[i]!);
      }
    },

    // yuma.md 2.12f: m_j = max(0, column max); entries divF(v, m_j) where m_j != 0.
    colMaxUpscale(n, nnz, col, val, maxes) {
      columnMaxima(n, nnz, col, val, maxes);
      upscaleColumns(nnz, col, val, maxes);
    },

    // epoch-io.md: each row's columns strictly ascending, below n.
    csrRowsCheck(n, rowPtr, col) {
      for (let i = 0; i < n; i++) {
        for (let q = rowPtr.view[i]!; q < rowPtr.view[i + 1]!; q++) {
          const j = col.view[q]!;
          if (j >= n || (q > rowPtr.view[i]! && j <= col.view[q - 1]!)) return i;
        }
      }
      return -1;
    },

    // yuma.md 1.2 toU16 (fixed_proportion_to_u16) of each raw.
    toU16Array(len, val, out) {
      for (let q = 0; q < len; q++) out.view[q] = toU16(val.view[q]!);
    },

    // yuma.md 2.14: shares of E = sum(I sat+ Div) (or the stake fallback), times rao, floored, u64.
    emission(n, I, D, a, stake, rao, server, validator, combined) {
      const c: bigint[] = [];
      for (let i = 0; i < n; i++) c.push(satAdd(I.view[i]!, D.view[i]!));
      const E = sum(c);
      const ns: bigint[] = [];
      const nv: bigint[] = [];
      const nc: bigint[] = [];
      if (E !== 0n) {
        for (let i = 0; i < n; i++) {
          ns.push(divF(I.view[i]!, E));
          nv.push(divF(D.view[i]!, E));
          nc.push(divF(c[i]!, E));
        }
      } else {
        const fallback = sum(a.view.subarray(0, n)) === 0n ? stake : a;
        for (let i = 0; i < n; i++) {
          ns.push(I.view[i]!);
          nv.push(fallback.view[i]!);
          nc.push(fallback.view[i]!);
        }
      }
      // I96F32: the product share*rao is exact; to u64 floors and saturates (negative -> 0)
      const rao64 = (share: bigint): bigint => clamp(floorDiv(share * rao, ONE), 0n, U64_MAX);
      for (let i = 0; i < n; i++) {
        server.view[i] = rao64(ns[i]!);
        validator.view[i] = rao64(nv[i]!);
        combined.view[i] = rao64(nc[i]!);
      }
    },
  };
}
