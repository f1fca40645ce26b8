// Emission schedules as named presets per profile: what each chain codes beside what
// its network documents. A schedule is data (unit emission, halving rule, cap); the functions
// here evaluate it exactly (BigInt, 1e-9 token units) and walk a supply curve arithmetically:
// the block emission is constant between two halving thresholds, so the curve is a short list
// of segments and any block's supply is found without simulating block by block.
import { InputError } from '../types.js';
import {
  bittensorBlockEmission,
  bittensorHalvings,
  bittensorHalvingThreshold,
  communeBlockEmission,
  type BittensorEmissionSpec,
  type CommuneEmissionSpec,
} from './emission.js';
import type { ProfileName } from './profiles/name.js';
import { TOKEN } from './token.js';

/**
 * `interval`: Commune's rule (network.md 4.1), `unit >> floor(I / halvingInterval)`, nothing
 * once `I >= maxSupply`. `asymptotic`: Bittensor's (network.md 4.2), `unit >> k` with k the
 * halvings of `I` toward `cap` (thresholds cap/2, 3cap/4, ...), nothing once `I >= cap`.
 * `clamp`: the block that would cross the cap mints only up to it (Bittensor's
 * `min(E, cap - issuance)`); without it the cap is a hard stop that the last block may overshoot
 * (Commune's chain).
 */
export type EmissionSchedule =
  | { kind: 'interval'; unit: bigint; halvingInterval: bigint; maxSupply: bigint; clamp: boolean }
  | { kind: 'asymptotic'; unit: bigint; cap: bigint; clamp: boolean };

export interface EmissionPreset {
  name: string;
  profile: ProfileName;
  /** one line for tables and the report */
  title: string;
  schedule: EmissionSchedule;
}

/** The presets, by name. The first preset of each profile is its default. */
export const EMISSION_PRESETS: Readonly<Record<string, EmissionPreset>> = {
  commune: {
    name: 'commune',
    profile: 'commune',
    title: 'Commune chain as coded: halving at 84.71M COMAI, hard stop at 169.42M',
    schedule: {
      kind: 'interval',
      unit: 23_148_148_148n,
      halvingInterval: 84_710_000n * TOKEN,
      maxSupply: 169_420_000n * TOKEN,
      clamp: false,
    },
  },
  'commune-documented': {
    name: 'commune-documented',
    profile: 'commune',
    title: 'Commune as documented: halving every 250M COMAI, 1B total supply',
    schedule: {
      kind: 'interval',
      unit: 23_148_148_148n,
      halvingInterval: 250_000_000n * TOKEN,
      maxSupply: 1_000_000_000n * TOKEN,
      clamp: true,
    },
  },
  bittensor: {
    name: 'bittensor',
    profile: 'bittensor',
    title: 'Bittensor chain as coded (= documented): 1 TAO per block, halving at 10.5M, 15.75M, ... toward 21M',
    schedule: { kind: 'asymptotic', unit: TOKEN, cap: 21_000_000n * TOKEN, clamp: true },
  },
};

export const DEFAULT_PRESET: Readonly<Record<ProfileName, string>> = { bittensor: 'bittensor', commune: 'commune' };

/** Block time and token of each profile (network.md 1). */
export const PROFILE_CLOCK: Readonly<Record<ProfileName, { blockSeconds: number; blocksPerDay: number; token: string }>> = {
  bittensor: { blockSeconds: 12, blocksPerDay: 7200, token: 'TAO' },
  commune: { blockSeconds: 8, blocksPerDay: 10_800, token: 'COMAI' },
};

export function presetNames(profile: ProfileName): string[] {
  return Object.values(EMISSION_PRESETS)
    .filter((p) => p.profile === profile)
    .map((p) => p.name);
}

/** The preset `name` of `profile` (its default when undefined); InputError naming `field`. */
export function getPreset(profile: ProfileName, name: string | undefined, field = '--preset', file = ''): EmissionPreset {
  const n = name ?? DEFAULT_PRESET[profile];
  const p = Object.hasOwn(EMISSION_PRESETS, n) ? EMISSION_PRESETS[n] : undefined;
  if (!p || p.profile !== profile) {
    throw new InputError(
      `unknown emission preset ${JSON.stringify(n)} for profile ${profile} (expected one of: ${presetNames(profile).join(', ')})`,
      field,
      file,
    );
  }
  return p;
}

/** The overrides a scenario's `network` may carry (see scenario.ts). */
export interface EmissionOverrides {
  emissionPreset?: string;
  unitEmission?: bigint;
  halvingInterval?: bigint;
  maxSupply?: bigint;
  cap?: bigint;
}

/** A preset with the scenario's parameters applied over it (the user's own schedule). */
export function resolveSchedule(profile: ProfileName, o: EmissionOverrides, file = ''): { preset: EmissionPreset; schedule: EmissionSchedule; custom: boolean } {
  const preset = getPreset(profile, o.emissionPreset, 'network.emissionPreset', file);
  const s = preset.schedule;
  let schedule: EmissionSchedule;
  if (s.kind === 'interval') {
    schedule = {
      ...s,
      unit: o.unitEmission ?? s.unit,
      halvingInterval: o.halvingInterval ?? s.halvingInterval,
      maxSupply: o.maxSupply ?? s.maxSupply,
    };
  } else {
    schedule = { ...s, unit: o.unitEmission ?? s.unit, cap: o.cap ?? s.cap };
  }
  const custom = o.unitEmission !== undefined || o.halvingInterval !== undefined || o.maxSupply !== undefined || o.cap !== undefined;
  return { preset, schedule, custom };
}

/** The spec the Commune driver reads (its block function has no clamp: minting is per epoch). */
export function communeSpecOf(s: EmissionSchedule): CommuneEmissionSpec {
  if (s.kind !== 'interval') throw new RangeError('the Commune profile needs an interval schedule');
  return { unit: s.unit, halving: s.halvingInterval, max: s.maxSupply };
}

export function bittensorSpecOf(s: EmissionSchedule): BittensorEmissionSpec {
  if (s.kind !== 'asymptotic') throw new RangeError('the Bittensor profile needs an asymptotic schedule');
  return { unit: s.unit, cap: s.cap };
}

/** The supply the schedule stops at (maxSupply or cap). */
export function supplyLimit(s: EmissionSchedule): bigint {
  return s.kind === 'interval' ? s.maxSupply : s.cap;
}

/** E_b at issuance I, before any clamp (network.md 4). */
export function scheduleBlockEmission(s: EmissionSchedule, issuance: bigint): bigint {
  return s.kind === 'interval' ? communeBlockEmission(issuance, communeSpecOf(s)) : bittensorBlockEmission(issuance, bittensorSpecOf(s));
}

/** What one block mints at issuance I: E_b, clamped to the cap when the schedule says so. */
export function scheduleMint(s: EmissionSchedule, issuance: bigint): bigint {
  const e = scheduleBlockEmission(s, issuance);
  if (!s.clamp) return e;
  const room = supplyLimit(s) - issuance;
  return e < room ? e : room > 0n ? room : 0n;
}

/** The least issuance above I at which E_b may change (a halving threshold or the cap). */
export function nextThreshold(s: EmissionSchedule, issuance: bigint): bigint {
  const limit = supplyLimit(s);
  if (issuance >= limit) return limit;
  if (s.kind === 'interval') {
    const t = (issuance / s.halvingInterval + 1n) * s.halvingInterval;
    return t < limit ? t : limit;
  }
  const k = bittensorHalvings(issuance, s.cap);
  if (k >= 32) return limit;
  const t = bittensorHalvingThreshold(k + 1, s.cap);
  return t < limit ? t : limit;
}

/** The issuance levels at which the emission halves (to a non-zero amount), in order. */
export function halvingThresholds(s: EmissionSchedule): bigint[] {
  const out: bigint[] = [];
  const limit = supplyLimit(s);
  let i = 0n;
  let e = scheduleBlockEmission(s, 0n);
  while (e > 0n) {
    const t = nextThreshold(s, i);
    if (t >= limit) break;
    const next = scheduleBlockEmission(s, t);
    if (next > 0n && next < e) out.push(t);
    if (next === 0n) break;
    i = t;
    e = next;
  }
  return out;
}

/** `blocks` blocks (null: forever) each minting `perBlock`, from `startBlock` / `startSupply`. */
export interface Segment {
  startBlock: bigint;
  startSupply: bigint;
  perBlock: bigint;
  blocks: bigint | null;
  /** a single clamped block that fills the supply to the cap */
  partial: boolean;
}

/**
 * The supply curve from `startSupply` at block 0 as constant-emission segments; the last one
 * mints 0 forever. Block b's supply is the supply after blocks 1..b.
 */
export function supplySegments(s: EmissionSchedule, startSupply = 0n): Segment[] {
  const out: Segment[] = [];
  const limit = supplyLimit(s);
  let I = startSupply;
  let b = 0n;
  for (let guard = 0; guard < 10_000; guard++) {
    const e = scheduleBlockEmission(s, I);
    if (e === 0n || I >= limit) break;
    const t = nextThreshold(s, I);
    const n = (t - I + e - 1n) / e;
    if (s.clamp && I + n * e > limit) {
      const full = (limit - I) / e;
      const rem = (limit - I) % e;
      if (full > 0n) out.push({ startBlock: b, startSupply: I, perBlock: e, blocks: full, partial: false });
      b += full;
      I += full * e;
      if (rem > 0n) {
        out.push({ startBlock: b, startSupply: I, perBlock: rem, blocks: 1n, partial: true });
        b += 1n;
        I += rem;
      }
      break;
    }
    const last = out[out.length - 1];
    if (last && !last.partial && last.perBlock === e) last.blocks = last.blocks! + n;
    else out.push({ startBlock: b, startSupply: I, perBlock: e, blocks: n, partial: false });
    b += n;
    I += n * e;
  }
  out.push({ startBlock: b, startSupply: I, perBlock: 0n, blocks: null, partial: false });
  return out;
}

function segmentAt(segs: readonly Segment[], block: bigint): Segment {
  let lo = 0;
  let hi = segs.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (segs[mid]!.startBlock <= block) lo = mid;
    else hi = mid - 1;
  }
  return segs[lo]!;
}

/** The supply after block `block` (block 0: the start). */
export function supplyAt(segs: readonly Segment[], block: bigint): bigint {
  if (block < 0n) throw new RangeError(`block must be >= 0, got ${block}`);
  const g = segmentAt(segs, block);
  return g.startSupply + (block - g.startBlock) * g.perBlock;
}

/** The first block after which the supply is at least `target`; null if never. */
export function blockAtSupply(segs: readonly Segment[], target: bigint): bigint | null {
  for (const g of segs) {
    if (g.startSupply >= target) return g.startBlock;
    if (g.perBlock === 0n) return null;
    const end = g.startSupply + g.blocks! * g.perBlock;
    if (end >= target) return g.startBlock + (target - g.startSupply + g.perBlock - 1n) / g.perBlock;
  }
  return null;
}

export interface HalvingRow {
  /** 1, 2, ... for halvings; 0 for the row where the emission ends */
  index: number;
  kind: 'halving' | 'end';
  /** the block after which the supply reached the threshold (its last block at the old rate) */
  block: bigint;
  supply: bigint;
  /** the emission per block from the next block on */
  perBlockAfter: bigint;
}

/** Each halving (emission lowered to a non-zero amount) and the end of emission, in order. */
export function halvingRows(segs: readonly Segment[]): HalvingRow[] {
  const out: HalvingRow[] = [];
  let rate = -1n;
  let n = 0;
  for (const g of segs) {
    if (g.perBlock === 0n) {
      out.push({ index: 0, kind: 'end', block: g.startBlock, supply: g.startSupply, perBlockAfter: 0n });
      break;
    }
    if (g.partial) continue;
    if (rate >= 0n && g.perBlock < rate) {
      n++;
      out.push({ index: n, kind: 'halving', block: g.startBlock, supply: g.startSupply, perBlockAfter: g.perBlock });
    }
    rate = g.perBlock;
  }
  return out;
}

/** An amount in 1e-9 units as whole tokens, an exact decimal (no trailing zeros). */
export function exactTokens(v: bigint): string {
  const neg = v < 0n;
  const a = neg ? -v : v;
  const frac = (a % TOKEN).toString().padStart(9, '0').replace(/0+$/, '');
  return `${neg ? '-' : ''}${a / TOKEN}${frac ? `.${frac}` : ''}`;
}
