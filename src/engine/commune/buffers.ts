// The flat arrays of one Commune epoch, carved once from the kernels' memory (../memory.ts),
// and the stages both consensus types share before they part: weight preparation and the
// stake vectors. Kernels are used only where their contract is commune.md's bit for bit.
import { MEDIAN_SCRATCH, type Kernels } from '../kernels.js';
import { placeSparse, type Bufs, type Layout } from '../memory.js';
import { activity } from './activity.js';
import { maskActiveStake, normalizedStake } from './stake.js';
import type { Csr } from './csr.js';
import type { CommuneEpochInput } from './types.js';

/** nnzB: the masked stored bonds (Yuma only; Linear discards them). */
export function communeLayout(n: number, nnzW: number, nnzB: number, yuma: boolean) {
  const y = (len: number) => (yuma ? len : 0);
  const nnzE = yuma ? nnzW + nnzB : 0;
  return {
    // stored weights and the masks prepareWeights reads
    wPtr: ['u32', n + 1], wCol: ['u32', nnzW], wVal: ['u16', nnzW],
    forbid: ['u8', n], lastUpdate: ['f64', n], registered: ['f64', n],
    // W: prepared, row-normalized weights (raw I32F32)
    WPtr: ['u32', n + 1], WCol: ['u32', nnzW], WVal: ['i64', nnzW],
    // vectors (raw I32F32)
    S: ['i64', n], A: ['i64', n], C: ['i64', n], P: ['i64', n], VT: ['i64', n], R: ['i64', n],
    I: ['i64', n], Div: ['i64', n], sums: ['i64', n], noClip: ['i64', n], rowSums: ['i64', n],
    // Linear consensus on the clip kernel: stake shares r, the result, and unused row sums
    linR: ['i64', yuma ? 0 : n], linC: ['i64', yuma ? 0 : n], linVT: ['i64', yuma ? 0 : n],
    // Yuma: the median's scratch, and W' = col_clip(W, C)
    u: ['i64', y(n)], colPtr: ['u32', y(n + 1)], cursor: ['u32', y(n)],
    medianScore: ['i64', y(MEDIAN_SCRATCH(n))], medianWeight: ['i64', y(MEDIAN_SCRATCH(n))], hist: ['i64', y(256)],
    WcPtr: ['u32', n + 1], WcCol: ['u32', y(nnzW)], WcVal: ['i64', y(nnzW)],
    // the bond delta, on the pattern of W' (Yuma) or W (Linear)
    delta: ['i64', nnzW],
    // Yuma: B (masked stored bonds) and E (the EMA)
    bPtr: ['u32', y(n + 1)], bCol: ['u32', nnzB], bVal: ['u16', nnzB], noRecent: ['u8', y(n)],
    BPtr: ['u32', y(n + 1)], BCol: ['u32', nnzB], BVal: ['i64', nnzB],
    EPtr: ['u32', y(n + 1)], ECol: ['u32', nnzE], EVal: ['i64', nnzE],
    // u16 storage form of the new bond rows
    u16: ['u16', Math.max(nnzE, nnzW)],
  } as const satisfies Layout;
}

export type CommuneBufs = Bufs<ReturnType<typeof communeLayout>>;

/** A CSR view over three buffers. */
export const csrOf = (
  ptr: { view: Uint32Array }, col: { view: Uint32Array }, val: { view: BigInt64Array },
): Csr => ({ ptr: ptr.view, col: col.view, val: val.view });

/**
 * commune.md 1.4 (2.1, 2.4): stored u16 rows (targets >= n already dropped by the parser),
 * as raw integers; rows of uids without a stored permit emptied only when
 * max_allowed_validators is set; the diagonal removed, no exceptions; entry (i, j) removed
 * when lu_i <= reg_j; no commit-reveal mask; row-normalized. This is exactly the contract
 * of the prepareWeights kernel with no owner and no commit blocks. Returns nnz of W.
 */
export function prepareWeights(input: CommuneEpochInput, m: CommuneBufs, k: Kernels): number {
  const { n } = input;
  const capped = input.hyperparameters.max_allowed_validators !== null;
  placeSparse(input.weights, m.wPtr, m.wCol, m.wVal);
  const permit = input.neurons.validator_permit;
  for (let i = 0; i < n; i++) m.forbid.view[i] = capped && !permit[i] ? 1 : 0;
  m.lastUpdate.view.set(input.neurons.last_update);
  m.registered.view.set(input.neurons.block_at_registration);
  return k.prepareWeights(
    n, m.wPtr, m.wCol, m.wVal, m.forbid, m.lastUpdate, m.registered, null, -1, m.WPtr, m.WCol, m.WVal,
  );
}

/**
 * commune.md 1.3, 1.2, 1.5 "Active stake" (2.2, 2.5, 2.6): returns `active`; fills S (the
 * stake vector) and A (active stake, normalized with the kernel: yuma.md 1.2 normalize).
 */
export function prepareStake(input: CommuneEpochInput, m: CommuneBufs, k: Kernels): Uint8Array {
  const active = activity(input);
  normalizedStake(input.neurons.stake, m.S.view);
  maskActiveStake(input, m.S.view, active, m.A.view);
  k.normalize(m.A, input.n);
  return active;
}

/**
 * Preranks P = matmul(W, A) and the row sums of W, on the UNclipped weights: the clip kernel
 * (yuma.md 2.7-2.8, no bonds output with beta 0) with a threshold no weight reaches, so that
 * every entry is kept as it is. Writes P and `rowSums`.
 */
export function unclippedRanks(n: number, m: CommuneBufs, k: Kernels): void {
  m.noClip.view.fill((1n << 63n) - 1n);
  k.clip(n, m.WPtr, m.WCol, m.WVal, m.noClip, m.A, 0n, m.rowSums, m.P, m.WcPtr, m.WcCol, m.WcVal);
}

/** The vectors both consensus types read back from their buffers at the end. */
export function resultVectors(m: CommuneBufs, n: number) {
  return {
    stake: m.S.view.slice(0, n),
    activeStake: m.A.view.slice(0, n),
    preranks: m.P.view.slice(0, n),
    validatorTrust: m.VT.view.slice(0, n),
    ranks: m.R.view.slice(0, n),
    incentive: m.I.view.slice(0, n),
    dividends: m.Div.view.slice(0, n),
  };
}

/** T_j = R_j / P_j, or 0 where P_j == 0 (R <= P: at most exactly 1). */
export function trustOf(R: BigInt64Array, P: BigInt64Array): BigInt64Array {
  return R.map((r, j) => (P[j] === 0n ? 0n : (r << 32n) / P[j]!));
}
