// The `yuma` commands' option parsers, in one place. Each takes the text commander gave (or
// undefined when the option is absent: then it returns undefined and the caller applies its
// default with `??`) and throws an InputError whose field is the flag, so that the command
// wrapper prints `yuma <cmd>: --flag: expected ..., got "..."` and exits 2.
import { InputError } from '../engine/types.js';
import { parseSweepAxis, resolveParam, setOverride, type ScenarioOverrides, type SweepAxis } from '../engine/analysis/scenario-params.js';
import { TOKEN } from '../engine/network/token.js';

const show = (text: string) => JSON.stringify(text);
const note = (what: string | undefined) => (what === undefined ? '' : ` (${what})`);

/** A decimal integer, nothing else (no exponent, hex, or empty text). */
const INTEGER = /^\s*-?\d+\s*$/;
/** A decimal number: digits with an optional fraction and exponent. */
const DECIMAL = /^\s*[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?\s*$/i;

/** An integer in [min, max]; `what` is said after the range (e.g. "0: the main thread"). */
export function intOption(text: string | undefined, flag: string, min: number, max = Number.MAX_SAFE_INTEGER, what?: string): number | undefined {
  if (text === undefined) return undefined;
  const x = INTEGER.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(x) || x < min || x > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `${min}..${max}`;
    throw new InputError(`expected an integer ${range}${note(what)}, got ${show(text)}`, flag);
  }
  return x === 0 ? 0 : x; // "-0" is 0
}

/** A decimal number in [min, max], or in (min, max] with `openMin`. */
export function numberOption(text: string | undefined, flag: string, min: number, max: number, openMin = false, what?: string): number | undefined {
  if (text === undefined) return undefined;
  const x = DECIMAL.test(text) ? Number(text) : NaN;
  if (!Number.isFinite(x) || x < min || (openMin && x === min) || x > max) {
    const range = `${openMin ? '(' : '['}${min}, ${max === Infinity ? 'inf)' : `${max}]`}`;
    throw new InputError(`expected a number in ${range}${note(what)}, got ${show(text)}`, flag);
  }
  return x;
}

/** A fraction in [0, 1]. */
export function fractionOption(text: string | undefined, flag: string): number | undefined {
  if (text === undefined) return undefined;
  const x = DECIMAL.test(text) ? Number(text) : NaN;
  if (!(x >= 0 && x <= 1)) throw new InputError(`expected a fraction in [0, 1], got ${show(text)}`, flag);
  return x;
}

/** A fraction as the chain's u16 fraction of 65535: floor(x * 65535 + 0.5) (docs/spec/yuma.md 4). */
export const u16OfFraction = (x: number) => Math.floor(x * 65535 + 0.5);

/** `1,2,4` -> integers in [min, max], each once, in the order given. */
export function intListOption(text: string, flag: string, min: number, max: number): number[] {
  const out: number[] = [];
  for (const part of text.split(',')) {
    const x = INTEGER.test(part) ? Number(part) : NaN;
    if (!Number.isSafeInteger(x) || x < min || x > max) {
      throw new InputError(`expected a comma-separated list of integers ${min}..${max} (e.g. 1,2), got ${show(text)}`, flag);
    }
    if (!out.includes(x)) out.push(x);
  }
  return out;
}

/** `0.51,0.7` -> fractions strictly between 0 and 1, in the order given. */
export function openFractionListOption(text: string, flag: string): number[] {
  return text.split(',').map((part) => {
    const x = DECIMAL.test(part) ? Number(part) : NaN;
    if (!(x > 0 && x < 1)) {
      throw new InputError(`expected a comma-separated list of fractions in (0, 1), e.g. 0.51,0.7,0.99, got ${show(text)}`, flag);
    }
    return x;
  });
}

/** One of `choices`. */
export function choiceOption<T extends string>(text: string | undefined, flag: string, choices: readonly T[]): T | undefined {
  if (text === undefined) return undefined;
  if (!(choices as readonly string[]).includes(text)) throw new InputError(`expected one of ${choices.join(', ')}, got ${show(text)}`, flag);
  return text as T;
}

/**
 * A repeatable option of choices, comma separated or repeated (`--yuma 1,3 --yuma 3-liquid`):
 * each once, in the order of `choices`; undefined when absent.
 */
export function choicesOption<T extends string>(values: readonly string[] | undefined, flag: string, choices: readonly T[]): T[] | undefined {
  if (!values || values.length === 0) return undefined;
  const given = values.flatMap((s) => s.split(',')).map((s) => s.trim());
  for (const v of given) {
    if (!(choices as readonly string[]).includes(v)) {
      throw new InputError(`expected one of ${choices.join(', ')} (comma separated or repeated), got ${show(v)}`, flag);
    }
  }
  return choices.filter((c) => given.includes(c));
}

/** `1048576`, `512k`, `64m`, `1g` (binary units, case-insensitive, optional "ib"/"b") -> bytes >= 1. */
export function sizeOption(text: string | undefined, flag: string): number | undefined {
  if (text === undefined) return undefined;
  const m = /^\s*(\d+)\s*([kmg]?)i?b?\s*$/i.exec(text);
  const v = m ? Number(m[1]) * 1024 ** ' kmg'.indexOf((m[2] || ' ').toLowerCase()) : NaN;
  if (!Number.isSafeInteger(v) || v < 1) {
    throw new InputError(`expected a size in bytes >= 1, optionally with k, m or g (e.g. 64m), got ${show(text)}`, flag);
  }
  return v;
}

/** A synthetic subnet's shape. */
export interface SyntheticSpec {
  n: number;
  validators: number;
  rowLen?: number;
}

/** `n,V[,rowlen]` -> a synthetic subnet's shape: 1 <= V <= n <= 65535, rowlen >= 1. */
export function syntheticOption(text: string, flag = '--synthetic'): SyntheticSpec {
  const parts = text.split(',');
  const nums = parts.map((p) => (INTEGER.test(p) ? Number(p) : NaN));
  const [n, V, rowLen] = nums as [number, number, number | undefined];
  const ok = (parts.length === 2 || parts.length === 3) && nums.every(Number.isSafeInteger) && n >= 1 && n <= 65535 && V >= 1 && V <= n && (rowLen === undefined || rowLen >= 1);
  if (!ok) {
    throw new InputError(
      `expected n,V[,rowlen]: integers with 1 <= V <= n <= 65535 and rowlen >= 1 (e.g. 256,64 or 4096,256,256), got ${show(text)}`,
      flag,
    );
  }
  return rowLen === undefined ? { n, validators: V } : { n, validators: V, rowLen };
}

/** A date: YYYY-MM-DD or an ISO date-time (UTC unless it gives an offset); no rolled-over days. */
export function dateOption(text: string, flag: string): Date {
  const m = /^(\d{4})-(\d{2})-(\d{2})(T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})?)?$/.exec(text);
  const bad = () => new InputError(`expected a date YYYY-MM-DD (or an ISO date-time), got ${show(text)}`, flag);
  if (!m) throw bad();
  const d = new Date(m[4] && !m[7] ? `${text}Z` : text);
  if (Number.isNaN(d.getTime())) throw bad();
  // Date rolls 2024-02-30 over to March: refuse it
  if (!m[7] || m[7] === 'Z') {
    if (d.getUTCFullYear() !== Number(m[1]) || d.getUTCMonth() + 1 !== Number(m[2]) || d.getUTCDate() !== Number(m[3])) throw bad();
  }
  return d;
}

/** A token amount: whole tokens with up to 9 decimals (`_` separators allowed) -> 1e-9 units, > 0. */
export function tokensOption(text: string | undefined, flag: string): bigint | undefined {
  if (text === undefined) return undefined;
  const m = /^([0-9]+)(?:\.([0-9]{1,9}))?$/.exec(text.replace(/_/g, ''));
  if (!m) throw new InputError(`expected an amount of whole tokens (up to 9 decimals), got ${show(text)}`, flag);
  const v = BigInt(m[1]!) * TOKEN + BigInt((m[2] ?? '').padEnd(9, '0'));
  if (v === 0n) throw new InputError(`expected an amount > 0, got ${show(text)}`, flag);
  return v;
}

/** `--set name=value` (repeatable) -> scenario overrides; a bad value names `--set name`. */
export function settingsOption(flags: readonly string[], flag = '--set'): ScenarioOverrides {
  const out: ScenarioOverrides = {};
  for (const f of flags) {
    const m = /^([a-z_0-9]+)=(.+)$/.exec(f.trim());
    if (!m) throw new InputError(`expected name=value, e.g. kappa=0.6, got ${show(f)}`, flag);
    setOverride(out, m[1]!, resolveParam(m[1]!, [m[2]!], `${flag} ${m[1]}`)[0]!);
  }
  return out;
}

/** `--sweep name=v1,v2,...|from:to:step` (repeatable; axes are crossed) -> axes; a bad one names `--sweep name`. */
export function sweepOption(flags: readonly string[], flag = '--sweep'): SweepAxis[] {
  const axes: SweepAxis[] = [];
  for (const f of flags) {
    const m = /^([a-z_0-9]+)=(.+)$/.exec(f.trim());
    if (!m) throw new InputError(`expected name=v1,v2,... or name=from:to:step, got ${show(f)}`, flag);
    if (axes.some((a) => a.name === m[1])) throw new InputError(`${m[1]} is swept twice`, `${flag} ${m[1]}`);
    axes.push(parseSweepAxis(m[1]!, m[2]!, `${flag} ${m[1]}`));
  }
  return axes;
}
