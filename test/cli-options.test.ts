// The option parsers of src/cli/options.ts: what each accepts, and that every refusal is an
// InputError whose field is the flag (the command wrapper prints `yuma <cmd>: --flag: ...`).
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { InputError } from '../src/engine/types.js';
import {
  choiceOption,
  choicesOption,
  dateOption,
  fractionOption,
  intListOption,
  intOption,
  numberOption,
  openFractionListOption,
  settingsOption,
  sizeOption,
  sweepOption,
  syntheticOption,
  tokensOption,
  u16OfFraction,
} from '../src/cli/options.js';

/** The InputError `f` throws (fails the test when it throws nothing or something else). */
function refusal(f: () => unknown): InputError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(InputError);
    return e as InputError;
  }
  throw new Error('expected an InputError, nothing was thrown');
}

describe('intOption', () => {
  it('absent is undefined (the caller applies its default)', () => {
    expect(intOption(undefined, '--n', 0, 10)).toBeUndefined();
  });

  it('property: every integer in range reads back; every one outside is refused naming the flag and the range', () => {
    fc.assert(
      fc.property(fc.integer({ min: -1000, max: 1000 }), fc.integer({ min: -1000, max: 1000 }), fc.integer({ min: -1200, max: 1200 }), (a, b, x) => {
        const [min, max] = a <= b ? [a, b] : [b, a];
        if (x >= min && x <= max) {
          expect(intOption(String(x), '--n', min, max)).toBe(x);
          expect(intOption(` ${x} `, '--n', min, max)).toBe(x);
        } else {
          const e = refusal(() => intOption(String(x), '--n', min, max));
          expect(e.field).toBe('--n');
          expect(e.message).toBe(`expected an integer ${min}..${max}, got "${x}"`);
        }
      }),
    );
  });

  it('only decimal integers: no exponent, hex, fraction, empty text or sign-only', () => {
    for (const t of ['1e3', '0x10', '1.5', '', ' ', '-', '+3', 'two', '9007199254740993']) {
      expect(refusal(() => intOption(t, '--reps', 0, Number.MAX_SAFE_INTEGER)).field).toBe('--reps');
    }
    expect(intOption('-0', '--n', 0, 5)).toBe(0);
    expect(Object.is(intOption('-0', '--n', 0, 5), -0)).toBe(false);
  });

  it('an open range says >= min; a note follows the range', () => {
    expect(refusal(() => intOption('0', '--blocks', 1)).message).toBe('expected an integer >= 1, got "0"');
    expect(refusal(() => intOption('-1', '--threads', 0, 256, '0: the main thread')).message).toBe(
      'expected an integer 0..256 (0: the main thread), got "-1"',
    );
  });
});

describe('numberOption and fractionOption', () => {
  it('reads decimals and exponents in range; an open minimum excludes it', () => {
    expect(numberOption('0.4', '--sd', 0, 100)).toBe(0.4);
    expect(numberOption('1e-3', '--sd', 0, 100)).toBe(0.001);
    expect(numberOption('.5', '--sd', 0, 100)).toBe(0.5);
    expect(numberOption('0', '--sd', 0, 100)).toBe(0);
    const e = refusal(() => numberOption('0', '--days', 0, Infinity, true));
    expect([e.field, e.message]).toEqual(['--days', 'expected a number in (0, inf), got "0"']);
    expect(refusal(() => numberOption('1001', '--years', 0, 1000, true, 'years')).message).toBe('expected a number in (0, 1000] (years), got "1001"');
    for (const t of ['', 'NaN', 'Infinity', '0x1', '1,5', 'abc']) expect(refusal(() => numberOption(t, '--sd', -1e9, 1e9)).field).toBe('--sd');
  });

  it('a fraction is in [0, 1]; u16OfFraction is floor(x * 65535 + 0.5)', () => {
    expect(fractionOption('0.5', '--bonds-penalty')).toBe(0.5);
    expect(fractionOption(undefined, '--bonds-penalty')).toBeUndefined();
    const e = refusal(() => fractionOption('1.5', '--bonds-penalty'));
    expect([e.field, e.message]).toEqual(['--bonds-penalty', 'expected a fraction in [0, 1], got "1.5"']);
    expect([0, 0.5, 1].map(u16OfFraction)).toEqual([0, 32768, 65535]);
  });
});

describe('list, choice and size options', () => {
  it('intListOption: each integer once, in the order given; a bad item refuses the whole list', () => {
    expect(intListOption('2,1,2,4', '--threads', 1, 256)).toEqual([2, 1, 4]);
    const e = refusal(() => intListOption('1,,2', '--threads', 1, 256));
    expect([e.field, e.message]).toEqual(['--threads', 'expected a comma-separated list of integers 1..256 (e.g. 1,2), got "1,,2"']);
    expect(refusal(() => intListOption('0', '--threads', 1, 256)).field).toBe('--threads');
  });

  it('openFractionListOption: fractions strictly inside (0, 1)', () => {
    expect(openFractionListOption('0.51, 0.7', '--stakes')).toEqual([0.51, 0.7]);
    for (const t of ['0.6,1', '0', '', '0.5,']) expect(refusal(() => openFractionListOption(t, '--stakes')).field).toBe('--stakes');
  });

  it('choiceOption and choicesOption (comma separated or repeated, in the order of the choices)', () => {
    expect(choiceOption('commune', '--profile', ['bittensor', 'commune'])).toBe('commune');
    expect(refusal(() => choiceOption('polkadot', '--profile', ['bittensor', 'commune'])).message).toBe('expected one of bittensor, commune, got "polkadot"');
    expect(choicesOption(['3,1', '1'], '--yuma', ['1', '2', '3'])).toEqual(['1', '3']);
    expect(choicesOption(undefined, '--yuma', ['1'])).toBeUndefined();
    expect(refusal(() => choicesOption(['1,4'], '--yuma', ['1', '2'])).message).toBe('expected one of 1, 2 (comma separated or repeated), got "4"');
  });

  it('sizeOption: bytes with binary k, m, g', () => {
    expect([sizeOption('1048576', '--max-body'), sizeOption('512k', '--max-body'), sizeOption('64M', '--max-body'), sizeOption('1gib', '--max-body')]).toEqual([
      1048576, 512 * 1024, 64 * 1024 ** 2, 1024 ** 3,
    ]);
    for (const t of ['12q', '0', '', '1.5m']) expect(refusal(() => sizeOption(t, '--max-body')).field).toBe('--max-body');
  });
});

describe('shape, date, token, --set and --sweep options', () => {
  it('syntheticOption: n,V[,rowlen] with 1 <= V <= n <= 65535', () => {
    expect(syntheticOption('256,64')).toEqual({ n: 256, validators: 64 });
    expect(syntheticOption('4096, 256, 256')).toEqual({ n: 4096, validators: 256, rowLen: 256 });
    for (const t of ['8', '8,9', '65536,2', '8,2,0', '8,2,1,1', '8,,2', '1e3,2']) {
      expect(refusal(() => syntheticOption(t)).field).toBe('--synthetic');
    }
  });

  it('dateOption: YYYY-MM-DD as UTC midnight, ISO with an offset; no rolled-over day', () => {
    expect(dateOption('2024-01-01', '--genesis-date').toISOString()).toBe('2024-01-01T00:00:00.000Z');
    expect(dateOption('2024-01-01T12:00+02:00', '--genesis-date').toISOString()).toBe('2024-01-01T10:00:00.000Z');
    for (const t of ['2024-02-30', '2024-1-1', 'yesterday']) expect(refusal(() => dateOption(t, '--genesis-date')).field).toBe('--genesis-date');
  });

  it('tokensOption: whole tokens with up to 9 decimals -> 1e-9 units, > 0', () => {
    expect(tokensOption('1_000.5', '--until-supply')).toBe(1_000_500_000_000n);
    for (const t of ['0', '1e9', '1.0000000001', '-1']) expect(refusal(() => tokensOption(t, '--until-supply')).field).toBe('--until-supply');
  });

  it('--set and --sweep: a malformed flag names the option, a bad value names the option and the setting', () => {
    expect(settingsOption(['kappa=0.5'])).toEqual({ kappa: 32768 });
    expect(refusal(() => settingsOption(['kappa'])).field).toBe('--set');
    expect(refusal(() => settingsOption(['kappa=70000'])).field).toBe('--set kappa');
    expect(sweepOption(['kappa=0.5:0.7:0.1']).map((a) => a.labels)).toEqual([['0.5', '0.6', '0.7']]);
    expect(refusal(() => sweepOption(['kappa=0.5', 'kappa=0.6'])).field).toBe('--sweep kappa');
    expect(refusal(() => sweepOption(['=1'])).field).toBe('--sweep');
  });
});
