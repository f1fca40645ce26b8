// A profile's driver, written once: the contract of ./types.ts (ProfileDriver) over a profile's
// ledger, each step handed to the profile's own function of that ledger (LedgerSteps: genesis
// and checkpoint state, block emission, an epoch's input and output, the audits, ledger.json
// and the summary). A profile's driver.ts names its ledger and its steps and keeps only what
// differs: whether an epoch's output may be applied later, and the scheduler's consistency check.
import { schedule, type SchedulerSpec } from '../scheduler.js';
import type { SubnetState } from '../subnet.js';
import type { WorkloadHost, WorkloadModel } from '../workload.js';
import type { ProfileState } from './common.js';
import type { EpochJob, EpochRecord, ProfileDriver, ProfileSpec, ProfileSummary } from './types.js';

/** What a driver needs of a profile's ledger: its subnets (ProfileState), its workload requests, its scheduler. */
export type DriverLedger = ProfileState<{ emissionShare: bigint; stakeEventsPerDay: number; registrationsPerDay: number }> &
  WorkloadHost & { readonly params: { readonly scheduler: SchedulerSpec } };

/** The profile's functions of its ledger L, one per step of the block loop. */
export interface LedgerSteps<L, I, O, C> {
  /** the accounts at the scenario's start block */
  genesis(L: L): void;
  /** a checkpoint's driver state (checked by checkpoint-state.ts before) */
  loadState(L: L, state: unknown): void;
  accrue(L: L): void;
  prepare(L: L, netuid: number, block: number): EpochJob<I, C> | null;
  applyEpoch(L: L, job: EpochJob<I, C>, out: O, consensusMs: number): EpochRecord;
  checkBlock(L: L, block: number): void;
  audit(L: L, netuid?: number): void;
  ledgerJson(L: L): unknown;
  stateJson(L: L): unknown;
  summary(L: L): ProfileSummary;
}

export abstract class LedgerDriver<L extends DriverLedger, I, O, C> implements ProfileDriver<I, O, C> {
  abstract readonly deferrable: boolean;

  /** At genesis (`state` undefined) or continuing from a checkpoint's driver state. */
  constructor(
    readonly ledger: L,
    private readonly steps: LedgerSteps<L, I, O, C>,
    state?: unknown,
  ) {
    if (state === undefined) steps.genesis(ledger);
    else steps.loadState(ledger, state);
    ledger.indexSubnets();
  }

  /**
   * The stateful scheduler's "hotkeys are unique" check of a due subnet (scheduler.ts
   * schedule): true unless the profile says otherwise.
   */
  protected consistent(_netuid: number): boolean {
    return true;
  }

  get spec(): ProfileSpec {
    return this.ledger.spec;
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
    this.steps.accrue(this.ledger);
  }
  schedule(block: number): number[] {
    const L = this.ledger;
    return schedule(L.params.scheduler, block, L.subnets.map((s) => s.sched), (netuid) => this.consistent(netuid));
  }
  prepare(netuid: number, block: number): EpochJob<I, C> | null {
    return this.steps.prepare(this.ledger, netuid, block);
  }
  apply(job: EpochJob<I, C>, output: O, consensusMs: number): EpochRecord {
    return this.steps.applyEpoch(this.ledger, job, output, consensusMs);
  }
  checkBlock(block: number): void {
    this.steps.checkBlock(this.ledger, block);
  }
  audit(netuid?: number): void {
    this.steps.audit(this.ledger, netuid);
  }
  ledgerJson(): unknown {
    return this.steps.ledgerJson(this.ledger);
  }
  stateJson(): unknown {
    return this.steps.stateJson(this.ledger);
  }
  summary(): ProfileSummary {
    return this.steps.summary(this.ledger);
  }
}
