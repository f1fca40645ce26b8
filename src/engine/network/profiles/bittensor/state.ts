// The Bittensor state at genesis, as a checkpoint holds it (stateJson / loadState, checked field
// by field by checkpoint-state.ts before it is loaded), as ledger.json shows it, and summed up.
import { InputError } from '../../../types.js';
import { bittensorBlockEmission, bittensorHalvings } from '../../emission.js';
import { Rng } from '../../rng.js';
import type { SharePool } from '../../sharepool.js';
import { ROLE, ROLE_NAMES, subnetToJson } from '../../subnet.js';
import { TOKEN } from '../../token.js';
import { coldkeyName, isValidator, nominatorName, validatorsOf } from '../../workload.js';
import { topEarners } from '../common.js';
import { big, bigFields, bigMap, byNetuidKey, pad3 } from '../state-json.js';
import type { Earner, ProfileSummary } from '../types.js';
import { BITTENSOR, BITTENSOR_PARAMS } from './params.js';
import { pendingSum, zeroPending, type AlphaBook, type BittensorLedger } from './ledger.js';

export function genesis(L: BittensorLedger): void {
  const cfgs = L.configs;
  const sc = L.scenario;
  const w = sc.workload;
  const start = sc.startBlock;
  L.tao = {
    issuance: 0n, genesis: 0n, minted: 0n, recycled: 0n, burn: 0n, external: 0n,
    freeTotal: 0n, rootTotal: 0n, poolTotal: 0n, pools: new Map(),
  };
  L.pools.set(0, new Map());
  for (const c of cfgs) {
    const p = L.sub.get(c.netuid)!;
    const s = L.workload.genesis(c, sc.seed, start, p.tempo, BITTENSOR.ownerUids);
    L.subnets.push(s);
    const book: AlphaBook = {
      alphaIn: c.spec.alphaReserve ?? BITTENSOR_PARAMS.subnet.alphaReserve,
      alphaOut: 0n, genesisOut: 0n, minted: 0n, injected: 0n, bought: 0n, sold: 0n, recycled: 0n,
      burn: 0n, dust: 0n, overpaid: 0n, stakeTotal: 0n, claimableTotal: 0n, pending: zeroPending(),
      inflight: 0n, paid: 0n,
    };
    L.books.set(c.netuid, book);
    L.pools.set(c.netuid, new Map());
    L.claimable.set(c.netuid, new Map());
    const taoReserve = c.spec.taoReserve ?? BITTENSOR_PARAMS.subnet.taoReserve;
    L.tao.pools.set(c.netuid, taoReserve);
    L.tao.poolTotal += taoReserve;
    const r = s.rng;
    for (let uid = 0; uid < s.n; uid++) {
      const hk = s.hotkeys[uid]!, ck = s.coldkeys[uid]!;
      L.owner.set(hk, ck);
      const role = s.role[uid]!;
      let alpha = 0n;
      if (role === ROLE.owner) alpha = w.ownerStake;
      else if (isValidator(role)) {
        alpha = r.bigint(...w.validatorStake);
        L.take.set(hk, L.params.delegateTake);
        const root = r.bigint(...w.rootStake);
        if (root > 0n) L.genesisRoot(hk, ck, root);
      } else alpha = r.bigint(...w.minerStake);
      if (alpha > 0n) L.genesisAlpha(c.netuid, hk, ck, alpha);
    }
    for (let j = 0; j < w.minerColdkeys; j++) L.genesisFree(coldkeyName(c.netuid, `m${String(j).padStart(5, '0')}`), w.minerBalance);
  }
  // nominators: free TAO, and stake behind a few validators
  const r = Rng.seeded(sc.seed, 1_000_003);
  for (let i = 0; i < w.nominators; i++) {
    const ck = nominatorName(i);
    L.genesisFree(ck, r.bigint(...w.nominatorBalance));
    for (let k = 0; k < w.nominationsPerNominator && L.subnets.length > 0; k++) {
      const s = L.subnets[r.below(L.subnets.length)]!;
      const vals = validatorsOf(s);
      if (vals.length === 0) continue;
      const uid = vals[r.below(vals.length)]!;
      L.genesisAlpha(s.netuid, s.hotkeys[uid]!, ck, r.bigint(...w.nominationAmount));
    }
  }
  const modelled = L.tao.freeTotal + L.tao.rootTotal + L.tao.poolTotal;
  if (modelled > L.params.totalIssuance) {
    throw new InputError(
      `the modelled accounts hold ${modelled} rao at genesis, more than the total issuance ${L.params.totalIssuance}: raise network.totalIssuance or lower the workload's balances and stakes`,
      'network.totalIssuance',
      '<scenario>',
    );
  }
  L.tao.external = L.params.totalIssuance - modelled;
  L.tao.genesis = L.params.totalIssuance;
  L.tao.issuance = L.tao.genesis;
  L.issuanceStart = L.tao.issuance;
  for (const b of L.books.values()) b.genesisOut = b.alphaOut;
}

export function ledgerJson(L: BittensorLedger): unknown {
  const t = L.tao;
  const coldkeys: Record<string, unknown> = {};
  for (const [ck, v] of L.free) coldkeys[ck] = { free: v };
  const hotkeys: Record<string, unknown> = {};
  for (const [hk, ck] of L.owner) hotkeys[hk] = { owner: ck, take: L.take.get(hk) ?? L.params.delegateTake };
  const stake: Record<string, unknown> = {};
  for (const [id, m] of L.pools) {
    const o: Record<string, unknown> = {};
    for (const [hk, p] of m) {
      if (p.total === 0n && p.shares === 0n) continue;
      const holders: Record<string, unknown> = {};
      for (const [ck, sh] of p.holders) holders[ck] = { shares: sh, stake: (sh * p.total) / p.shares };
      o[hk] = { total: p.total, shares: p.shares, holders };
    }
    stake[pad3(id)] = o;
  }
  const claimable: Record<string, unknown> = {};
  for (const [id, m] of L.claimable) claimable[pad3(id)] = m;
  const subnets: Record<string, unknown> = {};
  for (const s of L.subnets) {
    const b = L.books.get(s.netuid)!;
    subnets[pad3(s.netuid)] = {
      alpha_in: b.alphaIn, alpha_out: b.alphaOut, minted: b.minted, injected: b.injected, bought: b.bought, sold: b.sold,
      recycled: b.recycled, burn: b.burn, dust: b.dust, overpaid: b.overpaid, paid: b.paid,
      pending: { server: b.pending.server, validator: b.pending.validator, root: b.pending.root, owner_cut: b.pending.ownerCut },
      tempo: s.sched.tempo, last_epoch_block: s.sched.lastEpochBlock, epoch_index: s.sched.epochIndex,
      hotkeys: s.hotkeys,
    };
  }
  return {
    profile: 'bittensor',
    tao: {
      total_issuance: t.issuance, genesis: t.genesis, minted: t.minted, recycled: t.recycled, burn: t.burn, external: t.external,
      pools: byNetuidKey(t.pools, pad3),
    },
    coldkeys, hotkeys, stake, claimable, subnets,
  };
}

export function stateJson(L: BittensorLedger): unknown {
  const poolsJson: Record<string, unknown> = {};
  for (const [id, m] of L.pools) {
    const o: Record<string, unknown> = {};
    for (const [hk, p] of m) o[hk] = { total: p.total, shares: p.shares, holders: p.holders };
    poolsJson[String(id)] = o;
  }
  const books: Record<string, unknown> = {};
  for (const [id, b] of L.books) books[String(id)] = { ...b, pending: { ...b.pending } };
  const claimable: Record<string, unknown> = {};
  for (const [id, m] of L.claimable) claimable[String(id)] = m;
  return {
    tao: { ...L.tao, pools: byNetuidKey(L.tao.pools) },
    books, free: L.free, owner: L.owner, take: L.take, pools: poolsJson, claimable, earned: L.earned,
    issuanceStart: L.issuanceStart,
    subnets: L.subnets.map(subnetToJson),
  };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function loadState(L: BittensorLedger, j: any): void {
  const t = j.tao;
  L.tao = {
    issuance: big(t.issuance, 'tao.issuance'), genesis: big(t.genesis, 'tao.genesis'), minted: big(t.minted, 'tao.minted'),
    recycled: big(t.recycled, 'tao.recycled'), burn: big(t.burn, 'tao.burn'), external: big(t.external, 'tao.external'),
    freeTotal: big(t.freeTotal, 'tao.freeTotal'), rootTotal: big(t.rootTotal, 'tao.rootTotal'), poolTotal: big(t.poolTotal, 'tao.poolTotal'),
    pools: new Map([...bigMap(t.pools, 'tao.pools')].map(([k, v]) => [Number(k), v])),
  };
  for (const [id, b] of Object.entries(j.books as Record<string, Record<string, unknown>>)) {
    const { pending, ...totals } = b;
    const book = { ...bigFields(totals, `books.${id}`), pending: bigFields(pending as Record<string, unknown>, `books.${id}.pending`) };
    L.books.set(Number(id), book as unknown as AlphaBook);
  }
  for (const [k, v] of bigMap(j.free, 'free')) L.free.set(k, v);
  for (const [k, v] of Object.entries(j.owner as Record<string, string>)) L.owner.set(k, v);
  for (const [k, v] of Object.entries(j.take as Record<string, string | number>)) L.take.set(k, Number(v));
  for (const [id, m] of Object.entries(j.pools as Record<string, Record<string, { total: string; shares: string; holders: unknown }>>)) {
    const pm = new Map<string, SharePool>();
    for (const [hk, p] of Object.entries(m)) {
      pm.set(hk, { total: big(p.total, `pools.${id}.${hk}`), shares: big(p.shares, `pools.${id}.${hk}`), holders: bigMap(p.holders, `pools.${id}.${hk}`) });
    }
    L.pools.set(Number(id), pm);
  }
  for (const [id, m] of Object.entries(j.claimable as Record<string, unknown>)) L.claimable.set(Number(id), bigMap(m, `claimable.${id}`));
  for (const [k, v] of bigMap(j.earned, 'earned')) L.earned.set(k, v);
  L.issuanceStart = big(j.issuanceStart, 'issuanceStart');
  L.loadSubnets(j.subnets);
  const want = [...L.sub.keys()];
  const got = L.subnets.map((s) => s.netuid);
  if (want.join() !== got.join() || ![...L.books.keys()].every((k) => L.sub.has(k))) {
    throw new Error(`subnets ${got.join(',')} do not match the scenario's ${want.join(',')}`);
  }
}

export function summary(L: BittensorLedger): ProfileSummary {
  const t = L.tao;
  const subnets = L.subnets.map((s) => {
    const b = L.books.get(s.netuid)!;
    return {
      netuid: s.netuid, n: s.n, epochs: s.epochsRun, minted: b.minted.toString(), paid: b.paid.toString(),
      burned: b.burn.toString(), dust: b.dust.toString(),
    };
  });
  const earners: Earner[] = [];
  for (const [hk, amount] of L.earned) {
    const netuid = Number(hk.split(':')[1]);
    const s = L.byNetuid.get(netuid)!;
    const uid = s.uidOf.get(hk);
    const role = uid === undefined ? 'deregistered' : ROLE_NAMES[s.role[uid]!]!;
    const value = (amount * L.sub.get(netuid)!.alphaPrice) / TOKEN;
    earners.push({ key: hk, netuid, role, amount: amount.toString(), value: value.toString() });
  }
  let burn = 0n, dust = 0n, overpaid = 0n, claim = 0n, pending = 0n;
  for (const b of L.books.values()) {
    burn += b.burn;
    dust += b.dust;
    overpaid += b.overpaid;
    claim += b.claimableTotal;
    pending += pendingSum(b.pending);
  }
  return {
    nativeToken: 'TAO',
    subnetToken: 'alpha',
    issuanceStart: L.issuanceStart.toString(),
    issuanceEnd: t.issuance.toString(),
    nativeMinted: t.minted.toString(),
    nativeRecycled: t.recycled.toString(),
    blockEmission: bittensorBlockEmission(t.issuance, L.params.emission).toString(),
    halvings: t.issuance >= L.params.emission.cap ? 32 : bittensorHalvings(t.issuance, L.params.emission.cap),
    subnets,
    topEarners: topEarners(earners),
    sinks: {
      'tao pools': t.poolTotal.toString(),
      'tao recycled': t.recycled.toString(),
      'alpha pending': pending.toString(),
      'alpha burned': burn.toString(),
      'alpha dust': dust.toString(),
      'alpha overpaid': overpaid.toString(),
      'alpha root-claimable': claim.toString(),
    },
  };
}
