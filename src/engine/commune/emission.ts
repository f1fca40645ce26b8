// commune.md 3.2 (founder share), 1.7 (emission split) and 1.8 (pruning scores).
import { addSat, div, normalizeInPlace, sum } from './fixed.js';

/**
 * Founder share: share = min(founder_share, 100); 0 pays nothing, else
 * ratio = floor(share * 2^64 / 100) (I64F64) and founder = floor(ratio * pending / 2^64).
 * The ratio is truncated, so 8% of 1e9 is 79_999_999. tau = pending - founder.
 */
export function founderSplit(pending: bigint, founderShare: number): { founder: bigint; tau: bigint } {
  const share = BigInt(Math.min(founderShare, 100));
  const founder = share === 0n ? 0n : (((share << 64n) / 100n) * pending) >> 64n;
  return { founder, tau: pending - founder };
}

export interface EmissionSplit {
  /** miner, validator and combined shares, raw I32F32 */
  minerShare: BigInt64Array;
  validatorShare: BigInt64Array;
  combinedShare: BigInt64Array;
  /** floor(share * tau / 2^32) (I96F32 product, truncated) */
  server: BigUint64Array;
  validator: BigUint64Array;
  combined: BigUint64Array;
}

/**
 * E_j = I_j + D_j (saturating), sigma = sum E. With sigma != 0: miner share I_j / sigma,
 * validator share D_j / sigma, combined normalize(E). With sigma == 0: miner share I (all
 * zero), validator and combined share A when sum(A) != 0, else S. Amounts in tokens of tau.
 */
export function emissionSplit(
  I: BigInt64Array, D: BigInt64Array, A: BigInt64Array, S: BigInt64Array, tau: bigint,
): EmissionSplit {
  const n = I.length;
  const E = new BigInt64Array(n);
  for (let j = 0; j < n; j++) E[j] = addSat(I[j]!, D[j]!);
  const sigma = sum(E);
  let minerShare: BigInt64Array, validatorShare: BigInt64Array, combinedShare: BigInt64Array;
  if (sigma !== 0n) {
    minerShare = I.map((x) => div(x, sigma));
    validatorShare = D.map((x) => div(x, sigma));
    combinedShare = E;
    normalizeInPlace(combinedShare);
  } else {
    minerShare = I.slice();
    validatorShare = (sum(A) !== 0n ? A : S).slice();
    combinedShare = validatorShare.slice();
  }
  const amounts = (share: BigInt64Array) => {
    const out = new BigUint64Array(n);
    for (let j = 0; j < n; j++) out[j] = share[j]! > 0n ? (share[j]! * tau) >> 32n : 0n;
    return out;
  };
  return {
    minerShare, validatorShare, combinedShare,
    server: amounts(minerShare), validator: amounts(validatorShare), combined: amounts(combinedShare),
  };
}

/**
 * PruningScores: the combined share max-upscaled to u16. With max m > 0:
 * round(div(mul(x, 65535), m)) with ties away from zero; with m == 0 every score is 0.
 */
export function pruningScores(share: BigInt64Array): Uint16Array {
  let m = 0n;
  for (const x of share) if (x > m) m = x;
  const out = new Uint16Array(share.length);
  if (m === 0n) return out;
  for (let j = 0; j < share.length; j++) {
    const x = share[j]!;
    if (x <= 0n) continue;
    const q = div(x * 65535n, m); // mul(x, 65535) is exact: X * 65535
    const r = (q + (1n << 31n)) >> 32n; // round half away from zero (q >= 0)
    out[j] = r > 65535n ? 65535 : Number(r);
  }
  return out;
}
