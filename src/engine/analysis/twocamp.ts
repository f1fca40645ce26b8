// The consensus-guarantee sweep's two-camp graph (after subtensor's `split_graph` /
// `map_consensus_guarantees` test, with our own seeded noise):
//   - uids 0..V-1 are validators, V..n-1 servers (blockwise). The major camp is the first
//     round-down(major_stake * V) validators and the first round-down(major_stake * S) servers,
//     each clamped to 1..count-1 so that neither camp is empty.
//   - stake: per camp, sample_i = max(0, 1 + 0.3 * N(0, 1)), normalized within the camp, times the
//     camp's share (major_stake or 1 - major_stake) of 21e15 rao; floor. Servers hold none.
//   - weights: a major validator gives its major-server group `major_weight` and its minor-server
//     group 1 - major_weight; a minor validator gives the minor-server group `minor_weight` and the
//     major-server group 1 - minor_weight. Within each group the weight is spread by a noise
//     sample max(0, 1 + weight_stddev * N(0, 1)) normalized within the group. Every server column
//     is listed (zeros kept); the stored u16 row is floor(w / max(row) * 65535 + 0.5).
//   - The noise is drawn ONCE per (shape, major_stake, seed), in the order stakes (major camp,
//     minor camp), then per validator its major-server group and its minor-server group, exactly
//     as split_graph reseeds per call: so every (major_weight, minor_weight) point of one major
//     stake sees the same noise and only the weights differ.
//   - One epoch from empty bonds; every uid updated at the current block, registered at block 0,
//     every staked validator holds a permit (max_allowed_validators = V).
// The majority's share = emission of major validators + major servers / all emission.
import { rng } from '../synthetic.js';
import { _epochEmission } from '../epoch.js';
import type { Kernels } from '../kernels.js';
import { CHAIN_DEFAULT_HYPERPARAMETERS, type EpochInput, type EpochOutput, type Hyperparameters } from '../types.js';

export const MAP_MAJOR_STAKES: readonly number[] = Object.freeze([0.51, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95, 0.99]);
export const MAP_STEPS = 51;
export const MAP_TOTAL_STAKE = 21e15;

export interface TwoCampShape {
  neurons: number;
  validators: number;
  /** the chain test's 0.4 */
  weightStddev?: number;
  /** the chain test's 0.3 */
  stakeStddev?: number;
  seed?: number;
  /** u16 (default 65535) */
  bondsPenalty?: number;
  yuma3?: boolean;
}

/** Standard normal samples from a seeded uniform source (Box-Muller, float64). */
function normals(next: () => number, count: number): Float64Array {
  const out = new Float64Array(count);
  for (let i = 0; i < count; i++) {
    const u1 = (next() + 1) / 4294967297; // (0, 1)
    const u2 = next() / 4294967296;
    out[i] = Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  }
  return out;
}

/** max(0, 1 + sd * N), normalized to sum 1 (all-zero stays zero). */
function noiseGroup(next: () => number, count: number, sd: number): Float64Array {
  const z = normals(next, count);
  let sum = 0;
  for (let i = 0; i < count; i++) {
    z[i] = Math.max(0, 1 + sd * z[i]!);
    sum += z[i]!;
  }
  if (sum > 0) for (let i = 0; i < count; i++) z[i] = z[i]! / sum;
  return z;
}

function campSize(ratio: number, total: number): number {
  if (total === 0) return 0;
  const k = Math.floor(ratio * total);
  return k <= 0 ? 1 : k >= total ? total - 1 : k;
}

/** The grid's weight values: (steps - 1 - k) / (steps - 1) would be the chain's order; ours is ascending. */
export function weightLevels(steps: number): Float64Array {
  const out = new Float64Array(steps);
  for (let k = 0; k < steps; k++) out[k] = steps === 1 ? 1 : k / (steps - 1);
  return out;
}

/**
 * Everything of one major stake that does not depend on the weights, plus the u16 rows of every
 * weight level precomputed: an epoch input is then two row blocks copied side by side.
 */
export interface TwoCampTemplate {
  majorStake: number;
  n: number;
  V: number;
  S: number;
  majorValidators: number;
  majorServers: number;
  stake: BigUint64Array;
  permit: Uint8Array;
  levels: Float64Array;
  /** rowsMajor[k]: the major validators' rows (majorValidators x S u16) at major weight levels[k] */
  rowsMajor: Uint16Array[];
  /** rowsMinor[k]: the minor validators' rows at minor weight levels[k] */
  rowsMinor: Uint16Array[];
  hyperparameters: Hyperparameters;
}

function rowU16(w: Float64Array, out: Uint16Array, at: number): void {
  let max = 0;
  for (let j = 0; j < w.length; j++) if (w[j]! > max) max = w[j]!;
  for (let j = 0; j < w.length; j++) out[at + j] = max > 0 ? Math.floor((w[j]! / max) * 65535 + 0.5) : 0;
}

/**
 * The u16 rows of one camp's validators at one weight level: validator k gives the major-server
 * group toMajor * noiseMajor[k] and the minor-server group toMinor * noiseMinor[k]. A plain
 * function over locals: the templates are built in every worker for every major stake.
 */
function campRows(noiseMajor: Float64Array[], noiseMinor: Float64Array[], S: number, toMajor: number, toMinor: number): Uint16Array {
  const out = new Uint16Array(noiseMajor.length * S);
  const w = new Float64Array(S);
  for (let k = 0; k < noiseMajor.length; k++) {
    const nMajor = noiseMajor[k]!;
    const nMinor = noiseMinor[k]!;
    const mS = nMajor.length;
    for (let j = 0; j < mS; j++) w[j] = toMajor * nMajor[j]!;
    for (let j = mS; j < S; j++) w[j] = toMinor * nMinor[j - mS]!;
    rowU16(w, out, k * S);
  }
  return out;
}

/** The camps of one major stake's graph: V validators, S servers, the major camp's share of each. */
export interface TwoCampSizes {
  V: number;
  S: number;
  majorValidators: number;
  majorServers: number;
}

/** The camp sizes alone (no noise, no rows): what the sweep reports per major stake. */
export function twoCampSizes(shape: TwoCampShape, majorStake: number): TwoCampSizes {
  const n = shape.neurons;
  const V = shape.validators;
  if (!Number.isInteger(V) || !Number.isInteger(n) || V < 2 || n - V < 2 || n > 65535) {
    throw new RangeError(`two-camp graph needs 2 <= validators and 2 <= neurons - validators (neurons <= 65535), got neurons ${n}, validators ${V}`);
  }
  const S = n - V;
  return { V, S, majorValidators: campSize(majorStake, V), majorServers: campSize(majorStake, S) };
}

export function twoCampTemplate(shape: TwoCampShape, majorStake: number, steps = MAP_STEPS): TwoCampTemplate {
  const n = shape.neurons;
  const { V, S, majorValidators: mV, majorServers: mS } = twoCampSizes(shape, majorStake);
  const next = rng((shape.seed ?? 1) >>> 0);
  const sdStake = shape.stakeStddev ?? 0.3;
  const sdW = shape.weightStddev ?? 0.4;

  const stake = new BigUint64Array(n);
  const permit = new Uint8Array(n);
  for (const [ratio, from, to] of [[majorStake, 0, mV], [1 - majorStake, mV, V]] as const) {
    const sample = noiseGroup(next, to - from, sdStake);
    for (let i = from; i < to; i++) {
      const s = Math.floor(ratio * sample[i - from]! * MAP_TOTAL_STAKE);
      stake[i] = BigInt(s);
      permit[i] = s > 0 ? 1 : 0;
    }
  }
  // per validator: its noise over the major-server group, then over the minor-server group
  const noiseMajor: Float64Array[] = [];
  const noiseMinor: Float64Array[] = [];
  for (let i = 0; i < V; i++) {
    noiseMajor.push(noiseGroup(next, mS, sdW));
    noiseMinor.push(noiseGroup(next, S - mS, sdW));
  }
  const levels = weightLevels(steps);
  const rows = (from: number, to: number, major: boolean) =>
    Array.from(levels, (level) => campRows(noiseMajor.slice(from, to), noiseMinor.slice(from, to), S, major ? level : 1 - level, major ? 1 - level : level));
  return {
    majorStake,
    n,
    V,
    S,
    majorValidators: mV,
    majorServers: mS,
    stake,
    permit,
    levels,
    rowsMajor: rows(0, mV, true),
    rowsMinor: rows(mV, V, false),
    hyperparameters: {
      ...CHAIN_DEFAULT_HYPERPARAMETERS,
      bonds_penalty: shape.bondsPenalty ?? 65535,
      max_allowed_validators: V,
      yuma3: shape.yuma3 ?? false,
      commit_reveal: false,
    },
  };
}

const BLOCK = 1_000_000;

/** The epoch input at major weight levels[a] and minor weight levels[b]. */
export function twoCampInput(t: TwoCampTemplate, a: number, b: number): EpochInput {
  const { n, V, S } = t;
  const rowPtr = new Uint32Array(n + 1);
  for (let i = 0; i < n; i++) rowPtr[i + 1] = rowPtr[i]! + (i < V ? S : 0);
  const col = new Uint32Array(V * S);
  for (let i = 0; i < V; i++) for (let j = 0; j < S; j++) col[i * S + j] = V + j;
  const val = new Uint16Array(V * S);
  val.set(t.rowsMajor[a]!, 0);
  val.set(t.rowsMinor[b]!, t.majorValidators * S);
  return {
    netuid: 1,
    n,
    current_block: BLOCK,
    last_mechanism_step_block: BLOCK - 361,
    rao_emission: 1_000_000_000n,
    owner_uid: null,
    hyperparameters: { ...t.hyperparameters },
    tao_weight: 0n,
    neurons: {
      alpha_stake: t.stake.slice(),
      tao_stake: new BigUint64Array(n),
      last_update: new Float64Array(n).fill(BLOCK),
      block_at_registration: new Float64Array(n),
      validator_permit: t.permit.slice(),
      commit_block: null,
    },
    weights: { rowPtr, col, val },
    bonds: { rowPtr: new Uint32Array(n + 1), col: new Uint32Array(0), val: new Uint16Array(0) },
  };
}

/** Emission of the major camp (its validators and servers) over all emission, in [0, 1]. */
export function majorShare(t: TwoCampTemplate, out: EpochOutput): number {
  return shareOf(t, out.neurons.emission);
}

/** The major camp's share of one emission vector, in rao: major / total as doubles, from exact sums. */
function shareOf(t: TwoCampTemplate, em: BigUint64Array): number {
  // every partial sum stays an exact double while the total is below 2^53 (the sweep mints 1e9)
  let major = 0;
  let total = 0;
  for (let i = 0; i < t.n; i++) {
    const e = Number(em[i]!);
    total += e;
    if (i < t.majorValidators || (i >= t.V && i < t.V + t.majorServers)) major += e;
  }
  if (total > Number.MAX_SAFE_INTEGER) {
    let M = 0n;
    let T = 0n;
    for (let i = 0; i < t.n; i++) {
      T += em[i]!;
      if (i < t.majorValidators || (i >= t.V && i < t.V + t.majorServers)) M += em[i]!;
    }
    return T === 0n ? 0 : Number(M) / Number(T);
  }
  return total === 0 ? 0 : major / total;
}

/**
 * majorShare(t, runEpoch(twoCampInput(t, a, b))) for every cell (a = cells[2k], b = cells[2k+1]),
 * without building outputs: one input reused (only the weight values change between cells) and
 * the epoch's emission read in place. What `yuma map` runs per chunk, in a worker or here.
 */
export function majorShares(t: TwoCampTemplate, cells: Uint16Array, kernels?: Kernels): Float64Array {
  const out = new Float64Array(cells.length >> 1);
  if (out.length === 0) return out;
  const input = twoCampInput(t, cells[0]!, cells[1]!);
  const val = input.weights.val;
  for (let k = 0; k < out.length; k++) {
    val.set(t.rowsMajor[cells[2 * k]!]!, 0);
    val.set(t.rowsMinor[cells[2 * k + 1]!]!, t.majorValidators * t.S);
    out[k] = shareOf(t, _epochEmission(input, kernels));
  }
  return out;
}
