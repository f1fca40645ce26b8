// commune.md 1.6 step 4, `use_weights_encryption == true`: Commune's liquid alpha, an older
// per-column logistic of consensus (not subtensor's Yuma3 liquid alpha), and the EMA with
// one alpha per column. Every step keeps the chain's quirks (see each function).
import { ONE, addSat, divSat, exp, fromFloat, ln, mulSat, subSat } from './fixed.js';
import type { Csr } from './csr.js';

/**
 * q(v, p): sort a copy ascending, pos = p * (n - 1) in f64, lo = floor, hi = ceil; lo == hi
 * gives v[lo]. Otherwise the chain's "lerp" reduces to mul(v[hi], fract(pos)): v[lo]
 * cancels out (quirk: not an interpolation). n == 0 gives 0.
 */
export function quantile(v: BigInt64Array, p: number): bigint {
  const n = v.length;
  if (n === 0) return 0n;
  const sorted = v.slice().sort();
  const pos = p * (n - 1);
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  if (lo === hi) return sorted[lo]!;
  return mulSat(sorted[hi]!, fromFloat(pos - lo));
}

export interface LiquidAlpha {
  /** [c_high, c_low, a, b] (trace `liquid_alpha_params`) */
  params: BigInt64Array;
  /** the clamped alpha of every column (trace `liquid_alpha`) */
  alpha: BigInt64Array;
}

/** t(x) = ln(1/x - 1) with saturating ops; a failed ln (x = 1 gives ln(0)) counts as 0. */
const logit = (x: bigint) => ln(subSat(divSat(ONE, x), ONE)) ?? 0n;

/**
 * Per-column alpha, or null when the chain falls back to the scalar EMA
 * (c_high <= c_low with c_high == 0 and c_low >= 0). Otherwise:
 * - (a, b) = (0, 0) if c_high <= c_low or either bound is 0 (the quantile quirk can put
 *   c_high below c_low); else a = (t(alpha_high) - t(alpha_low)) / (c_low - c_high) and
 *   b = (t(alpha_low) + a) * c_low (quirk: the sum is multiplied, not t + a * c_low);
 * - alpha_j = 1 / (1 + exp(b - a * C_j)), a failed exp counting as 0 (alpha 1): quirk, an
 *   overflow towards +infinity, where the logistic tends to 0, also yields 1;
 * - clamped to [alpha_low, alpha_high] (the parser rejects alpha_low > alpha_high).
 */
export function liquidAlpha(consensus: BigInt64Array, alphaLow: bigint, alphaHigh: bigint): LiquidAlpha | null {
  const cHigh = quantile(consensus, 0.75);
  const cLow = quantile(consensus, 0.25);
  if (cHigh <= cLow && cHigh === 0n && cLow >= 0n) return null;

  let a = 0n;
  let b = 0n;
  if (!(cHigh <= cLow || alphaLow === 0n || alphaHigh === 0n)) {
    const tLow = logit(alphaLow);
    a = divSat(subSat(logit(alphaHigh), tLow), subSat(cLow, cHigh));
    b = mulSat(addSat(tLow, a), cLow);
  }
  const alpha = consensus.map((c) => {
    const e = exp(subSat(b, mulSat(a, c))) ?? 0n;
    const x = divSat(ONE, addSat(ONE, e));
    return x < alphaLow ? alphaLow : x > alphaHigh ? alphaHigh : x;
  });
  return { params: BigInt64Array.of(cHigh, cLow, a, b), alpha };
}

/**
 * B_ij = alpha_j * dB_ij + (1 - alpha_j) * B_old_ij over the union of both rows' columns,
 * each product rounded (floored) on its own and the two added in that order; rows in
 * ascending column order, entries <= 0 dropped. Returns the nnz written to `out`.
 * The chain's ops saturate, which cannot happen here: alpha_j is clamped into [0, 1] (u16
 * fraction bounds) and both matrices are column-normalized (entries in [0, 1]).
 */
export function emaPerColumn(n: number, alpha: BigInt64Array, delta: Csr, old: Csr, out: Csr): number {
  const keep = alpha.map((a) => ONE - a);
  let k = 0;
  out.ptr[0] = 0;
  for (let i = 0; i < n; i++) {
    let x = delta.ptr[i]!;
    const xe = delta.ptr[i + 1]!;
    let y = old.ptr[i]!;
    const ye = old.ptr[i + 1]!;
    while (x < xe || y < ye) {
      const jx = x < xe ? delta.col[x]! : Infinity;
      const jy = y < ye ? old.col[y]! : Infinity;
      const j = jx < jy ? jx : jy;
      let v = 0n;
      if (jx === j) v = (alpha[j]! * delta.val[x++]!) >> 32n;
      if (jy === j) v += (keep[j]! * old.val[y++]!) >> 32n;
      if (v > 0n) {
        out.col[k] = j;
        out.val[k] = v;
        k++;
      }
    }
    out.ptr[i + 1] = k;
  }
  return k;
}
