// The command line (docs/operator-guide.md): adaptive-threads [--config PATH] [--listen HOST:PORT]
// [--cpus N] [--log-level L] [--record FILE] [--help] [--version]. Parsed here, without
// printing or exiting: the CLI decides what to do with help, version and errors.
import { ConfigError, formatValue } from './errors.js';

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface Listen {
  host: string;
  port: number;
}

export type CliArgs =
  | { kind: 'help' }
  | { kind: 'version' }
  | {
      kind: 'run';
      configPath: string | null;
      listen: Listen | null;
      /** 'auto' on the command line overrides a `cpus` integer in the file */
      cpus: number | 'auto' | null;
      logLevel: LogLevel;
      record: string | null;
    };

export const USAGE = `Usage: adaptive-threads [options]
       adaptive-threads <command> [options]

Commands:
  simulate            run the simulator: every law against a scenario (simulate --help)
  replay              replay a recorded trace (--record FILE) through a law (replay --help)
  demo                run a demo daemon under the sidecar, with a live view (demo --help)

Options:
  --config PATH       YAML config file (default: config/default.yaml in the package)
  --listen HOST:PORT  HTTP listener, overrides the file's listen (default 127.0.0.1:9464)
  --cpus N            CPUs the daemon may use (an integer >= 1, or auto), overrides the file
  --log-level L       trace | debug | info | warn | error | fatal (default info)
  --record FILE       record received samples to FILE
  -h, --help          show this help
  -V, --version       show the version

Signals:
  SIGHUP              reload the config file (pools added, removed, changed); a bad file
                      is logged and the running config kept
  SIGTERM, SIGINT     stop: open requests get 4 s to finish

Environment:
  OC_ADAPTIVE_THREADS  0 disables adaptive sizing (static sizes); 1 or unset enables it
`;

const VALUED = ['--config', '--listen', '--cpus', '--log-level', '--record'] as const;
type Valued = (typeof VALUED)[number];

function cliError(option: string, value: unknown, allowed: string): ConfigError {
  const message = value === undefined ? `${option}: needs a value (${allowed})` : `${option}: ${formatValue(value)} is not allowed (${allowed})`;
  return new ConfigError(message, { code: 'cli', file: null, key: option, line: null, value });
}

/** Parses argv (without node and the script). `--help` and `--version` win over everything else. */
export function parseArgs(argv: readonly string[]): CliArgs {
  if (argv.some((a) => a === '--help' || a === '-h')) return { kind: 'help' };
  if (argv.some((a) => a === '--version' || a === '-V')) return { kind: 'version' };
  const values = new Map<Valued, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const eq = arg.indexOf('=');
    const name = arg.startsWith('--') && eq > 0 ? arg.slice(0, eq) : arg;
    if (!(VALUED as readonly string[]).includes(name)) {
      const what = arg.startsWith('-') ? 'unknown option' : 'unexpected argument';
      throw new ConfigError(`${what} ${formatValue(arg)} (see --help)`, { code: 'cli', file: null, key: arg, line: null, value: arg });
    }
    let value: string | undefined;
    if (name !== arg) value = arg.slice(eq + 1);
    else {
      value = argv[i + 1];
      i++;
    }
    if (value === undefined) throw cliError(name, undefined, 'see --help');
    if (values.has(name as Valued)) throw cliError(name, value, 'given once');
    values.set(name as Valued, value);
  }
  const listenText = values.get('--listen');
  const cpusText = values.get('--cpus');
  const level = values.get('--log-level') ?? 'info';
  if (!(LOG_LEVELS as readonly string[]).includes(level)) throw cliError('--log-level', level, LOG_LEVELS.join(' | '));
  return {
    kind: 'run',
    configPath: nonEmpty('--config', values.get('--config')),
    listen: listenText === undefined ? null : parseListenOrThrow(listenText, (allowed) => cliError('--listen', listenText, allowed)),
    cpus: cpusText === undefined ? null : parseCpus(cpusText),
    logLevel: level as LogLevel,
    record: nonEmpty('--record', values.get('--record')),
  };
}

function nonEmpty(option: string, value: string | undefined): string | null {
  if (value === undefined) return null;
  if (value === '') throw cliError(option, value, 'a file path');
  return value;
}

function parseCpus(text: string): number | 'auto' {
  if (text === 'auto') return 'auto';
  if (!/^[1-9][0-9]*$/.test(text) || !Number.isSafeInteger(Number(text))) throw cliError('--cpus', text, 'an integer >= 1, or auto');
  return Number(text);
}

export const LISTEN_ALLOWED = 'HOST:PORT with a port in [0, 65535], e.g. 127.0.0.1:9464 or [::1]:9464';

/** `127.0.0.1:9464` or `[::1]:9464`; null when it is not HOST:PORT with a port in [0, 65535]. */
export function parseListen(text: string): Listen | null {
  const m = /^(?:\[([0-9A-Fa-f:.]+)\]|([A-Za-z0-9.-]+)):([0-9]{1,5})$/.exec(text);
  if (m === null) return null;
  const port = Number(m[3]);
  if (port > 65535) return null;
  return { host: (m[1] ?? m[2]) as string, port };
}

export function parseListenOrThrow(text: string, fail: (allowed: string) => ConfigError): Listen {
  const listen = parseListen(text);
  if (listen === null) throw fail(LISTEN_ALLOWED);
  return listen;
}
