#!/usr/bin/env node
// `yuma`: thin commands over the library. Bad input exits 2 with one line naming the file,
// field and index; nothing is written unless the whole output is ready (atomic rename).
import { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { InputError } from '../engine/types.js';
import { epochCommand } from './epoch.js';
import { verifyCommand } from './verify.js';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

/** Exit codes: 0 ok, 1 verification failed or internal error, 2 bad input or usage. */
export const EXIT = { ok: 0, failed: 1, badInput: 2 } as const;

function main(argv: string[]): void {
  const program = new Command()
    .name('yuma')
    .description('Bit-exact Yuma consensus epochs (Bittensor chain arithmetic) on WASM kernels')
    .version(pkg.version)
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride((err) => {
      // commander already printed its message; usage errors are bad input
      process.exit(err.exitCode === 0 ? 0 : EXIT.badInput);
    });

  program
    .command('epoch')
    .description('run one epoch: yuma-epoch/1 input (.json, .json.gz, or - for stdin) to output JSON')
    .argument('<input>', 'input file, or - to read stdin')
    .option('-o, --output <file>', 'write the output here (atomically) instead of stdout')
    .option('--trace', 'include the raw I32F32 intermediate vectors')
    .action((input: string, opts: { output?: string; trace?: boolean }) => epochCommand(input, opts));

  program
    .command('verify')
    .description('run golden vectors (NAME.input.json + NAME.expected.json, and sequence files) and compare exactly')
    .argument('<paths...>', 'directories (searched recursively) or files')
    .option('--summary', 'print a per-directory table and throughput after the result line')
    .option('-q, --quiet', 'print only failures and the result line')
    .action((paths: string[], opts: { summary?: boolean; quiet?: boolean }) => {
      process.exitCode = verifyCommand(paths, opts);
    });

  program
    .command('bench')
    .description('worker-pool throughput vs the main thread on synthetic subnets (tinybench): table, optional JSON')
    .option('--threads <list>', 'pool sizes to measure, comma separated', '1,2')
    .option('--json <file>', 'also write the results as JSON (atomically)')
    .option('--quick', 'fewer samples')
    .option('--only <text>', 'only the cases whose name contains this text')
    // imported on use: the pool (piscina) and tinybench stay out of the other commands' start-up
    .action((opts: { threads?: string; json?: string; quick?: boolean; only?: string }) =>
      import('./bench.js').then((m) => m.benchCommand(opts)),
    );

  program.parse(argv);
}

try {
  main(process.argv);
} catch (err) {
  if (err instanceof InputError) {
    process.stderr.write(`yuma: ${err.describe()}\n`);
    process.exit(EXIT.badInput);
  }
  const e = err as Error;
  process.stderr.write(`yuma: internal error: ${e?.message ?? String(err)}\n`);
  if (process.env.YUMA_DEBUG) process.stderr.write(`${e?.stack}\n`);
  process.exit(EXIT.failed);
}
