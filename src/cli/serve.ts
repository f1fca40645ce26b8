// `yuma serve --stdio | --http [...]`: a long-lived epoch server on one warm pool.
// Option errors are InputErrors naming the option (exit 2); see src/serve for the protocol.
import { readFileSync } from 'node:fs';
import { InputError } from '../engine/types.js';
import { CommandFailed } from './command.js';
import { intOption, sizeOption } from './options.js';
import { MAX_INPUT_BYTES } from '../engine/limits.js';
import { Service, SERVE_DEFAULTS } from '../serve/service.js';
import { serveStdio } from '../serve/stdio.js';
import { isLoopback, probeListen, startHttpServer } from '../serve/http.js';

export interface ServeCliOptions {
  stdio?: boolean;
  http?: boolean;
  host?: string;
  port?: string;
  threads?: string;
  tokenFile?: string;
  maxBody?: string;
  maxBuffered?: string;
  timeout?: string;
  maxQueue?: string;
  parseThreads?: string;
  quiet?: boolean;
  verbose?: boolean;
}

export const SERVE_CLI_DEFAULTS = Object.freeze({ host: '127.0.0.1', port: 8787, maxBody: '64m' });

/** The bearer token in `file`: one token, no whitespace inside. Throws InputError (--token-file). */
function readToken(file: string): string {
  let token: string;
  try {
    token = readFileSync(file, 'utf8').trim();
  } catch (e) {
    throw new InputError(`cannot read the token file: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, '--token-file');
  }
  if (token === '' || /\s/.test(token)) {
    throw new InputError('the token file must hold one token: non-empty, no whitespace inside', '--token-file');
  }
  return token;
}

export async function serveCommand(opts: ServeCliOptions): Promise<void> {
  if (opts.stdio === opts.http || (opts.stdio !== true && opts.http !== true)) {
    throw new InputError('give exactly one of --stdio and --http', opts.stdio ? '--http' : '--stdio');
  }
  if (opts.stdio) {
    for (const [flag, v] of [['--host', opts.host], ['--port', opts.port], ['--token-file', opts.tokenFile]] as const) {
      if (v !== undefined) throw new InputError('only with --http (stdio has no network and no token)', flag);
    }
  }
  const threads = intOption(opts.threads, '--threads', 1, 256);
  const timeoutMs = intOption(opts.timeout, '--timeout', 1, 2 ** 31 - 1, 'ms') ?? SERVE_DEFAULTS.timeoutMs;
  const maxQueue = intOption(opts.maxQueue, '--max-queue', 0, 1_000_000) ?? SERVE_DEFAULTS.maxQueue;
  // requests are parsed in the --threads workers, in the one task that runs their epochs
  const parseThreads = intOption(opts.parseThreads, '--parse-threads', 0, 256);
  if (parseThreads !== undefined && parseThreads !== 0) {
    throw new InputError(
      `only 0 (the JSON on the main thread): requests are parsed in the --threads workers, in the task that runs their epochs; got ${parseThreads}`,
      '--parse-threads',
    );
  }
  const maxBody = sizeOption(opts.maxBody ?? SERVE_CLI_DEFAULTS.maxBody, '--max-body')!;
  if (maxBody > MAX_INPUT_BYTES) {
    throw new InputError(`at most ${MAX_INPUT_BYTES} bytes (the largest input document any reader takes), got ${maxBody}`, '--max-body');
  }
  const maxBuffered = sizeOption(opts.maxBuffered, '--max-buffered') ?? SERVE_DEFAULTS.bufferedPerBody * maxBody;
  if (maxBuffered < maxBody) {
    throw new InputError(`must be at least --max-body (${maxBody} bytes), got ${maxBuffered}`, '--max-buffered');
  }
  const port = intOption(opts.port, '--port', 0, 65535, '0: any free port') ?? SERVE_CLI_DEFAULTS.port;
  const host = opts.host ?? SERVE_CLI_DEFAULTS.host;
  const tokenFile = opts.tokenFile;
  let token = tokenFile !== undefined ? readToken(tokenFile) : undefined;
  const log = (line: string) => {
    if (!opts.quiet) process.stderr.write(`yuma serve: ${line}\n`);
  };
  // one line per request read and answered: what a client (or a test) can wait on
  const requestLog = opts.verbose ? (line: string) => process.stderr.write(`yuma serve: ${line}\n`) : undefined;

  const cannotListen = (e: unknown) =>
    new CommandFailed(`cannot listen on ${host}:${port}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  // a busy port is found before any worker starts (port 0 is always free)
  if (opts.http && port !== 0) {
    try {
      await probeListen(host, port);
    } catch (e) {
      throw cannotListen(e);
    }
  }

  const service = new Service({
    mode: opts.stdio ? 'stdio' : 'http',
    timeoutMs,
    maxQueue,
    maxBodyBytes: maxBody,
    maxBufferedBytes: maxBuffered,
    ...(threads !== undefined ? { threads } : {}),
    ...(parseThreads === 0 ? { parseOnMainThread: true } : {}),
  });
  await service.warmup();
  const shape = `${service.threads} thread(s), ${service.parseOnMainThread ? 'JSON on the main thread' : `JSON in the workers (heap ${service.workerHeapMb} MiB each)`}, queue ${service.capacity - service.threads}, timeout ${timeoutMs} ms, max body ${maxBody} bytes, max buffered ${maxBuffered} bytes`;

  // first SIGTERM/SIGINT: graceful (finish in-flight requests); a second one: at once
  let signals = 0;
  const onSignal = (stop: (force: boolean) => void) => (sig: NodeJS.Signals) => {
    signals++;
    log(signals === 1 ? `${sig}: finishing in-flight requests (again to stop at once)` : `${sig}: stopping now`);
    stop(signals > 1);
  };
  // a safety net once everything is closed: nothing left should hold the process, but never hang
  const exitSoon = () => setTimeout(() => process.exit(), 2_000).unref();

  if (opts.stdio) {
    const server = serveStdio(service, {
      input: process.stdin,
      output: process.stdout,
      maxLineBytes: maxBody,
      ...(requestLog ? { log: requestLog } : {}),
    });
    const handler = onSignal((force) => server.stop({ force }));
    process.on('SIGTERM', handler);
    process.on('SIGINT', handler);
    log(`ready on stdio (${shape})`);
    await server.done;
    process.off('SIGTERM', handler);
    process.off('SIGINT', handler);
    log('stopped');
    exitSoon();
    return;
  }

  if (!isLoopback(host) && token === undefined) {
    log(`WARNING: listening on ${host}, beyond this machine, without --token-file: anyone who can reach it can use it`);
  }
  let http;
  try {
    http = await startHttpServer(service, {
      host,
      port,
      maxBodyBytes: maxBody,
      ...(token !== undefined ? { token } : {}),
      ...(requestLog ? { log: requestLog } : {}),
    });
  } catch (e) {
    await service.close({ force: true });
    throw cannotListen(e);
  }
  const server = http;
  let stopped: Promise<void> | undefined;
  const handler = onSignal((force) => {
    const p = server.close({ force });
    stopped ??= p;
  });
  process.on('SIGTERM', handler);
  process.on('SIGINT', handler);
  // SIGHUP: the token file is read again (a token rotated without a restart); a file that
  // no longer holds a token keeps the old one
  const reload = () => {
    if (tokenFile === undefined) return log('SIGHUP: no --token-file to reload');
    try {
      token = readToken(tokenFile);
      server.setToken(token);
      log('SIGHUP: token reloaded from --token-file');
    } catch (e) {
      log(`SIGHUP: token NOT reloaded, the old one stays: ${e instanceof InputError ? e.message : String(e)}`);
    }
  };
  process.on('SIGHUP', reload);
  // always printed, --quiet or not: with --port 0 it is how a client learns the port
  process.stderr.write(`yuma serve: listening on ${server.url} (${shape}${token !== undefined ? ', bearer token required' : ''})\n`);
  // wait until a signal has closed the server
  await new Promise<void>((resolve) => server.server.once('close', () => resolve()));
  await stopped;
  process.off('SIGTERM', handler);
  process.off('SIGINT', handler);
  process.off('SIGHUP', reload);
  log('stopped');
  exitSoon();
}
