// uWSGI's busyness cheaper algorithm has no unit tests of its own: these tables port its
// decisions on exact inputs from unbit/uwsgi's plugins/cheaper_busyness/cheaper_busyness.c at
// tag 2.0.21 (commit 0d1c793465ac331bdb43c6d56fb7c348ea94f463); "L123" is a line of that file.
// One call of cheaper_busyness_algo is one step of the law (a 1 s master cycle); a check cycle
// is one where `now - tcheck >= cheaper_overload` (L171). Defaults (L374-L383): max 50 %,
// min 25 %, multiplier 10, penalty 2, backlog alert 33, backlog multiplier 3, backlog step 1,
// backlog non-zero 60 s; cheaper_overload 3 s; cheaper_count (the fewest workers) is bounds.min.
import test from 'ava';
import { cheaperLaw } from '../../../src/core/laws/cheaper.js';
import type { CheaperState } from '../../../src/core/laws/cheaper.js';
import { ctx } from './ctx.js';
import { DEFAULTS } from '../helpers.js';

const NOW = 100_000;
const MIN = 2;
const MAX = 64;

interface Case {
  lines: string;
  what: string;
  /** the state before the call (uWSGI's globals) */
  state?: Partial<CheaperState>;
  size?: number;
  /** the busy share over the overload period (each worker's running_time delta / t) */
  u: number;
  /** a check cycle (L171), else a cycle between checks */
  check: boolean;
  /** the listen queue (uwsgi.shared->backlog, L167); null: not reported */
  backlog?: number | null;
  min?: number;
  /** the size after the call, and the globals that must have changed */
  expect: { size: number } & Partial<CheaperState>;
}

function decide(c: Case): { size: number; state: CheaperState } {
  const size = c.size ?? 16;
  const before: CheaperState = {
    ...cheaperLaw.init(size, DEFAULTS),
    tcheckMs: c.check ? NOW - 3000 : NOW - 1000,
    nextCheapMs: NOW + 10_000,
    ...c.state,
  };
  const backlog = c.backlog ?? null;
  const samples = backlog === null ? [] : [{ ts: NOW, size, busy: Math.round(c.u * size), queueDepth: backlog }];
  const r = cheaperLaw.step(before, ctx(size, c.u, { nowMs: NOW, dtMs: 1000, bounds: { min: c.min ?? MIN, max: MAX }, samples }));
  return { size: r.proposal.size, state: r.state };
}

const cases: Case[] = [
  // The busyness: integer percent of the period (L175), averaged in integers (L203), judged strictly (L214, L261).
  { lines: 'L175, L203, L214-L254', what: 'busyness 51 % > max 50 %: spawn cheaper_step (1) worker, last_action = 1, timer overload x multiplier', u: 0.51, check: true, state: { toleranceCounter: 2 }, expect: { size: 17, lastAction: 1, multiplier: 10, toleranceCounter: 0, nextCheapMs: NOW + 30_000 } },
  { lines: 'L214, L292-L319', what: 'busyness 50 % is not > max: a non-idle cycle, the timer pushed back one overload', u: 0.5, check: true, expect: { size: 16, toleranceCounter: 1, nextCheapMs: NOW + 13_000 } },
  { lines: 'L175, L203', what: 'busyness 50.9 % is 50 % in integers: not > max', u: 0.509, check: true, expect: { size: 16, toleranceCounter: 1 } },
  { lines: 'L261, L292', what: 'busyness 25 % is not < min 25 %: a non-idle cycle', u: 0.25, check: true, expect: { size: 16, toleranceCounter: 1 } },
  { lines: 'L171', what: 'between checks, busyness 90 % does nothing', u: 0.9, check: false, expect: { size: 16, lastAction: 0, toleranceCounter: 0 } },
  // The penalty (L233-L242): (now - last_cheaped) / overload in whole cycles <= multiplier.
  { lines: 'L234-L237', what: 'spawned 30 s (10 cycles) after a cheap: multiplier + penalty 2 = 12, timer 36 s', u: 0.6, check: true, state: { lastCheapedMs: NOW - 30_000 }, expect: { size: 17, multiplier: 12, nextCheapMs: NOW + 36_000 } },
  { lines: 'L234-L237', what: 'spawned 32.999 s after a cheap: 10 whole cycles, still the penalty', u: 0.6, check: true, state: { lastCheapedMs: NOW - 32_999 }, expect: { size: 17, multiplier: 12 } },
  { lines: 'L234, L240-L241', what: 'spawned 33 s (11 cycles) after a cheap at multiplier 10: no penalty', u: 0.6, check: true, state: { lastCheapedMs: NOW - 33_000 }, expect: { size: 17, multiplier: 10, nextCheapMs: NOW + 30_000 } },
  { lines: 'L234-L237', what: 'spawned 33 s (11 cycles) after a cheap at multiplier 12: 11 <= 12, penalty again (14)', u: 0.6, check: true, state: { lastCheapedMs: NOW - 33_000, multiplier: 12 }, expect: { size: 17, multiplier: 14, nextCheapMs: NOW + 42_000 } },
  { lines: 'L234, L240-L241, L103-L108', what: 'spawned 39 s (13 cycles) after a cheap at multiplier 12: decrease_multi, 12 -> 11, timer 33 s', u: 0.6, check: true, state: { lastCheapedMs: NOW - 39_000, multiplier: 12 }, expect: { size: 17, multiplier: 11, nextCheapMs: NOW + 33_000 } },
  { lines: 'L105', what: 'decrease_multi stops at the initial multiplier (10)', u: 0.6, check: true, state: { lastCheapedMs: NOW - 60_000 }, expect: { size: 17, multiplier: 10 } },
  { lines: 'L219-L229, L248-L254', what: 'over max at the most workers: nothing spawned, multiplier and timer untouched', size: MAX, u: 0.6, check: true, state: { multiplier: 12, lastAction: 2, toleranceCounter: 2 }, expect: { size: MAX, multiplier: 12, lastAction: 2, toleranceCounter: 0, nextCheapMs: NOW + 10_000 } },
  // Cheaping (L261-L290).
  { lines: 'L261-L271', what: 'busyness 24 % before the timer: wait, the tolerance counter reset', u: 0.24, check: true, state: { toleranceCounter: 2 }, expect: { size: 16, toleranceCounter: 0, nextCheapMs: NOW + 10_000 } },
  { lines: 'L271-L287', what: 'busyness 24 % at the timer: cheap one, last_cheaped = now, last_action = 2, timer 30 s', u: 0.24, check: true, state: { nextCheapMs: NOW, lastAction: 1, multiplier: 12 }, expect: { size: 15, lastCheapedMs: NOW, lastAction: 2, multiplier: 12, nextCheapMs: NOW + 36_000 } },
  { lines: 'L273', what: 'a subsequent cheap (last_action 2) decreases the multiplier first', u: 0.1, check: true, state: { nextCheapMs: NOW, lastAction: 2, multiplier: 12 }, expect: { size: 15, multiplier: 11, nextCheapMs: NOW + 33_000 } },
  { lines: 'L274, L284-L285, L85-L92', what: 'cheaping the last emergency worker: the timer is set first, with backlog multiplier 3 (9 s)', u: 0.1, check: true, state: { nextCheapMs: NOW, emergencyWorkers: 1 }, expect: { size: 15, emergencyWorkers: 0, nextCheapMs: NOW + 9000 } },
  { lines: 'L264', what: 'one worker: no point, the tolerance counter kept', size: 1, min: 1, u: 0.1, check: true, state: { nextCheapMs: NOW, toleranceCounter: 2 }, expect: { size: 1, toleranceCounter: 2 } },
  { lines: 'L269', what: 'at cheaper_count workers: no cheap', size: MIN, u: 0.1, check: true, state: { nextCheapMs: NOW }, expect: { size: MIN, toleranceCounter: 0 } },
  // Between min and max (L292-L320).
  { lines: 'L296-L299, L303, L319', what: 'one emergency worker fewer, tolerance 1, timer + 3 s', u: 0.4, check: true, state: { emergencyWorkers: 1 }, expect: { size: 16, emergencyWorkers: 0, toleranceCounter: 1, nextCheapMs: NOW + 13_000 } },
  { lines: 'L304-L312', what: 'the third non-idle cycle in a row restarts the timer: now + 30 s', u: 0.4, check: true, state: { toleranceCounter: 2 }, expect: { size: 16, toleranceCounter: 3, nextCheapMs: NOW + 30_000 } },
  { lines: 'L294', what: 'one worker: no point', size: 1, min: 1, u: 0.4, check: true, state: { toleranceCounter: 1 }, expect: { size: 1, toleranceCounter: 1 } },
  // The backlog alert (L257-L258 on a check cycle, L325-L327 between) and spawn_emergency_worker (L113-L143).
  { lines: 'L257-L258, L116-L134', what: 'check cycle, backlog 34 > 33: an emergency worker, multiplier back to 10, timer set before the count rises (30 s)', u: 0.3, check: true, backlog: 34, state: { multiplier: 14, lastAction: 2 }, expect: { size: 17, multiplier: 10, lastAction: 1, emergencyWorkers: 1, nextCheapMs: NOW + 30_000 } },
  { lines: 'L131, L85-L92, L134', what: 'a second emergency worker: the timer sees the first one (3 x 3 s)', u: 0.3, check: true, backlog: 34, state: { emergencyWorkers: 1 }, expect: { size: 17, emergencyWorkers: 2, nextCheapMs: NOW + 9000 } },
  { lines: 'L214, L257', what: 'over max with a backlog: the ordinary spawn comes first, no emergency worker', u: 0.6, check: true, backlog: 50, state: { multiplier: 12 }, expect: { size: 17, emergencyWorkers: 0, multiplier: 11 } },
  { lines: 'L325-L327', what: 'between checks, backlog 34: an emergency worker at once', u: 0.3, check: false, backlog: 34, expect: { size: 17, emergencyWorkers: 1, lastAction: 1 } },
  { lines: 'L325, L338-L343', what: 'between checks, backlog 33 (not > 33): the non-zero timer starts', u: 0.3, check: false, backlog: 33, expect: { size: 16, emergencyWorkers: 0, backlogSinceMs: NOW } },
  { lines: 'L325, L338-L343', what: 'backlog 100 at the most workers: no alert, the non-zero timer starts', size: MAX, u: 0.3, check: false, backlog: 100, expect: { size: MAX, backlogSinceMs: NOW } },
  // The backlog that stays non-zero (L329-L350).
  { lines: 'L330-L335', what: 'non-zero for 60 s: an emergency worker, and the count starts again', u: 0.3, check: false, backlog: 5, state: { backlogSinceMs: NOW - 60_000, multiplier: 12 }, expect: { size: 17, emergencyWorkers: 1, multiplier: 10, backlogSinceMs: NOW } },
  { lines: 'L332', what: 'non-zero for 59.999 s: 59 whole seconds, wait', u: 0.3, check: false, backlog: 5, state: { backlogSinceMs: NOW - 59_999 }, expect: { size: 16, backlogSinceMs: NOW - 59_999 } },
  { lines: 'L332-L335, L113-L131', what: 'non-zero for 60 s at the most workers: no worker, but the multiplier, last action, timer and count are reset', size: MAX, u: 0.3, check: false, backlog: 5, state: { backlogSinceMs: NOW - 60_000, multiplier: 12, lastAction: 2 }, expect: { size: MAX, emergencyWorkers: 0, multiplier: 10, lastAction: 1, nextCheapMs: NOW + 30_000, backlogSinceMs: NOW } },
  { lines: 'L346-L350', what: 'an empty backlog clears the non-zero timer', u: 0.3, check: false, backlog: 0, state: { backlogSinceMs: NOW - 30_000 }, expect: { size: 16, backlogSinceMs: null } },
];

for (const c of cases) {
  test(`cheaper_busyness.c ${c.lines}: when ${c.what}`, (t) => {
    const r = decide(c);
    const { size, ...fields } = c.expect;
    t.is(r.size, size);
    t.like(r.state, fields);
  });
}

test('cheaper_busyness.c L171-L172: when a check cycle runs, then the next check is cheaper_overload (3 s) later', (t) => {
  let state: CheaperState = { ...cheaperLaw.init(16, DEFAULTS), tcheckMs: 1000, nextCheapMs: 31_000 };
  const checks: number[] = [];
  for (let ms = 2000; ms <= 11_000; ms += 1000) {
    const r = cheaperLaw.step(state, ctx(16, 0.4, { nowMs: ms, bounds: { min: MIN, max: MAX } }));
    if (r.state.toleranceCounter !== state.toleranceCounter) checks.push(ms);
    state = r.state;
  }
  t.deepEqual(checks, [4000, 7000, 10_000]);
});
