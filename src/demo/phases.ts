// The demo daemon's workload: phases that each load the transfer pool differently, and the
// schedule that loops through them. Pure data and arithmetic, so the schedule is testable
// without timers. Rates scale with n (the CPUs the daemon may use), so the same phase
// moves the pool the same way on a 2-core laptop and a 32-core server.

export const PHASES = ['io', 'cpu', 'burst', 'quiet'] as const;
export type PhaseName = (typeof PHASES)[number];

/** One transfer: hash real bytes (`rounds` times over `bytes`), then block `ioMs` (a slow disk or link). */
export interface TaskShape {
  bytes: number;
  rounds: number;
  ioMs: number;
}

export interface PhaseLoad {
  name: PhaseName;
  /** shown in the live view when the phase starts */
  description: string;
  task: TaskShape;
  /** offered transfers per second (Poisson arrivals) outside a burst */
  ratePerSecond: number;
  /** a burst of `ratePerSecond` for `forMs` at the start of every `everyMs` */
  burst: { everyMs: number; forMs: number; ratePerSecond: number } | null;
}

/** Where the schedule is at a moment: which phase, how far into it, and which loop. */
export interface PhasePosition {
  name: PhaseName;
  /** index into the schedule's phase list */
  index: number;
  /** 0 for the first pass through the list, 1 for the second... */
  cycle: number;
  msIntoPhase: number;
}

/** The phase at `elapsedMs` since the start, each phase lasting `phaseMs`, looping through `phases`. */
export function phaseAt(elapsedMs: number, phases: readonly PhaseName[], phaseMs: number): PhasePosition {
  if (phases.length === 0) throw new RangeError('the schedule needs at least one phase');
  if (!(phaseMs > 0)) throw new RangeError(`phaseMs must be > 0, got ${phaseMs}`);
  const t = Math.max(0, elapsedMs);
  const slot = Math.floor(t / phaseMs);
  const index = slot % phases.length;
  return { name: phases[index] as PhaseName, index, cycle: Math.floor(slot / phases.length), msIntoPhase: t - slot * phaseMs };
}

/** The offered rate at `msIntoPhase`: the burst rate inside a burst, else the base rate. */
export function rateAt(load: PhaseLoad, msIntoPhase: number): number {
  const b = load.burst;
  if (b !== null && msIntoPhase % b.everyMs < b.forMs) return b.ratePerSecond;
  return load.ratePerSecond;
}

/** How the phases are sized: CPU per task, from a calibration of this machine's hashing speed. */
export interface LoadSizing {
  /** CPUs the daemon may use */
  n: number;
  /** ms of CPU one round of hashing `bytes` takes here (see calibrate.ts) */
  msPerRound: number;
  /** bytes per round; default 64 KiB, a transfer block */
  bytes?: number;
}

/** A transfer that mostly waits: 2 ms of checksum, 38 ms blocked on the disk or the link. */
export const IO_TASK_CPU_MS = 2;
export const IO_TASK_IO_MS = 38;
/** A transfer that mostly computes (compression, strong checksums): 20 ms of hashing. */
export const CPU_TASK_CPU_MS = 20;

export function roundsFor(cpuMs: number, msPerRound: number): number {
  return Math.max(1, Math.round(cpuMs / Math.max(1e-6, msPerRound)));
}

export function ioTask(s: LoadSizing): TaskShape {
  return { bytes: s.bytes ?? 65536, rounds: roundsFor(IO_TASK_CPU_MS, s.msPerRound), ioMs: IO_TASK_IO_MS };
}

export function cpuTask(s: LoadSizing): TaskShape {
  return { bytes: s.bytes ?? 65536, rounds: roundsFor(CPU_TASK_CPU_MS, s.msPerRound), ioMs: 0 };
}

/** Transfers/s that the largest transfer pool (4n threads, docs/operator-guide.md) can serve with I/O tasks. */
export function ioCapacityAtMax(n: number): number {
  return (4 * n * 1000) / (IO_TASK_CPU_MS + IO_TASK_IO_MS);
}

/** Transfers/s that n cores can serve with CPU tasks, whatever the number of threads. */
export function cpuCapacity(n: number): number {
  return (n * 1000) / CPU_TASK_CPU_MS;
}

const round1 = (x: number): number => Math.round(x * 10) / 10;

/**
 * The demo's four phases. io: 55 % of what 4n I/O threads can serve (1.1x what the static 2n
 * can), so the pool grows past the static size and settles in the band below its bound (a
 * pool at its bound cannot probe with a grow, so the cpu phase could not find its ceiling). cpu: 1.5x what the cores can compute, so more threads
 * cannot help and the `pi` law steps back towards n. burst: 3 s spikes at the full I/O
 * capacity every 10 s over a light load. quiet: a trickle, so the pool shrinks.
 */
export function demoLoads(s: LoadSizing): Record<PhaseName, PhaseLoad> {
  const io = ioTask(s);
  const cpu = cpuTask(s);
  const ioMax = ioCapacityAtMax(s.n);
  const ioRate = round1(0.55 * ioMax);
  const cpuRate = round1(1.5 * cpuCapacity(s.n));
  const quietRate = round1(0.05 * ioMax);
  return {
    io: { name: 'io', description: `I/O-heavy: ${ioRate} transfers/s, each ${IO_TASK_CPU_MS} ms hashing + ${IO_TASK_IO_MS} ms blocked`, task: io, ratePerSecond: ioRate, burst: null },
    cpu: { name: 'cpu', description: `CPU-heavy: ${cpuRate} transfers/s, each ${CPU_TASK_CPU_MS} ms hashing (1.5x what ${s.n} cores can do)`, task: cpu, ratePerSecond: cpuRate, burst: null },
    burst: {
      name: 'burst',
      description: `bursts: ${round1(ioMax)} transfers/s for 3 s every 10 s, ${round1(0.15 * ioMax)}/s between`,
      task: io,
      ratePerSecond: round1(0.15 * ioMax),
      burst: { everyMs: 10_000, forMs: 3000, ratePerSecond: round1(ioMax) },
    },
    quiet: { name: 'quiet', description: `quiet: ${quietRate} transfers/s`, task: io, ratePerSecond: quietRate, burst: null },
  };
}

/** Parses `io,cpu,burst,quiet` (any order, repeats allowed). */
export function parsePhases(text: string): PhaseName[] | null {
  const names = text.split(',').map((p) => p.trim());
  if (names.length === 0 || names.some((p) => !(PHASES as readonly string[]).includes(p))) return null;
  return names as PhaseName[];
}
