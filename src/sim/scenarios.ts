// The benchmark's workloads, each seeded and at least 30 simulated minutes, on an 8-core
// host with a `transfer` pool (bounds 4..32, static 16). Loads are chosen so each scenario
// asks a different question of a law (see docs/design.md, "Simulator model"):
//   io-bound   90 % blocking I/O whose latency shifts (slow disks, long-haul links):
//              between ~9 and ~26 busy workers, so static 16 starves it half the time
//   cpu-bound  all CPU, offered 150 % of what 8 cores can do: the best size is n
//   mixed      40 % CPU, 60 % I/O, CPU half used: ~14 busy workers, some contention
//   bursty     quiet (~3 busy) with short bursts (~24 busy) at random times
//   step       ~6 busy workers, x4 at minute 10, back at minute 20
//   diurnal    a day as a sine over the run, 3..23 busy workers
//   disk-bound the I/O phase waits on a disk of 4 slots: load under, over and shifting
//              around the disk's capacity; more threads than the disk serves only queue
//   heavy-tail I/O with a heavy tail (median 20 ms, p99 400 ms): ~10 busy workers on average,
//              and runs of long tasks that hold many of them for a while
//   ramp       load doubling over 20 minutes (~10 to ~20 busy workers)
// Every scenario is defined at n = 8; `forCpus` runs it on another host, with the arrival
// rates scaled by n / 8 (the same load per core) except where the limit is not the CPUs.
import type { Random } from './random.js';

/** A stretch of time with one arrival rate and one I/O latency scale. */
export interface Segment {
  startMs: number;
  /** Poisson arrivals per second */
  ratePerSecond: number;
  /** multiplies the I/O phase of each task that arrives in this segment */
  ioScale: number;
}

export interface Scenario {
  name: string;
  description: string;
  /** cores */
  n: number;
  minutes: number;
  queueCapacity: number;
  /** context-switch cost c of cpuRate */
  switchCost: number;
  /** mean CPU and I/O phase of a task, ms, and the Erlang shape of both (1: exponential) */
  cpuMs: number;
  ioMs: number;
  shape: number;
  /** the I/O phase drawn lognormal with this standard deviation of its log (a heavy tail) instead of Erlang */
  ioSigma?: number;
  /** the load over time; `random` is the scenario's own stream */
  segments(durationMs: number, random: Random): Segment[];
  /** times of load steps, ms (recovery into the band is measured from each) */
  stepsMs: number[];
  /** concurrent requests of the device the I/O phase waits on; absent: unlimited (a pure delay) */
  deviceSlots?: number;
  /** false: the load is set by something other than the CPUs (a device) and is not scaled by forCpus */
  scalesWithCpus?: boolean;
}

const MINUTE = 60_000;
/** the example sample has a 64-slot hand-off queue. */
export const QUEUE_CAPACITY = 64;
export const SWITCH_COST = 0.1;
export const CORES = 8;

const base = { n: CORES, minutes: 30, queueCapacity: QUEUE_CAPACITY, switchCost: SWITCH_COST, stepsMs: [] as number[] };

const constant = (ratePerSecond: number) => (): Segment[] => [{ startMs: 0, ratePerSecond, ioScale: 1 }];

/** Alternating stretches with exponential durations (means in ms), starting with the first. */
function alternate(
  durationMs: number,
  random: Random,
  a: { meanMs: number; rate: number; ioScale: number },
  b: { meanMs: number; rate: number; ioScale: number },
): Segment[] {
  const out: Segment[] = [];
  let t = 0;
  let onA = true;
  while (t < durationMs) {
    const s = onA ? a : b;
    out.push({ startMs: t, ratePerSecond: s.rate, ioScale: s.ioScale });
    t += Math.max(2_000, random.exponential(s.meanMs));
    onA = !onA;
  }
  return out;
}

export const SCENARIOS: readonly Scenario[] = [
  {
    ...base,
    name: 'io-bound',
    description: '90 % blocking I/O (mean 10 ms CPU + 90 ms I/O), 200 tasks/s, I/O latency shifting between 40 and 122 ms every ~2 min',
    cpuMs: 10,
    ioMs: 90,
    shape: 2,
    segments: (d, r) =>
      alternate(d, r, { meanMs: 2 * MINUTE, rate: 200, ioScale: 0.45 }, { meanMs: 2 * MINUTE, rate: 200, ioScale: 1.35 }),
  },
  {
    ...base,
    name: 'cpu-bound',
    description: 'all CPU (25 ms), 480 tasks/s offered against 320/s of capacity',
    cpuMs: 25,
    ioMs: 0,
    shape: 4,
    segments: constant(480),
  },
  {
    ...base,
    name: 'mixed',
    description: '40 % CPU (16 ms), 60 % I/O (24 ms), 280 tasks/s',
    cpuMs: 16,
    ioMs: 24,
    shape: 2,
    segments: constant(280),
  },
  {
    ...base,
    name: 'bursty',
    description: 'quiet 30 tasks/s for ~2 min, bursts of 240 tasks/s for ~15 s',
    cpuMs: 10,
    ioMs: 90,
    shape: 2,
    segments: (d, r) =>
      alternate(d, r, { meanMs: 2 * MINUTE, rate: 30, ioScale: 1 }, { meanMs: 15_000, rate: 240, ioScale: 1 }),
  },
  {
    ...base,
    name: 'step',
    description: '60 tasks/s, x4 at minute 10, back at minute 20',
    cpuMs: 10,
    ioMs: 90,
    shape: 2,
    segments: () => [
      { startMs: 0, ratePerSecond: 60, ioScale: 1 },
      { startMs: 10 * MINUTE, ratePerSecond: 240, ioScale: 1 },
      { startMs: 20 * MINUTE, ratePerSecond: 60, ioScale: 1 },
    ],
    stepsMs: [10 * MINUTE, 20 * MINUTE],
  },
  {
    ...base,
    name: 'diurnal',
    description: 'a day as one sine over the run: 30..230 tasks/s',
    cpuMs: 10,
    ioMs: 90,
    shape: 2,
    segments: (d) => {
      const out: Segment[] = [];
      for (let t = 0; t < d; t += 1000) {
        const rate = 130 - 100 * Math.cos((2 * Math.PI * t) / d);
        out.push({ startMs: t, ratePerSecond: rate, ioScale: 1 });
      }
      return out;
    },
  },
  {
    ...base,
    name: 'disk-bound',
    description:
      'I/O on a disk of 4 slots (2 ms CPU + 20 ms disk service: 200 tasks/s of capacity): 150/s for 10 min, 220/s for 10 min, then 160/s and 240/s alternating every ~2 min',
    cpuMs: 2,
    ioMs: 20,
    shape: 2,
    deviceSlots: 4,
    scalesWithCpus: false,
    segments: (d, r) => [
      { startMs: 0, ratePerSecond: 150, ioScale: 1 },
      { startMs: 10 * MINUTE, ratePerSecond: 220, ioScale: 1 },
      ...alternate(d - 20 * MINUTE, r, { meanMs: 2 * MINUTE, rate: 160, ioScale: 1 }, { meanMs: 2 * MINUTE, rate: 240, ioScale: 1 }).map(
        (s) => ({ ...s, startMs: s.startMs + 20 * MINUTE }),
      ),
    ],
    stepsMs: [10 * MINUTE, 20 * MINUTE],
  },
  {
    ...base,
    name: 'heavy-tail',
    description: 'heavy-tailed I/O (2 ms CPU + lognormal I/O of median 20 ms, p99 400 ms, mean 46 ms), 200 tasks/s',
    cpuMs: 2,
    ioMs: 46,
    shape: 2,
    ioSigma: 1.29,
    segments: constant(200),
  },
  {
    ...base,
    name: 'ramp',
    description: '100 tasks/s for 5 min, doubling to 200/s over the next 20 min (in 1 s steps), then held',
    cpuMs: 10,
    ioMs: 90,
    shape: 2,
    segments: (d) => {
      const out: Segment[] = [{ startMs: 0, ratePerSecond: 100, ioScale: 1 }];
      for (let t = 5 * MINUTE; t < Math.min(d, 25 * MINUTE); t += 1000) {
        out.push({ startMs: t, ratePerSecond: 100 * 2 ** ((t - 5 * MINUTE) / (20 * MINUTE)), ioScale: 1 });
      }
      out.push({ startMs: Math.max(5 * MINUTE, Math.min(d, 25 * MINUTE)), ratePerSecond: 200, ioScale: 1 });
      return out;
    },
  },
];

/** The scenario on a host of `n` cores: arrival rates x n / 8 unless its load is not CPU-bound. */
export function forCpus(scenario: Scenario, n: number): Scenario {
  if (n === scenario.n) return scenario;
  const factor = scenario.scalesWithCpus === false ? 1 : n / scenario.n;
  return {
    ...scenario,
    n,
    description: factor === 1 ? scenario.description : `${scenario.description}; arrival rates x ${factor} for n = ${n}`,
    segments: (d, r) => scenario.segments(d, r).map((s) => ({ ...s, ratePerSecond: s.ratePerSecond * factor })),
  };
}

export function scenarioNames(): string[] {
  return SCENARIOS.map((s) => s.name);
}

export function getScenario(name: string): Scenario | undefined {
  return SCENARIOS.find((s) => s.name === name);
}
