// Is the build older than its sources? The tests run the BUILT code (dist/cli/main.js, the pool
// workers, build/*.wasm), so a source edited since the last build would be tested
// against stale code. Outputs are compared with their sources by modification time:
//   assembly/**/*.ts, asconfig.json  ->  build/yuma.wasm, build/yuma-shared.wasm, build/yuma.d.ts (npm run build:wasm)
//   src/**/*.ts (*.cts), tsconfig.json  ->  dist/<same path>.js (.cjs), one per source  (npm run build:ts)
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

export const WASM_OUTPUTS = ['build/yuma.wasm', 'build/yuma-shared.wasm', 'build/yuma.d.ts'];

export interface Staleness {
  /** why `npm run build:wasm` is needed, or null */
  wasm: string | null;
  /** why `npm run build:ts` is needed, or null */
  ts: string | null;
}

function tsFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...tsFiles(p));
    else if ((e.name.endsWith('.ts') && !e.name.endsWith('.d.ts')) || e.name.endsWith('.cts')) out.push(p);
  }
  return out;
}

const mtime = (p: string): number | undefined => (existsSync(p) ? statSync(p).mtimeMs : undefined);

/** The newest of the files, as [path, mtime]. */
function newest(files: string[]): [string, number] | undefined {
  let best: [string, number] | undefined;
  for (const f of files) {
    const t = mtime(f);
    if (t !== undefined && (best === undefined || t > best[1])) best = [f, t];
  }
  return best;
}

/** What in the checkout at `root` must be rebuilt, and why (one line each). */
export function staleness(root: string): Staleness {
  const rel = (p: string) => relative(root, p);
  let wasm: string | null = null;
  const wasmSource = newest([...tsFiles(join(root, 'assembly')), join(root, 'asconfig.json')]);
  for (const out of WASM_OUTPUTS) {
    const t = mtime(join(root, out));
    if (t === undefined) wasm = `${out} is missing`;
    else if (wasmSource && wasmSource[1] > t) wasm = `${rel(wasmSource[0])} is newer than ${out}`;
    if (wasm) break;
  }

  let ts: string | null = null;
  const config = mtime(join(root, 'tsconfig.json'));
  for (const src of tsFiles(join(root, 'src'))) {
    const out = join(root, 'dist', relative(join(root, 'src'), src)).replace(/\.ts$/, '.js').replace(/\.cts$/, '.cjs');
    const t = mtime(out);
    if (t === undefined) ts = `${rel(out)} is missing`;
    else if (mtime(src)! > t) ts = `${rel(src)} is newer than ${rel(out)}`;
    else if (config !== undefined && config > t) ts = `tsconfig.json is newer than ${rel(out)}`;
    if (ts) break;
  }
  return { wasm, ts };
}
