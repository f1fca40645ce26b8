// The Commune profile's driver: the contract of ../types.ts over the concerns of this folder
// (params.ts: the profile as data; ledger.ts: accounts and their operations; apply.ts: emission
// per block and the epoch; audit.ts: conservation; state.ts: genesis, checkpoint state,
// ledger.json, summary). Consensus is Commune's own (runCommuneEpoch: Yuma or Linear per subnet).
import type { CommuneEpochInput, CommuneEpochOutput } from '../../../commune/types.js';
import type { Scenario } from '../../run-spec.js';
import { schedule } from '../../scheduler.js';
import type { SubnetState } from '../../subnet.js';
import type { WorkloadModel } from '../../workload.js';
import type { EpochJob, EpochRecord, ProfileDriver, ProfileSummary } from '../types.js';
import { accrue, applyEpoch, prepare, type CommuneCtx } from './apply.js';
import { audit, checkBlock } from './audit.js';
import { CommuneLedger } from './ledger.js';
import { COMMUNE } from './params.js';
import { genesis, ledgerJson, loadState, stateJson, summary } from './state.js';

export class CommuneDriver implements ProfileDriver<CommuneEpochInput, CommuneEpochOutput, CommuneCtx> {
  readonly spec = COMMUNE;
  readonly ledger: CommuneLedger;
  /** an epoch's credits change the stake that later epochs of the same block read */
  readonly deferrable = false;

  constructor(
    readonly scenario: Scenario,
    state?: unknown,
  ) {
    this.ledger = new CommuneLedger(scenario);
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
    return schedule(this.ledger.params.scheduler, block, this.ledger.subnets.map((s) => s.sched));
  }
  prepare(netuid: number, block: number): EpochJob<CommuneEpochInput, CommuneCtx> | null {
    return prepare(this.ledger, netuid, block);
  }
  apply(job: EpochJob<CommuneEpochInput, CommuneCtx>, output: CommuneEpochOutput, consensusMs: number): EpochRecord {
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
