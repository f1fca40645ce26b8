// `yuma serve` under hostile input and faults: admission at arrival with the server's peak RSS
// under the bound README states, JSON too deep or too long refused before it is built, a
// document that would take more heap than a worker has (413, the server goes on), the 401
// sent before a body is read, the token file reloaded on SIGHUP, and stdio lines that arrive
// during a graceful shutdown answered `shutting_down`. Loopback only, a handful of servers,
// every wait on an event or a condition. Run `npm run build` first (npm ci does).
import { describe, it, expect, afterAll } from 'vitest';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { PassThrough } from 'node:stream';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const bin = join(root, 'dist/cli/main.js');
if (!existsSync(bin) || !existsSync(join(root, 'dist/serve/index.js'))) {
  throw new Error(`${bin} or dist/serve is missing: run \`npm run build\` (npm ci does it)`);
}
const lib: typeof import('../dist/index.js') = await import('../dist/index.js');
const serve: typeof import('../dist/serve/index.js') = await import('../dist/serve/index.js');
const codec: typeof import('../dist/serve/codec.js') = await import('../dist/serve/codec.js');

const edge = join(root, 'test/fixtures/golden/edge');
const names = readdirSync(edge)
  .filter((f) => f.endsWith('.input.json'))
  .map((f) => f.slice(0, -'.input.json'.length))
  .sort();
const inputText = (name: string) => readFileSync(join(edge, `${name}.input.json`), 'utf8');
const exact = (text: string) => lib.epochOutputToJson(lib.runEpoch(lib.parseEpochInput(JSON.parse(text))));
const MiB = 2 ** 20;

const haveProc = existsSync('/proc/self/status');
/** a process's resident memory now (VmRSS) or at its peak (VmHWM), bytes */
const memory = (pid: number, key: 'VmRSS' | 'VmHWM') =>
  Number(new RegExp(`^${key}:\\s+(\\d+) kB$`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) * 1024;

const children = new Set<ChildProcessWithoutNullStreams>();
afterAll(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

interface Server {
  proc: ChildProcessWithoutNullStreams;
  port: number;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** resolves once stderr matches */
  waitStderr(re: RegExp): Promise<void>;
}

/** `yuma serve --http --port 0 ...args`, once it listens */
function startHttp(args: string[]): Promise<Server> {
  const proc = spawn(process.execPath, [bin, 'serve', '--http', '--port', '0', ...args], { cwd: root });
  children.add(proc);
  let stderr = '';
  const watchers: { re: RegExp; resolve: () => void }[] = [];
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    proc.on('exit', (code, signal) => resolve({ code, signal })),
  );
  proc.stdout.resume();
  proc.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
    for (const w of [...watchers]) if (w.re.test(stderr)) watchers.splice(watchers.indexOf(w), 1) && w.resolve();
  });
  const waitStderr = (re: RegExp) =>
    new Promise<void>((resolve, reject) => {
      if (re.test(stderr)) return resolve();
      watchers.push({ re, resolve });
      void exited.then(() => reject(new Error(`the server exited before stderr matched ${re}: ${stderr}`)));
    });
  return waitStderr(/listening on http:\/\/127\.0\.0\.1:(\d+)/).then(() => ({
    proc,
    port: Number(/listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(stderr)![1]),
    exited,
    waitStderr,
  }));
}

interface Res {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
}

/** one request on its own connection; `headersOnly`: the body is never sent (only the headers) */
function call(
  port: number,
  path: string,
  options: { method?: string; body?: string | Buffer; headers?: Record<string, string | number>; headersOnly?: boolean } = {},
): Promise<Res & { closed: Promise<void> }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: '127.0.0.1', port, path, method: options.method ?? (options.body !== undefined || options.headersOnly ? 'POST' : 'GET'), headers: options.headers ?? {}, agent: false },
      (res) => {
        const closed = new Promise<void>((r) => res.socket.once('close', () => r()));
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, text: Buffer.concat(chunks).toString('utf8'), closed }));
        res.on('error', reject);
      },
    );
    // the server may close while a refused body is still being sent
    req.on('error', (e: NodeJS.ErrnoException) => (options.headersOnly || e.code === 'EPIPE' ? undefined : reject(e)));
    if (options.headersOnly) req.flushHeaders();
    else req.end(options.body);
  });
}
const errorOf = (r: Res) => JSON.parse(r.text) as { id: unknown; error: { code: string; message: string; field: string } };

/** `[[{},{},...],...]`: close to `bytes` long, a deep-enough, long-enough shape that JSON.parse makes the most of */
function emptyObjects(bytes: number): Buffer {
  const row = `[${Array(60_000).fill('{}').join(',')}]`;
  const rows = Math.max(1, Math.floor((bytes - 2) / (row.length + 1)));
  return Buffer.from(`[${Array(rows).fill(row).join(',')}]`);
}

describe.skipIf(!haveProc)('yuma serve --http: memory under concurrent large bodies', () => {
  it('admitted at arrival against --max-buffered: 503 for the rest, peak RSS under the README bound', async () => {
    const maxBody = 8 * MiB;
    const maxBuffered = 16 * MiB;
    const s = await startHttp(['--threads', '1', '--max-body', '8m', '--max-buffered', '16m', '--quiet']);
    try {
      const idle = memory(s.proc.pid!, 'VmRSS');
      // 40 bodies of 6 MB at once, each as costly to parse as the shape limits allow
      const body = emptyObjects(6 * MiB);
      const replies = await Promise.all(Array.from({ length: 40 }, () => call(s.port, '/v1/epoch', { body })));
      const peak = memory(s.proc.pid!, 'VmHWM');
      const count = (code: string) => replies.filter((r) => errorOf(r).error.code === code).length;
      // two fit in 16 MiB at a time; each admitted one is parsed (then refused: not an input
      // object), or stopped at the worker's heap limit
      expect(count('queue_full')).toBeGreaterThan(0);
      expect(count('bad_request') + count('too_large')).toBeGreaterThan(0);
      expect(count('queue_full') + count('bad_request') + count('too_large')).toBe(40);
      for (const r of replies) expect([400, 413, 503]).toContain(r.status);
      // README "Memory": idle + 64 MiB + 3 x --max-buffered + threads x (10 x --max-body
      // + 128 MiB) (+ threads x the largest epoch's WASM memory: none ran here)
      const bound = idle + 64 * MiB + 3 * maxBuffered + 1 * (codec.PARSE_HEAP_PER_BYTE * maxBody + 128 * MiB);
      expect(peak, `peak RSS ${(peak / MiB).toFixed(0)} MiB, idle ${(idle / MiB).toFixed(0)} MiB`).toBeLessThanOrEqual(bound);
      expect((await call(s.port, '/v1/epoch', { body: inputText(names[0]!) })).status).toBe(200);
    } finally {
      s.proc.kill('SIGTERM');
      expect((await s.exited).code).toBe(0);
    }
  }, 120_000);
});

describe('yuma serve --http: hostile documents', () => {
  it('JSON deeper or longer than a request can need is refused before it is built; a batch at the full depth is not', async () => {
    const s = await startHttp(['--threads', '1', '--max-body', '8m', '--quiet']);
    try {
      const before = haveProc ? memory(s.proc.pid!, 'VmHWM') : 0;
      const deep = await call(s.port, '/v1/epoch', { body: `${'['.repeat(4_000_000)}${']'.repeat(4_000_000)}` });
      expect(deep.status).toBe(400);
      expect(errorOf(deep).error).toEqual({ code: 'bad_request', message: expect.stringMatching(/^JSON nested deeper than 8 levels \(at byte 8\)/), field: '' });
      // nothing was built: 4M nested arrays would take over 200 MiB of heap
      if (haveProc) expect(memory(s.proc.pid!, 'VmHWM') - before).toBeLessThan(64 * MiB);
      const long = await call(s.port, '/v1/epoch', { body: `[${Array(70_000).fill('0').join(',')}]` });
      expect(long.status).toBe(400);
      expect(errorOf(long).error.message).toMatch(/more than 65536 members/);
      // depth 8 (a batch > an input > mechanisms > a mechanism > weights > a row > a pair):
      // past the shape check, the input's own validation answers
      const deepest = JSON.stringify({ epochs: [{ ...JSON.parse(inputText(names[0]!)), mechanisms: [{ weights: [[[1, 2]]] }] }] });
      const r = await call(s.port, '/v1/epochs', { body: deepest });
      expect(r.text).not.toMatch(/nested deeper|members/);
      expect((await call(s.port, '/v1/epoch', { body: inputText(names[0]!) })).status).toBe(200);
    } finally {
      s.proc.kill('SIGTERM');
      expect((await s.exited).code).toBe(0);
    }
  }, 60_000);

  it('a document that needs more heap than a worker may use: 413, the worker replaced, the server goes on', async () => {
    const s = await startHttp(['--threads', '1', '--max-body', '8m', '--quiet']);
    try {
      const r = await call(s.port, '/v1/epoch', { body: emptyObjects(8 * MiB - 1024) });
      expect(r.status).toBe(413);
      expect(errorOf(r).error).toMatchObject({ code: 'too_large', message: expect.stringMatching(/needs more than the 144 MiB a worker may use/) });
      const ok = await call(s.port, '/v1/epoch', { body: inputText(names[1]!) });
      expect(ok.status).toBe(200);
      expect(ok.text).toBe(exact(inputText(names[1]!)));
    } finally {
      s.proc.kill('SIGTERM');
      expect((await s.exited).code).toBe(0);
    }
  }, 60_000);
});

describe('yuma serve --http: the token', () => {
  const dir = mkdtempSync(join(tmpdir(), 'yuma-faults-serve-'));
  const tokenFile = join(dir, 'token');

  it('401 before a byte of the body is read (a huge Content-Length, or none), then the connection closes', async () => {
    writeFileSync(tokenFile, 'first-token\n');
    const s = await startHttp(['--threads', '1', '--token-file', tokenFile, '--quiet']);
    try {
      // only the headers are ever sent: the answer cannot wait for the body
      for (const headers of [{ 'Content-Length': 2 ** 30 }, { 'Transfer-Encoding': 'chunked' }, { 'Content-Length': 2 ** 30, Authorization: 'Bearer wrong' }] as Record<string, string | number>[]) {
        const r = await call(s.port, '/v1/epoch', { headers, headersOnly: true });
        expect(r.status, JSON.stringify(headers)).toBe(401);
        expect(r.headers['connection']).toBe('close');
        expect(errorOf(r).error.code).toBe('unauthorized');
        await r.closed;
      }
      // a small body is read and dropped before the reply ends, so that a client that sends
      // it all before reading gets the 401
      const small = await call(s.port, '/v1/epoch', { body: inputText(names[0]!) });
      expect(small.status).toBe(401);
    } finally {
      s.proc.kill('SIGTERM');
      expect((await s.exited).code).toBe(0);
    }
  });

  it('SIGHUP reads --token-file again; a file without a token keeps the old one', async () => {
    writeFileSync(tokenFile, 'first-token\n');
    const s = await startHttp(['--threads', '1', '--token-file', tokenFile]);
    const auth = (t: string) => ({ Authorization: `Bearer ${t}` });
    try {
      expect((await call(s.port, '/healthz', { headers: auth('first-token') })).status).toBe(200);
      writeFileSync(tokenFile, 'second-token\n');
      s.proc.kill('SIGHUP');
      await s.waitStderr(/SIGHUP: token reloaded from --token-file/);
      expect((await call(s.port, '/healthz', { headers: auth('first-token') })).status).toBe(401);
      expect((await call(s.port, '/healthz', { headers: auth('second-token') })).status).toBe(200);
      writeFileSync(tokenFile, '\n');
      s.proc.kill('SIGHUP');
      await s.waitStderr(/SIGHUP: token NOT reloaded, the old one stays: the token file must hold one token/);
      expect((await call(s.port, '/healthz', { headers: auth('second-token') })).status).toBe(200);
    } finally {
      s.proc.kill('SIGTERM');
      expect((await s.exited).code).toBe(0);
    }
  });
});

describe('yuma serve --stdio: a graceful shutdown', () => {
  it('the request read before stop() is answered; lines that arrive after, and a line cut off, get shutting_down', async () => {
    const service = new serve.Service({ mode: 'stdio', threads: 1 });
    const input = new PassThrough();
    const output = new PassThrough();
    let text = '';
    output.on('data', (d: Buffer) => (text += d.toString()));
    let readOne!: () => void;
    const firstRead = new Promise<void>((r) => (readOne = r));
    const server = serve.serveStdio(service, {
      input,
      output,
      maxLineBytes: MiB,
      log: (line) => /^request 1: \d+ bytes read$/.test(line) && readOne(),
    });
    const doc = { ...JSON.parse(inputText(names[0]!)), id: 'first' };
    input.write(`${JSON.stringify(doc)}\n`);
    await firstRead;
    // the first request is on its way through the workers: its reply needs their messages,
    // which come after everything below
    server.stop();
    input.write('{"id":"late"}\n');
    input.write('{"id":"cut off"');
    await server.done;
    const lines = text.trimEnd().split('\n').map((l) => JSON.parse(l) as { id: unknown; output?: unknown; error?: { code: string } });
    expect(lines).toHaveLength(3);
    expect(lines[0]!.id).toBe('first');
    expect(lines[0]!.output).toEqual(JSON.parse(exact(inputText(names[0]!))));
    expect(lines[1]).toEqual({ id: null, error: { code: 'shutting_down', message: expect.any(String), field: '' } });
    expect(lines[2]).toEqual({ id: null, error: { code: 'shutting_down', message: expect.any(String), field: '' } });
  });
});
