import test from 'ava';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Sample } from '../../src/core/index.js';
import { DemoDaemon, IoAwareSource } from '../../src/demo/daemon.js';
import type { PoolReport } from '../../src/demo/daemon.js';

test('when transfers blocked on I/O, then the sample counts that time as idle (off-CPU), within [0, 1]', (t) => {
  const samples: Sample[] = [
    { ts: 1000, size: 4, busy: 4, idle: 0.1 },
    { ts: 1500, size: 4, busy: 4, idle: 0.1 },
    { ts: 2000, size: 4, busy: 4, idle: 0.5 },
  ];
  const io = [0, 1000, 5000];
  let size = 4;
  const source = new IoAwareSource({ sample: () => samples.shift() as Sample, resize: (n) => (size = n), get size() { return size; } }, () => io.shift() ?? 0);
  t.is(source.sample().idle, 0.1, 'the first sample has no period to spread I/O over');
  t.is(source.sample().idle, 0.6, '1000 ms blocked of 4 x 500 ms');
  t.is(source.sample().idle, 1);
  source.resize(100);
  t.is(size, 32, 'never more than 32 threads');
});

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
