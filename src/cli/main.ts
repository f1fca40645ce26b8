#!/usr/bin/env node
// `yuma`: thin commands over the library. Every command runs through runCommand (command.ts):
// bad input exits 2 with one line `yuma <cmd>: file: field: message` (or `--flag: message`);
// nothing is written unless the whole output is ready (atomic rename).
import { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { EXIT, fail, guardStdio, runCommand } from './command.js';
import { epochCommand } from './epoch.js';
import { verifyCommand } from './verify.js';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

function main(argv: string[]): void {
  const program = new Command()
    .name('yuma')
    .description('Bit-exact Yuma consensus epochs (Bittensor and Commune chain arithmetic) on WASM kernels, and the network around them')
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
    .action((input: string, opts: { output?: string; trace?: boolean }) => runCommand('epoch', () => epochCommand(input, opts)));

  program
    .command('verify')
    .description('run golden vectors (NAME.input.json + NAME.expected.json, and sequence files) and compare exactly')
    .argument('<paths...>', 'directories (searched recursively) or files')
    .option('--summary', 'print a per-directory table and throughput after the result line')
    .option('-q, --quiet', 'print only failures and the result line')
    .action((paths: string[], opts: { summary?: boolean; quiet?: boolean }) => runCommand('verify', () => verifyCommand(paths, opts)));

  program
    .command('bench')
    .description('worker-pool throughput vs the main thread on synthetic subnets (tinybench): table, optional JSON')
    .argument('[inputs...]', 'input files to measure instead of the fixed cases (each one subnet: main, whole, split)')
    .option('--synthetic <n,V[,rowlen]>', 'a synthetic subnet to measure instead of the fixed cases (repeatable)', (v: string, acc: string[]) => [...acc, v], [] as string[])
    .option('--yuma3', 'Yuma3 on, for the given inputs and --synthetic shapes')
    .option('--liquid-alpha', 'liquid alpha on, for the given inputs and --synthetic shapes')
    .option('--threads <list>', 'pool sizes to measure, comma separated', '1,2')
    .option('--json <file>', 'also write the results as JSON (atomically)')
    .option('--quick', 'fewer samples')
    .option('--only <text>', 'only the cases whose name contains this text')
    // imported on use: the pool (piscina) and tinybench stay out of the other commands' start-up
    .action((inputs: string[], opts: { threads?: string; json?: string; quick?: boolean; only?: string; synthetic?: string[]; yuma3?: boolean; liquidAlpha?: boolean }) =>
      runCommand('bench', async () => (await import('./bench.js')).benchCommand(inputs, opts)),
    );

  program
    .command('profile')
    .description('per-stage cost of one epoch (median, p90, share, bytes) and WASM vs TypeScript-reference time per kernel')
    .argument('[input]', 'yuma-epoch/1 input (.json, .json.gz, or - for stdin); or use --synthetic')
    .option('--synthetic <n,V[,rowlen]>', 'profile a deterministic synthetic subnet instead: n uids, V validators, rowlen entries per row (default n)')
    .option('--yuma3', 'turn yuma3 on (synthetic, or override the input file)')
    .option('--liquid-alpha', 'turn liquid alpha on (synthetic, or override the input file)')
    .option('--bonds-penalty <p>', 'bonds penalty as a fraction in [0, 1] (-> u16), overrides the input')
    .option('--seed <s>', 'seed of the synthetic subnet (default 1)')
    .option('--reps <N>', 'timed repetitions after the warm-up (default 50)')
    .option('--warmup <N>', 'untimed warm-up runs (default: at least max(3, reps/10) and half a second)')
    .option('--ref-reps <N>', 'repetitions with the TypeScript reference kernels (slow; 0 skips them; default 3)')
    .option('--json <file>', 'also write the results as JSON (atomically)')
    .option('--report <file>', 'write a self-contained HTML report with charts (atomically)')
    .option('-q, --quiet', 'do not print the table')
    .action((input: string | undefined, opts: Record<string, string | boolean | undefined>) =>
      runCommand('profile', async () => (await import('./profile.js')).profileCommand(input, opts)),
    );

  program
    .command('map')
    .description('consensus-guarantee sweep: majority emission share over major stake x major/minor self-weight (two-camp graphs), CSV + HTML report')
    .option('--neurons <n>', 'subnet size (default 512)')
    .option('--validators <V>', 'validators among the neurons (default 64)')
    .option('--bonds-penalty <p>', 'bonds penalty as a fraction in [0, 1] (default 1 -> 65535)')
    .option('--threads <N>', 'worker threads of the pool (default: available cores; 0 = the main thread)')
    .option('--out <dir>', 'output directory for map.csv and map.html (created; default yuma-map)')
    .option('--report <file>', 'write the HTML report here instead of <out>/map.html')
    .option('--steps <k>', 'self-weight steps per axis, 0..1 inclusive (default 51)')
    .option('--stakes <list>', 'major stakes, comma separated (default 0.51,0.55,...,0.95,0.99)')
    .option('--seed <s>', 'seed of the weight and stake noise (default 1)')
    .option('--weight-stddev <sd>', 'standard deviation of the weight noise (default 0.4)')
    .option('--yuma3', 'run the epochs with yuma3 on (default off, as the chain sweep)')
    .option('-q, --quiet', 'do not print the summary')
    .action((opts: Record<string, string | boolean | undefined>) =>
      runCommand('map', async () => (await import('./map.js')).mapCommand(opts)),
    );

  program
    .command('scenario')
    .description('run yuma-sim-case/1 scenarios (synthetic cases, snapshot replays) epoch by epoch through the exact engine, with settings and sweeps: JSON, CSV and an HTML report')
    .argument('<cases...>', 'case files (yuma-sim-case/1 JSON; a yuma-epoch/1 input is replayed), or directories of them')
    .option('--yuma <variant...>', 'variants to run: 1, 2, 3, 3-liquid, snapshot (comma separated or repeated; default: all four for a synthetic case, snapshot for a replay)')
    .option('--set <name=value>', 'a chain setting for every run, e.g. kappa=0.6, bonds_moving_average=975000, yuma3=true (repeatable; units: docs/scenario.md)', (v: string, a: string[] = []) => [...a, v])
    .option('--sweep <name=values>', 'run every value: a list (bonds_penalty=0,0.5,1) or a range (kappa=0.5:0.9:0.1); repeated sweeps are crossed', (v: string, a: string[] = []) => [...a, v])
    .option('--bonds-penalty <x>', 'override the variants\' bonds penalty: a fraction in [0, 1] -> floor(x*65535 + 0.5) (as --set bonds_penalty=x)')
    .option('--resets', 'apply each case\'s bond reset as a re-registration of that server uid (default off)')
    .option('--threads <n>', 'worker threads for the epochs (default: the available cores; 0: the main thread)')
    .option('--epochs <n>', 'a yuma-epoch/1 input given as a case is replayed for this many epochs, without changes (default 10)')
    .option('--out <dir>', 'output directory for scenario.json, scenario.csv, scenario.html and, without a sweep, <slug>.<variant>.json/.csv (created; default yuma-scenarios)')
    .option('--report <file>', 'write the HTML report here instead of <out>/scenario.html')
    .option('-q, --quiet', 'do not print the summary')
    .action((cases: string[], opts: Record<string, string | string[] | boolean | undefined>) =>
      runCommand('scenario', async () => (await import('./scenario.js')).scenarioCommand(cases, opts)),
    );

  program
    .command('simulate')
    .description('run a network of subnets over many blocks: emission, epochs, an exact ledger (default: 32 Bittensor subnets, one day)')
    .argument('[scenario]', 'scenario file (yuma-scenario/1 JSON; default: the built-in scenario)')
    .option('--profile <name>', 'bittensor or commune (the built-in scenario of that profile)')
    .option('--subnets <n>', 'number of subnets')
    .option('--neurons <n>', 'uids per subnet (all subnets)')
    .option('--validators <n>', 'validators per subnet (all subnets)')
    .option('--blocks <n>', 'blocks to simulate (with --resume: in all)')
    .option('--days <d>', 'days to simulate (7,200 blocks a day for bittensor, 10,800 for commune)')
    .option('--threads <n>', 'worker threads for the epochs (default 0: the main thread)')
    .option('--seed <s>', 'seed of the workload model (u32)')
    .option('--preset <name>', 'emission preset of the profile: commune (default), commune-documented; bittensor')
    .option('--out <dir>', 'output directory (default: simulate-out, or the checkpoint\'s directory with --resume)')
    .option('--checkpoint-every <blocks>', 'write out/checkpoint-<block>.json every this many blocks')
    .option('--keep-checkpoints <n>', 'checkpoints kept (default 2)')
    .option('--resume <checkpoint>', 'continue a run from a checkpoint')
    .option('--report <file>', 'also write a self-contained HTML report of the run (emission per subnet, consensus cost), atomically')
    .option('--json', 'print the summary as JSON (no progress bar)')
    .option('--no-progress', 'no progress bar')
    .option('--no-timings', 'leave the ms costs out of epochs.ndjson (equal runs give equal bytes)')
    // imported on use: the network layer stays out of the other commands' start-up
    .action((scenario: string | undefined, opts: Record<string, string | boolean | undefined>) =>
      runCommand('simulate', async () => (await import('./simulate.js')).simulateCommand(scenario, opts)),
    );

  program
    .command('emission')
    .description('emission schedule of a profile (named preset or a scenario file\'s): halvings table, per-day CSV, HTML report overlaying the presets')
    .argument('[scenario]', 'scenario file (yuma-scenario/1 JSON): its profile, network.emissionPreset and emission parameters')
    .option('--profile <name>', 'bittensor or commune')
    .option('--preset <name>', 'emission preset: commune (default for commune), commune-documented, bittensor')
    .option('--until-supply <tokens>', 'range: until the supply reaches this many whole tokens')
    .option('--years <y>', 'range: this many years (365.25 days) from genesis (default: until the emission ends)')
    .option('--genesis-date <date>', 'date of block 0, YYYY-MM-DD or ISO date-time, UTC (default 2024-01-01)')
    .option('--csv <file>', 'write block,date,supply,emission_per_day (one row per day and per halving) atomically')
    .option('--report <file>', 'write an HTML report with the profile\'s presets overlaid (atomically)')
    // imported on use, like the other network commands
    .action((scenario: string | undefined, opts: Record<string, string | undefined>) =>
      runCommand('emission', async () => (await import('./emission.js')).emissionCommand(scenario, opts)),
    );

  program
    .command('serve')
    .description('serve epochs on a warm worker pool: JSON lines over stdio, or HTTP (POST /v1/epoch, /v1/epochs; GET /healthz, /metrics)')
    .option('--stdio', 'JSON lines on stdin/stdout: one request per line, replies in the same order')
    .option('--http', 'an HTTP server (loopback by default)')
    .option('--host <addr>', 'address to bind with --http (default 127.0.0.1)')
    .option('--port <n>', 'port with --http (default 8787; 0: any free port, printed on stderr)')
    .option('--threads <N>', 'worker threads (default: available cores)')
    .option('--token-file <file>', 'with --http: every request needs "Authorization: Bearer <the token in this file>" (read again on SIGHUP)')
    .option('--max-body <size>', 'largest request body (HTTP) or line (stdio), e.g. 64m (default 64m, at most 256m)')
    .option('--max-buffered <size>', 'request bytes held at once (admitted, not yet answered); HTTP answers 503 beyond it (default 4 x --max-body)')
    .option('--timeout <ms>', 'per-request timeout, ms (default 60000)')
    .option('--max-queue <n>', 'epochs that may wait for a worker; HTTP answers 503 beyond it (default 64)')
    .option('--parse-threads <N>', '0: parse requests and write replies on the main thread (default: in the --threads workers, in the task that runs the epochs)')
    .option('-q, --quiet', 'no status lines on stderr (HTTP still prints the one "listening on" line)')
    .option('--verbose', 'also a line on stderr per request read and answered')
    // imported on use: node:http and the pool stay out of the other commands' start-up
    .action((opts: Record<string, string | boolean | undefined>) =>
      runCommand('serve', async () => (await import('./serve.js')).serveCommand(opts)),
    );

  program.parse(argv);
}

guardStdio();
try {
  main(process.argv);
} catch (err) {
  // only the set-up above can throw here (every command runs through runCommand)
  fail('', err);
  process.exit(process.exitCode ?? EXIT.failed);
}
