// The Bittensor epoch (network.md 6.2), on the ledger of ledger.ts.
//
// At the subnet's epoch the pending counters (block.ts) are drained, Yuma runs on
// server + validator + root, and the output is distributed (network.md 6.2): incentives to
// the miners' (hotkey, owner) stake (the owner's own hotkeys' incentive is burned), dividends
// split into alpha and root parts by each hotkey's root proportion, scaled to the pending
// validator and root counters, the delegate take to (hotkey, owner) and the rest to the
// hotkey's share pool (alpha) or its root stakers' claimable balance (root).
//
// A subnet with several incentive mechanisms (docs/spec/mechanisms.md) runs one multi-mechanism
// epoch on the drained emission: each mechanism over its own weights, bonds and last updates,
// on the subnet's stakes and permits. The ledger credits the aggregate as the chain's coinbase
// pays it: per hotkey the sum over mechanisms of server_emission and of validator_emission
// (section 4.4); each mechanism keeps its own bonds, the permits and consensus are the aggregate's.
import type { EpochInput, SparseU16 } from '../../../types.js';
import type { MechanismsInput } from '../../../mechanisms/types.js';
import { csrToRows, mechanism, mechanismCount, rowsToCsr, setBonds, type SubnetState } from '../../subnet.js';
import { divBits, sub } from '../../u64.js';
import { costMs, strings } from '../common.js';
import type { BittensorInput, BittensorOutput, EpochJob, EpochRecord } from '../types.js';
import { pendingSum, zeroPending, type BittensorLedger, type Pending } from './ledger.js';

/** What apply needs besides the output: the drained counters, the uids' hotkeys at launch. */
export interface BittensorCtx {
  drained: Pending;
  /** uid -> hotkey at launch (the subnet is not touched until the output is applied) */
  hotkeys: string[];
}

/** The owner's hotkey holds uid 0 for the whole run (immortal). */
const ownerUid = (_s: SubnetState) => 0;

/** Drains the subnet's pending counters and builds its epoch input. */
export function prepare(L: BittensorLedger, netuid: number, block: number): EpochJob<BittensorInput, BittensorCtx> {
  const t0 = performance.now();
  const s = L.byNetuid.get(netuid)!;
  const p = L.sub.get(netuid)!;
  const b = L.books.get(netuid)!;
  L.workload.drift(s);
  L.workload.setWeights(s, block);
  const drained = b.pending;
  b.pending = zeroPending();
  b.inflight = pendingSum(drained);
  const n = s.n;
  const alpha = new BigUint64Array(n);
  const root = new BigUint64Array(n);
  for (let uid = 0; uid < n; uid++) {
    const hk = s.hotkeys[uid]!;
    alpha[uid] = L.poolTotalOf(netuid, hk);
    root[uid] = L.poolTotalOf(0, hk);
  }
  const subnet = {
    netuid,
    n,
    current_block: block,
    last_mechanism_step_block: s.sched.lastStepBlock,
    rao_emission: drained.server + drained.validator + drained.root,
    owner_uid: ownerUid(s),
    hyperparameters: { ...p.hyperparameters, tempo: s.sched.tempo },
    tao_weight: L.params.taoWeight,
  };
  const shared = {
    alpha_stake: alpha,
    tao_stake: root,
    block_at_registration: s.regBlock.slice(),
    validator_permit: s.permit.slice(),
  };
  s.sched.lastStepBlock = block;
  const ctx: BittensorCtx = { drained, hotkeys: s.hotkeys.slice() };
  const head = { netuid, block, epoch: s.sched.epochIndex, ctx };
  if (mechanismCount(s) > 1) {
    // each mechanism's own last updates, weights and bonds (docs/spec/mechanisms.md 2)
    const input: MechanismsInput = {
      ...subnet,
      neurons: shared,
      emission_split: p.emissionSplit,
      mechanisms: Array.from({ length: mechanismCount(s) }, (_, k) => {
        const m = mechanism(s, k);
        return { last_update: m.lastUpdate.slice(), commit_block: null, weights: rowsToCsr(m.weights, n), bonds: rowsToCsr(m.bonds, n) };
      }),
    };
    return { ...head, input, buildMs: performance.now() - t0 };
  }
  const input: EpochInput = {
    ...subnet,
    neurons: { ...shared, last_update: s.lastUpdate.slice(), commit_block: null },
    weights: rowsToCsr(s.weights, n),
    bonds: rowsToCsr(s.bonds, n),
  };
  return { ...head, input, buildMs: performance.now() - t0 };
}


/** network.md 6.2. */
export function applyEpoch(L: BittensorLedger, job: EpochJob<BittensorInput, BittensorCtx>, out: BittensorOutput, consensusMs: number): EpochRecord {
  const t0 = performance.now();
  // one mechanism: its output; several: the aggregate (what is paid) and each mechanism's bonds
  const bonds: SparseU16[] = 'mechanisms' in out ? out.mechanisms.map((m) => m.bonds) : [out.bonds];
  const { netuid } = job;
  const s = L.byNetuid.get(netuid)!;
  const b = L.books.get(netuid)!;
  const { drained, hotkeys } = job.ctx;
  const n = s.n;
  const ownerCk = s.coldkeys[ownerUid(s)]!;
  const ownerHk = s.hotkeys[ownerUid(s)]!;
  const inc = out.neurons.server_emission;
  const div = out.neurons.validator_emission;
  let sumInc = 0n;
  for (let j = 0; j < n; j++) sumInc += inc[j]!;
  let validatorPot = drained.validator;
  if (sumInc === 0n) validatorPot += drained.server;

  let credited = 0n; // to stakes and claimable balances
  let burned = 0n;
  let recycled = 0n;
  const paidInc = new BigUint64Array(n);
  const paidDiv = new BigUint64Array(n);

  // 1. incentives, as computed; the owner's own hotkeys' incentive is burned (or recycled)
  for (let j = 0; j < n; j++) {
    const x = inc[j]!;
    if (x === 0n) continue;
    const hk = hotkeys[j]!;
    const ck = L.owner.get(hk)!;
    paidInc[j] = x;
    if (hk === ownerHk || ck === ownerCk) {
      if (L.params.ownerIncentive === 'burn') burned += x;
      else recycled += x;
    } else {
      L.stakeTo(netuid, hk, ck, x);
      credited += x;
    }
  }

  // 2. dividends: alpha and root parts by the hotkey's root proportion (U96F32)
  const twBits = (L.params.taoWeight << 32n) / ((1n << 64n) - 1n);
  const alphaPart = new Array<bigint>(n).fill(0n);
  const rootPart = new Array<bigint>(n).fill(0n);
  let totA = 0n, totR = 0n;
  for (let j = 0; j < n; j++) {
    const d = div[j]!;
    if (d === 0n) continue;
    const hk = hotkeys[j]!;
    const rootW = L.poolTotalOf(0, hk) * twBits;
    const denom = (L.poolTotalOf(netuid, hk) << 32n) + rootW;
    const rp = divBits(rootW, denom);
    const dBits = d << 32n;
    const r = (dBits * rp) >> 32n;
    rootPart[j] = r;
    alphaPart[j] = dBits - r;
    totA += dBits - r;
    totR += r;
  }
  for (let j = 0; j < n; j++) {
    if (alphaPart[j] === 0n && rootPart[j] === 0n) continue;
    const hk = hotkeys[j]!;
    const ck = L.owner.get(hk)!;
    const takeBits = (BigInt(L.take.get(hk) ?? L.params.delegateTake) << 32n) / 65535n;
    // alpha part: scaled to the pending validator alpha; take to (h, owner), rest to h's pool
    if (alphaPart[j]! > 0n && validatorPot > 0n) {
      const a = divBits(alphaPart[j]!, totA) * validatorPot;
      const t = (a * takeBits) >> 32n;
      const toOwner = t >> 32n;
      const toPool = (a - t) >> 32n;
      L.stakeTo(netuid, hk, ck, toOwner);
      L.stakeToPool(netuid, hk, toPool);
      credited += toOwner + toPool;
      paidDiv[j] = paidDiv[j]! + toOwner + toPool;
    }
    // root part: scaled to the pending root alpha; take to (h, owner), rest claimable
    if (rootPart[j]! > 0n && drained.root > 0n) {
      const a = divBits(rootPart[j]!, totR) * drained.root;
      const t = (a * takeBits) >> 32n;
      const toOwner = t >> 32n;
      const toClaim = (a - t) >> 32n;
      L.stakeTo(netuid, hk, ck, toOwner);
      if (toClaim > 0n) {
        const m = L.claimable.get(netuid)!;
        m.set(hk, (m.get(hk) ?? 0n) + toClaim);
        b.claimableTotal += toClaim;
      }
      credited += toOwner + toClaim;
      paidDiv[j] = paidDiv[j]! + toOwner + toClaim;
    }
  }

  // 3. owner cut, staked to (owner hotkey, owner)
  L.stakeTo(netuid, ownerHk, ownerCk, drained.ownerCut);
  credited += drained.ownerCut;

  // 4. what is left of the drained counters is dust (owned by nobody, still in alphaOut);
  //    incentives "as computed" may exceed the server counter by a few rao: booked as overpaid
  const total = pendingSum(drained);
  const used = credited + burned + recycled;
  if (used <= total) b.dust += total - used;
  else b.overpaid += used - total;
  b.burn += burned;
  if (recycled > 0n) {
    b.alphaOut = sub(b.alphaOut, recycled, `alpha-out:${netuid}`, netuid);
    b.recycled += recycled;
  }
  b.paid += credited;
  b.inflight = 0n;

  // the subnet state the next epoch reads
  s.permit = out.neurons.new_validator_permit.slice();
  bonds.forEach((m, k) => setBonds(s, k, csrToRows(m, n)));
  s.lastConsensus = out.neurons.consensus.slice();
  for (let j = 0; j < n; j++) {
    s.lastIncentive[j] = paidInc[j]!;
    s.lastDividend[j] = paidDiv[j]!;
    const e = paidInc[j]! + paidDiv[j]!;
    if (e > 0n) L.earn(hotkeys[j]!, e);
  }
  s.epochsRun += 1;
  const stake = new Array<string>(n);
  for (let j = 0; j < n; j++) stake[j] = L.poolTotalOf(netuid, hotkeys[j]!).toString();
  const record: EpochRecord = {
    netuid,
    block: job.block,
    epoch: job.epoch,
    n,
    drained: {
      server: drained.server.toString(),
      validator: drained.validator.toString(),
      root: drained.root.toString(),
      owner_cut: drained.ownerCut.toString(),
    },
    incentive: strings(paidInc),
    dividends: strings(paidDiv),
    emission: Array.from(paidInc, (x, j) => (x + paidDiv[j]!).toString()),
    stake,
  };
  if ('mechanisms' in out) {
    // per mechanism: its share r_k of the drained emission and what its epoch gave servers and validators
    const sum = (a: BigUint64Array) => a.reduce((x, y) => x + y, 0n).toString();
    record.mechanisms = out.mechanisms.map((m) => ({ emission: m.emission.toString(), server_emission: sum(m.server_emission), validator_emission: sum(m.validator_emission) }));
  }
  record.cost_ms = costMs(job, consensusMs, t0);
  return record;
}
