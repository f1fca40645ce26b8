// The Commune state at genesis, as a checkpoint holds it (stateJson / loadState, checked field by
// field by checkpoint-state.ts before it is loaded), as ledger.json shows it, and summed up.
import { InputError } from '../../../types.js';
import { communeBlockEmission } from '../../emission.js';
import { Rng } from '../../rng.js';
import { ROLE_NAMES, subnetToJson } from '../../subnet.js';
import { coldkeyName, isValidator, nominatorName, validatorsOf } from '../../workload.js';
import { topEarners } from '../common.js';
import { big, bigMap, pad3 } from '../state-json.js';
import type { Earner, ProfileSummary } from '../types.js';
import type { CommuneLedger } from './ledger.js';
import { COMMUNE } from './params.js';

/** The accounts at the scenario's start block. */
export function genesis(L: CommuneLedger): void {
  const cfgs = L.configs;
  const sc = L.scenario;
  const w = sc.workload;
  L.book = {
    issuance: 0n, genesis: 0n, credited: 0n, burned: 0n, external: 0n,
    freeTotal: 0n, totalStake: 0n, unminted: 0n, offered: 0n,
  };
  for (const c of cfgs) {
    const p = L.sub.get(c.netuid)!;
    const s = L.workload.genesis(c, sc.seed, sc.startBlock, p.tempo, COMMUNE.ownerUids);
    L.subnets.push(s);
    L.books.set(c.netuid, { pending: 0n, accrued: 0n, founderPaid: 0n, paid: 0n, dust: 0n, failed: 0 });
    const r = s.rng;
    for (let uid = 0; uid < s.n; uid++) {
      const key = s.hotkeys[uid]!;
      const amount = isValidator(s.role[uid]!) ? r.bigint(...w.validatorStake) : r.bigint(...w.minerStake);
      L.moduleTotal.set(key, 0n);
      if (amount > 0n) L.addStake(key, key, amount);
    }
    for (let j = 0; j < w.minerColdkeys; j++) L.creditFree(coldkeyName(c.netuid, `m${String(j).padStart(5, '0')}`), w.minerBalance);
  }
  const r = Rng.seeded(sc.seed, 1_000_003);
  for (let i = 0; i < w.nominators; i++) {
    const ck = nominatorName(i);
    L.creditFree(ck, r.bigint(...w.nominatorBalance));
    for (let k = 0; k < w.nominationsPerNominator && L.subnets.length > 0; k++) {
      const s = L.subnets[r.below(L.subnets.length)]!;
      const vals = validatorsOf(s);
      if (vals.length === 0) continue;
      const amount = r.bigint(...w.nominationAmount);
      if (amount > 0n) L.addStake(s.hotkeys[vals[r.below(vals.length)]!]!, ck, amount);
    }
  }
  const b = L.book;
  const modelled = b.freeTotal + b.totalStake;
  const total = L.params.totalIssuance ?? modelled;
  if (modelled > total) {
    throw new InputError(
      `the modelled accounts hold ${modelled} nano at genesis, more than the total issuance ${total}`,
      'network.totalIssuance',
      '<scenario>',
    );
  }
  b.external = total - modelled;
  b.genesis = total;
  b.issuance = b.genesis;
  L.issuanceStart = b.issuance;
}

export function ledgerJson(L: CommuneLedger): unknown {
  const accounts: Record<string, unknown> = {};
  for (const [a, v] of L.free) accounts[a] = { free: v };
  const stake: Record<string, unknown> = {};
  for (const [m, from] of L.stakeFrom) if (from.size > 0) stake[m] = from;
  const b = L.book;
  const subnets: Record<string, unknown> = {};
  for (const s of L.subnets) {
    const sb = L.books.get(s.netuid)!;
    subnets[pad3(s.netuid)] = {
      pending: sb.pending, accrued: sb.accrued, founder_paid: sb.founderPaid, paid: sb.paid, dust: sb.dust, failed_epochs: sb.failed,
      tempo: s.sched.tempo, epoch_index: s.sched.epochIndex, modules: s.hotkeys,
    };
  }
  return {
    profile: 'commune',
    issuance: { total: b.issuance, genesis: b.genesis, credited: b.credited, burned: b.burned, external: b.external, total_stake: b.totalStake, unminted: b.unminted },
    accounts, stake_from: stake, subnets,
  };
}

export function stateJson(L: CommuneLedger): unknown {
  const books: Record<string, unknown> = {};
  for (const [id, sb] of L.books) books[String(id)] = sb;
  const stakeFrom: Record<string, unknown> = {};
  for (const [m, from] of L.stakeFrom) stakeFrom[m] = from;
  return {
    book: L.book, books, free: L.free, stakeFrom, moduleTotal: L.moduleTotal, earned: L.earned,
    issuanceStart: L.issuanceStart, subnets: L.subnets.map(subnetToJson),
  };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function loadState(L: CommuneLedger, j: any): void {
  const bk = j.book as Record<string, unknown>;
  L.book = {
    issuance: big(bk.issuance, 'book.issuance'), genesis: big(bk.genesis, 'book.genesis'), credited: big(bk.credited, 'book.credited'),
    burned: big(bk.burned, 'book.burned'), external: big(bk.external, 'book.external'), freeTotal: big(bk.freeTotal, 'book.freeTotal'),
    totalStake: big(bk.totalStake, 'book.totalStake'), unminted: big(bk.unminted, 'book.unminted'), offered: big(bk.offered, 'book.offered'),
  };
  for (const [id, sb] of Object.entries(j.books as Record<string, Record<string, unknown>>)) {
    L.books.set(Number(id), {
      pending: big(sb.pending, 'pending'), accrued: big(sb.accrued, 'accrued'), founderPaid: big(sb.founderPaid, 'founderPaid'),
      paid: big(sb.paid, 'paid'), dust: big(sb.dust, 'dust'), failed: Number(sb.failed),
    });
  }
  for (const [k, v] of bigMap(j.free, 'free')) L.free.set(k, v);
  for (const [m, from] of Object.entries(j.stakeFrom as Record<string, unknown>)) {
    const fm = bigMap(from, `stakeFrom.${m}`);
    L.stakeFrom.set(m, fm);
    for (const [staker, v] of fm) {
      let to = L.stakeTo.get(staker);
      if (!to) L.stakeTo.set(staker, (to = new Map()));
      to.set(m, v);
    }
  }
  for (const [k, v] of bigMap(j.moduleTotal, 'moduleTotal')) L.moduleTotal.set(k, v);
  for (const [k, v] of bigMap(j.earned, 'earned')) L.earned.set(k, v);
  L.issuanceStart = big(j.issuanceStart, 'issuanceStart');
  L.loadSubnets(j.subnets);
  const want = [...L.sub.keys()].join();
  if (L.subnets.map((s) => s.netuid).join() !== want) throw new Error(`subnets do not match the scenario's ${want}`);
}

export function summary(L: CommuneLedger): ProfileSummary {
  const b = L.book;
  const subnets = L.subnets.map((s) => {
    const sb = L.books.get(s.netuid)!;
    return {
      netuid: s.netuid, n: s.n, epochs: s.epochsRun, minted: (sb.founderPaid + sb.paid).toString(),
      paid: (sb.founderPaid + sb.paid).toString(), burned: '0', dust: sb.dust.toString(),
    };
  });
  const earners: Earner[] = [];
  for (const [key, amount] of L.earned) {
    const netuid = Number(key.split(':')[1]);
    const s = L.byNetuid.get(netuid)!;
    const uid = s.uidOf.get(key);
    earners.push({
      key, netuid, role: uid === undefined ? 'deregistered' : ROLE_NAMES[s.role[uid]!]!,
      amount: amount.toString(), value: amount.toString(),
    });
  }
  let pending = 0n, failed = 0;
  for (const sb of L.books.values()) {
    pending += sb.pending;
    failed += sb.failed;
  }
  return {
    nativeToken: 'COMAI',
    subnetToken: 'COMAI',
    issuanceStart: L.issuanceStart.toString(),
    issuanceEnd: b.issuance.toString(),
    nativeMinted: b.credited.toString(),
    nativeRecycled: b.burned.toString(),
    blockEmission: communeBlockEmission(b.issuance, L.params.emission).toString(),
    halvings: Number(b.issuance / L.params.emission.halving),
    subnets,
    topEarners: topEarners(earners),
    sinks: {
      pending: pending.toString(),
      burned: b.burned.toString(),
      unminted: b.unminted.toString(),
      'failed epochs': String(failed),
    },
  };
}
