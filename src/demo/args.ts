// `adaptive-threads demo` options, parsed without printing or exiting.
import { parseListen } from '../config/args.js';
import type { Listen } from '../config/args.js';
import { lawNames } from '../core/index.js';
import type { LawName } from '../core/index.js';
import { PHASES, parsePhases } from './phases.js';
import { DAEMON_CPU, REPORT_STYLES } from './report.js';
import type { DaemonCpu, ReportStyle } from './report.js';
import type { PhaseName } from './phases.js';

/** The demo sizes for at most this many CPUs by default: 4n threads stays within 32. */
export const DEMO_MAX_CPUS = 8;

export const DEMO_USAGE = `usage: adaptive-threads demo [options]      (from a checkout: npm run demo -- [options])

Starts the sidecar in-process and a demo daemon with two pools (a worker-thread pool
"transfer" and a buffer pool "buffer"), each reporting to the sidecar and resized by its
replies, under a workload that changes phase (${PHASES.join(', ')}). Prints one line per
tick per pool: time, phase, pool, size, target, utilization, action (reason).

Options:
  --duration SECONDS     stop after this long (default: until Ctrl-C)
  --phase-seconds N      length of each phase (default 20)
  --phases LIST          phases to loop through, comma-separated (default ${PHASES.join(',')})
  --law L                ${lawNames().join(' | ')} (default pi)
  --cpus N               CPUs the daemon may use: pool sizes derive from it
                         (default this machine's, at most ${DEMO_MAX_CPUS})
  --listen HOST:PORT     where the in-process sidecar listens (default 127.0.0.1:0, any free port)
  --period-ms MS         sample and tick period (default 500)
  --sidecar URL          run only the daemon, against the sidecar at URL (start it with a
                         config whose periodMs matches --period-ms)
  --report STYLE         how the daemon fills the transfer pool's idle: ${REPORT_STYLES.join(' | ')}
                         (documented: I/O time counted as idle; no-idle: left out;
                         busy-idle: 1 - busy/size, a worker blocked in I/O counted busy;
                         default documented)
  --cpu SOURCE           the CPU figure its samples carry: ${DAEMON_CPU.join(' | ')} (sample: cpuSeconds
                         and runDelaySeconds from its threads' schedstat; pid: its pid, the
                         sidecar reads /proc; default none)
  --json                 print the daemon's reports as JSON lines instead of the view
  -h, --help             show this help
`;

export interface DemoArgs {
  durationMs: number | null;
  phaseMs: number;
  phases: PhaseName[];
  law: LawName;
  cpus: number | null;
  listen: Listen;
  periodMs: number;
  sidecar: string | null;
  json: boolean;
  report: ReportStyle;
  cpu: DaemonCpu;
}

export type DemoArgsResult = { kind: 'help' } | { kind: 'run'; args: DemoArgs } | { kind: 'error'; message: string };

const VALUED = ['--duration', '--phase-seconds', '--phases', '--law', '--cpus', '--listen', '--period-ms', '--sidecar', '--report', '--cpu'];

function positive(name: string, text: string, min: number): number | string {
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || value < min) return `${name} must be a number >= ${min}, got "${text}"`;
  return value;
}

export function parseDemoArgs(argv: readonly string[]): DemoArgsResult {
  if (argv.includes('--help') || argv.includes('-h')) return { kind: 'help' };
  const values = new Map<string, string>();
  let json = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--json') {
      json = true;
      continue;
    }
    const eq = arg.indexOf('=');
    const name = arg.startsWith('--') && eq > 0 ? arg.slice(0, eq) : arg;
    if (!VALUED.includes(name)) return { kind: 'error', message: `unknown option "${arg}" (see --help)` };
    const value = name !== arg ? arg.slice(eq + 1) : argv[++i];
    if (value === undefined) return { kind: 'error', message: `${name} needs a value` };
    values.set(name, value);
  }
  const args: DemoArgs = { durationMs: null, phaseMs: 20_000, phases: [...PHASES], law: 'pi', cpus: null, listen: { host: '127.0.0.1', port: 0 }, periodMs: 500, sidecar: null, json, report: 'documented', cpu: 'none' };
  for (const [name, text] of values) {
    if (name === '--duration' || name === '--phase-seconds') {
      const v = positive(name, text, 1);
      if (typeof v === 'string') return { kind: 'error', message: v };
      if (name === '--duration') args.durationMs = v * 1000;
      else args.phaseMs = v * 1000;
    } else if (name === '--period-ms') {
      const v = positive(name, text, 10);
      if (typeof v === 'string') return { kind: 'error', message: v };
      args.periodMs = Math.round(v);
    } else if (name === '--cpus') {
      if (!/^[1-9][0-9]{0,3}$/.test(text)) return { kind: 'error', message: `--cpus must be a whole number >= 1, got "${text}"` };
      args.cpus = Number(text);
    } else if (name === '--phases') {
      const phases = parsePhases(text);
      if (phases === null) return { kind: 'error', message: `--phases: "${text}" is not a comma-separated list of ${PHASES.join(', ')}` };
      args.phases = phases;
    } else if (name === '--law') {
      if (!(lawNames() as readonly string[]).includes(text)) return { kind: 'error', message: `--law: "${text}" is not one of ${lawNames().join(', ')}` };
      args.law = text as LawName;
    } else if (name === '--report') {
      if (!(REPORT_STYLES as readonly string[]).includes(text)) return { kind: 'error', message: `--report: "${text}" is not one of ${REPORT_STYLES.join(', ')}` };
      args.report = text as ReportStyle;
    } else if (name === '--cpu') {
      if (!(DAEMON_CPU as readonly string[]).includes(text)) return { kind: 'error', message: `--cpu: "${text}" is not one of ${DAEMON_CPU.join(', ')}` };
      args.cpu = text as DaemonCpu;
    } else if (name === '--listen') {
      const listen = parseListen(text);
      if (listen === null) return { kind: 'error', message: `--listen: "${text}" is not HOST:PORT` };
      args.listen = listen;
    } else {
      if (!/^https?:\/\/[^\s]+$/.test(text)) return { kind: 'error', message: `--sidecar: "${text}" is not an http:// URL` };
      args.sidecar = text.replace(/\/+$/, '');
    }
  }
  return { kind: 'run', args };
}

/** The CPUs the demo sizes for: --cpus, else this machine's capped at DEMO_MAX_CPUS. */
export function demoCpus(args: DemoArgs, available: number): number {
  return args.cpus ?? Math.max(1, Math.min(DEMO_MAX_CPUS, Math.floor(available)));
}
