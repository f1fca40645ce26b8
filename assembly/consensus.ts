// Consensus: stake-weighted median of every column of W (spec/yuma.md 2.6 and section 3),
// in the closed form: the smallest score v with Cum(v) > minority = T - kappa, where Cum
// counts the stake u of rows scoring <= v, rows without a positive entry scoring 0.
// Found per column by a weighted three-way quickselect: O(entries) expected.
import { divF } from './fixed';

/**
 * In: W CSR (rowPtr, col, val i64), active stake a i64[n], kappa raw.
 * Scratch: u i64[n], colPtr u32[n+1], score i64[nnz], weight i64[nnz].
 * Out: C i64[n].
 */
export function consensus(
  n: i32, rowPtr: usize, col: usize, val: usize, a: usize, kappa: i64,
  u: usize, colPtr: usize, score: usize, weight: usize, C: usize,
): void {
  // u = normalize(a over rows with a_i > 0): a second normalization of normalized stake
  let sa: i64 = 0, countU = 0;
  for (let i = 0; i < n; i++) {
    const ai = load<i64>(a + (<usize>i << 3));
    if (ai > 0) { sa += ai; countU++; }
  }
  let T: i64 = 0;
  for (let i = 0; i < n; i++) {
    const ai = load<i64>(a + (<usize>i << 3));
    const ui: i64 = ai > 0 ? divF(ai, sa) : 0;
    store<i64>(u + (<usize>i << 3), ui);
    T += ui;
  }
  const minority = T - kappa;

  // column-major copy of the positive entries of rows with stake (counting sort by column)
  for (let j = 0; j <= n; j++) store<u32>(colPtr + (<usize>j << 2), 0);
  for (let i = 0; i < n; i++) {
    if (load<i64>(u + (<usize>i << 3)) <= 0) continue;
    const e = load<u32>(rowPtr + (<usize>(i + 1) << 2));
    for (let q = load<u32>(rowPtr + (<usize>i << 2)); q < e; q++) {
      if (load<i64>(val + (<usize>q << 3)) > 0) {
        const p = colPtr + (<usize>(load<u32>(col + (<usize>q << 2)) + 1) << 2);
        store<u32>(p, load<u32>(p) + 1);
      }
    }
  }
  for (let j = 0; j < n; j++) {
    const p = colPtr + (<usize>(j + 1) << 2);
    store<u32>(p, load<u32>(p) + load<u32>(p - 4));
  }
  // fill, using colPtr[j] as a cursor; afterwards colPtr[j] holds the END of column j
  for (let i = 0; i < n; i++) {
    const ui = load<i64>(u + (<usize>i << 3));
    if (ui <= 0) continue;
    const e = load<u32>(rowPtr + (<usize>(i + 1) << 2));
    for (let q = load<u32>(rowPtr + (<usize>i << 2)); q < e; q++) {
      const v = load<i64>(val + (<usize>q << 3));
      if (v > 0) {
        const p = colPtr + (<usize>load<u32>(col + (<usize>q << 2)) << 2);
        const k = load<u32>(p);
        store<u32>(p, k + 1);
        store<i64>(score + (<usize>k << 3), v);
        store<i64>(weight + (<usize>k << 3), ui);
      }
    }
  }

  let start: u32 = 0;
  for (let j = 0; j < n; j++) {
    const end = load<u32>(colPtr + (<usize>j << 2));
    store<i64>(C + (<usize>j << 3), columnMedian(score, weight, start, end, T, minority, countU));
    start = end;
  }
}

// @ts-ignore: decorator
@inline function swap(score: usize, weight: usize, x: u32, y: u32): void {
  const px = score + (<usize>x << 3), py = score + (<usize>y << 3);
  const s = load<i64>(px); store<i64>(px, load<i64>(py)); store<i64>(py, s);
  const wx = weight + (<usize>x << 3), wy = weight + (<usize>y << 3);
  const w = load<i64>(wx); store<i64>(wx, load<i64>(wy)); store<i64>(wy, w);
}

function columnMedian(
  score: usize, weight: usize, start: u32, end: u32, T: i64, minority: i64, countU: i32,
): i64 {
  if (countU == 0) return 0;
  const m = <i32>(end - start);
  let P: i64 = 0;
  for (let k = start; k < end; k++) P += load<i64>(weight + (<usize>k << 3));
  // rows of U with score 0 or no entry: a candidate 0 only if there is at least one
  let base: i64 = T - P;
  if (countU > m && base > minority) return 0;
  if (m == 0) return 0;

  // weighted select over [lo, hi): smallest score whose cumulative stake exceeds minority
  let lo = start, hi = end;
  while (true) {
    // median-of-three pivot value
    const mid = lo + ((hi - lo) >> 1);
    const s0 = load<i64>(score + (<usize>lo << 3));
    const s1 = load<i64>(score + (<usize>mid << 3));
    const s2 = load<i64>(score + (<usize>(hi - 1) << 3));
    const p = max(min(s0, s1), min(max(s0, s1), s2));
    // three-way partition: [lo, lt) < p, [lt, gt) == p, [gt, hi) > p
    let lt = lo, gt = hi, k = lo;
    let wl: i64 = 0, we: i64 = 0;
    while (k < gt) {
      const s = load<i64>(score + (<usize>k << 3));
      if (s < p) {
        wl += load<i64>(weight + (<usize>k << 3));
        swap(score, weight, lt, k);
        lt++; k++;
      } else if (s > p) {
        gt--;
        swap(score, weight, k, gt);
      } else {
        we += load<i64>(weight + (<usize>k << 3));
        k++;
      }
    }
    if (lt > lo && base + wl > minority) { hi = lt; continue; }
    if (base + wl + we > minority) return p;
    if (gt == hi) return p; // nothing above: only reachable when kappa == 0, the max wins
    base += wl + we;
    lo = gt;
  }
}
