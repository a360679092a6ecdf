// The throughput ceiling on the simulator's disk of 4 slots (virtual time): past the disk's
// capacity, added threads only queue for it, and pi must stop near the knee instead of growing
// to its max while utilization stays at 1.
import test from 'ava';
import { runScenario } from '../../src/sim/run.js';
import type { TickRow } from '../../src/sim/run.js';
import { getScenario } from '../../src/sim/scenarios.js';

const disk = getScenario('disk-bound')!;
const over = (rows: readonly TickRow[]) => rows.filter((r) => r.t > 11 * 60_000);
const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

test('when the load exceeds a disk of 4 slots, then pi stops near the knee (no more threads than the disk serves) with static\'s throughput', (t) => {
  // Minutes 10-14: 220 tasks/s offered, 200/s of disk capacity; 6 threads serve it (the bench's oracle).
  const pi = runScenario(disk, { kind: 'law', law: 'pi' }, { seed: 1, minutes: 14, style: { report: 'no-idle', cpu: 'process' } });
  const fixed = runScenario(disk, { kind: 'static', size: 16 }, { seed: 1, minutes: 14 });
  const size = mean(over(pi.ticks).map((r) => r.size));
  t.true(size <= 9, `mean size ${size.toFixed(1)} over minutes 11-14 (the max is 32)`);
  t.true(over(pi.ticks).some((r) => r.reason === 'ceiling'));
  const served = mean(over(pi.ticks).map((r) => r.throughput ?? 0));
  const staticServed = mean(over(fixed.ticks).map((r) => r.throughput ?? 0));
  t.true(served >= 0.97 * staticServed, `${served.toFixed(1)} vs static's ${staticServed.toFixed(1)} tasks/s`);
});

test('when the I/O is a pure delay whose latency shifts, then no ceiling is learned', (t) => {
  const io = runScenario(getScenario('io-bound')!, { kind: 'law', law: 'pi' }, { seed: 1, minutes: 15, style: { report: 'no-idle', cpu: 'process' } });
  t.false(io.ticks.some((r) => r.reason === 'ceiling'));
});
