// A real uWSGI for the integration test: the bench's uWSGI (bench/uwsgi-server.ts: its app
// behind `http-socket` on a free loopback port, the stats server on a unix socket, the master
// FIFO) in a temp dir, with `cheaper-algo = manual`, as the operator guide sets it up for the
// sidecar. It runs in its own process group, so teardown kills it whole.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBenchUwsgi } from '../../../bench/uwsgi-server.js';
import type { BenchUwsgi, UwsgiExtras } from '../../../bench/uwsgi-server.js';

export type RealUwsgi = BenchUwsgi;

/** Why the real-uWSGI test cannot run here, or null when it can. */
export function uwsgiMissing(): string | null {
  const probe = spawnSync('uwsgi', ['--plugin', 'python3', '--version'], { encoding: 'utf8', timeout: 10_000 });
  if (probe.error !== undefined) return 'uwsgi not found: skipping the real-uWSGI test; CI installs Debian\'s uwsgi-core and uwsgi-plugin-python3';
  if (probe.status !== 0) return 'uwsgi has no python3 plugin: skipping the real-uWSGI test; CI installs Debian\'s uwsgi-plugin-python3';
  return null;
}

/**
 * A uWSGI of `processes` worker slots, `initial` of them live, that the FIFO resizes; `extras` as
 * the test wants. Its temp dir goes with `stop()`; one that failed to start goes at once, its
 * log's tail copied into the error.
 */
export async function startUwsgi(options: { processes: number; cheaper: number; initial: number }, extras: UwsgiExtras = {}): Promise<RealUwsgi> {
  const dir = mkdtempSync(join(tmpdir(), 'at-uwsgi-'));
  let uwsgi: BenchUwsgi;
  try {
    uwsgi = await startBenchUwsgi(dir, { kind: 'cheaper', algo: 'manual', ...options }, extras);
  } catch (error) {
    let log: string;
    try {
      log = readFileSync(join(dir, 'uwsgi.log'), 'utf8').slice(-2000);
    } catch {
      log = '(no log)';
    }
    // retried: the killed uWSGI may still be going
    rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
    throw new Error(`${(error as Error).message}; the log, removed with its dir, ended:\n${log}`, { cause: error });
  }
  return {
    ...uwsgi,
    async stop() {
      await uwsgi.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
