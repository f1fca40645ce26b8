// The per-uid fold of the mechanisms' outputs into one subnet record, in mechanism order, with
// the chain's truncation at every step (docs/spec/mechanisms.md section 4, quirks in section 8).
import type { EpochOutput } from '../types.js';
import { U64_MAX } from '../json-check.js';

const TWO32 = 4294967296;
/** above this high word a u16 times the weight no longer fits a double exactly */
const WH_EXACT = 2 ** 36;

/**
 * acc16 over a whole vector: acc[i] = min(65535, acc[i] + floor(x[i] * w / 2^64)), w a U64F64 raw.
 * With w = wh * 2^32 + wl: floor(x*w / 2^64) = floor((x*wh + floor(x*wl / 2^32)) / 2^32), every
 * term below 2^53 (x < 2^16), so doubles are exact; a weight above 2^68 (only a wrapped split
 * sum gives one) takes the bigint path.
 */
function acc16(acc: Uint16Array, x: Uint16Array, w: bigint): void {
  const n = acc.length;
  const wh = Number(w >> 32n);
  if (wh > WH_EXACT) {
    for (let i = 0; i < n; i++) {
      const s = BigInt(acc[i]!) + ((BigInt(x[i]!) * w) >> 64n);
      acc[i] = s > 65535n ? 65535 : Number(s);
    }
    return;
  }
  const wl = Number(w & 0xffffffffn);
  for (let i = 0; i < n; i++) {
    const xi = x[i]!;
    const s = acc[i]! + Math.floor((xi * wh + Math.floor((xi * wl) / TWO32)) / TWO32);
    acc[i] = s > 65535 ? 65535 : s;
  }
}

/** acc64 over a whole vector: acc[i] = min(2^64-1, acc[i] + floor(x[i] * w / 2^64)). */
function acc64(acc: BigUint64Array, x: BigUint64Array, w: bigint): void {
  if (w === 0n) return; // adds 0 to every uid
  for (let i = 0; i < acc.length; i++) {
    const s = acc[i]! + ((x[i]! * w) >> 64n);
    acc[i] = s > U64_MAX ? U64_MAX : s;
  }
}

/** acc[i] = min(2^64-1, acc[i] + x[i]) */
function addSat(acc: BigUint64Array, x: BigUint64Array): void {
  for (let i = 0; i < acc.length; i++) {
    const s = acc[i]! + x[i]!;
    acc[i] = s > U64_MAX ? U64_MAX : s;
  }
}

function or(acc: Uint8Array, x: Uint8Array): void {
  for (let i = 0; i < acc.length; i++) acc[i] = acc[i]! | x[i]!;
}

/**
 * epoch_with_mechanisms' fold: mechanism 0 creates each uid's record (emissions, stake, active
 * and permit as they are, the u16 fields and emission weighted by w_0), mechanisms 1.. add to
 * it; `incentive` keeps mechanism 0's weighted value (the chain never updates it).
 */
export function aggregate(outs: readonly EpochOutput[], weights: readonly bigint[]): EpochOutput['neurons'] {
  const first = outs[0]!.neurons;
  const n = first.active.length;
  const neurons: EpochOutput['neurons'] = {
    active: first.active.slice(),
    stake_weight: new Uint16Array(n),
    consensus: new Uint16Array(n),
    validator_trust: new Uint16Array(n),
    incentive: new Uint16Array(n),
    dividend: new Uint16Array(n),
    new_validator_permit: first.new_validator_permit.slice(),
    server_emission: first.server_emission.slice(),
    validator_emission: first.validator_emission.slice(),
    emission: new BigUint64Array(n),
    stake: first.stake.slice(),
  };
  acc16(neurons.incentive, first.incentive, weights[0]!);
  for (let k = 0; k < outs.length; k++) {
    const x = outs[k]!.neurons;
    const w = weights[k]!;
    if (k > 0) {
      addSat(neurons.server_emission, x.server_emission);
      addSat(neurons.validator_emission, x.validator_emission);
      addSat(neurons.stake, x.stake);
      or(neurons.active, x.active);
      or(neurons.new_validator_permit, x.new_validator_permit);
    }
    acc16(neurons.dividend, x.dividend, w);
    acc16(neurons.stake_weight, x.stake_weight, w);
    acc16(neurons.consensus, x.consensus, w);
    acc16(neurons.validator_trust, x.validator_trust, w);
    acc64(neurons.emission, x.emission, w);
  }
  return neurons;
}
