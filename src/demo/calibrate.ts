// How long one round of the built-in hash task takes on this machine, so a phase asks for
// "20 ms of hashing" and gets about that on a laptop or a server alike. Measured once, on
// the main thread, before any worker starts (so nothing competes with it).
import { performance } from 'node:perf_hooks';
import { hash } from '../pool/tasks.js';

/** ms of CPU per round of hashing `bytes`: the fastest of a few timed batches (the least disturbed). */
export function calibrateMsPerRound(bytes = 65536, budgetMs = 60): number {
  hash({ bytes, rounds: 4 }); // warm up: makes the input block and loads the hash code
  let best = Number.POSITIVE_INFINITY;
  let rounds = 8;
  const until = performance.now() + budgetMs;
  do {
    const t0 = performance.now();
    hash({ bytes, rounds });
    const perRound = (performance.now() - t0) / rounds;
    best = Math.min(best, perRound);
    if (perRound * rounds < 5) rounds *= 2;
  } while (performance.now() < until);
  return Math.max(1e-4, best);
}
