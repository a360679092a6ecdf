// The `simulate` and `replay` commands (src/cli/main.ts dispatches to them). They return an
// exit code and write through `io`; only src/cli exits the process.
import { readFile } from 'node:fs/promises';
import { lawNames } from '../core/index.js';
import type { ControllerParams, LawName, PoolKind } from '../core/index.js';
import { ArgError, guarded, lawOf, parseArgs, wholeNumber } from './args.js';
import type { CliIo } from './args.js';
import { ReplayError, parseTrace, replay, replaySetup } from './replay.js';

export type { CliIo } from './args.js';
export { runSimulate, formatFigures } from './simulate.js';

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
