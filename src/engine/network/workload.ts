// The workload model: a deterministic (seeded, integer-only) story that makes a simulation
// mean something. Miners have a hidden quality that drifts each epoch; validators observe it
// with noise and set weights on their own cadence (so last_update varies); a fraction of
// validators copy last epoch's consensus, another fraction push a miner of their own;
// nominators move stake in and out; new miners register and push out the weakest uid.
// A subnet with several incentive mechanisms gives each its own task: a miner's quality on
// mechanism k >= 1 is its quality shifted by an offset of its own per mechanism, and every
// validator sets each mechanism's weights on its cadence, each mechanism at its own phase.
// Amount bookkeeping (stakes, costs) is the profile's: the model calls its WorkloadHost.
import type { Workload, SubnetConfig } from './run-spec.js';
import { Rng } from './rng.js';
import { newScheduleState } from './scheduler.js';
import {
  ROLE,
  emptySubnet,
  hotkeyName,
  mechanism,
  mechanismCount,
  rebuildIndex,
  type MechanismRows,
  type Row,
  type SubnetState,
} from './subnet.js';

/** Never (an event time that is never reached; JSON-safe, unlike Infinity). */
export const NEVER = Number.MAX_SAFE_INTEGER;

/** `block + gap`, but NEVER stays NEVER (a sum past 2^53 would be neither exact nor a valid checkpoint field). */
const later = (block: number, gap: number): number => (gap === NEVER ? NEVER : block + gap);

/** What the model asks of the profile's ledger. */
export interface WorkloadHost {
  /** a nominator stakes `amount` (native token) behind the key at `uid` */
  stake(s: SubnetState, coldkey: string, uid: number, amount: bigint, block: number): void;
  /** a nominator takes back half of its stake behind the key at `uid` (nothing if none) */
  unstakeHalf(s: SubnetState, coldkey: string, uid: number, block: number): void;
  /** registers a new miner key for `coldkey` (pays, picks the uid); null when refused */
  register(s: SubnetState, coldkey: string, block: number): number | null;
}

export const nominatorName = (i: number) => `ck:nom:${String(i).padStart(5, '0')}`;
export const coldkeyName = (netuid: number, what: string) => `ck:${String(netuid).padStart(3, '0')}:${what}`;

export class WorkloadModel {
  constructor(
    readonly w: Workload,
    readonly blocksPerDay: number,
    /** 'hk' (Bittensor hotkeys) or 'mod' (Commune module keys) */
    readonly keyPrefix: string,
  ) {}

  /**
   * A full subnet at `start`: uids [0, firstValidator) are the owner's (Bittensor uid 0),
   * then the validators (honest, copiers, self-dealers), then miners. Stakes are the
   * caller's. Each self-dealer operates one miner too (its coldkey owns that miner's key).
   */
  genesis(cfg: SubnetConfig, seed: number, start: number, tempo: number, firstValidator: number): SubnetState {
    const { netuid, n } = cfg;
    const rng = Rng.seeded(seed, netuid);
    const s = emptySubnet(netuid, cfg.group, n, newScheduleState(netuid, tempo, start), rng);
    const V = cfg.validators;
    const nCopy = Math.floor(V * this.w.copierFraction);
    const nSelf = Math.min(V - nCopy, Math.floor(V * this.w.selfDealerFraction));
    const [cMin, cMax] = this.w.weightCadence;
    for (let uid = 0; uid < n; uid++) {
      s.hotkeys[uid] = hotkeyName(this.keyPrefix, netuid, s.regSeq++);
      s.regBlock[uid] = Math.max(0, start - 10_000 - rng.below(200_000));
      s.lastUpdate[uid] = s.regBlock[uid]!;
      if (uid < firstValidator) {
        s.role[uid] = ROLE.owner;
        s.coldkeys[uid] = coldkeyName(netuid, 'owner');
        s.lastUpdate[uid] = start;
      } else if (uid < firstValidator + V) {
        const k = uid - firstValidator;
        // validators are ordered honest, copiers, self-dealers by their index (stakes are random)
        s.role[uid] = k < V - nCopy - nSelf ? ROLE.honest : k < V - nSelf ? ROLE.copier : ROLE.selfDealer;
        s.coldkeys[uid] = coldkeyName(netuid, `v${String(k).padStart(5, '0')}`);
        s.cadence[uid] = rng.int(cMin, cMax);
        s.nextSet[uid] = start + rng.below(s.cadence[uid]!);
        s.lastUpdate[uid] = s.nextSet[uid]! - s.cadence[uid]!;
        s.permit[uid] = 1;
      } else {
        s.role[uid] = ROLE.miner;
        s.coldkeys[uid] = coldkeyName(netuid, `m${String(rng.below(this.w.minerColdkeys)).padStart(5, '0')}`);
        s.quality[uid] = rng.below(65536);
      }
    }
    // self-dealers each take a miner (the lowest-quality ones stay honest miners otherwise)
    let minerUid = firstValidator + V;
    for (let uid = firstValidator; uid < firstValidator + V && minerUid < n; uid++) {
      if (s.role[uid] !== ROLE.selfDealer) continue;
      s.ownMiner[uid] = s.hotkeys[minerUid]!;
      s.coldkeys[minerUid] = s.coldkeys[uid]!;
      s.quality[minerUid] = rng.below(8192);
      minerUid++;
    }
    rebuildIndex(s);
    const M = cfg.spec.mechanisms ?? 1;
    for (let k = 1; k < M; k++) s.mechs.push(this.genesisMechanism(s, k, M, start));
    // validators start with the rows they last set, in every mechanism
    for (let k = 0; k < M; k++) {
      const m = mechanism(s, k);
      const quality = mechanismQuality(s, k);
      for (let uid = 0; uid < n; uid++) if (isValidator(s.role[uid]!)) m.weights[uid] = this.row(s, uid, quality);
    }
    s.nextStakeEvent = later(start, this.gap(s.rng, cfg.spec.stakeEventsPerDay));
    s.nextRegistration = later(start, this.gap(s.rng, cfg.spec.registrationsPerDay));
    return s;
  }

  /**
   * Mechanism k >= 1 of M at the start: validators set its weights on their cadence c, k/M of
   * c after mechanism 0's (floored); everyone else last updated it when they did mechanism 0.
   */
  private genesisMechanism(s: SubnetState, k: number, M: number, start: number): MechanismRows {
    const n = s.n;
    const m: MechanismRows = {
      lastUpdate: s.lastUpdate.slice(),
      nextSet: new Float64Array(n),
      weights: new Array<Row | null>(n).fill(null),
      bonds: new Array<Row | null>(n).fill(null),
    };
    for (let uid = 0; uid < n; uid++) {
      if (!isValidator(s.role[uid]!)) continue;
      const c = s.cadence[uid]!;
      m.nextSet[uid] = start + ((s.nextSet[uid]! - start + Math.floor((k * c) / M)) % c);
      m.lastUpdate[uid] = m.nextSet[uid]! - c;
    }
    return m;
  }

  /** Blocks to the next event of a process with `perDay` events per day (uniform gaps, mean right). */
  gap(rng: Rng, perDay: number): number {
    if (perDay <= 0) return NEVER;
    const mean = this.blocksPerDay / perDay;
    // uniform on [1, 2 * mean - 1] has the given mean; at least one block
    const hi = Math.max(1, Math.round(2 * mean - 1));
    return rng.int(1, hi);
  }

  /** Quality drift, once per epoch of the subnet. */
  drift(s: SubnetState): void {
    const d = this.w.qualityDrift;
    if (d === 0) return;
    for (let uid = 0; uid < s.n; uid++) {
      if (s.role[uid] !== ROLE.miner) continue;
      const q = s.quality[uid]! + s.rng.int(-d, d);
      s.quality[uid] = q < 0 ? 0 : q > 65535 ? 65535 : q;
    }
  }

  /**
   * Validators whose cadence came due since their last setting set weights now (lazily, at
   * the epoch that reads them): last_update is the last due block <= `block`.
   */
  setWeights(s: SubnetState, block: number): void {
    for (let k = 0; k < mechanismCount(s); k++) {
      const m = mechanism(s, k);
      let quality: Int32Array | undefined; // computed when a validator is due
      for (let uid = 0; uid < s.n; uid++) {
        if (!isValidator(s.role[uid]!) || m.nextSet[uid]! > block) continue;
        const cad = s.cadence[uid]!;
        const last = m.nextSet[uid]! + Math.floor((block - m.nextSet[uid]!) / cad) * cad;
        m.nextSet[uid] = last + cad;
        m.lastUpdate[uid] = last;
        quality ??= mechanismQuality(s, k);
        m.weights[uid] = this.row(s, uid, quality);
      }
    }
  }

  /** The weight row a validator sets now, by its behaviour, seeing the miners' `quality` (mechanismQuality). */
  row(s: SubnetState, uid: number, quality: Int32Array = s.quality): Row | null {
    const role = s.role[uid]!;
    const n = s.n;
    if (role === ROLE.selfDealer) {
      const m = s.uidOf.get(s.ownMiner[uid]!);
      if (m !== undefined) return { col: Uint32Array.of(m), val: Uint16Array.of(65535) };
    }
    const scores = this.scratch(n);
    if (role === ROLE.copier) {
      for (let j = 0; j < n; j++) scores[j] = j === uid ? 0 : s.lastConsensus[j]!;
      const r = topKScores(scores, n, this.k(s));
      if (r) return r;
    }
    // honest (and the fallbacks): observed quality = quality + uniform noise in [-x, x]
    const noise = this.w.observationNoise;
    const span = 2 * noise + 1;
    const { role: roles, rng } = s;
    for (let j = 0; j < n; j++) {
      if (roles[j] !== ROLE.miner) {
        scores[j] = 0;
        continue;
      }
      const x = quality[j]! + (noise === 0 ? 0 : rng.below(span) - noise);
      scores[j] = x < 0 ? 0 : x > 65535 ? 65535 : x;
    }
    return topKScores(scores, n, this.k(s));
  }

  private buf = new Int32Array(0);
  private scratch(n: number): Int32Array {
    if (this.buf.length < n) this.buf = new Int32Array(n);
    return this.buf;
  }

  private k(s: SubnetState): number {
    const k = this.w.weightsPerValidator;
    return k === 0 ? s.n : Math.min(k, s.n);
  }

  /** Workload events due at `block` (stake movements, registrations), in a fixed order. */
  events(s: SubnetState, block: number, host: WorkloadHost, spec: { stakeEventsPerDay: number; registrationsPerDay: number }): void {
    while (s.nextStakeEvent <= block) {
      this.stakeEvent(s, block, host);
      s.nextStakeEvent += this.gap(s.rng, spec.stakeEventsPerDay);
    }
    while (s.nextRegistration <= block) {
      const cold = coldkeyName(s.netuid, `m${String(s.rng.below(this.w.minerColdkeys)).padStart(5, '0')}`);
      host.register(s, cold, block);
      s.nextRegistration += this.gap(s.rng, spec.registrationsPerDay);
    }
  }

  private stakeEvent(s: SubnetState, block: number, host: WorkloadHost): void {
    if (this.w.nominators === 0) return;
    const validators = validatorsOf(s);
    if (validators.length === 0) return;
    const uid = validators[s.rng.below(validators.length)]!;
    const nominator = nominatorName(s.rng.below(this.w.nominators));
    if (s.rng.below(10) < 7) {
      const [lo, hi] = this.w.stakeAmount;
      host.stake(s, nominator, uid, s.rng.bigint(lo, hi), block);
    } else {
      host.unstakeHalf(s, nominator, uid, block);
    }
  }

  /** A uid taken by a newly registered miner: everything about the old occupant is reset. */
  resetUid(s: SubnetState, uid: number, hotkey: string, coldkey: string, block: number): void {
    s.uidOf.delete(s.hotkeys[uid]!);
    s.hotkeys[uid] = hotkey;
    s.uidOf.set(hotkey, uid);
    s.coldkeys[uid] = coldkey;
    s.role[uid] = ROLE.miner;
    s.quality[uid] = s.rng.below(65536);
    s.cadence[uid] = 0;
    s.nextSet[uid] = 0;
    s.ownMiner[uid] = '';
    s.regBlock[uid] = block;
    s.lastUpdate[uid] = block;
    s.permit[uid] = 0;
    s.weights[uid] = null;
    s.bonds[uid] = null;
    for (const m of s.mechs) {
      m.lastUpdate[uid] = block;
      m.nextSet[uid] = 0;
      m.weights[uid] = null;
      m.bonds[uid] = null;
    }
    s.lastConsensus[uid] = 0;
    s.lastIncentive[uid] = 0n;
    s.lastDividend[uid] = 0n;
  }
}

/**
 * The miners' hidden quality on mechanism k: mechanism 0's is the subnet's `quality`; on k >= 1
 * each miner's quality plus an offset in 0..131071 hashed from its hotkey and k, folded back
 * into 0..65535 (a triangle wave, so the value still moves by the quality's drift step).
 */
function mechanismQuality(s: SubnetState, k: number): Int32Array {
  if (k === 0) return s.quality;
  const q = new Int32Array(s.n);
  for (let j = 0; j < s.n; j++) {
    const x = (s.quality[j]! + keyOffset(s.hotkeys[j]!, k)) % 131072;
    q[j] = x <= 65535 ? x : 131071 - x;
  }
  return q;
}

/** FNV-1a (32 bits) over the key's UTF-16 code units and k, reduced to 0..131071. */
function keyOffset(key: string, k: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193);
  h = Math.imul(h ^ k, 0x01000193);
  return (h >>> 0) % 131072;
}

export const isValidator = (role: number) => role === ROLE.honest || role === ROLE.copier || role === ROLE.selfDealer;

/** The subnet's validator uids, ascending. */
export function validatorsOf(s: SubnetState): number[] {
  const out: number[] = [];
  for (let uid = 0; uid < s.n; uid++) if (isValidator(s.role[uid]!)) out.push(uid);
  return out;
}

/**
 * The k uids with the highest score (integer 0..65535, > 0 counts; ties: lower uid first),
 * as a row in ascending column order, max-upscaled to 65535 (as the chain stores weights).
 * null when every score is 0.
 */
export function topK(n: number, k: number, score: (j: number) => number): Row | null {
  const scores = new Int32Array(n);
  for (let j = 0; j < n; j++) scores[j] = score(j);
  return topKScores(scores, n, k);
}

const HI = new Int32Array(256);
const LO = new Int32Array(256);

/** topK over scores[0..n) (read only). O(n): the k-th score is found with two 256-bucket histograms. */
export function topKScores(scores: Int32Array, n: number, k: number): Row | null {
  const hi = HI.fill(0);
  let m = 0, max = 0;
  for (let j = 0; j < n; j++) {
    const x = scores[j]!;
    if (x <= 0) continue;
    hi[x >>> 8]!++;
    m++;
    if (x > max) max = x;
  }
  if (m === 0) return null;
  const take = Math.min(k, m);
  // the bucket of the take-th highest score, then its exact value T
  let above = 0, B = 255;
  while (above + hi[B]! < take) above += hi[B--]!;
  const lo = LO.fill(0);
  for (let j = 0; j < n; j++) {
    const x = scores[j]!;
    if (x > 0 && x >>> 8 === B) lo[x & 255]!++;
  }
  let t = 255;
  while (above + lo[t]! < take) above += lo[t--]!;
  const T = B * 256 + t;
  let ties = take - above; // how many of the uids scoring exactly T make it (lowest uids first)
  const col = new Uint32Array(take);
  const val = new Uint16Array(take);
  let q = 0;
  for (let j = 0; j < n && q < take; j++) {
    const x = scores[j]!;
    if (x > T || (x === T && ties-- > 0)) {
      col[q] = j;
      val[q++] = Math.floor((x * 65535) / max);
    }
  }
  return { col, val };
}
