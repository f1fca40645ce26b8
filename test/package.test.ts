// The npm package as an embedder gets it: `npm pack` this checkout, install the tarball into a
// fresh app folder (its dependencies from the registry, as any user's), and from THAT install run
// the library (runEpoch; a 2-thread pool: runEpochs and a split runEpoch), the CLI (`yuma epoch`,
// `yuma verify`, `yuma serve --stdio`, `yuma simulate --threads 2`), the Python client with its
// default command, and a strict NodeNext TypeScript consumer against the installed .d.ts.
// The tarball is packed with --ignore-scripts: it holds the build the globalSetup made fresh.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawn, spawnSync, type SpawnSyncOptions } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const GOLDEN = join(root, 'test/fixtures/golden');
/** golden cases run from the install: two edge cases and two random ones */
const CASES = ['edge/activity_cutoff_boundary', 'edge/all_weight_one_miner', 'random/r001_n249_v82_sparse_bpmax', 'random/r002_n142_v50_mixed_bpmid'];
const input = (c: string) => join(GOLDEN, `${c}.input.json`);
const expected = (c: string) => JSON.parse(readFileSync(join(GOLDEN, `${c}.expected.json`), 'utf8'));

const tmp = mkdtempSync(join(tmpdir(), 'yuma-pack-'));
const app = join(tmp, 'app');
const yumaBin = join(app, 'node_modules/.bin/yuma');
let packed: string[] = [];
const havePython = spawnSync('python3', ['--version']).status === 0;
if (!havePython) console.log('skipping the installed Python client: python3 is not available');

// npm run by `npm test` exports its own package's settings; the nested npm must not see them
const env: NodeJS.ProcessEnv = Object.fromEntries(
  Object.entries(process.env).filter(([k]) => !/^npm_(package|lifecycle)_/.test(k)),
);
env.PATH = `${dirname(process.execPath)}:${env.PATH ?? ''}`;

function run(cmd: string, args: string[], options: SpawnSyncOptions = {}) {
  const r = spawnSync(cmd, args, { cwd: app, env, encoding: 'utf8', timeout: 150_000, ...options });
  return { code: r.status, stdout: String(r.stdout), stderr: String(r.stderr), error: r.error };
}

function mustRun(cmd: string, args: string[], options: SpawnSyncOptions = {}): string {
  const r = run(cmd, args, options);
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(' ')}: exit ${r.code} ${r.error?.message ?? ''}\n${r.stderr}`);
  return r.stdout;
}

beforeAll(() => {
  const out = mustRun('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', tmp], { cwd: root });
  const [info] = JSON.parse(out) as [{ filename: string; files: { path: string }[] }];
  packed = info.files.map((f) => f.path);
  mkdirSync(app);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'yuma-embedder', private: true, type: 'module' }));
  mustRun('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', join(tmp, info.filename)]);
}, 180_000);
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

// each test spawns node, npm, python or tsc against the install: generous bounds for a loaded machine
describe('npm pack + install into a fresh app', { timeout: 150_000 }, () => {
  it('the tarball holds both WASM builds, the workers, the CLI, the types, the spec and the Python client; no sources', () => {
    for (const f of [
      'build/yuma.wasm', 'build/yuma-shared.wasm', 'dist/index.js', 'dist/index.d.ts', 'dist/cli/main.js',
      'dist/pool/worker-entry.cjs', 'dist/pool/worker.js', 'dist/serve/epoch-task.js', 'docs/spec/yuma.md', 'examples/python/yuma_serve.py', 'package.json', 'README.md',
      'schema/yuma-sim-case-1.schema.json',
    ]) expect(packed, f).toContain(f);
    expect(packed.filter((f) => /^(src|test|assembly|bench)\//.test(f))).toEqual([]);
  });

  it('runEpoch, and a 2-thread pool (runEpochs, a split runEpoch with splitMinEntries 0): every output equals its expected file', () => {
    writeFileSync(join(app, 'embed.mjs'), `
      import { writeFileSync } from 'node:fs';
      import { runEpoch, createPool, parseEpochInput, readJsonFile, epochOutputToJson } from 'yuma-engine';
      const [outDir, ...files] = process.argv.slice(2);
      const inputs = files.map((f) => parseEpochInput(readJsonFile(f), f));
      const save = (name, out) => writeFileSync(outDir + '/' + name + '.json', epochOutputToJson(out));
      inputs.forEach((inp, i) => save('main-' + i, runEpoch(inp, { trace: true })));
      const pool = createPool({ threads: 2, splitMinEntries: 0 });
      try {
        (await pool.runEpochs(inputs, { trace: true })).forEach((out, i) => save('pool-' + i, out));
        for (const [i, inp] of inputs.entries()) save('split-' + i, await pool.runEpoch(inp, { trace: true }));
      } finally {
        await pool.close();
      }
    `);
    const outDir = join(app, 'embed-out');
    mkdirSync(outDir);
    mustRun(process.execPath, ['embed.mjs', outDir, ...CASES.map(input)]);
    for (const [i, c] of CASES.entries()) {
      for (const how of ['main', 'pool', 'split']) {
        expect({ case: c, how, output: JSON.parse(readFileSync(join(outDir, `${how}-${i}.json`), 'utf8')) })
          .toEqual({ case: c, how, output: expected(c) });
      }
    }
  });

  it('yuma epoch -o writes the expected output', () => {
    const out = join(app, 'epoch.output.json');
    const r = run(yumaBin, ['epoch', input(CASES[2]!), '-o', out, '--trace']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(JSON.parse(readFileSync(out, 'utf8'))).toEqual(expected(CASES[2]!));
  });

  it('yuma verify passes on copied golden cases (two epochs and a sequence)', () => {
    const dir = join(app, 'golden');
    mkdirSync(dir);
    for (const c of CASES.slice(0, 2)) {
      for (const kind of ['input', 'expected']) copyFileSync(join(GOLDEN, `${c}.${kind}.json`), join(dir, `${c.split('/')[1]}.${kind}.json`));
    }
    copyFileSync(join(GOLDEN, 'sequence/seq01_yuma3.json'), join(dir, 'seq01_yuma3.json'));
    const r = run(yumaBin, ['verify', dir]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/verify: 3 passed, 0 failed/);
  });

  it('yuma serve --stdio answers a golden request with its expected output, then exits 0 at end of input', async () => {
    const server = spawn(yumaBin, ['serve', '--stdio', '--threads', '2'], { cwd: app, env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    server.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    server.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const request = { ...JSON.parse(readFileSync(input(CASES[3]!), 'utf8')), id: 'golden', trace: true };
    server.stdin.end(JSON.stringify(request) + '\n');
    const code = await new Promise<number | null>((resolve) => server.on('close', resolve));
    expect(stderr).not.toMatch(/error|missing/i);
    expect(code).toBe(0);
    const lines = stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toEqual({ id: 'golden', output: expected(CASES[3]!) });
  });

  it('yuma simulate --threads 2 runs its epochs on the pool', () => {
    const out = join(app, 'sim');
    const r = run(yumaBin, ['simulate', '--subnets', '2', '--neurons', '64', '--validators', '8', '--blocks', '800', '--threads', '2', '--out', out, '--json', '--no-timings']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const summary = JSON.parse(r.stdout);
    expect(summary.threads).toBe(2);
    expect(summary.epochs).toBeGreaterThan(0);
    expect(existsSync(join(out, 'ledger.json'))).toBe(true);
  });

  it.skipIf(!havePython)('the Python client shipped in the package finds the CLI by itself (npx --no yuma in the app)', () => {
    const script = [
      'import json, sys',
      'sys.dont_write_bytecode = True',
      "sys.path.insert(0, 'node_modules/yuma-engine/examples/python')",
      'from yuma_serve import Yuma, default_command',
      'with Yuma() as yuma:',
      '    out = yuma.epoch(json.load(open(sys.argv[1])), trace=True)',
      'print(json.dumps({"command": default_command()[1:], "output": out}))',
    ].join('\n');
    // PATH without any global `yuma`: node and npx only
    const r = run('python3', ['-c', script, input(CASES[0]!)], { env: { ...env, PATH: `${dirname(process.execPath)}:/usr/bin:/bin` } });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ command: ['--no', 'yuma'], output: expected(CASES[0]!) });
  });

  it('a CommonJS consumer: await import() always, require() where Node can require ES modules', () => {
    writeFileSync(join(app, 'consumer.cjs'), `
      (async () => {
        const yuma = await import('yuma-engine');
        const file = process.argv[2];
        const out = JSON.parse(yuma.epochOutputToJson(yuma.runEpoch(yuma.parseEpochInput(yuma.readJsonFile(file), file), { trace: true })));
        const required = process.features.require_module ? require('yuma-engine').runEpoch === yuma.runEpoch : 'unsupported';
        process.stdout.write(JSON.stringify({ out, required }));
      })();
    `);
    const r = run(process.execPath, ['consumer.cjs', input(CASES[1]!)]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const { out, required } = JSON.parse(r.stdout);
    expect(out).toEqual(expected(CASES[1]!));
    // Node 20.19+ and 22.12+ require ES modules; the package must let them (an exports "default")
    expect(required).toBe((process.features as { require_module?: boolean }).require_module ? true : 'unsupported');
  });

  it('a strict NodeNext TypeScript consumer type-checks against the installed .d.ts (skipLibCheck off)', () => {
    writeFileSync(join(app, 'consumer.ts'), `
      import {
        runEpoch, createPool, parseEpochInput, readJsonFile, carryInput, CHAIN_DEFAULT_HYPERPARAMETERS,
        Network, simulate, defaultScenario, InputError,
        type EpochInput, type EpochOutput, type Hyperparameters, type Kernels, type Pool, type SimulationSummary,
      } from 'yuma-engine';

      const input: EpochInput = parseEpochInput(readJsonFile('subnet.json'), 'subnet.json');
      const kernels: Kernels | undefined = undefined;
      const out: EpochOutput = runEpoch(input, { trace: true, kernels });
      const incentive: Uint16Array = out.neurons.incentive;
      const emission: BigUint64Array = out.neurons.emission;
      const defaults: Readonly<Hyperparameters> = CHAIN_DEFAULT_HYPERPARAMETERS;
      const made: EpochInput = { ...input, hyperparameters: { ...defaults, kappa: 32767 } };
      const next: EpochInput = carryInput(made, [3, 7], input, out);

      export async function pooled(inputs: EpochInput[]): Promise<EpochOutput[]> {
        const pool: Pool = createPool({ threads: 2, splitMinEntries: 0 });
        try {
          return [...(await pool.runEpochs(inputs, { timeoutMs: 60_000 })), await pool.runEpoch(next)];
        } finally {
          await pool.close();
        }
      }
      export async function day(): Promise<SimulationSummary> {
        const network = new Network(defaultScenario('bittensor'));
        await network.run(network.endBlock);
        await network.close();
        return simulate({ scenario: defaultScenario('commune'), out: 'simulate-out', threads: 0 });
      }
      export const checked = (e: unknown): string => (e instanceof InputError ? e.describe() : String(e));
      export const shapes = [incentive.length, emission.length];

      // @ts-expect-error: runEpoch takes a parsed EpochInput, not a file name
      runEpoch('subnet.json');
    `);
    writeFileSync(join(app, 'tsconfig.json'), JSON.stringify({
      compilerOptions: {
        target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true,
        skipLibCheck: false, types: ['node'], typeRoots: [join(root, 'node_modules/@types')],
      },
      files: ['consumer.ts'],
    }));
    const r = run(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json']);
    expect(r.stdout + r.stderr).toBe('');
    expect(r.code).toBe(0);
  });
});
