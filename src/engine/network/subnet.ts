// One subnet's state as the block loop sees it, common to both profiles: who holds each uid,
// the stored weight and bond rows, registration and update blocks, permits, the epoch
// scheduler's state, and the workload model's hidden variables (miner quality, validator
// behaviour and cadence). Amount bookkeeping lives in the profile's ledger.
import type { SparseU16 } from '../types.js';
import { Rng, type RngState } from './rng.js';
import type { ScheduleState } from './scheduler.js';
import { b64, typedToBase64 } from './canonical.js';

/** A stored sparse row: ascending columns, u16 values. */
export interface Row {
  col: Uint32Array;
  val: Uint16Array;
}

/** What a uid does in the workload model. */
export const ROLE = { miner: 0, honest: 1, copier: 2, selfDealer: 3, owner: 4 } as const;
export type Role = (typeof ROLE)[keyof typeof ROLE];
export const ROLE_NAMES = ['miner', 'honest', 'copier', 'self-dealer', 'owner'] as const;

/**
 * The own state of one incentive mechanism (docs/spec/mechanisms.md 1): its validators' weight
 * rows, their update blocks and weight-setting schedule, and its bonds. A subnet's mechanism 0
 * is its own lastUpdate / nextSet / weights / bonds (the chain keys mechanism 0's storage by the
 * netuid); mechanisms 1..M-1 are in `mechs`.
 */
export interface MechanismRows {
  lastUpdate: Float64Array;
  nextSet: Float64Array;
  weights: (Row | null)[];
  bonds: (Row | null)[];
}

export interface SubnetState {
  netuid: number;
  /** the scenario group it came from */
  group: number;
  /** registered uids (subnets start full and stay full: a registration replaces a uid) */
  n: number;
  sched: ScheduleState;
  /** per uid: the registered hotkey (Bittensor) or module key (Commune) */
  hotkeys: string[];
  /** per uid: the coldkey that operates the key (Bittensor: Owner[hotkey]) */
  coldkeys: string[];
  role: Uint8Array;
  /** hidden miner quality, 0..65535 */
  quality: Int32Array;
  /** validators: blocks between two weight settings */
  cadence: Int32Array;
  /** validators: the next block they set weights */
  nextSet: Float64Array;
  /** self-dealers: the hotkey of the miner they push ('' none) */
  ownMiner: string[];
  regBlock: Float64Array;
  lastUpdate: Float64Array;
  /** last epoch's (new) validator permits */
  permit: Uint8Array;
  weights: (Row | null)[];
  bonds: (Row | null)[];
  /** last epoch's consensus (u16), read by weight copiers */
  lastConsensus: Uint16Array;
  /** last epoch's amounts per uid (pruning) */
  lastIncentive: BigUint64Array;
  lastDividend: BigUint64Array;
  rng: Rng;
  /** the next hotkey sequence number */
  regSeq: number;
  /** workload event times (blocks) */
  nextStakeEvent: number;
  nextRegistration: number;
  epochsRun: number;
  /** mechanisms 1..M-1 of a multi-mechanism subnet (empty: one mechanism) */
  mechs: MechanismRows[];
  /** hotkey -> uid (derived, rebuilt on load) */
  uidOf: Map<string, number>;
}

/** The subnet's mechanism count M. */
export const mechanismCount = (s: SubnetState): number => s.mechs.length + 1;

/**
 * Mechanism k's state: for k = 0 a view on the subnet's own arrays (writing an element writes
 * the subnet's; replacing `bonds` needs setBonds).
 */
export function mechanism(s: SubnetState, k: number): MechanismRows {
  return k === 0 ? { lastUpdate: s.lastUpdate, nextSet: s.nextSet, weights: s.weights, bonds: s.bonds } : s.mechs[k - 1]!;
}

/** Stores mechanism k's new bond rows. */
export function setBonds(s: SubnetState, k: number, bonds: (Row | null)[]): void {
  if (k === 0) s.bonds = bonds;
  else s.mechs[k - 1]!.bonds = bonds;
}

export function emptySubnet(netuid: number, group: number, n: number, sched: ScheduleState, rng: Rng): SubnetState {
  return {
    netuid,
    group,
    n,
    sched,
    hotkeys: new Array<string>(n).fill(''),
    coldkeys: new Array<string>(n).fill(''),
    role: new Uint8Array(n),
    quality: new Int32Array(n),
    cadence: new Int32Array(n),
    nextSet: new Float64Array(n),
    ownMiner: new Array<string>(n).fill(''),
    regBlock: new Float64Array(n),
    lastUpdate: new Float64Array(n),
    permit: new Uint8Array(n),
    weights: new Array<Row | null>(n).fill(null),
    bonds: new Array<Row | null>(n).fill(null),
    lastConsensus: new Uint16Array(n),
    lastIncentive: new BigUint64Array(n),
    lastDividend: new BigUint64Array(n),
    rng,
    regSeq: 0,
    nextStakeEvent: 0,
    nextRegistration: 0,
    epochsRun: 0,
    mechs: [],
    uidOf: new Map(),
  };
}

export function hotkeyName(prefix: string, netuid: number, seq: number): string {
  return `${prefix}:${String(netuid).padStart(3, '0')}:${String(seq).padStart(6, '0')}`;
}

/** CSR of per-uid rows (null = empty). */
export function rowsToCsr(rows: readonly (Row | null)[], n: number): SparseU16 {
  const rowPtr = new Uint32Array(n + 1);
  for (let i = 0; i < n; i++) rowPtr[i + 1] = rowPtr[i]! + (rows[i]?.col.length ?? 0);
  const col = new Uint32Array(rowPtr[n]!);
  const val = new Uint16Array(rowPtr[n]!);
  for (let i = 0; i < n; i++) {
    const r = rows[i];
    if (!r || r.col.length === 0) continue;
    col.set(r.col, rowPtr[i]);
    val.set(r.val, rowPtr[i]);
  }
  return { rowPtr, col, val };
}

/**
 * Per-uid rows of a CSR, as views on its buffers (the matrix must not be written afterwards;
 * rows are replaced, never edited in place: see zeroColumn). Empty rows are null.
 */
export function csrToRows(m: SparseU16, n: number): (Row | null)[] {
  const out = new Array<Row | null>(n).fill(null);
  for (let i = 0; i < n; i++) {
    const a = m.rowPtr[i]!, b = m.rowPtr[i + 1]!;
    if (b > a) out[i] = { col: m.col.subarray(a, b), val: m.val.subarray(a, b) };
  }
  return out;
}

/** Sets every entry pointing at `uid` to 0 in the other rows (entries stay, as the chain does). */
export function zeroColumn(rows: (Row | null)[], uid: number): void {
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i];
    if (!r || i === uid) continue;
    const k = binarySearch(r.col, uid);
    if (k >= 0 && r.val[k] !== 0) {
      const val = r.val.slice();
      val[k] = 0;
      rows[i] = { col: r.col, val };
    }
  }
}

function binarySearch(a: Uint32Array, x: number): number {
  let lo = 0, hi = a.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const v = a[mid]!;
    if (v === x) return mid;
    if (v < x) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}

export function rebuildIndex(s: SubnetState): void {
  s.uidOf = new Map();
  for (let i = 0; i < s.n; i++) s.uidOf.set(s.hotkeys[i]!, i);
}

// ---------------------------------------------------------------------------------------
// checkpoint form

/** rows as [concatenated cols, concatenated vals, per-row lengths with -1 for null] */
function rowsToJson(rows: readonly (Row | null)[]): { col: string; val: string; len: string } {
  const len = new Int32Array(rows.length);
  let total = 0;
  rows.forEach((r, i) => {
    len[i] = r ? r.col.length : -1;
    total += r ? r.col.length : 0;
  });
  const col = new Uint32Array(total);
  const val = new Uint16Array(total);
  let at = 0;
  for (const r of rows) {
    if (!r) continue;
    col.set(r.col, at);
    val.set(r.val, at);
    at += r.col.length;
  }
  return { col: typedToBase64(col), val: typedToBase64(val), len: typedToBase64(len) };
}

function rowsFromJson(j: { col: string; val: string; len: string }, n: number, what: string): (Row | null)[] {
  const len = b64.i32(j.len, `${what}.len`);
  const col = b64.u32(j.col, `${what}.col`);
  const val = b64.u16(j.val, `${what}.val`);
  if (len.length !== n) throw new Error(`${what}: ${len.length} rows for n = ${n}`);
  const rows: (Row | null)[] = [];
  let at = 0;
  for (let i = 0; i < n; i++) {
    const l = len[i]!;
    if (l < 0) {
      rows.push(null);
      continue;
    }
    if (at + l > col.length || col.length !== val.length) throw new Error(`${what}: rows overrun their entries`);
    const c = col.slice(at, at + l);
    for (const x of c) if (x >= n) throw new Error(`${what}: row ${i} points at uid ${x} >= n`);
    rows.push({ col: c, val: val.slice(at, at + l) });
    at += l;
  }
  if (at !== col.length) throw new Error(`${what}: ${col.length - at} entries left over`);
  return rows;
}

export function subnetToJson(s: SubnetState): unknown {
  // `mechanisms` only for a multi-mechanism subnet: a single-mechanism checkpoint is as before
  const mechanisms = s.mechs.length === 0 ? {} : {
    mechanisms: s.mechs.map((m) => ({ lastUpdate: m.lastUpdate, nextSet: m.nextSet, weights: rowsToJson(m.weights), bonds: rowsToJson(m.bonds) })),
  };
  return {
    ...mechanisms,
    netuid: s.netuid,
    group: s.group,
    n: s.n,
    sched: s.sched,
    hotkeys: s.hotkeys,
    coldkeys: s.coldkeys,
    role: s.role,
    quality: s.quality,
    cadence: s.cadence,
    nextSet: s.nextSet,
    ownMiner: s.ownMiner,
    regBlock: s.regBlock,
    lastUpdate: s.lastUpdate,
    permit: s.permit,
    weights: rowsToJson(s.weights),
    bonds: rowsToJson(s.bonds),
    lastConsensus: s.lastConsensus,
    lastIncentive: s.lastIncentive,
    lastDividend: s.lastDividend,
    rng: s.rng.state(),
    regSeq: s.regSeq,
    nextStakeEvent: s.nextStakeEvent,
    nextRegistration: s.nextRegistration,
    epochsRun: s.epochsRun,
  };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function subnetFromJson(j: any, what: string): SubnetState {
  const n: number = j.n;
  if (!Number.isInteger(n) || n < 1) throw new Error(`${what}.n: bad subnet size ${n}`);
  const sized = <T extends { length: number }>(a: T, field: string): T => {
    if (a.length !== n) throw new Error(`${what}.${field}: ${a.length} entries for n = ${n}`);
    return a;
  };
  const strings = (a: unknown, field: string): string[] => {
    if (!Array.isArray(a) || a.some((x) => typeof x !== 'string')) throw new Error(`${what}.${field}: not a list of strings`);
    return sized(a as string[], field);
  };
  const rngState = j.rng as RngState;
  if (!Array.isArray(rngState) || rngState.length !== 4 || rngState.some((x) => !Number.isInteger(x) || x < 0 || x > 0xffffffff)) {
    throw new Error(`${what}.rng: bad generator state`);
  }
  const s: SubnetState = {
    netuid: j.netuid,
    group: j.group,
    n,
    sched: { ...j.sched },
    hotkeys: strings(j.hotkeys, 'hotkeys'),
    coldkeys: strings(j.coldkeys, 'coldkeys'),
    role: sized(b64.u8(j.role, 'role'), 'role'),
    quality: sized(b64.i32(j.quality, 'quality'), 'quality'),
    cadence: sized(b64.i32(j.cadence, 'cadence'), 'cadence'),
    nextSet: sized(b64.f64(j.nextSet, 'nextSet'), 'nextSet'),
    ownMiner: strings(j.ownMiner, 'ownMiner'),
    regBlock: sized(b64.f64(j.regBlock, 'regBlock'), 'regBlock'),
    lastUpdate: sized(b64.f64(j.lastUpdate, 'lastUpdate'), 'lastUpdate'),
    permit: sized(b64.u8(j.permit, 'permit'), 'permit'),
    weights: rowsFromJson(j.weights, n, `${what}.weights`),
    bonds: rowsFromJson(j.bonds, n, `${what}.bonds`),
    lastConsensus: sized(b64.u16(j.lastConsensus, 'lastConsensus'), 'lastConsensus'),
    lastIncentive: sized(b64.u64(j.lastIncentive, 'lastIncentive'), 'lastIncentive'),
    lastDividend: sized(b64.u64(j.lastDividend, 'lastDividend'), 'lastDividend'),
    rng: new Rng(rngState),
    regSeq: j.regSeq,
    nextStakeEvent: j.nextStakeEvent,
    nextRegistration: j.nextRegistration,
    epochsRun: j.epochsRun,
    mechs: [],
    uidOf: new Map(),
  };
  if (j.mechanisms !== undefined) {
    if (!Array.isArray(j.mechanisms)) throw new Error(`${what}.mechanisms: not a list`);
    s.mechs = j.mechanisms.map((m: any, k: number): MechanismRows => {
      const at = `${what}.mechanisms[${k}]`;
      return {
        lastUpdate: sized(b64.f64(m.lastUpdate, `${at}.lastUpdate`), `mechanisms[${k}].lastUpdate`),
        nextSet: sized(b64.f64(m.nextSet, `${at}.nextSet`), `mechanisms[${k}].nextSet`),
        weights: rowsFromJson(m.weights, n, `${at}.weights`),
        bonds: rowsFromJson(m.bonds, n, `${at}.bonds`),
      };
    });
  }
  for (const k of ['netuid', 'group', 'regSeq', 'nextStakeEvent', 'nextRegistration', 'epochsRun'] as const) {
    if (!Number.isSafeInteger(s[k])) throw new Error(`${what}.${k}: not an integer`);
  }
  for (const k of ['tempo', 'lastEpochBlock', 'pendingEpochAt', 'blocksSinceLastStep', 'epochIndex', 'lastStepBlock', 'netuid'] as const) {
    if (!Number.isSafeInteger(s.sched[k])) throw new Error(`${what}.sched.${k}: not an integer`);
  }
  rebuildIndex(s);
  if (s.uidOf.size !== n) throw new Error(`${what}.hotkeys: not unique`);
  return s;
}
