// End-to-end faults of the `yuma` command line: a closed stdout, output paths that cannot be
// written, devices / FIFOs / symlinks as outputs, inputs without bound (devices, endless stdin,
// sparse files, gzip bombs), broken golden directories, repeated keys. The built binary
// (dist/cli/main.js) is spawned as a user would run it. Tests run as root here: a directory
// root cannot read does not exist for root, so that one case is skipped under root.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createGzip } from 'node:zlib';
import { MAX_INPUT_BYTES } from '../src/engine/limits.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const bin = join(root, 'dist/cli/main.js');
const edge = join(root, 'test/fixtures/golden/edge');
const input = join(edge, 'kappa_0.input.json');
const scenarioCase = join(root, 'examples/scenarios/example-bond-reset.json');
/** A heap far below what an unbounded read of the inputs below would need. */
const SMALL_HEAP = '--max-old-space-size=64';

function yuma(args: string[], opts: { input?: string; node?: string[] } = {}) {
  const r = spawnSync(process.execPath, [...(opts.node ?? []), bin, ...args], {
    cwd: dir,
    input: opts.input,
    encoding: 'utf8',
    maxBuffer: 1 << 26,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** One line on stderr, no stack trace. */
function expectOneLine(stderr: string): void {
  expect(stderr.trim().split('\n')).toHaveLength(1);
  expect(stderr).not.toMatch(/\n\s+at /);
}

/** Every file under d (relative paths), to see that nothing was left behind. */
function listing(d: string): string[] {
  return (fs.readdirSync(d, { recursive: true }) as string[]).sort();
}

let dir: string;
let afile: string;
beforeAll(() => {
  if (!fs.existsSync(bin)) throw new Error(`${bin} is missing: run \`npm run build\``);
  dir = fs.mkdtempSync(join(tmpdir(), 'yuma-faults-'));
  afile = join(dir, 'afile');
  fs.writeFileSync(afile, 'a file, not a directory\n');
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('a closed stdout ends the command quietly (exit 0)', () => {
  /** Spawns yuma with its stdout's reader already gone: its first write gets EPIPE. */
  function withClosedStdout(args: string[]): Promise<{ code: number | null; stderr: string }> {
    return new Promise((resolve) => {
      const c = spawn(process.execPath, [bin, ...args], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
      c.stdout.destroy();
      let stderr = '';
      c.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      c.on('close', (code) => resolve({ code, stderr }));
    });
  }
  const commands: [string, () => string[]][] = [
    ['epoch', () => ['epoch', input]],
    ['verify', () => ['verify', edge]],
    ['emission', () => ['emission', '--profile', 'bittensor']],
    ['profile', () => ['profile', '--synthetic', '16,4', '--reps', '1', '--warmup', '0', '--ref-reps', '0']],
    ['scenario', () => ['scenario', scenarioCase, '--yuma', '1', '--out', join(dir, 'epipe-scenario')]],
    ['map', () => ['map', '--neurons', '8', '--validators', '2', '--steps', '2', '--stakes', '0.6', '--threads', '0', '--out', join(dir, 'epipe-map')]],
    ['simulate', () => ['simulate', '--subnets', '1', '--neurons', '8', '--validators', '2', '--blocks', '30', '--no-progress', '--out', join(dir, 'epipe-sim')]],
  ];
  for (const [name, args] of commands) {
    it(name, async () => {
      const r = await withClosedStdout(args());
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
    });
  }
});

describe('output paths that cannot be written: one line naming the path, exit 2, nothing left', () => {
  const profile = ['profile', '--synthetic', '16,4', '--reps', '1', '--warmup', '0', '--ref-reps', '0'];
  const mapArgs = ['map', '--neurons', '8', '--validators', '2', '--steps', '2', '--stakes', '0.6', '--threads', '0'];
  const sim = ['simulate', '--subnets', '1', '--neurons', '8', '--validators', '2', '--blocks', '30', '--no-progress'];
  // [what, args, the path the message names, what it says]
  const cases: [string, () => string[], () => string, RegExp][] = [
    ['epoch -o in a missing directory', () => ['epoch', input, '-o', join(dir, 'nonexistent/dir/out.json')], () => join(dir, 'nonexistent/dir'), /no such directory/],
    ['epoch -o onto a directory', () => ['epoch', input, '-o', dir], () => dir, /is a directory/],
    ['epoch -o under a file', () => ['epoch', input, '-o', join(afile, 'out.json')], () => join(afile, 'out.json'), /not a directory/],
    ['epoch -o under /proc', () => ['epoch', input, '-o', '/proc/yuma-out.json'], () => '/proc', /proc filesystem/],
    ['profile --json in a missing directory', () => [...profile, '--json', join(dir, 'no/p.json')], () => join(dir, 'no'), /no such directory/],
    ['profile --report onto a directory', () => [...profile, '--report', dir], () => dir, /is a directory/],
    ['emission --csv in a missing directory', () => ['emission', '--profile', 'bittensor', '--csv', join(dir, 'no/e.csv')], () => join(dir, 'no'), /no such directory/],
    ['emission --report onto a directory', () => ['emission', '--profile', 'bittensor', '--report', dir], () => dir, /is a directory/],
    ['simulate --out onto a file', () => [...sim, '--out', afile], () => afile, /is a file, not a directory/],
    ['simulate --out under /proc', () => [...sim, '--out', '/proc/yuma-test/out'], () => '/proc', /proc filesystem/],
    ['simulate --report in a missing directory', () => [...sim, '--out', join(dir, 's'), '--report', join(dir, 'no/r.html')], () => join(dir, 'no'), /no such directory/],
    ['scenario --out onto a file', () => ['scenario', scenarioCase, '--out', afile], () => afile, /is a file, not a directory/],
    ['scenario --out under a file', () => ['scenario', scenarioCase, '--out', join(afile, 'sub')], () => afile, /a parent is not a directory \(.*afile\)/],
    ['scenario --out under /proc', () => ['scenario', scenarioCase, '--out', '/proc/yuma-test/out'], () => '/proc', /proc filesystem/],
    ['scenario --report onto a directory', () => ['scenario', scenarioCase, '--out', join(dir, 'sc'), '--report', dir], () => dir, /is a directory/],
    ['map --out onto a file', () => [...mapArgs, '--out', afile], () => afile, /is a file, not a directory/],
    ['map --out under /proc', () => [...mapArgs, '--out', '/proc/yuma-test/out'], () => '/proc', /proc filesystem/],
    ['map --report in a missing directory', () => [...mapArgs, '--out', join(dir, 'm'), '--report', join(dir, 'no/m.html')], () => join(dir, 'no'), /no such directory/],
    ['bench --json under a file (before the run)', () => ['bench', '--json', join(afile, 'b.json')], () => afile, /not a directory/],
  ];
  for (const [what, args, named, says] of cases) {
    it(what, () => {
      const before = listing(dir);
      const r = yuma(args());
      expect(r.code).toBe(2);
      expectOneLine(r.stderr);
      expect(r.stderr).toContain(named());
      expect(r.stderr).toMatch(says);
      expect(listing(dir)).toEqual(before);
    });
  }
});

describe('outputs that are not regular files', () => {
  const golden = () => fs.readFileSync(join(edge, 'kappa_0.expected.json'), 'utf8');

  it('-o onto a symlink replaces its target atomically; the link stays', () => {
    const target = join(dir, 'link-target.json');
    const link = join(dir, 'link.json');
    fs.writeFileSync(target, 'old');
    fs.symlinkSync(target, link);
    const r = yuma(['epoch', input, '-o', link]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(fs.lstatSync(link).isSymbolicLink()).toBe(true);
    const got = JSON.parse(fs.readFileSync(target, 'utf8'));
    const want = JSON.parse(golden());
    delete want.trace;
    expect(got).toEqual(want);
  });

  it('-o onto a dangling symlink or a symlink loop is refused (exit 2), nothing created', () => {
    fs.symlinkSync(join(dir, 'missing-target.json'), join(dir, 'dangling.json'));
    fs.symlinkSync(join(dir, 'loop-b'), join(dir, 'loop-a'));
    fs.symlinkSync(join(dir, 'loop-a'), join(dir, 'loop-b'));
    const before = listing(dir);
    const d = yuma(['epoch', input, '-o', join(dir, 'dangling.json')]);
    expect(d.code).toBe(2);
    expect(d.stderr).toMatch(/dangling\.json: a symlink to a missing file/);
    const l = yuma(['epoch', input, '-o', join(dir, 'loop-a')]);
    expect(l.code).toBe(2);
    expect(l.stderr).toMatch(/loop-a: a symlink loop/);
    expect(listing(dir)).toEqual(before);
  });

  it('-o onto a FIFO writes through it (the FIFO stays)', () => {
    const fifo = join(dir, 'out.fifo');
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
    // our reader is open (non-blocking) before yuma opens the FIFO to write: no waiting
    const rd = fs.openSync(fifo, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
    try {
      const r = yuma(['epoch', input, '-o', fifo]);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      const buf = Buffer.alloc(1 << 16);
      const k = fs.readSync(rd, buf, 0, buf.length, null);
      expect(JSON.parse(buf.toString('utf8', 0, k)).kind).toBe('output');
    } finally {
      fs.closeSync(rd);
    }
    expect(fs.lstatSync(fifo).isFIFO()).toBe(true);
    expect(listing(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  // a private null device in the temp dir, never the machine's /dev/null
  const probe = join(tmpdir(), `yuma-mknod-probe-${process.pid}`);
  const canMknod = spawnSync('mknod', [probe, 'c', '1', '3']).status === 0;
  fs.rmSync(probe, { force: true });
  it.skipIf(!canMknod)('-o onto a character device writes through it (the device stays; needs mknod)', () => {
    const dev = join(dir, 'null-device');
    expect(spawnSync('mknod', [dev, 'c', '1', '3']).status).toBe(0);
    const r = yuma(['epoch', input, '-o', dev]);
    expect(r.code).toBe(0);
    expect(fs.lstatSync(dev).isCharacterDevice()).toBe(true);
    expect(listing(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });
});

describe(`inputs are bounded at MAX_INPUT_BYTES (${MAX_INPUT_BYTES} bytes)`, () => {
  let sparse: string;
  let bomb: string;
  beforeAll(async () => {
    // a sparse file one byte over the limit: no disk, and refused by its size before reading
    sparse = join(dir, 'sparse.json');
    fs.writeFileSync(sparse, '');
    fs.truncateSync(sparse, MAX_INPUT_BYTES + 1);
    // a gzip bomb: MAX_INPUT_BYTES + 16 MiB of zeros, compressed as a stream (~150 KB)
    bomb = join(dir, 'bomb.json.gz');
    const gz = createGzip({ level: 9 });
    const done = new Promise<void>((resolve, reject) => {
      const out = fs.createWriteStream(bomb);
      gz.pipe(out);
      out.on('finish', resolve);
      out.on('error', reject);
    });
    const chunk = Buffer.alloc(1 << 20);
    for (let i = 0; i < MAX_INPUT_BYTES / chunk.length + 16; i++) {
      if (!gz.write(chunk)) await new Promise((r) => gz.once('drain', r));
    }
    gz.end();
    await done;
  });

  it('an oversize file is refused by its size, before reading', () => {
    const r = yuma(['epoch', sparse], { node: [SMALL_HEAP] });
    expect(r.code).toBe(2);
    expectOneLine(r.stderr);
    expect(r.stderr).toContain(`${sparse}: too large: ${MAX_INPUT_BYTES + 1} bytes; the maximum input size is 128 MiB`);
  });

  it('/dev/zero is refused at the limit (bounded heap)', () => {
    const r = yuma(['epoch', '/dev/zero'], { node: [SMALL_HEAP] });
    expect(r.code).toBe(2);
    expectOneLine(r.stderr);
    expect(r.stderr).toMatch(/\/dev\/zero: too large: more than the maximum input size .*stopped reading there/);
  });

  it('an endless stdin is refused at the limit (bounded heap)', () => {
    const r = spawnSync('sh', ['-c', `cat /dev/zero | "${process.execPath}" ${SMALL_HEAP} "${bin}" epoch -`], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expectOneLine(r.stderr);
    expect(r.stderr).toMatch(/<stdin>: too large: more than the maximum input size/);
  });

  it('a gzip bomb is refused once the inflated bytes pass the limit (bounded heap)', () => {
    const r = yuma(['epoch', bomb], { node: [SMALL_HEAP] });
    expect(r.code).toBe(2);
    expectOneLine(r.stderr);
    expect(r.stderr).toMatch(/bomb\.json\.gz: too large after gunzip: .*stopped inflating there/);
  });

  it('scenario files and --resume checkpoints are bounded too', () => {
    const s = yuma(['scenario', sparse, '--out', join(dir, 'sc-big')]);
    expect(s.code).toBe(2);
    expect(s.stderr).toMatch(/sparse\.json: too large/);
    const c = yuma(['simulate', '--resume', sparse, '--no-progress', '--out', join(dir, 'sim-big')]);
    expect(c.code).toBe(2);
    expect(c.stderr).toMatch(/sparse\.json: too large/);
    expect(fs.existsSync(join(dir, 'sc-big'))).toBe(false);
  });

  it('verify fails an oversize case and goes on with the others', () => {
    const d = join(dir, 'verify-big');
    fs.mkdirSync(d);
    fs.copyFileSync(join(edge, 'kappa_0.input.json'), join(d, 'kappa_0.input.json'));
    fs.copyFileSync(join(edge, 'kappa_0.expected.json'), join(d, 'kappa_0.expected.json'));
    fs.symlinkSync(bomb, join(d, 'bomb.input.json.gz'));
    fs.copyFileSync(join(edge, 'kappa_0.expected.json'), join(d, 'bomb.expected.json'));
    fs.symlinkSync(sparse, join(d, 'sparse-seq.json'));
    const r = yuma(['verify', d]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/FAIL .*bomb: .*too large after gunzip/);
    expect(r.stdout).toMatch(/FAIL .*sparse-seq: .*too large/);
    expect(r.stdout.trim().split('\n').pop()).toBe('verify: 1 passed, 2 failed');
  });
});

describe('yuma verify: every case it cannot read is a failure with its reason', () => {
  const seq = join(root, 'test/fixtures/golden/sequence/seq00_yuma2.json');

  it('an empty directory: "no cases found under ..." (exit 1)', () => {
    const empty = join(dir, 'empty');
    fs.mkdirSync(empty);
    const r = yuma(['verify', empty]);
    expect(r.code).toBe(1);
    expect(r.stdout.trim()).toBe('verify: 0 passed, 0 failed');
    expect(r.stderr).toContain(`no cases found under ${empty}`);
  });

  it('a truncated sequence fails, in a directory and alone', () => {
    const d = join(dir, 'verify-truncated');
    fs.mkdirSync(d);
    fs.copyFileSync(seq, join(d, 'seq00.json'));
    const text = fs.readFileSync(seq, 'utf8');
    fs.writeFileSync(join(d, 'seq01.json'), text.slice(0, text.length >> 1));
    const r = yuma(['verify', d]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/FAIL .*seq01: .*seq01\.json: invalid JSON/);
    expect(r.stdout.trim().split('\n').pop()).toBe('verify: 1 passed, 1 failed');
    const alone = yuma(['verify', join(d, 'seq01.json')]);
    expect(alone.code).toBe(1);
    expect(alone.stdout).toMatch(/FAIL .*invalid JSON/);
    expect(alone.stdout.trim().split('\n').pop()).toBe('verify: 0 passed, 1 failed');
  });

  it('symlink loops fail as cases of their own and the run goes on', () => {
    const d = join(dir, 'verify-loops');
    fs.mkdirSync(join(d, 'sub'), { recursive: true });
    fs.copyFileSync(seq, join(d, 'sub', 'seq00.json'));
    fs.symlinkSync(join(d, 'x-b.json'), join(d, 'x-a.json'));
    fs.symlinkSync(join(d, 'x-a.json'), join(d, 'x-b.json'));
    fs.symlinkSync(d, join(d, 'sub', 'up')); // a link back to a directory above
    const r = yuma(['verify', d]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/FAIL .*x-a\.json: cannot read: a symlink loop/);
    expect(r.stdout).toMatch(/FAIL .*sub\/up: a symlink loop: a link back to a directory above it/);
    expect(r.stdout.trim().split('\n').pop()).toBe('verify: 1 passed, 3 failed');
  });

  // root reads every directory: this case only means something for other users
  it.skipIf(process.getuid?.() === 0)('an unreadable subdirectory fails and the run goes on (not as root)', () => {
    const d = join(dir, 'verify-unreadable');
    fs.mkdirSync(join(d, 'locked'), { recursive: true });
    fs.copyFileSync(seq, join(d, 'seq00.json'));
    fs.chmodSync(join(d, 'locked'), 0);
    try {
      const r = yuma(['verify', d]);
      expect(r.stdout).toMatch(/FAIL .*locked: cannot read the directory: permission denied/);
      expect(r.stdout.trim().split('\n').pop()).toBe('verify: 1 passed, 1 failed');
    } finally {
      fs.chmodSync(join(d, 'locked'), 0o755);
    }
  });
});

describe('strict JSON: repeated keys and leading zeros are bad input (exit 2)', () => {
  const text = () => fs.readFileSync(input, 'utf8');
  it('a repeated key names its field', () => {
    const f = join(dir, 'dup.json');
    fs.writeFileSync(f, text().replace('"kappa":0', '"kappa":0,"kappa":65535'));
    const r = yuma(['epoch', f]);
    expect(r.code).toBe(2);
    expectOneLine(r.stderr);
    expect(r.stderr).toContain(`${f}: hyperparameters.kappa: duplicate key "kappa"`);
  });
  it('a u64 with a leading zero names its field', () => {
    const f = join(dir, 'zero.json');
    const d = JSON.parse(text());
    d.rao_emission = `0${d.rao_emission}`;
    fs.writeFileSync(f, JSON.stringify(d));
    const r = yuma(['epoch', f]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/rao_emission: expected a u64 decimal string, got "0\d+" \(no leading zeros\)/);
  });
});
