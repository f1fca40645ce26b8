// `yuma serve`'s one task per request (src/serve/epoch-task.ts), run in this thread on the
// project's kernels: the reply bytes are the exact text of the output, and the progress block
// the main thread reads (a request's epochs, how many ran, its id) says what happened, so that
// a request stopped mid-run is still answered with its id. Then the server with the JSON on the
// main thread (--parse-threads 0) answers the same text, and any other --parse-threads is an
// option error. Run `npm run build` first (npm ci does).
import { describe, it, expect } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const bin = join(root, 'dist/cli/main.js');
if (!existsSync(bin) || !existsSync(join(root, 'dist/serve/epoch-task.js'))) {
  throw new Error(`${bin} or dist/serve is missing: run \`npm run build\` (npm ci does it)`);
}
const lib: typeof import('../dist/index.js') = await import('../dist/index.js');
const task: typeof import('../dist/serve/epoch-task.js') = await import('../dist/serve/epoch-task.js');
const { defaultKernels }: typeof import('../dist/engine/wasm.js') = await import('../dist/engine/wasm.js');

const edge = join(root, 'test/fixtures/golden/edge');
const names = readdirSync(edge)
  .filter((f) => f.endsWith('.input.json'))
  .map((f) => f.slice(0, -'.input.json'.length))
  .sort();
const inputDoc = (name: string) => JSON.parse(readFileSync(join(edge, `${name}.input.json`), 'utf8')) as Record<string, unknown>;
const exact = (doc: unknown) => lib.epochOutputToJson(lib.runEpoch(lib.parseEpochInput(doc)));
const shape = { maxDepth: 8, maxLength: 65536 };

function run(doc: unknown, options: { expect?: 'auto' | 'single' | 'batch'; maxEpochs?: number; form?: 'document' | 'reply' } = {}) {
  const progress = task.newProgress();
  const result = task.runEpochTask(
    {
      bytes: new TextEncoder().encode(JSON.stringify(doc)),
      expect: options.expect ?? 'auto',
      traceDefault: false,
      shape,
      form: options.form ?? 'reply',
      // as the servers ask: the document itself bare (POST /v1/epoch), a reply line ended
      newline: (options.form ?? 'reply') === 'reply',
      maxEpochs: options.maxEpochs ?? Infinity,
      progress,
    },
    defaultKernels(),
  );
  const at = (k: number) => Atomics.load(progress, k);
  return { result, epochs: at(task.EPOCHS), done: at(task.DONE), doc: at(task.DOC), id: task.progressId(progress) };
}

describe('yuma serve: a request as one pool task', () => {
  it('the reply bytes are the exact output text; the progress block holds the epochs run and the id', () => {
    const doc = inputDoc(names[0]!);
    const one = run({ ...doc, id: 'one' }, { form: 'document', expect: 'single' });
    expect(one.result.ok).toBe(true);
    expect(new TextDecoder().decode((one.result as { reply: Uint8Array }).reply)).toBe(exact(doc));
    expect(one).toMatchObject({ epochs: 1, done: 1, doc: -1, id: 'one' });

    const batch = run({ id: 7, epochs: [inputDoc(names[1]!), inputDoc(names[2]!), inputDoc(names[3]!)] });
    const text = new TextDecoder().decode((batch.result as { reply: Uint8Array }).reply);
    expect(text).toBe(`{"id":7,"outputs":[${[1, 2, 3].map((i) => exact(inputDoc(names[i]!)).replace(/\n/g, '')).join(',')}]}\n`);
    expect(batch).toMatchObject({ epochs: 3, done: 3, doc: 2, id: 7 });
  });

  it('errors as plain data, with the id once it was read; a batch over maxEpochs; an id too long for the block', () => {
    expect(run('{').result).toMatchObject({ ok: false, id: null, code: 'bad_request' });
    const bad = inputDoc(names[0]!);
    (bad['neurons'] as Record<string, unknown[]>)['last_update']![0] = -1;
    expect(run({ id: 'b', epochs: [inputDoc(names[0]!), bad] })).toMatchObject({
      result: { ok: false, id: 'b', code: 'bad_input', field: 'epochs[1].neurons.last_update[0]' },
      epochs: 0,
    });
    const big = run({ id: 'big', epochs: [inputDoc(names[0]!), inputDoc(names[1]!)] }, { maxEpochs: 1 });
    expect(big.result).toMatchObject({ ok: false, id: 'big', code: 'batch_too_large', field: 'epochs' });
    // the id the main thread reads for a stopped request: whole, or none
    expect(big.id).toBe('big');
    const long = 'x'.repeat(task.ID_MAX);
    expect(run({ ...inputDoc(names[0]!), id: long }).id).toBeNull();
    expect(run({ ...inputDoc(names[0]!), id: 'é'.repeat(100) }).id).toBe('é'.repeat(100));
  });
});

describe('yuma serve --parse-threads', () => {
  it('0: the JSON on the main thread, the same replies; any other value is an option error', async () => {
    const proc = spawn(process.execPath, [bin, 'serve', '--stdio', '--quiet', '--threads', '1', '--parse-threads', '0'], { cwd: root });
    let out = '';
    proc.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
    const docs = names.slice(0, 3).map((n, i) => ({ ...inputDoc(n), id: i }));
    proc.stdin.end(`${docs.map((d) => JSON.stringify(d)).join('\n')}\n{"id":"x","epochs":[{"format":"nope"}]}\n`);
    expect(await exited).toBe(0);
    const lines = out.trimEnd().split('\n');
    expect(lines).toHaveLength(4);
    docs.forEach((d, i) => expect(lines[i]).toBe(`{"id":${i},"output":${exact(d).replace(/\n/g, '')}}`));
    expect(JSON.parse(lines[3]!)).toMatchObject({ id: 'x', error: { code: 'bad_input', field: 'epochs[0].format' } });

    const r = spawnSync(process.execPath, [bin, 'serve', '--stdio', '--parse-threads', '2'], { cwd: root, encoding: 'utf8', timeout: 20_000 });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^yuma serve: --parse-threads: only 0 \(the JSON on the main thread\)/);
  });
});
