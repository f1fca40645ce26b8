// The Bittensor profile's driver: the contract of ../types.ts over the concerns of this folder
// (params.ts: the profile as data; ledger.ts: accounts and their operations; block.ts and
// apply.ts: emission per block and the epoch; audit.ts: conservation; state.ts: genesis,
// checkpoint state, ledger.json, summary).
import type { Scenario } from '../../run-spec.js';
import { schedule } from '../../scheduler.js';
import type { SubnetState } from '../../subnet.js';
import type { WorkloadModel } from '../../workload.js';
import type { BittensorInput, BittensorOutput, EpochJob, EpochRecord, ProfileDriver, ProfileSummary } from '../types.js';
import { applyEpoch, prepare, type BittensorCtx } from './apply.js';
import { audit, checkBlock } from './audit.js';
import { accrue } from './block.js';
import { BittensorLedger } from './ledger.js';
import { BITTENSOR } from './params.js';
import { genesis, ledgerJson, loadState, stateJson, summary } from './state.js';

export class BittensorDriver implements ProfileDriver<BittensorInput, BittensorOutput, BittensorCtx> {
  readonly spec = BITTENSOR;
  readonly ledger: BittensorLedger;
  /** recycling the owner's incentive lowers the alpha issuance the next block's emission reads: apply at once */
  readonly deferrable: boolean;

  constructor(
    readonly scenario: Scenario,
    state?: unknown,
  ) {
    this.ledger = new BittensorLedger(scenario);
    this.deferrable = this.ledger.params.ownerIncentive === 'burn';
    if (state === undefined) genesis(this.ledger);
    else loadState(this.ledger, state);
    this.ledger.indexSubnets();
  }

  get subnets(): SubnetState[] {
    return this.ledger.subnets;
  }
  get workload(): WorkloadModel {
    return this.ledger.workload;
  }
  eventsDue(s: SubnetState, block: number): boolean {
    return this.ledger.eventsDue(s, block);
  }
  events(s: SubnetState, block: number): void {
    this.ledger.events(s, block, this.ledger);
  }
  accrue(_block: number): void {
    accrue(this.ledger);
  }
  schedule(block: number): number[] {
    const L = this.ledger;
    return schedule(L.params.scheduler, block, L.subnets.map((s) => s.sched), (netuid) => {
      const s = L.byNetuid.get(netuid)!;
      return s.uidOf.size === s.n;
    });
  }
  prepare(netuid: number, block: number): EpochJob<BittensorInput, BittensorCtx> {
    return prepare(this.ledger, netuid, block);
  }
  apply(job: EpochJob<BittensorInput, BittensorCtx>, output: BittensorOutput, consensusMs: number): EpochRecord {
    return applyEpoch(this.ledger, job, output, consensusMs);
  }
  checkBlock(block: number): void {
    checkBlock(this.ledger, block);
  }
  audit(netuid?: number): void {
    audit(this.ledger, netuid);
  }
  ledgerJson(): unknown {
    return ledgerJson(this.ledger);
  }
  stateJson(): unknown {
    return stateJson(this.ledger);
  }
  summary(): ProfileSummary {
    return summary(this.ledger);
  }
}
