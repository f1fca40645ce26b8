// Subspace's Yuma consensus (spec/commune.md section 1), stage by stage. Matrix stages whose
// math is subtensor's run on the WASM kernels; Commune's own stages (activity, permits,
// old-bond mask, trust, liquid alpha, weight-delegation fee) are TypeScript over flat arrays.
import type { Kernels } from '../kernels.js';
import { placeSparse } from '../memory.js';
import { ONE, u16Fraction } from './fixed.js';
import { maskStoredBonds, sparseU16 } from './csr.js';
import { communeLayout, csrOf, prepareStake, prepareWeights, resultVectors, trustOf, unclippedRanks } from './buffers.js';
import { newPermits } from './permits.js';
import { emaPerColumn, liquidAlpha } from './liquid-alpha.js';
import { applyWeightDelegationFee } from './delegation.js';
import type { ConsensusRun } from './result.js';
import type { CommuneEpochInput } from './types.js';

/**
 * 1.1 scalar EMA alpha: 1 - trunc32(bma / 10^6), the quotient taken in I64F64 and narrowed
 * (floor), so alpha = ONE - floor(bma * 2^32 / 10^6); negative above 10^6 (not range-checked).
 */
export const emaAlpha = (bma: number): bigint => ONE - (BigInt(bma) << 32n) / 1_000_000n;

/** Runs Yuma on a valid epoch (no stored bond column >= n: the caller fails those). */
export function communeYuma(input: CommuneEpochInput, k: Kernels): ConsensusRun {
  const { n } = input;
  const hp = input.hyperparameters;
  const { last_update, block_at_registration } = input.neurons;

  // 1.6.1 stored bonds with the weight mask, read first: their count sizes the buffers
  const stored = maskStoredBonds(input.bonds, last_update, block_at_registration);
  const m = k.alloc(communeLayout(n, input.weights.col.length, stored.col.length, true));

  // 1.4 weight preparation; 1.3 activity, 1.2 stake, 1.5 active stake
  prepareWeights(input, m, k);
  const active = prepareStake(input, m, k);
  // 1.5 new permits (for the next epoch; only the stored bond rows depend on them here)
  const newPermit = newPermits(input);

  // 1.5 consensus: stake-weighted median per column (yuma.md 3; kappa = div(Kappa, 65535))
  k.consensus(
    n, m.WPtr, m.WCol, m.WVal, m.A, u16Fraction(hp.kappa),
    m.u, m.colPtr, m.cursor, m.medianScore, m.medianWeight, m.hist, m.C, null, null,
  );
  // 1.5 preranks on the unclipped weights
  unclippedRanks(n, m, k);
  // 1.5 clip: W' = col_clip(W, C), validator trust = row sums of W', ranks R = matmul(W', A).
  // The kernel drops an entry clipped to a threshold of 0 where the chain keeps (j, 0): no
  // numeric effect (it adds 0 everywhere and never survives the EMA's > 0 filter).
  const nnzWc = k.clip(n, m.WPtr, m.WCol, m.WVal, m.C, m.A, ONE, m.VT, m.R, m.WcPtr, m.WcCol, m.WcVal);
  // 1.5 trust = R / P; incentive = normalize(R)
  const trust = trustOf(m.R.view.subarray(0, n), m.P.view.subarray(0, n));
  m.I.view.set(m.R.view.subarray(0, n));
  k.normalize(m.I, n);

  // 1.6.1-2 old bonds: raw integers, column-normalized
  const nnzB = stored.col.length;
  placeSparse(stored, m.bPtr, m.bCol, m.bVal);
  m.noRecent.view.fill(0); // the per-entry mask already ran (maskStoredBonds)
  k.loadBonds(n, m.bPtr, m.bCol, m.bVal, m.noRecent, false, m.BPtr, m.BCol, m.BVal, m.sums);
  k.divideColumns(nnzB, m.BCol, m.BVal, m.BVal, m.sums);
  // 1.6.3 bond delta: row_hadamard(W', A), column-normalized
  k.scaleRows(n, m.WcPtr, m.WcCol, m.WcVal, m.A, m.delta, m.sums);
  k.divideColumns(nnzWc, m.WcCol, m.delta, m.delta, m.sums);

  // 1.6.4 EMA: Commune's liquid alpha with weight encryption (unless its fallback applies),
  // else the scalar alpha of bonds_moving_average
  const liquid = hp.use_weights_encryption
    ? liquidAlpha(m.C.view.slice(0, n), u16Fraction(hp.alpha_low), u16Fraction(hp.alpha_high))
    : null;
  const delta = csrOf(m.WcPtr, m.WcCol, m.delta);
  const old = csrOf(m.BPtr, m.BCol, m.BVal);
  const nnzE = liquid
    ? emaPerColumn(n, liquid.alpha, delta, old, csrOf(m.EPtr, m.ECol, m.EVal))
    : k.emaFixed(
        n, emaAlpha(hp.bonds_moving_average), m.WcPtr, m.WcCol, m.delta, m.BPtr, m.BCol, m.BVal,
        m.EPtr, m.ECol, m.EVal, m.sums,
      );
  // 1.6.5 column-normalize B; 1.6.6 dividends D_i = sum_j mul(I_j, B_ij)
  k.colnorm(n, nnzE, m.ECol, m.EVal, m.EVal, m.sums);
  k.rowDotIncentive(n, m.EPtr, m.ECol, m.EVal, m.I, m.Div);
  const dividendsRaw = m.Div.view.slice(0, n);
  // 1.6.7 weight-delegation fee; 1.6.8 normalize
  applyWeightDelegationFee(m.Div.view, input.neurons.weight_parent, input.neurons.validator_weight_fee);
  const dividendsAfterFee = m.Div.view.slice(0, n);
  k.normalize(m.Div, n);
  // 1.6.9 storage form: column max-upscale, fixed_proportion_to_u16 per entry
  k.colMaxUpscale(n, nnzE, m.ECol, m.EVal, m.sums);
  k.toU16Array(nnzE, m.EVal, m.u16);

  return {
    active,
    newPermit,
    ...resultVectors(m, n),
    consensus: m.C.view.slice(0, n),
    trust,
    dividendsRaw,
    dividendsAfterFee,
    liquidAlpha: liquid,
    bondRows: sparseU16(m.EPtr.view, m.ECol.view, m.u16.view, n),
  };
}
