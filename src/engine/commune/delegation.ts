// commune.md 1.6 step 7 (and 2.13): the weight-delegation fee. A module that delegated its
// weight setting pays its parent a share of its dividends.
import { addSat, fromFloat, mulChecked, subSat } from './fixed.js';

/**
 * The fee ratio as the chain builds it: the percent goes through binary32,
 * `I32F32::from_num(pct as f32 / 100f32)` (round to nearest, ties to even). An f64 quotient
 * rounded to f32 equals the f32 quotient (binary64 has more than 2 x 24 + 2 bits).
 * 4% -> 171798688, 5% -> 214748368, 10% -> 429496736, 50% -> 2^31, 100% -> 2^32.
 */
export function weightFeeRatio(percent: number): bigint {
  return fromFloat(Math.fround(percent / 100));
}

/**
 * For each uid i in ascending order with a parent p: f = mul(D_i, phi_p) (checked, 0 on
 * overflow), D_i -= f, D_p += f (saturating), on the current, already modified values, so
 * chains of delegation depend on uid order. phi is the parent's validator_weight_fee.
 */
export function applyWeightDelegationFee(D: BigInt64Array, parent: Int32Array, feePercent: Uint8Array): void {
  for (let i = 0; i < parent.length; i++) {
    const p = parent[i]!;
    if (p < 0) continue;
    const f = mulChecked(D[i]!, weightFeeRatio(feePercent[p]!)) ?? 0n;
    D[i] = subSat(D[i]!, f);
    D[p] = addSat(D[p]!, f);
  }
}
