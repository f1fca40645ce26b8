// Deterministic synthetic subnets for benchmarks, profiling and large property tests:
// the same (shape, seed) always gives the same EpochInput, on every platform.
import { CHAIN_DEFAULT_HYPERPARAMETERS, type EpochInput, type SparseU16 } from './types.js';

export interface SyntheticShape {
  /** subnet size */
  n: number;
  /** validators: uids 0..V-1 hold most stake, a permit, a weight row and a bond row */
  validators: number;
  /** entries per validator row; n (or more) means full rows */
  rowLen?: number;
  yuma3?: boolean;
  liquidAlpha?: boolean;
  bondsPenalty?: number;
  seed?: number;
}

/** xorshift32: small, fast, and identical everywhere. */
export function rng(seed: number): () => number {
  let s = seed >>> 0 || 0x9e3779b9;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s;
  };
}

/** Sorted distinct columns: all n, or k of them spread with random jitter. */
function pickColumns(n: number, k: number, next: () => number, out: Uint32Array, at: number): void {
  if (k >= n) {
    for (let j = 0; j < n; j++) out[at + j] = j;
    return;
  }
  // one column from each of k equal strata keeps them sorted and distinct
  for (let q = 0; q < k; q++) {
    const lo = Math.floor((q * n) / k), hi = Math.floor(((q + 1) * n) / k);
    out[at + q] = lo + (next() % (hi - lo));
  }
}

function validatorRows(n: number, V: number, len: number, next: () => number, maxVal: number): SparseU16 {
  const rowPtr = new Uint32Array(n + 1);
  for (let i = 0; i < n; i++) rowPtr[i + 1] = rowPtr[i]! + (i < V ? len : 0);
  const col = new Uint32Array(rowPtr[n]!);
  const val = new Uint16Array(rowPtr[n]!);
  for (let i = 0; i < V; i++) {
    pickColumns(n, len, next, col, rowPtr[i]!);
    for (let q = rowPtr[i]!; q < rowPtr[i + 1]!; q++) val[q] = next() % (maxVal + 1);
  }
  return { rowPtr, col, val };
}

export function syntheticInput(shape: SyntheticShape): EpochInput {
  const { n, validators } = shape;
  const V = Math.min(validators, n);
  const len = Math.min(shape.rowLen ?? n, n);
  const next = rng(shape.seed ?? 1);
  const block = 5_000_000;
  const alpha = new BigUint64Array(n);
  const tao = new BigUint64Array(n);
  const permit = new Uint8Array(n);
  const lastUpdate = new Float64Array(n).fill(block - 10);
  const registered = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    if (i < V) {
      alpha[i] = BigInt(1_000 + (next() % 100_000)) * 1_000_000_000n;
      tao[i] = BigInt(next() % 10_000) * 1_000_000_000n;
      permit[i] = 1;
    } else {
      alpha[i] = BigInt(next() % 1_000) * 1_000_000n;
    }
    // a few miners registered since the last epoch: their bond columns get masked
    registered[i] = i >= V && next() % 64 === 0 ? block - 5 : 1_000 + (next() % 100_000);
  }
  return {
    netuid: 1,
    n,
    current_block: block,
    last_mechanism_step_block: block - 361,
    rao_emission: 1_000_000_000n,
    owner_uid: null,
    hyperparameters: {
      ...CHAIN_DEFAULT_HYPERPARAMETERS,
      bonds_penalty: shape.bondsPenalty ?? 65535,
      max_allowed_validators: V,
      yuma3: shape.yuma3 ?? false,
      liquid_alpha: shape.liquidAlpha ?? false,
      commit_reveal: false,
    },
    tao_weight: 971718665099567868n,
    neurons: {
      alpha_stake: alpha,
      tao_stake: tao,
      last_update: lastUpdate,
      block_at_registration: registered,
      validator_permit: permit,
      commit_block: null,
    },
    weights: validatorRows(n, V, len, next, 65535),
    bonds: validatorRows(n, V, len, next, 65535),
  };
}
