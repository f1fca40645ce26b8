// The chain settings a scenario can tune (`--set`, `--sweep`, a case's `hyperparameters`
// block), in the units of docs/spec/yuma.md section 4 and docs/spec/epoch-io.md "Input":
//   - u16 fractions of 65535 (kappa, bonds_penalty, alpha_low, alpha_high): a value in [0, 1]
//     is a fraction, floor(x * 65535 + 0.5); an integer above 1 is the raw u16;
//   - bonds_moving_average, per million: a value in [0, 1] is a fraction, floor(x * 1e6 + 0.5);
//     an integer above 1 is the raw per-million value (at most 1000000);
//   - integers as stored: activity_cutoff (blocks), max_allowed_validators (u16),
//     alpha_sigmoid_steepness (i16); u64 amounts in rao: stake_threshold, rao_emission
//     (a decimal string or a safe integer);
//   - switches: yuma3, liquid_alpha (true/false, also 1/0, on/off).
// A list of values (a sweep) is read as one: when any value is above 1 they are all raw.
import { InputError } from '../types.js';

export type ParamKind = 'u16frac' | 'permillion' | 'int' | 'u64' | 'bool';

interface ParamDef {
  kind: ParamKind;
  /** for 'int': the inclusive range */
  min?: number;
  max?: number;
  what: string;
}

/** Every tunable setting, in the order the outputs list them. */
export const SCENARIO_PARAMETERS: Readonly<Record<string, ParamDef>> = Object.freeze({
  kappa: { kind: 'u16frac', what: 'the consensus quantile (u16 fraction of 65535)' },
  bonds_penalty: { kind: 'u16frac', what: 'the bonds penalty (u16 fraction of 65535)' },
  bonds_moving_average: { kind: 'permillion', what: 'the bonds EMA (per million)' },
  alpha_low: { kind: 'u16frac', what: 'liquid alpha\'s lower bound (u16 fraction of 65535)' },
  alpha_high: { kind: 'u16frac', what: 'liquid alpha\'s upper bound (u16 fraction of 65535)' },
  alpha_sigmoid_steepness: { kind: 'int', min: -32768, max: 32767, what: 'liquid alpha\'s sigmoid steepness (i16)' },
  liquid_alpha: { kind: 'bool', what: 'liquid alpha on or off' },
  yuma3: { kind: 'bool', what: 'Yuma3 bonds on or off' },
  activity_cutoff: { kind: 'int', min: 0, max: Number.MAX_SAFE_INTEGER, what: 'the activity cutoff (blocks)' },
  max_allowed_validators: { kind: 'int', min: 0, max: 65535, what: 'validator permits (u16)' },
  stake_threshold: { kind: 'u64', what: 'the least stake of a validator (rao)' },
  rao_emission: { kind: 'u64', what: 'the emission of one epoch (rao)' },
});

export const PARAMETER_NAMES = Object.keys(SCENARIO_PARAMETERS);

/** Resolved chain values of the settings given (absent = the variant's or the snapshot's). */
export interface ScenarioOverrides {
  kappa?: number;
  bonds_penalty?: number;
  bonds_moving_average?: number;
  alpha_low?: number;
  alpha_high?: number;
  alpha_sigmoid_steepness?: number;
  liquid_alpha?: boolean;
  yuma3?: boolean;
  activity_cutoff?: number;
  max_allowed_validators?: number;
  stake_threshold?: bigint;
  rao_emission?: bigint;
}

export type ParamValue = number | bigint | boolean;
/** A raw value as written: CLI text, or a JSON number/string/boolean from a file or request. */
export type RawValue = string | number | boolean;

const U64_MAX = (1n << 64n) - 1n;
const show = (v: unknown) => (typeof v === 'string' ? JSON.stringify(v) : String(v));

function toNumber(raw: RawValue, field: string, file: string): number {
  const x = typeof raw === 'number' ? raw : typeof raw === 'string' && /^\s*-?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?\s*$/i.test(raw) ? Number(raw) : NaN;
  if (!Number.isFinite(x)) throw new InputError(`expected a number, got ${show(raw)}`, field, file);
  return x;
}

/**
 * One parameter's values -> chain values. `values` is one value (`--set`) or a sweep's list;
 * `field` names it in errors (e.g. `hyperparameters.kappa`, `--set kappa`).
 */
export function resolveParam(name: string, values: readonly RawValue[], field: string, file = ''): ParamValue[] {
  const def = SCENARIO_PARAMETERS[name];
  if (!def) throw new InputError(`unknown setting ${JSON.stringify(name)}; one of ${PARAMETER_NAMES.join(', ')}`, field, file);
  switch (def.kind) {
    case 'bool':
      return values.map((v) => {
        if (v === true || v === 1 || v === 'true' || v === '1' || v === 'on') return true;
        if (v === false || v === 0 || v === 'false' || v === '0' || v === 'off') return false;
        throw new InputError(`expected true or false (${def.what}), got ${show(v)}`, field, file);
      });
    case 'u64':
      return values.map((v) => {
        const t = typeof v === 'number' && Number.isSafeInteger(v) ? String(v) : v;
        if (typeof t !== 'string' || !/^\d+$/.test(t) || BigInt(t) > U64_MAX) {
          throw new InputError(`expected a u64 amount in rao (a decimal string or a safe integer; ${def.what}), got ${show(v)}`, field, file);
        }
        return BigInt(t);
      });
    case 'int':
      return values.map((v) => {
        const x = toNumber(v, field, file);
        if (!Number.isInteger(x) || x < def.min! || x > def.max!) {
          throw new InputError(`expected an integer ${def.min}..${def.max} (${def.what}), got ${show(v)}`, field, file);
        }
        return x;
      });
    default: {
      const scale = def.kind === 'u16frac' ? 65535 : 1_000_000;
      const xs = values.map((v) => toNumber(v, field, file));
      // read as one: fractions when every value is within [0, 1], else raw integers
      const raw = xs.some((x) => x > 1);
      return xs.map((x, k) => {
        if (raw ? !Number.isInteger(x) || x < 0 || x > scale : x < 0) {
          throw new InputError(
            `expected a fraction in [0, 1] or a raw integer 0..${scale} (${def.what}), got ${show(values[k]!)}` +
              (raw ? ' (in a list with a value above 1 every value is raw)' : ''),
            field,
            file,
          );
        }
        return raw ? x : Math.floor(x * scale + 0.5);
      });
    }
  }
}

/** Sets the resolved value of `name` on `o` (typed by the parameter table). */
export function setOverride(o: ScenarioOverrides, name: string, v: ParamValue): void {
  (o as Record<string, ParamValue>)[name] = v;
}

/** A JSON-ready copy: u64 amounts as decimal strings. */
export function overridesJson(o: ScenarioOverrides): Record<string, number | string | boolean> {
  const out: Record<string, number | string | boolean> = {};
  for (const name of PARAMETER_NAMES) {
    const v = (o as Record<string, ParamValue | undefined>)[name];
    if (v !== undefined) out[name] = typeof v === 'bigint' ? v.toString() : v;
  }
  return out;
}

/** A `hyperparameters` object (case file, request): name -> one value. */
export function parseOverridesObject(obj: unknown, field: string, file = ''): ScenarioOverrides {
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) {
    throw new InputError(`expected an object {setting: value}, got ${show(JSON.stringify(obj))}`, field, file);
  }
  const out: ScenarioOverrides = {};
  for (const [name, v] of Object.entries(obj as Record<string, unknown>)) {
    const at = `${field}.${name}`;
    if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') {
      throw new InputError(`expected a number, a string or true/false, got ${JSON.stringify(v)}`, at, file);
    }
    setOverride(out, name, resolveParam(name, [v], at, file)[0]!);
  }
  return out;
}

/** One swept parameter: its name, the values as written (labels) and as resolved. */
export interface SweepAxis {
  name: string;
  labels: string[];
  values: ParamValue[];
}

/** The decimals of a number as written ("0.25" -> 2), for exact-looking range steps. */
const decimals = (t: string) => (/\.(\d+)$/.exec(t.trim())?.[1]?.length ?? 0);

/**
 * `a:b:step` (inclusive of b within rounding) or `v1,v2,...` -> the values as written. A range
 * is computed as a + k * step, rounded to the decimals written, so 0.5:0.9:0.1 gives
 * 0.5, 0.6, 0.7, 0.8, 0.9 and never 0.7000000000000001.
 */
export function sweepValues(text: string, field: string, file = ''): string[] {
  const range = /^\s*([^:]+):([^:]+):([^:]+)\s*$/.exec(text);
  if (range) {
    const [a, b, step] = [range[1]!, range[2]!, range[3]!].map((t) => toNumber(t, field, file)) as [number, number, number];
    if (!(step > 0) || b < a) throw new InputError(`expected a range from:to:step with from <= to and step > 0, got ${JSON.stringify(text)}`, field, file);
    const d = Math.max(decimals(range[1]!), decimals(range[3]!));
    const count = Math.floor((b - a) / step + 1e-9) + 1;
    if (count > 1000) throw new InputError(`a sweep of ${count} values is too long (at most 1000)`, field, file);
    return Array.from({ length: count }, (_, k) => String(Number((a + k * step).toFixed(d))));
  }
  const parts = text.split(',').map((s) => s.trim());
  if (parts.length === 0 || parts.some((p) => p === '')) throw new InputError(`expected v1,v2,... or from:to:step, got ${JSON.stringify(text)}`, field, file);
  if (parts.length > 1000) throw new InputError(`a sweep of ${parts.length} values is too long (at most 1000)`, field, file);
  return parts;
}

/** `name=values` -> an axis (values resolved as one list). */
export function parseSweepAxis(name: string, valuesText: string | readonly RawValue[], field: string, file = ''): SweepAxis {
  const raw: RawValue[] = typeof valuesText === 'string' ? sweepValues(valuesText, field, file) : [...valuesText];
  if (raw.length === 0) throw new InputError('expected at least one value', field, file);
  const values = resolveParam(name, raw, field, file);
  const labels = raw.map((v) => String(v));
  const seen = new Set<string>();
  values.forEach((v, k) => {
    const key = String(v);
    if (seen.has(key)) throw new InputError(`value ${labels[k]} repeats a value of this sweep (same chain value ${key})`, field, file);
    seen.add(key);
  });
  return { name, labels, values };
}

/** One point of a sweep: the overrides it sets and its label (`kappa=0.6 bonds_penalty=1`). */
export interface SweepSetting {
  overrides: ScenarioOverrides;
  /** name -> the value as written */
  values: Record<string, string>;
  label: string;
}

/** The cross product of the axes, first axis slowest; one empty setting without axes. */
export function sweepSettings(axes: readonly SweepAxis[]): SweepSetting[] {
  let out: SweepSetting[] = [{ overrides: {}, values: {}, label: '' }];
  for (const axis of axes) {
    const next: SweepSetting[] = [];
    for (const s of out) {
      axis.values.forEach((v, k) => {
        const overrides = { ...s.overrides };
        setOverride(overrides, axis.name, v);
        const part = `${axis.name}=${axis.labels[k]}`;
        next.push({
          overrides,
          values: { ...s.values, [axis.name]: axis.labels[k]! },
          label: s.label ? `${s.label} ${part}` : part,
        });
      });
    }
    out = next;
  }
  return out;
}
