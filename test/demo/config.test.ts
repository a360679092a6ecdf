import test from 'ava';
import { demoConfig, DEMO_TIMING } from '../../src/demo/config.js';

test('when the demo config loads, then both pools get the law and the short periods, on the listener given', (t) => {
  const c = demoConfig({ cpus: 2, law: 'band', listen: { host: '127.0.0.1', port: 0 } });
  t.is(c.cpus, 2);
  t.deepEqual(c.listen, { host: '127.0.0.1', port: 0 });
  t.deepEqual(c.pools.map((p) => [p.name, p.kind, p.pinned]), [['transfer', 'transfer', null], ['buffer', 'buffer', null]]);
  for (const p of c.pools) {
    t.is(p.params.law, 'band');
    t.is(p.params.periodMs, DEMO_TIMING.periodMs);
    t.is(p.params.growCooldownMs, DEMO_TIMING.growCooldownMs);
    t.is(p.params.shrinkCooldownMs, DEMO_TIMING.shrinkCooldownMs);
  }
  t.true(Object.isFrozen(c));
});

test('when the period is shorter, then the cooldowns shrink with it; when pinned, then the transfer pool is the static baseline', (t) => {
  const c = demoConfig({ cpus: 2, law: 'pi', listen: { host: '127.0.0.1', port: 0 }, periodMs: 250, pinTransfer: 4 });
  const transfer = c.pools[0];
  t.is(transfer?.pinned, 4);
  t.is(transfer?.params.growCooldownMs, DEMO_TIMING.growCooldownMs / 2);
  t.is(transfer?.params.shrinkCooldownMs, DEMO_TIMING.shrinkCooldownMs / 2);
  t.is(c.pools[1]?.pinned, null);
});

test('when OC_ADAPTIVE_THREADS=0 is passed in, then the demo sidecar is disabled like the real one', (t) => {
  t.false(demoConfig({ cpus: 2, law: 'pi', listen: { host: '127.0.0.1', port: 0 }, env: { OC_ADAPTIVE_THREADS: '0' } }).enabled);
  t.true(demoConfig({ cpus: 2, law: 'pi', listen: { host: '127.0.0.1', port: 0 } }).enabled);
});

test('when the transfer pool is given a process, then the sidecar reads its CPU there (pid, and the thread pattern when given); the buffer pool has none', (t) => {
  const listen = { host: '127.0.0.1', port: 0 };
  const c = demoConfig({ cpus: 2, law: 'pi', listen, transferProcess: { pid: 4242, threads: '^transfer$' } });
  t.deepEqual(c.pools[0]?.process, { pid: 4242, pidFile: null, threads: '^transfer$' });
  t.is(c.pools[1]?.process, null);
  t.deepEqual(demoConfig({ cpus: 2, law: 'pi', listen, transferProcess: { pid: 7, threads: null } }).pools[0]?.process, { pid: 7, pidFile: null, threads: null });
  t.is(demoConfig({ cpus: 2, law: 'pi', listen }).pools[0]?.process, null);
});
