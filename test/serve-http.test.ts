// `yuma serve --http`: the built CLI as a subprocess on loopback (any free port).
// Round trips equal runEpoch (the exact text of epochOutputToJson), batches, bearer tokens,
// every error as a JSON reply with its status (malformed JSON, wrong format, oversized body,
// bad encoding, wrong route or method), concurrent clients, the bounded queue (admission at
// arrival: 503 + Retry-After), the per-request timeout from arrival, a client that goes away, the server killed
// mid-request (the client sees an error, nothing hangs), graceful SIGTERM, /metrics, option
// errors, and the Python example. Run `npm run build` first (npm ci does).
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { createServer } from 'node:net';
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const bin = join(root, 'dist/cli/main.js');
if (!existsSync(bin) || !existsSync(join(root, 'dist/serve/http.js'))) {
  throw new Error(`${bin} or dist/serve is missing: run \`npm run build\` (npm ci does it)`);
}
const lib: typeof import('../dist/index.js') = await import('../dist/index.js');
const { runEpoch, parseEpochInput, epochOutputToJson, epochInputToJson, syntheticInput } = lib;

const edge = join(root, 'test/fixtures/golden/edge');
const communeEdge = join(root, 'test/fixtures/golden/commune/edge');
const names = readdirSync(edge)
  .filter((f) => f.endsWith('.input.json'))
  .map((f) => f.slice(0, -'.input.json'.length))
  .sort();
const inputText = (name: string) => readFileSync(join(edge, `${name}.input.json`), 'utf8');
const inputDoc = (name: string) => JSON.parse(inputText(name)) as Record<string, unknown>;
const expectedDoc = (name: string) => JSON.parse(readFileSync(join(edge, `${name}.expected.json`), 'utf8')) as unknown;
const exact = (doc: unknown, trace: boolean) => epochOutputToJson(runEpoch(parseEpochInput(doc), { trace }));

const dir = mkdtempSync(join(tmpdir(), 'yuma-serve-'));
const TOKEN = 'tok-3f9a1c5e7b';
const tokenFile = join(dir, 'token');
writeFileSync(tokenFile, `${TOKEN}\n`);
const AUTH = { Authorization: `Bearer ${TOKEN}` };

/** equal strings, or a failure showing the first difference only (outputs are long) */
function expectSameText(got: string, want: string, what: string) {
  if (got === want) return;
  let i = 0;
  while (i < got.length && got[i] === want[i]) i++;
  expect.fail(`${what}: differs at ${i}: got ...${got.slice(Math.max(0, i - 40), i + 60)}... want ...${want.slice(Math.max(0, i - 40), i + 60)}...`);
}

const children = new Set<ChildProcessWithoutNullStreams>();
afterAll(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

interface Server {
  proc: ChildProcessWithoutNullStreams;
  port: number;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stderr: () => string;
}

/** `yuma serve --http --port 0 ...args`, once it listens */
function startHttp(args: string[]): Promise<Server> {
  const proc = spawn(process.execPath, [bin, 'serve', '--http', '--port', '0', ...args], { cwd: root });
  children.add(proc);
  let stderr = '';
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    proc.on('exit', (code, signal) => resolve({ code, signal })),
  );
  proc.stdout.resume();
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`the server did not start: ${stderr}`)), 20_000);
    proc.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      const m = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(stderr);
      if (m) {
        clearTimeout(t);
        resolve({ proc, port: Number(m[1]), exited, stderr: () => stderr });
      }
    });
    void exited.then(() => reject(new Error(`the server exited: ${stderr}`)));
  });
}

interface Res {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
}

/** one request on its own connection (no agent: nothing stays open) */
function call(
  port: number,
  path: string,
  options: { method?: string; body?: string | Buffer; headers?: Record<string, string>; signal?: AbortSignal } = {},
): Promise<Res> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: '127.0.0.1', port, path, method: options.method ?? (options.body !== undefined ? 'POST' : 'GET'), headers: options.headers ?? {}, agent: false, ...(options.signal ? { signal: options.signal } : {}) },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.setTimeout(30_000, () => req.destroy(new Error('client timeout: no answer in 30 s')));
    req.end(options.body);
  });
}

const post = (port: number, path: string, body: string | object, headers: Record<string, string> = AUTH) =>
  call(port, path, { body: typeof body === 'string' ? body : JSON.stringify(body), headers });
const errorOf = (r: Res) => (JSON.parse(r.text) as { id: unknown; error: { code: string; message: string; field: string } });

/**
 * Waits until `cond()` holds, checking again as soon as the last check returns (a condition,
 * not a fixed sleep: the outcome never depends on how long anything takes); fails with `what`
 * after `timeoutMs`.
 */
async function until(cond: () => Promise<boolean> | boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!(await cond())) {
    if (performance.now() > deadline) throw new Error(`still not ${what} after ${timeoutMs} ms`);
    await new Promise((r) => setImmediate(r));
  }
}

/**
 * A POST whose body is sent in two parts: the headers (with the whole Content-Length) and
 * the first half now, the rest on finish(). The server admits it on arrival.
 */
function postInTwoParts(port: number, path: string, body: string, headers: Record<string, string> = {}) {
  const buf = Buffer.from(body);
  let req!: ReturnType<typeof httpRequest>;
  const res = new Promise<Res>((resolve, reject) => {
    req = httpRequest({ host: '127.0.0.1', port, path, method: 'POST', agent: false, headers: { ...headers, 'Content-Length': String(buf.length) } }, (r) => {
      const chunks: Buffer[] = [];
      r.on('data', (c: Buffer) => chunks.push(c));
      r.on('end', () => resolve({ status: r.statusCode!, headers: r.headers, text: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
  });
  req.write(buf.subarray(0, buf.length >> 1));
  return {
    /** the reply, whether or not finish() was called */
    response: res,
    finish: () => {
      req.end(buf.subarray(buf.length >> 1));
      return res;
    },
  };
}

async function metric(port: number, name: string): Promise<number> {
  const r = await call(port, '/metrics', { headers: AUTH });
  const m = new RegExp(`^${name} (\\S+)$`, 'm').exec(r.text);
  return m ? Number(m[1]) : NaN;
}

/** a batch body of `copies` times one big synthetic input (a request that runs for a while) */
let big: { input: import('../dist/index.js').EpochInput; text: string } | undefined;
function bigBatch(copies: number) {
  if (!big) {
    const input = { ...syntheticInput({ n: 4096, validators: 256, rowLen: 256, seed: 3 }), netuid: 77 };
    big = { input, text: epochInputToJson(input) };
  }
  return { input: big.input, body: `{"id":"big","epochs":[${Array.from({ length: copies }, () => big!.text).join(',')}]}` };
}

describe('yuma serve --http: round trips, auth, errors', () => {
  let s: Server;
  beforeAll(async () => {
    s = await startHttp(['--threads', '2', '--token-file', tokenFile, '--max-body', '1m', '--quiet']);
  });
  afterAll(async () => {
    s.proc.kill('SIGTERM');
    expect((await s.exited).code).toBe(0);
  });

  it('every golden edge input: POST /v1/epoch?trace=true answers the exact runEpoch text', async () => {
    for (const name of names) {
      const r = await post(s.port, '/v1/epoch?trace=true', inputText(name));
      expect(r.status, `${name}: ${r.text.slice(0, 200)}`).toBe(200);
      expect(r.headers['content-type']).toMatch(/^application\/json/);
      expectSameText(r.text, exact(inputDoc(name), true), name);
      expect(JSON.parse(r.text), name).toEqual(expectedDoc(name));
    }
  });

  it('no trace unless asked (query or "trace" in the body); gzip bodies', async () => {
    const name = names[3]!;
    const plain = await post(s.port, '/v1/epoch', inputText(name));
    expect(plain.status).toBe(200);
    expectSameText(plain.text, exact(inputDoc(name), false), 'no trace');
    const viaBody = await post(s.port, '/v1/epoch', { ...inputDoc(name), trace: true });
    expectSameText(viaBody.text, exact(inputDoc(name), true), 'trace in the body');
    const off = await post(s.port, '/v1/epoch?trace=1', { ...inputDoc(name), trace: false });
    expectSameText(off.text, exact(inputDoc(name), false), 'the body overrides the query');
    const big = JSON.parse(epochInputToJson(syntheticInput({ n: 1024, validators: 64, rowLen: 128, seed: 5 })));
    const gz = await call(s.port, '/v1/epoch', { body: gzipSync(JSON.stringify(big)), headers: { ...AUTH, 'Content-Encoding': 'gzip' } });
    expect(gz.status).toBe(200);
    expectSameText(gz.text, exact(big, false), 'gzip n=1024');
  });

  it('POST /v1/epochs: a batch, outputs in input order', async () => {
    const batch = names.slice(10, 16);
    const r = await post(s.port, '/v1/epochs', { id: 'b', trace: true, epochs: batch.map(inputDoc) });
    expect(r.status).toBe(200);
    const oneLine = (t: string) => t.replace(/\n/g, '');
    expectSameText(r.text, `{"id":"b","outputs":[${batch.map((n) => oneLine(exact(inputDoc(n), true))).join(',')}]}\n`, 'batch');
    expect(JSON.parse(r.text).outputs).toEqual(batch.map(expectedDoc));
  });

  it('bearer token: missing or wrong -> 401 on every route, before the body is used', async () => {
    const cases: [string, Record<string, string>, RegExp][] = [
      ['/healthz', {}, /needs "Authorization: Bearer <token>"/],
      ['/metrics', { Authorization: 'Bearer nope' }, /wrong bearer token/],
      ['/v1/epoch', { Authorization: `Basic ${TOKEN}` }, /wrong bearer token/],
      ['/v1/epoch', { Authorization: `Bearer ${TOKEN}x` }, /wrong bearer token/],
      ['/v1/epochs', {}, /needs/],
    ];
    for (const [path, headers, re] of cases) {
      const r = path.startsWith('/v1') ? await post(s.port, path, inputText(names[0]!), headers) : await call(s.port, path, { headers });
      expect(r.status, path).toBe(401);
      expect(r.headers['www-authenticate']).toBe('Bearer realm="yuma"');
      expect(errorOf(r).error).toEqual({ code: 'unauthorized', message: expect.stringMatching(re), field: '' });
    }
    const ok = await call(s.port, '/healthz', { headers: { Authorization: `bearer   ${TOKEN}` } });
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.text)).toMatchObject({ status: 'ok', threads: 2, workers: 2 });
  });

  it('bad requests: one JSON error each, with status, code and field; the server goes on', async () => {
    const good = inputDoc(names[0]!);
    const communeName = readdirSync(communeEdge).find((f) => f.endsWith('.input.json'))!;
    const commune = readFileSync(join(communeEdge, communeName), 'utf8');
    const bad = inputDoc(names[1]!);
    (bad['weights'] as unknown[][])[0] = [[3, 1], [2, 1]];
    const cases: [Promise<Res>, number, string, string | RegExp, unknown?][] = [
      [post(s.port, '/v1/epoch', '{"format": "yuma-epoch/1",'), 400, 'bad_json', ''],
      [post(s.port, '/v1/epoch', ''), 400, 'bad_json', ''],
      [post(s.port, '/v1/epoch', { ...good, id: 'x1', format: 'other' }), 400, 'bad_input', 'format', 'x1'],
      [post(s.port, '/v1/epoch', { ...good, id: 7, kind: 'sequence' }), 400, 'bad_input', 'kind', 7],
      [post(s.port, '/v1/epoch', '[1,2]'), 400, 'bad_request', ''],
      [post(s.port, '/v1/epoch', { id: 'x2', epochs: [good] }), 400, 'bad_request', 'epochs', 'x2'],
      [post(s.port, '/v1/epochs', good), 400, 'bad_request', 'epochs'],
      [post(s.port, '/v1/epochs', { id: 'x3', epochs: [good, bad] }), 400, 'bad_input', 'epochs[1].weights[0][1][0]', 'x3'],
      [post(s.port, '/v1/epoch?trace=maybe', good), 400, 'bad_request', 'trace'],
      [post(s.port, '/v1/epoch', commune), 400, 'unsupported_profile', 'profile'],
      [call(s.port, '/v1/epoch', { headers: AUTH }), 405, 'method_not_allowed', ''],
      [call(s.port, '/healthz', { method: 'POST', body: '{}', headers: AUTH }), 405, 'method_not_allowed', ''],
      [call(s.port, '/v2/epoch', { headers: AUTH }), 404, 'not_found', ''],
      [call(s.port, '/v1/epoch', { body: '{}', headers: { ...AUTH, 'Content-Encoding': 'br' } }), 415, 'unsupported_encoding', ''],
      [call(s.port, '/v1/epoch', { body: 'not gzip', headers: { ...AUTH, 'Content-Encoding': 'gzip' } }), 400, 'bad_request', ''],
    ];
    for (const [p, status, code, field, id] of cases) {
      const r = await p;
      const e = errorOf(r);
      expect(r.status, `${code} ${JSON.stringify(e)}`).toBe(status);
      expect(e.error.code).toBe(code);
      if (typeof field === 'string') expect(e.error.field).toBe(field);
      expect(e.id).toBe(id ?? null);
      expect(e.error.message.length).toBeGreaterThan(5);
    }
    expect((await post(s.port, '/v1/epoch', good)).status).toBe(200);
  });

  it('a body over --max-body gets 413 (the rest read and dropped); gzip counts decoded bytes', async () => {
    const huge = `{"pad":"${'x'.repeat(1_500_000)}"}`;
    const r = await post(s.port, '/v1/epoch', huge);
    expect(r.status).toBe(413);
    expect(errorOf(r).error).toMatchObject({ code: 'too_large', message: expect.stringMatching(/1048576 bytes/) });
    const bomb = gzipSync(Buffer.alloc(3_000_000, 0x20));
    expect(bomb.length).toBeLessThan(1_048_576);
    const g = await call(s.port, '/v1/epoch', { body: bomb, headers: { ...AUTH, 'Content-Encoding': 'gzip' } });
    expect(g.status).toBe(413);
    expect(errorOf(g).error.message).toMatch(/once decompressed/);
    // a declared length far beyond the limit is refused at once
    const early = await new Promise<number>((resolve, reject) => {
      const req = httpRequest({ host: '127.0.0.1', port: s.port, path: '/v1/epoch', method: 'POST', agent: false, headers: { ...AUTH, 'Content-Length': '500000000' } }, (res) => {
        res.resume();
        resolve(res.statusCode!);
      });
      req.on('error', reject);
      req.write('{"x":');
    });
    expect(early).toBe(413);
    expect((await post(s.port, '/v1/epoch', inputText(names[0]!))).status).toBe(200);
  });

  it('concurrent clients: 32 requests at once, every answer exact', async () => {
    const docs = [
      ...names.slice(0, 24).map(inputDoc),
      ...Array.from({ length: 8 }, (_, k) => JSON.parse(epochInputToJson({ ...syntheticInput({ n: 512, validators: 64, rowLen: 64, seed: 50 + k }), netuid: 200 + k }))),
    ];
    const answers = await Promise.all(docs.map((d) => post(s.port, '/v1/epoch', d)));
    answers.forEach((r, i) => {
      expect(r.status).toBe(200);
      expectSameText(r.text, exact(docs[i], false), `request ${i}`);
    });
  });

  it('GET /metrics: Prometheus text with request counts, epoch latency quantiles, pool utilisation', async () => {
    const r = await call(s.port, '/metrics', { headers: AUTH });
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    for (const line of r.text.trimEnd().split('\n')) {
      expect(line).toMatch(/^(# (HELP|TYPE) \w+ .+|[a-z_]+(\{[a-z_]+="[^"]*"(,[a-z_]+="[^"]*")*\})? (-?[0-9.e+-]+|NaN|\+Inf))$/);
    }
    const ok = /yuma_serve_requests_total\{mode="http",route="\/v1\/epoch",result="ok"\} (\d+)/.exec(r.text);
    expect(Number(ok?.[1])).toBeGreaterThanOrEqual(names.length + 30);
    expect(r.text).toMatch(/yuma_serve_requests_total\{mode="http",route="\/v1\/epoch",result="bad_json"\} 2/);
    expect(r.text).toMatch(/yuma_serve_requests_total\{mode="http",route="\/healthz",result="unauthorized"\} 1/);
    expect(r.text).toMatch(/^yuma_serve_epoch_latency_seconds\{quantile="0\.99"\} [0-9.e-]+$/m);
    expect(r.text).toMatch(/^yuma_serve_pool_threads 2$/m);
    const util = Number(/^yuma_serve_pool_utilisation (\S+)$/m.exec(r.text)?.[1]);
    expect(util).toBeGreaterThan(0);
    expect(util).toBeLessThanOrEqual(1);
  });
});

describe('yuma serve --http: limits and failures', () => {
  it('bounded queue: admitted at arrival, before the body; 503 with Retry-After while full; a batch that can never fit: 413', async () => {
    const s = await startHttp(['--threads', '1', '--max-queue', '1', '--quiet']); // capacity 2
    try {
      const small = { epochs: [inputDoc(names[0]!), inputDoc(names[1]!)] };
      const tooBig = await post(s.port, '/v1/epochs', { epochs: [...small.epochs, inputDoc(names[2]!)] }, {});
      expect(tooBig.status).toBe(413);
      expect(errorOf(tooBig).error).toMatchObject({ code: 'batch_too_large', field: 'epochs' });
      // two requests whose bodies are half sent hold both places: a third is refused at once
      const a = postInTwoParts(s.port, '/v1/epochs', JSON.stringify(small));
      const b = postInTwoParts(s.port, '/v1/epoch', inputText(names[3]!));
      await until(async () => (await metric(s.port, 'yuma_serve_admitted_requests')) === 2, 'two requests admitted');
      const refused = await post(s.port, '/v1/epochs', small, {});
      expect(refused.status).toBe(503);
      expect(errorOf(refused).error).toMatchObject({ code: 'queue_full', message: expect.stringMatching(/2 requests in progress \(capacity 2\)/) });
      expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      const [ra, rb] = [await a.finish(), await b.finish()];
      expect(ra.status).toBe(200);
      expect(JSON.parse(ra.text).outputs).toEqual([0, 1].map((i) => JSON.parse(exact(inputDoc(names[i]!), false))));
      expect(rb.status).toBe(200);
      expectSameText(rb.text, exact(inputDoc(names[3]!), false), names[3]!);
      await until(async () => (await metric(s.port, 'yuma_serve_admitted_requests')) === 0, 'the places given back');
      expect((await post(s.port, '/v1/epochs', small, {})).status).toBe(200);
    } finally {
      s.proc.kill('SIGTERM');
      expect((await s.exited).code).toBe(0);
    }
  });

  it('per-request timeout from arrival: a body that never completes gets 504 (and the connection closes), the server goes on', async () => {
    const s = await startHttp(['--threads', '1', '--timeout', '200', '--quiet']);
    try {
      // half a body, the rest never sent: only the deadline can end the request
      const stalled = postInTwoParts(s.port, '/v1/epochs', bigBatch(1).body);
      const r = await stalled.response;
      expect(r.status).toBe(504);
      expect(r.headers['connection']).toBe('close');
      expect(errorOf(r)).toEqual({ id: null, error: { code: 'timeout', message: expect.stringMatching(/within 200 ms of its arrival/), field: '' } });
      const h = await call(s.port, '/healthz');
      expect(h.status).toBe(200);
    } finally {
      s.proc.kill('SIGTERM');
      expect((await s.exited).code).toBe(0);
    }
  });

  it('a client that goes away mid-request: its epochs stop, the server goes on; then killed mid-request: the client sees an error, nothing hangs', async () => {
    const s = await startHttp(['--threads', '1', '--quiet']);
    const waitBusy = () => until(async () => (await metric(s.port, 'yuma_serve_pool_busy')) >= 1, 'busy');
    // the client goes away once its 8 epochs are on the pool (1 running, 7 waiting)
    const ac = new AbortController();
    const away = call(s.port, '/v1/epochs', { body: bigBatch(8).body, signal: ac.signal });
    void away.catch(() => {});
    await until(async () => (await metric(s.port, 'yuma_serve_queue_depth')) >= 1, 'queued');
    ac.abort();
    await expect(away).rejects.toThrow();
    // settled: the request counted, and all of its 8 epochs
    const epochs = (m: string, result: string) => Number(new RegExp(`yuma_serve_epochs_total\\{result="${result}"\\} (\\d+)`).exec(m)?.[1]);
    let m = '';
    await until(async () => {
      m = (await call(s.port, '/metrics')).text;
      return /route="\/v1\/epochs",result="cancelled"\} 1/.test(m) && epochs(m, 'cancelled') + epochs(m, 'ok') === 8;
    }, 'cancelled');
    // its epochs were stopped (the running one's worker replaced), not run to the end for
    // nothing; how many finished before the client went is up to the machine's speed
    expect(epochs(m, 'cancelled')).toBeGreaterThanOrEqual(1);
    const ok = await post(s.port, '/v1/epoch', inputText(names[2]!), {});
    expect(ok.status).toBe(200);
    expectSameText(ok.text, exact(inputDoc(names[2]!), false), 'after a cancelled request');

    // the server is killed
    const p = post(s.port, '/v1/epochs', bigBatch(8).body, {});
    const outcome = p.then(
      (r) => `answered ${r.status}`,
      (e: NodeJS.ErrnoException) => `error ${e.code ?? e.message}`,
    );
    await waitBusy();
    s.proc.kill('SIGKILL');
    expect(await outcome).toMatch(/^error (ECONNRESET|socket hang up)/);
    expect((await s.exited).signal).toBe('SIGKILL');
  });

  it('SIGTERM: the request in flight finishes (200, exact), new connections are refused, exit 0', async () => {
    const s = await startHttp(['--threads', '1']);
    const { input, body } = bigBatch(4);
    const p = post(s.port, '/v1/epochs', body, {});
    await until(async () => (await metric(s.port, 'yuma_serve_pool_busy')) >= 1, 'busy');
    s.proc.kill('SIGTERM');
    const r = await p;
    expect(r.status).toBe(200);
    expect(r.headers['connection']).toBe('close');
    const want = JSON.stringify(JSON.parse(epochOutputToJson(runEpoch(input))));
    const outs = (JSON.parse(r.text) as { outputs: unknown[] }).outputs;
    expect(outs).toHaveLength(4);
    outs.forEach((o, i) => expectSameText(JSON.stringify(o), want, `outputs[${i}]`));
    expect(await s.exited).toEqual({ code: 0, signal: null });
    expect(s.stderr()).toMatch(/SIGTERM: finishing in-flight requests[\s\S]*stopped/);
    await expect(call(s.port, '/healthz')).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });

  it('option errors: a missing or empty token file exits 2, a port in use exits 1', async () => {
    const run = (args: string[]) => spawnSync(process.execPath, [bin, 'serve', ...args], { cwd: root, encoding: 'utf8', timeout: 20_000 });
    const missing = run(['--http', '--token-file', join(dir, 'nope')]);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/^yuma serve: --token-file: cannot read the token file: ENOENT\n$/);
    writeFileSync(join(dir, 'empty'), '\n');
    const empty = run(['--http', '--token-file', join(dir, 'empty')]);
    expect(empty.status).toBe(2);
    expect(empty.stderr).toMatch(/--token-file: the token file must hold one token/);
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
    const port = (blocker.address() as { port: number }).port;
    try {
      const inUse = spawn(process.execPath, [bin, 'serve', '--http', '--port', String(port), '--threads', '1'], { cwd: root });
      children.add(inUse as ChildProcessWithoutNullStreams);
      let err = '';
      inUse.stderr.on('data', (d: Buffer) => (err += d.toString()));
      const exit = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) =>
        inUse.on('exit', (code, signal) => r({ code, signal })),
      );
      expect(exit, err).toEqual({ code: 1, signal: null });
      expect(err).toMatch(new RegExp(`cannot listen on 127\\.0\\.0\\.1:${port}: EADDRINUSE`));
    } finally {
      blocker.close();
    }
  });
});

describe('the Python HTTP example', () => {
  const python = spawnSync('python3', ['--version'], { encoding: 'utf8' });
  const have = python.status === 0;
  if (!have) console.log(`skipping the Python HTTP example: python3 is not available (${python.error?.message ?? python.stderr})`);
  it.skipIf(!have)('examples/python/http_client.py: every golden output equal, with python3 alone', () => {
    const r = spawnSync('python3', [join(root, 'examples/python/http_client.py'), '--threads', '2'], {
      cwd: root,
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(r.status, `${r.stdout}\n${r.stderr}`).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`http: ${2 * names.length} of ${2 * names.length} outputs equal the expected files`));
  }, 70_000);
});
