// What the block loop (network.ts) needs from a profile. A profile is data (ProfileSpec: block
// time, scheduler, emission constants, splits, fees, defaults) plus a driver that applies
// that data to its own ledger. The loop itself has no profile branches.
import type { EpochInput, EpochOutput } from '../../types.js';
import type { CommuneEpochInput, CommuneEpochOutput } from '../../commune/types.js';
import type { MechanismsInput, MechanismsOutput } from '../../mechanisms/types.js';
import type { SchedulerSpec } from '../scheduler.js';
import type { SubnetState } from '../subnet.js';
import type { WorkloadModel } from '../workload.js';
import type { ProfileName } from '../scenario.js';

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

/** An epoch ready to run: its input plus what the profile needs to apply the output. */
export type EpochJob =
  | { kind: 'bittensor'; netuid: number; block: number; epoch: number; input: EpochInput; buildMs: number; ctx: unknown }
  /** a Bittensor subnet with several incentive mechanisms (docs/spec/mechanisms.md) */
  | { kind: 'mechanisms'; netuid: number; block: number; epoch: number; input: MechanismsInput; buildMs: number; ctx: unknown }
  | { kind: 'commune'; netuid: number; block: number; epoch: number; input: CommuneEpochInput; buildMs: number; ctx: unknown };

export type EpochResult = EpochOutput | MechanismsOutput | CommuneEpochOutput;

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

export interface ProfileDriver {
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
  prepare(netuid: number, block: number): EpochJob | null;
  /** applies an epoch's output to the ledger and the subnet state */
  apply(job: EpochJob, output: EpochResult, consensusMs: number): EpochRecord;
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
