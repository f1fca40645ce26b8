// `yuma serve`: epochs over stdio (JSON lines) and HTTP on one warm worker pool.
export { Service, SERVE_DEFAULTS, type ServiceOptions } from './service.js';
export { serveStdio, type StdioOptions, type StdioServer } from './stdio.js';
export { startHttpServer, isLoopback, type HttpOptions, type HttpServer } from './http.js';
export { Metrics } from './metrics.js';
export {
  ERROR_STATUS,
  ServeError,
  parseRequest,
  errorReply,
  outputReply,
  type ErrorCode,
  type EpochRequest,
  type RequestId,
} from './protocol.js';
