// A small deterministic generator whose whole state is four u32 words (so a checkpoint can
// hold it): xoshiro128**, seeded by splitmix32 from (seed, stream). Integer-only: the same
// numbers on every platform.

export type RngState = [number, number, number, number];

function splitmix32(x: number): () => number {
  let s = x >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

export class Rng {
  private s: Uint32Array;
  constructor(state: RngState) {
    this.s = Uint32Array.from(state);
    if (this.s.every((w) => w === 0)) this.s[0] = 1;
  }
  /** a stream of `seed` (u32) and `stream` (any integer): independent of every other stream */
  static seeded(seed: number, stream: number): Rng {
    const mix = splitmix32((seed >>> 0) ^ Math.imul(stream + 1, 0x27d4eb2f));
    mix();
    return new Rng([mix(), mix(), mix(), mix()]);
  }
  state(): RngState {
    return [this.s[0]!, this.s[1]!, this.s[2]!, this.s[3]!];
  }
  /** next u32 */
  u32(): number {
    const s = this.s;
    const result = Math.imul(rotl(Math.imul(s[1]!, 5) >>> 0, 7), 9) >>> 0;
    const t = (s[1]! << 9) >>> 0;
    s[2] ^= s[0]!;
    s[3] ^= s[1]!;
    s[1] ^= s[2]!;
    s[0] ^= s[3]!;
    s[2] ^= t;
    s[3] = rotl(s[3]!, 11);
    return result;
  }
  /** uniform integer in [0, m) for 0 < m <= 2^32 (multiply-shift; bias below 2^-32 * m) */
  below(m: number): number {
    return Math.floor((this.u32() * m) / 4294967296);
  }
  /** uniform integer in [lo, hi] */
  int(lo: number, hi: number): number {
    return lo + this.below(hi - lo + 1);
  }
  /** uniform bigint in [lo, hi] (hi - lo < 2^64) */
  bigint(lo: bigint, hi: bigint): bigint {
    const span = hi - lo + 1n;
    const r = (BigInt(this.u32()) << 32n) | BigInt(this.u32());
    return lo + ((r * span) >> 64n);
  }
  /** true with probability ppm / 10^6 */
  chance(ppm: number): boolean {
    return this.below(1_000_000) < ppm;
  }
}

const rotl = (x: number, k: number) => ((x << k) | (x >>> (32 - k))) >>> 0;
