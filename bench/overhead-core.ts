// Core side of the overhead benchmark: the cost of one `tick` (src/core) per pool, over
// 10,000 controller states, in this process. No HTTP, no streams: the pure function only.
import { performance } from 'node:perf_hooks';
import type { ControllerParams, ControllerState, Sample } from '../src/core/index.js';
import type { ConfigModule, CoreModule } from './overhead-dist.js';
import { median } from './overhead-http.js';

export interface TickCost {
  pools: number;
  rounds: number;
  medianUsPerPool: number;
  minUsPerPool: number;
  maxUsPerPool: number;
}

function defaultParams(loadConfig: ConfigModule['loadConfig']): ControllerParams {
  const files = { readFile: () => 'pools:\n  p: {kind: transfer}\n', cpuMax: () => null, availableParallelism: () => 8 };
  const loaded = loadConfig(['--config', 'bench.yaml', '--cpus', '8'], {}, files, () => undefined);
  if (loaded.kind !== 'run') throw new Error('bench config did not load');
  return (loaded.config.pools[0] as (typeof loaded.config.pools)[number]).params;
}

/**
 * Every pool gets one sample per period (a daemon reporting once a second), with utilization
 * that wanders through and around the band so that grows, shrinks and holds all happen.
 */
export function measureTick(core: CoreModule, config: ConfigModule, pools = 10_000, rounds = 21, warmup = 5): TickCost {
  const { createController, tick } = core;
  const params = defaultParams(config.loadConfig);
  let states: ControllerState[] = Array.from({ length: pools }, (_, i) =>
    createController({ name: `p${i}`, kind: i % 2 === 0 ? 'transfer' : 'buffer', n: 8, params, mode: 'adaptive', pinned: null, enabled: true }, 0),
  );
  const completed = new Float64Array(pools);
  const costs: number[] = [];
  for (let r = 0; r < warmup + rounds; r++) {
    const nowMs = (r + 1) * params.periodMs;
    const samples: Sample[][] = states.map((s, i) => {
      const size = s.target;
      const u = 0.5 + 0.45 * Math.sin((r + i) / 7);
      completed[i] = (completed[i] as number) + size * 10;
      return [{ ts: nowMs - params.periodMs / 2, size, busy: Math.min(size, Math.round(size * u)), idle: 0.2, queueStall: u > 0.9 ? 0.3 : 0, completed: completed[i] as number }];
    });
    const next: ControllerState[] = new Array<ControllerState>(pools);
    const started = performance.now();
    for (let i = 0; i < pools; i++) next[i] = tick(states[i] as ControllerState, samples[i] as Sample[], nowMs).state;
    const elapsedMs = performance.now() - started;
    states = next;
    if (r >= warmup) costs.push((elapsedMs * 1000) / pools);
  }
  return { pools, rounds, medianUsPerPool: median(costs), minUsPerPool: Math.min(...costs), maxUsPerPool: Math.max(...costs) };
}
