// The command wrapper (src/cli/command.ts): one line `yuma <cmd>: ...` and one exit code per
// kind of error, for every command of the built binary.
import { describe, it, expect, beforeAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InputError } from '../src/engine/types.js';
import { CheckpointError, SimulationError } from '../src/engine/network/errors.js';
import { CommandFailed, EXIT, describeFailure } from '../src/cli/command.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const bin = join(root, 'dist/cli/main.js');

let dir: string;
beforeAll(() => {
  if (!existsSync(bin)) throw new Error(`${bin} is missing: run \`npm run build\``);
  dir = mkdtempSync(join(tmpdir(), 'yuma-command-'));
});

describe('describeFailure: the line and the exit code of each kind of error', () => {
  it('bad input and an untrusted checkpoint exit 2; a broken identity, a failed run and a bug exit 1', () => {
    expect(describeFailure(new InputError('expected 3 values', 'weights[2]', 'in.json'))).toEqual({ line: 'in.json: weights[2]: expected 3 values', code: EXIT.badInput, internal: false });
    expect(describeFailure(new InputError('expected an integer 1..256, got "0"', '--threads'))).toEqual({ line: '--threads: expected an integer 1..256, got "0"', code: 2, internal: false });
    expect(describeFailure(new CheckpointError('truncated', 'c.json'))).toEqual({ line: 'checkpoint c.json: truncated', code: 2, internal: false });
    expect(describeFailure(new SimulationError('conservation violated', { block: 7, netuid: 3 }))).toEqual({ line: 'stopped at block 7, subnet 3: conservation violated', code: EXIT.failed, internal: false });
    expect(describeFailure(new CommandFailed('cannot listen on 127.0.0.1:1: EACCES'))).toEqual({ line: 'cannot listen on 127.0.0.1:1: EACCES', code: 1, internal: false });
    expect(describeFailure(new TypeError('x is undefined'))).toEqual({ line: 'internal error: x is undefined', code: 1, internal: true });
    expect(describeFailure('a string')).toEqual({ line: 'internal error: a string', code: 1, internal: true });
  });
});

describe('every command: an option error is one line `yuma <cmd>: --flag: ...`, exit 2, nothing written', () => {
  const out = () => join(dir, 'out');
  const cases: [string, string[], RegExp][] = [
    ['epoch', ['epoch', 'no-such.json', '-o', join('OUT', 'x.json')], /^yuma epoch: -o: cannot write .*: no such directory/],
    ['verify', ['verify', join(root, 'no-such-dir')], /^yuma verify: .*no-such-dir: /],
    ['profile', ['profile', '--synthetic', '8,2', '--reps', '1e3'], /^yuma profile: --reps: expected an integer 1\.\.1000000, got "1e3"$/],
    ['map', ['map', '--steps', '1', '--out', 'OUT'], /^yuma map: --steps: expected an integer 2\.\.1001, got "1"$/],
    ['scenario', ['scenario', 'no-such.json', '--epochs', '0', '--out', 'OUT'], /^yuma scenario: --epochs: expected an integer 1\.\.100000, got "0"$/],
    ['simulate', ['simulate', '--seed', '-1', '--out', 'OUT'], /^yuma simulate: --seed: expected an integer 0\.\.4294967295, got "-1"$/],
    ['emission', ['emission', '--profile', 'commune', '--genesis-date', 'soon'], /^yuma emission: --genesis-date: expected a date YYYY-MM-DD/],
    ['bench', ['bench', '--threads', '1,x'], /^yuma bench: --threads: expected a comma-separated list of integers 1\.\.256/],
    ['serve', ['serve', '--stdio', '--max-body', '12q'], /^yuma serve: --max-body: expected a size in bytes >= 1/],
  ];
  it.each(cases)('%s', (_name, args, want) => {
    const r = spawnSync(process.execPath, [bin, ...args.map((a) => a.replace(/^OUT/, out()))], { cwd: root, encoding: 'utf8', timeout: 60_000 });
    expect(r.stderr.trimEnd()).toMatch(want);
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(existsSync(out()) ? readdirSync(out()) : []).toEqual([]);
  });
});
