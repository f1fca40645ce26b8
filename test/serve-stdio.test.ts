// `yuma serve --stdio`: the built CLI as a subprocess, as a client in another
// language would run it. Round trips equal runEpoch (the exact text of epochOutputToJson, one
// line), batches, every error as a reply (never a dead server; a blank line too: one reply
// per line), backpressure-free pipelining, end of input, SIGTERM (graceful), SIGKILL
// mid-request (the client sees EOF, nothing hangs), option errors, and the Python example.
// Waits are on events (a reply, the --verbose line of a request read), never fixed sleeps.
// Run `npm run build` first (npm ci does).
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const bin = join(root, 'dist/cli/main.js');
if (!existsSync(bin) || !existsSync(join(root, 'dist/serve/stdio.js'))) {
  throw new Error(`${bin} or dist/serve is missing: run \`npm run build\` (npm ci does it)`);
}
const lib: typeof import('../dist/index.js') = await import('../dist/index.js');
const { runEpoch, parseEpochInput, epochOutputToJson, epochInputToJson, syntheticInput } = lib;
const { MAX_INPUT_BYTES } = (await import('../dist/engine/limits.js')) as typeof import('../dist/engine/limits.js');

const edge = join(root, 'test/fixtures/golden/edge');
const communeEdge = join(root, 'test/fixtures/golden/commune/edge');
const names = readdirSync(edge)
  .filter((f) => f.endsWith('.input.json'))
  .map((f) => f.slice(0, -'.input.json'.length))
  .sort();
const inputText = (name: string) => readFileSync(join(edge, `${name}.input.json`), 'utf8');
const inputDoc = (name: string) => JSON.parse(inputText(name)) as Record<string, unknown>;
const expectedDoc = (name: string) => JSON.parse(readFileSync(join(edge, `${name}.expected.json`), 'utf8')) as unknown;
/** what the server must answer: runEpoch on the main thread, in the golden layout, on one line */
const exactLine = (doc: unknown, trace: boolean) =>
  epochOutputToJson(runEpoch(parseEpochInput(doc), { trace })).replace(/\n/g, '');

/** equal strings, or a failure showing the first difference only (outputs are long) */
function expectSameText(got: string, want: string, what: string) {
  if (got === want) return;
  let i = 0;
  while (i < got.length && got[i] === want[i]) i++;
  expect.fail(`${what}: differs at ${i}: got ...${got.slice(Math.max(0, i - 40), i + 60)}... want ...${want.slice(Math.max(0, i - 40), i + 60)}...`);
}

interface Reply {
  id: unknown;
  output?: Record<string, unknown>;
  outputs?: unknown[];
  error?: { code: string; message: string; field: string };
}

const children = new Set<ChildProcessWithoutNullStreams>();
afterAll(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

/** `yuma serve --stdio` with a line reader: next() is the next reply line (null at EOF) */
function startStdio(args: string[] = []) {
  const proc = spawn(process.execPath, [bin, 'serve', '--stdio', '--quiet', ...args], { cwd: root });
  children.add(proc);
  const lines: (string | null)[] = [];
  const waiters: ((l: string | null) => void)[] = [];
  let buf = '';
  let stderr = '';
  /** stderr watchers: resolved once stderr matches */
  const stderrWaiters: { re: RegExp; resolve: () => void }[] = [];
  const push = (l: string | null) => {
    const w = waiters.shift();
    if (w) w(l);
    else lines.push(l);
  };
  proc.stdout.setEncoding('utf8');
  proc.stdout.on('data', (d: string) => {
    buf += d;
    for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
      push(buf.slice(0, i));
      buf = buf.slice(i + 1);
    }
  });
  proc.stdout.on('end', () => push(null));
  proc.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
    for (const w of [...stderrWaiters]) {
      if (w.re.test(stderr)) {
        stderrWaiters.splice(stderrWaiters.indexOf(w), 1);
        w.resolve();
      }
    }
  });
  proc.stdin.on('error', () => {}); // EPIPE after a kill
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    proc.on('exit', (code, signal) => resolve({ code, signal })),
  );
  return {
    proc,
    exited,
    stderr: () => stderr,
    /** resolves once the server's stderr matches `re` (a --verbose request line, say) */
    waitStderr: (re: RegExp, timeoutMs = 30_000) =>
      new Promise<void>((resolve, reject) => {
        if (re.test(stderr)) return resolve();
        const t = setTimeout(() => reject(new Error(`stderr never matched ${re} within ${timeoutMs} ms: ${stderr}`)), timeoutMs);
        stderrWaiters.push({ re, resolve: () => (clearTimeout(t), resolve()) });
      }),
    /** writes one line; resolves once it is handed to the pipe */
    send: (line: string | object) =>
      new Promise<void>((resolve) => proc.stdin.write(`${typeof line === 'string' ? line : JSON.stringify(line)}\n`, () => resolve())),
    nextLine: (timeoutMs = 20_000) =>
      new Promise<string | null>((resolve, reject) => {
        if (lines.length > 0) return resolve(lines.shift()!);
        const t = setTimeout(() => reject(new Error(`no reply within ${timeoutMs} ms; stderr: ${stderr}`)), timeoutMs);
        waiters.push((l) => {
          clearTimeout(t);
          resolve(l);
        });
      }),
    async next(timeoutMs?: number): Promise<Reply> {
      const l = await this.nextLine(timeoutMs);
      if (l === null) throw new Error(`EOF; stderr: ${stderr}`);
      return JSON.parse(l) as Reply;
    },
    end: () => proc.stdin.end(),
  };
}

/** a batch line of `copies` times one big synthetic input (a request that runs for a while) */
function bigBatch(copies: number) {
  const input = { ...syntheticInput({ n: 4096, validators: 256, rowLen: 256, seed: 3 }), netuid: 77 };
  const text = epochInputToJson(input).replace(/\n/g, '');
  return { input, line: `{"id":"big","epochs":[${Array.from({ length: copies }, () => text).join(',')}]}` };
}

describe('yuma serve --stdio', () => {
  let server: ReturnType<typeof startStdio>;
  beforeAll(() => {
    server = startStdio(['--threads', '2', '--max-body', '128k']);
  });
  afterAll(async () => {
    server.end();
    expect((await server.exited).code).toBe(0);
  });

  it('every golden edge input, pipelined: replies in order, ids echoed, the exact runEpoch text', async () => {
    expect(names.length).toBeGreaterThan(60);
    // all requests first, then the replies: they run concurrently on the pool
    await Promise.all(names.map((name) => server.send({ ...inputDoc(name), id: name, trace: true })));
    for (const name of names) {
      const line = (await server.nextLine())!;
      const prefix = `{"id":${JSON.stringify(name)},"output":`;
      expect(line.startsWith(prefix), `${name}: ${line.slice(0, 200)}`).toBe(true);
      expectSameText(line.slice(prefix.length, -1), exactLine(inputDoc(name), true), name);
      expect(JSON.parse(line).output, name).toEqual(expectedDoc(name));
    }
  });

  it('no trace unless asked; numeric ids; a larger synthetic subnet', async () => {
    const doc = JSON.parse(epochInputToJson(syntheticInput({ n: 300, validators: 32, rowLen: 40, seed: 9 })));
    await server.send({ ...doc, id: 42 });
    const line = (await server.nextLine())!;
    expectSameText(line, `{"id":42,"output":${exactLine(doc, false)}}`, 'n=300');
    expect('trace' in JSON.parse(line).output).toBe(false);
  });

  it('a batch: outputs in input order, all or nothing with the field of the bad epoch', async () => {
    const batch = names.slice(0, 5);
    await server.send({ id: 'b1', trace: true, epochs: batch.map(inputDoc) });
    const r = await server.next();
    expect(r.id).toBe('b1');
    expect(r.outputs).toEqual(batch.map(expectedDoc));
    // an element's own trace overrides the batch's
    await server.send({ id: 'b2', epochs: [inputDoc(batch[0]!), { ...inputDoc(batch[1]!), trace: true }] });
    const r2 = await server.next();
    expect((r2.outputs![0] as Record<string, unknown>)['trace']).toBeUndefined();
    expect(r2.outputs![1]).toEqual(expectedDoc(batch[1]!));
    const bad = inputDoc(batch[2]!);
    (bad['neurons'] as Record<string, unknown[]>)['last_update']![1] = -1;
    await server.send({ id: 'b3', epochs: [inputDoc(batch[0]!), bad] });
    const r3 = await server.next();
    expect(r3).toEqual({ id: 'b3', error: { code: 'bad_input', message: expect.any(String), field: 'epochs[1].neurons.last_update[1]' } });
    await server.send({ id: 'b4', epochs: [] });
    expect(await server.next()).toEqual({ id: 'b4', outputs: [] });
    await server.send({ id: 'b5', epochs: 'no' });
    expect((await server.next()).error).toMatchObject({ code: 'bad_request', field: 'epochs' });
  });

  it('every bad request is an error reply, and the server goes on', async () => {
    const good = { ...inputDoc(names[0]!), id: 'ok' };
    const communeName = readdirSync(communeEdge).find((f) => f.endsWith('.input.json'))!;
    const commune = JSON.parse(readFileSync(join(communeEdge, communeName), 'utf8'));
    const cases: [string | object, Reply][] = [
      ['{"format": "yuma-epoch/1", "kind": "input",', { id: null, error: { code: 'bad_json', message: expect.stringMatching(/^invalid JSON/), field: '' } }],
      ['[1, 2]', { id: null, error: { code: 'bad_request', message: expect.stringMatching(/expected a JSON object/), field: '' } }],
      ['"text"', { id: null, error: { code: 'bad_request', message: expect.any(String), field: '' } }],
      [{ ...good, id: 'f', format: 'yuma-epoch/2' }, { id: 'f', error: { code: 'bad_input', message: 'expected "yuma-epoch/1", got "yuma-epoch/2"', field: 'format' } }],
      [{ ...good, id: 'k', kind: 'output' }, { id: 'k', error: { code: 'bad_input', message: expect.any(String), field: 'kind' } }],
      [{ ...good, id: { x: 1 } }, { id: null, error: { code: 'bad_request', message: expect.any(String), field: 'id' } }],
      [{ ...good, id: 't', trace: 'yes' }, { id: 't', error: { code: 'bad_request', message: expect.any(String), field: 'trace' } }],
      [{ ...good, id: 'n', n: 3 }, { id: 'n', error: { code: 'bad_input', message: expect.any(String), field: expect.stringMatching(/^neurons\./) } }],
      [{ ...commune, id: 'c' }, { id: 'c', error: { code: 'unsupported_profile', message: expect.stringMatching(/commune.*yuma epoch/s), field: 'profile' } }],
      // over --max-body (128k): skipped without being buffered
      [`{"id":"huge","pad":"${'x'.repeat(300_000)}"}`, { id: null, error: { code: 'too_large', message: expect.stringMatching(/131072 bytes/), field: '' } }],
      // one reply per line, blank lines included (a client may count replies)
      ['   ', { id: null, error: { code: 'bad_request', message: 'a blank line is not a request', field: '' } }],
      ['', { id: null, error: { code: 'bad_request', message: 'a blank line is not a request', field: '' } }],
      ['\r', { id: null, error: { code: 'bad_request', message: 'a blank line is not a request', field: '' } }],
    ];
    for (const [req] of cases) await server.send(req);
    await server.send(`${JSON.stringify(good)}\r`); // CRLF line ending
    for (const [req, want] of cases) expect(await server.next(), JSON.stringify(req).slice(0, 80)).toEqual(want);
    const after = await server.next();
    expect(after.id).toBe('ok');
    expect(after.output).toBeDefined();
  });
});

describe('yuma serve --stdio: lifecycle', () => {
  it('end of input: every request already sent is answered, then exit 0', async () => {
    const s = startStdio(['--threads', '1']);
    for (const name of names.slice(0, 20)) await s.send({ ...inputDoc(name), id: name });
    s.end();
    for (const name of names.slice(0, 20)) expect((await s.next()).id).toBe(name);
    expect(await s.nextLine()).toBeNull();
    expect(await s.exited).toEqual({ code: 0, signal: null });
  });

  it('more lines in one write than the server holds at once: read as room frees, every one answered in order', async () => {
    const s = startStdio(['--threads', '1', '--max-queue', '3']); // capacity 4
    const doc = inputDoc(names[0]!);
    const want = exactLine(doc, false);
    await s.send(Array.from({ length: 200 }, (_, i) => JSON.stringify({ ...doc, id: i })).join('\n'));
    s.end();
    for (let i = 0; i < 200; i++) expectSameText((await s.nextLine())!, `{"id":${i},"output":${want}}`, `reply ${i}`);
    expect(await s.nextLine()).toBeNull();
    expect(await s.exited).toEqual({ code: 0, signal: null });
  });

  it('SIGTERM: the request in flight finishes and is answered, then exit 0', async () => {
    const s = startStdio(['--threads', '1', '--verbose']);
    const { input, line } = bigBatch(4);
    await s.send(line);
    // signalled once the server has read the whole line (its --verbose line on stderr)
    await s.waitStderr(/request 1: \d+ bytes read/);
    s.proc.kill('SIGTERM');
    const r = await s.next(30_000);
    expect(r.id).toBe('big');
    expect(r.outputs).toHaveLength(4);
    const want = JSON.stringify(JSON.parse(epochOutputToJson(runEpoch(input))));
    r.outputs!.forEach((o, i) => expectSameText(JSON.stringify(o), want, `outputs[${i}]`));
    expect(await s.nextLine()).toBeNull();
    expect(await s.exited).toEqual({ code: 0, signal: null });
  });

  it('killed mid-request: the client sees end of output, nothing hangs', async () => {
    const s = startStdio(['--threads', '1', '--verbose']);
    await s.send({ ...inputDoc(names[0]!), id: 'first' });
    expect((await s.next()).id).toBe('first');
    await s.send(bigBatch(8).line);
    await s.waitStderr(/request 2: \d+ bytes read/);
    s.proc.kill('SIGKILL');
    expect(await s.nextLine(10_000)).toBeNull();
    expect((await s.exited).signal).toBe('SIGKILL');
  });

  it('option errors exit 2 with one line', () => {
    const run = (args: string[]) => spawnSync(process.execPath, [bin, 'serve', ...args], { cwd: root, encoding: 'utf8', timeout: 20_000 });
    for (const [args, re] of [
      [[], /--stdio: give exactly one of --stdio and --http/],
      [['--stdio', '--http'], /exactly one/],
      [['--stdio', '--port', '80'], /--port: only with --http/],
      [['--stdio', '--threads', '0'], /--threads: expected an integer 1\.\.256/],
      [['--stdio', '--max-body', '12q'], /--max-body: expected a size/],
      // the largest input document any reader takes (MAX_INPUT_BYTES)
      [['--stdio', '--max-body', String(MAX_INPUT_BYTES + 1)], new RegExp(`--max-body: at most ${MAX_INPUT_BYTES} bytes`)],
      [['--stdio', '--max-body', '2m', '--max-buffered', '1m'], /--max-buffered: must be at least --max-body/],
    ] as [string[], RegExp][]) {
      const r = run(args);
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stderr).toMatch(re);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
    }
  });
});

describe('the Python stdio example', () => {
  const python = spawnSync('python3', ['--version'], { encoding: 'utf8' });
  const have = python.status === 0;
  if (!have) console.log(`skipping the Python stdio example: python3 is not available (${python.error?.message ?? python.stderr})`);
  it.skipIf(!have)('examples/python/stdio_client.py: every golden output equal, with python3 alone', () => {
    const r = spawnSync('python3', [join(root, 'examples/python/stdio_client.py'), '--threads', '2'], {
      cwd: root,
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(r.stderr).toBe('');
    expect(r.status, r.stdout).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`stdio: ${2 * names.length} of ${2 * names.length} outputs equal the expected files`));
  }, 70_000);
});
