// Worker-pool throughput: the main thread vs pools of 1 and 2 workers on batches of
// synthetic subnets, in one tinybench run; the same code as `yuma bench` (src/cli/bench.ts).
// The pool's workers run the BUILT dist/pool/worker.js: `npm run build` first. Usage:
//   npm run bench:pool [-- --quick] [-- --threads 1,2,4] [-- --json out.json] [-- --only 4096]
import { formatPoolBench, runPoolBench } from '../src/cli/bench.js';
import { intListOption } from '../src/cli/options.js';

const args = process.argv.slice(2);
const value = (flag: string) => {
  const at = args.indexOf(flag);
  return at >= 0 ? args[at + 1] : undefined;
};
const only = value('--only');
const report = await runPoolBench({
  threads: intListOption(value('--threads') ?? '1,2', '--threads', 1, 256),
  quick: args.includes('--quick'),
  json: value('--json') ?? 'bench-results/pool.json',
  ...(only !== undefined ? { only } : {}),
});
process.stdout.write(formatPoolBench(report));
