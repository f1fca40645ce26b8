// `yuma serve --stdio`: JSON lines in, JSON lines out, in the same order.
//
// - One request per line, and exactly one reply per line, in request order: a client may
//   count. A blank line (only spaces, tabs or "\r") is not a request: it is answered with a
//   `bad_request` error. Requests run concurrently on the pool; each reply is one line.
// - Every failure is a reply ({"id", "error"}); nothing a client sends ends the server.
// - A line over `maxLineBytes` is answered with a `too_large` error (id null) and skipped
//   without being buffered.
// - Backpressure instead of refusals (one client, one pipe): while `capacity` requests are
//   read and not yet answered, or they hold the service's byte budget (--max-buffered), or the
//   output is backed up, no more input is read.
// - End of input: the requests already read finish, their replies are written, the pool ends.
//   stop() (a signal) does the same, and answers every line that arrives meanwhile, and a line
//   cut off by the end, with `shutting_down`; stop({ force: true }) (or the output failing,
//   e.g. the client gone: EPIPE) aborts what runs and ends at once.
import { setMaxListeners } from 'node:events';
import type { Readable, Writable } from 'node:stream';
import { ServeError, errorReply, toServeError, type RequestId } from './protocol.js';
import type { Service } from './service.js';
import { scenarioDocument, scenarioReply } from './scenario.js';

export interface StdioOptions {
  input: Readable;
  output: Writable;
  /** the longest request line, bytes */
  maxLineBytes: number;
  /** a status line per request read and answered (--verbose) */
  log?: (line: string) => void;
}

export interface StdioServer {
  /** resolves when the server has ended (input ended or stop()), the pool closed */
  readonly done: Promise<void>;
  /** finish what was read (force: abort it), answer what arrives meanwhile, and end */
  stop(options?: { force?: boolean }): void;
}

interface Slot {
  /** the reply line, newline included */
  line: string | Uint8Array | undefined;
}

const shuttingDown = () => new ServeError('shutting_down', 'the server is shutting down; this request was not run');

export function serveStdio(service: Service, options: StdioOptions): StdioServer {
  const { input, output, maxLineBytes, log } = options;
  const metrics = service.metrics;
  const slots: Slot[] = [];
  const cancel = new AbortController();
  // one listener per request in flight (at most `capacity` requests, plus one batch)
  setMaxListeners(0, cancel.signal);
  let chunks: Buffer[] = [];
  let lineBytes = 0;
  let discarding = false;
  let reading = true;
  let stopping = false;
  let outputBroken = false;
  /** lines read so far (request numbers in the log) */
  let seq = 0;
  let finish!: () => void;
  const done = new Promise<void>((resolve) => (finish = resolve));

  const write = () => {
    while (slots.length > 0 && slots[0]!.line !== undefined) {
      const slot = slots.shift()!;
      if (!outputBroken) output.write(slot.line!);
    }
    flowControl();
    // after the rest of the chunk being read is answered (a line cut off then is, too)
    if (stopping && slots.length === 0) setImmediate(() => void end());
  };

  const full = () =>
    slots.length >= service.capacity ||
    service.inFlight >= service.capacity ||
    !service.admits(0) ||
    output.writableNeedDrain;
  const flowControl = () => {
    if (!reading) return;
    catchUp();
    if (full() || pending) input.pause();
    else input.resume();
  };
  output.on('drain', flowControl);

  const reply = (slot: Slot, line: string | Uint8Array) => {
    slot.line = line;
    write();
  };

  function errorSlot(id: RequestId, err: ServeError) {
    metrics.request('stdio', err.code);
    const slot: Slot = { line: undefined };
    slots.push(slot);
    reply(slot, `${errorReply(id, err)}\n`);
  }

  function request(line: Buffer, n: number) {
    const slot: Slot = { line: undefined };
    slots.push(slot);
    const t0 = performance.now();
    metrics.inflightRequests++;
    // the line is read: it is admitted whatever the budget (no more is read while full), and
    // its timeout starts now
    const admission = service.admit(line.length, { force: true });
    const onForce = () => admission.abort(cancel.signal.reason);
    cancel.signal.addEventListener('abort', onForce, { once: true });
    const answer = (line: string | Uint8Array, result: string) => {
      cancel.signal.removeEventListener('abort', onForce);
      admission.release();
      metrics.inflightRequests--;
      const seconds = (performance.now() - t0) / 1000;
      metrics.request('stdio', result, seconds);
      log?.(`request ${n}: ${result} in ${(seconds * 1000).toFixed(1)} ms`);
      reply(slot, line);
    };
    const fail = (err: unknown) => {
      const e = toServeError(admission.signal.aborted ? admission.signal.reason : err);
      // the id, once the request was parsed: from the error itself (service.reply)
      answer(`${errorReply(e.requestId ?? (err instanceof ServeError ? err.requestId : undefined) ?? null, e)}\n`, e.code);
    };
    const signal = admission.signal;
    // parsed, run and written in one pool task
    (async () => {
      // a yuma scenario request (src/serve/scenario.ts)
      const scenario = scenarioDocument(line);
      if (scenario) return answer(`${await scenarioReply(service, scenario, signal)}\n`, 'ok');
      answer(await service.reply(line, { expect: 'auto', signal, admit: 'always', form: 'reply', newline: true }), 'ok');
    })().catch(fail);
  }

  function onLine(line: Buffer) {
    const n = ++seq;
    log?.(`request ${n}: ${line.length} bytes read`);
    if (stopping) return errorSlot(null, shuttingDown());
    let blank = true;
    for (let i = 0; i < line.length && blank; i++) {
      const c = line[i];
      blank = c === 0x20 || c === 0x09 || c === 0x0d;
    }
    if (blank) return errorSlot(null, new ServeError('bad_request', 'a blank line is not a request'));
    request(line, n);
  }

  /** input read but not yet split into lines: it waits while full (no request starts then) */
  let pending: Buffer | undefined;
  let inputEnded = false;

  function onData(chunk: Buffer) {
    bytesRead += chunk.length;
    consume(chunk);
    flowControl();
  }

  /** splits `chunk` into lines and handles them, until full: the rest waits in `pending` */
  function consume(chunk: Buffer) {
    let start = 0;
    while (start < chunk.length) {
      if (full()) {
        pending = chunk.subarray(start);
        return;
      }
      const nl = chunk.indexOf(0x0a, start);
      const end = nl === -1 ? chunk.length : nl;
      if (!discarding) {
        lineBytes += end - start;
        if (lineBytes > maxLineBytes) {
          discarding = true;
          chunks = [];
          errorSlot(null, new ServeError('too_large', `the request line is over the limit of ${maxLineBytes} bytes; it was skipped`));
        } else if (end > start) chunks.push(chunk.subarray(start, end));
      }
      if (nl === -1) break;
      if (!discarding) onLine(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, lineBytes));
      chunks = [];
      lineBytes = 0;
      discarding = false;
      start = nl + 1;
    }
  }

  /** the input held back while full, once there is room; then the end of input, if it came */
  function catchUp() {
    if (pending && !full()) {
      const rest = pending;
      pending = undefined;
      consume(rest);
    }
    if (inputEnded && !pending) endOfInput();
  }

  const onEnd = () => {
    inputEnded = true;
    catchUp();
  };

  let inputDone = false;
  function endOfInput() {
    if (inputDone) return;
    inputDone = true;
    if (!discarding && lineBytes > 0) onLine(Buffer.concat(chunks, lineBytes));
    chunks = [];
    lineBytes = 0;
    discarding = false;
    stop();
  }

  /** stop reading; a line cut off by it is answered with `shutting_down` */
  function stopReading() {
    if (!reading) return;
    // lines read and held back: answered too (`shutting_down`), unless stopped at once
    if (pending && !cancel.signal.aborted) {
      const rest = pending;
      pending = undefined;
      consume(rest);
    }
    pending = undefined;
    reading = false;
    input.off('data', onData);
    input.off('end', onEnd);
    input.pause();
    // the input may still be open (a signal): let it go so the process can end
    if (!input.readableEnded) input.destroy();
    if (lineBytes > 0 || discarding) {
      chunks = [];
      lineBytes = 0;
      if (!discarding) errorSlot(null, shuttingDown());
      discarding = false;
    }
  }

  /** bytes read so far; and from when end() began, the most it still reads */
  let bytesRead = 0;
  /**
   * Before a graceful end: lets what is already in the input pipe arrive (each line is
   * answered `shutting_down`, a line cut off too), up to one more line's worth of bytes.
   * Two immediates span one poll of the event loop, where pending input is read.
   */
  async function settleInput() {
    const limit = bytesRead + maxLineBytes;
    for (let before = -1; reading && before !== bytesRead && bytesRead <= limit; ) {
      before = bytesRead;
      await new Promise((r) => setImmediate(r));
      await new Promise((r) => setImmediate(r));
    }
  }

  let ended = false;
  async function end() {
    if (ended) return;
    ended = true;
    if (!cancel.signal.aborted) await settleInput();
    stopReading();
    try {
      await service.close();
    } finally {
      output.off('drain', flowControl);
      finish();
    }
  }

  function stop({ force = false }: { force?: boolean } = {}) {
    stopping = true;
    if (force) {
      stopReading();
      cancel.abort(new ServeError('shutting_down', 'the server was stopped before the request finished'));
      void service.close({ force: true });
    }
    // graceful: reading goes on (what arrives is answered `shutting_down`) until every
    // request read before is answered
    if (slots.length === 0) void end();
  }

  output.on('error', () => {
    // the reader is gone (EPIPE): nobody can receive a reply
    outputBroken = true;
    stop({ force: true });
  });
  input.on('data', onData);
  input.on('end', onEnd);
  input.on('error', () => stop());
  flowControl();

  return { done, stop };
}
