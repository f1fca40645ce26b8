// The build the tests and the package run from: the globalSetup's staleness rule (a source newer
// than its output, or a missing output, means rebuild) and the error a missing build file gives
// (a developer builds, an installer reinstalls).
import { describe, it, expect, beforeEach, afterAll } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { staleness } from './build-freshness.js';
import { missingBuildFile } from '../src/engine/build-files.js';

const tmp = mkdtempSync(join(tmpdir(), 'yuma-build-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

let root = '';
let seq = 0;
/** Writes `rel` under root with modification time t (seconds since the epoch). */
function file(rel: string, t: number): void {
  const p = join(root, rel);
  mkdirSync(dirname(p), { recursive: true });
  writeFileSync(p, rel);
  utimesSync(p, t, t);
}

describe('staleness (the globalSetup rule)', () => {
  beforeEach(() => {
    root = join(tmp, `r${seq++}`);
    // a checkout built after its last edit: sources at t=1000, outputs at t=2000
    file('asconfig.json', 1000);
    file('tsconfig.json', 1000);
    file('assembly/index.ts', 1000);
    file('assembly/lib/fixed.ts', 1000);
    file('src/index.ts', 1000);
    file('src/engine/epoch.ts', 1000);
    file('src/engine/types.d.ts', 3000); // declaration files have no output
    file('build/yuma.wasm', 2000);
    file('build/yuma-shared.wasm', 2000);
    file('dist/index.js', 2000);
    file('dist/engine/epoch.js', 2000);
  });

  it('a fresh build needs nothing', () => {
    expect(staleness(root)).toEqual({ wasm: null, ts: null });
  });

  it('a TypeScript source edited after the build: build:ts, naming the file and its output', () => {
    file('src/engine/epoch.ts', 2500);
    expect(staleness(root)).toEqual({ wasm: null, ts: 'src/engine/epoch.ts is newer than dist/engine/epoch.js' });
  });

  it('a new TypeScript source without output, or a newer tsconfig.json: build:ts', () => {
    file('src/engine/new.ts', 1000);
    expect(staleness(root).ts).toBe('dist/engine/new.js is missing');
    rmSync(join(root, 'src/engine/new.ts'));
    file('tsconfig.json', 2500);
    expect(staleness(root).ts).toMatch(/^tsconfig\.json is newer than dist\//);
  });

  it('a kernel source or asconfig.json edited after the build: build:wasm, TypeScript untouched', () => {
    file('assembly/lib/fixed.ts', 2500);
    expect(staleness(root)).toEqual({ wasm: 'assembly/lib/fixed.ts is newer than build/yuma.wasm', ts: null });
    file('assembly/lib/fixed.ts', 1000);
    file('asconfig.json', 2500);
    expect(staleness(root).wasm).toBe('asconfig.json is newer than build/yuma.wasm');
  });

  it('a missing WASM build (the shared one too): build:wasm', () => {
    rmSync(join(root, 'build/yuma-shared.wasm'));
    expect(staleness(root).wasm).toBe('build/yuma-shared.wasm is missing');
  });

  it('this checkout is fresh once the globalSetup has run', () => {
    expect(staleness(fileURLToPath(new URL('..', import.meta.url)))).toEqual({ wasm: null, ts: null });
  });
});

describe('a missing build file says who can fix it', () => {
  it('in a source checkout (assembly/ beside build/): run npm run build there', () => {
    root = join(tmp, 'checkout');
    file('assembly/index.ts', 1000);
    const e = missingBuildFile('WASM kernels', join(root, 'build/yuma-shared.wasm'), root);
    expect(e.message).toBe(`WASM kernels not built: build/yuma-shared.wasm is missing in ${root} (run \`npm run build\` there)`);
  });

  it('in an installed package (no sources): a broken install, reinstall; no advice to build', () => {
    root = join(tmp, 'app/node_modules/yuma-engine');
    file('package.json', 1000);
    const missing = join(root, 'dist/pool/worker.js');
    const e = missingBuildFile('createPool: the pool worker', missing, root);
    expect(e.message).toContain(`createPool: the pool worker: ${missing} is missing from the installed yuma-engine package`);
    expect(e.message).toMatch(/reinstall yuma-engine \(`npm install yuma-engine`/);
    expect(e.message).not.toMatch(/npm run build/);
  });
});
