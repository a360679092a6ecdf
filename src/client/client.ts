// The client a daemon embeds: every period it posts its pool's sample to the sidecar and
// applies the target of the reply. It must never get in the way of the daemon's work, so
// a request is fire-and-forget with a timeout, at most one is in flight per pool, and
// while the sidecar is down the pool keeps its last size and the client backs off.
import { parseSampleReply } from '../protocol/index.js';
import type { Sample } from '../protocol/index.js';
import type {
  ClientLogger,
  ClientOptions,
  ClientStats,
  ClientTimers,
  SampleReply,
  SampleSource,
  TickResult,
  TimerHandle,
} from './types.js';

export const DEFAULT_BASE_URL = 'http://127.0.0.1:9464';

const silent: ClientLogger = { info: () => {}, warn: () => {} };

const unrefTimers: ClientTimers = {
  setTimeout(callback, ms) {
    const handle = setTimeout(callback, ms);
    handle.unref();
    return handle;
  },
  clearTimeout(handle) {
    clearTimeout(handle as ReturnType<typeof setTimeout>);
  },
};

function positive(name: string, value: number): number {
  if (!Number.isFinite(value) || value <= 0) throw new RangeError(`${name} must be a positive number of ms, got ${value}`);
  return value;
}

function message(err: unknown): string {
  if (err instanceof Error) {
    // fetch wraps the socket error (ECONNREFUSED...) in a bare "fetch failed": show both.
    const cause = err.cause instanceof Error ? `: ${err.cause.message}` : '';
    return `${err.message}${cause}`;
  }
  return String(err);
}

export class SidecarClient {
  readonly pool: string;
  readonly url: string;
  readonly periodMs: number;
  private readonly source: SampleSource;
  private readonly timeoutMs: number;
  private readonly maxBackoffMs: number;
  private readonly logger: ClientLogger;
  private readonly fetch: typeof fetch;
  private readonly now: () => number;
  private readonly timers: ClientTimers;
  private readonly headers: Record<string, string>;
  private readonly stopper = new AbortController();
  private timer: TimerHandle | undefined;
  private inFlight: Promise<TickResult> | undefined;
  private nextAttemptMs = -Infinity;
  private outageStartMs: number | null = null;
  private resizeFailing = false;
  private readonly counters: ClientStats = {
    posted: 0,
    failed: 0,
    skipped: 0,
    appliedResizes: 0,
    resizeErrors: 0,
    lastTarget: null,
    lastAction: null,
    lastMode: null,
    connected: false,
    lastError: null,
    consecutiveFailures: 0,
  };

  constructor(options: ClientOptions) {
    this.pool = options.pool;
    this.source = options.source;
    const base = (options.baseUrl ?? DEFAULT_BASE_URL).replace(/\/+$/, '');
    this.url = `${base}/v1/pools/${encodeURIComponent(options.pool)}/samples`;
    this.periodMs = positive('periodMs', options.periodMs ?? 1000);
    this.timeoutMs = positive('timeoutMs', options.timeoutMs ?? 2000);
    this.maxBackoffMs = positive('maxBackoffMs', options.maxBackoffMs ?? 30_000);
    this.logger = options.logger ?? silent;
    this.fetch = options.fetch ?? fetch;
    this.now = options.now ?? Date.now;
    this.timers = options.timers ?? unrefTimers;
    this.headers = { 'content-type': 'application/json', ...(options.token === undefined ? {} : { authorization: `Bearer ${options.token}` }) };
  }

  /** Posts one sample every period until stop(). */
  start(): void {
    if (this.timer !== undefined || this.stopper.signal.aborted) return;
    const loop = (): void => {
      // The next period is scheduled first, so a slow request never stretches the period.
      this.timer = this.timers.setTimeout(loop, this.periodMs);
      void this.tick();
    };
    this.timer = this.timers.setTimeout(loop, this.periodMs);
  }

  /** Stops the loop and abandons a request in flight; the pool keeps its size. */
  async stop(): Promise<void> {
    if (this.timer !== undefined) this.timers.clearTimeout(this.timer);
    this.timer = undefined;
    this.stopper.abort();
    await this.inFlight;
  }

  /** One period's work: sample and post, unless a request is in flight or the back-off runs. Never rejects. */
  tick(): Promise<TickResult> {
    if (this.stopper.signal.aborted) return Promise.resolve('stopped');
    // Skipping leaves the source unsampled, so the next sample covers this period too.
    if (this.inFlight) return this.skip('skipped-in-flight');
    if (this.now() < this.nextAttemptMs) return this.skip('skipped-backoff');
    const request = this.post().finally(() => {
      this.inFlight = undefined;
    });
    this.inFlight = request;
    return request;
  }

  stats(): ClientStats {
    return { ...this.counters };
  }

  private skip(result: TickResult): Promise<TickResult> {
    this.counters.skipped++;
    return Promise.resolve(result);
  }

  private async post(): Promise<TickResult> {
    let sample: Sample;
    try {
      sample = this.source.sample();
    } catch (err) {
      return this.fail(`sample() failed: ${message(err)}`, null);
    }
    let reply: SampleReply;
    try {
      const res = await this.fetch(this.url, {
        method: 'POST',
        headers: this.headers,
        body: JSON.stringify(sample),
        signal: AbortSignal.any([AbortSignal.timeout(this.timeoutMs), this.stopper.signal]),
      });
      const text = await res.text();
      if (!res.ok) throw new Error(`HTTP ${res.status}: ${text.slice(0, 200)}`);
      reply = parseSampleReply(JSON.parse(text));
    } catch (err) {
      if (this.stopper.signal.aborted) return 'stopped';
      return this.fail(message(err), sample.size);
    }
    this.succeed(reply);
    this.apply(reply.target, sample.size);
    return 'posted';
  }

  private fail(error: string, size: number | null): TickResult {
    const c = this.counters;
    c.failed++;
    c.consecutiveFailures++;
    c.connected = false;
    c.lastError = error;
    // Exponential back-off from one period, capped: a sidecar restart is retried soon,
    // a long outage costs the daemon one cheap failed request every maxBackoffMs.
    const backoffMs = Math.min(this.maxBackoffMs, this.periodMs * 2 ** (c.consecutiveFailures - 1));
    const nowMs = this.now();
    this.nextAttemptMs = nowMs + backoffMs;
    if (this.outageStartMs === null) {
      this.outageStartMs = nowMs;
      const keeping = size === null ? 'keeping its size' : `keeping size ${size}`;
      this.logger.warn(`adaptive-threads client: pool=${this.pool} sidecar ${this.url} unavailable (${error}); ${keeping}, retrying with back-off up to ${this.maxBackoffMs} ms`);
    }
    return 'failed';
  }

  private succeed(reply: SampleReply): void {
    const c = this.counters;
    if (this.outageStartMs !== null) {
      this.logger.info(`adaptive-threads client: pool=${this.pool} sidecar ${this.url} reachable again after ${c.consecutiveFailures} failed attempts over ${this.now() - this.outageStartMs} ms`);
      this.outageStartMs = null;
    }
    c.posted++;
    c.consecutiveFailures = 0;
    c.connected = true;
    c.lastTarget = reply.target;
    c.lastAction = reply.action;
    c.lastMode = reply.mode;
    this.nextAttemptMs = -Infinity;
  }

  private apply(target: number, sampledSize: number): void {
    const current = this.source.size ?? sampledSize;
    if (target === current) return;
    try {
      this.source.resize(target);
      this.counters.appliedResizes++;
      this.resizeFailing = false;
    } catch (err) {
      this.counters.resizeErrors++;
      this.counters.lastError = `resize(${target}) failed: ${message(err)}`;
      // The same target comes back every period: log the first failure, not each one.
      if (!this.resizeFailing) this.logger.warn(`adaptive-threads client: pool=${this.pool} ${this.counters.lastError}`);
      this.resizeFailing = true;
    }
  }
}
