// The webhook actuator: POST {pool, size, action, reason} to a URL (`{pool}` substituted),
// with a timeout per attempt and exponential back-off between attempts. Only the newest
// size per pool is pending; a retry gives way to a newer size. A 2xx means "delivered", not
// "applied": the size counts as applied only once the daemon's samples report it. The POST
// itself (post.ts) follows no redirect and reads at most 4 KiB of the answer, uncompressed.
import type { Decision } from '../core/index.js';
import { applyNewest, latestQueue } from './latest.js';
import type { LatestQueue } from './latest.js';
import { redactUrl, urlCredentials } from '../config/url.js';
import { postJson } from './post.js';
import { realSleep } from './types.js';
import type { ActuationOutcome, Actuator, AttemptHook, Sleep } from './types.js';

export interface WebhookOptions {
  url: string;
  timeoutMs: number;
  /** attempts after the first */
  maxRetries: number;
  /** the first back-off; doubled for each retry up to maxBackoffMs */
  baseBackoffMs?: number;
  maxBackoffMs?: number;
  sleep?: Sleep;
  onAttempt?: AttemptHook;
}

export interface WebhookStatus {
  /** the last size delivered (2xx) */
  delivered: number | null;
  /** the last delivered size the daemon's samples reported */
  applied: number | null;
}

export const DEFAULT_BASE_BACKOFF_MS = 200;
export const DEFAULT_MAX_BACKOFF_MS = 10_000;

export function backoffMs(retry: number, baseMs: number, maxMs: number): number {
  return Math.min(maxMs, baseMs * 2 ** (retry - 1));
}

export interface WebhookActuator extends Actuator {
  status(pool: string): WebhookStatus;
  /** sizes waiting behind a POST in flight: at most one per pool, whatever the webhook does */
  backlog(): number;
}

export function webhookActuator(options: WebhookOptions): WebhookActuator {
  const sleep = options.sleep ?? realSleep;
  if (urlCredentials(options.url)) throw new Error(`the webhook URL must not carry credentials (${redactUrl(options.url)})`);
  const base = options.baseBackoffMs ?? DEFAULT_BASE_BACKOFF_MS;
  const max = options.maxBackoffMs ?? DEFAULT_MAX_BACKOFF_MS;
  const statuses = new Map<string, WebhookStatus>();
  let stopped = false;

  const statusOf = (pool: string): WebhookStatus => {
    let s = statuses.get(pool);
    if (s === undefined) {
      s = { delivered: null, applied: null };
      statuses.set(pool, s);
    }
    return s;
  };

  async function attempt(d: Decision): Promise<string | null> {
    let url: URL;
    try {
      url = new URL(options.url.replaceAll('{pool}', encodeURIComponent(d.pool)));
    } catch {
      return 'not a URL';
    }
    const body = JSON.stringify({ pool: d.pool, size: d.to, action: d.action, reason: d.reason });
    return (await postJson(url, body, options.timeoutMs)).failure;
  }

  const queue: LatestQueue<Decision, ActuationOutcome> = latestQueue(async (pool: string, d: Decision): Promise<ActuationOutcome> => {
    const size = d.to;
    let error = '';
    for (let attempts = 1; attempts <= options.maxRetries + 1; attempts++) {
      if (attempts > 1) {
        await sleep(backoffMs(attempts - 1, base, max));
        // A newer size waits: retrying this one would only delay it.
        if (stopped || queue.hasNewer(pool)) return { status: 'superseded', pool, size, attempts: attempts - 1 };
      }
      const failure = await attempt(d);
      options.onAttempt?.(pool, failure === null ? 'ok' : 'error');
      if (failure === null) {
        statusOf(pool).delivered = size;
        return { status: 'ok', pool, size, attempts };
      }
      error = failure;
    }
    return { status: 'error', pool, size, attempts: options.maxRetries + 1, error };
  });

  return {
    kind: 'webhook',
    apply: (d) => applyNewest(queue, d, stopped),
    reported(pool, size) {
      const s = statuses.get(pool);
      if (s !== undefined && s.delivered === size) s.applied = size;
    },
    status: (pool) => ({ ...statusOf(pool) }),
    backlog: () => queue.waiting(),
    stop() {
      stopped = true;
      queue.clear();
    },
  };
}
