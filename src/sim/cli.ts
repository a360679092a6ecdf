// The `simulate` and `replay` commands (src/cli/main.ts dispatches to them). They return an
// exit code and write through `io`; only src/cli exits the process.
import { readFile, writeFile } from 'node:fs/promises';
import { lawNames, poolBounds } from '../core/index.js';
import type { ControllerParams, LawName, PoolKind } from '../core/index.js';
import { figuresOf } from './figures.js';
import type { Figures } from './figures.js';
import { ReplayError, parseTrace, replay, replaySetup } from './replay.js';
import { runScenario } from './run.js';
import type { Contender } from './run.js';
import { getScenario, scenarioNames } from './scenarios.js';
import { renderChart } from './svg.js';

export interface CliIo {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
}

const SIMULATE_USAGE = `usage: adaptive-threads simulate --scenario S --law L [--seed N] [--minutes M] [--out chart.svg]

Runs a scenario in the simulator (virtual time) with a law and prints its figures.
  --scenario S   one of: ${scenarioNames().join(', ')}
  --law L        one of: ${lawNames().join(', ')}, or static (the pinned n*2 pool)
  --seed N       whole number, default 1 (the same seed gives the same run)
  --minutes M    whole number of simulated minutes, default the scenario's (30)
  --out FILE     also draw size, target, utilization and the band as an SVG
`;

const REPLAY_USAGE = `usage: adaptive-threads replay FILE.ndjson [--law L] [--pool P] [--kind transfer|buffer] [--cpus N] [--period-ms MS]
       [--band LOW,HIGH] [--grow-cooldown-ms MS] [--shrink-cooldown-ms MS] [--max-step N]

Runs recorded samples (one {"pool", "receivedAt", ...sample} a line, as --record writes
them) through a law and prints what it would have decided (a what-if, as in observe mode).
The trace's header line says the recorded sidecar's n and each pool's kind, law and
parameters: the replay runs with those, and each option below overrides one.
  --law L        one of: ${lawNames().join(', ')}; default the pool's recorded law
  --pool P       the pool to replay, default the first in the file
  --kind K       transfer or buffer, default the pool's recorded kind
  --cpus N       the CPUs the daemon had, default the recorded n
  --period-ms MS tick period, default the recorded periodMs
(A trace without a header, from an older sidecar, needs --law, --kind and --cpus.)
To tune a pool on its recorded trace (defaults: the recorded parameters):
  --band LOW,HIGH          utilization band, fractions with 0 < LOW < HIGH <= 1, default 0.60,0.85
  --grow-cooldown-ms MS    time since the last grow before the next, default 5000
  --shrink-cooldown-ms MS  time since the last shrink before the next, default 30000
  --max-step N             the pi law's largest step, default max(1, ceil(size/4))
`;

class ArgError extends Error {}

/** Parses `--name value` pairs and positionals; every flag must be one of `known`. */
function parseArgs(argv: readonly string[], known: readonly string[]): { flags: Map<string, string>; positional: string[] } {
  const flags = new Map<string, string>();
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i += 1) {
    const a = argv[i] as string;
    if (!a.startsWith('--')) {
      positional.push(a);
      continue;
    }
    const [name, inline] = a.split('=', 2) as [string, string | undefined];
    if (!known.includes(name)) throw new ArgError(`unknown option ${name} (allowed: ${known.join(', ')})`);
    const value = inline ?? argv[i + 1];
    if (value === undefined || (inline === undefined && value.startsWith('--'))) throw new ArgError(`${name} needs a value`);
    if (inline === undefined) i += 1;
    flags.set(name, value);
  }
  return { flags, positional };
}

function wholeNumber(flags: Map<string, string>, name: string, fallback: number | undefined, min: number): number | undefined {
  const raw = flags.get(name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) throw new ArgError(`${name} must be a whole number >= ${min}, got "${raw}"`);
  return value;
}

/** The replay's tuning flags as controller parameters (only those given). */
function tuning(flags: Map<string, string>): Partial<Omit<ControllerParams, 'law'>> {
  const out: Partial<Omit<ControllerParams, 'law'>> = {};
  const raw = flags.get('--band');
  if (raw !== undefined) {
    const parts = raw.split(',').map((x) => Number(x.trim()));
    const [low, high] = parts as [number, number];
    if (parts.length !== 2 || !parts.every(Number.isFinite) || !(low > 0 && low < high && high <= 1)) {
      throw new ArgError(`--band must be LOW,HIGH with 0 < LOW < HIGH <= 1, got "${raw}"`);
    }
    out.band = { low, high };
  }
  const grow = wholeNumber(flags, '--grow-cooldown-ms', undefined, 0);
  if (grow !== undefined) out.growCooldownMs = grow;
  const shrink = wholeNumber(flags, '--shrink-cooldown-ms', undefined, 0);
  if (shrink !== undefined) out.shrinkCooldownMs = shrink;
  const maxStep = wholeNumber(flags, '--max-step', undefined, 1);
  if (maxStep !== undefined) out.maxStep = maxStep;
  return out;
}

function lawOf(raw: string | undefined, allowStatic: boolean): LawName | 'static' {
  const allowed = [...lawNames(), ...(allowStatic ? ['static'] : [])];
  if (raw === undefined) throw new ArgError(`--law is required (one of: ${allowed.join(', ')})`);
  if (!allowed.includes(raw)) throw new ArgError(`unknown law "${raw}" (one of: ${allowed.join(', ')})`);
  return raw as LawName | 'static';
}

export function formatFigures(f: Figures): string {
  const rows: [string, string][] = [
    ['throughput', `${f.throughputPerSecond.toFixed(1)} tasks/s (${f.completed} completed)`],
    ['refused', `${f.refused}`],
    ['queue wait p50 / p99', `${f.waitP50Ms.toFixed(1)} / ${f.waitP99Ms.toFixed(0)} ms`],
    ['mean size', f.meanSize.toFixed(1)],
    ['thread-seconds', f.threadSeconds.toFixed(0)],
    ['resizes', `${f.resizes}`],
    ['reversals', `${f.reversals} (${f.quickReversals} within 30 s)`],
    ['ticks in band', `${(f.inBandShare * 100).toFixed(0)} %`],
  ];
  if (f.recoverySeconds.length > 0) {
    rows.push(['back in band after steps', f.recoverySeconds.map((s) => (s === null ? 'never' : `${s} s`)).join(' / ')]);
  }
  return rows.map(([k, v]) => `  ${k.padEnd(26)}${v}`).join('\n');
}

async function guarded(usage: string, io: CliIo, command: string, body: () => Promise<number>): Promise<number> {
  try {
    return await body();
  } catch (err) {
    if (err instanceof ArgError || err instanceof ReplayError) {
      io.stderr(`${command}: ${err.message}\n\n${usage}`);
      return 2;
    }
    io.stderr(`${command}: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
}

export async function runSimulate(argv: string[], io: CliIo): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    io.stdout(SIMULATE_USAGE);
    return 0;
  }
  return guarded(SIMULATE_USAGE, io, 'simulate', async () => {
    const { flags, positional } = parseArgs(argv, ['--scenario', '--law', '--seed', '--minutes', '--out']);
    if (positional.length > 0) throw new ArgError(`unexpected argument "${positional[0]}"`);
    const name = flags.get('--scenario');
    if (name === undefined) throw new ArgError(`--scenario is required (one of: ${scenarioNames().join(', ')})`);
    const scenario = getScenario(name);
    if (scenario === undefined) throw new ArgError(`unknown scenario "${name}" (one of: ${scenarioNames().join(', ')})`);
    const law = lawOf(flags.get('--law'), true);
    const seed = wholeNumber(flags, '--seed', 1, 0) as number;
    const minutes = wholeNumber(flags, '--minutes', scenario.minutes, 1) as number;
    const contender: Contender = law === 'static' ? { kind: 'static', size: scenario.n * 2 } : { kind: 'law', law };
    const run = runScenario(scenario, contender, { seed, minutes });
    io.stdout(`${scenario.name} (${scenario.description}), law ${law}, seed ${seed}, ${minutes} min, n = ${scenario.n}\n`);
    io.stdout(`${formatFigures(figuresOf(run))}\n`);
    const out = flags.get('--out');
    if (out !== undefined) {
      const svg = renderChart(run.ticks, {
        title: `${scenario.name}: ${law} (seed ${seed})`,
        band: run.band,
        maxSize: poolBounds('transfer', scenario.n).max,
      });
      await writeFile(out, svg);
      io.stdout(`chart: ${out}\n`);
    }
    return 0;
  });
}

export async function runReplay(argv: string[], io: CliIo): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    io.stdout(REPLAY_USAGE);
    return 0;
  }
  return guarded(REPLAY_USAGE, io, 'replay', async () => {
    const { flags, positional } = parseArgs(argv, [
      '--law',
      '--pool',
      '--kind',
      '--cpus',
      '--period-ms',
      '--band',
      '--grow-cooldown-ms',
      '--shrink-cooldown-ms',
      '--max-step',
    ]);
    const params = tuning(flags);
    if (positional.length !== 1) throw new ArgError(positional.length === 0 ? 'the recording FILE.ndjson is required' : `one recording, got ${positional.length}`);
    const law = flags.has('--law') ? (lawOf(flags.get('--law'), false) as LawName) : undefined;
    const kind = flags.get('--kind');
    if (kind !== undefined && kind !== 'transfer' && kind !== 'buffer') throw new ArgError(`--kind must be transfer or buffer, got "${kind}"`);
    const n = wholeNumber(flags, '--cpus', undefined, 1);
    const periodMs = wholeNumber(flags, '--period-ms', undefined, 1);
    const file = positional[0] as string;
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      throw new ArgError(`cannot read ${file}: ${err instanceof Error ? err.message : String(err)}`);
    }
    let trace;
    let setup;
    try {
      trace = parseTrace(text);
      const pool = flags.get('--pool');
      setup = replaySetup(trace, {
        ...(pool !== undefined ? { pool } : {}),
        ...(law !== undefined ? { law } : {}),
        ...(kind !== undefined ? { kind: kind as PoolKind } : {}),
        ...(n !== undefined ? { n } : {}),
        ...(periodMs !== undefined ? { periodMs } : {}),
      });
    } catch (err) {
      if (err instanceof ReplayError) throw new ReplayError(`${file}: ${err.message}`);
      throw err;
    }
    const result = replay(trace.samples, { law: setup.law, kind: setup.kind, n: setup.n, periodMs: setup.periodMs, base: setup.base, params, pool: setup.pool });
    const band = params.band ?? setup.base.band;
    io.stdout(
      `replay of ${file}: pool ${result.pool} (${setup.kind}, n = ${setup.n}), law ${setup.law}, period ${setup.periodMs} ms, ${result.ticks} ticks, ${result.disagreements} would have moved\n`,
    );
    io.stdout(
      `  band [${band.low}, ${band.high}], grow cooldown ${params.growCooldownMs ?? setup.base.growCooldownMs} ms, shrink cooldown ${params.shrinkCooldownMs ?? setup.base.shrinkCooldownMs} ms\n`,
    );
    for (const d of result.decisions) {
      const u = d.utilization === null ? 'n/a' : `${Math.round(d.utilization * 100)}%`;
      io.stdout(`  ${new Date(d.ts).toISOString()} size=${d.from} utilization=${u} -> ${d.action} ${d.recommended} (${d.reason})\n`);
    }
    return 0;
  });
}
