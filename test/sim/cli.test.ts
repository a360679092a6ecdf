import test from 'ava';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { lawNames } from '../../src/core/index.js';
import { runReplay, runSimulate } from '../../src/sim/cli.js';
import { DEFAULT_PARAMS } from '../../src/sim/run.js';
import { tempDir } from '../fixtures/temp.js';

function capture(): { io: { stdout: (s: string) => void; stderr: (s: string) => void }; out: () => string; err: () => string } {
  let out = '';
  let err = '';
  return { io: { stdout: (s) => (out += s), stderr: (s) => (err += s) }, out: () => out, err: () => err };
}

test('when simulate runs a short scenario with --out, then it prints the figures and writes the chart', async (t) => {
  const dir = tempDir(t, 'sim-cli-');
  const c = capture();
  const file = path.join(dir, 'chart.svg');
  t.is(await runSimulate(['--scenario', 'step', '--law', 'pi', '--seed', '2', '--minutes', '1', '--out', file], c.io), 0);
  t.regex(c.out(), /throughput\s+[\d.]+ tasks\/s/);
  t.regex(c.out(), /back in band after steps/);
  t.regex(await readFile(file, 'utf8'), /<svg[\s\S]*id="band"[\s\S]*<\/svg>/);
});

test('when simulate gets bad arguments, then it says what was wrong and what is allowed, exit 2', async (t) => {
  const cases: [string[], RegExp][] = [
    [['--law', 'pi'], /--scenario is required \(one of: io-bound, cpu-bound/],
    [['--scenario', 'nope', '--law', 'pi'], /unknown scenario "nope"/],
    [['--scenario', 'step', '--law', 'magic'], /unknown law "magic" \(one of: pi, band, aimd/],
    [['--scenario', 'step', '--law', 'pi', '--seed', '-1'], /--seed must be a whole number >= 0, got "-1"/],
    [['--scenario', 'step', '--law', 'pi', '--minutes', '0.5'], /--minutes must be a whole number >= 1/],
    [['--scenario', 'step', '--law', 'pi', '--colour', 'red'], /unknown option --colour/],
    [['--scenario', 'step', '--report', 'idle'], /--report must be one of documented, no-idle, busy-idle, got "idle"/],
    [['--scenario', 'step', '--cpu', 'proc'], /--cpu must be one of sample, process, none, got "proc"/],
    [['--scenario', 'step', '--device-slots', '0'], /--device-slots must be a whole number >= 1, got "0"/],
    [['--scenario', 'step', '--cpus', '500'], /--cpus must be a whole number >= 1 and <= 128, got "500"/],
    [['--scenario', 'step', '--json=yes'], /--json takes no value, got "yes"/],
    [['--scenario', 'step', '--out', 'x.svg'], /--out draws one run: give --law too/],
  ];
  for (const [argv, message] of cases) {
    const c = capture();
    t.is(await runSimulate(argv, c.io), 2, argv.join(' '));
    t.regex(c.err(), message);
    t.regex(c.err(), /usage: adaptive-threads simulate/);
  }
});

test('when simulate runs without --law and with --json, then it prints every law, static and the oracle in the documented shape', async (t) => {
  const c = capture();
  const argv = ['--scenario', 'disk-bound', '--cpus', '2', '--minutes', '1', '--seed', '3', '--report', 'busy-idle', '--cpu', 'process', '--device-slots', '2', '--json'];
  t.is(await runSimulate(argv, c.io), 0, c.err());
  const out = JSON.parse(c.out()) as { scenario: string; cpus: number; seed: number; contenders: Record<string, unknown>[] };
  t.deepEqual(Object.keys(out), ['scenario', 'cpus', 'seed', 'contenders']);
  t.deepEqual([out.scenario, out.cpus, out.seed], ['disk-bound', 2, 3]);
  t.deepEqual(out.contenders.map((x) => x.name), ['static', ...lawNames(), 'oracle']);
  const keys = ['name', 'throughput', 'ofOracle', 'refused', 'waitP99Ms', 'latencyP99Ms', 'meanSize', 'threadSeconds', 'resizes', 'reversals'];
  for (const x of out.contenders) {
    t.deepEqual(Object.keys(x), keys);
    for (const k of keys.slice(1)) t.is(typeof x[k], 'number', `${String(x.name)}.${k}`);
  }
  t.is(out.contenders.at(-1)?.ofOracle, 1);
  t.is(out.contenders[0]?.meanSize, 4, 'static n*2 on 2 cores');
  const again = capture();
  t.is(await runSimulate(argv, again.io), 0);
  t.is(again.out(), c.out(), 'the same seed gives the same figures');
});

test('when simulate runs without --law as text, then it prints a table with the oracle', async (t) => {
  const c = capture();
  t.is(await runSimulate(['--scenario', 'cpu-bound', '--cpus', '2', '--minutes', '1'], c.io), 0);
  t.regex(c.out(), /report documented, cpu sample, device unlimited; oracle size \d+/);
  for (const name of ['static', ...lawNames(), 'oracle']) t.regex(c.out(), new RegExp(`^  ${name}\\s+[\\d.]+`, 'm'));
});

test('when --help is asked, then each command prints its usage and exits 0', async (t) => {
  const a = capture();
  t.is(await runSimulate(['--help'], a.io), 0);
  t.regex(a.out(), /--scenario S/);
  t.regex(a.out(), /--report R .*default documented/);
  t.regex(a.out(), /--cpu C .*default sample/);
  t.regex(a.out(), /--device-slots K/);
  const b = capture();
  t.is(await runReplay(['--help'], b.io), 0);
  t.regex(b.out(), /FILE\.ndjson \[--law L\]/);
});

test('when replay reads a recording, then it prints what the law would have decided', async (t) => {
  const dir = tempDir(t, 'sim-replay-');
  const file = path.join(dir, 'rec.ndjson');
  const lines = Array.from({ length: 8 }, (_, i) =>
    JSON.stringify({ pool: 'transfer', receivedAt: 1_700_000_000_000 + i * 1000, size: 16, busy: 16, queueStall: 0, completed: i * 50 }),
  );
  await writeFile(file, `${lines.join('\n')}\n`);
  const c = capture();
  t.is(await runReplay([file, '--law', 'band', '--cpus', '8', '--kind', 'transfer'], c.io), 0);
  t.regex(c.out(), /pool transfer \(transfer, n = 8\), law band, period 1000 ms, 8 ticks/);
  t.regex(c.out(), /-> grow 17 \(above-band\)/);

  const bad = capture();
  t.is(await runReplay([path.join(dir, 'missing.ndjson'), '--law', 'pi'], bad.io), 2);
  t.regex(bad.err(), /cannot read .*missing\.ndjson/);
  const noHeader = capture();
  t.is(await runReplay([file], noHeader.io), 2);
  t.regex(noHeader.err(), /no header .*give --cpus and --kind/);
  const noLaw = capture();
  t.is(await runReplay([file, '--cpus', '8', '--kind', 'transfer'], noLaw.io), 2);
  t.regex(noLaw.err(), /give --law/);
});

test('when replay is given a band and cadences, then the law runs with them (tuning on a recorded trace)', async (t) => {
  const dir = tempDir(t, 'sim-replay-tune-');
  const file = path.join(dir, 'rec.ndjson');
  // 16 workers, 14 busy: 87.5 %, over the default band's 85 %, inside [0.5, 0.9].
  const lines = Array.from({ length: 12 }, (_, i) =>
    JSON.stringify({ pool: 'transfer', receivedAt: 1_700_000_000_000 + i * 1000, size: 16, busy: 14, queueStall: 0, completed: i * 50 }),
  );
  await writeFile(file, `${lines.join('\n')}\n`);
  const base = capture();
  t.is(await runReplay([file, '--law', 'band', '--cpus', '8', '--kind', 'transfer'], base.io), 0);
  t.regex(base.out(), /band \[0\.6, 0\.85\], grow cooldown 5000 ms, shrink cooldown 30000 ms/);
  t.regex(base.out(), /3 would have moved/, 'one grow per 5 s over 12 ticks');
  const wide = capture();
  t.is(await runReplay([file, '--law', 'band', '--cpus', '8', '--kind', 'transfer', '--band', '0.5,0.9'], wide.io), 0);
  t.regex(wide.out(), /band \[0\.5, 0\.9\]/);
  t.regex(wide.out(), /0 would have moved/);
  const fast = capture();
  t.is(await runReplay([file, '--law', 'band', '--cpus', '8', '--kind', 'transfer', '--grow-cooldown-ms', '2000', '--shrink-cooldown-ms', '60000'], fast.io), 0);
  t.regex(fast.out(), /grow cooldown 2000 ms, shrink cooldown 60000 ms/);
  t.regex(fast.out(), /6 would have moved/, 'one grow per 2 s');
  for (const [argv, message] of [
    [['--band', '0.9,0.5'], /--band must be LOW,HIGH with 0 < LOW < HIGH <= 1, got "0.9,0.5"/],
    [['--band', '0.6'], /--band must be LOW,HIGH/],
    [['--grow-cooldown-ms', '-1'], /--grow-cooldown-ms must be a whole number >= 0/],
    [['--max-step', '0'], /--max-step must be a whole number >= 1/],
  ] as [string[], RegExp][]) {
    const bad = capture();
    t.is(await runReplay([file, '--law', 'pi', ...argv], bad.io), 2, argv.join(' '));
    t.regex(bad.err(), message);
  }
});

test('when replay reads a trace with a header, then it runs the recorded sidecar (n, kind, law, period), and flags override', async (t) => {
  const dir = tempDir(t, 'sim-replay-header-');
  const file = path.join(dir, 'rec.ndjson');
  const header = { trace: 'adaptive-threads', version: 1, cpus: 3, pools: { xfer: { kind: 'buffer', params: { ...DEFAULT_PARAMS, law: 'band', periodMs: 500 } } } };
  const lines = Array.from({ length: 8 }, (_, i) => JSON.stringify({ pool: 'xfer', receivedAt: 1_700_000_000_000 + i * 500, size: 6, busy: 6, queueStall: 0, completed: i * 50 }));
  await writeFile(file, `${[JSON.stringify(header), ...lines].join('\n')}\n`);
  const c = capture();
  t.is(await runReplay([file], c.io), 0, c.err());
  t.regex(c.out(), /pool xfer \(buffer, n = 3\), law band, period 500 ms, 8 ticks/);
  const over = capture();
  t.is(await runReplay([file, '--cpus', '16', '--kind', 'transfer', '--law', 'pi', '--period-ms', '1000'], over.io), 0, over.err());
  t.regex(over.out(), /pool xfer \(transfer, n = 16\), law pi, period 1000 ms/);
});
