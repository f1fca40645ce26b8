// Load test of `yuma serve --http` on loopback: requests/s and latency percentiles of
// POST /v1/epoch at 256-uid and 4096-uid epochs, with 1 and 2 pool threads. The server is the
// BUILT CLI in its own process (`npm run build` first); the client is a small keep-alive Node
// client in this process, `--concurrency` requests in flight at once. Each case is bounded in
// count and in time (whichever comes first) after a short warm-up; the first answer of each
// case is checked against runEpoch on the main thread. The server's own view from /metrics is
// reported beside the client's: its time per epoch on the pool (from admission, so the wait for
// a worker is included) and the pool's utilisation.
// Beside each case, in the same run (the server stopped by then): the pool's own epochs/s on
// the same input, a createPool of the same threads in this process with `--concurrency`
// pool.runEpochs calls of one epoch each in flight: what the server would do if requests cost
// nothing beyond their epoch. req/s over pool epochs/s is the server's share of that.
//   npm run bench:serve [-- --quick] [-- --threads 1,2] [-- --concurrency 4] [-- --seconds 5]
//                       [-- --max-requests 2000] [-- --parse-threads 0] [-- --json bench-results/serve.json]
//                       [-- --bin path/to/dist/cli/main.js] (another build's server)
//                       [-- --compare path/to/dist/cli/main.js] [-- --rounds 3]
// --compare: an A/B run, interleaved: each case runs `--rounds` times on each server in turn
// (this build's, or --bin's, then the other), and a summary gives the median and best req/s of
// each and their ratio; on a shared machine the ratio of medians is the number to read.
// Client and server share the machine: on a 2-core machine they compete for the same cores,
// so read the numbers as "what one box does", not as the server alone.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { Agent, request } from 'node:http';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createPool, epochInputToJson, epochOutputToJson, runEpoch, syntheticInput, writeFileAtomic } from '../src/index.js';
import type { SyntheticShape } from '../src/index.js';

const root = fileURLToPath(new URL('..', import.meta.url));

const args = process.argv.slice(2);
const value = (flag: string) => {
  const at = args.indexOf(flag);
  return at >= 0 ? args[at + 1] : undefined;
};
const bin = value('--bin') ?? join(root, 'dist/cli/main.js');
const compare = value('--compare');
const rounds = Number(value('--rounds') ?? (compare ? 3 : 1));
const quick = args.includes('--quick');
const threadList = (value('--threads') ?? '1,2').split(',').map(Number);
const concurrency = Number(value('--concurrency') ?? 4);
const seconds = Number(value('--seconds') ?? (quick ? 2 : 5));
const maxRequests = Number(value('--max-requests') ?? (quick ? 500 : 2000));
const jsonOut = value('--json') ?? 'bench-results/serve.json';
/** the server's --parse-threads (0: JSON on its main thread; default: in the workers) */
const parseThreads = value('--parse-threads');
for (const [name, v] of [['--concurrency', concurrency], ['--seconds', seconds], ['--max-requests', maxRequests]] as const) {
  if (!(v > 0) || !Number.isFinite(v)) throw new Error(`${name}: expected a number > 0`);
}
if (threadList.some((t) => !Number.isInteger(t) || t < 1 || t > 64)) throw new Error('--threads: expected a list like 1,2');
if (!Number.isInteger(rounds) || rounds < 1) throw new Error('--rounds: expected an integer >= 1');

const CASES: { name: string; shape: SyntheticShape }[] = [
  { name: 'n=256 V=64 full rows', shape: { n: 256, validators: 64 } },
  { name: 'n=4096 V=256 256/row', shape: { n: 4096, validators: 256, rowLen: 256 } },
];

interface Server {
  proc: ChildProcessWithoutNullStreams;
  port: number;
}

function startServer(threads: number, main: string): Promise<Server> {
  const proc = spawn(
    process.execPath,
    [
      main, 'serve', '--http', '--host', '127.0.0.1', '--port', '0', '--threads', String(threads), '--max-queue', '1024', '--quiet',
      ...(parseThreads !== undefined ? ['--parse-threads', parseThreads] : []),
    ],
    { cwd: root },
  );
  let stderr = '';
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error(`the server did not start: ${stderr}`));
    }, 30_000);
    proc.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      const m = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(stderr);
      if (m) {
        clearTimeout(t);
        resolve({ proc, port: Number(m[1]) });
      }
    });
    proc.on('exit', (code) => {
      clearTimeout(t);
      reject(new Error(`the server exited (${code}): ${stderr}`));
    });
  });
}

function stopServer(s: Server): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(() => s.proc.kill('SIGKILL'), 10_000);
    s.proc.once('exit', () => {
      clearTimeout(t);
      resolve();
    });
    s.proc.kill('SIGTERM');
  });
}

function post(agent: Agent, port: number, path: string, body: Buffer): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, path, method: 'POST', agent, headers: { 'Content-Type': 'application/json', 'Content-Length': body.length } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode!, text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

function get(port: number, path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    request({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      let t = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (t += c));
      res.on('end', () => resolve(t));
    })
      .on('error', reject)
      .end();
  });
}

/**
 * A process's CPU seconds so far, user + system over all its threads (/proc/PID/stat, in clock
 * ticks of 1/100 s on Linux): on a shared machine the cost of a request that wall-clock rates
 * cannot show. NaN without /proc.
 */
function cpuSeconds(pid: number): number {
  const file = `/proc/${pid}/stat`;
  if (!existsSync(file)) return NaN;
  // the fields after the command name "(...)": utime and stime are the 12th and 13th
  const fields = readFileSync(file, 'utf8').replace(/^.*\) /s, '').split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
const metricOf = (text: string, re: RegExp) => Number(re.exec(text)?.[1] ?? NaN);

interface Row {
  /** 'this' (this build's server, or --bin's) or 'compare' (--compare's) */
  server: 'this' | 'compare';
  round: number;
  case: string;
  n: number;
  threads: number;
  concurrency: number;
  requests: number;
  errors: number;
  seconds: number;
  requestsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  serverEpochP50Ms: number;
  serverEpochP99Ms: number;
  /** the server process's CPU time (all its threads, /proc) per request answered, ms: NaN without /proc */
  serverCpuMsPerRequest: number;
  poolUtilisation: number;
  requestBytes: number;
  responseBytes: number;
  /** the pool's own epochs/s on the same input and threads (createPool in this process) */
  poolEpochsPerSec: number;
}

async function runCase(server: Server, threads: number, c: (typeof CASES)[number]): Promise<Omit<Row, 'server' | 'round' | 'poolEpochsPerSec'>> {
  const input = syntheticInput(c.shape);
  const body = Buffer.from(epochInputToJson(input));
  const want = epochOutputToJson(runEpoch(input));
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  try {
    // warm-up: a few rounds on every connection; the first answer must be exact
    const first = await post(agent, server.port, '/v1/epoch', body);
    if (first.status !== 200 || first.text !== want) throw new Error(`${c.name}: the answer differs from runEpoch (status ${first.status})`);
    await warmUp(() => post(agent, server.port, '/v1/epoch', body));
    const before = await get(server.port, '/metrics');
    const cpu0 = cpuSeconds(server.proc.pid!);
    const latencies: number[] = [];
    let errors = 0;
    const elapsed = await closedLoop(async () => {
      const s = performance.now();
      const r = await post(agent, server.port, '/v1/epoch', body);
      latencies.push(performance.now() - s);
      if (r.status !== 200 || r.text.length !== want.length) errors++;
    });
    const cpu1 = cpuSeconds(server.proc.pid!);
    const after = await get(server.port, '/metrics');
    const sorted = latencies.slice().sort((a, b) => a - b);
    const busy = (t: string) => metricOf(t, /^yuma_serve_pool_busy_seconds_total (\S+)$/m);
    return {
      case: c.name,
      n: c.shape.n,
      threads,
      concurrency,
      requests: latencies.length,
      errors,
      seconds: elapsed,
      requestsPerSec: latencies.length / elapsed,
      p50Ms: quantile(sorted, 0.5),
      p99Ms: quantile(sorted, 0.99),
      maxMs: sorted[sorted.length - 1]!,
      // the server's window: the last 2048 epochs of this server, which ran this case only
      serverEpochP50Ms: metricOf(after, /^yuma_serve_epoch_latency_seconds\{quantile="0.5"\} (\S+)$/m) * 1000,
      serverEpochP99Ms: metricOf(after, /^yuma_serve_epoch_latency_seconds\{quantile="0.99"\} (\S+)$/m) * 1000,
      poolUtilisation: (busy(after) - busy(before)) / (threads * elapsed),
      serverCpuMsPerRequest: ((cpu1 - cpu0) * 1000) / latencies.length,
      requestBytes: body.length,
      responseBytes: Buffer.byteLength(want),
    };
  } finally {
    agent.destroy();
  }
}

/** Up to 5 calls of `call` on each of `concurrency` clients, for at most a second. */
async function warmUp(call: () => Promise<unknown>): Promise<void> {
  const until = Date.now() + 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let k = 0; k < 5 && Date.now() < until; k++) await call();
    }),
  );
}

/**
 * `concurrency` clients calling `call` one after another until `maxRequests` calls were issued
 * or `seconds` passed (a closed loop: a call starts when that client's last one ended); returns
 * the seconds it took.
 */
async function closedLoop(call: () => Promise<void>): Promise<number> {
  let issued = 0;
  const t0 = performance.now();
  const deadline = t0 + seconds * 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (issued < maxRequests && performance.now() < deadline) {
        issued++;
        await call();
      }
    }),
  );
  return (performance.now() - t0) / 1000;
}

/**
 * The pool's own epochs/s on `c`'s input: `concurrency` calls of pool.runEpochs([input]) in
 * flight, bounded in count and time as a case is, after the same warm-up.
 */
async function poolRate(threads: number, c: (typeof CASES)[number]): Promise<number> {
  const input = syntheticInput(c.shape);
  const pool = createPool({ threads });
  try {
    await pool.warmup(input);
    await warmUp(() => pool.runEpochs([input]));
    let done = 0;
    const elapsed = await closedLoop(async () => {
      await pool.runEpochs([input]);
      done++;
    });
    return done / elapsed;
  } finally {
    await pool.close();
  }
}

const rows: Row[] = [];
const servers: [Row['server'], string][] = compare ? [['this', bin], ['compare', compare]] : [['this', bin]];
for (const threads of threadList) {
  for (const c of CASES) {
    for (let round = 1; round <= rounds; round++) {
      // the pool alone first, then each server in turn (the order alternates by round)
      process.stderr.write(`serve bench: ${c.name}, the pool alone on ${threads} thread(s)...\n`);
      const poolEpochsPerSec = await poolRate(threads, c);
      for (const [label, main] of round % 2 === 1 ? servers : [...servers].reverse()) {
        // a fresh server per case: its /metrics latency window holds this case only
        const server = await startServer(threads, main);
        try {
          process.stderr.write(`serve bench: ${c.name}, ${label} server, ${threads} thread(s), ${concurrency} clients, up to ${maxRequests} requests or ${seconds} s...\n`);
          rows.push({ server: label, round, ...(await runCase(server, threads, c)), poolEpochsPerSec });
        } finally {
          await stopServer(server);
        }
      }
    }
  }
}

const f = (x: number, d = 1) => (Number.isFinite(x) ? x.toFixed(d) : '-');
const header = ['case', ...(compare ? ['server', 'round'] : []), 'threads', 'requests', 'errors', 'req/s', 'pool epochs/s', 'req/pool', 'p50 ms', 'p99 ms', 'max ms', 'server ms/epoch p50/p99', 'pool util', 'server cpu ms/req'];
const table = [
  header,
  ...rows.map((r) => [
    r.case,
    ...(compare ? [r.server, String(r.round)] : []),
    String(r.threads),
    String(r.requests),
    String(r.errors),
    f(r.requestsPerSec),
    f(r.poolEpochsPerSec),
    f(r.requestsPerSec / r.poolEpochsPerSec, 2),
    f(r.p50Ms),
    f(r.p99Ms),
    f(r.maxMs),
    `${f(r.serverEpochP50Ms)} / ${f(r.serverEpochP99Ms)}`,
    f(r.poolUtilisation, 2),
    f(r.serverCpuMsPerRequest),
  ]),
];
const widths = header.map((_, i) => Math.max(...table.map((row) => row[i]!.length)));
const lines = table.map((row) => row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  '));
lines.splice(1, 0, widths.map((w) => '-'.repeat(w)).join('  '));
const machine = `${cpus()[0]?.model ?? 'unknown CPU'}, ${availableParallelism()} cores, Node ${process.version}`;
process.stdout.write(
  `yuma serve --http load test: POST /v1/epoch on loopback, ${concurrency} keep-alive clients, each case up to ${maxRequests} requests or ${seconds} s` +
    `, server --parse-threads ${parseThreads ?? '(default)'}${value('--bin') ? `, server ${bin}` : ''}\n` +
    `${compare ? `, compared with ${compare}, ${rounds} rounds interleaved` : ''}\n` +
    `${machine} (client and server share it)\n\n${lines.join('\n')}\n`,
);
if (compare) {
  const median = (xs: number[]) => {
    const s = xs.slice().sort((a, b) => a - b);
    const m = s.length >> 1;
    return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
  };
  const summary: string[] = [];
  for (const threads of threadList) {
    for (const c of CASES) {
      const of = (label: Row['server']) => rows.filter((r) => r.case === c.name && r.threads === threads && r.server === label);
      const [a, b] = [of('this'), of('compare')];
      const rate = (rs: Row[]) => rs.map((r) => r.requestsPerSec);
      const pool = median(a.map((r) => r.poolEpochsPerSec));
      const cpu = (rs: Row[]) => median(rs.map((r) => r.serverCpuMsPerRequest));
      summary.push(
        `${c.name}, ${threads} thread(s): req/s this ${f(median(rate(a)))} (best ${f(Math.max(...rate(a)))}), ` +
          `compare ${f(median(rate(b)))} (best ${f(Math.max(...rate(b)))}); this/compare ${f(median(rate(a)) / median(rate(b)), 2)} ` +
          `(best ${f(Math.max(...rate(a)) / Math.max(...rate(b)), 2)}); pool epochs/s ${f(pool)}: this ${f(median(rate(a)) / pool, 2)} of it, compare ${f(median(rate(b)) / pool, 2)}; ` +
          `server cpu ms/req this ${f(cpu(a))}, compare ${f(cpu(b))} (${f(cpu(a) / cpu(b), 2)})`,
      );
    }
  }
  process.stdout.write(`\nmedians over ${rounds} rounds:\n${summary.join('\n')}\n`);
}
if (jsonOut) {
  mkdirSync(dirname(jsonOut), { recursive: true });
  writeFileAtomic(jsonOut, `${JSON.stringify({ machine, concurrency, seconds, maxRequests, parseThreads: parseThreads ?? null, bin, compare: compare ?? null, rounds, date: new Date().toISOString(), rows }, null, 2)}\n`);
  process.stdout.write(`\nwritten: ${jsonOut}\n`);
}
