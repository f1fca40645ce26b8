// Linear consensus (spec/commune.md section 2), stage by stage: no median, no clipping, no
// EMA. Stored bonds are only checked (a column >= n fails the epoch, which the caller
// handles before this runs); the new bonds are this epoch's column-normalized delta.
import type { Kernels } from '../kernels.js';
import { ONE, addSat, divChecked, mulChecked } from './fixed.js';
import { sparseU16 } from './csr.js';
import {
  communeLayout, prepareStake, prepareWeights, resultVectors, trustOf, unclippedRanks, type CommuneBufs,
} from './buffers.js';
import { newPermits } from './permits.js';
import { applyWeightDelegationFee } from './delegation.js';
import type { ConsensusRun } from './result.js';
import type { CommuneEpochInput } from './types.js';
import type { Csr } from './csr.js';

/**
 * 2.7 consensus (stored only): total = sum A (saturating); for each validator i ascending,
 * r_i = div(A_i, total) (checked, 0 when total is 0); C_j += mul(W_ij, r_i) (checked mul,
 * 0 on overflow; saturating add), row entries in order.
 */
export function linearConsensus(n: number, W: Csr, A: BigInt64Array): BigInt64Array {
  let total = 0n;
  for (let i = 0; i < n; i++) total = addSat(total, A[i]!);
  const C = new BigInt64Array(n);
  for (let i = 0; i < n; i++) {
    const r = divChecked(A[i]!, total) ?? 0n;
    for (let q = W.ptr[i]!; q < W.ptr[i + 1]!; q++) {
      const j = W.col[q]!;
      C[j] = addSat(C[j]!, mulChecked(W.val[q]!, r) ?? 0n);
    }
  }
  return C;
}

/**
 * linearConsensus on the clip kernel (its ranks, with no threshold reached and r as the stake):
 * the same bits whenever no product can overflow and no sum saturate, which holds when every
 * r_i and every W entry is at most ONE (so every partial sum is at most sum r <= ONE). W is at
 * most ONE unless a row's u16 sum wrapped (a row of over 32768 entries); then, and when total
 * is out of range, the literal BigInt form above runs.
 */
function linearConsensusFast(n: number, W: Csr, m: CommuneBufs, k: Kernels): BigInt64Array {
  const A = m.A.view;
  let total = 0n;
  for (let i = 0; i < n; i++) total = addSat(total, A[i]!);
  let longest = 0;
  for (let i = 0; i < n; i++) longest = Math.max(longest, W.ptr[i + 1]! - W.ptr[i]!);
  const r = m.linR.view;
  let fits = longest <= 32768;
  for (let i = 0; i < n && fits; i++) {
    r[i] = divChecked(A[i]!, total) ?? 0n;
    fits = r[i]! >= 0n && r[i]! <= ONE;
  }
  if (!fits) return linearConsensus(n, W, A);
  m.noClip.view.fill((1n << 63n) - 1n);
  k.clip(n, m.WPtr, m.WCol, m.WVal, m.noClip, m.linR, 0n, m.linVT, m.linC, null, null, null);
  return m.linC.view.slice(0, n);
}

/** Runs Linear on a valid epoch with n > 0 (n = 0 is "no weights", handled by the caller). */
export function communeLinear(input: CommuneEpochInput, k: Kernels): ConsensusRun {
  const { n } = input;
  const nnzW = input.weights.col.length;
  const m = k.alloc(communeLayout(n, nnzW, 0, false));

  // 2.1 prepared rows (parser), 2.4 weights W; 2.2 activity, 2.5 stake, 2.6 active stake
  const nnz = prepareWeights(input, m, k);
  const active = prepareStake(input, m, k);
  // 2.3 new permits
  const newPermit = newPermits(input);
  const W: Csr = { ptr: m.WPtr.view, col: m.WCol.view, val: m.WVal.view };

  // 2.7 consensus; 2.8 preranks P = matmul(W, A); 2.9 validator trust = row sums of W.
  // 2.10 ranks R = matmul(W, A) is bit-identical to P; trust = R / P (1.0 or 0);
  // incentive = normalize(R)
  const consensus = linearConsensusFast(n, W, m, k);
  unclippedRanks(n, m, k);
  m.VT.view.set(m.rowSums.view.subarray(0, n));
  m.R.view.set(m.P.view.subarray(0, n));
  const trust = trustOf(m.R.view.subarray(0, n), m.P.view.subarray(0, n));
  m.I.view.set(m.R.view.subarray(0, n));
  k.normalize(m.I, n);

  // 2.11 stored bonds: only checked (column >= n fails, by the caller), then discarded.
  // 2.12 bond delta dB_ij = mul(W_ij, A_i), column-normalized; every entry of W kept
  k.scaleRows(n, m.WPtr, m.WCol, m.WVal, m.A, m.delta, m.sums);
  k.divideColumns(nnz, m.WCol, m.delta, m.delta, m.sums);
  // 2.13 dividends D_i = sum_j mul(I_j, dB_ij); weight-delegation fee; normalize
  k.rowDotIncentive(n, m.WPtr, m.WCol, m.delta, m.I, m.Div);
  const dividendsRaw = m.Div.view.slice(0, n);
  applyWeightDelegationFee(m.Div.view, input.neurons.weight_parent, input.neurons.validator_weight_fee);
  const dividendsAfterFee = m.Div.view.slice(0, n);
  k.normalize(m.Div, n);
  // 2.14 new bonds: dB as column-normalized (not max-upscaled), fixed_proportion_to_u16,
  // on the pattern and in the order of the masked weight rows, zeros included
  k.toU16Array(nnz, m.delta, m.u16);

  return {
    active,
    newPermit,
    ...resultVectors(m, n),
    consensus,
    trust,
    dividendsRaw,
    dividendsAfterFee,
    liquidAlpha: null,
    bondRows: sparseU16(m.WPtr.view, m.WCol.view, m.u16.view, n),
  };
}
