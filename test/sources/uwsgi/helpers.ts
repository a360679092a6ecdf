// Recorded uWSGI 2.0.21 stats documents (test/fixtures/uwsgi/) and small builders for the
// cases a recording cannot pin down (exact request starts, a restarted master); a virtual clock
// for the sources' polls.
import { readFileSync } from 'node:fs';
import type { VirtualTimeScheduler } from 'rxjs';
import type { UwsgiStats, UwsgiWorker } from '../../../src/sources/uwsgi/index.js';

export const fixture = (name: string): string => readFileSync(new URL(`../../fixtures/uwsgi/${name}.json`, import.meta.url), 'utf8');

export function worker(slot: number, over: Partial<UwsgiWorker> = {}): UwsgiWorker {
  return { slot, pid: 100 + slot, status: 'idle', requests: 0, runningTimeUs: 0, cores: 1, requestStarts: [null], coreRequests: null, avgRtUs: 0, respawns: 1, spawnedAt: null, harakiris: 0, accepting: true, ...over };
}

export function stats(workers: UwsgiWorker[], over: Partial<UwsgiStats> = {}): UwsgiStats {
  return { masterPid: 99, listenQueue: 0, listenQueueErrors: 0, queueCapacity: 100, listeners: [], otherSockets: [], workers, ...over };
}

export interface LogLine {
  level: 'error' | 'warn' | 'info' | 'debug';
  msg: string;
}

export function captureLogger() {
  const lines: LogLine[] = [];
  const at = (level: LogLine['level']) => (_obj: object, msg: string) => void lines.push({ level, msg });
  return { lines, logger: { error: at('error'), warn: at('warn'), info: at('info'), debug: at('debug') } };
}

/** Runs the virtual clock from the time of the last action it ran (`frame`) to `ms` in steps of `step`, letting each poll's promise settle on the way. */
export function clock(scheduler: VirtualTimeScheduler, step: number) {
  return async (ms: number) => {
    for (let at = scheduler.frame; at <= ms; at += step) {
      scheduler.maxFrames = at;
      scheduler.flush();
      await new Promise((r) => setImmediate(r));
    }
  };
}
