// Drivers of the simulator's pool model for its tests: Poisson arrivals, or the pool's own events.
import type { PoolModel, Task } from '../../src/sim/pool.js';
import { mulberry32 } from '../../src/sim/random.js';

/** Drives a pool with Poisson arrivals until `untilMs`; `tasks` draws each task. */
export function drive(pool: PoolModel, ratePerSecond: number, untilMs: number, tasks: (t: number) => Task, seed = 1): void {
  const r = mulberry32(seed);
  let arrival = r.exponential(1000 / ratePerSecond);
  for (;;) {
    const t = Math.min(arrival, pool.nextEventMs());
    if (t > untilMs) break;
    pool.advance(t);
    if (t === arrival) {
      pool.arrive(tasks(t), t);
      arrival = t + r.exponential(1000 / ratePerSecond);
    } else {
      pool.fire(t);
    }
  }
  pool.advance(untilMs);
}

/** Runs the pool's own events (no arrivals) up to `untilMs`. */
export function settle(pool: PoolModel, untilMs: number): void {
  for (let t = pool.nextEventMs(); t <= untilMs; t = pool.nextEventMs()) {
    pool.advance(t);
    pool.fire(t);
  }
  pool.advance(untilMs);
}
