// The one contract between the block loop (network.ts) and a profile. A profile is data
// (ProfileSpec: block time, scheduler, emission constants, splits, fees, defaults), a driver that
// applies that data to its own ledger, and the chain's epoch function; index.ts registers each.
// The loop is written once against Profile<I, O, C> and has no profile branches.
import type { EpochInput, EpochOutput } from '../../types.js';
import type { CommuneEpochInput, CommuneEpochOutput } from '../../commune/types.js';
import type { MechanismsInput, MechanismsOutput } from '../../mechanisms/types.js';
import type { Shape } from '../checkpoint-state.js';
import type { EpochRunner } from '../runner.js';
import type { Scenario } from '../run-spec.js';
import type { SchedulerSpec } from '../scheduler.js';
import type { SubnetState } from '../subnet.js';
import type { WorkloadModel } from '../workload.js';
import type { BittensorCtx } from './bittensor/apply.js';
import type { CommuneCtx } from './commune/apply.js';
import type { ProfileName } from './name.js';

export type { ProfileName } from './name.js';

/** A Bittensor epoch: one subnet with one mechanism, or with several (docs/spec/mechanisms.md). */
export type BittensorInput = EpochInput | MechanismsInput;
export type BittensorOutput = EpochOutput | MechanismsOutput;

/** Per profile: what its epochs read and return, and what its driver keeps between the two. */
export interface ProfileEpochs {
  bittensor: { input: BittensorInput; output: BittensorOutput; ctx: BittensorCtx };
  commune: { input: CommuneEpochInput; output: CommuneEpochOutput; ctx: CommuneCtx };
}
export type InputOf<P extends ProfileName> = ProfileEpochs[P]['input'];
export type OutputOf<P extends ProfileName> = ProfileEpochs[P]['output'];
export type CtxOf<P extends ProfileName> = ProfileEpochs[P]['ctx'];

export interface ProfileSpec {
  name: ProfileName;
  blockSeconds: number;
  blocksPerDay: number;
  /** the first non-root netuid */
  firstNetuid: number;
  /** uids reserved for the subnet owner at the start of every subnet */
  ownerUids: number;
  /** key name prefix of registered keys */
  keyPrefix: string;
  scheduler: SchedulerSpec;
  /** which consensus kernel runs the epochs */
  consensus: 'bittensor' | 'commune';
  /**
   * true: a later subnet's epoch in the same block reads credits of an earlier one (Commune:
   * stake is global per key), so epochs of one block run one after the other; false: epochs
   * of one block are independent and may run in parallel (Bittensor: alpha is per subnet).
   */
  sequentialCredits: boolean;
  /** token names, for reports */
  nativeToken: string;
  subnetToken: string;
}

/** An epoch ready to run: its input plus what the driver needs to apply the output. */
export interface EpochJob<I, C> {
  netuid: number;
  block: number;
  epoch: number;
  input: I;
  buildMs: number;
  ctx: C;
}

/** One line of epochs.ndjson (amounts as decimal strings). */
export interface EpochRecord {
  netuid: number;
  block: number;
  epoch: number;
  n: number;
  /** the pending amounts the epoch drained, by counter */
  drained: Record<string, string>;
  /** per uid, paid in this epoch */
  incentive: string[];
  dividends: string[];
  emission: string[];
  /** per uid, the key's stake after the epoch */
  stake: string[];
  /**
   * a subnet with several mechanisms: per mechanism its share of the drained emission and the
   * totals its epoch gave servers and validators (the per-uid amounts above are the aggregate)
   */
  mechanisms?: Array<{ emission: string; server_emission: string; validator_emission: string }>;
  /**
   * ms: building the input, the consensus (on the main thread: the sum of its stages; on the
   * pool: the batch's wall time per epoch), applying the output to the ledger, and on the main
   * thread the consensus pipeline's stages (runEpoch's onStage: activity, stake, permits, ...)
   */
  cost_ms?: { input: number; consensus: number; distribute: number; stages?: Record<string, number> };
  /** anything the profile wants to say (e.g. the Commune outcome) */
  note?: string;
}

export interface SubnetSummary {
  netuid: number;
  n: number;
  epochs: number;
  /** subnet token minted to participants (pending counters), by the subnet's epochs and blocks */
  minted: string;
  /** what the subnet's epochs paid out (credited to stake or balances) */
  paid: string;
  burned: string;
  dust: string;
}

export interface Earner {
  key: string;
  netuid: number;
  role: string;
  /** in the subnet token */
  amount: string;
  /** in the native token (amount at the subnet's price), for ranking */
  value: string;
}

export interface ProfileSummary {
  nativeToken: string;
  subnetToken: string;
  issuanceStart: string;
  issuanceEnd: string;
  /** native token minted during the run */
  nativeMinted: string;
  nativeRecycled: string;
  /** native-token block emission now */
  blockEmission: string;
  halvings: number;
  subnets: SubnetSummary[];
  topEarners: Earner[];
  /** named counters worth showing (e.g. sinks) */
  sinks: Record<string, string>;
}

export interface ProfileDriver<I, O, C> {
  readonly spec: ProfileSpec;
  /** ascending netuid */
  readonly subnets: SubnetState[];
  readonly workload: WorkloadModel;
  /** may a subnet's epoch output be applied some blocks later (nothing else reads it meanwhile)? */
  readonly deferrable: boolean;
  /** workload events of one subnet for this block (stake moves, registrations) */
  events(s: SubnetState, block: number): void;
  /** does the subnet have workload events due at `block`? */
  eventsDue(s: SubnetState, block: number): boolean;
  /** block emission into the pending counters */
  accrue(block: number): void;
  /** subnets whose epoch runs this block, ascending (updates the scheduler state) */
  schedule(block: number): number[];
  /** drains the subnet's pending emission and builds the epoch input; null: nothing to run */
  prepare(netuid: number, block: number): EpochJob<I, C> | null;
  /** applies an epoch's output to the ledger and the subnet state */
  apply(job: EpochJob<I, C>, output: O, consensusMs: number): EpochRecord;
  /** network.md section 8 on the running totals: after every block */
  checkBlock(block: number): void;
  /** a full recount of the accounts behind one subnet, or all of them */
  audit(netuid?: number): void;
  /** the ledger, canonical (ledger.json) */
  ledgerJson(): unknown;
  /** everything needed to continue (checkpoint) */
  stateJson(): unknown;
  summary(): ProfileSummary;
}

/** A profile as the registry (index.ts) holds it. */
export interface Profile<I, O, C> {
  readonly spec: ProfileSpec;
  /** a driver at genesis, or continuing from a checkpoint's driver state */
  driver(scenario: Scenario, state?: unknown): ProfileDriver<I, O, C>;
  /** the chain's consensus for one epoch, on the main thread */
  runEpoch(input: I): O;
  /** the runner a Network uses when it is given none (the main thread) */
  mainThreadRunner(): EpochRunner<I, O>;
  /** the worker pool, where the profile's epochs may run in parallel (absent: main thread only) */
  poolRunner?: (threads: number) => Promise<EpochRunner<I, O>>;
  /** the checkpoint's driver state, field by field (checkpoint-state.ts) */
  readonly stateShape: Shape;
}

/** The registry's entry for profile P. */
export type ProfileOf<P extends ProfileName> = Profile<InputOf<P>, OutputOf<P>, CtxOf<P>>;
export type DriverOf<P extends ProfileName> = ProfileDriver<InputOf<P>, OutputOf<P>, CtxOf<P>>;
