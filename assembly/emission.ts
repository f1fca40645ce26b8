// Emission split, spec/yuma.md 2.14: shares of the combined I + Div, then times rao.
import { divF, mulShr32U } from './fixed';
import { sum } from './vector';
import { i64At, setU64 } from './csr';

/** Out: server, validator, combined emission u64[n] (floor(share * rao / 2^32), saturated). */
export function emission(
  n: i32, I: usize, D: usize, a: usize, stake: usize, rao: u64,
  server: usize, validator: usize, combined: usize,
): void {
  let E: i64 = 0;
  for (let i = 0; i < n; i++) {
    const x = i64At(I, i), y = i64At(D, i);
    const c = x + y;
    // saturating add (both are non-negative shares: only the upper bound can be hit)
    E += ((x ^ c) & (y ^ c)) < 0 ? 0x7fff_ffff_ffff_ffff : c;
  }
  // nothing earned: validators' share follows active stake, or raw stake if none is active
  const fallback = sum(a, n) == 0 ? stake : a;
  for (let i = 0; i < n; i++) {
    const x = i64At(I, i), y = i64At(D, i);
    let c = x + y;
    if (((x ^ c) & (y ^ c)) < 0) c = 0x7fff_ffff_ffff_ffff;
    let ns: i64, nv: i64, nc: i64;
    if (E != 0) {
      ns = divF(x, E); nv = divF(y, E); nc = divF(c, E);
    } else {
      ns = x; nv = i64At(fallback, i); nc = nv;
    }
    setU64(server, i, ns > 0 ? mulShr32U(<u64>ns, rao) : 0);
    setU64(validator, i, nv > 0 ? mulShr32U(<u64>nv, rao) : 0);
    setU64(combined, i, nc > 0 ? mulShr32U(<u64>nc, rao) : 0);
  }
}
