// The load generator of `npm run bench:uwsgi`, run as its own process so its CPU is not the
// sidecar's: an open loop of seeded Poisson arrivals (the next arrival never waits for an
// answer), one HTTP request a connection (no keep-alive, as uWSGI's listen queue sees it).
// Argument: a JSON LoadPlan. Prints one JSON LoadResult line on stdout when every request has
// ended (answered, failed, or timed out).
import { request } from 'node:http';
import { mulberry32 } from '../src/sim/random.js';

export interface LoadPlan {
  port: number;
  /** consecutive phases of constant rate, repeated until durationMs */
  phases: { ms: number; perSecond: number }[];
  durationMs: number;
  bytes: number;
  waitMs: number;
  timeoutMs: number;
  seed: number;
}

export interface LoadResult {
  sent: number;
  ok: number;
  failed: number;
  /** latency of every answered request, ms, in send order */
  latenciesMs: number[];
  /** why requests failed, by error code or status */
  failures: Record<string, number>;
  /** seconds from the first send to the last end */
  spanSeconds: number;
}

/** Arrival times (ms from start) of a Poisson process whose rate follows the phases. */
export function arrivals(plan: LoadPlan): number[] {
  const random = mulberry32(plan.seed);
  const cycle = plan.phases.reduce((a, p) => a + p.ms, 0);
  const rateAt = (t: number): number => {
    let into = t % cycle;
    for (const p of plan.phases) {
      if (into < p.ms) return p.perSecond;
      into -= p.ms;
    }
    return plan.phases[0]?.perSecond ?? 0;
  };
  const out: number[] = [];
  // Thinning (Lewis and Shedler) at the highest rate: exact for a piecewise-constant rate.
  const maxRate = Math.max(...plan.phases.map((p) => p.perSecond));
  let t = 0;
  for (;;) {
    t += random.exponential(1000 / maxRate);
    if (t >= plan.durationMs) return out;
    if (random.next() < rateAt(t) / maxRate) out.push(t);
  }
}

function run(plan: LoadPlan): Promise<LoadResult> {
  const times = arrivals(plan);
  const result: LoadResult = { sent: 0, ok: 0, failed: 0, latenciesMs: new Array<number>(times.length).fill(-1), failures: {}, spanSeconds: 0 };
  const path = `/?bytes=${plan.bytes}&wait=${plan.waitMs}`;
  const start = performance.now();
  let pending = times.length;
  return new Promise((resolve) => {
    const done = (i: number, sentAt: number, failure: string | null) => {
      if (failure === null) {
        result.ok += 1;
        result.latenciesMs[i] = performance.now() - sentAt;
      } else {
        result.failed += 1;
        result.failures[failure] = (result.failures[failure] ?? 0) + 1;
      }
      pending -= 1;
      if (pending === 0) {
        result.latenciesMs = result.latenciesMs.filter((ms) => ms >= 0);
        result.spanSeconds = (performance.now() - start) / 1000;
        resolve(result);
      }
    };
    const send = (i: number) => {
      result.sent += 1;
      const sentAt = performance.now();
      let ended = false;
      const end = (failure: string | null) => {
        if (ended) return;
        ended = true;
        done(i, sentAt, failure);
      };
      const req = request({ host: '127.0.0.1', port: plan.port, path, agent: false, timeout: plan.timeoutMs }, (res) => {
        res.resume();
        res.on('end', () => end(res.statusCode === 200 ? null : `status ${res.statusCode}`));
        res.on('error', (e: NodeJS.ErrnoException) => end(e.code ?? 'error'));
      });
      req.on('timeout', () => {
        end('timeout');
        req.destroy();
      });
      req.on('error', (e: NodeJS.ErrnoException) => end(e.code ?? 'error'));
      req.end();
    };
    if (times.length === 0) resolve(result);
    let next = 0;
    const pump = () => {
      const now = performance.now() - start;
      while (next < times.length && (times[next] ?? Infinity) <= now) send(next++);
      if (next < times.length) setTimeout(pump, Math.max(0, (times[next] ?? 0) - (performance.now() - start)));
    };
    pump();
  });
}

if (process.argv[1] !== undefined && import.meta.url.endsWith(process.argv[1].split('/').pop() ?? '\0')) {
  const plan = JSON.parse(process.argv[2] ?? '{}') as LoadPlan;
  void run(plan).then((r) => process.stdout.write(`${JSON.stringify(r)}\n`));
}
