// examples/python/yuma_serve.py as a user gets it: the module alone, copied into a folder outside
// the repository, imported by a script there. It drives this checkout's built `yuma serve --stdio`
// through an explicit command, and through the default (`yuma` on PATH) with a `yuma` shim.
import { describe, it, expect, afterAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const bin = join(root, 'dist/cli/main.js');
const EDGE = join(root, 'test/fixtures/golden/edge');
const RANDOM = join(root, 'test/fixtures/golden/random');

const python = spawnSync('python3', ['--version'], { encoding: 'utf8' });
const have = python.status === 0;
if (!have) console.log(`skipping the Python client module tests: python3 is not available (${python.error?.message ?? python.stderr})`);

const dir = mkdtempSync(join(tmpdir(), 'yuma-py-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// The user's script: every check prints one JSON line {check: result}; the test compares them.
const DRIVER = String.raw`
import json, os, sys
sys.dont_write_bytecode = True
from yuma_serve import Yuma, YumaError, YumaServerError, run_epoch, run_epochs, default_command

command = json.loads(os.environ["YUMA_COMMAND"]) if os.environ.get("YUMA_COMMAND") else None
cases = json.loads(os.environ["CASES"])
load = lambda p: json.load(open(p))
report = {}

with Yuma(command=command, threads=2) as yuma:
    name, inp, exp = cases[0]
    report["epoch"] = yuma.epoch(load(inp), trace=True) == load(exp)
    outs = yuma.epochs([load(i) for _, i, _ in cases], trace=True)
    report["batch"] = [o == load(e) for o, (_, _, e) in zip(outs, cases)]
    try:
        yuma.epoch({"format": "yuma-epoch/1", "kind": "input", "netuid": 1, "n": "six"})
        report["bad"] = "accepted"
    except YumaError as e:
        report["bad"] = [e.code, e.field]
    report["after_error"] = yuma.epoch(load(cases[1][1]), trace=True) == load(cases[1][2])
report["exit"] = yuma.proc.returncode

report["run_epoch"] = run_epoch(load(cases[0][1]), trace=True, command=command) == load(cases[0][2])
report["run_epochs"] = run_epochs([load(i) for _, i, _ in cases[:2]], trace=True, command=command) == [load(e) for _, _, e in cases[:2]]
report["default_command"] = default_command()
try:
    with Yuma(command=["/nonexistent/yuma"]) as y:
        pass
    report["missing"] = "started"
except YumaServerError as e:
    report["missing"] = str(e)
print(json.dumps(report))
`;

function cases(n: number): [string, string, string][] {
  const names = [...readdirSync(EDGE).filter((f) => f.endsWith('.input.json')).slice(0, n).map((f) => join(EDGE, f)),
    ...readdirSync(RANDOM).filter((f) => f.endsWith('.input.json')).slice(0, n).map((f) => join(RANDOM, f))];
  return names.map((p) => [p, p, p.replace(/\.input\.json$/, '.expected.json')]);
}

describe.skipIf(!have)('examples/python/yuma_serve.py, copied outside the repository', () => {
  const app = join(dir, 'app');
  mkdirSync(app);
  copyFileSync(join(root, 'examples/python/yuma_serve.py'), join(app, 'yuma_serve.py'));
  writeFileSync(join(app, 'driver.py'), DRIVER);
  const all = cases(3);

  function run(env: Record<string, string>) {
    const r = spawnSync('python3', ['driver.py'], {
      cwd: app, encoding: 'utf8', timeout: 120_000, env: { ...process.env, CASES: JSON.stringify(all), ...env },
    });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    return JSON.parse(r.stdout);
  }

  const expected = (defaultCommand: unknown) => ({
    epoch: true,
    batch: all.map(() => true),
    bad: ['bad_input', 'n'],
    after_error: true,
    exit: 0,
    run_epoch: true,
    run_epochs: true,
    default_command: defaultCommand,
    missing: expect.stringMatching(/^cannot start \/nonexistent\/yuma: .*No such file/),
  });

  it('an explicit command (node + dist/cli/main.js): one epoch, a batch, an error reply, context-manager lifetime', () => {
    const report = run({ YUMA_COMMAND: JSON.stringify([process.execPath, bin]) });
    expect(report).toEqual(expected(expect.anything()));
  }, 120_000);

  it('the default command: `yuma` on PATH', () => {
    const shimDir = join(dir, 'bin');
    mkdirSync(shimDir, { recursive: true });
    const shim = join(shimDir, 'yuma');
    writeFileSync(shim, `#!/bin/sh\nexec "${process.execPath}" "${bin}" "$@"\n`);
    chmodSync(shim, 0o755);
    const report = run({ PATH: `${shimDir}:${dirname(process.execPath)}:${process.env.PATH}` });
    expect(report).toEqual(expected([shim]));
  }, 120_000);
});
