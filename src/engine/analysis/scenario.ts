// Multi-epoch validator/server scenarios (`yuma-sim-case/1`, the public Yuma simulator's cases,
// and snapshot replays) run through the exact engine, one epoch after another. The case file
// format is documented in docs/scenario.md (schema: schema/yuma-sim-case-1.schema.json).
//
// A synthetic case maps to chain epochs as pinned here, so that results are reproducible to the bit:
//   - uids: validators 0..V-1, then servers V..V+S-1 (n = V+S); netuid 1; no owner.
//   - weights: validator i's row lists EVERY server column, zeros kept as [uid, 0];
//     u16 = floor(w / max(row) * 65535 + 0.5), w the case's float32 value, in float64
//     (an all-zero row lists every column with 0).
//   - stake: alpha_stake = floor(s * 1e9 + 0.5) rao (s the float32 value), tao 0, servers 0.
//   - epoch e at block 10000 + e*361 (tempo 360); last_update = that block for every uid;
//     last_mechanism_step_block = the previous epoch's block (0 at epoch 0); rao_emission 1e9.
//   - permits: every validator at epoch 0, then the previous output's new_validator_permit;
//     bonds: empty at epoch 0, then the previous output's bonds.
//   - variants: see variantHyperparameters; then the settings of the run, in this order: the
//     case's `hyperparameters` block, `--set` (and `--bonds-penalty`), the sweep's setting.
//   - resets (opt-in): the case's bond reset is a re-registration of that server uid at that
//     epoch, block_at_registration = the epoch's block - 1 (kept for later epochs, as a real
//     re-registration would be).
// A replay case (`snapshot`) runs a real subnet's input forward: see scenario-replay.ts.
import { runEpoch } from '../epoch.js';
import type { Kernels } from '../kernels.js';
import { InputError, type EpochInput, type EpochOutput, type Hyperparameters } from '../types.js';
import { overridesJson, parseOverridesObject, type ScenarioOverrides, type SweepSetting } from './scenario-params.js';
import { parseReplay, ReplayState, type ReplaySpec } from './scenario-replay.js';
import type { Pool } from '../../pool/index.js';
import { defineTask, runTask } from '../../pool/tasks.js';

export const SCENARIO_FORMAT = 'yuma-sim-case/1';
export const SCENARIO_VARIANTS = ['1', '2', '3', '3-liquid'] as const;
/** `snapshot`: a replay with the snapshot's own hyperparameters (the default for replays) */
export type ScenarioVariant = (typeof SCENARIO_VARIANTS)[number] | 'snapshot';
export const ALL_VARIANTS: readonly ScenarioVariant[] = [...SCENARIO_VARIANTS, 'snapshot'];

/** What each variant is, in words (for help text and reports). */
export const VARIANT_TITLES: Record<ScenarioVariant, string> = {
  '1': 'Yuma 1: yuma3 off, bonds_moving_average 0, bonds_penalty 65535',
  '2': 'Yuma 2: yuma3 off, bonds_moving_average 900000, bonds_penalty 65535',
  '3': 'Yuma 3: yuma3 on, bonds_moving_average 975000, bonds_penalty 0',
  '3-liquid': 'Yuma 3 + liquid alpha (6554..19661, steepness 1000) from epoch 1',
  snapshot: 'the snapshot\'s own hyperparameters',
};

export const SCENARIO_BLOCK0 = 10_000;
export const SCENARIO_BLOCK_STEP = 361;
export const SCENARIO_TEMPO = 360;
const SIM_RAO_EMISSION = 1_000_000_000n;

interface CaseCommon {
  /** where it was read from (for messages) */
  file: string;
  slug: string;
  name: string;
  description: string;
  /** the case's `hyperparameters` block (resolved chain values) */
  hyperparameters: ScenarioOverrides;
}

export interface SimCase extends CaseCommon {
  kind: 'sim';
  validators: string[];
  servers: string[];
  baseValidator: string | null;
  /** float32 values: weights[e][i][j], stakes[e][i] */
  epochs: { weights: number[][]; stakes: number[] }[];
  resetBonds: { enabled: boolean; serverIndex: number | null; epoch: number | null };
  /** config_overrides the case carries (simulator settings; not chain settings) */
  configOverrides: Record<string, unknown>;
}

export interface ReplayCase extends CaseCommon {
  kind: 'replay';
  replay: ReplaySpec;
  /** the uid the others are compared with, or null */
  baseUid: number | null;
}

export type ScenarioCase = SimCase | ReplayCase;

export interface ParseCaseOptions {
  /**
   * Reads a snapshot named by path (relative paths are resolved by the caller against the case
   * file). Absent (serve): a snapshot must be given inline.
   */
  readSnapshot?: (path: string) => { doc: unknown; source: string };
}

const isObj = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
const show = (v: unknown) => {
  const t = JSON.stringify(v);
  return t === undefined ? String(v) : t.length > 60 ? `${t.slice(0, 57)}...` : t;
};

const COMMON_FIELDS = ['format', 'source', 'slug', 'name', 'description', 'base_validator', 'hyperparameters', 'num_epochs'];
const SIM_FIELDS = [...COMMON_FIELDS, 'validators', 'servers', 'epochs', 'reset_bonds', 'config_overrides'];
const REPLAY_FIELDS = [...COMMON_FIELDS, 'snapshot', 'changes'];

/** Validates a parsed `yuma-sim-case/1` document; errors name the file, the field and the index. */
export function parseScenarioCase(json: unknown, file = '', options: ParseCaseOptions = {}): ScenarioCase {
  const fail = (msg: string, field: string): never => {
    throw new InputError(msg, field, file);
  };
  if (!isObj(json)) fail(`expected a JSON object (a ${SCENARIO_FORMAT} case), got ${show(json)}`, '');
  const d = json as Record<string, unknown>;
  if (d.format !== undefined && d.format !== SCENARIO_FORMAT) {
    fail(`expected ${JSON.stringify(SCENARIO_FORMAT)}, got ${show(d.format)}`, 'format');
  }
  const replay = 'snapshot' in d;
  const allowed = replay ? REPLAY_FIELDS : SIM_FIELDS;
  for (const key of Object.keys(d)) {
    if (!allowed.includes(key)) {
      const other = replay ? SIM_FIELDS.includes(key) : REPLAY_FIELDS.includes(key);
      fail(other ? (replay ? 'not a field of a snapshot replay (it has "snapshot")' : 'only a snapshot replay (with "snapshot") has this field') : 'unknown field', key);
    }
  }
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
  const common: CaseCommon = {
    file,
    slug: slug as string,
    name: str('name', slug as string),
    description: str('description', ''),
    hyperparameters: d.hyperparameters === undefined ? {} : parseOverridesObject(d.hyperparameters, 'hyperparameters', file),
  };
  return replay ? parseReplayCase(d, common, options, fail) : parseSimCase(d, common, fail);
}

function parseReplayCase(
  d: Record<string, unknown>, common: CaseCommon, options: ParseCaseOptions, fail: (msg: string, field: string) => never,
): ReplayCase {
  let doc: unknown = d.snapshot;
  let source = 'inline';
  if (typeof d.snapshot === 'string') {
    if (!options.readSnapshot) fail('a snapshot is read from a file only by the command line; give the yuma-epoch/1 input inline', 'snapshot');
    ({ doc, source } = options.readSnapshot!(d.snapshot));
  } else if (!isObj(d.snapshot)) fail(`expected a yuma-epoch/1 input (an object) or the path of one, got ${show(d.snapshot)}`, 'snapshot');
  const spec = parseReplay(doc, source, d.num_epochs, d.changes, common.file);
  const base = d.base_validator;
  if (base !== undefined && base !== null && (typeof base !== 'number' || !Number.isInteger(base) || base < 0 || base >= spec.snapshot.n)) {
    fail(`expected a uid 0..${spec.snapshot.n - 1} (a replay names validators by uid), got ${show(base)}`, 'base_validator');
  }
  return { ...common, kind: 'replay', replay: spec, baseUid: (base as number | undefined) ?? null };
}

function parseSimCase(d: Record<string, unknown>, common: CaseCommon, fail: (msg: string, field: string) => never): SimCase {
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
    const extra = Object.keys(r).find((k) => k !== 'weights' && k !== 'stakes');
    if (extra !== undefined) fail('unknown field (an epoch has weights and stakes)', `${at}.${extra}`);
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

  let resetBonds: SimCase['resetBonds'] = { enabled: false, serverIndex: null, epoch: null };
  const rb = d.reset_bonds;
  if (rb !== undefined && rb !== null) {
    if (!isObj(rb)) fail(`expected an object {enabled, server_index, epoch}, got ${show(rb)}`, 'reset_bonds');
    const o = rb as Record<string, unknown>;
    const extra = Object.keys(o).find((k) => !['enabled', 'server_index', 'epoch', 'applies_to'].includes(k));
    if (extra !== undefined) fail('unknown field (enabled, server_index, epoch, applies_to)', `reset_bonds.${extra}`);
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
    ...common,
    kind: 'sim',
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
  /** a fraction in [0, 1]; overrides the variant's bonds_penalty (before `overrides`) */
  bondsPenalty?: number;
  /** settings of the run (`--set`), over the case's `hyperparameters` block */
  overrides?: ScenarioOverrides;
  /** the sweep point of the run, over everything else */
  setting?: SweepSetting;
  /** apply the case's bond reset (a re-registration of the server uid) */
  resets?: boolean;
  kernels?: Kernels;
}

/** What overrides the variant in a run of `c`, in order: case block, --bonds-penalty, --set, sweep. */
export function effectiveOverrides(c: Pick<CaseCommon, 'hyperparameters'> | null, opts: ScenarioOptions): ScenarioOverrides {
  return {
    ...(c?.hyperparameters ?? {}),
    ...(opts.bondsPenalty !== undefined ? { bonds_penalty: bondsPenaltyU16(opts.bondsPenalty) } : {}),
    ...(opts.overrides ?? {}),
    ...(opts.setting?.overrides ?? {}),
  };
}

/** The settings that make a variant (liquid alpha from the second epoch in 3-liquid). */
function applyVariant(hp: Hyperparameters, variant: ScenarioVariant, e: number): void {
  if (variant === 'snapshot') return;
  const yuma3 = variant === '3' || variant === '3-liquid';
  hp.yuma3 = yuma3;
  hp.bonds_penalty = yuma3 ? 0 : 65535;
  hp.bonds_moving_average = variant === '1' ? 0 : variant === '2' ? 900_000 : 975_000;
  hp.liquid_alpha = variant === '3-liquid' && e >= 1;
  hp.alpha_low = 6554;
  hp.alpha_high = 19661;
  hp.alpha_sigmoid_steepness = 1000;
}

/** The run's settings over the variant's (an override of liquid_alpha holds from epoch 0). */
function applyOverrides(hp: Hyperparameters, o: ScenarioOverrides): void {
  for (const key of Object.keys(o) as (keyof ScenarioOverrides)[]) {
    if (key === 'rao_emission') continue;
    (hp as unknown as Record<string, unknown>)[key] = o[key];
  }
}

/**
 * The chain settings of a synthetic case's variant at epoch e: kappa 32767, activity_cutoff
 * 1000000, max_allowed_validators max(64, V), stake_threshold 0, then the variant, then the
 * run's settings (effectiveOverrides).
 */
export function variantHyperparameters(variant: ScenarioVariant, V: number, e: number, opts: ScenarioOptions = {}, c: SimCase | null = null): Hyperparameters {
  const hp: Hyperparameters = {
    tempo: SCENARIO_TEMPO,
    activity_cutoff: 1_000_000,
    kappa: 32767,
    bonds_penalty: 65535,
    bonds_moving_average: 0,
    max_allowed_validators: Math.max(64, V),
    stake_threshold: 0n,
    yuma3: false,
    liquid_alpha: false,
    alpha_low: 6554,
    alpha_high: 19661,
    alpha_sigmoid_steepness: 1000,
    commit_reveal: false,
  };
  applyVariant(hp, variant, e);
  applyOverrides(hp, effectiveOverrides(c, opts));
  return hp;
}

/** A replay's chain settings at epoch e: the snapshot's, the variant's (unless `snapshot`), the run's. */
export function replayHyperparameters(c: ReplayCase, variant: ScenarioVariant, e: number, opts: ScenarioOptions = {}): Hyperparameters {
  const hp = { ...c.replay.snapshot.hyperparameters };
  applyVariant(hp, variant, e);
  applyOverrides(hp, effectiveOverrides(c, opts));
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

/** The stake and weights of a synthetic case's epoch (the same in every variant and setting). */
interface SimEpochArrays {
  alpha: BigUint64Array;
  rowPtr: Uint32Array;
  col: Uint32Array;
  val: Uint16Array;
}

/** Per case, per epoch: computed once, handed out as copies (a sweep runs a case many times). */
const simArrays = new WeakMap<SimCase, SimEpochArrays[]>();

function simEpochArrays(c: SimCase, e: number): SimEpochArrays {
  let perEpoch = simArrays.get(c);
  if (!perEpoch) simArrays.set(c, (perEpoch = []));
  let a = perEpoch[e];
  if (!a) {
    const V = c.validators.length;
    const S = c.servers.length;
    const n = V + S;
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
    a = perEpoch[e] = { alpha, rowPtr, col, val };
  }
  return { alpha: a.alpha.slice(), rowPtr: a.rowPtr.slice(), col: a.col.slice(), val: a.val.slice() };
}

/**
 * A synthetic case's epoch e input. `prev` is the previous epoch's output (null at epoch 0);
 * `registered` the block_at_registration vector carried from epoch to epoch (re-registrations included).
 */
export function scenarioEpochInput(
  c: SimCase,
  variant: ScenarioVariant,
  e: number,
  prev: EpochOutput | null,
  registered: Float64Array,
  opts: ScenarioOptions = {},
): EpochInput {
  if (variant === 'snapshot') throw new InputError('variant snapshot runs snapshot replays only (a case with "snapshot")', '--yuma', c.file);
  const V = c.validators.length;
  const S = c.servers.length;
  const n = V + S;
  const block = scenarioBlock(e);
  const { alpha, rowPtr, col, val } = simEpochArrays(c, e);
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
    rao_emission: effectiveOverrides(c, opts).rao_emission ?? SIM_RAO_EMISSION,
    owner_uid: null,
    hyperparameters: variantHyperparameters(variant, V, e, opts, c),
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
  /** [validator][server]: the stored u16 bond (0 where none is stored); synthetic cases only */
  bonds?: number[][];
  /** per validator: its stake (the output's `stake`) over the validators' total */
  stake_shares: number[];
  /** per validator: dividends - stake_shares (all 0 in an epoch that paid no dividends) */
  relative_dividends: number[];
  /** per validator: the sum of relative_dividends up to this epoch */
  relative_dividends_cumulative: number[];
  /** per validator: the output's validator_emission, rao (u64 as a decimal string) */
  validator_emission: string[];
}

export interface ScenarioResult {
  case: string;
  variant: ScenarioVariant;
  /** the sweep point: swept setting -> its value as written ({} without a sweep) */
  setting: Record<string, string>;
  /** the effective chain settings (last epoch), the run's settings (`set`) and the mapping */
  hyperparameters: Record<string, unknown>;
  /** validator names (a replay: "uid N"), in the order of every per-validator array */
  validators: string[];
  /** their uids */
  validator_uids: number[];
  epochs: ScenarioEpochResult[];
  totals: {
    /** the sum over epochs of the dividend shares */
    dividends: number[];
    /** the last epoch's relative_dividends_cumulative */
    relative_dividends: number[];
    /** the sum over epochs of validator_emission, rao */
    validator_emission: string[];
    /** total dividends over the base validator's (null: no base validator, or it earned nothing) */
    dividends_vs_base: number[] | null;
    base_validator: string | null;
  };
}

interface EpochRecord {
  neurons: EpochOutput['neurons'];
  bonds?: number[][];
}

function shares(v: Uint16Array, uids: readonly number[]): number[] {
  let sum = 0;
  for (const u of uids) sum += v[u]!;
  return uids.map((u) => (sum > 0 ? v[u]! / sum : 0));
}

/**
 * One run: a case in one variant with one set of settings, stepped epoch by epoch: input(e),
 * then accept(e, output), each epoch carried from the run's own previous output.
 */
export class ScenarioRun {
  readonly epochs: number;
  private prev: EpochOutput | null = null;
  private readonly records: EpochRecord[] = [];
  private readonly registered: Float64Array | null;
  private readonly replay: ReplayState | null;
  private readonly firstPermits: Uint8Array | null;

  constructor(
    readonly c: ScenarioCase,
    readonly variant: ScenarioVariant,
    readonly opts: ScenarioOptions = {},
  ) {
    if (c.kind === 'sim') {
      if (variant === 'snapshot') throw new InputError('variant snapshot runs snapshot replays only (a case with "snapshot")', '--yuma', c.file);
      this.epochs = c.epochs.length;
      this.registered = new Float64Array(c.validators.length + c.servers.length);
      this.replay = null;
      this.firstPermits = null;
    } else {
      this.epochs = c.replay.epochs;
      this.registered = null;
      this.replay = new ReplayState(c.replay);
      this.firstPermits = c.replay.snapshot.neurons.validator_permit;
    }
  }

  private get reset() {
    const c = this.c;
    return c.kind === 'sim' && this.opts.resets && c.resetBonds.enabled ? c.resetBonds : null;
  }

  /** Epoch e's input (e = 0, 1, ... in order, each after the previous epoch's accept). */
  input(e: number): EpochInput {
    const c = this.c;
    if (c.kind === 'sim') {
      const reset = this.reset;
      if (reset && reset.epoch === e) this.registered![c.validators.length + reset.serverIndex!] = scenarioBlock(e) - 1;
      return scenarioEpochInput(c, this.variant, e, this.prev, this.registered!, this.opts);
    }
    const o = effectiveOverrides(c, this.opts);
    return this.replay!.input(e, this.prev, (base) => ({
      hyperparameters: replayHyperparameters(c, this.variant, e, this.opts),
      rao_emission: o.rao_emission ?? base.rao_emission,
    }));
  }

  /** Takes epoch e's output (it becomes the carry of epoch e + 1). */
  accept(e: number, out: EpochOutput): void {
    if (e !== this.records.length) throw new Error(`scenario: output of epoch ${e} given, ${this.records.length} expected`);
    const c = this.c;
    const rec: EpochRecord = { neurons: out.neurons };
    if (c.kind === 'sim') {
      const V = c.validators.length;
      const S = c.servers.length;
      const bonds: number[][] = Array.from({ length: V }, () => new Array<number>(S).fill(0));
      for (let i = 0; i < V; i++) {
        for (let q = out.bonds.rowPtr[i]!; q < out.bonds.rowPtr[i + 1]!; q++) {
          const j = out.bonds.col[q]!;
          if (j >= V) bonds[i]![j - V] = out.bonds.val[q]!;
        }
      }
      rec.bonds = bonds;
    }
    this.records.push(rec);
    this.prev = out;
  }

  /** Runs every epoch here, on the main thread. */
  runAll(): ScenarioResult {
    for (let e = 0; e < this.epochs; e++) {
      this.accept(e, runEpoch(this.input(e), this.opts.kernels ? { kernels: this.opts.kernels } : {}));
    }
    return this.result();
  }

  /** Validators (uids, names) and servers (uids) the result reports. */
  private roles(): { validators: number[]; names: string[]; servers: number[] } {
    const c = this.c;
    if (c.kind === 'sim') {
      const V = c.validators.length;
      const n = V + c.servers.length;
      return { validators: c.validators.map((_, i) => i), names: c.validators, servers: Array.from({ length: n - V }, (_, j) => V + j) };
    }
    // a replay: every uid that held a validator permit in the snapshot or at any epoch
    const n = c.replay.snapshot.n;
    const isV = new Uint8Array(n);
    for (let u = 0; u < n; u++) if (this.firstPermits![u]) isV[u] = 1;
    for (const r of this.records) for (let u = 0; u < n; u++) if (r.neurons.new_validator_permit[u]) isV[u] = 1;
    const validators: number[] = [];
    const servers: number[] = [];
    for (let u = 0; u < n; u++) (isV[u] ? validators : servers).push(u);
    return { validators, names: validators.map((u) => `uid ${u}`), servers };
  }

  result(): ScenarioResult {
    if (this.records.length !== this.epochs) throw new Error(`scenario: ${this.records.length} of ${this.epochs} epochs run`);
    const c = this.c;
    const { validators, names, servers } = this.roles();
    const V = validators.length;
    const cumulative = new Array<number>(V).fill(0);
    const totalDiv = new Array<number>(V).fill(0);
    const totalEm = new Array<bigint>(V).fill(0n);
    const epochs = this.records.map((r): ScenarioEpochResult => {
      const dividends = shares(r.neurons.dividend, validators);
      let stakeSum = 0n;
      for (const u of validators) stakeSum += r.neurons.stake[u]!;
      const stakeShares = validators.map((u) => (stakeSum > 0n ? Number(r.neurons.stake[u]!) / Number(stakeSum) : 0));
      const paid = dividends.some((x) => x > 0);
      const relative = dividends.map((x, k) => (paid ? x - stakeShares[k]! : 0));
      relative.forEach((x, k) => {
        cumulative[k]! += x;
        totalDiv[k]! += dividends[k]!;
        totalEm[k]! += r.neurons.validator_emission[validators[k]!]!;
      });
      return {
        dividends,
        incentives: shares(r.neurons.incentive, servers),
        ...(r.bonds ? { bonds: r.bonds } : {}),
        stake_shares: stakeShares,
        relative_dividends: relative,
        relative_dividends_cumulative: cumulative.slice(),
        validator_emission: validators.map((u) => r.neurons.validator_emission[u]!.toString()),
      };
    });
    const baseUid = c.kind === 'sim' ? (c.baseValidator === null ? null : c.validators.indexOf(c.baseValidator)) : c.baseUid;
    const baseK = baseUid === null ? -1 : validators.indexOf(baseUid);
    const baseTotal = baseK >= 0 ? totalDiv[baseK]! : 0;
    return {
      case: c.slug,
      variant: this.variant,
      setting: this.opts.setting?.values ?? {},
      hyperparameters: this.hyperparametersJson(),
      validators: names,
      validator_uids: validators,
      epochs,
      totals: {
        dividends: totalDiv,
        relative_dividends: cumulative,
        validator_emission: totalEm.map(String),
        dividends_vs_base: baseTotal > 0 ? totalDiv.map((t) => t / baseTotal) : null,
        base_validator: baseK >= 0 ? names[baseK]! : baseUid === null ? null : `uid ${baseUid}`,
      },
    };
  }

  /** The effective settings (those of the last epoch) and how the case was mapped, JSON-ready. */
  private hyperparametersJson(): Record<string, unknown> {
    const c = this.c;
    const last = this.epochs - 1;
    const o = effectiveOverrides(c, this.opts);
    const liquidFrom = this.variant === '3-liquid' && o.liquid_alpha === undefined ? { liquid_alpha_from_epoch: 1 } : {};
    if (c.kind === 'sim') {
      const V = c.validators.length;
      const hp = variantHyperparameters(this.variant, V, Math.max(0, last), this.opts, c);
      const reset = this.reset;
      return {
        ...hp,
        stake_threshold: hp.stake_threshold.toString(),
        ...liquidFrom,
        set: overridesJson(o),
        netuid: 1,
        n: V + c.servers.length,
        tao_weight: '0',
        rao_emission: (o.rao_emission ?? SIM_RAO_EMISSION).toString(),
        first_block: SCENARIO_BLOCK0,
        block_step: SCENARIO_BLOCK_STEP,
        bond_reset: reset ? { server_uid: V + reset.serverIndex!, epoch: reset.epoch, block_at_registration: scenarioBlock(reset.epoch!) - 1 } : null,
      };
    }
    const s = c.replay.snapshot;
    const hp = replayHyperparameters(c, this.variant, Math.max(0, last), this.opts);
    return {
      ...hp,
      stake_threshold: hp.stake_threshold.toString(),
      ...liquidFrom,
      set: overridesJson(o),
      netuid: s.netuid,
      n: s.n,
      tao_weight: s.tao_weight.toString(),
      rao_emission: (o.rao_emission ?? s.rao_emission).toString(),
      first_block: s.current_block,
      block_step: s.hyperparameters.tempo + 1,
      snapshot: c.replay.snapshotSource,
      changes: c.replay.changes.length,
    };
  }
}

/** Runs every epoch of a case in one variant on the main thread. */
export function runScenario(c: ScenarioCase, variant: ScenarioVariant, opts: ScenarioOptions = {}): ScenarioResult {
  return new ScenarioRun(c, variant, opts).runAll();
}

/** A run as data (structured-cloneable, for a pool task): the case index in the task, the variant, the options. */
export interface ScenarioRunSpec {
  case: number;
  variant: ScenarioVariant;
  opts: Omit<ScenarioOptions, 'kernels'>;
}

/** A pool task of scenario runs: the cases they need, and the runs. */
export interface ScenarioTaskData {
  cases: ScenarioCase[];
  runs: ScenarioRunSpec[];
}

/** Runs a task's runs one after another (in a pool worker, or here); results in run order. */
export function runScenarioTask(task: ScenarioTaskData, kernels?: Kernels): ScenarioResult[] {
  return task.runs.map((r) => runScenario(task.cases[r.case]!, r.variant, { ...r.opts, ...(kernels ? { kernels } : {}) }));
}

/** Runs a task elsewhere: the worker pool (poolScenarioRunner). */
export type ScenarioTaskRunner = (task: ScenarioTaskData) => Promise<ScenarioResult[]>;

/** Scenario runs as a pool task: whole runs (every epoch carried in one worker); only the results come back. */
const SCENARIO_TASK = defineTask<ScenarioTaskData, ScenarioResult[]>(
  'scenario', 'engine/analysis/scenario.js', (task, { kernels }) => runScenarioTask(task, kernels),
);

/** `yuma scenario` on a pool: one task per call; `signal` aborts it. */
export function poolScenarioRunner(pool: Pool, signal?: AbortSignal): ScenarioTaskRunner {
  return (task) => runTask(pool, SCENARIO_TASK, task, signal ? { signal } : {});
}

/**
 * Many runs: on the main thread (runner null), or cut into `parts` tasks of consecutive runs
 * for the pool, each carrying only the cases it needs. Every run is the same pure function of
 * its case and options wherever it runs, so the results do not depend on the cut or the threads.
 */
export async function runScenarioRuns(
  runs: readonly ScenarioRun[], runner: ScenarioTaskRunner | null, parts = 1, onDone?: (epochs: number) => void,
): Promise<ScenarioResult[]> {
  let done = 0;
  if (!runner) {
    return runs.map((r) => {
      const out = r.runAll();
      onDone?.((done += r.epochs));
      return out;
    });
  }
  const count = Math.max(1, Math.min(parts, runs.length));
  const tasks: { task: ScenarioTaskData; epochs: number }[] = [];
  for (let t = 0; t < count; t++) {
    const slice = runs.slice(Math.floor((t * runs.length) / count), Math.floor(((t + 1) * runs.length) / count));
    const cases: ScenarioCase[] = [];
    const specs = slice.map((r): ScenarioRunSpec => {
      let k = cases.indexOf(r.c);
      if (k < 0) k = cases.push(r.c) - 1;
      const { kernels: _k, ...opts } = r.opts;
      return { case: k, variant: r.variant, opts };
    });
    tasks.push({ task: { cases, runs: specs }, epochs: slice.reduce((a, r) => a + r.epochs, 0) });
  }
  const results = await Promise.all(
    tasks.map(async ({ task, epochs }) => {
      const out = await runner(task);
      onDone?.((done += epochs));
      return out;
    }),
  );
  return results.flat();
}

const csvCell = (s: string) => (/[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);

/** The result of a synthetic case as CSV: one row per epoch; dividends, incentives, then bonds[v][s]. */
export function scenarioCsv(c: ScenarioCase, r: ScenarioResult): string {
  const servers = c.kind === 'sim' ? c.servers : [];
  const head = ['epoch'];
  for (const v of r.validators) head.push(`dividend:${v}`);
  if (c.kind === 'sim') for (const s of servers) head.push(`incentive:${s}`);
  for (const v of r.validators) for (const s of servers) head.push(`bond:${v}:${s}`);
  for (const v of r.validators) head.push(`validator_emission:${v}`);
  const lines = [head.map(csvCell).join(',')];
  r.epochs.forEach((ep, e) => {
    const inc = c.kind === 'sim' ? ep.incentives : [];
    lines.push([e, ...ep.dividends, ...inc, ...(ep.bonds ?? []).flat(), ...ep.validator_emission].map(String).join(','));
  });
  return `${lines.join('\n')}\n`;
}

/** The columns of scenarioLongCsv before the swept settings' own columns. */
export const LONG_CSV_HEAD = ['case', 'variant', 'setting'];
export const LONG_CSV_TAIL = [
  'epoch', 'validator', 'uid', 'stake_share', 'dividend_share', 'relative_dividend', 'relative_dividend_cumulative', 'validator_emission_rao',
];

/** One row per (case, variant, setting, epoch, validator), a column per swept setting. */
export function scenarioLongCsv(results: readonly ScenarioResult[], swept: readonly string[]): string {
  const lines = [[...LONG_CSV_HEAD, ...swept, ...LONG_CSV_TAIL].join(',')];
  for (const r of results) {
    const label = Object.entries(r.setting).map(([k, v]) => `${k}=${v}`).join(' ');
    const pre = [csvCell(r.case), r.variant, csvCell(label), ...swept.map((k) => r.setting[k] ?? '')].join(',');
    r.epochs.forEach((ep, e) => {
      r.validators.forEach((name, k) => {
        lines.push(
          `${pre},${e},${csvCell(name)},${r.validator_uids[k]},${ep.stake_shares[k]},${ep.dividends[k]},${ep.relative_dividends[k]},${ep.relative_dividends_cumulative[k]},${ep.validator_emission[k]}`,
        );
      });
    });
  }
  return `${lines.join('\n')}\n`;
}

/** The variants a case runs: those asked for, else all four (synthetic) or `snapshot` (replay). */
export function variantsFor(c: ScenarioCase, asked: readonly ScenarioVariant[] | undefined, field = '--yuma'): ScenarioVariant[] {
  if (!asked || asked.length === 0) return c.kind === 'sim' ? [...SCENARIO_VARIANTS] : ['snapshot'];
  if (c.kind === 'sim' && asked.includes('snapshot')) {
    throw new InputError(`variant snapshot runs snapshot replays only, and ${c.slug} is a synthetic case`, field, c.file);
  }
  return [...asked];
}

/** Every run of a scenario command: per case, per variant, per sweep setting (in that order). */
export function planRuns(
  cases: readonly ScenarioCase[],
  variants: readonly ScenarioVariant[] | undefined,
  settings: readonly SweepSetting[],
  opts: Omit<ScenarioOptions, 'setting'>,
  field = '--yuma',
): ScenarioRun[] {
  const runs: ScenarioRun[] = [];
  for (const c of cases) {
    for (const v of variantsFor(c, variants, field)) {
      for (const s of settings) runs.push(new ScenarioRun(c, v, { ...opts, setting: s }));
    }
  }
  return runs;
}
