// Whether a pool's samples arrive as often as its period needs. A tick without a sample
// learns nothing, so a daemon that posts every 5 s to a 1 s loop makes four of five ticks
// blind (and a faster loop only makes it worse). One long gap is an outage, not a cadence:
// the warning needs SLOW_RUN slow gaps in a row, and is given again only after FAST_RUN
// gaps in a row within the period.

/** A gap longer than this many periods is slow (jitter of half a period is normal). */
export const SLOW_GAP_PERIODS = 1.5;
export const SLOW_RUN = 3;
export const FAST_RUN = 3;

export interface Cadence {
  lastMs: number | null;
  slowRun: number;
  fastRun: number;
  warned: boolean;
}

export const initCadence = (): Cadence => ({ lastMs: null, slowRun: 0, fastRun: 0, warned: false });

export type CadenceEvent = { kind: 'slow'; gapMs: number } | { kind: 'recovered' } | null;

/** One arrival of samples at `nowMs`; mutates `c` and says whether to warn or to note the recovery. */
export function onArrival(c: Cadence, nowMs: number, periodMs: number): CadenceEvent {
  const last = c.lastMs;
  c.lastMs = nowMs;
  if (last === null) return null;
  const gapMs = nowMs - last;
  if (gapMs > periodMs * SLOW_GAP_PERIODS) {
    c.slowRun += 1;
    c.fastRun = 0;
    if (!c.warned && c.slowRun >= SLOW_RUN) {
      c.warned = true;
      return { kind: 'slow', gapMs };
    }
    return null;
  }
  c.fastRun += 1;
  c.slowRun = 0;
  if (c.warned && c.fastRun >= FAST_RUN) {
    c.warned = false;
    return { kind: 'recovered' };
  }
  return null;
}
