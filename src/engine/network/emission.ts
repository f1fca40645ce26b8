// Block emission and halving, exact (network.md section 4), as integer functions of the
// issuance. Parameters are profile data (profiles/<name>/params.ts); these functions hold no state.

/** Bittensor (TAO, and each subnet's alpha): 1e9 per block, halved as issuance nears the cap. */
export interface BittensorEmissionSpec {
  /** emission per block before any halving (1e9 rao) */
  unit: bigint;
  /** the supply cap, 2 * 10.5e15 rao */
  cap: bigint;
}

/** Commune: `unit >> floor(I / halving)`, nothing once `I >= max`. */
export interface CommuneEmissionSpec {
  /** UnitEmission, 23_148_148_148 nano */
  unit: bigint;
  /** HalvingInterval, 84_710_000e9 nano */
  halving: bigint;
  /** MaxSupply, 169_420_000e9 nano */
  max: bigint;
}

const TWO32 = 1n << 32n;

/**
 * The halving count k of network.md 4.2: with D = 2^32 - floor(I * 2^32 / cap) (the I96F32
 * bits of 1 - I/cap), k = max{k >= 0 : D <= 2^(32-k)} = floor(log2(2^32 / D)). Needs I < cap.
 */
export function bittensorHalvings(issuance: bigint, cap: bigint): number {
  const D = TWO32 - (issuance * TWO32) / cap; // 1 <= D <= 2^32 for 0 <= I < cap
  // 2^(32-k) >= D  <=>  32 - k >= ceil(log2 D)
  const ceilLog2 = D <= 1n ? 0 : (D - 1n).toString(2).length;
  return 32 - ceilLog2;
}

/** E_b = floor(unit / 2^k), and 0 once I >= cap (network.md 4.2). */
export function bittensorBlockEmission(issuance: bigint, spec: BittensorEmissionSpec): bigint {
  if (issuance < 0n) throw new RangeError(`issuance must be >= 0, got ${issuance}`);
  if (issuance >= spec.cap) return 0n;
  return spec.unit >> BigInt(bittensorHalvings(issuance, spec.cap));
}

/**
 * The issuance at which the j-th halving takes effect (j >= 1): the least I with
 * k(I) >= j, which is ceil(cap * (1 - 2^-j)) for j <= 32 (network.md 4.2).
 */
export function bittensorHalvingThreshold(j: number, cap: bigint): bigint {
  if (!Number.isInteger(j) || j < 1 || j > 32) throw new RangeError(`halving index must be 1..32, got ${j}`);
  const pow = 1n << BigInt(j);
  const num = cap * (pow - 1n);
  return (num + pow - 1n) / pow;
}

/** E_b = 0 if I >= max, else unit >> floor(I / halving) (network.md 4.1). */
export function communeBlockEmission(issuance: bigint, spec: CommuneEmissionSpec): bigint {
  if (issuance < 0n) throw new RangeError(`issuance must be >= 0, got ${issuance}`);
  if (issuance >= spec.max) return 0n;
  const k = issuance / spec.halving;
  return k >= 64n ? 0n : spec.unit >> k;
}
