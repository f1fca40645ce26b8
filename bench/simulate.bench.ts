// Blocks per second and epochs per second of the default simulation: the
// built-in scenario (Bittensor, 32 subnets mixing 1024- and 256-uid subnets, one day = 7,200
// blocks), run whole by `simulate()` with its files written, on the main thread and on pools
// of 1 and 2 workers, measured with tinybench in interleaved rounds (one run of each thread
// count per round, the order rotated each round) so that drift of a shared machine hits all
// alike. Every run is checked to end in the same ledger bytes. The pool's workers run the
// BUILT dist/pool/worker.js: `npm run build` first. Usage:
//   npm run bench:simulate [-- --rounds 3] [-- --threads 0,1,2] [-- --blocks 1800] [-- --json out.json]
import { mkdtempSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Bench } from 'tinybench';
import { writeFileAtomic } from '../src/engine/io.js';
import { applyOverrides, defaultScenario } from '../src/engine/network/run-spec.js';
import { simulate, type SimulationSummary } from '../src/engine/network/simulate.js';

const args = process.argv.slice(2);
const value = (flag: string) => {
  const at = args.indexOf(flag);
  return at >= 0 ? args[at + 1] : undefined;
};
const rounds = Number(value('--rounds') ?? 2);
const threadList = (value('--threads') ?? '0,1,2').split(',').map(Number);
const blocks = value('--blocks') !== undefined ? Number(value('--blocks')) : undefined;
const jsonFile = value('--json') ?? 'bench-results/simulate.json';

const scenario = blocks !== undefined ? applyOverrides(defaultScenario(), { blocks }) : defaultScenario();
const dir = mkdtempSync(join(tmpdir(), 'yuma-bench-sim-'));
const last = new Map<number, SimulationSummary>();
const ledgers = new Set<string>();
const wall = new Map<number, number[]>(threadList.map((t) => [t, []]));
/** process CPU seconds (all threads) per run: what the run costs, whatever the machine's load */
const cpu = new Map<number, number[]>(threadList.map((t) => [t, []]));

try {
  for (let r = 0; r < rounds; r++) {
    const order = threadList.map((_, i) => threadList[(i + r) % threadList.length]!);
    const bench = new Bench({ iterations: 1, warmupIterations: 0, time: 0, warmupTime: 0, throws: true });
    for (const threads of order) {
      bench.add(`threads=${threads}`, async () => {
        const out = join(dir, `t${threads}`);
        const c0 = process.cpuUsage();
        const s = await simulate({ scenario, out, threads, timings: false });
        const c = process.cpuUsage(c0);
        cpu.get(threads)!.push((c.user + c.system) / 1e6);
        last.set(threads, s);
        wall.get(threads)!.push(s.wallSeconds);
        ledgers.add(readFileSync(join(out, 'ledger.json'), 'utf8'));
      });
    }
    await bench.run();
    process.stderr.write(`round ${r + 1}/${rounds}: ${order.map((t) => `threads=${t} ${last.get(t)!.wallSeconds.toFixed(2)} s`).join(', ')}\n`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
if (ledgers.size !== 1) throw new Error(`the runs ended in ${ledgers.size} different ledgers: results depend on the thread count`);

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const rows = threadList.map((threads) => {
  const s = last.get(threads)!;
  const secs = median(wall.get(threads)!);
  return {
    threads,
    runner: threads === 0 ? 'main thread' : `pool of ${threads}`,
    blocks: s.blocks,
    epochs: s.epochs,
    medianWallSeconds: round(secs, 3),
    minWallSeconds: round(Math.min(...wall.get(threads)!), 3),
    medianCpuSeconds: round(median(cpu.get(threads)!), 3),
    blocksPerSecond: round(s.blocks / secs, 1),
    epochsPerSecond: round(s.epochs / secs, 1),
  };
});
const base = rows.find((r) => r.threads === 1) ?? rows[0]!;
const report = {
  bench: 'simulate',
  scenario: scenario.name,
  subnets: scenario.subnets.reduce((a, g) => a + g.count, 0),
  blocks: scenario.blocks,
  rounds,
  machine: {
    cpus: cpus().length, availableParallelism: availableParallelism(), model: cpus()[0]?.model ?? '', node: process.version,
    loadAverage: loadavg(),
  },
  rows: rows.map((r) => ({ ...r, speedupVs1Thread: round(base.medianWallSeconds / r.medianWallSeconds, 2) })),
};
mkdirSync(dirname(jsonFile), { recursive: true });
writeFileAtomic(jsonFile, JSON.stringify(report, null, 2) + '\n');

const cols = ['runner', 'blocks', 'epochs', 'wall s (median)', 'wall s (best)', 'cpu s (median)', 'blocks/s', 'epochs/s', 'vs 1 thread'];
const lines = report.rows.map((r) => [
  r.runner, String(r.blocks), String(r.epochs), r.medianWallSeconds.toFixed(2), r.minWallSeconds.toFixed(2), r.medianCpuSeconds.toFixed(2),
  r.blocksPerSecond.toFixed(0), r.epochsPerSecond.toFixed(1), `${r.speedupVs1Thread.toFixed(2)}x`,
]);
const w = cols.map((c, i) => Math.max(c.length, ...lines.map((l) => l[i]!.length)));
const fmt = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(w[i]!) : c.padStart(w[i]!))).join('  ');
process.stdout.write(
  `simulate: ${report.scenario}, ${report.subnets} subnets, ${report.blocks} blocks, ${rounds} rounds, ` +
    `${report.machine.availableParallelism} cores (${report.machine.model})\n` +
    [fmt(cols), fmt(w.map((x) => '-'.repeat(x))), ...lines.map(fmt)].join('\n') +
    `\n(blocks/s and epochs/s from the median wall time; load average ${loadavg().map((x) => x.toFixed(1)).join(' ')}; ` +
    `written to ${jsonFile}; every run ended in the same ledger bytes)\n`,
);

function round(x: number, d: number): number {
  return Math.round(x * 10 ** d) / 10 ** d;
}
