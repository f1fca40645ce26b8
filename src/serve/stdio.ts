// `yuma serve --stdio`: JSON lines in, JSON lines out, in the same order.
//
// - One request per line (see protocol.ts); blank lines are skipped. Requests run concurrently
//   on the pool; their replies are written in request order, each on one line.
// - Every failure is a reply ({"id", "error"}); nothing a client sends ends the server.
// - A line over `maxLineBytes` is answered with a `too_large` error (id null) and skipped
//   without being buffered.
// - Backpressure instead of refusals (one client, one pipe): while `capacity` requests are
//   read and not yet answered, or the output is backed up, no more input is read.
// - End of input: the requests already read finish, their replies are written, the pool ends.
//   stop() does the same on a signal; stop({ force: true }) (or the output failing, e.g. the
//   client gone: EPIPE) aborts what runs and ends at once.
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
}

export interface StdioServer {
  /** resolves when the server has ended (input ended or stop()), the pool closed */
  readonly done: Promise<void>;
  /** stop reading; finish what was read (force: abort it) and end */
  stop(options?: { force?: boolean }): void;
}

interface Slot {
  text: string | undefined;
}

export function serveStdio(service: Service, options: StdioOptions): StdioServer {
  const { input, output, maxLineBytes } = options;
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
  let finish!: () => void;
  const done = new Promise<void>((resolve) => (finish = resolve));

  const write = () => {
    while (slots.length > 0 && slots[0]!.text !== undefined) {
      const slot = slots.shift()!;
      if (!outputBroken) output.write(`${slot.text}\n`);
    }
    flowControl();
    if (stopping && slots.length === 0) void end();
  };

  const full = () => slots.length >= service.capacity || service.inFlight >= service.capacity || output.writableNeedDrain;
  const flowControl = () => {
    if (!reading || stopping) return;
    if (full()) input.pause();
    else input.resume();
  };
  output.on('drain', flowControl);

  const reply = (slot: Slot, text: string) => {
    slot.text = text;
    write();
  };

  function errorSlot(id: RequestId, err: ServeError) {
    metrics.request('stdio', err.code);
    const slot: Slot = { text: undefined };
    slots.push(slot);
    reply(slot, errorReply(id, err));
  }

  function request(line: Buffer) {
    const slot: Slot = { text: undefined };
    slots.push(slot);
    const t0 = performance.now();
    let id: RequestId = null;
    metrics.inflightRequests++;
    const answer = (text: string, result: string) => {
      metrics.inflightRequests--;
      metrics.request('stdio', result, (performance.now() - t0) / 1000);
      reply(slot, text);
    };
    const fail = (err: unknown) => {
      const e = toServeError(err);
      answer(errorReply(e.requestId ?? id, e), e.code);
    };
    // parsed and validated in a codec worker, run on the pool, written out in a codec worker
    (async () => {
      // a yuma scenario request (src/serve/scenario.ts)
      const scenario = scenarioDocument(line);
      if (scenario) return answer(await scenarioReply(service, scenario, cancel.signal), 'ok');
      const req = await service.codec.decode(line, 'auto');
      id = req.id;
      const outs = await service.run(req, { admit: 'always', signal: cancel.signal });
      answer(await service.codec.encode(req.id, req.batch, outs, 'reply'), 'ok');
    })().catch(fail);
  }

  function onLine(line: Buffer) {
    // a blank line (or only "\r") is not a request
    let blank = true;
    for (let i = 0; i < line.length && blank; i++) {
      const c = line[i];
      blank = c === 0x20 || c === 0x09 || c === 0x0d;
    }
    if (!blank) request(line);
  }

  function onData(chunk: Buffer) {
    let start = 0;
    for (;;) {
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
    flowControl();
  }

  const onEnd = () => {
    if (!discarding && lineBytes > 0) onLine(Buffer.concat(chunks, lineBytes));
    chunks = [];
    stop();
  };

  let ended = false;
  async function end() {
    if (ended) return;
    ended = true;
    try {
      await service.close();
    } finally {
      output.off('drain', flowControl);
      finish();
    }
  }

  function stop({ force = false }: { force?: boolean } = {}) {
    if (reading) {
      reading = false;
      input.off('data', onData);
      input.off('end', onEnd);
      input.pause();
      // the input may still be open (a signal): let it go so the process can end
      if (!input.readableEnded) input.destroy();
    }
    stopping = true;
    if (force) {
      cancel.abort(new ServeError('shutting_down', 'the server was stopped before the request finished'));
      void service.close({ force: true });
    }
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
