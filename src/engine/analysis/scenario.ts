// Multi-epoch validator/server scenarios (`yuma-sim-case/1`, the public Yuma simulator's cases)
// run through the exact engine, one epoch after another, with this mapping, pinned so
// that results are reproducible to the bit:
//   - uids: validators 0..V-1, then servers V..V+S-1 (n = V+S); netuid 1; no owner.
//   - weights: validator i's row lists EVERY server column, zeros kept as [uid, 0];
//     u16 = floor(w / max(row) * 65535 + 0.5), w the case's float32 value, in float64
//     (an all-zero row lists every column with 0).
//   - stake: alpha_stake = floor(s * 1e9 + 0.5) rao (s the float32 value), tao 0, servers 0.
//   - epoch e at block 10000 + e*361 (tempo 360); last_update = that block for every uid;
//     last_mechanism_step_block = the previous epoch's block (0 at epoch 0); rao_emission 1e9.
//   - permits: every validator at epoch 0, then the previous output's new_validator_permit;
//     bonds: empty at epoch 0, then the previous output's bonds.
//   - variants: see VARIANTS below; `bondsPenalty` (a fraction) -> floor(x * 65535 + 0.5).
//   - resets (opt-in): the case's bond reset is a re-registration of that server uid at that
//     epoch, block_at_registration = the epoch's block - 1 (kept for later epochs, as a real
//     re-registration would be).
import { runEpoch } from '../epoch.js';
import type { Kernels } from '../kernels.js';
import { InputError, type EpochInput, type EpochOutput, type Hyperparameters } from '../types.js';

export const SCENARIO_FORMAT = 'yuma-sim-case/1';
export const SCENARIO_VARIANTS = ['1', '2', '3', '3-liquid'] as const;
export type ScenarioVariant = (typeof SCENARIO_VARIANTS)[number];

/** What each variant is, in words (for help text and reports). */
export const VARIANT_TITLES: Record<ScenarioVariant, string> = {
  '1': 'Yuma 1: yuma3 off, bonds_moving_average 0, bonds_penalty 65535',
  '2': 'Yuma 2: yuma3 off, bonds_moving_average 900000, bonds_penalty 65535',
  '3': 'Yuma 3: yuma3 on, bonds_moving_average 975000, bonds_penalty 0',
  '3-liquid': 'Yuma 3 + liquid alpha (6554..19661, steepness 1000) from epoch 1',
};

export const SCENARIO_BLOCK0 = 10_000;
export const SCENARIO_BLOCK_STEP = 361;
export const SCENARIO_TEMPO = 360;

export interface ScenarioCase {
  /** where it was read from (for messages) */
  file: string;
  slug: string;
  name: string;
  description: string;
  validators: string[];
  servers: string[];
  baseValidator: string | null;
  /** float32 values: weights[e][i][j], stakes[e][i] */
  epochs: { weights: number[][]; stakes: number[] }[];
  resetBonds: { enabled: boolean; serverIndex: number | null; epoch: number | null };
  /** config_overrides the case carries (simulator settings; not chain settings) */
  configOverrides: Record<string, unknown>;
}

const isObj = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
const show = (v: unknown) => {
  const t = JSON.stringify(v);
  return t === undefined ? String(v) : t.length > 60 ? `${t.slice(0, 57)}...` : t;
};

/** Validates a parsed `yuma-sim-case/1` document; errors name the file, the field and the index. */
export function parseScenarioCase(json: unknown, file = ''): ScenarioCase {
  const fail = (msg: string, field: string): never => {
    throw new InputError(msg, field, file);
  };
  if (!isObj(json)) fail(`expected a JSON object (a ${SCENARIO_FORMAT} case), got ${show(json)}`, '');
  const d = json as Record<string, unknown>;
  if (d.format !== undefined && d.format !== SCENARIO_FORMAT) {
    fail(`expected ${JSON.stringify(SCENARIO_FORMAT)}, got ${show(d.format)}`, 'format');
  }
  const names = (key: string): string[] => {
    const v = d[key];
    if (!Array.isArray(v) || v.length === 0) fail(`expected a non-empty array of names, got ${show(v)}`, key);
    const a = v as unknown[];
    a.forEach((s, i) => {
      if (typeof s !== 'string') fail(`expected a name (string), got ${show(s)}`, `${key}[${i}]`);
    });
    return a as string[];
  };
  const validators = names('validators');
  const servers = names('servers');
  const V = validators.length;
  const S = servers.length;
  if (V + S > 65535) fail(`validators + servers = ${V + S} exceeds 65535 uids`, 'servers');

  let slug = d.slug;
  if (slug === undefined) {
    const base = file.split(/[\\/]/).pop() ?? 'case';
    slug = base.replace(/\.json(\.gz)?$/, '');
  }
  if (typeof slug !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9._-]{0,120}$/.test(slug)) {
    fail(`expected a file-name-safe slug (letters, digits, '.', '_', '-'), got ${show(slug)}`, 'slug');
  }
  const str = (key: string, dflt: string): string => {
    const v = d[key];
    if (v === undefined) return dflt;
    if (typeof v !== 'string') fail(`expected a string, got ${show(v)}`, key);
    return v as string;
  };
  const name = str('name', slug as string);
  const description = str('description', '');
  const base = d.base_validator;
  if (base !== undefined && base !== null && (typeof base !== 'string' || !validators.includes(base))) {
    fail(`expected one of the validators' names, got ${show(base)}`, 'base_validator');
  }

  const rawEpochs = d.epochs;
  if (!Array.isArray(rawEpochs) || rawEpochs.length === 0) fail(`expected a non-empty array of epochs, got ${show(rawEpochs)}`, 'epochs');
  const E = (rawEpochs as unknown[]).length;
  if (E > 100_000) fail(`expected at most 100000 epochs, got ${E}`, 'epochs');
  if (d.num_epochs !== undefined && d.num_epochs !== E) {
    fail(`expected ${E} (the length of epochs), got ${show(d.num_epochs)}`, 'num_epochs');
  }
  const num = (v: unknown, field: string, what: string): number => {
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) fail(`expected ${what}, got ${show(v)}`, field);
    return Math.fround(v as number);
  };
  const epochs = (rawEpochs as unknown[]).map((raw, e) => {
    const at = `epochs[${e}]`;
    if (!isObj(raw)) fail(`expected an object {weights, stakes}, got ${show(raw)}`, at);
    const r = raw as Record<string, unknown>;
    const W = r.weights;
    if (!Array.isArray(W) || W.length !== V) {
      fail(`expected ${V} weight rows (one per validator), got ${Array.isArray(W) ? `${W.length} rows` : show(W)}`, `${at}.weights`);
    }
    const weights = (W as unknown[]).map((row, i) => {
      if (!Array.isArray(row) || row.length !== S) {
        fail(`expected ${S} weights (one per server), got ${Array.isArray(row) ? `${row.length} values` : show(row)}`, `${at}.weights[${i}]`);
      }
      return (row as unknown[]).map((w, j) => num(w, `${at}.weights[${i}][${j}]`, 'a finite weight >= 0'));
    });
    const St = r.stakes;
    if (!Array.isArray(St) || St.length !== V) {
      fail(`expected ${V} stakes (one per validator), got ${Array.isArray(St) ? `${St.length} values` : show(St)}`, `${at}.stakes`);
    }
    const stakes = (St as unknown[]).map((s, i) => {
      const v = num(s, `${at}.stakes[${i}]`, 'a finite stake >= 0');
      if (Math.floor(v * 1e9 + 0.5) > Number.MAX_SAFE_INTEGER) {
        fail(`stake too large: ${v} * 1e9 rao is above 2^53 (not exact)`, `${at}.stakes[${i}]`);
      }
      return v;
    });
    return { weights, stakes };
  });

  let resetBonds: ScenarioCase['resetBonds'] = { enabled: false, serverIndex: null, epoch: null };
  const rb = d.reset_bonds;
  if (rb !== undefined && rb !== null) {
    if (!isObj(rb)) fail(`expected an object {enabled, server_index, epoch}, got ${show(rb)}`, 'reset_bonds');
    const o = rb as Record<string, unknown>;
    if (typeof o.enabled !== 'boolean') fail(`expected true or false, got ${show(o.enabled)}`, 'reset_bonds.enabled');
    if (o.enabled) {
      const si = o.server_index;
      if (typeof si !== 'number' || !Number.isInteger(si) || si < 0 || si >= S) {
        fail(`expected a server index 0..${S - 1}, got ${show(si)}`, 'reset_bonds.server_index');
      }
      const ep = o.epoch;
      if (typeof ep !== 'number' || !Number.isInteger(ep) || ep < 0 || ep >= E) {
        fail(`expected an epoch index 0..${E - 1}, got ${show(ep)}`, 'reset_bonds.epoch');
      }
      resetBonds = { enabled: true, serverIndex: si as number, epoch: ep as number };
    }
  }
  const co = d.config_overrides;
  if (co !== undefined && co !== null && !isObj(co)) fail(`expected an object, got ${show(co)}`, 'config_overrides');

  return {
    file,
    slug: slug as string,
    name,
    description,
    validators,
    servers,
    baseValidator: (base as string | undefined) ?? null,
    epochs,
    resetBonds,
    configOverrides: (co as Record<string, unknown> | undefined) ?? {},
  };
}

/** `--bonds-penalty x`, x a fraction in [0, 1], to the chain's u16. */
export function bondsPenaltyU16(x: number): number {
  if (!Number.isFinite(x) || x < 0 || x > 1) throw new RangeError(`bonds penalty must be in [0, 1], got ${x}`);
  return Math.floor(x * 65535 + 0.5);
}

export interface ScenarioOptions {
  /** a fraction in [0, 1]; overrides the variant's bonds_penalty */
  bondsPenalty?: number;
  /** apply the case's bond reset (a re-registration of the server uid) */
  resets?: boolean;
  kernels?: Kernels;
}

/** The chain settings of a variant at epoch e (liquid alpha starts at epoch 1 in 3-liquid). */
export function variantHyperparameters(variant: ScenarioVariant, V: number, e: number, opts: ScenarioOptions = {}): Hyperparameters {
  const yuma3 = variant === '3' || variant === '3-liquid';
  const hp: Hyperparameters = {
    tempo: SCENARIO_TEMPO,
    activity_cutoff: 1_000_000,
    kappa: 32767,
    bonds_penalty: yuma3 ? 0 : 65535,
    bonds_moving_average: variant === '1' ? 0 : variant === '2' ? 900_000 : 975_000,
    max_allowed_validators: Math.max(64, V),
    stake_threshold: 0n,
    yuma3,
    liquid_alpha: variant === '3-liquid' && e >= 1,
    alpha_low: 6554,
    alpha_high: 19661,
    alpha_sigmoid_steepness: 1000,
    commit_reveal: false,
  };
  if (opts.bondsPenalty !== undefined) hp.bonds_penalty = bondsPenaltyU16(opts.bondsPenalty);
  return hp;
}

/** u16 = floor(w / max(row) * 65535 + 0.5) in float64; an all-zero row stays all zero. */
export function weightRowToU16(row: readonly number[]): Uint16Array {
  let max = 0;
  for (const w of row) if (w > max) max = w;
  const out = new Uint16Array(row.length);
  if (max > 0) for (let j = 0; j < row.length; j++) out[j] = Math.floor((row[j]! / max) * 65535 + 0.5);
  return out;
}

export const scenarioBlock = (e: number) => SCENARIO_BLOCK0 + e * SCENARIO_BLOCK_STEP;

/**
 * Epoch e's input. `prev` is the previous epoch's output (null at epoch 0); `registered` the
 * block_at_registration vector carried from epoch to epoch (re-registrations included).
 */
export function scenarioEpochInput(
  c: ScenarioCase,
  variant: ScenarioVariant,
  e: number,
  prev: EpochOutput | null,
  registered: Float64Array,
  opts: ScenarioOptions = {},
): EpochInput {
  const V = c.validators.length;
  const S = c.servers.length;
  const n = V + S;
  const block = scenarioBlock(e);
  const ep = c.epochs[e]!;
  const alpha = new BigUint64Array(n);
  for (let i = 0; i < V; i++) alpha[i] = BigInt(Math.floor(ep.stakes[i]! * 1e9 + 0.5));
  const rowPtr = new Uint32Array(n + 1);
  for (let i = 0; i < n; i++) rowPtr[i + 1] = rowPtr[i]! + (i < V ? S : 0);
  const col = new Uint32Array(V * S);
  const val = new Uint16Array(V * S);
  for (let i = 0; i < V; i++) {
    const u = weightRowToU16(ep.weights[i]!);
    for (let j = 0; j < S; j++) {
      col[i * S + j] = V + j;
      val[i * S + j] = u[j]!;
    }
  }
  let permit: Uint8Array;
  if (prev) permit = prev.neurons.new_validator_permit.slice();
  else {
    permit = new Uint8Array(n);
    permit.fill(1, 0, V);
  }
  const bonds = prev
    ? prev.bonds
    : { rowPtr: new Uint32Array(n + 1), col: new Uint32Array(0), val: new Uint16Array(0) };
  return {
    netuid: 1,
    n,
    current_block: block,
    last_mechanism_step_block: e === 0 ? 0 : scenarioBlock(e - 1),
    rao_emission: 1_000_000_000n,
    owner_uid: null,
    hyperparameters: variantHyperparameters(variant, V, e, opts),
    tao_weight: 0n,
    neurons: {
      alpha_stake: alpha,
      tao_stake: new BigUint64Array(n),
      last_update: new Float64Array(n).fill(block),
      block_at_registration: registered.slice(),
      validator_permit: permit,
      commit_block: null,
    },
    weights: { rowPtr, col, val },
    bonds,
  };
}

export interface ScenarioEpochResult {
  /** per validator: u16 dividend / sum over validators (float64; all zeros stay zeros) */
  dividends: number[];
  /** per server: u16 incentive / sum over servers */
  incentives: number[];
  /** [validator][server]: the stored u16 bond (0 where none is stored) */
  bonds: number[][];
}

export interface ScenarioResult {
  case: string;
  variant: ScenarioVariant;
  hyperparameters: Record<string, unknown>;
  epochs: ScenarioEpochResult[];
}

function shares(v: Uint16Array, from: number, to: number): number[] {
  let sum = 0;
  for (let i = from; i < to; i++) sum += v[i]!;
  const out: number[] = [];
  for (let i = from; i < to; i++) out.push(sum > 0 ? v[i]! / sum : 0);
  return out;
}

/** Runs every epoch of a case in one variant; outputs carried as the mapping says. */
export function runScenario(c: ScenarioCase, variant: ScenarioVariant, opts: ScenarioOptions = {}): ScenarioResult {
  const V = c.validators.length;
  const S = c.servers.length;
  const n = V + S;
  const registered = new Float64Array(n);
  let prev: EpochOutput | null = null;
  const epochs: ScenarioEpochResult[] = [];
  const reset = opts.resets && c.resetBonds.enabled ? c.resetBonds : null;
  for (let e = 0; e < c.epochs.length; e++) {
    if (reset && reset.epoch === e) registered[V + reset.serverIndex!] = scenarioBlock(e) - 1;
    const input = scenarioEpochInput(c, variant, e, prev, registered, opts);
    const out = runEpoch(input, opts.kernels ? { kernels: opts.kernels } : {});
    const bonds: number[][] = Array.from({ length: V }, () => new Array<number>(S).fill(0));
    for (let i = 0; i < V; i++) {
      for (let q = out.bonds.rowPtr[i]!; q < out.bonds.rowPtr[i + 1]!; q++) {
        const j = out.bonds.col[q]!;
        if (j >= V) bonds[i]![j - V] = out.bonds.val[q]!;
      }
    }
    epochs.push({
      dividends: shares(out.neurons.dividend, 0, V),
      incentives: shares(out.neurons.incentive, V, n),
      bonds,
    });
    prev = out;
  }
  const hp = variantHyperparameters(variant, V, c.epochs.length > 1 ? 1 : 0, opts);
  return {
    case: c.slug,
    variant,
    hyperparameters: {
      ...hp,
      stake_threshold: hp.stake_threshold.toString(),
      ...(variant === '3-liquid' ? { liquid_alpha_from_epoch: 1 } : {}),
      netuid: 1,
      n,
      tao_weight: '0',
      rao_emission: '1000000000',
      first_block: SCENARIO_BLOCK0,
      block_step: SCENARIO_BLOCK_STEP,
      bond_reset: reset ? { server_uid: V + reset.serverIndex!, epoch: reset.epoch, block_at_registration: scenarioBlock(reset.epoch!) - 1 } : null,
    },
    epochs,
  };
}

const csvCell = (s: string) => (/[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);

/** The result as CSV: one row per epoch; dividends, incentives, then bonds[v][s]. */
export function scenarioCsv(c: ScenarioCase, r: ScenarioResult): string {
  const head = ['epoch'];
  for (const v of c.validators) head.push(`dividend:${v}`);
  for (const s of c.servers) head.push(`incentive:${s}`);
  for (const v of c.validators) for (const s of c.servers) head.push(`bond:${v}:${s}`);
  const lines = [head.map(csvCell).join(',')];
  r.epochs.forEach((ep, e) => {
    lines.push([e, ...ep.dividends, ...ep.incentives, ...ep.bonds.flat()].map(String).join(','));
  });
  return `${lines.join('\n')}\n`;
}
