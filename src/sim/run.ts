// One simulated run: a scenario's arrivals drive the pool model, and every `periodMs` of
// virtual time the pool's sample goes through the same core the service runs
// (createController + tick); the pool then obeys `state.target`.
import { DEFAULT_PARAMS as CONFIG_DEFAULTS } from '../config/index.js';
import { createController, staticSize, tick } from '../core/index.js';
import type { ControllerParams, LawName, PoolSpec, Reason } from '../core/index.js';
import { PoolModel } from './pool.js';
import { mulberry32 } from './random.js';
import type { Scenario, Segment } from './scenarios.js';
import { DEFAULT_STYLE } from './style.js';
import type { DaemonStyle } from './style.js';

/** the controller defaults, as config/default.yaml has them (every law runs with them). */
export const DEFAULT_PARAMS: Omit<ControllerParams, 'law'> = (({ law: _law, ...rest }) => rest)(CONFIG_DEFAULTS);

/** A law by name, or a pool pinned at a fixed size. */
export type Contender = { kind: 'law'; law: LawName } | { kind: 'static'; size: number };

export function contenderName(c: Contender): string {
  return c.kind === 'law' ? c.law : `static-${c.size}`;
}

/** One tick of the run, for figures and charts. */
export interface TickRow {
  t: number;
  size: number;
  target: number;
  utilization: number | null;
  queueStall: number | null;
  throughput: number | null;
  /** tasks that arrived in the period, per second (the offered load, refused ones included) */
  offered: number;
  reason: Reason;
}

export interface RunResult {
  scenario: string;
  contender: string;
  seed: number;
  durationMs: number;
  band: { low: number; high: number };
  completed: number;
  refused: number;
  started: number;
  waits: number[];
  /** arrival to completion of every completed task, ms */
  latencies: number[];
  /** CPU time of the pool's threads and their run delay over the run, ms */
  cpuMs: number;
  runDelayMs: number;
  liveTotalMs: number;
  sizeTotalMs: number;
  queueTotalMs: number;
  busyTotalMs: number;
  ticks: TickRow[];
  stepsMs: number[];
}

export interface RunOptions {
  seed: number;
  /** overrides the scenario's length */
  minutes?: number;
  params?: Partial<Omit<ControllerParams, 'law'>>;
  /** how the daemon reports and which CPU source the sidecar has; default DEFAULT_STYLE */
  style?: DaemonStyle;
  /** overrides the scenario's device (Infinity: unlimited) */
  deviceSlots?: number;
}

export function poolSpec(scenario: Scenario, contender: Contender, params: Omit<ControllerParams, 'law'>): PoolSpec {
  return {
    name: 'transfer',
    kind: 'transfer',
    n: scenario.n,
    params: { ...params, law: contender.kind === 'law' ? contender.law : 'band' },
    mode: 'adaptive',
    pinned: contender.kind === 'static' ? contender.size : null,
    enabled: true,
  };
}

export function runScenario(scenario: Scenario, contender: Contender, options: RunOptions): RunResult {
  const durationMs = (options.minutes ?? scenario.minutes) * 60_000;
  const params = { ...DEFAULT_PARAMS, ...options.params };
  const root = mulberry32(options.seed);
  // Independent streams, so that a law's decisions never shift the arrivals another law sees.
  const loadRandom = root.fork();
  const arrivalRandom = root.fork();
  const taskRandom = root.fork();
  const segments = scenario.segments(durationMs, loadRandom);
  const style = options.style ?? DEFAULT_STYLE;
  const deviceSlots = options.deviceSlots ?? scenario.deviceSlots ?? Infinity;

  let controller = createController(poolSpec(scenario, contender, params), 0);
  const pool = new PoolModel(
    {
      n: scenario.n,
      size: staticSize('transfer', scenario.n),
      queueCapacity: scenario.queueCapacity,
      switchCost: scenario.switchCost,
      deviceSlots,
    },
    0,
  );
  pool.resize(controller.target, 0);

  let seg = 0;
  const segmentAt = (i: number): Segment => segments[i] as Segment;
  const segmentEnd = (i: number): number => (i + 1 < segments.length ? segmentAt(i + 1).startMs : Infinity);
  const drawArrival = (from: number): number => {
    let t = from;
    for (;;) {
      const rate = segmentAt(seg).ratePerSecond;
      const next = rate > 0 ? t + arrivalRandom.exponential(1000 / rate) : Infinity;
      const end = segmentEnd(seg);
      if (next < end) return next;
      if (end === Infinity) return Infinity;
      t = end; // memoryless: redraw from the segment boundary at the new rate
      seg += 1;
    }
  };

  const ticks: TickRow[] = [];
  let nextArrival = drawArrival(0);
  let nextTick = params.periodMs;
  let arrived = 0;
  for (;;) {
    const poolAt = pool.nextEventMs();
    const t = Math.min(nextArrival, nextTick, poolAt);
    if (t > durationMs) break;
    pool.advance(t);
    if (poolAt === t && poolAt <= nextArrival && poolAt <= nextTick) {
      pool.fire(t);
    } else if (nextArrival === t && nextArrival <= nextTick) {
      const ioScale = segmentAt(seg).ioScale;
      pool.arrive(
        {
          arrivalMs: t,
          cpuMs: taskRandom.erlang(scenario.cpuMs, scenario.shape),
          ioMs:
            scenario.ioSigma === undefined
              ? taskRandom.erlang(scenario.ioMs * ioScale, scenario.shape)
              : taskRandom.lognormal(scenario.ioMs * ioScale, scenario.ioSigma),
        },
        t,
      );
      nextArrival = drawArrival(t);
      arrived += 1;
    } else {
      const sample = pool.sample(t, params.periodMs, style);
      const out = tick(controller, [sample], t, style.cpu === 'process' ? pool.cpuReading(t) : null);
      controller = out.state;
      ticks.push({
        t,
        size: sample.size,
        target: controller.target,
        utilization: controller.signals.utilization,
        queueStall: controller.signals.queueStall,
        throughput: controller.signals.throughput,
        offered: (arrived * 1000) / params.periodMs,
        reason: out.decision.reason,
      });
      arrived = 0;
      if (controller.target !== pool.size) pool.resize(controller.target, t);
      nextTick += params.periodMs;
    }
  }
  pool.advance(durationMs);
  return {
    scenario: scenario.name,
    contender: contenderName(contender),
    seed: options.seed,
    durationMs,
    band: params.band,
    completed: pool.completed,
    refused: pool.refused,
    started: pool.started,
    waits: pool.waits,
    latencies: pool.latencies,
    cpuMs: pool.cpuMs,
    runDelayMs: pool.runDelayMs,
    liveTotalMs: pool.liveTotalMs,
    sizeTotalMs: pool.sizeTotalMs,
    queueTotalMs: pool.queueTotalMs,
    busyTotalMs: pool.busyTotalMs,
    ticks,
    stepsMs: scenario.stepsMs,
  };
}
