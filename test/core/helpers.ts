// Shared fixtures for the core's tests: default parameters (docs/operator-guide.md) and a small fake
// daemon that reports samples and obeys the target, all in virtual time.
import { DEFAULT_PARAMS } from '../../src/config/index.js';
import { createController, tick } from '../../src/core/index.js';
import type { ControllerParams, ControllerState, Decision, PoolSpec, Sample } from '../../src/core/index.js';

/** the defaults, from the config module (test/config pins each value against docs). */
export const DEFAULTS: ControllerParams = DEFAULT_PARAMS;

export function makeSpec(over: Partial<Omit<PoolSpec, 'params'>> & { params?: Partial<ControllerParams> } = {}): PoolSpec {
  const { params, ...rest } = over;
  return {
    name: 'transfer',
    kind: 'transfer',
    n: 8,
    mode: 'adaptive',
    pinned: null,
    enabled: true,
    ...rest,
    params: { ...DEFAULTS, ...params },
  };
}

/** What the fake daemon reports at a given size: busy workers, stall, idle, completions per second. */
export interface Load {
  busy: (size: number) => number;
  stall?: (size: number) => number;
  /** the idle share reported (default 0.5); null: the sample has no `idle` */
  idle?: number | null;
  /** completions per second at this size (undefined: no counter) */
  rate?: (size: number) => number;
}

export interface Run {
  state: ControllerState;
  decisions: Decision[];
  sizes: number[];
}

/**
 * Ticks the controller every `periodMs` from `fromMs` (exclusive) to `toMs` (inclusive), with
 * a daemon that reports one sample a period and applies the target at once (or never, with
 * `obey: false`). `load` may change with time.
 */
export function drive(
  state: ControllerState,
  fromMs: number,
  toMs: number,
  load: Load | ((nowMs: number) => Load | null),
  opts: { obey?: boolean; startSize?: number; completed?: number } = {},
): Run & { completed: number } {
  const obey = opts.obey ?? true;
  const period = state.spec.params.periodMs;
  let size = opts.startSize ?? state.size ?? state.target;
  let completed = opts.completed ?? 0;
  const decisions: Decision[] = [];
  const sizes: number[] = [];
  let s = state;
  for (let t = fromMs + period; t <= toMs; t += period) {
    const l = typeof load === 'function' ? load(t) : load;
    const samples: Sample[] = [];
    if (l !== null) {
      if (l.rate !== undefined) completed += Math.round((l.rate(size) * period) / 1000);
      samples.push({
        ts: t,
        size,
        busy: Math.min(size, Math.round(l.busy(size))),
        queueStall: l.stall?.(size) ?? 0,
        ...(l.idle === null ? {} : { idle: l.idle ?? 0.5 }),
        ...(l.rate !== undefined ? { completed } : {}),
      });
    }
    const r = tick(s, samples, t);
    s = r.state;
    decisions.push(r.decision);
    if (obey) size = s.target;
    sizes.push(size);
  }
  return { state: s, decisions, sizes, completed };
}

export function start(over: Parameters<typeof makeSpec>[0] = {}, nowMs = 0): ControllerState {
  return createController(makeSpec(over), nowMs);
}

/** A utilization held at `u`, whatever the size. */
export const atUtilization = (u: number, extra: Partial<Load> = {}): Load => ({ busy: (size) => u * size, ...extra });

export const moves = (ds: readonly Decision[]): Decision[] => ds.filter((d) => d.action !== 'hold');
