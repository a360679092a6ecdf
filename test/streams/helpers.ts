// Virtual time for the stream tests: a TestScheduler driven by hand, and pool configs with
// the controller defaults of docs/operator-guide.md (overridable per test).
import { TestScheduler } from 'rxjs/testing';
import { DEFAULT_PARAMS } from '../../src/config/index.js';
import type { PoolConfig } from '../../src/config/index.js';
import type { ControllerParams, PoolKind } from '../../src/core/index.js';

export const PARAMS: ControllerParams = DEFAULT_PARAMS;

export function pool(name: string, kind: PoolKind = 'transfer', over: Partial<ControllerParams> = {}, extra: Partial<PoolConfig> = {}): PoolConfig {
  return { name, kind, pinned: null, mode: 'adaptive', params: { ...PARAMS, ...over }, process: null, source: null, ...extra };
}

export interface Clock {
  scheduler: TestScheduler;
  /** runs everything scheduled up to and including `ms` (virtual) */
  advanceTo(ms: number): void;
  /** runs `fn` at virtual time `ms` */
  at(ms: number, fn: () => void): void;
}

export function virtualClock(): Clock {
  const scheduler = new TestScheduler(() => undefined);
  return {
    scheduler,
    advanceTo(ms) {
      scheduler.maxFrames = ms;
      scheduler.flush();
    },
    at(ms, fn) {
      scheduler.schedule(fn, ms - scheduler.now());
    },
  };
}
