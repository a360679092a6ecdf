// SIGHUP: a reloaded config file applied to the running sidecar. Pools are added, removed and
// changed (each surviving pool keeps its controller state) and the token is replaced; what
// only a restart can change (listeners, actuators, the recorder, the log level) is logged and
// left as it runs. Nothing is half-applied: the file was validated whole before this is called.
import type { Config } from '../config/index.js';
import type { AppHandle } from '../http/index.js';
import type { Metrics } from '../metrics/index.js';
import { poolChanges } from '../streams/index.js';
import type { Engine, Logger, Reconfigured } from '../streams/index.js';

export interface ReloadReport extends Reconfigured {
  /** the config now in force: the new file's pools, cpus and token, the rest as started */
  running: Readonly<Config>;
  /** keys that changed in the file but need a restart */
  needRestart: string[];
}

const RESTART_KEYS = ['listen', 'metricsListen', 'actuators', 'record', 'logLevel', 'enabled'] as const;

export interface ReloadDeps {
  running: Readonly<Config>;
  next: Readonly<Config>;
  engine: Engine;
  metrics: Metrics;
  handles: readonly AppHandle[];
  logger: Logger;
}

export function reloadService(d: ReloadDeps): ReloadReport {
  const { running, next, logger } = d;
  const needRestart = RESTART_KEYS.filter((k) => JSON.stringify(running[k]) !== JSON.stringify(next[k]));
  const changes = d.engine.reconfigure({ pools: next.pools, cpus: next.cpus });
  d.metrics.addPools(next.pools.filter((p) => changes.added.includes(p.name)).map((p) => ({ name: p.name, law: p.params.law })));
  for (const h of d.handles) h.reconfigure({ token: next.token, pools: d.engine.pools });
  const now: Config = { ...running, file: next.file, pools: next.pools, cpus: next.cpus, cpusSource: next.cpusSource, token: next.token };
  const list = (names: readonly string[]): string => (names.length === 0 ? 'none' : names.join(', '));
  // Each changed pool with what changed in it (a change of the CPUs changes every pool's bounds).
  const was = new Map(running.pools.map((p) => [p.name, p]));
  const changed = changes.changed.map((name) => {
    const before = was.get(name);
    const after = next.pools.find((p) => p.name === name);
    const what = before === undefined || after === undefined ? [] : poolChanges(before, after);
    return what.length === 0 ? name : `${name} (${what.join(', ')})`;
  });
  const cpus = running.cpus !== next.cpus ? ` (cpus ${running.cpus} -> ${next.cpus})` : '';
  logger.info(
    { config: next.file, ...changes, tokenChanged: running.token !== next.token },
    `reloaded ${next.file}: pools added: ${list(changes.added)}; removed: ${list(changes.removed)}; changed: ${list(changed)}${cpus}`,
  );
  if (needRestart.length > 0) {
    logger.warn({ keys: needRestart }, `reload: ${needRestart.join(', ')} changed in ${next.file}; they take effect at the next restart`);
  }
  return { ...changes, running: Object.freeze(now), needRestart };
}
