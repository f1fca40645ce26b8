// The Bittensor conservation identities (network.md 8, Bittensor): after every block on the
// running totals, and recounts of the accounts behind them.
import { SimulationError } from '../../errors.js';
import { checkPool } from '../../sharepool.js';
import { pendingSum, type BittensorLedger } from './ledger.js';

/** network.md 8, Bittensor 1-2, on the running totals. */
export function checkBlock(L: BittensorLedger, block: number): void {
  const t = L.tao;
  const fail = (msg: string, account: string, netuid?: number) => {
    throw new SimulationError(`conservation violated: ${msg}`, { block, account, ...(netuid !== undefined ? { netuid } : {}) });
  };
  // 1. TotalIssuance = genesis + minted - recycled, and it is all held somewhere
  if (t.issuance !== t.genesis + t.minted - t.recycled) {
    fail(`TotalIssuance ${t.issuance} != genesis ${t.genesis} + minted ${t.minted} - recycled ${t.recycled}`, 'total-issuance');
  }
  const held = t.freeTotal + t.rootTotal + t.poolTotal + t.burn + t.external;
  if (held !== t.issuance) {
    fail(`TAO held (free ${t.freeTotal} + root ${t.rootTotal} + pools ${t.poolTotal} + burn ${t.burn} + external ${t.external} = ${held}) != TotalIssuance ${t.issuance}`, 'total-issuance');
  }
  if (t.issuance > L.params.emission.cap) fail(`TotalIssuance ${t.issuance} above the cap`, 'total-issuance');
  // 2. every alpha-rao of SubnetAlphaOut is in exactly one place
  for (const s of L.subnets) {
    const b = L.books.get(s.netuid)!;
    const flow = b.genesisOut + b.minted + b.bought - b.sold - b.recycled;
    if (flow !== b.alphaOut) {
      fail(`SubnetAlphaOut ${b.alphaOut} != genesis + minted + bought - sold - recycled = ${flow}`, `alpha-out:${s.netuid}`, s.netuid);
    }
    const where = b.stakeTotal + pendingSum(b.pending) + b.inflight + b.burn + b.dust + b.claimableTotal;
    if (where !== b.alphaOut + b.overpaid) {
      fail(
        `SubnetAlphaOut ${b.alphaOut} (+ overpaid ${b.overpaid}) != stake ${b.stakeTotal} + pending ${pendingSum(b.pending)} + in flight ${b.inflight} + burn ${b.burn} + dust ${b.dust} + claimable ${b.claimableTotal}`,
        `alpha-out:${s.netuid}`,
        s.netuid,
      );
    }
  }
}

/** Recounts the stake pools and claimable balances of one subnet, or of all and every balance. */
export function audit(L: BittensorLedger, netuid?: number): void {
  const subnets = netuid === undefined ? [...L.books.keys()] : [netuid];
  for (const id of subnets) {
    const b = L.books.get(id)!;
    let total = 0n;
    for (const [hk, p] of L.pools.get(id)!) {
      checkPool(p, `stake:${id}:${hk}`);
      total += p.total;
    }
    if (total !== b.stakeTotal) {
      throw new SimulationError(`conservation violated: stake pools sum to ${total}, the running total says ${b.stakeTotal}`, { netuid: id, account: `stake:${id}` });
    }
    let claim = 0n;
    for (const v of L.claimable.get(id)!.values()) claim += v;
    if (claim !== b.claimableTotal) {
      throw new SimulationError(`conservation violated: claimable sums to ${claim}, the running total says ${b.claimableTotal}`, { netuid: id, account: `claimable:${id}` });
    }
  }
  if (netuid !== undefined) return;
  let free = 0n;
  for (const [ck, v] of L.free) {
    if (v < 0n) throw new SimulationError(`negative balance ${v}`, { account: ck });
    free += v;
  }
  let root = 0n;
  for (const [hk, p] of L.pools.get(0)!) {
    checkPool(p, `stake:0:${hk}`);
    root += p.total;
  }
  let pools = 0n;
  for (const v of L.tao.pools.values()) pools += v;
  const t = L.tao;
  if (free !== t.freeTotal || root !== t.rootTotal || pools !== t.poolTotal) {
    throw new SimulationError(
      `conservation violated: recount free ${free} / root ${root} / pools ${pools} != running ${t.freeTotal} / ${t.rootTotal} / ${t.poolTotal}`,
      { account: 'total-issuance' },
    );
  }
}
