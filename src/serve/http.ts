// `yuma serve --http`: POST /v1/epoch, POST /v1/epochs, GET /healthz, GET /metrics, on one
// warm worker pool.
//
// Why node:http and not a framework: the server has four fixed routes and no templating,
// sessions or plugins, and what it must get exactly right is below the framework layer: the
// token checked and the request admitted (a place and its bytes, service.ts) before a byte of
// body is read, refusals answered at once (the rest of a body up to a bound read and DISCARDED
// so that simple clients that send the whole body before reading, like Python's urllib,
// receive the answer instead of a reset connection), the body counted while it streams (413 at
// the limit), the deadline from arrival, cancellation when the client goes away, and a
// graceful shutdown that stops accepting, closes idle keep-alive connections and
// lets in-flight requests finish. node:http exposes all of it directly (requestTimeout,
// closeIdleConnections, res 'close'), adds no dependency to a package that must run from a
// fresh clone, and has no router cost worth measuring next to a millisecond epoch.
//
// Replies: POST /v1/epoch answers the output document itself (the exact text of
// `yuma epoch`, epochOutputToJson); POST /v1/epochs answers {"id", "outputs": [...]}; every
// error is {"id", "error": {"code", "message", "field"}} with the status of ERROR_STATUS.
import { setMaxListeners } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createHash, timingSafeEqual } from 'node:crypto';
import { gunzip } from 'node:zlib';
import { promisify } from 'node:util';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { ServeError, errorReply, toServeError, type RequestId } from './protocol.js';
import type { Admission, Service } from './service.js';
import { scenarioReplyFromBytes } from './scenario.js';

const gunzipAsync = promisify(gunzip);

export interface HttpOptions {
  host: string;
  /** 0: any free port (see the returned `port`) */
  port: number;
  /** every request needs `Authorization: Bearer <token>` when set */
  token?: string;
  /** the largest request body, bytes (after gzip decoding too) */
  maxBodyBytes: number;
  /** ms to receive a whole request (headers and body); default max(60 s, the service's timeout) */
  receiveTimeoutMs?: number;
  /** a status line per request admitted and answered (--verbose) */
  log?: (line: string) => void;
}

export interface HttpServer {
  readonly server: Server;
  readonly host: string;
  readonly port: number;
  /** http://host:port */
  readonly url: string;
  /**
   * Graceful: stop accepting, answer new requests on open connections with 503, let the
   * in-flight ones finish, end the pool. `force`: also abort what runs and drop connections.
   */
  close(options?: { force?: boolean }): Promise<void>;
  /** the bearer token from now on (the CLI re-reads --token-file on SIGHUP) */
  setToken(token: string): void;
}

/** bytes of a refused body still read (and dropped) so that the client gets the answer */
const DISCARD_MAX = 64 * 1024 * 1024;
/** the same for a client that is not let in (no token, or the server shutting down) */
const REFUSE_UNREAD_MAX = 64 * 1024;

const ROUTES: Record<string, { method: 'GET' | 'POST'; kind?: 'single' | 'batch' }> = {
  '/v1/epoch': { method: 'POST', kind: 'single' },
  '/v1/epochs': { method: 'POST', kind: 'batch' },
  '/v1/scenario': { method: 'POST' },
  '/healthz': { method: 'GET' },
  '/metrics': { method: 'GET' },
};

const digest = (s: string) => createHash('sha256').update(s).digest();

class ClientGone extends Error {}

/** A request body: the bytes, or how far over the limit it went (read and dropped). */
type Body = { bytes: Buffer } | { tooLarge: number };

/** the declared Content-Length; undefined when there is none (chunked) */
function declaredLength(req: IncomingMessage): number | undefined {
  const h = req.headers['content-length'];
  if (h === undefined) return req.headers['transfer-encoding'] === undefined ? 0 : undefined;
  return Number(h);
}

/**
 * Reads the body up to `limit` bytes; past it, keeps reading and drops the rest (up to
 * `discardMax` more, then gives up on the connection). Rejects when the client goes away, or
 * with the signal's reason when it aborts.
 */
function readBody(req: IncomingMessage, limit: number, discardMax = DISCARD_MAX, signal?: AbortSignal): Promise<Body> {
  return new Promise((resolve, reject) => {
    if (signal) {
      if (signal.aborted) return reject(signal.reason);
      const onAbort = () => reject(signal.reason);
      signal.addEventListener('abort', onAbort, { once: true });
      req.once('close', () => signal.removeEventListener('abort', onAbort));
    }
    let chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    // a declared length within the limit: one buffer of its own, filled as the body arrives
    // (no second copy at the end; a buffer of its own goes to a worker by transfer)
    const declared = declaredLength(req);
    const into = limit > 0 && declared !== undefined && declared > 0 && declared <= limit ? Buffer.allocUnsafeSlow(declared) : undefined;
    req.on('data', (c: Buffer) => {
      const at = size;
      size += c.length;
      if (over) {
        if (size > limit + discardMax) resolve({ tooLarge: size });
        return;
      }
      if (size > limit || (into && size > into.length)) {
        over = true;
        chunks = [];
        return;
      }
      if (into) c.copy(into, at);
      else chunks.push(c);
    });
    req.on('end', () => {
      if (over) resolve({ tooLarge: size });
      else resolve({ bytes: into ? into.subarray(0, size) : Buffer.concat(chunks, size) });
    });
    req.on('error', reject);
    req.on('close', () => {
      if (!req.complete) reject(new ClientGone('the client went away before sending the whole request'));
    });
  });
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

export { isLoopback };

/**
 * Bind host:port and let go at once: tells whether the address is free before any worker
 * is started, so a busy port costs no pool start and stop. startHttpServer still reports
 * the (rare) case of a port taken in between.
 */
export function probeListen(host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const probe = createNetServer();
    probe.once('error', reject);
    probe.listen({ port, host, exclusive: true }, () => probe.close(() => resolve()));
  });
}

export async function startHttpServer(service: Service, options: HttpOptions): Promise<HttpServer> {
  const metrics = service.metrics;
  let tokenDigest = options.token !== undefined ? digest(options.token) : undefined;
  // receiving a body is bounded apart from the per-request (epoch) timeout: a short --timeout
  // must not cut off the upload of a large input on a slow link
  const receiveTimeoutMs = options.receiveTimeoutMs ?? Math.max(60_000, service.timeoutMs);
  let draining = false;
  /** requests received so far (request numbers in the log) */
  let requests = 0;
  /** handlers in progress: a graceful close waits for them */
  const inflight = new Set<Promise<void>>();
  const cancelAll = new AbortController();
  // one listener per request in flight
  setMaxListeners(0, cancelAll.signal);

  /** `end: false`: the reply is written whole but not ended (refuse() ends it) */
  function send(res: ServerResponse, status: number, body: string | Uint8Array, headers: Record<string, string> = {}, { end = true } = {}) {
    if (res.headersSent || res.destroyed) return;
    const h: Record<string, string | number> = {
      'Content-Type': 'application/json; charset=utf-8',
      'Content-Length': typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength,
      'Cache-Control': 'no-store',
      ...headers,
    };
    if (draining) h['Connection'] = 'close';
    res.writeHead(status, h);
    if (end) res.end(body);
    else res.write(body);
  }

  function sendError(res: ServerResponse, id: RequestId, err: ServeError, headers: Record<string, string> = {}, how: { end?: boolean } = {}) {
    send(res, err.status, `${errorReply(id, err)}\n`, headers, how);
  }

  /** checks the bearer token: null when fine, else the error */
  function unauthorized(req: IncomingMessage): ServeError | null {
    if (!tokenDigest) return null;
    const h = req.headers.authorization;
    if (h === undefined) return new ServeError('unauthorized', 'this server needs "Authorization: Bearer <token>"');
    const m = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(h);
    // compare digests: constant time whatever the length of the token sent
    if (!m || !timingSafeEqual(digest(m[1]!), tokenDigest)) return new ServeError('unauthorized', 'wrong bearer token');
    return null;
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const t0 = performance.now();
    const path = (req.url ?? '/').split('?')[0]!;
    const query = new URLSearchParams((req.url ?? '').split('?')[1] ?? '');
    const route = ROUTES[path];
    const routeLabel = route ? path : 'other';
    // a request's id is known once parsed, in its worker: errors from there carry it
    const id: RequestId = null;
    const n = ++requests;
    const done = (result: string) => {
      const seconds = (performance.now() - t0) / 1000;
      metrics.request(routeLabel, result, seconds);
      options.log?.(`request ${n}: ${req.method} ${path} ${result} in ${(seconds * 1000).toFixed(1)} ms`);
    };
    /** reads and drops a body that is not used; false when the client went away meanwhile */
    const drain = async (): Promise<Body | false> => readBody(req, 0).catch(() => false as const);
    const declared = declaredLength(req);
    /**
     * Answers an error at once, before a byte of the body is read. A body declared no larger
     * than `drainMax` is then read and dropped before the reply ends, so that a client that
     * sends its whole body before reading (Python's urllib) gets the answer; a larger one, or
     * one of unknown length (chunked), is not read: the connection closes after the reply.
     */
    const refuse = async (err: ServeError, headers: Record<string, string> = {}, drainMax = DISCARD_MAX) => {
      done(err.code);
      if (declared === 0) return sendError(res, id, err, headers);
      if (declared === undefined || declared > drainMax) return sendError(res, id, err, { ...headers, Connection: 'close' });
      // the reply goes out now; it ends once the body is read and dropped (or the client goes)
      sendError(res, id, err, headers, { end: false });
      await readBody(req, 0, drainMax).catch(() => {});
      res.end();
    };

    if (draining) return refuse(new ServeError('shutting_down', 'the server is shutting down; no new requests'), {}, REFUSE_UNREAD_MAX);
    const auth = unauthorized(req);
    // an unauthenticated body is never read beyond a small one (whatever its Content-Length)
    if (auth) return refuse(auth, { 'WWW-Authenticate': 'Bearer realm="yuma"' }, REFUSE_UNREAD_MAX);
    if (!route) return refuse(new ServeError('not_found', `no route ${path}: POST /v1/epoch, POST /v1/epochs, POST /v1/scenario, GET /healthz, GET /metrics`));
    if (req.method !== route.method && !(route.method === 'GET' && req.method === 'HEAD')) {
      return refuse(new ServeError('method_not_allowed', `${path} takes ${route.method}`), { Allow: route.method === 'GET' ? 'GET, HEAD' : 'POST' });
    }

    if (path === '/healthz') {
      if ((await drain()) === false) return done('cancelled');
      send(
        res,
        200,
        `${JSON.stringify({
          status: 'ok',
          threads: service.threads,
          workers: service.pool.workers,
          epochs_in_flight: service.inFlight,
          queue_capacity: service.capacity,
        })}\n`,
      );
      return done('ok');
    }
    if (path === '/metrics') {
      if ((await drain()) === false) return done('cancelled');
      send(res, 200, metrics.render(), { 'Content-Type': 'text/plain; version=0.0.4; charset=utf-8' });
      return done('ok');
    }

    // POST /v1/epoch, /v1/epochs
    const encoding = (req.headers['content-encoding'] ?? 'identity').toLowerCase().trim();
    if (encoding !== 'identity' && encoding !== 'gzip') {
      return refuse(new ServeError('unsupported_encoding', `Content-Encoding ${JSON.stringify(encoding)} is not supported (identity or gzip)`));
    }
    const tooLarge = (what: string) =>
      new ServeError('too_large', `the request body is over the limit of ${options.maxBodyBytes} bytes${what}`);
    if (declared !== undefined && declared > options.maxBodyBytes) return refuse(tooLarge(` (Content-Length ${declared})`));
    // admitted now, before a byte of the body is read: a place among `capacity` requests and
    // its bytes (the declared length; max-body when unknown, or gzip: its decoded size is not
    // known yet) out of --max-buffered; the request's timeout starts here too
    let admission: Admission;
    try {
      admission = service.admit(encoding === 'identity' && declared !== undefined ? declared : options.maxBodyBytes);
    } catch (err) {
      const e = toServeError(err);
      return refuse(e, e.code === 'queue_full' ? { 'Retry-After': String(service.retryAfterSeconds()) } : {});
    }
    const signal = admission.signal;
    options.log?.(`request ${n}: ${req.method} ${path} admitted (${admission.bytes} bytes)`);
    // the request's work stops when its client goes away, at its deadline, or on a forced shutdown
    res.on('close', () => {
      if (!res.writableFinished) admission.abort(new ClientGone('the client went away'));
    });
    const onForce = () => admission.abort(cancelAll.signal.reason);
    cancelAll.signal.addEventListener('abort', onForce, { once: true });
    res.on('close', () => cancelAll.signal.removeEventListener('abort', onForce));
    let bodyRead = false;
    try {
      const body = await readBody(req, options.maxBodyBytes, DISCARD_MAX, signal);
      bodyRead = true;
      if ('tooLarge' in body) {
        sendError(res, id, tooLarge(` (${body.tooLarge} bytes or more sent)`), body.tooLarge > options.maxBodyBytes + DISCARD_MAX ? { Connection: 'close' } : {});
        return done('too_large');
      }
      let bytes = body.bytes;
      if (encoding === 'gzip') {
        try {
          bytes = await gunzipAsync(bytes, { maxOutputLength: options.maxBodyBytes });
        } catch (e) {
          const code = (e as NodeJS.ErrnoException).code;
          if (code === 'ERR_BUFFER_TOO_LARGE') throw tooLarge(' once decompressed');
          throw new ServeError('bad_request', `cannot decompress the gzip body: ${e instanceof Error ? e.message : String(e)}`);
        }
      }
      // yuma scenario runs (src/serve/scenario.ts)
      if (path === '/v1/scenario') {
        send(res, 200, `${await scenarioReplyFromBytes(service, bytes, signal)}\n`);
        return done('ok');
      }
      // refuse before parsing when not even one epoch fits
      if (!service.fits(1)) {
        throw new ServeError('queue_full', `queue full: ${service.inFlight} epochs in flight (capacity ${service.capacity}); retry later`);
      }
      const traceParam = query.get('trace');
      if (traceParam !== null && !['1', '0', 'true', 'false'].includes(traceParam)) {
        throw new ServeError('bad_request', `expected ?trace=true or ?trace=false, got ${JSON.stringify(traceParam)}`, 'trace');
      }
      // parsed, run and written in one pool task; ?trace=true turns the trace on where the
      // document does not say otherwise
      const reply = await service.reply(bytes, {
        expect: route.kind!,
        traceDefault: traceParam === '1' || traceParam === 'true',
        signal,
        admit: 'refuse',
        // POST /v1/epoch: the output document itself; /v1/epochs: {"id", "outputs"} and a newline
        form: route.kind === 'batch' ? 'reply' : 'document',
        newline: route.kind === 'batch',
      });
      signal.throwIfAborted();
      send(res, 200, reply);
      done('ok');
    } catch (err) {
      const reason: unknown = signal.aborted ? signal.reason : undefined;
      if (err instanceof ClientGone || reason instanceof ClientGone) return done('cancelled');
      const e = toServeError(reason ?? err);
      const headers: Record<string, string> = e.code === 'queue_full' ? { 'Retry-After': String(service.retryAfterSeconds()) } : {};
      // a body cut off (the deadline): the connection cannot carry another request
      if (!bodyRead) headers['Connection'] = 'close';
      // the id, once the request was parsed: from the error (a signal's reason carries none)
      sendError(res, e.requestId ?? (err instanceof ServeError ? err.requestId : undefined) ?? id, e, headers);
      done(e.code);
    } finally {
      admission.release();
    }
  }

  const server = createServer(
    {
      requestTimeout: receiveTimeoutMs,
      headersTimeout: Math.min(receiveTimeoutMs, 30_000),
      keepAliveTimeout: 5_000,
    },
    (req, res) => {
      metrics.inflightRequests++;
      // tracked until the reply has left: handled, and written out (or the connection gone);
      // a graceful close waits for that before it closes connections
      const written = new Promise<void>((resolve) => res.once('close', () => resolve()));
      const p = handle(req, res)
        .catch((err: unknown) => {
          // never a dead server: whatever escaped is a 500 for this request only
          sendError(res, null, toServeError(err));
          metrics.request('other', 'internal');
        })
        .then(() => written)
        .finally(() => {
          metrics.inflightRequests--;
          inflight.delete(p);
        });
      inflight.add(p);
    },
  );
  // a malformed HTTP request: answer 400 when the socket still takes it, else drop it
  server.on('clientError', (err: NodeJS.ErrnoException, socket) => {
    if (socket.writable && !socket.destroyed && err.code !== 'ECONNRESET') {
      const body = `${errorReply(null, new ServeError('bad_request', `malformed HTTP request: ${err.code ?? err.message}`))}\n`;
      socket.end(
        `HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
      );
    } else socket.destroy();
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const hostText = address.family === 'IPv6' ? `[${address.address}]` : address.address;

  let closing: Promise<void> | undefined;
  const close = ({ force = false }: { force?: boolean } = {}): Promise<void> => {
    if (force) {
      draining = true;
      cancelAll.abort(new ServeError('shutting_down', 'the server was stopped before the request finished'));
      server.close();
      server.closeAllConnections();
      return service.close({ force: true });
    }
    if (!closing) {
      draining = true;
      closing = (async () => {
        // stop accepting; close the keep-alive connections that wait idle now (Node >= 19
        // does it in close() too); replies from now on carry Connection: close
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        await Promise.allSettled([...inflight]);
        await service.close();
        // every reply is written out now: what is still open is idle
        server.closeIdleConnections();
        const timer = setTimeout(() => server.closeAllConnections(), 5_000);
        await closed;
        clearTimeout(timer);
      })();
    }
    return closing;
  };

  const setToken = (token: string) => {
    tokenDigest = digest(token);
  };
  return { server, host: address.address, port: address.port, url: `http://${hostText}:${address.port}`, close, setToken };
}
