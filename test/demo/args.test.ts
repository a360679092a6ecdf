import test from 'ava';
import { demoCpus, DEMO_MAX_CPUS, parseDemoArgs } from '../../src/demo/args.js';
import type { DemoArgs } from '../../src/demo/args.js';

function run(argv: string[]): DemoArgs {
  const r = parseDemoArgs(argv);
  if (r.kind !== 'run') throw new Error(`expected run, got ${JSON.stringify(r)}`);
  return r.args;
}

test('when no options are given, then the demo runs until stopped, 20 s phases, pi, any free loopback port', (t) => {
  const a = run([]);
  t.is(a.durationMs, null);
  t.is(a.phaseMs, 20_000);
  t.deepEqual(a.phases, ['io', 'cpu', 'burst', 'quiet']);
  t.is(a.law, 'pi');
  t.deepEqual(a.listen, { host: '127.0.0.1', port: 0 });
  t.is(a.periodMs, 500);
  t.is(a.sidecar, null);
  t.false(a.json);
  t.is(a.report, 'documented');
  t.is(a.cpu, 'none');
});

test('when a reporting style and a CPU figure are given, then the daemon reports that way; an unknown one is an error that lists the allowed', (t) => {
  const a = run(['--report', 'no-idle', '--cpu=sample']);
  t.is(a.report, 'no-idle');
  t.is(a.cpu, 'sample');
  t.is(run(['--report=busy-idle', '--cpu', 'pid']).report, 'busy-idle');
  t.deepEqual(parseDemoArgs(['--report', 'idle']), { kind: 'error', message: '--report: "idle" is not one of documented, no-idle, busy-idle' });
  t.deepEqual(parseDemoArgs(['--cpu', 'process']), { kind: 'error', message: '--cpu: "process" is not one of sample, pid, none' });
});

test('when options are given, with a space or =, then each one is taken', (t) => {
  const a = run(['--duration', '20', '--phase-seconds=5', '--law', 'band', '--cpus', '4', '--listen', '127.0.0.1:9500', '--period-ms', '200', '--phases', 'io,quiet', '--json']);
  t.is(a.durationMs, 20_000);
  t.is(a.phaseMs, 5000);
  t.is(a.law, 'band');
  t.is(a.cpus, 4);
  t.deepEqual(a.listen, { host: '127.0.0.1', port: 9500 });
  t.is(a.periodMs, 200);
  t.deepEqual(a.phases, ['io', 'quiet']);
  t.true(a.json);
  t.is(run(['--sidecar', 'http://127.0.0.1:9464/']).sidecar, 'http://127.0.0.1:9464');
});

test('when --help is anywhere, then it is help', (t) => {
  t.deepEqual(parseDemoArgs(['--duration', '5', '--help']), { kind: 'help' });
  t.deepEqual(parseDemoArgs(['-h']), { kind: 'help' });
});

test('when an option is wrong, then the error names it', (t) => {
  const cases: [string[], RegExp][] = [
    [['--duration', '0'], /--duration/],
    [['--duration', 'soon'], /--duration/],
    [['--duration'], /--duration needs a value/],
    [['--phase-seconds', '-1'], /--phase-seconds/],
    [['--law', 'magic'], /--law.*magic/],
    [['--cpus', '2.5'], /--cpus/],
    [['--listen', 'localhost'], /--listen/],
    [['--phases', 'io,disk'], /--phases/],
    [['--sidecar', 'ftp://x'], /--sidecar/],
    [['--period-ms', '5'], /--period-ms/],
    [['--turbo'], /unknown option "--turbo"/],
  ];
  for (const [argv, message] of cases) {
    const r = parseDemoArgs(argv);
    t.is(r.kind, 'error', argv.join(' '));
    if (r.kind === 'error') t.regex(r.message, message);
  }
});

test('when --cpus is not given, then the machine\'s CPUs are used, at most DEMO_MAX_CPUS (32 threads at 4n)', (t) => {
  t.is(demoCpus(run([]), 2), 2);
  t.is(demoCpus(run([]), 64), DEMO_MAX_CPUS);
  t.is(demoCpus(run(['--cpus', '12']), 2), 12);
});
