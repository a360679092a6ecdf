// `adaptive-threads demo`: the sidecar in-process (or at --sidecar URL), the demo daemon
// reporting to it, a workload that changes phase, and a live view of every tick. Returns an
// exit code; src/cli/main.ts owns the process (signals arrive here as an AbortSignal).
import os from 'node:os';
import { pino } from 'pino';
import type { Subscription } from 'rxjs';
import { startService } from '../service/index.js';
import type { Service } from '../service/index.js';
import type { ClientLogger } from '../client/index.js';
import { demoCpus, DEMO_USAGE, parseDemoArgs } from './args.js';
import type { DemoArgs } from './args.js';
import { calibrateMsPerRound } from './calibrate.js';
import { demoConfig } from './config.js';
import { DemoDaemon } from './daemon.js';
import type { PoolReport } from './daemon.js';
import { demoLoads, phaseAt, rateAt } from './phases.js';
import { formatPhase, formatReport, formatSeconds, formatSummary, formatTick, HEADER, tickLineOf } from './view.js';

export interface DemoIo {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  /** aborted on SIGINT/SIGTERM: the demo stops cleanly */
  signal?: AbortSignal;
  env?: Readonly<Record<string, string | undefined>>;
  version?: string;
}

/** The workload's rate is re-read this often (bursts start and end on it). */
const PHASE_STEP_MS = 100;
/** The header is repeated every this many tick lines. */
const HEADER_EVERY = 40;

export async function runDemo(argv: readonly string[], io: DemoIo): Promise<number> {
  const parsed = parseDemoArgs(argv);
  if (parsed.kind === 'help') {
    io.stdout(DEMO_USAGE);
    return 0;
  }
  if (parsed.kind === 'error') {
    io.stderr(`adaptive-threads demo: ${parsed.message}\n`);
    return 2;
  }
  const args = parsed.args;
  const n = demoCpus(args, os.availableParallelism());
  const loads = demoLoads({ n, msPerRound: calibrateMsPerRound() });

  let service: Service | null = null;
  if (args.sidecar === null) {
    const config = demoConfig({ cpus: n, law: args.law, listen: args.listen, periodMs: args.periodMs, ...(io.env ? { env: io.env } : {}) });
    const logger = pino({ level: 'warn', base: { name: 'adaptive-threads' } }, { write: (s: string) => io.stderr(s) });
    try {
      service = await startService({ config, logger, version: io.version ?? 'demo', defaultMetrics: false });
    } catch (err) {
      io.stderr(`adaptive-threads demo: cannot start the sidecar on ${args.listen.host}:${args.listen.port}: ${err instanceof Error ? err.message : String(err)}\n`);
      return 1;
    }
  }
  const sidecarUrl = service?.url ?? (args.sidecar as string);
  const startedMs = Date.now();
  const elapsed = (): number => Date.now() - startedMs;
  let phase = phaseAt(0, args.phases, args.phaseMs);
  const out = args.json ? (_: string) => undefined : (s: string) => io.stdout(`${s}\n`);
  const logger: ClientLogger = {
    info: (m) => (args.json ? io.stderr(`${m}\n`) : out(`${formatSeconds(elapsed()).padStart(7)}  ${m}`)),
    warn: (m) => (args.json ? io.stderr(`${m}\n`) : out(`${formatSeconds(elapsed()).padStart(7)}  ${m}`)),
  };
  const resizes: Record<string, number> = { transfer: 0, buffer: 0 };
  const onReport = (r: PoolReport): void => {
    if (args.json) io.stdout(`${JSON.stringify({ ...r, elapsedMs: r.ts - startedMs, phase: phase.name })}\n`);
    else if (service === null) out(formatReport(r, startedMs, phase.name));
  };
  const daemon = new DemoDaemon({ sidecarUrl, cpus: n, periodMs: args.periodMs, logger, onReport, report: args.report, cpu: args.cpu });

  intro(out, args, n, sidecarUrl, service !== null);
  let lines = 0;
  const sizeOf = (pool: string): number => (pool === 'transfer' ? daemon.transfer.size : daemon.buffers.size);
  const view: Subscription | undefined = service?.engine.decisions$.subscribe((d) => {
    if (d.action === 'grow' || d.action === 'shrink') resizes[d.pool] = (resizes[d.pool] ?? 0) + 1;
    if (args.json) return;
    if (lines++ % HEADER_EVERY === 0) out(HEADER);
    out(formatTick(tickLineOf(d, startedMs, phase.name, sizeOf(d.pool))));
  });

  const applyPhase = (): void => {
    const next = phaseAt(elapsed(), args.phases, args.phaseMs);
    const load = loads[next.name];
    if (next.index !== phase.index || next.cycle !== phase.cycle) out(formatPhase(elapsed(), load));
    phase = next;
    daemon.load.setLoad(load.task, rateAt(load, next.msIntoPhase));
  };
  out(formatPhase(0, loads[phase.name]));
  applyPhase();
  await daemon.start();
  const stepper = setInterval(applyPhase, PHASE_STEP_MS);

  await new Promise<void>((resolve) => {
    if (io.signal?.aborted) return resolve();
    const timer = args.durationMs === null ? undefined : setTimeout(resolve, args.durationMs);
    io.signal?.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    }, { once: true });
  });

  clearInterval(stepper);
  out(`${formatSeconds(elapsed()).padStart(7)}  stopping: no new transfers, letting accepted ones finish`);
  view?.unsubscribe();
  const sizes = { transfer: daemon.transfer.size, buffer: daemon.buffers.size };
  await daemon.stop();
  await service?.stop();
  out(formatSummary({ elapsedMs: elapsed(), load: daemon.load.stats(), resizes, sizes }));
  return 0;
}

function intro(out: (s: string) => void, args: DemoArgs, n: number, url: string, inProcess: boolean): void {
  const where = inProcess ? `sidecar in-process at ${url} (law ${args.law}, period ${args.periodMs} ms)` : `sidecar at ${url}`;
  out(`adaptive-threads demo: ${where}; daemon sized for n=${n} CPUs (transfer starts at the static ${n * 2} threads), reporting idle ${args.report}, CPU ${args.cpu}`);
  out(`phases of ${args.phaseMs / 1000} s: ${args.phases.join(' -> ')}, looping; ${args.durationMs === null ? 'Ctrl-C to stop' : `stopping after ${args.durationMs / 1000} s`}`);
  if (inProcess) out(`try meanwhile: curl -s ${url}/v1/pools/transfer   or   curl -N ${url}/v1/events`);
}
