// The block loop: many subnets, one block at a time (network.md section 2), over a profile
// driver (profiles/*.ts) that owns the ledger.
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
import type { EpochInput, EpochOutput } from '../types.js';
import { runEpoch } from '../epoch.js';
import { runCommuneEpoch } from '../commune/epoch.js';
import { SimulationError } from './errors.js';
import type { Scenario } from './scenario.js';
import { BittensorDriver } from './profiles/bittensor.js';
import { CommuneDriver } from './profiles/commune.js';
import type { EpochJob, EpochRecord, ProfileDriver, ProfileSummary } from './profiles/types.js';

/** What a runner returns: outputs in input order, and per epoch its stages' ms when it knows them. */
export interface RunnerResult {
  outputs: EpochOutput[];
  /** per input: ms per pipeline stage (runEpoch's onStage); absent on the pool */
  stages?: Array<Record<string, number>>;
}

/** Runs Bittensor epochs: outputs bit-identical to runEpoch. */
export interface EpochRunner {
  run(inputs: EpochInput[]): Promise<RunnerResult>;
  close(): Promise<void>;
  /** worker threads (0: the main thread) */
  readonly threads: number;
}

/** The main thread runs each epoch synchronously, when it is launched, timing its stages. */
export function mainThreadRunner(): EpochRunner {
  return {
    threads: 0,
    run: async (inputs) => {
      const stages: Array<Record<string, number>> = [];
      const outputs = inputs.map((input) => {
        const ms: Record<string, number> = {};
        stages.push(ms);
        return runEpoch(input, { onStage: (stage, t) => (ms[stage] = (ms[stage] ?? 0) + t) });
      });
      return { outputs, stages };
    },
    close: async () => {},
  };
}

/** The worker pool of src/pool, `threads` workers. */
export async function poolRunner(threads: number): Promise<EpochRunner> {
  const { createPool } = await import('../../pool/index.js');
  const pool = createPool({ threads });
  return {
    threads,
    run: async (inputs) => ({ outputs: await pool.runEpochs(inputs) }),
    close: () => pool.close(),
  };
}

/** Blocks between two sync points (see the file comment). */
export const SYNC_BLOCKS = 32;

export function createDriver(scenario: Scenario, state?: unknown): ProfileDriver {
  return scenario.profile === 'bittensor' ? new BittensorDriver(scenario, state) : new CommuneDriver(scenario, state);
}

export interface NetworkOptions {
  runner?: EpochRunner;
  /** every epoch record, in (block, netuid) order */
  onRecord?: (r: EpochRecord) => void;
  /** keep the cost_ms field of records (timings make records differ run to run) */
  timings?: boolean;
}

interface Batch {
  promise: Promise<RunnerResult>;
  result?: RunnerResult;
  /** ms from launch to the outputs, per epoch */
  msEach: number;
}

interface InFlight {
  job: EpochJob;
  batch: Batch;
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

export class Network {
  readonly driver: ProfileDriver;
  /** the next block to run */
  block: number;
  readonly counters: RunCounters;
  private readonly runner: EpochRunner;
  private readonly inflight = new Map<number, InFlight>();
  private records: EpochRecord[] = [];
  private readonly onRecord: (r: EpochRecord) => void;
  private readonly timings: boolean;

  constructor(
    readonly scenario: Scenario,
    options: NetworkOptions = {},
    resume?: { block: number; counters: RunCounters; driver: unknown },
  ) {
    this.runner = options.runner ?? mainThreadRunner();
    this.onRecord = options.onRecord ?? (() => {});
    this.timings = options.timings ?? true;
    this.driver = createDriver(scenario, resume?.driver);
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
          const out = job.kind === 'commune' ? runCommuneEpoch(job.input) : runEpoch(job.input);
          this.finish(job, out, performance.now() - t0, undefined);
        }
      } else if (due.length > 0) {
        const jobs: EpochJob[] = [];
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

  private launch(jobs: EpochJob[]): void {
    const inputs = jobs.map((j) => j.input as EpochInput);
    const t0 = performance.now();
    const batch: Batch = { promise: undefined as unknown as Promise<RunnerResult>, msEach: 0 };
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
    let result: RunnerResult;
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
    job: EpochJob,
    out: EpochOutput | ReturnType<typeof runCommuneEpoch>,
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
