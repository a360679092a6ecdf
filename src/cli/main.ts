// The command: the only place that reads process.env, installs signal handlers and exits.
// SIGHUP reloads the config file (never kills: a bad file is logged and the running config
// kept); SIGTERM and SIGINT stop.
//   adaptive-threads [--config PATH] [--listen HOST:PORT] [--cpus N] [--log-level L] [--record FILE]
//   adaptive-threads simulate ... | replay ...    (the simulator's commands)
//   adaptive-threads demo ...                     (the demo daemon under the sidecar)
import { readFileSync, realpathSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { config as rxConfig } from 'rxjs';
import { ConfigError, USAGE, loadConfig } from '../config/index.js';
import type { ConfigFiles } from '../config/index.js';
import { createLogger, startService } from '../service/index.js';

/** SIGTERM to exit: in-flight requests get DRAIN_MS (4 s), and this is the last resort. */
const EXIT_DEADLINE_MS = 5000;

const VERSION = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

const hostFiles: ConfigFiles = {
  readFile: (path) => readFileSync(path, 'utf8'),
  cpuMax: () => {
    try {
      return readFileSync('/sys/fs/cgroup/cpu.max', 'utf8');
    } catch {
      return null;
    }
  },
  availableParallelism: () => availableParallelism(),
  realpath: (path) => {
    try {
      return realpathSync.native(path);
    } catch {
      return null;
    }
  },
};

const io = { stdout: (s: string) => void process.stdout.write(s), stderr: (s: string) => void process.stderr.write(s) };

/** Resolves with an exit code, or with null while the service runs. */
async function main(argv: string[]): Promise<number | null> {
  const [command, ...rest] = argv;
  if (command === 'simulate' || command === 'replay') {
    const sim = await import('../sim/cli.js');
    return command === 'simulate' ? sim.runSimulate(rest, io) : sim.runReplay(rest, io);
  }
  if (command === 'demo') {
    const { runDemo } = await import('../demo/run.js');
    const stop = new AbortController();
    const onSignal = (): void => {
      stop.abort();
      setTimeout(() => process.exit(1), 2 * EXIT_DEADLINE_MS).unref(); // a stuck shutdown must not hang the terminal
    };
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    return runDemo(rest, { ...io, signal: stop.signal, env: process.env, version: VERSION });
  }

  // Node's default for SIGHUP is to exit (129): a reload signal must never kill the sidecar,
  // not even before it is listening.
  let onHangUp: () => void = () => undefined;
  process.on('SIGHUP', () => onHangUp());

  const warnings: string[] = [];
  let loaded;
  try {
    loaded = loadConfig(argv, process.env, hostFiles, (w) => warnings.push(w));
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    io.stderr(`adaptive-threads: ${e.message}\n`);
    return 2;
  }
  if (loaded.kind === 'help') {
    io.stdout(USAGE);
    return 0;
  }
  if (loaded.kind === 'version') {
    io.stdout(`${VERSION}\n`);
    return 0;
  }
  const { config } = loaded;
  const logger = createLogger(config.logLevel);
  for (const w of warnings) logger.warn({}, w);
  // A throwing stream consumer is a bug to log, not a reason to take the sidecar down.
  rxConfig.onUnhandledError = (err) => logger.error({ err }, 'unhandled error in a stream consumer');
  process.on('uncaughtException', (err) => {
    logger.fatal({ err }, 'uncaught exception');
    process.exit(1);
  });

  let service;
  try {
    service = await startService({ config, logger, version: VERSION });
  } catch (err) {
    logger.fatal({ err, listen: config.listen }, `cannot start: ${err instanceof Error ? err.message : String(err)}`);
    return 1;
  }
  const running = service;
  onHangUp = () => {
    logger.info({ signal: 'SIGHUP', config: config.file }, `SIGHUP: reloading ${config.file}`);
    try {
      const next = loadConfig(argv, process.env, hostFiles, (w) => logger.warn({}, w));
      if (next.kind === 'run') running.reload(next.config);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      logger.error({ err, config: config.file }, `reload failed, keeping the running config: ${message}`);
    }
  };
  const shutdown = (signal: NodeJS.Signals): void => {
    logger.info({ signal }, `${signal}: stopping`);
    setTimeout(() => {
      logger.error({}, `still stopping after ${EXIT_DEADLINE_MS} ms; exiting`);
      process.exit(1);
    }, EXIT_DEADLINE_MS).unref();
    running.stop().then(
      () => {
        logger.info({}, 'stopped');
        process.exit(0);
      },
      (err: unknown) => {
        logger.error({ err }, 'error while stopping');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
  return null;
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code !== null) process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`adaptive-threads: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  },
);
