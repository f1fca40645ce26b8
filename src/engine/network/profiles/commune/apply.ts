// The Commune block and epoch (commune.md 3.1 outcomes, 3.2 founder, 3.4 credits).
//
// Per block: E_b split over subnets by their emission shares (floor; the remainder is never
// minted, booked to the `unminted` audit counter) into Pending. Epochs of one block run in
// ascending netuid, each reading the stake left by the previous one (stake is global per
// key). An epoch mints only what it credits: founder + every stake credit; the rest of the
// drained pending (dust) is never minted. A failed epoch keeps its pending.
import type { CommuneEpochInput, CommuneEpochOutput } from '../../../commune/types.js';
import { sortBytes } from '../../canonical.js';
import { communeBlockEmission } from '../../emission.js';
import { SimulationError } from '../../errors.js';
import { rowsToCsr, type Row } from '../../subnet.js';
import { add } from '../../u64.js';
import { coldkeyName } from '../../workload.js';
import { costMs } from '../common.js';
import type { EpochJob, EpochRecord } from '../types.js';
import type { CommuneLedger } from './ledger.js';

/** What apply needs besides the output: the pending emission the epoch drained. */
export interface CommuneCtx {
  drained: bigint;
}

/** One block's emission into the subnets' pending. */
export function accrue(L: CommuneLedger): void {
  const b = L.book;
  const E = communeBlockEmission(b.issuance, L.params.emission);
  b.offered += E;
  let given = 0n;
  for (const s of L.subnets) {
    const p = L.sub.get(s.netuid)!;
    const e = L.shareTotal === 0n ? 0n : (E * p.emissionShare) / L.shareTotal;
    if (e === 0n) continue;
    const sb = L.books.get(s.netuid)!;
    sb.pending = add(sb.pending, e, `pending:${s.netuid}`, s.netuid);
    sb.accrued += e;
    given += e;
  }
  b.unminted += E - given;
}

/** The subnet's epoch input on its pending emission; null: nothing pending, no epoch. */
export function prepare(L: CommuneLedger, netuid: number, block: number): EpochJob<CommuneEpochInput, CommuneCtx> | null {
  const sb = L.books.get(netuid)!;
  if (sb.pending === 0n) return null; // commune.md 3.1: no epoch without pending emission
  const t0 = performance.now();
  const s = L.byNetuid.get(netuid)!;
  const p = L.sub.get(netuid)!;
  L.workload.drift(s);
  L.workload.setWeights(s, block);
  const n = s.n;
  const stake = new BigUint64Array(n);
  const keys: string[] = new Array(n);
  const stakeFrom: Array<Array<readonly [string, bigint]>> = new Array(n);
  for (let uid = 0; uid < n; uid++) {
    const key = s.hotkeys[uid]!;
    keys[uid] = key;
    stake[uid] = L.moduleTotal.get(key) ?? 0n;
    const from = L.stakeFrom.get(key);
    stakeFrom[uid] = from ? sortBytes(from.keys()).map((k) => [k, from.get(k)!] as const) : [];
  }
  const input: CommuneEpochInput = {
    consensus: p.consensus,
    netuid,
    n,
    current_block: block,
    pending_emission: sb.pending,
    founder_uid: null,
    hyperparameters: p.hyperparameters,
    neurons: {
      stake,
      last_update: s.lastUpdate.slice(),
      block_at_registration: s.regBlock.slice(),
      validator_permit: s.permit.slice(),
      weight_parent: new Int32Array(n).fill(-1),
      validator_weight_fee: new Uint8Array(n).fill(L.params.validatorWeightFee),
    },
    weights: rowsToCsr(s.weights, n),
    bonds: rowsToCsr(s.bonds, n),
    bond_out_of_range: null,
    ledger: { keys, stake_delegation_fee: new Uint8Array(n).fill(L.params.stakeDelegationFee), stake_from: stakeFrom },
  };
  s.sched.lastStepBlock = block;
  const ctx: CommuneCtx = { drained: sb.pending };
  return { netuid, block, epoch: s.sched.epochIndex, input, buildMs: performance.now() - t0, ctx };
}


/** commune.md 3.1 outcomes, 3.2 founder, 3.4 credits. */
export function applyEpoch(L: CommuneLedger, job: EpochJob<CommuneEpochInput, CommuneCtx>, out: CommuneEpochOutput, consensusMs: number): EpochRecord {
  const t0 = performance.now();
  const { netuid } = job;
  const s = L.byNetuid.get(netuid)!;
  const sb = L.books.get(netuid)!;
  const { drained } = job.ctx;
  const n = s.n;
  const founder = coldkeyName(netuid, 'founder');
  const credit = new BigUint64Array(n);
  const incentive = new BigUint64Array(n);
  const dividends = new BigUint64Array(n);
  if (out.outcome === 'ok') {
    let paid = 0n;
    if (out.founder_emission > 0n) L.creditFree(founder, out.founder_emission);
    for (let j = 0; j < n; j++) {
      const module = s.hotkeys[j]!;
      for (const [acct, amount] of out.credits![j]!) {
        if (amount === 0n) continue;
        L.addStake(module, acct, amount);
        credit[j] = credit[j]! + amount;
        paid += amount;
      }
      if (credit[j]! > 0n) L.earn(module, credit[j]!);
    }
    const minted = out.founder_emission + paid;
    if (minted !== out.total_emitted) {
      throw new SimulationError(`epoch credits ${minted} != the epoch's total_emitted ${out.total_emitted}`, { netuid, account: `pending:${netuid}` });
    }
    if (minted > drained) {
      throw new SimulationError(`conservation violated: epoch minted ${minted} > pending drained ${drained}`, { netuid, account: `pending:${netuid}` });
    }
    // network.md 8, Commune 2: founder + credited + dust == pending drained
    const dust = drained - minted;
    L.book.credited += minted;
    L.book.issuance += minted;
    L.book.unminted += dust;
    sb.founderPaid += out.founder_emission;
    sb.paid += paid;
    sb.dust += dust;
    sb.pending = 0n;
    const nr = out.neurons!;
    incentive.set(nr.server_emission);
    dividends.set(nr.validator_emission);
    s.permit = nr.new_validator_permit.slice();
    s.lastConsensus = nr.consensus.slice();
    s.lastIncentive = nr.server_emission.slice();
    s.lastDividend = nr.validator_emission.slice();
    const rows = out.bonds!.rows;
    for (let i = 0; i < n; i++) {
      if (out.bonds!.unchanged[i]) continue;
      const a = rows.rowPtr[i]!, z = rows.rowPtr[i + 1]!;
      s.bonds[i] = z > a ? ({ col: rows.col.slice(a, z), val: rows.val.slice(a, z) } satisfies Row) : null;
    }
    s.epochsRun += 1;
  } else if (out.outcome === 'skipped') {
    sb.pending = 0n;
  } else {
    sb.failed += 1; // no_weights / failed: the pending emission is kept
  }
  const record: EpochRecord = {
    netuid,
    block: job.block,
    epoch: job.epoch,
    n,
    drained: { pending: drained.toString(), founder: out.founder_emission.toString() },
    incentive: Array.from(incentive, String),
    dividends: Array.from(dividends, String),
    emission: Array.from(credit, String),
    stake: s.hotkeys.map((k) => (L.moduleTotal.get(k) ?? 0n).toString()),
  };
  if (out.outcome !== 'ok') record.note = `${out.outcome}${out.error ? `: ${out.error}` : ''}`;
  record.cost_ms = costMs(job, consensusMs, t0);
  return record;
}
