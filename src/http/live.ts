// The long-lived responses: Server-Sent Events and long polls. Both are tracked, so a
// closed client is forgotten at once and a shutdown can answer or end every one of them.
import { filter } from 'rxjs';
import type { Subscription } from 'rxjs';
import type { Response } from 'express';
import type { Decision } from '../core/index.js';
import type { Engine } from '../streams/index.js';

/** A client that stopped reading is dropped past this much unsent data. */
export const SSE_MAX_BUFFERED_BYTES = 1024 * 1024;

export interface LiveOptions {
  heartbeatMs: number;
}

export interface Live {
  events(res: Response): void;
  longPoll(res: Response, pool: string, waitMs: number): void;
  /** open SSE clients and pending long polls */
  counts(): { sse: number; longPolls: number };
  /** answers every pending long poll now and ends every SSE stream */
  drain(): void;
}

/** The SSE frame of one decision (SPEC §5): `event: decision`, `data` = the decision JSON. */
export function sseFrame(d: Decision): string {
  return `event: decision\ndata: ${JSON.stringify(d)}\n\n`;
}

export function createLive(engine: Engine, options: LiveOptions): Live {
  const sse = new Set<() => void>();
  const polls = new Set<() => void>();

  return {
    events(res) {
      res.status(200).set({
        'Content-Type': 'text/event-stream; charset=utf-8',
        'Cache-Control': 'no-cache, no-transform',
        Connection: 'keep-alive',
        'X-Accel-Buffering': 'no',
      });
      res.flushHeaders();
      res.write(': connected\n\n');
      let sub: Subscription | null = null;
      const close = (): void => {
        if (!sse.delete(close)) return;
        sub?.unsubscribe();
        clearInterval(heartbeat);
        res.end();
      };
      const send = (text: string): void => {
        if (res.writableLength > SSE_MAX_BUFFERED_BYTES) close();
        else res.write(text);
      };
      // Holds are not news; grow, shrink, pin and unpin are (observe mode's as recommendations).
      sub = engine.decisions$.pipe(filter((d) => d.action !== 'hold')).subscribe({ next: (d) => send(sseFrame(d)), complete: close });
      const heartbeat = setInterval(() => send(': heartbeat\n\n'), options.heartbeatMs);
      sse.add(close);
      res.on('close', close);
    },

    longPoll(res, pool, waitMs) {
      let sub: Subscription | null = null;
      let done = false;
      const answer = (target: number): void => {
        if (done) return;
        done = true;
        polls.delete(finish);
        sub?.unsubscribe();
        if (!res.writableEnded && !res.destroyed) res.json({ pool, target });
      };
      const finish = (): void => answer(engine.state(pool).target);
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
