// A whole simulation run with its files (the library behind `yuma simulate`):
//   <out>/epochs.ndjson          one line per epoch, streamed (sorted by block, then netuid)
//   <out>/ledger.json            the final ledger, canonical (equal states are equal bytes)
//   <out>/summary.json           the run's figures
//   <out>/checkpoint-<block>.json  with checkpointEvery: the whole state (atomic, hashed)
// Memory stays flat: records are written as they come (a small buffer), never kept.
//
// Every file carries the run id (runId: the scenario's hash), and a checkpoint also the
// sha256 of the epochs.ndjson bytes written before it. A resume checks the checkpoint field
// by field (checkpoint-state.ts), then that every file already in --out is this run's and
// that epochs.ndjson starts with exactly those bytes, and only then touches anything.
import { createHash, type Hash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomic } from '../io.js';
import { InputError } from '../types.js';
import { canonicalJson, toJsonValue } from './canonical.js';
import { CHECKPOINT_FORMAT, HEADER_BYTES, RUN_ID, checkpointRun, readCheckpoint, writeCheckpoint } from './checkpoint.js';
import { shapeError, type Shape } from './checkpoint-state.js';
import { CheckpointError, SimulationError } from './errors.js';
import { Network, type RunCounters } from './network.js';
import { profileOf } from './profiles/index.js';
import type { EpochRunner } from './runner.js';
import type { InputOf, OutputOf, ProfileName } from './profiles/types.js';
import type { EpochRecord, ProfileSummary } from './profiles/types.js';
import { expandSubnets, parseScenario, type Scenario } from './run-spec.js';

export const SUMMARY_FORMAT = 'yuma-simulate-summary/1';
const STATE_VERSION = 2;

/**
 * A run's id: 16 hex digits of the sha256 of the scenario without its length (`blocks`, which
 * a resume may change). The run is deterministic, so equal scenarios are the same run.
 */
export function runId(scenario: Scenario): string {
  const { blocks: _length, ...rest } = scenario;
  return createHash('sha256').update(canonicalJson(rest)).digest('hex').slice(0, 16);
}

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
  /** the run id (runId), also in every line of epochs.ndjson, ledger.json and the checkpoints */
  run: string;
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
  run: string;
  scenario: unknown;
  /** the next block to run */
  block: number;
  counters: RunCounters;
  /** epochs.ndjson's length when the checkpoint was taken, and the sha256 of those bytes */
  ndjsonBytes: number;
  ndjsonSha256: string;
  timings: boolean;
  /** the run's --checkpoint-every and --keep-checkpoints (a resumed run keeps them by default) */
  checkpointEvery: number;
  keepCheckpoints: number;
  driver: unknown;
}

const count: Shape = { t: 'int', min: 0, max: Number.MAX_SAFE_INTEGER };
const positive: Shape = { t: 'int', min: 1, max: Number.MAX_SAFE_INTEGER };
const anObject: Shape = { t: 'check', check: (v) => (v !== null && typeof v === 'object' && !Array.isArray(v) ? null : 'must be an object') };
/** The checkpoint's top level (the driver's own shape is checked once the profile is known). */
const BODY: Shape = {
  t: 'obj',
  fields: {
    version: { t: 'const', v: STATE_VERSION },
    run: { t: 'str', re: RUN_ID, what: 'a run id (16 hex digits)' },
    scenario: anObject,
    block: count,
    counters: { t: 'obj', fields: { epochs: count, blockChecks: count, audits: count, lateApplies: count } },
    ndjsonBytes: count,
    ndjsonSha256: { t: 'str', re: /^[0-9a-f]{64}$/, what: 'a sha256 (64 hex digits)' },
    timings: { t: 'bool' },
    checkpointEvery: positive,
    keepCheckpoints: positive,
    driver: anObject,
  },
};

/**
 * Streams epoch records to a file, counting bytes and hashing them (so a checkpoint can say
 * where it was and what came before). Each line starts with the run id.
 */
class RecordWriter {
  private fd: number;
  private buf: string[] = [];
  private pending = 0;
  bytes: number;
  private readonly head: string;
  /** `prefix`: the bytes kept of an earlier segment of this run, already hashed into `hash` */
  constructor(readonly file: string, run: string, private readonly hash: Hash, prefix: number | null) {
    this.head = `{"run":"${run}",`;
    if (prefix === null) {
      this.fd = fs.openSync(file, 'w');
      this.bytes = 0;
    } else {
      this.fd = fs.openSync(file, 'r+');
      fs.ftruncateSync(this.fd, prefix);
      this.bytes = prefix;
    }
  }
  /** sha256 of everything written so far */
  digest(): string {
    this.drain();
    return this.hash.copy().digest('hex');
  }
  write(r: EpochRecord): void {
    const line = this.head + JSON.stringify(r).slice(1) + '\n';
    this.buf.push(line);
    this.pending += line.length;
    if (this.pending > 1 << 20) this.drain();
  }
  drain(): void {
    if (this.buf.length === 0) return;
    const data = Buffer.from(this.buf.join(''), 'utf8');
    let off = 0;
    while (off < data.length) off += fs.writeSync(this.fd, data, off, data.length - off, this.bytes + off);
    this.hash.update(data);
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

/** Reads a checkpoint and checks every field of it; throws CheckpointError, loading nothing. */
function resumeState(file: string): { scenario: Scenario; body: CheckpointBody } {
  const raw = readCheckpoint(file);
  const bad = (why: string): never => {
    throw new CheckpointError(`${why}; refused, nothing loaded`, file);
  };
  const version = raw !== null && typeof raw === 'object' ? (raw as { version?: unknown }).version : undefined;
  if (version !== STATE_VERSION) bad(`state.version: ${JSON.stringify(version ?? null)}, this build reads ${STATE_VERSION}`);
  const shape = shapeError(raw, BODY, 'state', { block: 0 });
  if (shape) bad(shape);
  const body = raw as CheckpointBody;
  let scenario: Scenario;
  try {
    scenario = parseScenario(body.scenario, `${file} (scenario)`);
  } catch (e) {
    throw new CheckpointError(`its scenario is invalid (${e instanceof InputError ? e.describe() : String(e)}); refused, nothing loaded`, file);
  }
  // a scenario edited after the fact (another seed, say) is another run than the state's
  const id = runId(scenario);
  if (body.run !== id) bad(`state.run: ${body.run}, but its scenario is run ${id} (the scenario was changed after the checkpoint was taken)`);
  // the checkpoint was taken after a block b with start < b < end, b - start a multiple of checkpointEvery
  const S = scenario.startBlock;
  const E = S + scenario.blocks;
  if (body.block < S + 2 || body.block > E) {
    bad(`state.block: must be in ${S + 2}..${E} (the block after one this run's blocks ${S + 1}..${E - 1}), got ${body.block}`);
  }
  if ((body.block - 1 - S) % body.checkpointEvery !== 0) {
    bad(`state.block: ${body.block} is not 1 + a checkpoint block (start ${S} + a multiple of checkpointEvery ${body.checkpointEvery})`);
  }
  const c = body.counters;
  if (c.blockChecks !== body.block - 1 - S) bad(`state.counters.blockChecks: must be ${body.block - 1 - S} (one per block run), got ${c.blockChecks}`);
  if (c.lateApplies > c.epochs) bad(`state.counters.lateApplies: ${c.lateApplies} is more than the ${c.epochs} epochs`);
  if (c.audits < c.epochs + 2) bad(`state.counters.audits: ${c.audits} is fewer than the ${c.epochs + 2} audits a run with ${c.epochs} epochs and a checkpoint makes`);
  const profile = profileOf(scenario.profile);
  const driverError = shapeError(body.driver, profile.stateShape, 'state.driver', { block: body.block });
  if (driverError) bad(driverError);
  // the subnets are the scenario's, and their epochs add up to the counter
  const want = expandSubnets(scenario, profile.spec.firstNetuid);
  const subnets = (body.driver as { subnets: Array<{ netuid: number; group: number; n: number; epochsRun: number; mechanisms?: unknown[] }> }).subnets;
  if (subnets.length !== want.length) bad(`state.driver.subnets: ${subnets.length} subnets, the scenario has ${want.length}`);
  let epochs = 0;
  subnets.forEach((x, i) => {
    for (const k of ['netuid', 'group', 'n'] as const) {
      if (x[k] !== want[i]![k]) bad(`state.driver.subnets[${i}].${k}: must be ${want[i]![k]} (the scenario's), got ${x[k]}`);
    }
    // mechanisms 1..M-1 carry their own state; a single-mechanism subnet has none
    const M = want[i]!.spec.mechanisms ?? 1;
    const extra = x.mechanisms?.length;
    if (M === 1 && extra !== undefined) bad(`state.driver.subnets[${i}].mechanisms: the scenario's subnet has one mechanism, so there must be none, got ${extra}`);
    if (M > 1 && extra !== M - 1) {
      bad(`state.driver.subnets[${i}].mechanisms: must hold ${M - 1} (mechanisms 1..${M - 1} of the scenario's ${M}), got ${extra === undefined ? 'nothing' : extra}`);
    }
    epochs += x.epochsRun;
  });
  if (epochs !== c.epochs) bad(`state.counters.epochs: ${c.epochs}, but the subnets ran ${epochs} epochs`);
  return { scenario, body };
}

/** What a resume found in --out (nothing changed yet). */
interface OutDir {
  /** epochs.ndjson's bytes to keep (null: the file is absent, start it afresh) */
  keep: number | null;
  /** the sha256 of those bytes, ready to continue */
  hash: Hash;
  /** this run's checkpoints up to the resumed one, oldest first (kept, rotated) */
  older: string[];
  /** this run's checkpoints after the resumed one: epochs.ndjson is cut back before them */
  newer: string[];
}

const CHECKPOINT_NAME = /^checkpoint-(\d+)\.json$/;
/** temp files a killed writeFileAtomic leaves (io.ts names them `.<name>.<pid>.<random>.tmp`) */
const STALE_TEMP = /^\.(checkpoint-\d+\.json|ledger\.json|summary\.json)\..*\.tmp$/;

/** The first `len` bytes of a file. */
function readHead(file: string, len: number): string {
  const fd = fs.openSync(file, 'r');
  try {
    const buf = Buffer.alloc(len);
    const got = fs.readSync(fd, buf, 0, len, 0);
    return buf.toString('utf8', 0, got);
  } finally {
    fs.closeSync(fd);
  }
}

/** sha256 of the first `len` bytes of a file, read in 1 MiB pieces. */
function hashPrefix(file: string, len: number): Hash {
  const hash = createHash('sha256');
  const fd = fs.openSync(file, 'r');
  try {
    const buf = Buffer.alloc(1 << 20);
    for (let at = 0; at < len; ) {
      const got = fs.readSync(fd, buf, 0, Math.min(buf.length, len - at), at);
      if (got === 0) break;
      hash.update(buf.subarray(0, got));
      at += got;
    }
  } finally {
    fs.closeSync(fd);
  }
  return hash;
}

/**
 * Checks that what --out already holds is this run's (the run id in every file, and
 * epochs.ndjson's first ndjsonBytes bytes hashing to what the checkpoint saw); changes nothing.
 */
function inspectOut(out: string, body: CheckpointBody, file: string): OutDir {
  const refuse = (f: string, why: string): never => {
    throw new CheckpointError(`${path.join(out, f)} ${why}: it is not this run's (run ${body.run}); use another --out. Nothing was changed`, file);
  };
  const result: OutDir = { keep: null, hash: createHash('sha256'), older: [], newer: [] };
  const names = fs.existsSync(out) ? fs.readdirSync(out) : [];
  if (names.includes('epochs.ndjson')) {
    const f = path.join(out, 'epochs.ndjson');
    const size = fs.statSync(f).size;
    if (size > 0) {
      const m = /^\{"run":"([0-9a-f]{16})",/.exec(readHead(f, 32));
      if (!m) refuse('epochs.ndjson', 'has no run id on its first line');
      if (m![1] !== body.run) refuse('epochs.ndjson', `belongs to run ${m![1]}`);
    }
    if (size < body.ndjsonBytes) refuse('epochs.ndjson', `holds ${size} bytes, fewer than the ${body.ndjsonBytes} written before the checkpoint`);
    const hash = hashPrefix(f, body.ndjsonBytes);
    if (hash.copy().digest('hex') !== body.ndjsonSha256) refuse('epochs.ndjson', `does not start with the ${body.ndjsonBytes} bytes written before the checkpoint`);
    result.keep = body.ndjsonBytes;
    result.hash = hash;
  }
  for (const f of ['summary.json', 'ledger.json']) {
    if (!names.includes(f)) continue;
    let run: unknown;
    try {
      run = (JSON.parse(fs.readFileSync(path.join(out, f), 'utf8')) as { run?: unknown }).run;
    } catch {
      refuse(f, 'is not JSON');
    }
    if (run !== body.run) refuse(f, run === undefined ? 'has no run id' : `belongs to run ${String(run)}`);
  }
  const checkpoints: Array<{ name: string; block: number }> = [];
  for (const name of names) {
    const m = CHECKPOINT_NAME.exec(name);
    if (!m) continue;
    const head = checkpointRun(readHead(path.join(out, name), HEADER_BYTES));
    if ('why' in head) refuse(name, `is ${head.why}`);
    else if (head.run !== body.run) refuse(name, `belongs to run ${head.run}`);
    checkpoints.push({ name, block: Number(m[1]) });
  }
  checkpoints.sort((a, b) => a.block - b.block);
  for (const c of checkpoints) (c.block < body.block ? result.older : result.newer).push(path.join(out, c.name));
  return result;
}

/** Removes the temp files a killed run left in `out`. */
function removeStaleTemps(out: string, log: (line: string) => void): void {
  const stale = fs.readdirSync(out).filter((f) => STALE_TEMP.test(f));
  for (const f of stale) fs.rmSync(path.join(out, f), { force: true });
  if (stale.length > 0) log(`note: removed ${stale.length} temp file(s) a killed run left in ${out}`);
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
  const run = runId(scenario);
  const files = {
    epochs: path.join(out, 'epochs.ndjson'),
    ledger: path.join(out, 'ledger.json'),
    summary: path.join(out, 'summary.json'),
    checkpoints: [] as string[],
  };
  const timings = resume ? resume.timings : (o.timings ?? true);
  // on resume: are the files in --out this run's? (nothing is changed before this is known)
  const found = resume ? inspectOut(out, resume, o.resume!) : undefined;

  // a profile whose later subnets read earlier credits (Commune) runs its epochs one after the
  // other on the main thread; the others may use the profile's pool
  const profile = profileOf(scenario.profile);
  const pool = profile.spec.sequentialCredits ? undefined : profile.poolRunner;
  let runner: EpochRunner<InputOf<ProfileName>, OutputOf<ProfileName>>;
  if (o.runner) runner = o.runner;
  else runner = pool && (o.threads ?? 0) > 0 ? await pool(o.threads!) : profile.mainThreadRunner();
  let net: Network;
  let writer: RecordWriter | undefined;
  try {
    net = new Network(scenario, { runner, timings, onRecord: (r) => writer!.write(r) }, resume);
    if (resume) {
      // a loaded state must hold the identities of docs/spec/network.md 8 like a running one
      net.driver.checkBlock(resume.block - 1);
      net.driver.audit();
    }
  } catch (e) {
    await runner.close();
    if (resume && e instanceof SimulationError) {
      throw new CheckpointError(`its state breaks conservation (${e.describe()}); refused`, o.resume!);
    }
    if (resume && !(e instanceof InputError)) {
      throw new CheckpointError(`its state cannot be loaded (${e instanceof Error ? e.message : String(e)}); refused`, o.resume!);
    }
    throw e;
  }

  // from here on --out is written
  try {
    fs.mkdirSync(out, { recursive: true });
    removeStaleTemps(out, log);
    if (!found) {
      // a fresh run rewrites epochs.ndjson: checkpoints of an earlier run here would no longer match it
      const stale = fs.readdirSync(out).filter((f) => CHECKPOINT_NAME.test(f));
      for (const f of stale) fs.rmSync(path.join(out, f), { force: true });
      if (stale.length > 0) log(`note: removed ${stale.length} checkpoint(s) of an earlier run in ${out}`);
    } else {
      // epochs.ndjson is cut back to the checkpoint: this run's later checkpoints no longer match it
      for (const f of found.newer) fs.rmSync(f, { force: true });
      if (found.newer.length > 0) log(`note: removed ${found.newer.length} later checkpoint(s) of this run in ${out} (epochs.ndjson is cut back to block ${resume!.block - 1})`);
      // the earlier ones count towards --keep-checkpoints
      files.checkpoints.push(...found.older);
      if (found.keep === null) log(`note: ${files.epochs} did not exist; it holds only the epochs after block ${resume!.block - 1}`);
    }
    writer = new RecordWriter(files.epochs, run, found?.hash ?? createHash('sha256'), found?.keep ?? null);
  } catch (e) {
    await net.close();
    throw e;
  }
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
          run,
          scenario: toJsonValue(scenario),
          ndjsonBytes: writer.bytes,
          ndjsonSha256: writer.digest(),
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
  writeFileAtomic(files.ledger, canonicalJson({ ...(net.ledgerJson() as object), run }, 3) + '\n');
  const blocksThisRun = net.endBlock - firstBlock + 1;
  const epochsThisRun = net.counters.epochs - epochsAtStart;
  const summary: SimulationSummary = {
    format: SUMMARY_FORMAT,
    run,
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
