// One Yuma epoch of one subnet, as the chain's sparse production path computes it
// (spec/yuma.md section 2). Vector stages run here; every O(nnz) stage is a kernel.
import type { EpochInput, EpochOutput, SparseU16 } from './types.js';
import { MEDIAN_SCRATCH, type Kernels } from './kernels.js';
import { layoutBytes, placeSparse, type Buf, type Layout } from './memory.js';
import { EpochTooLargeError, WASM_MAX_BYTES, WASM_RESERVED_BYTES, largestFitting } from './limits.js';
import { _validateEpochShape, csrRowError } from './validate.js';
import { defaultKernels } from './wasm.js';
import { activity } from './stages/activity.js';
import { combineStake } from './stages/stake.js';
import { forbidden, newPermits } from './stages/permits.js';
import { I32F32_ONE } from './i32f32.js';
import { raiseMallocThresholds } from './heap.js';

export interface EpochOptions {
  /** include the raw I32F32 intermediate vectors (output `trace`) */
  trace?: boolean;
  /** the kernels to run on (default: this thread's WASM instance) */
  kernels?: Kernels;
  /** called after each stage with its wall time (for profiling; costs nothing when absent) */
  onStage?: (stage: EpochStage, ms: number) => void;
}

/** The pipeline's stages, in order (named as in docs/spec/yuma-stages.md). */
export const EPOCH_STAGES = [
  'activity', 'stake', 'permits', 'active_stake', 'weights', 'consensus', 'clip_trust_ranks',
  'bonds_load', 'ema_bonds', 'dividends', 'emission', 'outputs',
] as const;
export type EpochStage = (typeof EPOCH_STAGES)[number];

/** mark(stage) reports the time since the previous mark; a no-op without a listener. */
function stageClock(onStage?: (stage: EpochStage, ms: number) => void): (stage: EpochStage) => void {
  if (!onStage) return () => {};
  let last = performance.now();
  return (stage) => {
    const now = performance.now();
    onStage(stage, now - last);
    last = now;
  };
}

/** u16 proportion to I32F32: floor(b * 2^32 / 65535) (yuma.md 1.2). */
const u16p = (b: number) => (BigInt(b) << 32n) / 65535n;
/** EMA alpha from bonds_moving_average per million: I32F32_ONE - floor(bma * 2^32 / 10^6) (yuma.md 4). */
const emaAlpha = (bma: number) => I32F32_ONE - (BigInt(bma) << 32n) / 1_000_000n;

/**
 * The input's weights and bonds where the caller already placed them in the kernels' memory
 * (a split epoch's staged input): the kernels read them there, and the epoch neither carves
 * nor copies them.
 */
export interface PlacedInput {
  wPtr: Buf<'u32'>; wCol: Buf<'u32'>; wVal: Buf<'u16'>;
  bPtr: Buf<'u32'>; bCol: Buf<'u32'>; bVal: Buf<'u16'>;
}

/** The epoch's buffers; `placed`: the input's weights and bonds lie in the memory already (none carved). */
function layout(n: number, nnzW: number, nnzB: number, hp: EpochInput['hyperparameters'], placed = false) {
  const nnzE = nnzW + nnzB;
  const [inW, inB] = placed ? [0, 0] : [nnzW, nnzB];
  const inPtr = placed ? 0 : n + 1;
  // Yuma3 keeps the weights for bonds and the loaded bonds as matrices; original Yuma does not
  const wb = hp.yuma3 && hp.bonds_penalty !== 0 ? nnzW : 0;
  const y3B = hp.yuma3 ? nnzB : 0;
  return {
    // inputs, copied in once (unless placed)
    wPtr: ['u32', inPtr], wCol: ['u32', inW], wVal: ['u16', inW],
    bPtr: ['u32', inPtr], bCol: ['u32', inB], bVal: ['u16', inB],
    forbid: ['u8', n], recent: ['u8', n],
    lastUpdate: ['f64', n], registered: ['f64', n], commit: ['f64', hp.commit_reveal ? n : 0],
    // stake inputs (u64 rao), the combined stake, the filtered I96F32 stakes as (hi, lo)
    alpha: ['u64', n], tao: ['u64', n], rawStake: ['u64', n], th: ['u64', n], tl: ['u64', n],
    // vectors (raw I32F32)
    stake: ['i64', n], a: ['i64', n], u: ['i64', n], C: ['i64', n], VT: ['i64', n],
    I: ['i64', n], Div: ['i64', n], sums: ['i64', n], colMax: ['i64', n],
    // W: masked, row-normalized weights
    WPtr: ['u32', n + 1], WCol: ['u32', nnzW], WVal: ['i64', nnzW],
    // the median's gather buffers (one block of columns at a time)
    colPtr: ['u32', n + 1], cursor: ['u32', n],
    medianScore: ['i64', MEDIAN_SCRATCH(n)], medianWeight: ['i64', MEDIAN_SCRATCH(n)], hist: ['i64', 256],
    // Wb: Yuma3's weights for bonds (W itself when bonds_penalty is 0)
    WbPtr: ['u32', n + 1], WbCol: ['u32', wb], WbVal: ['i64', wb],
    // B: Yuma3's loaded bonds; sumD, sumB: original Yuma's column sums; E: the new bonds (EMA)
    BPtr: ['u32', n + 1], BCol: ['u32', y3B], BVal: ['i64', y3B], sumD: ['i64', n], sumB: ['i64', n],
    EPtr: ['u32', n + 1], ECol: ['u32', nnzE], EVal: ['i64', nnzE],
    // outputs: u16 vectors, and the stored bonds (original Yuma: written with the dividends)
    u16: ['u16', n], EU16: ['u16', nnzE],
    serverEm: ['u64', n], validatorEm: ['u64', n], em: ['u64', n],
  } as const satisfies Layout;
}

/**
 * Bytes of WebAssembly memory one epoch needs (its buffers, carved once, and the kernels'
 * static data below them): what decides whether it fits in the 4 GiB of wasm32.
 * `placed`: without the input's weights and bonds (a split epoch stages them itself).
 */
export function epochBytes(
  n: number, weightEntries: number, bondEntries: number, hp: EpochInput['hyperparameters'], placed = false,
): number {
  return WASM_RESERVED_BYTES + layoutBytes(layout(n, weightEntries, bondEntries, hp, placed));
}

/**
 * Refuses, before anything is allocated, an epoch whose buffers exceed `limit` bytes
 * (default: all of wasm32's memory), naming its entry counts, the limit and the most weight
 * entries that would fit.
 */
export function assertEpochFits(
  n: number, weightEntries: number, bondEntries: number, hp: EpochInput['hyperparameters'], limit = WASM_MAX_BYTES,
): void {
  const bytes = epochBytes(n, weightEntries, bondEntries, hp);
  if (bytes <= limit) return;
  const most = largestFitting((w) => epochBytes(n, w, bondEntries, hp), limit, n * n);
  throw new EpochTooLargeError(n, weightEntries, bondEntries, bytes, limit, Math.max(0, most));
}

/**
 * One epoch of one subnet. The input is checked first (validateEpochInput: an InputError naming
 * the field and index) and so is its size (EpochTooLargeError when its buffers exceed the
 * WebAssembly memory); a bad input gives no output (the weights' and bonds' column order is
 * checked as each lands in the kernels' memory, before any kernel reads it), and the next good
 * one runs as usual.
 */
export function runEpoch(input: EpochInput, options: EpochOptions = {}): EpochOutput {
  // the weights' and bonds' column order is checked where they land in the kernels' memory
  // (csrRowsCheck), before any kernel reads them: the same InputError, in a fraction of the
  // time (measured: bench/validate.ab.ts)
  _validateEpochShape(input);
  assertEpochFits(input.n, input.weights.col.length, input.bonds.col.length, input.hyperparameters);
  return _runCheckedEpoch(input, options, undefined, true);
}

/**
 * runEpoch on an input already checked by validateEpochInput and assertEpochFits (the pool's
 * workers: the main thread checked it before cloning). `placed`: its weights and bonds as they
 * already lie in the kernels' memory (a split epoch's leader).
 * @internal
 */
export function _runCheckedEpoch(input: EpochInput, options: EpochOptions = {}, placed?: PlacedInput, checkColumns = false): EpochOutput {
  raiseMallocThresholds(); // the outputs below are fresh arrays: keep them off fresh pages (heap.ts)
  const k = options.kernels ?? defaultKernels();
  const mark = stageClock(options.onStage);
  const { m, active, rawStake, newPermit, nnzE } = epochStages(input, k, mark, true, placed, checkColumns);
  const { n } = input;

  // 2.15 outputs: u16 vectors, and a bond row for every uid (EMA row if newly permitted)
  const u16 = (v: typeof m.C) => {
    k.toU16Array(n, v, m.u16);
    return m.u16.view.slice(0, n);
  };
  const neurons = {
    active,
    stake_weight: u16(m.stake),
    consensus: u16(m.C),
    validator_trust: u16(m.VT),
    incentive: u16(m.I),
    dividend: u16(m.Div),
    new_validator_permit: newPermit,
    server_emission: m.serverEm.view.slice(),
    validator_emission: m.validatorEm.view.slice(),
    emission: m.em.view.slice(),
    stake: rawStake,
  };
  // 2.12f original Yuma stores the column max-upscaled EMA (in EU16 since emaDividends), Yuma3
  // the EMA as is
  if (input.hyperparameters.yuma3) k.toU16Array(nnzE, m.EVal, m.EU16);
  const bonds = keepRows(m.EPtr.view, m.ECol.view, m.EU16.view, newPermit);

  const out: EpochOutput = { netuid: input.netuid, n, neurons, bonds };
  if (options.trace) {
    out.trace = {
      stake: m.stake.view.slice(),
      active_stake: m.a.view.slice(),
      consensus: m.C.view.slice(),
      validator_trust: m.VT.view.slice(),
      incentive: m.I.view.slice(),
      dividends: m.Div.view.slice(),
    };
  }
  mark('outputs');
  return out;
}

/**
 * The epoch's emission only (2.1-2.14, no outputs built): what a sweep that reads nothing else
 * needs (`yuma map`). The same stages as runEpoch, so the numbers are runEpoch's; the returned
 * array is a view into the kernels' memory, valid until their next epoch.
 * @internal
 */
export function _epochEmission(input: EpochInput, kernels: Kernels = defaultKernels()): BigUint64Array {
  return epochStages(input, kernels, () => {}, false).m.em.view;
}

/**
 * Stages 2.1-2.14 on one subnet: everything but building the outputs (`storedBonds`: and original
 * Yuma's stored u16 bonds, which come out of the dividends' pass).
 */
function epochStages(
  input: EpochInput, k: Kernels, mark: (stage: EpochStage) => void, storedBonds: boolean, placed?: PlacedInput,
  checkColumns = false,
) {
  const { n, hyperparameters: hp } = input;
  const m = { ...k.alloc(layout(n, input.weights.col.length, input.bonds.col.length, hp, placed !== undefined)), ...placed };

  // 2.1 activity
  const { active, recent } = activity(input);
  mark('activity');
  // 2.2 stake
  const stake = m.stake.view;
  const rawStake = combineStake(input, { stake: m.stake, alpha: m.alpha, tao: m.tao, raw: m.rawStake, th: m.th, tl: m.tl }, k);
  mark('stake');
  // 2.3 validator permits: last epoch's gate this one; new ones only pick stored bond rows
  const forbid = forbidden(input);
  const newPermit = newPermits(stake, hp.max_allowed_validators, input.owner_uid);
  mark('permits');
  // 2.4 active stake
  // copied as 32-bit word pairs: a BigInt per uid would cost more than the whole kernel
  const a32 = new Int32Array(m.a.view.buffer, m.a.ptr, 2 * n);
  const s32 = new Int32Array(stake.buffer, m.stake.ptr, 2 * n);
  for (let i = 0; i < n; i++) {
    const keep = active[i] && !forbid[i];
    a32[2 * i] = keep ? s32[2 * i]! : 0;
    a32[2 * i + 1] = keep ? s32[2 * i + 1]! : 0;
  }
  k.normalize(m.a, n);
  mark('active_stake');

  // 2.5 weights: masks and row normalization
  if (!placed) placeSparse(input.weights, m.wPtr, m.wCol, m.wVal);
  // runEpoch's input check of each matrix's columns, where it lands, before any kernel reads it
  if (checkColumns && k.csrRowsCheck(n, m.wPtr, m.wCol) >= 0) csrRowError(input.weights, n, 'weights');
  m.forbid.view.set(forbid);
  m.lastUpdate.view.set(input.neurons.last_update);
  m.registered.view.set(input.neurons.block_at_registration);
  const commit = hp.commit_reveal ? m.commit : null;
  if (commit) commit.view.set(input.neurons.commit_block!);
  k.prepareWeights(
    n, m.wPtr, m.wCol, m.wVal, m.forbid, m.lastUpdate, m.registered, commit,
    input.owner_uid ?? -1, m.WPtr, m.WCol, m.WVal,
  );
  mark('weights');

  // 2.6 consensus: stake-weighted median per column; without the weights for bonds to write,
  // it may do 2.7-2.9 too (a dense matrix: VT and the ranks from each column as it is solved)
  const beta = u16p(hp.bonds_penalty);
  const wantWb = hp.yuma3 && beta !== 0n;
  const clipped = k.consensus(
    n, m.WPtr, m.WCol, m.WVal, m.a, u16p(hp.kappa), m.u, m.colPtr, m.cursor, m.medianScore, m.medianWeight, m.hist, m.C,
    wantWb ? null : m.VT, wantWb ? null : m.I,
  );
  mark('consensus');

  // 2.7-2.10 clip, validator trust, ranks, and (Yuma3 only) the weights for bonds
  if (!clipped) {
    k.clip(
      n, m.WPtr, m.WCol, m.WVal, m.C, m.a, beta, m.VT, m.I,
      wantWb ? m.WbPtr : null, wantWb ? m.WbCol : null, wantWb ? m.WbVal : null,
    );
  }
  // original Yuma with beta == I32F32_ONE: the bonds delta's column sums ARE the ranks (mulF commutes,
  // a dropped entry adds 0 to both), so keep them before they become the incentive
  const sumDReady = !hp.yuma3 && beta === I32F32_ONE;
  if (sumDReady) m.sumD.view.set(m.I.view);
  // 2.9 incentive = normalize(ranks)
  k.normalize(m.I, n);
  mark('clip_trust_ranks');

  // 2.11 stored bonds, recently registered columns dropped
  if (!placed) placeSparse(input.bonds, m.bPtr, m.bCol, m.bVal);
  if (checkColumns && k.csrRowsCheck(n, m.bPtr, m.bCol) >= 0) csrRowError(input.bonds, n, 'bonds');
  m.recent.view.set(recent);
  mark('bonds_load');

  const alpha = emaAlpha(hp.bonds_moving_average);
  let nnzE: number;
  if (!hp.yuma3) {
    // 2.10-2.12c original Yuma: the EMA of the column-normalized stake-weighted delta and of
    // the column-normalized stored bonds, read straight from W and the u16 bonds
    nnzE = k.emaOriginal(
      n, m.WPtr, m.WCol, m.WVal, m.C, m.a, beta, m.bPtr, m.bCol, m.bVal, m.recent, alpha,
      m.EPtr, m.ECol, m.EVal, m.sums, m.colMax, m.sumD, m.sumB, sumDReady, weightsInRange(input.weights.rowPtr),
    );
    mark('ema_bonds');
    // 2.12d-f dividends, and the stored form of the new bonds in the same pass
    k.emaDividends(n, m.EPtr, m.ECol, m.EVal, m.sums, m.I, m.Div, m.colMax, storedBonds ? m.EU16 : null);
    k.normalize(m.Div, n);
    mark('dividends');
  } else {
    // 2.11 Yuma3 bonds are u16 proportions; 2.13 liquid alpha only once some consensus is
    // non-zero; the EMA is stored as is
    const Wb = beta === 0n ? { ptr: m.WPtr, col: m.WCol, val: m.WVal } : { ptr: m.WbPtr, col: m.WbCol, val: m.WbVal };
    k.loadBonds(n, m.bPtr, m.bCol, m.bVal, m.recent, true, m.BPtr, m.BCol, m.BVal, m.sums);
    const liquid = hp.liquid_alpha && new Int32Array(m.C.view.buffer, m.C.ptr, 2 * n).some((w) => w !== 0); // as words: no BigInt per uid
    nnzE = liquid
      ? k.emaLiquid(
          n, m.C, u16p(hp.alpha_low), u16p(hp.alpha_high), BigInt(hp.alpha_sigmoid_steepness) * I32F32_ONE,
          Wb.ptr, Wb.col, Wb.val, m.BPtr, m.BCol, m.BVal, m.EPtr, m.ECol, m.EVal, m.sums,
        )
      : k.emaFixed(n, alpha, Wb.ptr, Wb.col, Wb.val, m.BPtr, m.BCol, m.BVal, m.EPtr, m.ECol, m.EVal, m.sums);
    mark('ema_bonds');
    k.yuma3Dividends(n, m.EPtr, m.ECol, m.EVal, m.sums, m.I, m.a, m.Div);
    k.normalize(m.Div, n);
    mark('dividends');
  }

  // 2.14 emission
  k.emission(n, m.I, m.Div, m.a, m.stake, input.rao_emission, m.serverEm, m.validatorEm, m.em);
  mark('emission');

  return { m, active, rawStake, newPermit, nnzE };
}

/**
 * Whether prepareWeights leaves every entry of W in [0, ONE]: it does where a row's u16 sum is
 * below 2^31, so wherever no row holds more than 32768 entries (65535 * 32768 < 2^31); past
 * that the chain's I32F32 row sum can wrap, and so may an entry.
 */
function weightsInRange(rowPtr: Uint32Array): boolean {
  const n = rowPtr.length - 1;
  if (n <= 32768) return true;
  for (let i = 0; i < n; i++) if (rowPtr[i + 1]! - rowPtr[i]! > 32768) return false;
  return true;
}

/**
 * A fresh CSR holding the rows i with keep[i] (others empty), copied out of kernel memory once
 * per array: a run of consecutive kept rows is one block on both sides, and when every stored row
 * is kept (the common case) each array is one slice, with no zero-fill before the copy.
 */
/** @internal (exported for its test) */
export function keepRows(rowPtr: Uint32Array, col: Uint32Array, val: Uint16Array, keep: Uint8Array): SparseU16 {
  const n = keep.length;
  const outPtr = new Uint32Array(n + 1);
  let every = true;
  for (let i = 0; i < n; i++) {
    const len = rowPtr[i + 1]! - rowPtr[i]!;
    if (keep[i]) outPtr[i + 1] = outPtr[i]! + len;
    else {
      outPtr[i + 1] = outPtr[i]!;
      if (len !== 0) every = false;
    }
  }
  if (every) return { rowPtr: outPtr, col: col.slice(rowPtr[0], rowPtr[n]), val: val.slice(rowPtr[0], rowPtr[n]) };
  const outCol = new Uint32Array(outPtr[n]!);
  const outVal = new Uint16Array(outPtr[n]!);
  for (let i = 0; i < n; ) {
    if (!keep[i]) {
      i++;
      continue;
    }
    let e = i + 1;
    while (e < n && keep[e]) e++;
    outCol.set(col.subarray(rowPtr[i], rowPtr[e]), outPtr[i]);
    outVal.set(val.subarray(rowPtr[i], rowPtr[e]), outPtr[i]);
    i = e;
  }
  return { rowPtr: outPtr, col: outCol, val: outVal };
}
