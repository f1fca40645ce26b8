// The WASM scalar fixed-point primitives against the BigInt reference (src/engine/reference.ts),
// on arbitrary and edge-biased raws, plus the worked examples of yuma.md 1.3 and the exp table
// of 1.4 (spec constants, written out here on purpose).
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { fixedPoint, createWasmKernels } from '../src/engine/wasm.js';
import { ref } from '../src/engine/reference.js';
import { taoWeight32 } from '../src/engine/stages/stake.js';
import { I32F32_ONE } from '../src/engine/i32f32.js';

const wasm = fixedPoint();
const ONE = I32F32_ONE;
const I64_MIN = -(1n << 63n);
const I64_MAX = (1n << 63n) - 1n;
const U64_MAX = (1n << 64n) - 1n;

// ---------------------------------------------------------------------------------------
// generators: arbitrary i64, plus the places where fixed-point code goes wrong

const anyI64 = fc.bigInt({ min: I64_MIN, max: I64_MAX });
const small = fc.bigInt({ min: -4096n, max: 4096n });
const around = (c: bigint, r = 1n << 16n) =>
  fc.bigInt({ min: -r, max: r }).map((d) => BigInt.asIntN(64, c + d));
/** +-k*ONE with a small offset: integers and simple fractions of the fixed-point scale */
const nearMultipleOfOne = fc
  .tuple(fc.bigInt({ min: -70000n, max: 70000n }), fc.bigInt({ min: -3n, max: 3n }))
  .map(([k, d]) => BigInt.asIntN(64, k * ONE + d));
/** +-2^k +- small: crosses every limb boundary of a 32-bit-limb implementation */
const nearPow2 = fc
  .tuple(fc.integer({ min: 0, max: 63 }), fc.bigInt({ min: -2n, max: 2n }), fc.boolean())
  .map(([k, d, neg]) => BigInt.asIntN(64, (neg ? -1n : 1n) * (1n << BigInt(k)) + d));
const proportion = fc.bigInt({ min: 0n, max: ONE });
const i64 = fc.oneof(
  { arbitrary: anyI64, weight: 4 },
  { arbitrary: small, weight: 2 },
  { arbitrary: around(0n), weight: 1 },
  { arbitrary: around(ONE), weight: 1 },
  { arbitrary: around(-ONE), weight: 1 },
  { arbitrary: around(I64_MAX), weight: 1 },
  { arbitrary: around(I64_MIN), weight: 1 },
  { arbitrary: nearMultipleOfOne, weight: 2 },
  { arbitrary: nearPow2, weight: 2 },
  { arbitrary: proportion, weight: 2 },
  { arbitrary: fc.constantFrom(0n, 1n, -1n, ONE, -ONE, ONE / 2n, I64_MAX, I64_MIN, I64_MIN + 1n), weight: 1 },
);
const u64 = fc.oneof(
  { arbitrary: fc.bigInt({ min: 0n, max: U64_MAX }), weight: 4 },
  { arbitrary: fc.bigInt({ min: 0n, max: 1n << 33n }), weight: 2 },
  { arbitrary: fc.bigInt({ min: U64_MAX - 65536n, max: U64_MAX }), weight: 1 },
  { arbitrary: nearPow2.map((x) => BigInt.asUintN(64, x)), weight: 2 },
  { arbitrary: fc.constantFrom(0n, 1n, ONE, ONE - 1n, 1n << 63n, U64_MAX), weight: 1 },
);

const RUNS = 20000;
const prop2 = (name: keyof typeof wasm & keyof typeof ref, a: fc.Arbitrary<bigint>, b: fc.Arbitrary<bigint>) =>
  fc.assert(
    fc.property(a, b, (x, y) => {
      // a plain boolean property (no expect per run): fast-check reports the shrunk pair
      const f = wasm[name] as (p: bigint, q: bigint) => bigint;
      const g = ref[name] as (p: bigint, q: bigint) => bigint;
      return f(x, y) === g(x, y);
    }),
    { numRuns: RUNS },
  );

describe('scalar primitives: WASM == BigInt reference', () => {
  it('mulF (saturating_mul, floor toward -inf)', () => prop2('mulF', i64, i64));
  it('mulChecked (checked_mul, overflow -> 0)', () => prop2('mulChecked', i64, i64));
  it('divF (safe_div: /0 and overflow -> 0, truncating)', () =>
    prop2('divF', i64, fc.oneof({ arbitrary: i64, weight: 9 }, { arbitrary: fc.constant(0n), weight: 1 })));
  it('divSat (saturating_div, truncating; non-zero divisors: 0 panics on chain)', () =>
    prop2('divSat', i64, i64.filter((b) => b !== 0n)));
  it('mulShr32U (u64 x u64 >> 32)', () => prop2('mulShr32U', u64, u64));

  it('expSafe on arbitrary i64', () =>
    fc.assert(
      fc.property(i64, (x) => wasm.expSafe(x) === ref.expSafe(x)),
      { numRuns: RUNS },
    ));
  it('expSafe on [-21, 21] * ONE', () =>
    fc.assert(
      fc.property(
        fc.oneof(
          fc.bigInt({ min: -21n * ONE, max: 21n * ONE }),
          nearMultipleOfOne.filter((x) => x >= -21n * ONE && x <= 21n * ONE),
          around(0n, 1n << 20n),
        ),
        (x) => wasm.expSafe(x) === ref.expSafe(x),
      ),
      { numRuns: RUNS },
    ));
  it('expSafe where the series\' terms reach 0 after any number of steps, and on whole arguments', () => {
    // |x| = 2^e: the terms die out after a few steps (small e) or never (large e); whole
    // arguments have no low word, the series' other split case
    for (let e = 0n; e <= 37n; e++) {
      for (const d of [-1n, 0n, 1n, 12345n]) {
        for (const x of [(1n << e) + d, -((1n << e) + d)]) expect(wasm.expSafe(x), `expSafe(${x})`).toBe(ref.expSafe(x));
      }
    }
    for (let w = -21n; w <= 21n; w++) expect(wasm.expSafe(w * ONE), `expSafe(${w} * ONE)`).toBe(ref.expSafe(w * ONE));
  });
  it('expSafe on the whole clamp boundary and near 0 / 1', () => {
    for (const c of [-20n * ONE, 20n * ONE, 0n, ONE, -ONE]) {
      for (let d = -64n; d <= 64n; d++) expect(wasm.expSafe(c + d), `expSafe(${c + d})`).toBe(ref.expSafe(c + d));
    }
  });
});

// ---------------------------------------------------------------------------------------
// yuma.md 1.3 worked examples: each checked on both sides where a primitive exists

describe('yuma.md 1.3 worked examples', () => {
  const third = 0x55555555n;
  const both = (f: 'mulF' | 'divF', a: bigint, b: bigint, want: bigint) => {
    expect(wasm[f](a, b), `wasm ${f}(${a}, ${b})`).toBe(want);
    expect(ref[f](a, b), `ref ${f}(${a}, ${b})`).toBe(want);
  };
  it('divF(ONE, 3*ONE) = 0x55555555', () => both('divF', ONE, 3n * ONE, 1431655765n));
  it('mulF(1/3, 3*ONE) = ONE-1', () => both('mulF', third, 3n * ONE, 4294967295n));
  it('mulF(1/3, 1/3) floors', () => both('mulF', third, third, 477218588n));
  it('mulF(-1, ONE/2) = -1', () => both('mulF', -1n, ONE / 2n, -1n));
  it('mulF(-3, ONE/2) = -2', () => both('mulF', -3n, ONE / 2n, -2n));
  it('divF(-3, 2*ONE) = -1 (truncates)', () => both('divF', -3n, 2n * ONE, -1n));
  it('divF(1000*ONE, 1) = 0 (overflow)', () => both('divF', 1000n * ONE, 1n, 0n));
  it('divF(x, 0) = 0', () => {
    for (const x of [0n, 1n, -1n, ONE, I64_MAX, I64_MIN]) both('divF', x, 0n, 0n);
  });
  it('u16p', () => {
    expect(ref.u16p(65535)).toBe(4294967296n);
    expect(ref.u16p(32767)).toBe(2147450879n);
    expect(ref.u16p(45875)).toBe(3006509875n);
    expect(ref.u16p(1)).toBe(65537n);
    // and u16p as the WASM computes it: divF(b*ONE, 65535*ONE)
    for (const [b, want] of [[65535n, ONE], [32767n, 2147450879n], [45875n, 3006509875n], [1n, 65537n]] as const) {
      expect(wasm.divF(b * ONE, 65535n * ONE)).toBe(want);
    }
    for (let b = 0; b < 65535; b += 97) expect(ref.u16p(b)).toBe(BigInt(b) * 65537n);
  });
  it('toU16 truncates and saturates (reference and WASM kernel)', () => {
    const cases: [bigint, number][] = [
      [ONE, 65535], [ONE - 1n, 65534], [0x7fff7fffn, 32766], [ONE + ONE / 2n, 65535],
      [-1n, 0], [-ONE, 0], [I64_MIN, 0], [I64_MAX, 65535], [0n, 0],
    ];
    const k = createWasmKernels();
    const m = k.alloc({ v: ['i64', cases.length], o: ['u16', cases.length] } as const);
    cases.forEach(([x], q) => (m.v.view[q] = x));
    k.toU16Array(cases.length, m.v, m.o);
    cases.forEach(([x, want], q) => {
      expect(ref.toU16(x), `ref toU16(${x})`).toBe(want);
      expect(m.o.view[q], `wasm toU16(${x})`).toBe(want);
    });
  });
  it('toU16(u16p(b)) = b - 1 for 0 < b < 65535', () => {
    expect(ref.toU16(ref.u16p(0))).toBe(0);
    expect(ref.toU16(ref.u16p(65535))).toBe(65535);
    for (let b = 1; b < 65535; b += 13) expect(ref.toU16(ref.u16p(b))).toBe(b - 1);
  });
  it('I64F64 normalize [1, 2] then to I32F32', () => {
    const S = 3n;
    const toI32F32 = (x: bigint) => ((x << 64n) / S) >> 32n;
    expect([toI32F32(1n), toI32F32(2n)]).toEqual([1431655765n, 2863311530n]);
    expect(toI32F32(1n) + toI32F32(2n)).toBe(ONE - 1n);
  });
  it('EMA alpha for bonds_moving_average 900000', () => {
    expect(ONE - (900000n << 32n) / 1_000_000n).toBe(429496730n);
  });
  it('tao weight 971718665099567868 -> w32 226245882', () => {
    expect(taoWeight32(971718665099567868n)).toBe(226245882n);
  });
  it('combined stake: alpha 5e9, tao 1e12, default tao weight', () => {
    const w32 = taoWeight32(971718665099567868n);
    const T = 5_000_000_000n * ONE + 1_000_000_000_000n * w32;
    expect(T >> 32n).toBe(57676974330n);
  });
  it('emission share 0x55555555 of 1e9 rao = 333333333', () => {
    expect(wasm.mulShr32U(third, 1_000_000_000n)).toBe(333333333n);
    expect(ref.mulShr32U(third, 1_000_000_000n)).toBe(333333333n);
  });
});

// ---------------------------------------------------------------------------------------
// yuma.md 1.4 exp table

describe('yuma.md 1.4 exp_safe table', () => {
  const table: [bigint, bigint][] = [
    [-20n * ONE, 8n],
    [-21n * ONE, 8n],
    [I64_MIN, 8n],
    [-10n * ONE, 194991n],
    [-5n * ONE, 28939262n],
    [-(5n * ONE) / 2n, 352552384n],
    [-ONE, 1580030169n],
    [-ONE / 2n, 2605029348n],
    [0n, 4294967296n],
    [ONE / 2n, 7081203935n],
    [ONE, 11674931200n],
    [ONE + 1n, 11674931552n],
    [2n * ONE, 31735754285n],
    [(5n * ONE) / 2n, 52323413133n],
    [5n * ONE, 637429664624n],
    [10n * ONE, 94602947905357n],
    [20n * ONE, 2066907302758576256n],
    [21n * ONE, 2066907302758576256n],
    [I64_MAX, 2066907302758576256n],
  ];
  for (const [x, want] of table) {
    it(`exp_safe(${Number(x) / 2 ** 32}) = ${want}`, () => {
      expect(wasm.expSafe(x)).toBe(want);
      expect(ref.expSafe(x)).toBe(want);
    });
  }
});
