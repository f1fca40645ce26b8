// The files the package runs from its build (build/*.wasm, the dist/ workers). When one is
// missing, the error says who can fix it: in a source checkout (assembly/ is beside build/)
// the developer builds; in an installed package nothing can be built, the install is broken.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join, relative } from 'node:path';

/** The package root: two folders above this module, in src/engine/ and in dist/engine/ alike. */
const PACKAGE_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** The error for a build output `file` (an absolute path) that is missing; `what` names it. */
export function missingBuildFile(what: string, file: string, root: string = PACKAGE_ROOT): Error {
  const rel = relative(root, file);
  if (existsSync(join(root, 'assembly'))) {
    return new Error(`${what} not built: ${rel} is missing in ${root} (run \`npm run build\` there)`);
  }
  return new Error(
    `${what}: ${file} is missing from the installed yuma-engine package (a broken or partial install): ` +
      'reinstall yuma-engine (`npm install yuma-engine`, or remove node_modules and run `npm install`)',
  );
}
