// Load test of `yuma serve --http` on loopback: requests/s and latency percentiles of
// POST /v1/epoch at 256-uid and 4096-uid epochs, with 1 and 2 pool threads. The server is the
// BUILT CLI in its own process (`npm run build` first); the client is a small keep-alive Node
// client in this process, `--concurrency` requests in flight at once. Each case is bounded in
// count and in time (whichever comes first) after a short warm-up; the first answer of each
// case is checked against runEpoch on the main thread. The server's own view from /metrics is
// reported beside the client's: its time per epoch on the pool (from admission, so the wait for
// a worker is included) and the pool's utilisation.
//   npm run bench:serve [-- --quick] [-- --threads 1,2] [-- --concurrency 4] [-- --seconds 5]
//                       [-- --max-requests 2000] [-- --parse-threads N] [-- --json bench-results/serve.json]
// Client and server share the machine: on a 2-core machine they compete for the same cores,
// so read the numbers as "what one box does", not as the server alone.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { Agent, request } from 'node:http';
import { mkdirSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { epochInputToJson, epochOutputToJson, runEpoch, syntheticInput, writeFileAtomic } from '../src/index.js';
import type { SyntheticShape } from '../src/index.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const bin = join(root, 'dist/cli/main.js');

const args = process.argv.slice(2);
const value = (flag: string) => {
  const at = args.indexOf(flag);
  return at >= 0 ? args[at + 1] : undefined;
};
const quick = args.includes('--quick');
const threadList = (value('--threads') ?? '1,2').split(',').map(Number);
const concurrency = Number(value('--concurrency') ?? 4);
const seconds = Number(value('--seconds') ?? (quick ? 2 : 5));
const maxRequests = Number(value('--max-requests') ?? (quick ? 500 : 2000));
const jsonOut = value('--json') ?? 'bench-results/serve.json';
/** the server's --parse-threads (default: its own default, = --threads) */
const parseThreads = value('--parse-threads');
for (const [name, v] of [['--concurrency', concurrency], ['--seconds', seconds], ['--max-requests', maxRequests]] as const) {
  if (!(v > 0) || !Number.isFinite(v)) throw new Error(`${name}: expected a number > 0`);
}
if (threadList.some((t) => !Number.isInteger(t) || t < 1 || t > 64)) throw new Error('--threads: expected a list like 1,2');

const CASES: { name: string; shape: SyntheticShape }[] = [
  { name: 'n=256 V=64 full rows', shape: { n: 256, validators: 64 } },
  { name: 'n=4096 V=256 256/row', shape: { n: 4096, validators: 256, rowLen: 256 } },
];

interface Server {
  proc: ChildProcessWithoutNullStreams;
  port: number;
}

function startServer(threads: number): Promise<Server> {
  const proc = spawn(
    process.execPath,
    [
      bin, 'serve', '--http', '--host', '127.0.0.1', '--port', '0', '--threads', String(threads), '--max-queue', '1024', '--quiet',
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

const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
const metricOf = (text: string, re: RegExp) => Number(re.exec(text)?.[1] ?? NaN);

interface Row {
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
  poolUtilisation: number;
  requestBytes: number;
  responseBytes: number;
}

async function runCase(server: Server, threads: number, c: (typeof CASES)[number]): Promise<Row> {
  const input = syntheticInput(c.shape);
  const body = Buffer.from(epochInputToJson(input));
  const want = epochOutputToJson(runEpoch(input));
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  try {
    // warm-up: a few rounds on every connection; the first answer must be exact
    const first = await post(agent, server.port, '/v1/epoch', body);
    if (first.status !== 200 || first.text !== want) throw new Error(`${c.name}: the answer differs from runEpoch (status ${first.status})`);
    const warm = Date.now() + 1000;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        for (let k = 0; k < 5 && Date.now() < warm; k++) await post(agent, server.port, '/v1/epoch', body);
      }),
    );
    const before = await get(server.port, '/metrics');
    const latencies: number[] = [];
    let errors = 0;
    let issued = 0;
    const t0 = performance.now();
    const deadline = t0 + seconds * 1000;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (issued < maxRequests && performance.now() < deadline) {
          issued++;
          const s = performance.now();
          const r = await post(agent, server.port, '/v1/epoch', body);
          latencies.push(performance.now() - s);
          if (r.status !== 200 || r.text.length !== want.length) errors++;
        }
      }),
    );
    const elapsed = (performance.now() - t0) / 1000;
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
      requestBytes: body.length,
      responseBytes: Buffer.byteLength(want),
    };
  } finally {
    agent.destroy();
  }
}

const rows: Row[] = [];
for (const threads of threadList) {
  for (const c of CASES) {
    // a fresh server per case: its /metrics latency window holds this case only
    const server = await startServer(threads);
    try {
      process.stderr.write(`serve bench: ${c.name}, ${threads} thread(s), ${concurrency} clients, up to ${maxRequests} requests or ${seconds} s...\n`);
      rows.push(await runCase(server, threads, c));
    } finally {
      await stopServer(server);
    }
  }
}

const f = (x: number, d = 1) => (Number.isFinite(x) ? x.toFixed(d) : '-');
const header = ['case', 'threads', 'requests', 'errors', 'req/s', 'p50 ms', 'p99 ms', 'max ms', 'server ms/epoch p50/p99', 'pool util'];
const table = [
  header,
  ...rows.map((r) => [
    r.case,
    String(r.threads),
    String(r.requests),
    String(r.errors),
    f(r.requestsPerSec),
    f(r.p50Ms),
    f(r.p99Ms),
    f(r.maxMs),
    `${f(r.serverEpochP50Ms)} / ${f(r.serverEpochP99Ms)}`,
    f(r.poolUtilisation, 2),
  ]),
];
const widths = header.map((_, i) => Math.max(...table.map((row) => row[i]!.length)));
const lines = table.map((row) => row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  '));
lines.splice(1, 0, widths.map((w) => '-'.repeat(w)).join('  '));
const machine = `${cpus()[0]?.model ?? 'unknown CPU'}, ${availableParallelism()} cores, Node ${process.version}`;
process.stdout.write(
  `yuma serve --http load test: POST /v1/epoch on loopback, ${concurrency} keep-alive clients, each case up to ${maxRequests} requests or ${seconds} s` +
    `, parse threads ${parseThreads ?? '= threads'}\n` +
    `${machine} (client and server share it)\n\n${lines.join('\n')}\n`,
);
if (jsonOut) {
  mkdirSync(dirname(jsonOut), { recursive: true });
  writeFileAtomic(jsonOut, `${JSON.stringify({ machine, concurrency, seconds, maxRequests, parseThreads: parseThreads ?? null, date: new Date().toISOString(), rows }, null, 2)}\n`);
  process.stdout.write(`\nwritten: ${jsonOut}\n`);
}
