// A real uWSGI for the integration test: a tiny WSGI app behind `http-socket` on a free
// loopback port, the stats server on a unix socket and the master FIFO in a temp dir,
// `cheaper-algo = manual`. It runs in its own process group, so teardown kills it whole.
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Why the real-uWSGI test cannot run here, or null when it can. */
export function uwsgiMissing(): string | null {
  const probe = spawnSync('uwsgi', ['--plugin', 'python3', '--version'], { encoding: 'utf8', timeout: 10_000 });
  if (probe.error !== undefined) return 'uwsgi not found: skipping the real-uWSGI test; CI installs Debian\'s uwsgi-core and uwsgi-plugin-python3';
  if (probe.status !== 0) return 'uwsgi has no python3 plugin: skipping the real-uWSGI test; CI installs Debian\'s uwsgi-plugin-python3';
  return null;
}

import { freePort } from '../../../bench/common.js';
export { freePort };

export interface RealUwsgi {
  stats: string;
  fifo: string;
  httpPort: number;
  log: string;
  child: ChildProcess;
  /** SIGKILL to the whole process group (master and workers); idempotent */
  kill(): void;
}

const APP = `
import time
def application(environ, start_response):
    time.sleep(0.01)
    start_response('200 OK', [('Content-Type', 'text/plain')])
    return [b'ok\\n']
`;

export async function startUwsgi(options: { processes: number; cheaper: number; initial: number }): Promise<RealUwsgi> {
  const dir = mkdtempSync(join(tmpdir(), 'at-uwsgi-'));
  writeFileSync(join(dir, 'app.py'), APP);
  const httpPort = await freePort();
  const stats = join(dir, 'stats.sock');
  const fifo = join(dir, 'master.fifo');
  const log = join(dir, 'uwsgi.log');
  const child = spawn(
    'uwsgi',
    [
      '--plugin', 'python3', '--master', '--http-socket', `127.0.0.1:${httpPort}`, '--wsgi-file', join(dir, 'app.py'),
      '--processes', String(options.processes), '--cheaper', String(options.cheaper), '--cheaper-initial', String(options.initial),
      '--cheaper-algo', 'manual', '--master-fifo', fifo, '--stats', stats, '--die-on-term', '--logto', log,
    ],
    { detached: true, stdio: 'ignore' },
  );
  let dead = false;
  child.on('exit', () => (dead = true));
  const kill = () => {
    if (dead || child.pid === undefined) return;
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  };
  // The FIFO and the stats socket exist once the master is up.
  const until = Date.now() + 15_000;
  while (!(existsSync(fifo) && existsSync(stats))) {
    if (dead || Date.now() > until) {
      kill();
      throw new Error(`uWSGI did not start within 15 s (log: ${log})`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { stats, fifo, httpPort, log, child, kill };
}
