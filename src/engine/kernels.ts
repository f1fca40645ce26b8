// The matrix kernels of the epoch, as one interface with two implementations: the WASM
// kernels (assembly/, through wasm.ts) and the plain TypeScript reference (reference.ts).
// Both read and write the same flat arrays; a kernel's contract is the spec section named.
import type { Buf, Layout, Bufs } from './memory.js';

type I64 = Buf<'i64'>;
type U32 = Buf<'u32'>;
type U16 = Buf<'u16'>;
type U8 = Buf<'u8'>;
type F64 = Buf<'f64'>;
type U64 = Buf<'u64'>;

/** Length of the median's gather buffers: a block of columns, or one whole column. */
export const MEDIAN_SCRATCH = (n: number) => Math.max(n, 16384);

export interface Kernels {
  readonly name: string;
  /** Fresh buffers for one epoch (the previous epoch's buffers are reused). */
  alloc<L extends Layout>(layout: L): Bufs<L>;

  /** yuma.md 1.2 normalize: v_i = divF(v_i, sum v) unless the sum is 0. */
  normalize(v: I64, n: number): void;
  /**
   * yuma.md 2.2 when nothing can saturate (every alpha and tao below 2^62; returns false and
   * writes nothing otherwise): T_i = alpha_i * 2^32 + tao_i * w32, raw_i = T_i >> 32, T_i kept where raw_i >=
   * threshold or i == owner (-1: none), stake_i = floor(T_i * 2^32 / sum T) (0 if the sum is 0).
   * Scratch: th, tl u64[n].
   */
  combineStake(
    n: number, alpha: U64, tao: U64, w32: bigint, threshold: bigint, owner: number,
    raw: U64, stake: I64, th: U64, tl: U64,
  ): boolean;
  /** yuma.md 2.5: masks and row normalization of u16 weights; returns nnz out. */
  prepareWeights(
    n: number, rowPtr: U32, col: U32, w: U16, forbid: U8, lastUpdate: F64, registered: F64,
    commit: F64 | null, owner: number, outPtr: U32, outCol: U32, outVal: I64,
  ): number;
  /**
   * yuma.md 2.6 + 3: weighted median per column, for a normalized active stake `a` (sum <= ONE,
   * so every staked row keeps u_i >= 1 after the second normalization). Scratch: u i64[n], colPtr u32[n+1],
   * cursor u32[n], score and weight i64[MEDIAN_SCRATCH(n)], hist i64[256].
   */
  consensus(
    n: number, rowPtr: U32, col: U32, val: I64, a: I64, kappa: bigint,
    u: I64, colPtr: U32, cursor: U32, score: I64, weight: I64, hist: I64, C: I64,
  ): void;
  /**
   * yuma.md 2.7-2.10: VT, R, and Wb (unless beta == 0, or the out buffers are null: not
   * wanted); returns nnz of Wb (of W when no Wb is written).
   */
  clip(
    n: number, rowPtr: U32, col: U32, val: I64, C: I64, a: I64, beta: bigint,
    VT: I64, R: I64, outPtr: U32 | null, outCol: U32 | null, outVal: I64 | null,
  ): number;
  /**
   * yuma.md 2.11: stored bonds to raw, recent columns dropped; returns nnz out. Like every
   * kernel that produces a matrix below, it also writes that matrix's column sums (colSum).
   */
  loadBonds(
    n: number, rowPtr: U32, col: U32, b: U16, recent: U8, proportion: boolean,
    outPtr: U32, outCol: U32, outVal: I64, colSum: I64,
  ): number;
  /** Column sums (plain, wrapping) of a matrix's entries. */
  colSums(n: number, nnz: number, col: U32, val: I64, sums: I64): void;
  /** Second half of colnorm: out = divF(v, colSum_j) where colSum_j != 0, else v (out may be val). */
  divideColumns(nnz: number, col: U32, val: I64, out: I64, colSum: I64): void;
  /** yuma.md 2.12 colnorm (colSums + divideColumns), into `out` (may equal `val`). */
  colnorm(n: number, nnz: number, col: U32, val: I64, out: I64, sums: I64): void;
  /**
   * yuma.md 2.10-2.12c for original Yuma in one stage, from W (with C, a, beta) and the stored
   * u16 bonds (with the recent-column mask): the EMA of the column-normalized delta and bonds;
   * returns nnz out; colSum = the EMA's column sums; sumD, sumB are scratch i64[n].
   * `sumDReady`: sumD already holds the delta's column sums, sum_i mulF(Wb_ij, a_i) (with
   * beta == ONE that is clip's ranks R, before normalization), so they are not recomputed.
   */
  emaOriginal(
    n: number, rowPtr: U32, col: U32, val: I64, C: I64, a: I64, beta: bigint,
    bPtr: U32, bCol: U32, bVal: U16, recent: U8, alpha: bigint,
    outPtr: U32, outCol: U32, outVal: I64, colSum: I64, sumD: I64, sumB: I64, sumDReady: boolean,
  ): number;
  /** yuma.md 2.12b: out_ij = mulF(val_ij, a_i), and its column sums. */
  scaleRows(n: number, rowPtr: U32, col: U32, val: I64, a: I64, out: I64, colSum: I64): void;
  /** yuma.md 2.12c / 2.13b fixed alpha: union EMA, keep > 0; returns nnz out. */
  emaFixed(
    n: number, alpha: bigint, newPtr: U32, newCol: U32, newVal: I64,
    oldPtr: U32, oldCol: U32, oldVal: I64, outPtr: U32, outCol: U32, outVal: I64, colSum: I64,
  ): number;
  /** yuma.md 2.13a-b liquid alpha EMA; returns nnz out. */
  emaLiquid(
    n: number, C: I64, lo: bigint, hi: bigint, steepness: bigint,
    newPtr: U32, newCol: U32, newVal: I64, oldPtr: U32, oldCol: U32, oldVal: I64,
    outPtr: U32, outCol: U32, outVal: I64, colSum: I64,
  ): number;
  /** out_i = sum_j mulF(I_j, M_ij) (yuma.md 2.12e on an already normalized M). */
  rowDotIncentive(n: number, rowPtr: U32, col: U32, val: I64, I: I64, out: I64): void;
  /**
   * yuma.md 2.12d-f fused: the EMA is column-normalized in place by colSum, out_i = sum_j
   * mulF(I_j, N_ij), colMax_j = max(0, max_i N_ij) (for upscaleToU16).
   */
  emaDividends(n: number, rowPtr: U32, col: U32, val: I64, colSum: I64, I: I64, out: I64, colMax: I64): void;
  /**
   * yuma.md 2.13c: out_i = checked mulF(sum_j mulF(N_ij, I_j), a_i), N = the EMA divided by its
   * column sums colSum (on the fly; val is not modified).
   */
  yuma3Dividends(n: number, rowPtr: U32, col: U32, val: I64, colSum: I64, I: I64, a: I64, out: I64): void;
  /**
   * yuma.md 2.12f + 2.15 for original Yuma's stored bonds in one pass: out_q = toU16(divF(v,
   * colMax_j)) where colMax_j != 0, else toU16(v); val is not modified.
   */
  upscaleToU16(nnz: number, col: U32, val: I64, colMax: I64, out: U16): void;
  /** yuma.md 2.12f: column max-upscale in place; maxes is scratch. */
  colMaxUpscale(n: number, nnz: number, col: U32, val: I64, maxes: I64): void;
  /** yuma.md 1.2 toU16 of len raws. */
  toU16Array(len: number, val: I64, out: U16): void;
  /** yuma.md 2.14: emission in rao (u64, saturated). */
  emission(
    n: number, I: I64, D: I64, a: I64, stake: I64, rao: bigint,
    server: U64, validator: U64, combined: U64,
  ): void;
}
