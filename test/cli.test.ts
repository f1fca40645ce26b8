// End-to-end: the built `yuma` binary (npm ci builds it), run as a user would.
import { describe, it, expect, beforeAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync, readdirSync, copyFileSync, mkdirSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const bin = join(root, 'dist/cli/main.js');
const edge = join(root, 'test/fixtures/golden/edge');

function yuma(args: string[], input?: string) {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd: root, input, encoding: 'utf8', maxBuffer: 1 << 28 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

let dir: string;
beforeAll(() => {
  if (!existsSync(bin)) throw new Error(`${bin} is missing: run \`npm run build\` (npm ci does it)`);
  dir = mkdtempSync(join(tmpdir(), 'yuma-cli-'));
});

describe('yuma epoch', () => {
  it('writes the golden output exactly, trace included (-o, atomically)', () => {
    for (const name of ['kappa_65535', 'liquid_alpha_default', 'commit_reveal_masks', 'owner_is_top_validator']) {
      const out = join(dir, `${name}.out.json`);
      const r = yuma(['epoch', join(edge, `${name}.input.json`), '-o', out, '--trace']);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      const expected = JSON.parse(readFileSync(join(edge, `${name}.expected.json`), 'utf8'));
      expect(JSON.parse(readFileSync(out, 'utf8'))).toEqual(expected);
      expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    }
  });

  it('reads stdin and gzip, writes stdout; without --trace there is no trace', () => {
    const text = readFileSync(join(edge, 'kappa_0.input.json'), 'utf8');
    const viaStdin = yuma(['epoch', '-'], text);
    expect(viaStdin.code).toBe(0);
    const gz = join(dir, 'kappa_0.input.json.gz');
    writeFileSync(gz, gzipSync(text));
    const viaGz = yuma(['epoch', gz]);
    expect(viaGz.code).toBe(0);
    expect(viaGz.stdout).toBe(viaStdin.stdout);
    const expected = JSON.parse(readFileSync(join(edge, 'kappa_0.expected.json'), 'utf8'));
    delete expected.trace;
    expect(JSON.parse(viaStdin.stdout)).toEqual(expected);
  });

  const base = () => JSON.parse(readFileSync(join(edge, 'kappa_0.input.json'), 'utf8'));
  const bad: [string, (d: any) => void, RegExp][] = [
    ['wrong format tag', (d) => (d.format = 'yuma-epoch/2'), /format/],
    ['u64 that is negative', (d) => (d.neurons.alpha_stake[3] = '-5'), /neurons\.alpha_stake\[3\]/],
    ['u64 above 2^64-1', (d) => (d.rao_emission = '18446744073709551616'), /rao_emission/],
    ['u16 out of range', (d) => (d.weights[1][0][1] = 65536), /weights\[1\]\[0\]/],
    ['array length != n', (d) => d.neurons.last_update.pop(), /neurons\.last_update/],
    ['duplicate uid_j', (d) => d.weights[0].push(d.weights[0][d.weights[0].length - 1]), /weights\[0\]/],
    ['missing field', (d) => delete d.hyperparameters.kappa, /hyperparameters\.kappa/],
  ];
  for (const [what, mutate, field] of bad) {
    it(`bad input (${what}): exit 2, one line naming file and field, no output file`, () => {
      const d = base();
      mutate(d);
      const file = join(dir, `bad-${what.replace(/\W+/g, '-')}.json`);
      writeFileSync(file, JSON.stringify(d));
      const out = join(dir, `bad-${what.replace(/\W+/g, '-')}.out.json`);
      const r = yuma(['epoch', file, '-o', out]);
      expect(r.code).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toContain(file);
      expect(r.stderr).toMatch(field);
      expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
      expect(existsSync(out)).toBe(false);
    });
  }

  it('truncated JSON and a missing file are clear errors', () => {
    const file = join(dir, 'truncated.json');
    writeFileSync(file, readFileSync(join(edge, 'kappa_0.input.json'), 'utf8').slice(0, 300));
    const r = yuma(['epoch', file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(file);
    const m = yuma(['epoch', join(dir, 'nope.json')]);
    expect(m.code).toBe(2);
    expect(m.stderr).toContain('nope.json');
  });
});

describe('yuma verify', () => {
  it('passes the edge golden set and says so on the last line', () => {
    const r = yuma(['verify', edge]);
    expect(r.code).toBe(0);
    const n = readdirSync(edge).filter((f) => f.endsWith('.input.json')).length;
    expect(r.stdout.trim().split('\n').pop()).toBe(`verify: ${n} passed, 0 failed`);
  });

  it('reports the first mismatch (case, field, uid, expected, got, trace stage) and exits 1', () => {
    const broken = join(dir, 'broken');
    mkdirSync(broken, { recursive: true });
    copyFileSync(join(edge, 'kappa_0.input.json'), join(broken, 'kappa_0.input.json'));
    const expected = JSON.parse(readFileSync(join(edge, 'kappa_0.expected.json'), 'utf8'));
    expected.neurons.incentive[5] += 1;
    writeFileSync(join(broken, 'kappa_0.expected.json'), JSON.stringify(expected));
    const r = yuma(['verify', broken]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/FAIL .*kappa_0: neurons\.incentive uid 5: expected \d+, got \d+/);
    expect(r.stdout.trim().split('\n').pop()).toBe('verify: 0 passed, 1 failed');
  });

  it('runs sequences epoch by epoch on its own outputs', () => {
    const r = yuma(['verify', join(root, 'test/fixtures/golden/sequence')]);
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split('\n').pop()).toBe('verify: 8 passed, 0 failed');
  });

  it('an unknown command or a missing argument is a usage error (exit 2)', () => {
    expect(yuma(['frobnicate']).code).toBe(2);
    expect(yuma(['epoch']).code).toBe(2);
    expect(yuma(['--help']).code).toBe(0);
  });
});
