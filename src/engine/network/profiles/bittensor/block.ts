// The Bittensor block (network.md 5.2): TAO emission E_b from TotalIssuance, split over subnets
// by their emission shares (floor) into `pool:<netuid>` TAO sinks, the leftover recycled. Each
// subnet mints its own alpha A from its alpha issuance (reserve + outstanding), split into four
// pending counters (owner cut, server, validator, root) with exact U96F32 floors; the floors'
// dust is booked to `dust:<netuid>`.
import { bittensorBlockEmission, bittensorHalvings } from '../../emission.js';
import { add } from '../../u64.js';
import type { AlphaBook, BittensorLedger } from './ledger.js';
import { splitAlpha, type SubnetParams } from './params.js';

/** One block's emission: TAO into the subnet pools, each subnet's alpha into its pending counters. */
export function accrue(L: BittensorLedger): void {
  const t = L.tao;
  // TAO: E_b from TotalIssuance, capped to the supply left
  let E = bittensorBlockEmission(t.issuance, L.params.emission);
  const room = L.params.emission.cap - t.issuance;
  if (E > room) E = room > 0n ? room : 0n;
  let credited = 0n;
  for (const s of L.subnets) {
    const p = L.sub.get(s.netuid)!;
    const c = L.shareTotal === 0n ? 0n : (E * p.emissionShare) / L.shareTotal;
    if (c > 0n) L.creditTaoPool(s.netuid, c);
    credited += c;
  }
  t.minted += E;
  t.recycled += E - credited;
  t.issuance += credited;
  // alpha: each subnet mints its own, split into the pending counters
  for (const s of L.subnets) {
    const p = L.sub.get(s.netuid)!;
    const b = L.books.get(s.netuid)!;
    const { A, split } = alphaEmission(L, s.netuid, b, p);
    if (p.alphaInPerBlock > 0n) {
      b.alphaIn = add(b.alphaIn, p.alphaInPerBlock, `alpha-in:${s.netuid}`, s.netuid);
      b.injected += p.alphaInPerBlock;
    }
    if (A === 0n) continue;
    b.alphaOut = add(b.alphaOut, A, `alpha-out:${s.netuid}`, s.netuid);
    b.minted += A;
    const pd = b.pending;
    pd.ownerCut += split.ownerCut;
    pd.server += split.server;
    pd.validator += split.validator;
    if (L.params.rootSell) pd.root += split.root;
    else {
      b.alphaOut -= split.root;
      b.recycled += split.root;
    }
    b.dust += split.dust;
  }
}


/** A subnet's alpha emission and its split; cached while the issuance stays in one halving band. */
function alphaEmission(L: BittensorLedger, netuid: number, b: AlphaBook, p: SubnetParams) {
  const issuance = b.alphaIn + b.alphaOut;
  const c = L.alphaCache.get(netuid);
  if (c && issuance >= c.issuanceFrom && issuance < c.issuanceBelow) return c;
  const spec = L.params.emission;
  const A = bittensorBlockEmission(issuance, spec);
  // the band [from, below) of issuances with the same halving count
  let from = 0n, below = spec.cap;
  if (issuance < spec.cap) {
    const k = bittensorHalvings(issuance, spec.cap);
    const threshold = (j: number) => (spec.cap * ((1n << BigInt(j)) - 1n) + (1n << BigInt(j)) - 1n) >> BigInt(j);
    from = k === 0 ? 0n : threshold(k);
    below = k >= 32 ? spec.cap : threshold(k + 1);
  } else from = spec.cap;
  if (issuance >= spec.cap) below = 1n << 128n;
  const entry = { A, issuanceFrom: from, issuanceBelow: below, split: splitAlpha(A, L.params.ownerCutBits, p.rootPropBits) };
  L.alphaCache.set(netuid, entry);
  return entry;
}
