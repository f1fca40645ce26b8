// vitest globalSetup: rebuild what is older than its sources before any test runs, so that a
// local edit is never tested against a stale dist/ or build/*.wasm (see build-freshness.ts).
// CI builds in `npm ci` already; then nothing is stale and this costs a few stat calls.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { staleness } from './build-freshness.js';

const root = fileURLToPath(new URL('..', import.meta.url));

function build(script: string, why: string): void {
  process.stderr.write(`globalSetup: ${why}: npm run ${script}\n`);
  const r = spawnSync('npm', ['run', '--silent', script], { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.status !== 0) throw new Error(`globalSetup: npm run ${script} failed (${r.error?.message ?? `exit ${r.status}`})`);
}

export default function setup(): void {
  const { wasm, ts } = staleness(root);
  if (wasm) build('build:wasm', wasm);
  if (ts) build('build:ts', ts);
}
