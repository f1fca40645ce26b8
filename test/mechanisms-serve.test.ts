// `yuma serve` with multi-mechanism documents (docs/spec/mechanisms.md), over stdio and HTTP on
// loopback: the reply is the exact `yuma epoch` output, batches may mix single- and
// multi-mechanism documents, and bad documents get the usual error reply naming the field.
import { describe, it, expect, afterAll } from 'vitest';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { request as httpRequest } from 'node:http';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const bin = join(root, 'dist/cli/main.js');
if (!existsSync(bin)) throw new Error(`${bin} is missing: run \`npm run build\``);
const lib: typeof import('../dist/index.js') = await import('../dist/index.js');
const { runMechanismsEpoch, parseMechanismsInput, mechanismsOutputToJson, runEpoch, parseEpochInput, epochOutputToJson } = lib;

const FIX = join(root, 'test/fixtures/golden');
const multiText = readFileSync(join(FIX, 'mechanisms/m20_c11_n3_skewed_rao_some_empty_y3_la_cr_own.input.json'), 'utf8');
const multi2Text = readFileSync(join(FIX, 'mechanisms/m31_c9_n20_even_rao_mixed_y3_own.input.json'), 'utf8');
const singleText = readFileSync(join(FIX, 'edge/kappa_65535.input.json'), 'utf8');
const multiOut = (text: string, trace = false) => mechanismsOutputToJson(runMechanismsEpoch(parseMechanismsInput(JSON.parse(text)), { trace }));
const singleOut = (text: string) => epochOutputToJson(runEpoch(parseEpochInput(JSON.parse(text))));
const line = (s: string) => s.replace(/\n/g, '');

const children = new Set<ChildProcessWithoutNullStreams>();
afterAll(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

function start(args: string[]) {
  const proc = spawn(process.execPath, [bin, 'serve', ...args], { cwd: root });
  children.add(proc);
  return proc;
}

describe('yuma serve --stdio: multi-mechanism documents', () => {
  it('answers each with the exact output; a batch mixes both kinds; errors name the field', async () => {
    const proc = start(['--stdio', '--quiet', '--threads', '2']);
    const replies: string[] = [];
    let buf = '';
    const want = 3;
    const done = new Promise<void>((resolve) => {
      proc.stdout.setEncoding('utf8');
      proc.stdout.on('data', (d: string) => {
        buf += d;
        for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
          replies.push(buf.slice(0, i));
          buf = buf.slice(i + 1);
        }
        if (replies.length >= want) resolve();
      });
    });
    const bad = JSON.parse(multiText);
    bad.weights = [];
    proc.stdin.write(`${JSON.stringify({ ...JSON.parse(multiText), id: 1, trace: true })}\n`);
    proc.stdin.write(`${JSON.stringify({ id: 'b', epochs: [JSON.parse(singleText), JSON.parse(multi2Text)] })}\n`);
    proc.stdin.write(`${JSON.stringify({ id: 3, epochs: [JSON.parse(singleText), bad] })}\n`);
    await done;
    proc.stdin.end();
    const byId = new Map(replies.map((r) => [JSON.parse(r).id, r]));
    expect(byId.get(1)).toBe(`{"id":1,"output":${line(multiOut(multiText, true))}}`);
    expect(byId.get('b')).toBe(`{"id":"b","outputs":[${line(singleOut(singleText))},${line(multiOut(multi2Text))}]}`);
    expect(JSON.parse(byId.get(3)!).error).toEqual({
      code: 'bad_input',
      message: 'not allowed beside "mechanisms": weights is per mechanism (put it in mechanisms[k].weights)',
      field: 'epochs[1].weights',
    });
  }, 60_000);
});

function post(port: number, path: string, body: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, method: 'POST', agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, text: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('yuma serve --http: multi-mechanism documents', () => {
  it('POST /v1/epoch answers the output document; /v1/epochs a batch; a bad one is a 400 naming the field', async () => {
    const proc = start(['--http', '--port', '0', '--threads', '2', '--quiet']);
    const port = await new Promise<number>((resolve, reject) => {
      let err = '';
      proc.stderr.on('data', (d: Buffer) => {
        err += d.toString();
        const m = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(err);
        if (m) resolve(Number(m[1]));
      });
      proc.on('exit', () => reject(new Error(`the server exited: ${err}`)));
    });
    try {
      const one = await post(port, '/v1/epoch?trace=true', multiText);
      expect(one.status).toBe(200);
      expect(one.text).toBe(multiOut(multiText, true));
      const batch = await post(port, '/v1/epochs', JSON.stringify({ id: 7, epochs: [JSON.parse(multi2Text), JSON.parse(singleText)] }));
      expect(batch.status).toBe(200);
      expect(batch.text).toBe(`{"id":7,"outputs":[${line(multiOut(multi2Text))},${line(singleOut(singleText))}]}\n`);
      const bad = JSON.parse(multiText);
      bad.netuid = 5000;
      const r = await post(port, '/v1/epoch', JSON.stringify(bad));
      expect(r.status).toBe(400);
      expect(JSON.parse(r.text).error).toMatchObject({ code: 'bad_input', field: 'netuid' });
    } finally {
      proc.kill('SIGTERM');
    }
  }, 60_000);
});
