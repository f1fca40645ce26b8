// The matrix kernels of the epoch, declared once: each is the WASM export of the same name
// (assembly/index.ts; its AssemblyScript signature and contract in kernel-exports.ts, generated
// from the source by `npm run build:wasm`). `Kernels` is that export with a Buf for every byte
// offset, checked against it by the compiler (KernelsMatchWasm below); two implementations:
// the WASM kernels (wasm.ts) and the plain TypeScript reference (reference.ts). Both read and
// write the same flat arrays; a kernel's contract is the spec section named. `RangeKernels` are
// the exports a split epoch runs in blocks (src/pool/split.ts), taken as they are.
import type { Buf, Layout, Bufs } from './memory.js';
import type { WasmExports } from './kernel-exports.js';

type I64 = Buf<'i64'>;
type U32 = Buf<'u32'>;
type U16 = Buf<'u16'>;
type U8 = Buf<'u8'>;
type F64 = Buf<'f64'>;
type U64 = Buf<'u64'>;

/** Length of the median's gather buffers: a block of columns, or one whole column. */
export const MEDIAN_SCRATCH = (n: number) => Math.max(n, 16384);

/** The epoch's kernels; see each member's export ({@link WasmExports}) for the AssemblyScript side. */
export interface Kernels {
  readonly name: string;
  /** Fresh buffers for one epoch (the previous epoch's buffers are reused). */
  alloc<L extends Layout>(layout: L): Bufs<L>;

  /**
   * yuma.md 1.2 normalize: v_i = divF(v_i, sum v) unless the sum is 0.
   * @see {@link WasmExports.normalize} (the AssemblyScript side)
   */
  normalize(v: I64, n: number): void;
  /**
   * yuma.md 2.2 when nothing can saturate (every alpha and tao below 2^62; returns false and
   * writes nothing otherwise): T_i = alpha_i * 2^32 + tao_i * w32, raw_i = T_i >> 32, T_i kept where raw_i >=
   * threshold or i == owner (-1: none), stake_i = floor(T_i * 2^32 / sum T) (0 if the sum is 0).
   * Scratch: th, tl u64[n].
   * @see {@link WasmExports.combineStake} (the AssemblyScript side)
   */
  combineStake(
    n: number, alpha: U64, tao: U64, w32: bigint, threshold: bigint, owner: number,
    raw: U64, stake: I64, th: U64, tl: U64,
  ): boolean;
  /**
   * yuma.md 2.5: masks and row normalization of u16 weights; returns nnz out.
   * @see {@link WasmExports.prepareWeights} (the AssemblyScript side)
   */
  prepareWeights(
    n: number, rowPtr: U32, col: U32, w: U16, forbid: U8, lastUpdate: F64, registered: F64,
    commit: F64 | null, owner: number, outPtr: U32, outCol: U32, outVal: I64,
  ): number;
  /**
   * yuma.md 2.6 + 3: weighted median per column, for a normalized active stake `a` (sum <= ONE,
   * so every staked row keeps u_i >= 1 after the second normalization). Scratch: u i64[n], colPtr u32[n+1],
   * cursor u32[n], score and weight i64[MEDIAN_SCRATCH(n)], hist i64[256].
   * Given VT and R (else null), it may also do clip's sums (2.7-2.9 without Wb: VT, R as
   * {@link Kernels.clip} writes them) while each column is at hand: returns 1 when it did
   * (then clip need not run), 0 when not (VT and R then hold nothing of use).
   * @see {@link WasmExports.consensus} (the AssemblyScript side)
   */
  consensus(
    n: number, rowPtr: U32, col: U32, val: I64, a: I64, kappa: bigint,
    u: I64, colPtr: U32, cursor: U32, score: I64, weight: I64, hist: I64, C: I64, VT: I64 | null, R: I64 | null,
  ): number;
  /**
   * yuma.md 2.7-2.10: VT, R, and Wb (unless beta == 0, or the out buffers are null: not
   * wanted); returns nnz of Wb (of W when no Wb is written).
   * @see {@link WasmExports.clip} (the AssemblyScript side)
   */
  clip(
    n: number, rowPtr: U32, col: U32, val: I64, C: I64, a: I64, beta: bigint,
    VT: I64, R: I64, outPtr: U32 | null, outCol: U32 | null, outVal: I64 | null,
  ): number;
  /**
   * yuma.md 2.11: stored bonds to raw, recent columns dropped; returns nnz out. Like every
   * kernel that produces a matrix below, it also writes that matrix's column sums (colSum).
   * @see {@link WasmExports.loadBonds} (the AssemblyScript side)
   */
  loadBonds(
    n: number, rowPtr: U32, col: U32, b: U16, recent: U8, proportion: boolean,
    outPtr: U32, outCol: U32, outVal: I64, colSum: I64,
  ): number;
  /**
   * Second half of colnorm: out = divF(v, colSum_j) where colSum_j != 0, else v (out may be val).
   * @see {@link WasmExports.divideColumns} (the AssemblyScript side)
   */
  divideColumns(nnz: number, col: U32, val: I64, out: I64, colSum: I64): void;
  /**
   * yuma.md 2.12 colnorm (the plain column sums, then divideColumns), into `out` (may equal `val`).
   * @see {@link WasmExports.colnorm} (the AssemblyScript side)
   */
  colnorm(n: number, nnz: number, col: U32, val: I64, out: I64, sums: I64): void;
  /**
   * yuma.md 2.10-2.12c for original Yuma in one stage, from W (with C, a, beta) and the stored
   * u16 bonds (with the recent-column mask): the EMA of the column-normalized delta and bonds;
   * returns nnz out; colSum, colMax = the EMA's column sums and maxima (0 where a column is
   * empty: what emaDividends takes); sumD, sumB are scratch i64[n].
   * `sumDReady`: sumD already holds the delta's column sums, sum_i mulF(Wb_ij, a_i) (with
   * beta == ONE that is clip's ranks R, before normalization), so they are not recomputed.
   * `wInRange`: the caller knows every W entry lies in [0, ONE] (a speed hint: the result is
   * the same either way where it holds).
   * @see {@link WasmExports.emaOriginal} (the AssemblyScript side)
   */
  emaOriginal(
    n: number, rowPtr: U32, col: U32, val: I64, C: I64, a: I64, beta: bigint,
    bPtr: U32, bCol: U32, bVal: U16, recent: U8, alpha: bigint,
    outPtr: U32, outCol: U32, outVal: I64, colSum: I64, colMax: I64, sumD: I64, sumB: I64, sumDReady: boolean, wInRange: boolean,
  ): number;
  /**
   * yuma.md 2.12b: out_ij = mulF(val_ij, a_i), and its column sums.
   * @see {@link WasmExports.scaleRows} (the AssemblyScript side)
   */
  scaleRows(n: number, rowPtr: U32, col: U32, val: I64, a: I64, out: I64, colSum: I64): void;
  /**
   * yuma.md 2.12c / 2.13b fixed alpha: union EMA, keep > 0; returns nnz out.
   * @see {@link WasmExports.emaFixed} (the AssemblyScript side)
   */
  emaFixed(
    n: number, alpha: bigint, newPtr: U32, newCol: U32, newVal: I64,
    oldPtr: U32, oldCol: U32, oldVal: I64, outPtr: U32, outCol: U32, outVal: I64, colSum: I64,
  ): number;
  /**
   * yuma.md 2.13a-b liquid alpha EMA; returns nnz out.
   * @see {@link WasmExports.emaLiquid} (the AssemblyScript side)
   */
  emaLiquid(
    n: number, C: I64, lo: bigint, hi: bigint, steepness: bigint,
    newPtr: U32, newCol: U32, newVal: I64, oldPtr: U32, oldCol: U32, oldVal: I64,
    outPtr: U32, outCol: U32, outVal: I64, colSum: I64,
  ): number;
  /**
   * out_i = sum_j mulF(I_j, M_ij) (yuma.md 2.12e on an already normalized M).
   * @see {@link WasmExports.rowDotIncentive} (the AssemblyScript side)
   */
  rowDotIncentive(n: number, rowPtr: U32, col: U32, val: I64, I: I64, out: I64): void;
  /**
   * yuma.md 2.12d-f and 2.15 fused, on emaOriginal's EMA (entries > 0, val not modified): N =
   * the EMA column-normalized by colSum, out_i = sum_j mulF(I_j, N_ij), and unless u16 is null
   * the stored form u16_q = toU16(divF(N_q, colMax_j)). colMax: in, the EMA's column maxima
   * (emaOriginal's); out, max(0, max_i N_ij).
   * @see {@link WasmExports.emaDividends} (the AssemblyScript side)
   */
  emaDividends(n: number, rowPtr: U32, col: U32, val: I64, colSum: I64, I: I64, out: I64, colMax: I64, u16: U16 | null): void;
  /**
   * yuma.md 2.13c: out_i = checked mulF(sum_j mulF(N_ij, I_j), a_i), N = the EMA divided by its
   * column sums colSum (on the fly; val is not modified).
   * @see {@link WasmExports.yuma3Dividends} (the AssemblyScript side)
   */
  yuma3Dividends(n: number, rowPtr: U32, col: U32, val: I64, colSum: I64, I: I64, a: I64, out: I64): void;
  /**
   * yuma.md 2.12f: column max-upscale in place; maxes is scratch.
   * @see {@link WasmExports.colMaxUpscale} (the AssemblyScript side)
   */
  colMaxUpscale(n: number, nnz: number, col: U32, val: I64, maxes: I64): void;
  /**
   * epoch-io.md, weights and bonds: the first row whose columns are not strictly ascending or
   * reach n (-1: none), rowPtr already checked (from 0, never decreasing, ending at nnz).
   * @see {@link WasmExports.csrRowsCheck} (the AssemblyScript side)
   */
  csrRowsCheck(n: number, rowPtr: U32, col: U32): number;
  /**
   * yuma.md 1.2 toU16 of len raws.
   * @see {@link WasmExports.toU16Array} (the AssemblyScript side)
   */
  toU16Array(len: number, val: I64, out: U16): void;
  /**
   * yuma.md 2.14: emission in rao (u64, saturated).
   * @see {@link WasmExports.emission} (the AssemblyScript side)
   */
  emission(
    n: number, I: I64, D: I64, a: I64, stake: I64, rao: bigint,
    server: U64, validator: U64, combined: U64,
  ): void;
}

/** The kernels proper: every member of Kernels but its name and alloc, each a WASM export. */
export type KernelName = Exclude<keyof Kernels, 'name' | 'alloc'>;

/** A kernel argument as it crosses into WASM: a buffer (or null) as its byte offset, the rest as is. */
type Lowered<T> = T extends Buf | null ? number : T;
/** Kernels[K] with its arguments lowered: exactly the export's signature. */
export type LoweredKernel<F> = F extends (...args: infer A) => infer R ? (...args: { [I in keyof A]: Lowered<A[I]> }) => R : never;

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type SameSignature<F, G> = F extends (...a: infer A) => infer R
  ? G extends (...a: infer B) => infer S ? Same<A, B> extends true ? Same<R, S> : false : false
  : false;
/**
 * Compile-time check that every kernel is its WASM export with Bufs for offsets (same arity,
 * argument and result types). A mismatch fails `tsc` naming the kernel: `consensus: false`.
 */
type KernelsMatchWasm<T extends { [K in KernelName]: true }> = T;
type _KernelsMatchWasm = KernelsMatchWasm<{ [K in KernelName]: SameSignature<LoweredKernel<Kernels[K]>, WasmExports[K]> }>;

/**
 * The range kernels a split epoch runs on every thread over one shared memory, with byte
 * offsets for pointers: rows r0 <= i < r1 (or columns j0 <= j < j1) of a whole-epoch kernel,
 * plus the helpers that fold the threads' partial vectors.
 */
export type RangeKernels = Pick<
  WasmExports,
  | 'prepareWeightRows' | 'consensusStakeInto' | 'consensusColumns' | 'emaSums' | 'emaRows' | 'emaWalkInRange'
  | 'emaColumnMaxima' | 'emaDividendsInRange' | 'emaDividendRows'
  | 'emaFixedRows' | 'emaLiquidRows' | 'yuma3DividendRows' | 'clipRows' | 'addInto' | 'maxInto'
>;
