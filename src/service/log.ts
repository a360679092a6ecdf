// Structured JSON logs (pino), and the decision log: a decision's `msg` is the docs/design.md
// line, at info for moves and at debug for holds, with its fields alongside for log queries.
import { pino } from 'pino';
import type { DestinationStream, Logger as Pino } from 'pino';
import type { Observable, Subscription } from 'rxjs';
import { decisionLine } from '../core/index.js';
import type { Decision } from '../core/index.js';
import type { LogLevel } from '../config/index.js';

export function createLogger(level: LogLevel, destination?: DestinationStream): Pino {
  const options = { level, base: { name: 'adaptive-threads' }, timestamp: pino.stdTimeFunctions.isoTime };
  return destination === undefined ? pino(options) : pino(options, destination);
}

export function logDecisions(decisions$: Observable<Decision>, logger: Pino): Subscription {
  return decisions$.subscribe((d) => {
    const fields = { pool: d.pool, action: d.action, reason: d.reason, from: d.from, to: d.to, mode: d.mode };
    if (d.action === 'hold') logger.debug(fields, decisionLine(d));
    else logger.info(fields, decisionLine(d));
  });
}
