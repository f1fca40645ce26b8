// Counters and latency windows of `yuma serve`, written in the Prometheus text exposition
// format (version 0.0.4) for GET /metrics. No client library: a handful of counters, gauges
// and two summaries do not justify a dependency.
//
// Latency percentiles are over a sliding window of the most recent observations (WINDOW), as a
// Prometheus summary (quantile labels, plus _sum and _count over the whole uptime).
// Pool utilisation: the time integral of the workers busy (the requests' tasks on the pool, at
// most `threads`), as a counter of busy worker-seconds; `rate(busy[1m]) / threads` is the
// utilisation over a minute, and a gauge gives it over the uptime.

const WINDOW = 2048;
const QUANTILES = [0.5, 0.9, 0.99] as const;

class Summary {
  private readonly ring = new Float64Array(WINDOW);
  private filled = 0;
  private next = 0;
  sum = 0;
  count = 0;
  observe(seconds: number): void {
    this.ring[this.next] = seconds;
    this.next = (this.next + 1) % WINDOW;
    if (this.filled < WINDOW) this.filled++;
    this.sum += seconds;
    this.count++;
  }
  /** the window's median, undefined when empty */
  median(): number | undefined {
    if (this.filled === 0) return undefined;
    return this.quantiles()[0];
  }
  /** nearest-rank quantiles of the window (NaN when empty, as Prometheus expects) */
  quantiles(): number[] {
    if (this.filled === 0) return QUANTILES.map(() => NaN);
    const sorted = this.ring.slice(0, this.filled).sort();
    return QUANTILES.map((q) => sorted[Math.min(this.filled - 1, Math.max(0, Math.ceil(q * this.filled) - 1))]!);
  }
}

const escapeLabel = (v: string) => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
const num = (x: number) => (Number.isNaN(x) ? 'NaN' : x === Infinity ? '+Inf' : String(x));

export class Metrics {
  private readonly started = performance.now();
  /** route \0 result -> count */
  private readonly requests = new Map<string, number>();
  private readonly epochLatency = new Summary();
  private readonly requestLatency = new Summary();
  epochsOk = 0;
  epochsFailed = 0;
  epochsCancelled = 0;
  inflightRequests = 0;
  /** tasks on the pool and not settled (one per request; with the JSON on the main thread, one per epoch) */
  private tasksInFlight = 0;
  private busySeconds = 0;
  /** the admission ledger (service.ts): requests admitted and not answered, their bytes, the budget */
  admitted: () => { requests: number; bytes: number; maxBytes: number } = () => ({ requests: 0, bytes: 0, maxBytes: 0 });
  /** epochs on the pool, running or waiting (service.ts: a request not yet parsed counts one) */
  pendingEpochs: () => number = () => this.tasksInFlight;
  private lastChange = performance.now();

  constructor(
    readonly mode: 'stdio' | 'http',
    readonly threads: number,
    readonly queueCapacity: number,
    private readonly workers: () => number,
  ) {}

  /** a finished request: route (e.g. "/v1/epoch", "stdio") and result ("ok" or an error code) */
  request(route: string, result: string, seconds?: number): void {
    const key = `${route}\0${result}`;
    this.requests.set(key, (this.requests.get(key) ?? 0) + 1);
    if (seconds !== undefined) this.requestLatency.observe(seconds);
  }

  /**
   * an epoch settled on the pool, `seconds` its request's pool time per epoch (queue wait included);
   * 'cancelled': stopped by its request's timeout, client or another epoch's failure
   */
  epoch(seconds: number, result: 'ok' | 'failed' | 'cancelled'): void {
    if (result === 'ok') {
      this.epochsOk++;
      this.epochLatency.observe(seconds);
    } else if (result === 'failed') this.epochsFailed++;
    else this.epochsCancelled++;
  }

  /** the median epoch latency of the window (seconds), undefined before the first epoch */
  medianEpochSeconds(): number | undefined {
    return this.epochLatency.median();
  }

  private integrate(): void {
    const now = performance.now();
    this.busySeconds += (Math.min(this.tasksInFlight, this.threads) * (now - this.lastChange)) / 1000;
    this.lastChange = now;
  }

  /** tasks handed to the pool (+k) or settled (-k) */
  inFlight(delta: number): void {
    this.integrate();
    this.tasksInFlight += delta;
  }

  /** Prometheus text format */
  render(): string {
    this.integrate();
    const uptime = (performance.now() - this.started) / 1000;
    const lines: string[] = [];
    const metric = (name: string, type: string, help: string, samples: [string, number][]) => {
      lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
      for (const [labels, v] of samples) lines.push(`${name}${labels} ${num(v)}`);
    };
    const reqs: [string, number][] = [...this.requests.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([key, v]) => {
        const [route, result] = key.split('\0') as [string, string];
        return [`{mode="${this.mode}",route="${escapeLabel(route)}",result="${escapeLabel(result)}"}`, v];
      });
    metric('yuma_serve_requests_total', 'counter', 'Requests answered, by route and result (ok or the error code).', reqs);
    metric('yuma_serve_requests_in_flight', 'gauge', 'Requests received and not yet answered.', [['', this.inflightRequests]]);
    const summary = (name: string, help: string, s: Summary) => {
      lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} summary`);
      s.quantiles().forEach((v, i) => lines.push(`${name}{quantile="${QUANTILES[i]}"} ${num(v)}`));
      lines.push(`${name}_sum ${num(s.sum)}`, `${name}_count ${s.count}`);
    };
    summary(
      'yuma_serve_epoch_latency_seconds',
      `Epoch latency on the pool: a request's time there (queue wait, parse and reply included) per epoch of it; quantiles over the last ${WINDOW} epochs.`,
      this.epochLatency,
    );
    summary(
      'yuma_serve_request_latency_seconds',
      `Request latency, from its arrival (HTTP: headers; stdio: the line read) to the reply; quantiles over the last ${WINDOW} requests.`,
      this.requestLatency,
    );
    metric('yuma_serve_epochs_total', 'counter', 'Epochs run, by result.', [
      ['{result="ok"}', this.epochsOk],
      ['{result="failed"}', this.epochsFailed],
      ['{result="cancelled"}', this.epochsCancelled],
    ]);
    metric('yuma_serve_pool_threads', 'gauge', 'Worker threads of the pool (the most).', [['', this.threads]]);
    metric('yuma_serve_pool_workers', 'gauge', 'Worker threads alive now.', [['', this.workers()]]);
    const busy = Math.min(this.tasksInFlight, this.threads);
    metric('yuma_serve_pool_busy', 'gauge', 'Workers busy now.', [['', busy]]);
    metric('yuma_serve_queue_depth', 'gauge', 'Epochs waiting for a worker now (a request not yet parsed counts one).', [['', Math.max(0, this.pendingEpochs() - busy)]]);
    metric('yuma_serve_queue_capacity', 'gauge', 'The most epochs in flight at once (threads + queue); beyond it HTTP answers 503.', [
      ['', this.queueCapacity],
    ]);
    const admitted = this.admitted();
    metric('yuma_serve_admitted_requests', 'gauge', 'Requests admitted (at arrival, before their body is read) and not yet answered; at most the queue capacity.', [
      ['', admitted.requests],
    ]);
    metric('yuma_serve_admitted_bytes', 'gauge', 'Request bytes the admitted requests hold (declared body sizes, or max-body when unknown).', [['', admitted.bytes]]);
    metric('yuma_serve_admitted_bytes_limit', 'gauge', 'The most request bytes admitted at once (--max-buffered); beyond it HTTP answers 503.', [['', admitted.maxBytes]]);
    metric('yuma_serve_pool_busy_seconds_total', 'counter', 'Busy worker-seconds (rate / threads = utilisation).', [['', this.busySeconds]]);
    metric('yuma_serve_pool_utilisation', 'gauge', 'Busy worker-seconds / (threads x uptime), 0..1.', [
      ['', uptime > 0 ? this.busySeconds / (this.threads * uptime) : 0],
    ]);
    metric('yuma_serve_uptime_seconds', 'gauge', 'Seconds since the server started.', [['', uptime]]);
    metric('process_resident_memory_bytes', 'gauge', 'Resident memory of the server process.', [['', process.memoryUsage.rss()]]);
    return lines.join('\n') + '\n';
  }
}
