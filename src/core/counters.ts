// Rates from cumulative counters (completed, refused, CPU seconds, run-delay seconds): the
// daemon and the kernel report totals, the controller wants per-second figures. A decrease
// is a restart of whatever counts (a daemon restart, a new process): the counter is re-based
// and that tick has no rate, never a negative or a spurious one.

/** The last reading of a counter: the base of the next rate. */
export interface CounterBase {
  ts: number;
  value: number;
}

export interface CounterRate {
  base: CounterBase | null;
  /** per second over `spanMs`, or null (first reading, a restart, no time passed) */
  perSecond: number | null;
  spanMs: number;
}

/**
 * The rate of a counter over readings taken in time order. `value` reads one reading's
 * counter (undefined: this reading has none); the base carries over between ticks.
 */
export function rateOf<T extends { ts: number }>(
  base: CounterBase | null,
  readings: readonly T[],
  value: (r: T) => number | undefined,
): CounterRate {
  let from = base;
  let count = 0;
  let spanMs = 0;
  let reset = false;
  for (const r of readings) {
    const v = value(r);
    if (v === undefined) continue;
    if (from === null || v < from.value) {
      reset = reset || from !== null;
      from = { ts: r.ts, value: v };
      continue;
    }
    if (r.ts <= from.ts) continue;
    count += v - from.value;
    spanMs += r.ts - from.ts;
    from = { ts: r.ts, value: v };
  }
  const perSecond = !reset && spanMs > 0 ? (count * 1000) / spanMs : null;
  return { base: from, perSecond, spanMs };
}
