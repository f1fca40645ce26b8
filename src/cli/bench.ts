// `yuma bench` and bench/pool.bench.ts (the same code): throughput of the worker pool against
// the main thread on deterministic synthetic subnets, measured with tinybench in one run
// (interleaved rounds, see below).
//   - 64 subnets of n=256, V=64 full rows; 16 subnets of n=4096, V=256, 256 entries per row:
//     main thread vs a pool of each size in --threads (default 1,2).
//   - one subnet of 16 mechanisms of n=4096, V=256, 256 per row: runMechanismsEpoch on the main
//     thread vs pool.runMechanismsEpoch (its mechanisms spread over the workers).
//   - the giant subnets (n=16384 V=512 and n=65535 V=1024, 1024 entries per row): main thread,
//     WHOLE in one worker (a 1-thread pool), and SPLIT across the workers of each pool of 2 or
//     more threads in --threads (pool.runEpoch above splitMinEntries: src/pool/split.ts).
// ms per epoch = a whole batch's latency / its subnets (p50, p99 over the batch samples);
// speed-up = the main thread's p50 / the pool's p50, same case, same run.
import { cpus, availableParallelism } from 'node:os';
import { dirname } from 'node:path';
import { syntheticInput, type SyntheticShape } from '../engine/synthetic.js';
import { runEpoch } from '../engine/epoch.js';
import { compareOutputs, describeMismatch } from '../engine/compare.js';
import { checkOutputFile, ensureDir, writeOutputs } from './outputs.js';
import { parseEpochInput, readJsonFile } from '../engine/io.js';
import { basename } from 'node:path';
import { intListOption, syntheticOption } from './options.js';
import { CommandFailed } from './command.js';
import { InputError, type EpochInput } from '../engine/types.js';
import { createPool, POOL_DEFAULTS, type Pool } from '../pool/index.js';
import { compareMechanismsOutputs, mechanismInputs, runMechanismsEpoch } from '../engine/mechanisms/index.js';
import { syntheticMechanismsInput } from '../engine/mechanisms/synthetic.js';

export interface PoolBenchCase {
  name: string;
  /** the synthetic subnets' shape (seeds 1..subnets), unless `input` gives the one subnet itself */
  shape?: SyntheticShape;
  input?: EpochInput;
  /** subnets per batch (seeds 1..subnets, netuids 1..subnets) */
  subnets: number;
  /** one giant subnet through pool.runEpoch: whole on a 1-thread pool, split on the larger ones */
  giant?: boolean;
  /** ONE subnet with this many mechanisms of `shape` (runMechanismsEpoch / pool.runMechanismsEpoch) */
  mechanisms?: number;
}

export const POOL_BENCH_CASES: readonly PoolBenchCase[] = Object.freeze([
  { name: '64 x n=256 V=64 full', shape: { n: 256, validators: 64 }, subnets: 64 },
  { name: '16 x n=4096 V=256 256/row', shape: { n: 4096, validators: 256, rowLen: 256 }, subnets: 16 },
  { name: '1 x 16 mechanisms of n=4096 V=256 256/row', shape: { n: 4096, validators: 256, rowLen: 256 }, subnets: 1, mechanisms: 16 },
  { name: '1 x n=16384 V=512 1024/row', shape: { n: 16384, validators: 512, rowLen: 1024 }, subnets: 1, giant: true },
  { name: '1 x n=65535 V=1024 1024/row', shape: { n: 65535, validators: 1024, rowLen: 1024 }, subnets: 1, giant: true },
]);

export interface PoolBenchOptions {
  /** pool sizes to measure (default [1, 2]) */
  threads: number[];
  quick: boolean;
  /** only the cases whose name contains this */
  only?: string;
  /** the benchmarker's own cases (from --synthetic and input files) instead of the fixed ones */
  cases?: PoolBenchCase[];
  /** write the report here (atomically) */
  json?: string;
  /** progress lines (default: stderr) */
  log?: (line: string) => void;
}

export interface PoolBenchRow {
  case: string;
  subnets: number;
  n: number;
  /** stored weight entries per subnet */
  entries: number;
  /** 0 = the main thread */
  threads: number;
  /** a giant subnet: 'whole' in one worker, 'split' across the pool's workers */
  mode: 'batch' | 'whole' | 'split';
  /** split rows: the whole row's p50 / this p50 (same case, same run) */
  vsWhole: number | null;
  p50EpochMs: number;
  p99EpochMs: number;
  epochsPerSec: number;
  /** main thread p50 / this p50 (1 for the main thread itself) */
  speedup: number;
  /** CPU time of the whole process (all threads) per call / subnets: mean over every call */
  cpuEpochMs: number;
  /**
   * the calling (main) thread's busy time per call / subnets (its event loop's active time): for
   * a pool, what the caller itself spends (checks, staging copies, replies), mean over every call
   */
  mainEpochMs: number;
  samples: number;
}

export interface PoolBenchReport {
  bench: 'pool';
  date: string;
  node: string;
  cpu: { model: string; count: number; availableParallelism: number };
  quick: boolean;
  rows: PoolBenchRow[];
}

type Latency = { p50: number; p99: number; samplesCount: number };

/** The q-quantile of sorted samples, linearly interpolated. */
function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const at = (sorted.length - 1) * q;
  const lo = Math.floor(at);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (at - lo);
}

async function loadTinybench(): Promise<typeof import('tinybench')> {
  try {
    return await import('tinybench');
  } catch {
    throw new CommandFailed('`yuma bench` needs tinybench (a dev dependency): run it from a checkout after `npm ci`');
  }
}

export async function runPoolBench(o: PoolBenchOptions): Promise<PoolBenchReport> {
  const log = o.log ?? ((s: string) => process.stderr.write(`${s}\n`));
  const { Bench } = await loadTinybench();
  const cases = (o.cases ?? POOL_BENCH_CASES).filter((c) => c.name.includes(o.only ?? ''));
  if (cases.length === 0) throw new InputError(`no case matches ${JSON.stringify(o.only)}`, '--only');
  const sizes = [...o.threads].sort((a, b) => a - b);
  const wantOne = cases.some((c) => c.giant) && !sizes.includes(1);
  const pools = new Map<number, Pool>();
  const rows: PoolBenchRow[] = [];
  try {
    for (const t of wantOne ? [1, ...sizes] : sizes) pools.set(t, createPool({ threads: t }));
    for (const c of cases) {
      const multi = c.mechanisms ? syntheticMechanismsInput({ ...c.shape!, mechanisms: c.mechanisms, seed: 1 }) : undefined;
      const inputs: EpochInput[] = multi
        ? mechanismInputs(multi)
        : c.input
          ? [c.input]
          : Array.from({ length: c.subnets }, (_, k) => ({ ...syntheticInput({ ...c.shape!, seed: k + 1 }), netuid: k + 1 }));
      // a giant subnet: whole on the 1-thread pool, split on every pool of 2 threads or more
      const runWith = c.giant ? [1, ...sizes.filter((t) => t >= 2)] : sizes;
      log(`${c.name}: warming ${runWith.map((t) => `${t}-thread`).join(', ')} pool(s)...`);
      for (const t of runWith) {
        const pool = pools.get(t)!;
        // every worker runs this case's subnet once: instantiated kernels, grown and touched memory
        await pool.warmup(inputs[0]);
        // and the pool gives the main thread's bits (catches a dist/ older than the source); for
        // a giant subnet this also warms the split path (its shared memory and instances)
        const m = multi
          ? compareMechanismsOutputs(runMechanismsEpoch(multi), await pool.runMechanismsEpoch(multi))
          : compareOutputs(runEpoch(inputs[0]!), await pool.runEpoch(inputs[0]!));
        if (c.giant) await pool.runEpoch(inputs[0]!);
        if (m) throw new CommandFailed(`${c.name}: the ${t}-thread pool differs from the main thread (${describeMismatch(m)}); is dist/ stale? run \`npm run build\``);
      }
      // The machine is shared and a core's speed drifts 20-35% between runs: the configurations
      // are measured in interleaved ROUNDS (one small tinybench run each, the order rotated every
      // round) and the samples pooled, so that drift hits main thread and pools alike.
      const configs: { name: string; fn: () => unknown }[] = [
        { name: 'main', fn: multi ? () => runMechanismsEpoch(multi) : () => { for (const input of inputs) runEpoch(input); } },
        ...runWith.map((t) => ({
          name: `pool ${t}`,
          fn: multi
            ? () => pools.get(t)!.runMechanismsEpoch(multi)
            : c.giant ? () => pools.get(t)!.runEpoch(inputs[0]!) : () => pools.get(t)!.runEpochs(inputs),
        })),
      ];
      const samples = new Map<string, number[]>(configs.map((c) => [c.name, []]));
      // CPU time of the whole process (every thread) per call: the work a configuration costs,
      // the pool's messaging, copies and waits included, and far less moved by other jobs than
      // the wall time
      const cpuMs = new Map<string, { ms: number; mainMs: number; calls: number }>(configs.map((c) => [c.name, { ms: 0, mainMs: 0, calls: 0 }]));
      const timed = (name: string, fn: () => unknown) => async () => {
        const acc = cpuMs.get(name)!;
        const c0 = process.cpuUsage();
        const e0 = performance.eventLoopUtilization();
        await fn();
        const c = process.cpuUsage(c0);
        acc.mainMs += performance.eventLoopUtilization(e0).active;
        acc.ms += (c.user + c.system) / 1000;
        acc.calls++;
      };
      // every configuration run for a while first: V8 swaps optimized code in for each thread's
      // kernels only after enough work. Warmed by two calls only, these rounds gave 64 x n=256
      // 1.21x from 1 to 2 threads (a loop of calls after 30 warm ones: 1.55x and 1.82x); warmed
      // this way, 1.50x, 1.53x and 1.56x, and a third less CPU per epoch (measured: bench/pool.bench.ts)
      for (const cfg of configs) {
        const until = performance.now() + (o.quick ? 200 : 1500);
        do await cfg.fn();
        while (performance.now() < until);
      }
      const rounds = o.quick ? 3 : 8;
      log(`${c.name}: measuring main thread and ${runWith.map((t) => `${t} thread(s)`).join(', ')} in ${rounds} rounds...`);
      for (let r = 0; r < rounds; r++) {
        const bench = new Bench({
          time: 0,
          iterations: o.quick ? 2 : 3,
          warmup: r === 0,
          warmupIterations: o.quick ? 1 : 2,
          retainSamples: true,
          throws: true,
        });
        for (let q = 0; q < configs.length; q++) {
          const cfg = configs[(q + r) % configs.length]!;
          bench.add(cfg.name, timed(cfg.name, cfg.fn));
        }
        await bench.run();
        for (const task of bench.tasks) {
          const got = (task.result as unknown as { latency: { samples?: ArrayLike<number> } }).latency.samples;
          samples.get(task.name)!.push(...Array.from(got ?? []));
        }
      }
      const lat = (name: string): Latency => {
        const xs = [...samples.get(name)!].sort((a, b) => a - b);
        return { p50: quantile(xs, 0.5), p99: quantile(xs, 0.99), samplesCount: xs.length };
      };
      const main = lat('main');
      const cpuOf = (name: string) => cpuMs.get(name)!.ms / cpuMs.get(name)!.calls;
      const mainOf = (name: string) => cpuMs.get(name)!.mainMs / cpuMs.get(name)!.calls;
      const whole = c.giant ? lat('pool 1') : null;
      for (const [threads, l] of [[0, main], ...runWith.map((t) => [t, lat(`pool ${t}`)] as const)] as [number, Latency][]) {
        // a pool splits one subnet only from splitMinEntries weight entries on: below, it runs whole
        const splits = inputs[0]!.weights.col.length >= POOL_DEFAULTS.splitMinEntries;
        const mode = !c.giant || threads === 0 ? 'batch' : threads === 1 || !splits ? 'whole' : 'split';
        rows.push({
          case: c.name,
          subnets: c.subnets,
          n: inputs[0]!.n,
          // a multi-mechanism subnet: its entries over all mechanisms
          entries: multi ? inputs.reduce((s, m) => s + m.weights.col.length, 0) : inputs[0]!.weights.col.length,
          threads,
          mode,
          vsWhole: mode === 'split' && whole ? whole.p50 / l.p50 : null,
          p50EpochMs: l.p50 / c.subnets,
          p99EpochMs: l.p99 / c.subnets,
          epochsPerSec: (1000 * c.subnets) / l.p50,
          speedup: main.p50 / l.p50,
          cpuEpochMs: cpuOf(threads === 0 ? 'main' : `pool ${threads}`) / c.subnets,
          mainEpochMs: mainOf(threads === 0 ? 'main' : `pool ${threads}`) / c.subnets,
          samples: l.samplesCount,
        });
      }
    }
  } finally {
    await Promise.all([...pools.values()].map((p) => p.close()));
  }
  const cpu = cpus();
  const report: PoolBenchReport = {
    bench: 'pool',
    date: new Date().toISOString(),
    node: process.version,
    cpu: { model: cpu[0]?.model ?? 'unknown', count: cpu.length, availableParallelism: availableParallelism() },
    quick: o.quick,
    rows,
  };
  if (o.json) {
    ensureDir(dirname(o.json), '--json');
    writeOutputs([[o.json, JSON.stringify(report, null, 2) + '\n']]);
    log(`wrote ${o.json}`);
  }
  return report;
}

const fmt = (x: number) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));

/** The table: case, threads, ms per epoch p50/p99, epochs/s, speed-up. */
export function formatPoolBench(r: PoolBenchReport): string {
  const table = [
    ['case', 'threads', 'ms/epoch p50', 'ms/epoch p99', 'epochs/s', 'speed-up', 'vs whole', 'cpu ms/epoch', 'main ms/epoch', 'samples'],
    ...r.rows.map((x) => [
      x.case,
      x.threads === 0 ? 'main' : `${x.threads}${x.mode === 'batch' ? '' : ` (${x.mode})`}`,
      fmt(x.p50EpochMs),
      fmt(x.p99EpochMs),
      fmt(x.epochsPerSec),
      `${x.speedup.toFixed(2)}x`,
      x.vsWhole === null ? '' : `${x.vsWhole.toFixed(2)}x`,
      fmt(x.cpuEpochMs),
      fmt(x.mainEpochMs),
      String(x.samples),
    ]),
  ];
  const widths = table[0]!.map((_, c) => Math.max(...table.map((row) => row[c]!.length)));
  const lines = table.map((row) => row.map((s, c) => (c === 0 ? s.padEnd(widths[c]!) : s.padStart(widths[c]!))).join('  '));
  lines.splice(1, 0, widths.map((w) => '-'.repeat(w)).join('  '));
  lines.push(
    `${r.cpu.count} cpus (${r.cpu.model}), node ${r.node}${r.quick ? ', --quick' : ''}. ms/epoch = a batch's latency / its`,
    'subnets; speed-up = main p50 / pool p50 in this run. A giant subnet runs "whole" in one worker or "split" across',
    'the workers (one shared memory); vs whole = the whole p50 / the split p50. cpu ms/epoch = the process\'s CPU time',
    '(every thread) per call / its subnets: the work each configuration costs, overheads included; main ms/epoch = the',
    'calling thread\'s busy time (event loop active) per call / its subnets: for a pool, the caller\'s own share (input',
    'checks, the staging copy, taking the replies), which more threads do not divide.',
  );
  return lines.join('\n') + '\n';
}

export interface BenchCliOptions {
  threads?: string;
  json?: string;
  quick?: boolean;
  only?: string;
  /** repeatable `n,V[,rowlen]` */
  synthetic?: string[];
  yuma3?: boolean;
  liquidAlpha?: boolean;
}

/**
 * The benchmarker's own cases: each --synthetic shape and each input file is one subnet, run
 * like the fixed giant cases (main thread, whole in one worker, split across each pool of 2 or
 * more threads); --yuma3 / --liquid-alpha switch those on for all of them.
 */
export function userCases(files: readonly string[], opts: BenchCliOptions): PoolBenchCase[] {
  const flags = `${opts.yuma3 ? ' yuma3' : ''}${opts.liquidAlpha ? ' liquid' : ''}`;
  const cases: PoolBenchCase[] = (opts.synthetic ?? []).map((spec) => {
    const s = syntheticOption(spec);
    const input = syntheticInput({ ...s, yuma3: opts.yuma3 === true, liquidAlpha: opts.liquidAlpha === true });
    return { name: `n=${s.n} V=${s.validators} ${s.rowLen && s.rowLen < s.n ? `${s.rowLen}/row` : 'full'}${flags}`, input, subnets: 1, giant: true };
  });
  for (const file of files) {
    const input = parseEpochInput(readJsonFile(file), file);
    if (opts.yuma3) input.hyperparameters.yuma3 = true;
    if (opts.liquidAlpha) input.hyperparameters.liquid_alpha = true;
    cases.push({ name: `${basename(file)}${flags}`, input, subnets: 1, giant: true });
  }
  return cases;
}

/**
 * `yuma bench [input.json ...] [--synthetic n,V[,rowlen]]... [--yuma3] [--liquid-alpha]
 * [--threads 1,2] [--json out.json] [--quick] [--only text]`: the fixed cases, or the given ones.
 */
export async function benchCommand(files: readonly string[], opts: BenchCliOptions): Promise<void> {
  if (opts.json !== undefined) checkOutputFile(opts.json, '--json', true); // before the run, not after
  const own = userCases(files, opts);
  const report = await runPoolBench({
    threads: intListOption(opts.threads ?? '1,2', '--threads', 1, 256),
    quick: opts.quick === true,
    ...(own.length > 0 ? { cases: own } : {}),
    ...(opts.only !== undefined ? { only: opts.only } : {}),
    ...(opts.json !== undefined ? { json: opts.json } : {}),
  });
  process.stdout.write(formatPoolBench(report));
}
