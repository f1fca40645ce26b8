// A whole simulation run with its files (the library behind `yuma simulate`):
//   <out>/epochs.ndjson          one line per epoch, streamed (sorted by block, then netuid)
//   <out>/ledger.json            the final ledger, canonical (equal states are equal bytes)
//   <out>/summary.json           the run's figures
//   <out>/checkpoint-<block>.json  with checkpointEvery: the whole state (atomic, hashed)
// Memory stays flat: records are written as they come (a small buffer), never kept.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomic } from '../io.js';
import { InputError } from '../types.js';
import { canonicalJson, toJsonValue } from './canonical.js';
import { CHECKPOINT_FORMAT, readCheckpoint, writeCheckpoint } from './checkpoint.js';
import { CheckpointError } from './errors.js';
import { Network, mainThreadRunner, poolRunner, type EpochRunner, type RunCounters } from './network.js';
import type { EpochRecord, ProfileSummary } from './profiles/types.js';
import { BITTENSOR } from './profiles/bittensor.js';
import { COMMUNE } from './profiles/commune.js';
import { parseScenario, type Scenario } from './scenario.js';

export const SUMMARY_FORMAT = 'yuma-simulate-summary/1';
const STATE_VERSION = 1;

export interface Progress {
  block: number;
  startBlock: number;
  endBlock: number;
  epochs: number;
  elapsedMs: number;
}

export interface SimulateOptions {
  /** a new run (ignored with `resume`) */
  scenario?: Scenario;
  /** a checkpoint file to continue from */
  resume?: string;
  /** the output directory (created); with `resume` the default is the checkpoint's directory */
  out?: string;
  /** worker threads for the epochs; 0 = the main thread */
  threads?: number;
  /** a runner to use instead (tests); `threads` is then ignored */
  runner?: EpochRunner;
  /** write a checkpoint every this many blocks */
  checkpointEvery?: number;
  /** checkpoints kept (older ones are removed once a newer one is safely written); default 2 */
  keepCheckpoints?: number;
  /** include cost_ms in the records (default true) */
  timings?: boolean;
  /** with `resume`: run to this many blocks in all instead of the scenario's count */
  blocks?: number;
  onProgress?: (p: Progress) => void;
  /** notes for a human (stderr) */
  log?: (line: string) => void;
}

export interface SimulationSummary {
  format: typeof SUMMARY_FORMAT;
  scenario: string;
  profile: string;
  seed: number;
  startBlock: number;
  endBlock: number;
  blocks: number;
  /** blocks run by this process (fewer than `blocks` after a resume) */
  blocksThisRun: number;
  threads: number;
  wallSeconds: number;
  blocksPerSecond: number;
  epochsPerSecond: number;
  epochs: number;
  epochsThisRun: number;
  conservation: { ok: true; blockChecks: number; audits: number };
  lateApplies: number;
  resumedFrom: number | null;
  ledger: ProfileSummary;
  files: { epochs: string; ledger: string; summary: string; checkpoints: string[] };
}

interface CheckpointBody {
  version: number;
  scenario: unknown;
  block: number;
  counters: RunCounters;
  ndjsonBytes: number;
  timings: boolean;
  /** the run's --checkpoint-every and --keep-checkpoints (a resumed run keeps them by default) */
  checkpointEvery: number | null;
  keepCheckpoints: number;
  driver: unknown;
}

/** Streams epoch records to a file, counting bytes (so a checkpoint can say where it was). */
class RecordWriter {
  private fd: number;
  private buf: string[] = [];
  private pending = 0;
  bytes: number;
  constructor(readonly file: string, truncateTo: number | null) {
    if (truncateTo === null) {
      this.fd = fs.openSync(file, 'w');
      this.bytes = 0;
    } else {
      this.fd = fs.openSync(file, 'r+');
      fs.ftruncateSync(this.fd, truncateTo);
      this.bytes = truncateTo;
    }
  }
  write(r: EpochRecord): void {
    const line = JSON.stringify(r) + '\n';
    this.buf.push(line);
    this.pending += line.length;
    if (this.pending > 1 << 20) this.drain();
  }
  drain(): void {
    if (this.buf.length === 0) return;
    const data = Buffer.from(this.buf.join(''), 'utf8');
    let off = 0;
    while (off < data.length) off += fs.writeSync(this.fd, data, off, data.length - off, this.bytes + off);
    this.bytes += data.length;
    this.buf = [];
    this.pending = 0;
  }
  sync(): void {
    this.drain();
    fs.fsyncSync(this.fd);
  }
  close(): void {
    this.sync();
    fs.closeSync(this.fd);
  }
}

function resumeState(file: string): { scenario: Scenario; body: CheckpointBody } {
  const raw = readCheckpoint(file) as Partial<CheckpointBody> | null;
  const bad = (why: string): never => {
    throw new CheckpointError(`${why}; refused, nothing loaded`, file);
  };
  if (raw === null || typeof raw !== 'object') bad('the state is not an object');
  const body = raw as CheckpointBody;
  if (body.version !== STATE_VERSION) bad(`state version ${String(body.version)}, this build reads ${STATE_VERSION}`);
  if (!Number.isSafeInteger(body.block) || !Number.isSafeInteger(body.ndjsonBytes) || body.ndjsonBytes < 0) bad('bad block or byte count');
  if (body.checkpointEvery !== null && !(Number.isSafeInteger(body.checkpointEvery) && body.checkpointEvery > 0)) bad('bad checkpointEvery');
  if (!(Number.isSafeInteger(body.keepCheckpoints) && body.keepCheckpoints > 0)) bad('bad keepCheckpoints');
  let scenario: Scenario;
  try {
    scenario = parseScenario(body.scenario, `${file} (scenario)`);
  } catch (e) {
    throw new CheckpointError(`its scenario is invalid (${e instanceof InputError ? e.describe() : String(e)}); refused, nothing loaded`, file);
  }
  return { scenario, body };
}

/** Runs (or continues) a simulation and writes its files. */
export async function simulate(o: SimulateOptions): Promise<SimulationSummary> {
  const log = o.log ?? (() => {});
  let scenario: Scenario;
  let resume: CheckpointBody | undefined;
  if (o.resume !== undefined) {
    const r = resumeState(o.resume);
    scenario = r.scenario;
    resume = r.body;
    if (o.blocks !== undefined) {
      if (scenario.startBlock + o.blocks < resume.block - 1) {
        throw new InputError(`--blocks ${o.blocks} ends before the checkpoint's block ${resume.block - 1}`, 'blocks');
      }
      scenario = { ...scenario, blocks: o.blocks };
    }
  } else {
    if (!o.scenario) throw new Error('simulate: a scenario or a checkpoint to resume is needed');
    scenario = o.scenario;
  }
  const out = o.out ?? (o.resume !== undefined ? path.dirname(o.resume) : 'simulate-out');
  fs.mkdirSync(out, { recursive: true });
  const files = {
    epochs: path.join(out, 'epochs.ndjson'),
    ledger: path.join(out, 'ledger.json'),
    summary: path.join(out, 'summary.json'),
    checkpoints: [] as string[],
  };
  const timings = resume ? resume.timings : (o.timings ?? true);
  if (!resume) {
    // a fresh run rewrites epochs.ndjson: checkpoints of an earlier run here would no longer match it
    const stale = fs.readdirSync(out).filter((f) => /^checkpoint-\d+\.json$/.test(f));
    for (const f of stale) fs.rmSync(path.join(out, f), { force: true });
    if (stale.length > 0) log(`note: removed ${stale.length} checkpoint(s) of an earlier run in ${out}`);
  }

  // the records stream; on resume, cut it back to where the checkpoint was taken
  let truncateTo: number | null = null;
  const notes: string[] = [];
  if (resume) {
    const size = fs.existsSync(files.epochs) ? fs.statSync(files.epochs).size : -1;
    if (size >= resume.ndjsonBytes) truncateTo = resume.ndjsonBytes;
    else if (size >= 0) {
      throw new CheckpointError(
        `${files.epochs} holds ${size} bytes but the checkpoint was taken at ${resume.ndjsonBytes}: it belongs to another run (use another --out)`,
        o.resume!,
      );
    } else notes.push(`note: ${files.epochs} did not exist; it holds only the epochs after block ${resume.block - 1}`);
  }

  // Commune epochs run one after the other on the main thread (later subnets read earlier
  // credits, and the pool runs the Bittensor kernel only): no pool for them
  const parallel = !(scenario.profile === 'bittensor' ? BITTENSOR : COMMUNE).sequentialCredits;
  let runner: EpochRunner;
  if (o.runner) runner = o.runner;
  else runner = parallel && (o.threads ?? 0) > 0 ? await poolRunner(o.threads!) : mainThreadRunner();
  let net: Network;
  let writer: RecordWriter | undefined;
  try {
    net = new Network(scenario, { runner, timings, onRecord: (r) => writer!.write(r) }, resume);
  } catch (e) {
    await runner.close();
    if (resume && !(e instanceof InputError)) {
      throw new CheckpointError(`its state cannot be loaded (${e instanceof Error ? e.message : String(e)}); refused`, o.resume!);
    }
    throw e;
  }
  writer = new RecordWriter(files.epochs, truncateTo);
  notes.forEach(log);
  const started = performance.now();
  const firstBlock = net.block;
  const epochsAtStart = net.counters.epochs;
  const every = o.checkpointEvery ?? resume?.checkpointEvery ?? undefined;
  const keep = o.keepCheckpoints ?? resume?.keepCheckpoints ?? 2;
  let lastProgress = 0;
  try {
    while (net.block <= net.endBlock) {
      const b = net.block;
      await net.step(b);
      net.block = b + 1;
      if (every !== undefined && (b - scenario.startBlock) % every === 0 && b < net.endBlock) {
        await net.quiesce();
        writer.sync();
        const body: CheckpointBody = {
          version: STATE_VERSION,
          scenario: toJsonValue(scenario),
          ndjsonBytes: writer.bytes,
          timings,
          checkpointEvery: every,
          keepCheckpoints: keep,
          ...net.snapshot(),
        };
        const file = path.join(out, `checkpoint-${b}.json`);
        writeCheckpoint(file, body);
        files.checkpoints.push(file);
        while (files.checkpoints.length > keep) fs.rmSync(files.checkpoints.shift()!, { force: true });
      }
      if (o.onProgress) {
        const now = performance.now();
        if (now - lastProgress > 100 || b === net.endBlock) {
          lastProgress = now;
          o.onProgress({ block: b, startBlock: scenario.startBlock, endBlock: net.endBlock, epochs: net.counters.epochs, elapsedMs: now - started });
        }
      }
    }
    await net.quiesce();
    writer.close();
  } finally {
    await net.close();
  }
  const wall = (performance.now() - started) / 1000;
  writeFileAtomic(files.ledger, canonicalJson(net.ledgerJson(), 3) + '\n');
  const blocksThisRun = net.endBlock - firstBlock + 1;
  const epochsThisRun = net.counters.epochs - epochsAtStart;
  const summary: SimulationSummary = {
    format: SUMMARY_FORMAT,
    scenario: scenario.name,
    profile: scenario.profile,
    seed: scenario.seed,
    startBlock: scenario.startBlock + 1,
    endBlock: net.endBlock,
    blocks: scenario.blocks,
    blocksThisRun,
    threads: runner.threads,
    wallSeconds: round(wall, 3),
    blocksPerSecond: round(blocksThisRun / wall, 1),
    epochsPerSecond: round(epochsThisRun / wall, 1),
    epochs: net.counters.epochs,
    epochsThisRun,
    conservation: { ok: true, blockChecks: net.counters.blockChecks, audits: net.counters.audits },
    lateApplies: net.counters.lateApplies,
    resumedFrom: resume ? resume.block - 1 : null,
    ledger: net.summary(),
    files,
  };
  writeFileAtomic(files.summary, JSON.stringify(summary, null, 2) + '\n');
  return summary;
}

const round = (x: number, d: number) => (Number.isFinite(x) ? Math.round(x * 10 ** d) / 10 ** d : 0);

export { CHECKPOINT_FORMAT };
