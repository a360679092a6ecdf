// A pool's ticks. By default every period from the loop's start (rxjs `interval`). A pool whose
// ticks must keep a phase of the wall clock (a daemon that acts on a command only at the turn of
// its own clock's second, as uWSGI's master does: docs/operator-guide.md, "Driving uWSGI") ticks
// on a grid of the epoch instead: at the times t with t + leadMs a multiple of the period, so at a
// period of whole seconds each tick comes `leadMs` before a second starts. Each tick is scheduled
// from the clock, not from the tick before, so late timers (a busy event loop) never shift the
// phase: a tick that runs late is followed by the next one on the grid, and ticks whose time
// passed while the process was stalled are skipped, not run in a burst; one that fires a little
// early is not run twice. Each tick emits its time (on the grid, one whose timer fired early: the
// time it was due), from which the pool's loop says when its next one comes.
import { Observable, interval, map } from 'rxjs';
import type { SchedulerAction, SchedulerLike } from 'rxjs';

/** The first tick of the grid (ticks at t with (t + leadMs) % periodMs === 0) strictly after `afterMs`. */
export function nextGridTickMs(afterMs: number, periodMs: number, leadMs: number): number {
  return (Math.floor((afterMs + leadMs) / periodMs) + 1) * periodMs - leadMs;
}

/** Ticks on the epoch's grid (nextGridTickMs); each emits its time, or the time it was due when its timer fired early. */
export function gridTicks(periodMs: number, leadMs: number, scheduler: SchedulerLike): Observable<number> {
  return new Observable<number>((subscriber) => {
    // The tick due next. A timer may fire a millisecond early (Node rounds its timers to the
    // loop's cached clock): the next tick is the grid's after the one due, not after now.
    let due = nextGridTickMs(scheduler.now(), periodMs, leadMs);
    return scheduler.schedule(function (this: SchedulerAction<undefined>) {
      const at = Math.max(due, scheduler.now());
      subscriber.next(at);
      if (subscriber.closed) return;
      // From the clock after the tick's work too: a tick that ran past the next one skips it.
      due = nextGridTickMs(Math.max(at, scheduler.now()), periodMs, leadMs);
      this.schedule(undefined, due - scheduler.now());
    }, due - scheduler.now());
  });
}

/** The ticks of a pool's loop, each emitting its time: the epoch's grid when a lead is given, else every period from now. */
export function poolTicks(periodMs: number, leadMs: number | null, scheduler: SchedulerLike): Observable<number> {
  return leadMs === null ? interval(periodMs, scheduler).pipe(map(() => scheduler.now())) : gridTicks(periodMs, leadMs, scheduler);
}

/** The pool's next tick after `lastTickMs` (the time of its last tick, or its loop's start). */
export function nextTickAfter(lastTickMs: number, periodMs: number, leadMs: number | null): number {
  return leadMs === null ? lastTickMs + periodMs : nextGridTickMs(lastTickMs, periodMs, leadMs);
}
