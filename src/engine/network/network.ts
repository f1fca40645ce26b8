// The block loop: many subnets, one block at a time (network.md section 2), over a profile
// driver (profiles/<name>/driver.ts) that owns the ledger.
//
// Per block: workload events (stake moves, registrations), emission into the pending
// counters, the scheduler's decision, the due epochs, the conservation identities.
//
// Epochs of a profile whose subnets do not read each other's credits (Bittensor) run on an
// EpochRunner (the worker pool, or the main thread) and their outputs are applied LATER, at
// deterministic points, never "when ready": a subnet's output is applied before anything
// reads or writes that subnet again (its workload events, its next epoch), and at every sync
// point (every SYNC_BLOCKS blocks) for the epochs launched at least SYNC_BLOCKS blocks
// earlier; and everything at a checkpoint and at the end. Since an epoch's output only
// touches its own subnet, applying it later changes nothing, and because the points are
// logical, the order of application (and of the records) is the same for any thread count.
// Records are written sorted by (block, netuid).
//
// The loop is written once over the profile registry (profiles/index.ts): the profile's driver,
// its epoch function for epochs that run one after the other, its runners for the rest.
import { SimulationError } from './errors.js';
import type { Scenario } from './run-spec.js';
import type { EpochRunner, RunnerResult } from './runner.js';
import { profileOf } from './profiles/index.js';
import type { CtxOf, DriverOf, EpochJob, EpochRecord, InputOf, OutputOf, ProfileName, ProfileOf, ProfileSummary } from './profiles/types.js';

/** Blocks between two sync points (see the file comment). */
export const SYNC_BLOCKS = 32;

/** The scenario's profile driver, at genesis or on a checkpoint's driver state. */
export function createDriver<P extends ProfileName>(scenario: Scenario & { profile: P }, state?: unknown): DriverOf<P> {
  return profileOf(scenario.profile).driver(scenario, state);
}

export interface NetworkOptions<P extends ProfileName = ProfileName> {
  /** where the epochs of a profile without sequential credits run (default: the profile's main-thread runner) */
  runner?: EpochRunner<InputOf<P>, OutputOf<P>>;
  /** every epoch record, in (block, netuid) order */
  onRecord?: (r: EpochRecord) => void;
  /** keep the cost_ms field of records (timings make records differ run to run) */
  timings?: boolean;
}

interface Batch<O> {
  promise: Promise<RunnerResult<O>>;
  result?: RunnerResult<O>;
  /** ms from launch to the outputs, per epoch */
  msEach: number;
}

interface InFlight<P extends ProfileName> {
  job: EpochJob<InputOf<P>, CtxOf<P>>;
  batch: Batch<OutputOf<P>>;
  index: number;
}

/** The counters the run reports (kept in checkpoints so that a resumed run reports the same). */
export interface RunCounters {
  epochs: number;
  blockChecks: number;
  audits: number;
  /** epoch outputs applied in a later block than their epoch's (see the file comment) */
  lateApplies: number;
}

export class Network<P extends ProfileName = ProfileName> {
  readonly profile: ProfileOf<P>;
  readonly driver: DriverOf<P>;
  /** the next block to run */
  block: number;
  readonly counters: RunCounters;
  private readonly runner: EpochRunner<InputOf<P>, OutputOf<P>>;
  private readonly inflight = new Map<number, InFlight<P>>();
  private records: EpochRecord[] = [];
  private readonly onRecord: (r: EpochRecord) => void;
  private readonly timings: boolean;

  constructor(
    readonly scenario: Scenario & { profile: P },
    options: NetworkOptions<P> = {},
    resume?: { block: number; counters: RunCounters; driver: unknown },
  ) {
    this.profile = profileOf(scenario.profile);
    this.runner = options.runner ?? this.profile.mainThreadRunner();
    this.onRecord = options.onRecord ?? (() => {});
    this.timings = options.timings ?? true;
    this.driver = this.profile.driver(scenario, resume?.driver);
    this.block = resume?.block ?? scenario.startBlock + 1;
    this.counters = resume ? { ...resume.counters } : { epochs: 0, blockChecks: 0, audits: 0, lateApplies: 0 };
    if (!resume) {
      this.driver.checkBlock(scenario.startBlock);
      this.driver.audit();
      this.counters.audits++;
    }
  }

  /** the last block the scenario runs */
  get endBlock(): number {
    return this.scenario.startBlock + this.scenario.blocks;
  }

  /** Runs blocks until `until` (inclusive; default the scenario's end), then settles everything. */
  async run(until = this.endBlock, onBlock?: (block: number) => void): Promise<void> {
    while (this.block <= until) {
      await this.step(this.block);
      this.block++;
      onBlock?.(this.block - 1);
    }
    await this.settleAll();
  }

  /** One block. */
  async step(b: number): Promise<void> {
    const d = this.driver;
    try {
      for (const s of d.subnets) {
        if (!d.eventsDue(s, b)) continue;
        await this.settle(s.netuid);
        d.events(s, b);
      }
      if (!d.deferrable) await this.settleAll();
      d.accrue(b);
      const due = d.schedule(b);
      if (d.spec.sequentialCredits) {
        // later subnets read the credits of earlier ones in the same block: one by one
        for (const netuid of due) {
          const job = d.prepare(netuid, b);
          if (!job) continue;
          const t0 = performance.now();
          const out = this.profile.runEpoch(job.input);
          this.finish(job, out, performance.now() - t0, undefined);
        }
      } else if (due.length > 0) {
        const jobs: Array<EpochJob<InputOf<P>, CtxOf<P>>> = [];
        for (const netuid of due) {
          await this.settle(netuid);
          const job = d.prepare(netuid, b);
          if (job) jobs.push(job);
        }
        if (jobs.length > 0) this.launch(jobs);
        if (!d.deferrable) await this.settleAll();
      }
      d.checkBlock(b);
      this.counters.blockChecks++;
      if (b % SYNC_BLOCKS === 0) {
        for (const [netuid, f] of [...this.inflight].sort((x, y) => x[0] - y[0])) {
          if (f.job.block <= b - SYNC_BLOCKS) await this.settle(netuid);
        }
        this.flush(b - SYNC_BLOCKS);
      }
    } catch (e) {
      if (e instanceof SimulationError) throw e.at({ block: b });
      throw e;
    }
  }

  private launch(jobs: Array<EpochJob<InputOf<P>, CtxOf<P>>>): void {
    const inputs = jobs.map((j) => j.input);
    const t0 = performance.now();
    const batch: Batch<OutputOf<P>> = { promise: undefined as unknown as Promise<RunnerResult<OutputOf<P>>>, msEach: 0 };
    batch.promise = this.runner.run(inputs).then((result) => {
      batch.result = result;
      batch.msEach = (performance.now() - t0) / jobs.length;
      return result;
    });
    // a failure is reported when the batch is settled, not as an unhandled rejection
    batch.promise.catch(() => {});
    jobs.forEach((job, index) => this.inflight.set(job.netuid, { job, batch, index }));
  }

  /** Applies the subnet's in-flight epoch, if any. */
  private async settle(netuid: number): Promise<void> {
    const f = this.inflight.get(netuid);
    if (!f) return;
    this.inflight.delete(netuid);
    let result: RunnerResult<OutputOf<P>>;
    try {
      result = f.batch.result ?? (await f.batch.promise);
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      throw new SimulationError(`the epoch of block ${f.job.block} failed: ${msg}`, { netuid, block: f.job.block });
    }
    if (f.job.block !== this.block) this.counters.lateApplies++;
    const stages = result.stages?.[f.index];
    const ms = stages ? Object.values(stages).reduce((a, x) => a + x, 0) : f.batch.msEach;
    this.finish(f.job, result.outputs[f.index]!, ms, stages);
  }

  private async settleAll(): Promise<void> {
    for (const netuid of [...this.inflight.keys()].sort((a, b) => a - b)) await this.settle(netuid);
    this.flush(Infinity);
  }

  private finish(
    job: EpochJob<InputOf<P>, CtxOf<P>>,
    out: OutputOf<P>,
    ms: number,
    stages: Record<string, number> | undefined,
  ): void {
    try {
      const record = this.driver.apply(job, out, ms);
      if (!this.timings) delete record.cost_ms;
      else if (stages && record.cost_ms) {
        const r: Record<string, number> = {};
        for (const [k, v] of Object.entries(stages)) r[k] = Math.round(v * 1000) / 1000;
        record.cost_ms.stages = r;
      }
      this.records.push(record);
      this.counters.epochs++;
      this.driver.audit(job.netuid);
      this.counters.audits++;
    } catch (e) {
      if (e instanceof SimulationError) throw e.at({ block: job.block, netuid: job.netuid });
      throw e;
    }
  }

  /** Hands the records of blocks <= `upTo` to onRecord, sorted by (block, netuid). */
  private flush(upTo: number): void {
    if (this.records.length === 0) return;
    const ready = this.records.filter((r) => r.block <= upTo);
    if (ready.length === 0) return;
    this.records = this.records.filter((r) => r.block > upTo);
    ready.sort((a, b) => a.block - b.block || a.netuid - b.netuid);
    for (const r of ready) this.onRecord(r);
  }

  /** Settles everything and audits the whole ledger (before a checkpoint, at the end). */
  async quiesce(): Promise<void> {
    await this.settleAll();
    this.driver.audit();
    this.counters.audits++;
  }

  /** The state to checkpoint; call quiesce() first. */
  snapshot(): { block: number; counters: RunCounters; driver: unknown } {
    if (this.inflight.size > 0 || this.records.length > 0) throw new Error('snapshot: epochs still in flight (quiesce first)');
    return { block: this.block, counters: { ...this.counters }, driver: this.driver.stateJson() };
  }

  ledgerJson(): unknown {
    return this.driver.ledgerJson();
  }

  summary(): ProfileSummary {
    return this.driver.summary();
  }

  async close(): Promise<void> {
    await this.runner.close();
  }
}
