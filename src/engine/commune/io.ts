// The Commune profile of yuma-epoch/1 (spec/epoch-io.md, "Commune profile"): parse and
// validate input and output documents into the typed form of ./types.ts, and write outputs
// back in the layout of the golden files. Validation stops at the first problem and throws
// an InputError naming the file, the field path (with indexes) and what was expected.
//
// Files are read with ../io.ts's readJsonFile, and checked with the same primitives
// (../json-check.ts), so that both profiles report problems the same way.
import { FORMAT, type SparseU16 } from '../types.js';
import {
  WHAT_N, WHAT_U16, WHAT_UID_J, WHAT_VALUE,
  Reader, checkArray, checkArrayN, checkI64, checkInt, checkString, checkU64, fail, show, type Obj,
} from '../json-check.js';
import type {
  CommuneBonds,
  CommuneConsensus,
  CommuneEpochInput,
  CommuneEpochOutput,
  CommuneHyperparameters,
  CommuneLedger,
  CommuneNeurons,
  CommuneOutcome,
  CommuneTrace,
} from './types.js';

export const COMMUNE_PROFILE = 'commune';

// ---------------------------------------------------------------------------------------
// limits and messages

/** I64F64 holds stake and token amounts: their totals must stay below 2^63. */
const I64F64_LIMIT = 1n << 63n;
/**
 * bonds_moving_average above this: |alpha| would reach 2^15, and EMA column sums over 65535
 * rows could leave I32F32, where the chain's wrapping arithmetic is no longer modelled.
 * (The chain does not range-check the value; anything above 10^6 is already a negative alpha.)
 */
export const COMMUNE_BMA_MAX = 32_767_000_000;

const WHAT_PERCENT = 'an integer 0..100 (whole percent)';
const WHAT_BMA = `an integer 0..${COMMUNE_BMA_MAX} (per million; |alpha| must stay below 2^15 for exact I32F32 EMA sums)`;
const OUTCOMES: readonly CommuneOutcome[] = ['ok', 'skipped', 'no_weights', 'failed'];

/** A u64 amount that the chain widens to I64F64: below 2^63. */
function checkAmount(v: unknown, field: string, file: string): bigint {
  const b = checkU64(v, field, file);
  if (b >= I64F64_LIMIT) fail(`expected an amount below 2^63 (it is held as I64F64), got "${b}"`, field, file);
  return b;
}

/** An amount field of a reader (checkAmount). */
const amount = (r: Reader, key: string): bigint => checkAmount(r.get(key), r.at(key), r.file);

/** The document header: object, format tag, profile "commune", kind. */
function header(json: unknown, kind: string, file: string): Reader {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    fail(`expected a JSON object (a ${FORMAT} document), got ${show(json)}`, '', file);
  }
  const r = new Reader(json as Obj, '', file);
  const format = r.get('format');
  if (format !== FORMAT) fail(`expected ${JSON.stringify(FORMAT)}, got ${show(format, false)}`, 'format', file);
  const profile = r.get('profile');
  if (profile !== COMMUNE_PROFILE) {
    fail(`expected ${JSON.stringify(COMMUNE_PROFILE)} (a Commune document), got ${show(profile, false)}`, 'profile', file);
  }
  const k = r.get('kind');
  if (k !== kind) fail(`expected ${JSON.stringify(kind)}, got ${show(k, false)}`, 'kind', file);
  return r;
}

function consensusType(r: Reader): CommuneConsensus {
  const c = r.get('consensus');
  if (c === 'yuma' || c === 'linear') return c;
  return fail(`expected "yuma" or "linear" (SubnetConsensusType), got ${show(c, false)}`, 'consensus', r.file);
}

/** True when a parsed JSON document declares `"profile": "commune"`. */
export function isCommuneDocument(json: unknown): boolean {
  return typeof json === 'object' && json !== null && (json as Obj)['profile'] === COMMUNE_PROFILE;
}

// ---------------------------------------------------------------------------------------
// sparse rows

interface ParsedRows {
  m: SparseU16;
  /** the first entry with uid_j >= n (kept out of m), when `outOfRange` is 'record' */
  outOfRange: { row: number; entry: number; uid_j: number } | null;
}

/**
 * n rows of `[uid_j, value]` pairs, uid_j strictly ascending, values u16. Entries with
 * uid_j >= n: 'drop' ignores them (stored weights), 'record' leaves them out of the matrix
 * but reports the first one (stored bonds: the epoch fails on it), 'reject' is an error.
 * With `nullRows`, a row may be null (output bonds: left unchanged); it is stored empty.
 */
function parseRows(
  v: unknown,
  n: number,
  outOfRange: 'drop' | 'record' | 'reject',
  field: string,
  file: string,
  nullRows: Uint8Array | null = null,
): ParsedRows {
  const rows = checkArrayN(v, n, 'rows', field, file);
  let total = 0;
  for (let i = 0; i < n; i++) {
    const r = rows[i];
    if (Array.isArray(r)) total += r.length;
    else if (r === null && nullRows) nullRows[i] = 1;
    else {
      const what = nullRows ? 'null or a row' : 'a row';
      fail(`expected ${what} (an array of [uid_j, value] pairs), got ${show(r)}`, `${field}[${i}]`, file);
    }
  }
  const rowPtr = new Uint32Array(n + 1);
  let col = new Uint32Array(total);
  let val = new Uint16Array(total);
  let first: ParsedRows['outOfRange'] = null;
  let k = 0;
  for (let i = 0; i < n; i++) {
    const r = rows[i];
    if (Array.isArray(r)) {
      let prev = -1;
      for (let e = 0; e < r.length; e++) {
        const at = `${field}[${i}][${e}]`;
        const pair: unknown = r[e];
        if (!Array.isArray(pair) || pair.length !== 2) fail(`expected a [uid_j, value] pair, got ${show(pair)}`, at, file);
        const j: unknown = pair[0];
        const x: unknown = pair[1];
        if (typeof j !== 'number' || !Number.isInteger(j) || j < 0 || j > 65535) {
          fail(`expected ${WHAT_UID_J}, got ${show(j)}`, `${at}[0]`, file);
        }
        if (j <= prev) {
          fail(
            j === prev
              ? `duplicate uid_j ${j} in row ${i}`
              : `unsorted row: uid_j ${j} after ${prev} (uid_j must be strictly ascending)`,
            `${at}[0]`,
            file,
          );
        }
        if (typeof x !== 'number' || !Number.isInteger(x) || x < 0 || x > 65535) {
          fail(`expected ${WHAT_VALUE}, got ${show(x)}`, `${at}[1]`, file);
        }
        prev = j;
        if (j < n) {
          col[k] = j;
          val[k] = x;
          k++;
        } else if (outOfRange === 'reject') {
          fail(`uid_j ${j} is out of range: expected a uid below n = ${n}`, `${at}[0]`, file);
        } else if (outOfRange === 'record' && first === null) {
          first = { row: i, entry: e, uid_j: j };
        }
      }
    }
    rowPtr[i + 1] = k;
  }
  if (k < total) {
    col = col.slice(0, k);
    val = val.slice(0, k);
  }
  return { m: { rowPtr, col, val }, outOfRange: first };
}

// ---------------------------------------------------------------------------------------
// input

function parseLedger(r: Reader, n: number, stake: BigUint64Array): CommuneLedger {
  const file = r.file;
  const keys = r.vec('keys', n, 'account strings', (x, f) => checkString(x, f, file));
  const seen = new Map<string, number>();
  keys.forEach((key, i) => {
    const other = seen.get(key);
    if (other !== undefined) fail(`duplicate key ${JSON.stringify(key)} (also uid ${other})`, `${r.at('keys')}[${i}]`, file);
    seen.set(key, i);
  });
  const stake_delegation_fee = Uint8Array.from(r.intVec('stake_delegation_fee', n, 0, 100, WHAT_PERCENT));
  const field = r.at('stake_from');
  const rows = checkArrayN(r.get('stake_from'), n, 'rows of [account, amount] pairs', field, file);
  const stake_from: CommuneLedger['stake_from'] = new Array(n);
  for (let i = 0; i < n; i++) {
    const row = checkArray(rows[i], '[account, amount] pairs', `${field}[${i}]`, file);
    const accounts = new Set<string>();
    const out: Array<readonly [string, bigint]> = new Array(row.length);
    let sum = 0n;
    for (let e = 0; e < row.length; e++) {
      const at = `${field}[${i}][${e}]`;
      const pair: unknown = row[e];
      if (!Array.isArray(pair) || pair.length !== 2) fail(`expected an [account, amount] pair, got ${show(pair)}`, at, file);
      const account = checkString(pair[0], `${at}[0]`, file);
      if (accounts.has(account)) fail(`duplicate account ${JSON.stringify(account)} in row ${i}`, `${at}[0]`, file);
      accounts.add(account);
      const amount = checkU64(pair[1], `${at}[1]`, file);
      sum += amount;
      out[e] = [account, amount];
    }
    if (sum !== stake[i]) {
      fail(`entries sum to ${sum}, expected neurons.stake[${i}] = ${stake[i]} (StakeFrom must add up to the module's stake)`, `${field}[${i}]`, file);
    }
    stake_from[i] = out;
  }
  return { keys, stake_delegation_fee, stake_from };
}

/**
 * Validates a parsed Commune `kind: "input"` document and returns its typed form. Weight
 * entries with uid_j >= n are dropped (as the chain does); the first bond entry with
 * uid_j >= n is recorded in `bond_out_of_range` (the epoch then fails, as on chain).
 * Throws InputError.
 */
export function parseCommuneInput(json: unknown, file = ''): CommuneEpochInput {
  const r = header(json, 'input', file);
  const consensus = consensusType(r);
  const netuid = r.u16('netuid');
  const n = r.int('n', 0, 65535, WHAT_N);
  const current_block = r.block('current_block');
  const pending_emission = amount(r, 'pending_emission');
  const founderRaw = r.get('founder_uid');
  const founder_uid =
    founderRaw === null
      ? null
      : checkInt(founderRaw, 0, n - 1, n === 0 ? 'null (n = 0: no uid exists)' : `null or a uid: an integer 0..${n - 1} (below n = ${n})`, 'founder_uid', file);

  const h = r.obj('hyperparameters');
  const hyperparameters: CommuneHyperparameters = {
    founder_share: h.u16('founder_share'),
    kappa: h.u16('kappa'),
    activity_cutoff: h.block('activity_cutoff'),
    bonds_moving_average: h.int('bonds_moving_average', 0, COMMUNE_BMA_MAX, WHAT_BMA),
    max_allowed_validators: h.u16OrNull('max_allowed_validators'),
    min_validator_stake: amount(h, 'min_validator_stake'),
    use_weights_encryption: h.bool('use_weights_encryption'),
    alpha_low: h.u16('alpha_low'),
    alpha_high: h.u16('alpha_high'),
  };
  if (consensus === 'yuma' && hyperparameters.use_weights_encryption && hyperparameters.alpha_low > hyperparameters.alpha_high) {
    fail(
      `alpha_low ${hyperparameters.alpha_low} is above alpha_high ${hyperparameters.alpha_high} ` +
        '(with use_weights_encryption the chain clamps to [alpha_low, alpha_high] and panics on this)',
      h.at('alpha_low'),
      file,
    );
  }

  const nr = r.obj('neurons');
  const stake = nr.u64Vec('stake', n);
  let total = 0n;
  for (let i = 0; i < n; i++) total += stake[i]!;
  if (total >= I64F64_LIMIT) fail(`stakes sum to ${total}: expected a total below 2^63 (it is held as I64F64)`, nr.at('stake'), file);
  const whatParent = n === 0 ? 'null (n = 0: no uid exists)' : `null or a uid: an integer 0..${n - 1} (below n = ${n})`;
  const neurons: CommuneEpochInput['neurons'] = {
    stake,
    last_update: nr.blockVec('last_update', n),
    block_at_registration: nr.blockVec('block_at_registration', n),
    validator_permit: nr.boolVec('validator_permit', n),
    weight_parent: Int32Array.from(
      nr.vec('weight_parent', n, 'uids or nulls', (x, f) => (x === null ? -1 : checkInt(x, 0, n - 1, whatParent, f, file))),
    ),
    validator_weight_fee: Uint8Array.from(nr.intVec('validator_weight_fee', n, 0, 100, WHAT_PERCENT)),
  };

  const weights = parseRows(r.get('weights'), n, 'drop', r.at('weights'), file).m;
  const b = parseRows(r.get('bonds'), n, 'record', r.at('bonds'), file);
  const ledgerRaw = r.has('ledger') ? r.o['ledger'] : null;
  const ledger = ledgerRaw === null ? null : parseLedger(r.obj('ledger'), n, stake);

  return {
    consensus,
    netuid,
    n,
    current_block,
    pending_emission,
    founder_uid,
    hyperparameters,
    neurons,
    weights,
    bonds: b.m,
    bond_out_of_range: b.outOfRange,
    ledger,
  };
}

// ---------------------------------------------------------------------------------------
// output

export const COMMUNE_TRACE_VECTORS = [
  'stake', 'active_stake', 'consensus', 'preranks', 'validator_trust', 'ranks', 'trust', 'incentive',
  'dividends_raw', 'dividends_after_fee', 'dividends',
] as const;
export const COMMUNE_TRACE_SHARES = ['miner_share', 'validator_share', 'combined_share'] as const;
const U16_FIELDS = ['consensus', 'trust', 'validator_trust', 'rank', 'incentive', 'dividend', 'pruning_score'] as const;
const U64_FIELDS = ['server_emission', 'validator_emission', 'emission'] as const;

function parseCredits(v: unknown, n: number, field: string, file: string): NonNullable<CommuneEpochOutput['credits']> {
  const rows = checkArrayN(v, n, 'rows of [account, amount] pairs', field, file);
  return rows.map((row, i) =>
    checkArray(row, '[account, amount] pairs', `${field}[${i}]`, file).map((pair, e) => {
      const at = `${field}[${i}][${e}]`;
      if (!Array.isArray(pair) || pair.length !== 2) fail(`expected an [account, amount] pair, got ${show(pair)}`, at, file);
      return [checkString(pair[0], `${at}[0]`, file), checkU64(pair[1], `${at}[1]`, file)] as const;
    }),
  );
}

function parseTrace(t: Reader, n: number): CommuneTrace {
  const trace = {} as CommuneTrace;
  for (const key of COMMUNE_TRACE_VECTORS) trace[key] = t.i64Vec(key, n);
  const params = t.get('liquid_alpha_params');
  trace.liquid_alpha_params =
    params === null
      ? null
      : BigInt64Array.from(
          checkArrayN(params, 4, 'i64 decimal strings ([c_high, c_low, a, b])', t.at('liquid_alpha_params'), t.file).map(
            (x, i) => checkI64(x, `${t.at('liquid_alpha_params')}[${i}]`, t.file),
          ),
        );
  trace.liquid_alpha = t.get('liquid_alpha') === null ? null : t.i64Vec('liquid_alpha', n);
  for (const key of COMMUNE_TRACE_SHARES) trace[key] = t.i64Vec(key, n);
  return trace;
}

/**
 * Validates a parsed Commune `kind: "output"` document (an expected file). `neurons` and
 * `bonds` must be present exactly when the outcome is `ok`; `credits` and `trace` are
 * optional (absent or null: none). Throws InputError.
 */
export function parseCommuneOutput(json: unknown, file = ''): CommuneEpochOutput {
  const r = header(json, 'output', file);
  const consensus = consensusType(r);
  const netuid = r.u16('netuid');
  const n = r.int('n', 0, 65535, WHAT_N);
  const oc = r.get('outcome');
  if (!OUTCOMES.includes(oc as CommuneOutcome)) {
    fail(`expected one of ${OUTCOMES.map((o) => JSON.stringify(o)).join(', ')}, got ${show(oc, false)}`, 'outcome', file);
  }
  const outcome = oc as CommuneOutcome;
  const errRaw = r.get('error');
  const error = errRaw === null ? null : checkString(errRaw, 'error', file);
  const out: CommuneEpochOutput = {
    consensus,
    netuid,
    n,
    outcome,
    error,
    token_emission: r.u64('token_emission'),
    founder_emission: r.u64('founder_emission'),
    total_emitted: r.u64('total_emitted'),
    neurons: null,
    bonds: null,
    credits: null,
  };
  const ok = outcome === 'ok';
  for (const key of ['neurons', 'bonds'] as const) {
    if ((r.get(key) === null) === ok) {
      fail(ok ? 'expected a value (the outcome is "ok"), got null' : `expected null (the outcome is "${outcome}")`, key, file);
    }
  }
  if (ok) {
    const nr = r.obj('neurons');
    const neurons = {
      active: nr.boolVec('active', n),
      new_validator_permit: nr.boolVec('new_validator_permit', n),
    } as CommuneNeurons;
    for (const key of U16_FIELDS) neurons[key] = Uint16Array.from(nr.intVec(key, n, 0, 65535, WHAT_U16));
    for (const key of U64_FIELDS) neurons[key] = nr.u64Vec(key, n);
    out.neurons = neurons;
    const unchanged = new Uint8Array(n);
    out.bonds = { rows: parseRows(r.get('bonds'), n, 'reject', 'bonds', file, unchanged).m, unchanged };
  }
  if (r.has('credits') && r.o['credits'] !== null) out.credits = parseCredits(r.o['credits'], n, 'credits', file);
  if (r.has('trace') && r.o['trace'] !== null) out.trace = parseTrace(r.obj('trace'), n);
  return out;
}

// ---------------------------------------------------------------------------------------
// serialization (the golden layout)

const q = (x: bigint) => `"${x}"`;
const list = (a: ArrayLike<number | bigint>, f: (x: never) => string) =>
  `[${Array.from(a as ArrayLike<never>, f).join(',')}]`;
const numList = (a: ArrayLike<number>) => list(a, (x: number) => String(x));
const strList = (a: ArrayLike<bigint>) => list(a, (x: bigint) => q(x));
const boolList = (a: Uint8Array) => list(a, (x: number) => (x ? 'true' : 'false'));

function bondRows(b: CommuneBonds): string[] {
  const { rowPtr, col, val } = b.rows;
  const rows: string[] = [];
  for (let i = 0; i + 1 < rowPtr.length; i++) {
    if (b.unchanged[i]) {
      rows.push('null');
      continue;
    }
    const parts: string[] = [];
    for (let k = rowPtr[i]!; k < rowPtr[i + 1]!; k++) parts.push(`[${col[k]},${val[k]}]`);
    rows.push(`[${parts.join(',')}]`);
  }
  return rows;
}

/** Lines of a matrix: `[` + rows joined by ",\n" + `]`, with the first row on its own line. */
const matrix = (rows: string[]) => (rows.length === 0 ? '[]' : `[\n${rows.join(',\n')}]`);

/** The output document in the golden layout; `credits` and `trace` only when present. */
export function communeOutputToJson(out: CommuneEpochOutput): string {
  const parts: string[] = [
    `{"format":"${FORMAT}","kind":"output","profile":"${COMMUNE_PROFILE}","consensus":"${out.consensus}",` +
      `"netuid":${out.netuid},"n":${out.n},\n` +
      `"outcome":"${out.outcome}","error":${out.error === null ? 'null' : JSON.stringify(out.error)},\n` +
      `"token_emission":${q(out.token_emission)},"founder_emission":${q(out.founder_emission)},` +
      `"total_emitted":${q(out.total_emitted)},\n`,
  ];
  const nr = out.neurons;
  if (nr === null) parts.push('"neurons":null');
  else {
    const fields = [
      `"active":${boolList(nr.active)}`,
      ...(['consensus', 'trust', 'validator_trust', 'rank', 'incentive', 'dividend', 'pruning_score'] as const).map(
        (k) => `"${k}":${numList(nr[k])}`,
      ),
      `"new_validator_permit":${boolList(nr.new_validator_permit)}`,
      ...U64_FIELDS.map((k) => `"${k}":${strList(nr[k])}`),
    ];
    parts.push(`"neurons":{\n${fields.join(',\n')}\n}`);
  }
  parts.push(`,\n"bonds":${out.bonds === null ? 'null' : matrix(bondRows(out.bonds))}`);
  if (out.credits !== null) {
    const rows = out.credits.map((row) => `[${row.map(([a, x]) => `[${JSON.stringify(a)},${q(x)}]`).join(',')}]`);
    parts.push(`,\n"credits":${matrix(rows)}`);
  }
  const t = out.trace;
  if (t !== undefined) {
    const fields = [
      ...COMMUNE_TRACE_VECTORS.map((k) => `"${k}":${strList(t[k])}`),
      `"liquid_alpha_params":${t.liquid_alpha_params === null ? 'null' : strList(t.liquid_alpha_params)}`,
      `"liquid_alpha":${t.liquid_alpha === null ? 'null' : strList(t.liquid_alpha)}`,
      ...COMMUNE_TRACE_SHARES.map((k) => `"${k}":${strList(t[k])}`),
    ];
    parts.push(`,\n"trace":{\n${fields.join(',\n')}\n}`);
  }
  parts.push('}\n');
  return parts.join('');
}
