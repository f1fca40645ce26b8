// Marching squares: the line segments where a gridded field crosses a level, in data
// coordinates (linear interpolation along cell edges; saddles resolved by the cell mean).

export interface Grid {
  /** values[iy][ix] */
  values: ArrayLike<number>[];
  xs: ArrayLike<number>;
  ys: ArrayLike<number>;
}

/** [x1, y1, x2, y2] per segment. A value exactly at the level counts as above it. */
export function contourSegments(grid: Grid, level: number): [number, number, number, number][] {
  const { values, xs, ys } = grid;
  const out: [number, number, number, number][] = [];
  const ny = ys.length;
  const nx = xs.length;
  const at = (t: number, a: number, b: number) => a + t * (b - a);
  const frac = (va: number, vb: number) => (va === vb ? 0.5 : (level - va) / (vb - va));
  for (let iy = 0; iy + 1 < ny; iy++) {
    for (let ix = 0; ix + 1 < nx; ix++) {
      // corners: 0 = (ix, iy), 1 = (ix+1, iy), 2 = (ix+1, iy+1), 3 = (ix, iy+1)
      const v0 = values[iy]![ix]!, v1 = values[iy]![ix + 1]!, v2 = values[iy + 1]![ix + 1]!, v3 = values[iy + 1]![ix]!;
      if (![v0, v1, v2, v3].every(Number.isFinite)) continue;
      const code = (v0 >= level ? 1 : 0) | (v1 >= level ? 2 : 0) | (v2 >= level ? 4 : 0) | (v3 >= level ? 8 : 0);
      if (code === 0 || code === 15) continue;
      const x0 = xs[ix]!, x1 = xs[ix + 1]!, y0 = ys[iy]!, y1 = ys[iy + 1]!;
      // edge crossing points: bottom (0-1), right (1-2), top (3-2), left (0-3)
      const B = (): [number, number] => [at(frac(v0, v1), x0, x1), y0];
      const R = (): [number, number] => [x1, at(frac(v1, v2), y0, y1)];
      const T = (): [number, number] => [at(frac(v3, v2), x0, x1), y1];
      const L = (): [number, number] => [x0, at(frac(v0, v3), y0, y1)];
      const seg = (p: [number, number], q: [number, number]) => out.push([p[0], p[1], q[0], q[1]]);
      const centerAbove = (v0 + v1 + v2 + v3) / 4 >= level;
      switch (code) {
        case 1: case 14: seg(L(), B()); break;
        case 2: case 13: seg(B(), R()); break;
        case 3: case 12: seg(L(), R()); break;
        case 4: case 11: seg(R(), T()); break;
        case 6: case 9: seg(B(), T()); break;
        case 7: case 8: seg(L(), T()); break;
        case 5: // 0 and 2 above
          if (centerAbove) { seg(L(), T()); seg(B(), R()); } else { seg(L(), B()); seg(R(), T()); }
          break;
        case 10: // 1 and 3 above
          if (centerAbove) { seg(L(), B()); seg(R(), T()); } else { seg(L(), T()); seg(B(), R()); }
          break;
      }
    }
  }
  return out;
}
