// The long-lived responses: Server-Sent Events and long polls. Both are tracked, so a
// closed client is forgotten at once and a shutdown can answer or end every one of them.
// Both are capped: past the cap a 503 with Retry-After, so the connections they would hold
// stay free for the daemon's samples, probes and scrapes. An event stream ends after
// `streamMaxMs` (EventSource clients reconnect), so no connection is held for ever.
import { filter } from 'rxjs';
import type { Subscription } from 'rxjs';
import type { Response } from 'express';
import type { Decision } from '../core/index.js';
import type { Engine } from '../streams/index.js';
import { HttpError } from './errors.js';

/** A client that stopped reading is dropped past this much unsent data. */
export const SSE_MAX_BUFFERED_BYTES = 1024 * 1024;

/** A client refused by a cap is told to come back after this long. */
export const CAP_RETRY_AFTER_SECONDS = 5;

export interface LiveOptions {
  heartbeatMs: number;
  /** open event streams at most; one more is a 503 */
  maxEventStreams: number;
  /** pending long polls at most; one more is a 503 */
  maxLongPolls: number;
  /** an event stream ends after this long; the client reconnects */
  streamMaxMs: number;
  /** a request refused by a cap (logged and counted by the caller) */
  onRefused: (kind: 'event-streams' | 'long-polls', cap: number) => void;
}

export interface Live {
  events(res: Response): void;
  longPoll(res: Response, pool: string, waitMs: number): void;
  /** open SSE clients and pending long polls */
  counts(): { sse: number; longPolls: number };
  /** answers every pending long poll now and ends every SSE stream */
  drain(): void;
}

/** The SSE frame of one decision (docs/integration.md): `event: decision`, `data` = the decision JSON. */
export function sseFrame(d: Decision): string {
  return `event: decision\ndata: ${JSON.stringify(d)}\n\n`;
}

export function createLive(engine: Engine, options: LiveOptions): Live {
  const sse = new Set<() => void>();
  const polls = new Set<() => void>();

  const refuse = (kind: 'event-streams' | 'long-polls', cap: number): HttpError => {
    options.onRefused(kind, cap);
    const what = kind === 'event-streams' ? 'event streams' : 'long polls';
    return new HttpError('overloaded', { message: `too many open ${what} (at most ${cap}); retry in ${CAP_RETRY_AFTER_SECONDS} s`, retryAfterSeconds: CAP_RETRY_AFTER_SECONDS });
  };

  return {
    events(res) {
      if (sse.size >= options.maxEventStreams) throw refuse('event-streams', options.maxEventStreams);
      res.status(200).set({
        'Content-Type': 'text/event-stream; charset=utf-8',
        'Cache-Control': 'no-cache, no-transform',
        Connection: 'keep-alive',
        'X-Accel-Buffering': 'no',
      });
      res.flushHeaders();
      // `retry:` is the reconnection delay an EventSource uses when the stream ends.
      res.write(': connected\nretry: 1000\n\n');
      let sub: Subscription | null = null;
      const close = (): void => {
        if (!sse.delete(close)) return;
        sub?.unsubscribe();
        clearInterval(heartbeat);
        clearTimeout(maxAge);
        res.end();
      };
      const send = (text: string): void => {
        if (res.writableLength > SSE_MAX_BUFFERED_BYTES) close();
        else res.write(text);
      };
      // Holds are not news; grow, shrink, pin and unpin are (observe mode's as recommendations).
      sub = engine.decisions$.pipe(filter((d) => d.action !== 'hold')).subscribe({ next: (d) => send(sseFrame(d)), complete: close });
      const heartbeat = setInterval(() => send(': heartbeat\n\n'), options.heartbeatMs);
      const maxAge = setTimeout(close, options.streamMaxMs);
      sse.add(close);
      res.on('close', close);
    },

    longPoll(res, pool, waitMs) {
      if (polls.size >= options.maxLongPolls) throw refuse('long-polls', options.maxLongPolls);
      let sub: Subscription | null = null;
      let done = false;
      const answer = (target: number): void => {
        if (done) return;
        done = true;
        polls.delete(finish);
        sub?.unsubscribe();
        if (!res.writableEnded && !res.destroyed) res.json({ pool, target });
      };
      // A pool removed by a reload while its poll waits is answered with its last target.
      const last = engine.state(pool).target;
      const finish = (): void => answer(engine.has(pool) ? engine.state(pool).target : last);
      polls.add(finish);
      sub = engine.waitForTarget(pool, waitMs).subscribe({ next: answer, complete: finish });
      res.on('close', () => {
        done = true;
        polls.delete(finish);
        sub?.unsubscribe();
      });
      if (done) sub.unsubscribe();
    },

    counts: () => ({ sse: sse.size, longPolls: polls.size }),

    drain() {
      for (const finish of [...polls]) finish();
      for (const close of [...sse]) close();
    },
  };
}
