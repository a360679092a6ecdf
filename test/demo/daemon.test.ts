import test from 'ava';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Sample } from '../../src/core/index.js';
import { DemoDaemon } from '../../src/demo/daemon.js';
import type { PoolReport } from '../../src/demo/daemon.js';

/** A stand-in sidecar that answers every sample with a fixed target per pool. */
async function fakeSidecar(targets: Record<string, number>) {
  const seen: Record<string, Sample[]> = {};
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const pool = /\/v1\/pools\/([^/]+)\/samples$/.exec(req.url ?? '')?.[1] ?? '';
      (seen[pool] ??= []).push(JSON.parse(body) as Sample);
      res.writeHead(202, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ pool, target: targets[pool], action: 'grow', mode: 'adaptive' }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, seen, close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }) };
}

async function until(what: string, ok: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

test('when the sidecar answers with targets, then both pools are resized to them; when it is gone, then they keep their size and work on', async (t) => {
  const sidecar = await fakeSidecar({ transfer: 6, buffer: 5 });
  const reports: PoolReport[] = [];
  const daemon = new DemoDaemon({ sidecarUrl: sidecar.url, cpus: 2, periodMs: 50, onReport: (r) => reports.push(r) });
  t.teardown(async () => {
    await daemon.stop();
    await sidecar.close();
  });
  t.is(daemon.transfer.size, 4, 'starts at the static n*2');
  t.is(daemon.buffers.size, 4);
  daemon.load.setLoad({ bytes: 1024, rounds: 1, ioMs: 5 }, 100);
  await daemon.start();
  await until('resized to the targets', () => daemon.transfer.size === 6 && daemon.buffers.size === 5);
  t.true((sidecar.seen['transfer'] ?? []).every((s) => s.size >= 4 && s.busy <= s.size));
  t.true(reports.some((r) => r.pool === 'transfer' && r.result === 'posted' && r.target === 6 && r.size === 6));

  await sidecar.close();
  const cut = reports.length;
  await until('the outage is reported', () => reports.slice(cut).some((r) => r.pool === 'transfer' && !r.connected));
  const completed = daemon.load.stats().completed;
  await until('transfers complete without the sidecar', () => daemon.load.stats().completed > completed + 20);
  t.is(daemon.transfer.size, 6);
  t.is(daemon.buffers.size, 5);
});

test('when the daemon reports no idle with its own CPU, then the transfer samples carry growing cpuSeconds and no idle; with pid, its pid', async (t) => {
  const sidecar = await fakeSidecar({ transfer: 4, buffer: 4 });
  const own = new DemoDaemon({ sidecarUrl: sidecar.url, cpus: 2, periodMs: 50, report: 'no-idle', cpu: 'sample' });
  const pid = new DemoDaemon({ sidecarUrl: sidecar.url, cpus: 2, periodMs: 50, report: 'busy-idle', cpu: 'pid' });
  t.teardown(async () => {
    await own.stop();
    await pid.stop();
    await sidecar.close();
  });
  own.load.setLoad({ bytes: 65536, rounds: 20, ioMs: 2 }, 100);
  await own.start();
  const seen = () => sidecar.seen['transfer'] ?? [];
  await until('CPU counted', () => seen().some((s) => (s.cpuSeconds ?? 0) > 0.05));
  await own.stop();
  const samples = seen().splice(0);
  t.true(samples.every((s) => s.idle === undefined && s.pid === undefined && s.runDelaySeconds !== undefined));
  const cpu = samples.map((s) => s.cpuSeconds ?? -1);
  t.deepEqual(cpu, [...cpu].sort((a, b) => a - b), 'cumulative: never decreases');

  await pid.start();
  await until('a sample posted', () => seen().length > 2);
  t.true(seen().every((s) => s.pid === process.pid && s.cpuSeconds === undefined && s.idle !== undefined));
});
