// What a checkpoint's state may hold, as data: one shape per field, checked before anything is
// loaded, as strictly as an epoch input (a type, a range, the exact set of keys, lengths that
// match the subnet's n). The loaders then rebuild the state and the run checks the ledger's
// identities on it (docs/spec/network.md 8). A new kind of state (another profile, a subnet's extra
// matrices) is one more entry in these tables.
import { b64 } from './canonical.js';

/** A rule for one JSON value. */
export type Shape =
  | { t: 'int'; min: number | ((c: Ctx) => number); max: number | ((c: Ctx) => number) }
  /** a non-negative integer as a canonical decimal string, below 2^bits (bits 0: unbounded) */
  | { t: 'amount'; bits: 64 | 0 }
  | { t: 'bool' }
  | { t: 'str'; re: RegExp; what: string }
  | { t: 'const'; v: string | number }
  /** an object with exactly these keys (those in `optional` may be absent) */
  | { t: 'obj'; fields: Record<string, Shape>; optional?: readonly string[] }
  /** an object used as a map: keys matching `key` */
  | { t: 'map'; key: RegExp; keyWhat: string; of: Shape }
  | { t: 'list'; of: Shape; len?: 'n' }
  /** base64 of a typed array of the subnet's n elements, each in [min, max] */
  | { t: 'typed'; el: 'u8' | 'u16' | 'u32' | 'i32' | 'f64' | 'u64'; min?: number; max?: number; ints?: boolean }
  /** per-uid sparse rows of the subnet (subnet.ts rowsToJson): ascending columns below n */
  | { t: 'rows' }
  | { t: 'check'; check: (v: unknown, c: Ctx) => string | null };

/** What the shapes of one state may depend on. */
export interface Ctx {
  /** the checkpoint's next block */
  block: number;
  /** the size of the subnet being checked */
  n?: number;
}

/** The first violation, as `path: message`; null when the value has the shape. */
export function shapeError(v: unknown, s: Shape, path: string, c: Ctx): string | null {
  const got = () => describe(v);
  switch (s.t) {
    case 'int': {
      const min = typeof s.min === 'function' ? s.min(c) : s.min;
      const max = typeof s.max === 'function' ? s.max(c) : s.max;
      return Number.isSafeInteger(v) && (v as number) >= min && (v as number) <= max ? null : `${path}: must be an integer in ${min}..${max}, got ${got()}`;
    }
    case 'amount': {
      const ok = typeof v === 'string' && /^(0|[1-9][0-9]*)$/.test(v) && (s.bits === 0 || BigInt(v) < 1n << BigInt(s.bits));
      return ok ? null : `${path}: must be ${s.bits ? 'a u64' : 'a non-negative integer'} as a decimal string, got ${got()}`;
    }
    case 'bool':
      return typeof v === 'boolean' ? null : `${path}: must be true or false, got ${got()}`;
    case 'str':
      return typeof v === 'string' && s.re.test(v) ? null : `${path}: must be ${s.what}, got ${got()}`;
    case 'const':
      return v === s.v ? null : `${path}: must be ${JSON.stringify(s.v)}, got ${got()}`;
    case 'obj': {
      if (!isObject(v)) return `${path}: must be an object, got ${got()}`;
      for (const k of Object.keys(v)) if (!(k in s.fields)) return `${path}: unknown field ${JSON.stringify(k)}`;
      // n first: the other fields' lengths depend on it
      const keys = Object.keys(s.fields).sort((a, b) => Number(b === 'n') - Number(a === 'n'));
      let inner = c;
      for (const k of keys) {
        if (!(k in v)) {
          if (s.optional?.includes(k)) continue;
          return `${path}: missing field ${JSON.stringify(k)}`;
        }
        const e = shapeError(v[k], s.fields[k]!, `${path}.${k}`, inner);
        if (e) return e;
        if (k === 'n') inner = { ...c, n: v[k] as number };
      }
      return null;
    }
    case 'map': {
      if (!isObject(v)) return `${path}: must be an object, got ${got()}`;
      for (const [k, x] of Object.entries(v)) {
        if (!s.key.test(k)) return `${path}: key ${JSON.stringify(k)} is not ${s.keyWhat}`;
        const e = shapeError(x, s.of, `${path}[${JSON.stringify(k)}]`, c);
        if (e) return e;
      }
      return null;
    }
    case 'list': {
      if (!Array.isArray(v)) return `${path}: must be a list, got ${got()}`;
      if (s.len === 'n' && v.length !== c.n) return `${path}: ${v.length} entries for n = ${c.n}`;
      for (let i = 0; i < v.length; i++) {
        const e = shapeError(v[i], s.of, `${path}[${i}]`, c);
        if (e) return e;
      }
      return null;
    }
    case 'typed': {
      if (typeof v !== 'string' || !BASE64.test(v)) return `${path}: must be base64, got ${got()}`;
      let a: ArrayLike<number | bigint>;
      try {
        a = b64[s.el](v, path);
      } catch (e) {
        return e instanceof Error ? e.message : String(e);
      }
      if (a.length !== c.n) return `${path}: ${a.length} entries for n = ${c.n}`;
      if (s.el === 'u64') return null;
      for (let i = 0; i < a.length; i++) {
        const x = a[i] as number;
        const bad = (s.ints && !Number.isSafeInteger(x)) || (s.min !== undefined && !(x >= s.min)) || (s.max !== undefined && !(x <= s.max));
        if (bad) return `${path}[${i}]: must be ${s.ints ? 'an integer ' : ''}in ${s.min ?? '-inf'}..${s.max ?? 'inf'}, got ${x}`;
      }
      return null;
    }
    case 'rows':
      return rowsError(v, path, c.n ?? 0);
    case 'check': {
      const e = s.check(v, c);
      return e === null ? null : `${path}: ${e}`;
    }
  }
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

function describe(v: unknown): string {
  if (v === undefined) return 'nothing';
  const s = JSON.stringify(v);
  return s.length > 40 ? `${s.slice(0, 37)}...` : s;
}

function rowsError(v: unknown, path: string, n: number): string | null {
  const e = shapeError(v, { t: 'obj', fields: { col: b64str, val: b64str, len: b64str } }, path, { block: 0 });
  if (e) return e;
  const j = v as { col: string; val: string; len: string };
  let len: Int32Array, col: Uint32Array, val: Uint16Array;
  try {
    len = b64.i32(j.len, `${path}.len`);
    col = b64.u32(j.col, `${path}.col`);
    val = b64.u16(j.val, `${path}.val`);
  } catch (x) {
    return x instanceof Error ? x.message : String(x);
  }
  if (len.length !== n) return `${path}.len: ${len.length} rows for n = ${n}`;
  if (col.length !== val.length) return `${path}: ${col.length} columns for ${val.length} values`;
  let at = 0;
  for (let i = 0; i < n; i++) {
    const l = len[i]!;
    if (l < -1) return `${path}.len[${i}]: must be -1 (no row) or a row length, got ${l}`;
    if (l <= 0) continue;
    if (at + l > col.length) return `${path}.len[${i}]: row ${i} runs past the ${col.length} entries`;
    for (let k = at; k < at + l; k++) {
      if (col[k]! >= n) return `${path}: row ${i} points at uid ${col[k]} >= n = ${n}`;
      if (k > at && col[k]! <= col[k - 1]!) return `${path}: row ${i}'s columns are not strictly ascending (uid ${col[k]} after ${col[k - 1]})`;
    }
    at += l;
  }
  return at === col.length ? null : `${path}: ${col.length - at} entries left over after the rows`;
}

// ---------------------------------------------------------------------------------------
// the tables

const b64str: Shape = { t: 'str', re: BASE64, what: 'base64' };
const u64: Shape = { t: 'amount', bits: 64 };
const nat: Shape = { t: 'amount', bits: 0 };
const count: Shape = { t: 'int', min: 0, max: Number.MAX_SAFE_INTEGER };
const NETUID_KEY = /^(0|[1-9][0-9]{0,4})$/;
/** account names: printable ASCII without spaces (hotkeys, coldkeys, sinks) */
const ACCOUNT = /^[\x21-\x7e]{1,128}$/;
const accountMap = (of: Shape): Shape => ({ t: 'map', key: ACCOUNT, keyWhat: 'an account name', of });
const netuidMap = (of: Shape): Shape => ({ t: 'map', key: NETUID_KEY, keyWhat: 'a netuid', of });
const obj = (fields: Record<string, Shape>): Shape => ({ t: 'obj', fields });
const amounts = (...keys: string[]): Record<string, Shape> => Object.fromEntries(keys.map((k) => [k, u64]));
const U32 = 0xffffffff;

/** The epoch scheduler's state of one subnet (scheduler.ts ScheduleState): blocks up to the checkpoint's. */
const SCHEDULE: Shape = obj({
  netuid: { t: 'int', min: 0, max: 65535 },
  tempo: { t: 'int', min: 0, max: 65535 },
  lastEpochBlock: { t: 'int', min: 0, max: (c) => c.block },
  pendingEpochAt: { t: 'int', min: 0, max: (c) => c.block + 65535 },
  blocksSinceLastStep: count,
  epochIndex: count,
  lastStepBlock: { t: 'int', min: 0, max: (c) => c.block },
});

/** blocks of a uid's weight setting (may precede block 0: a schedule's phase) */
const UPDATE_BLOCKS: Shape = { t: 'typed', el: 'f64', ints: true, min: -Number.MAX_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER };

/** One of mechanisms 1..M-1 of a multi-mechanism subnet (subnet.ts MechanismRows). */
const MECHANISM_STATE: Shape = obj({
  lastUpdate: UPDATE_BLOCKS,
  nextSet: { t: 'typed', el: 'f64', ints: true, min: 0, max: Number.MAX_SAFE_INTEGER },
  weights: { t: 'rows' },
  bonds: { t: 'rows' },
});

/** One subnet (subnet.ts subnetToJson), common to both profiles. */
export const SUBNET_STATE: Shape = {
  t: 'obj',
  // only a subnet with several mechanisms has `mechanisms` (the count is checked against the scenario)
  optional: ['mechanisms'],
  fields: {
    netuid: { t: 'int', min: 0, max: 65535 },
    group: count,
    n: { t: 'int', min: 1, max: 4096 },
    sched: SCHEDULE,
    hotkeys: { t: 'list', len: 'n', of: { t: 'str', re: ACCOUNT, what: 'an account name' } },
    coldkeys: { t: 'list', len: 'n', of: { t: 'str', re: ACCOUNT, what: 'an account name' } },
    role: { t: 'typed', el: 'u8', min: 0, max: 4 },
    quality: { t: 'typed', el: 'i32', min: 0, max: 65535 },
    cadence: { t: 'typed', el: 'i32', min: 0, max: U32 },
    nextSet: { t: 'typed', el: 'f64', ints: true, min: 0, max: Number.MAX_SAFE_INTEGER },
    ownMiner: { t: 'list', len: 'n', of: { t: 'str', re: /^([\x21-\x7e]{1,128})?$/, what: "'' or an account name" } },
    regBlock: { t: 'typed', el: 'f64', ints: true, min: 0, max: Number.MAX_SAFE_INTEGER },
    lastUpdate: UPDATE_BLOCKS,
    permit: { t: 'typed', el: 'u8', min: 0, max: 1 },
    weights: { t: 'rows' },
    bonds: { t: 'rows' },
    lastConsensus: { t: 'typed', el: 'u16' },
    lastIncentive: { t: 'typed', el: 'u64' },
    lastDividend: { t: 'typed', el: 'u64' },
    rng: {
      t: 'check',
      check: (v) =>
        Array.isArray(v) && v.length === 4 && v.every((x) => Number.isInteger(x) && x >= 0 && x <= U32) && v.some((x) => x !== 0)
          ? null
          : `must be 4 integers in 0..${U32}, not all 0 (a xoshiro128** state), got ${describe(v)}`,
    },
    regSeq: count,
    // workload events up to the checkpoint's block have happened
    nextStakeEvent: { t: 'int', min: (c) => c.block, max: Number.MAX_SAFE_INTEGER },
    nextRegistration: { t: 'int', min: (c) => c.block, max: Number.MAX_SAFE_INTEGER },
    epochsRun: count,
    mechanisms: { t: 'list', of: MECHANISM_STATE },
  },
};

const SUBNETS: Shape = { t: 'list', of: SUBNET_STATE };

/** Per profile: the driver's state (profiles/<name>/state.ts stateJson). */
export const DRIVER_STATE: Record<string, Shape> = {
  bittensor: obj({
    tao: obj({
      ...amounts('issuance', 'genesis', 'minted', 'recycled', 'burn', 'external', 'freeTotal', 'rootTotal', 'poolTotal'),
      pools: netuidMap(u64),
    }),
    books: netuidMap(
      obj({
        ...amounts('alphaIn', 'alphaOut', 'genesisOut', 'minted', 'injected', 'bought', 'sold', 'recycled', 'burn', 'dust', 'overpaid'),
        ...amounts('stakeTotal', 'claimableTotal', 'inflight', 'paid'),
        pending: obj(amounts('server', 'validator', 'root', 'ownerCut')),
      }),
    ),
    free: accountMap(u64),
    owner: accountMap({ t: 'str', re: ACCOUNT, what: 'an account name' }),
    // a delegate take is a fraction of 65535
    take: accountMap({ t: 'int', min: 0, max: 65535 }),
    pools: netuidMap(accountMap(obj({ total: u64, shares: nat, holders: accountMap(nat) }))),
    claimable: netuidMap(accountMap(u64)),
    earned: accountMap(u64),
    issuanceStart: u64,
    subnets: SUBNETS,
  }),
  commune: obj({
    book: obj(amounts('issuance', 'genesis', 'credited', 'burned', 'external', 'freeTotal', 'totalStake', 'unminted', 'offered')),
    books: netuidMap(obj({ ...amounts('pending', 'accrued', 'founderPaid', 'paid', 'dust'), failed: count })),
    free: accountMap(u64),
    stakeFrom: accountMap(accountMap(u64)),
    moduleTotal: accountMap(u64),
    earned: accountMap(u64),
    issuanceStart: u64,
    subnets: SUBNETS,
  }),
};
