// loadConfig: command line + config file + environment -> one frozen, typed Config, or a
// ConfigError that names the file, the line, the key, the bad value and what is allowed.
// Pure apart from the injected `files`: tests pass fakes, src/cli passes fs, os and cgroup.
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { poolBounds } from '../core/bounds.js';
import type { ControllerParams, PoolKind } from '../core/types.js';
import { parseArgs, parseListen, LISTEN_ALLOWED } from './args.js';
import { ConfigError, locationPrefix } from './errors.js';
import { explainSchemaError, invalidValue } from './explain.js';
import { readEnvSwitch, resolveCpus } from './host.js';
import type { HostProbe } from './host.js';
import { controllerProperties, DEFAULT_CONTROLLER, DEFAULT_LISTEN, DEFAULT_POOLS, DEFAULT_WEBHOOK, validateConfigFile } from './schema.js';
import type { ConfigFile, ControllerFile, PoolFile } from './schema.js';
import type { ActuatorConfig, Config, LoadResult, PoolConfig, ProcessConfig } from './types.js';
import { redactUrl, urlCredentials } from './url.js';
import { parseYaml } from './yaml-source.js';
import type { KeyPath, YamlSource } from './yaml-source.js';

/** The shipped config/default.yaml: two levels up from src/config (or dist/config). */
export const DEFAULT_CONFIG_PATH = fileURLToPath(new URL('../../config/default.yaml', import.meta.url));

export interface ConfigFiles extends HostProbe {
  readFile(path: string): string;
  /**
   * The absolute path with every symbolic link resolved, or null when nothing is there; without
   * it, paths are compared as written (normalised)
   */
  realpath?(path: string): string | null;
}

export interface LoadOptions {
  /** used when there is no --config; default DEFAULT_CONFIG_PATH */
  defaultConfigPath?: string;
}

const BAND_ALLOWED = 'low must be below high: [low, high] with 0 < low < high < 1';
const CONTROLLER_KEYS = Object.keys(controllerProperties) as (keyof ControllerFile)[];

export function loadConfig(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  files: ConfigFiles,
  // For warnings that do not stop the start; none today (the env switch's were made errors).
  _warn: (msg: string) => void = (msg) => console.warn(msg),
  options: LoadOptions = {},
): LoadResult {
  const args = parseArgs(argv);
  if (args.kind !== 'run') return args;

  const file = args.configPath ?? options.defaultConfigPath ?? DEFAULT_CONFIG_PATH;
  const src = parseYaml(file, readConfigFile(files, file));
  // An empty file is an empty map: every key takes its default.
  const data: unknown = src.data ?? {};
  if (!validateConfigFile(data)) {
    const first = validateConfigFile.errors?.[0];
    if (first === undefined) throw new ConfigError(`${locationPrefix(file, null)}invalid config`, { code: 'invalid-value', file, key: null, line: null, value: data });
    throw explainSchemaError(src, data, first);
  }
  checkCrossFields(src, data, files);

  // The file's listen is checked even when --listen overrides it: a bad file is a bad file.
  const fileListen = parseListen(data.listen ?? DEFAULT_LISTEN);
  if (fileListen === null) throw invalidValue(src, ['listen'], data.listen, LISTEN_ALLOWED);
  const listen = args.listen ?? fileListen;
  const metricsListen = data.metricsListen === undefined || data.metricsListen === null ? null : parseListen(data.metricsListen);
  if (metricsListen === null && typeof data.metricsListen === 'string') throw invalidValue(src, ['metricsListen'], data.metricsListen, LISTEN_ALLOWED);
  const { cpus, cpusSource } = resolveCpus(args.cpus, data.cpus ?? 'auto', files);
  checkSourceBounds(src, data, cpus);

  const config: Config = {
    file,
    listen,
    metricsListen,
    cpus,
    cpusSource,
    token: data.token ?? null,
    enabled: readEnvSwitch(env),
    logLevel: args.logLevel,
    record: args.record,
    pools: resolvePools(src, data),
    actuators: (data.actuators ?? []).map(resolveActuator),
  };
  return { kind: 'run', config: deepFreeze(config) };
}

function readConfigFile(files: ConfigFiles, file: string): string {
  try {
    return files.readFile(file);
  } catch (e) {
    const reason = e instanceof Error ? e.message : String(e);
    throw new ConfigError(`${file}: cannot read the config file (${reason})`, { code: 'file-unreadable', file, key: null, line: null, value: file });
  }
}

/** What one schema cannot say: band order and a usable webhook URL (the listen port range is checked as it is parsed). */
function checkCrossFields(src: YamlSource, data: ConfigFile, files: Pick<ConfigFiles, 'realpath'>): void {
  const checkBand = (path: KeyPath, band: readonly [number, number] | undefined) => {
    if (band !== undefined && !(band[0] < band[1])) throw invalidValue(src, path, band, BAND_ALLOWED);
  };
  checkBand(['defaults', 'band'], data.defaults?.band);
  // One uWSGI is one pool: two pools driving one master would undo each other's commands.
  const driven = new Map<string, string>();
  for (const [name, pool] of Object.entries(data.pools ?? {})) {
    checkBand(['pools', name, 'band'], pool.band);
    const proc = pool.process;
    if (proc !== undefined && (proc.pid === undefined) === (proc.pidFile === undefined)) {
      throw invalidValue(src, ['pools', name, 'process'], proc, 'a map with exactly one of pid and pidFile, and optionally threads');
    }
    if (proc?.threads !== undefined && !isRegExp(proc.threads)) {
      throw invalidValue(src, ['pools', name, 'process', 'threads'], proc.threads, 'a valid regular expression on thread names');
    }
    if (pool.source === undefined) continue;
    if (!isStatsAddress(pool.source.stats)) {
      throw invalidValue(src, ['pools', name, 'source', 'stats'], pool.source.stats, 'HOST:PORT (port 1-65535, IPv6 as [::1]:PORT) or the path of a unix socket (with a /), not a URL');
    }
    const { source } = pool;
    const opened = (key: 'stats' | 'fifo') => {
      const address = sourceAddress(key, source[key]);
      return isAbsolute(address) ? sameFile(address, files) : address;
    };
    const at = { stats: opened('stats'), fifo: opened('fifo') };
    if (at.stats === at.fifo) {
      throw invalidValue(src, ['pools', name, 'source', 'fifo'], source.fifo, "a path other than the source's stats: stats is uWSGI's stats socket (its stats option), fifo its master-fifo");
    }
    for (const [key, what] of [['stats', 'stats address'], ['fifo', 'FIFO']] as const) {
      const value = source[key];
      const same = `${key} ${at[key]}`;
      const other = driven.get(same);
      if (other !== undefined) throw invalidValue(src, ['pools', name, 'source', key], value, `a ${what} no other pool reads (pool ${other} has this one: one uWSGI is one pool)`);
      driven.set(same, name);
    }
  }

  (data.actuators ?? []).forEach((actuator, i) => {
    if (actuator.type !== 'webhook') return;
    // The URL is shown only redacted: a password must not reach a terminal or a log.
    const shown = redactUrl(actuator.url);
    if (!isHttpUrl(actuator.url)) throw invalidValue(src, ['actuators', i, 'url'], shown, 'an http:// or https:// URL');
    if (urlCredentials(actuator.url)) {
      throw invalidValue(src, ['actuators', i, 'url'], shown, 'a URL without credentials: no user:password@ (send what the daemon needs another way)');
    }
  });
}

/**
 * A source's `stats` or `fifo` as the sidecar opens it: a path made absolute (a relative one is
 * the sidecar's working directory's; /run/./uwsgi//stats.sock is /run/uwsgi/stats.sock), a
 * `stats` HOST:PORT as written.
 */
function sourceAddress(key: 'stats' | 'fifo', value: string): string {
  return key === 'fifo' || value.includes('/') ? resolve(value) : value;
}

/**
 * One file however it is linked (`absolute`: a sourceAddress path): a symbolic link to the file
 * or a directory on its way is where it leads. A file not there yet (uWSGI not started) is its
 * directory's real path and its name.
 */
function sameFile(absolute: string, files: Pick<ConfigFiles, 'realpath'>): string {
  if (files.realpath === undefined) return absolute;
  const real = files.realpath(absolute);
  if (real !== null) return real;
  const dir = files.realpath(dirname(absolute));
  return dir === null ? absolute : join(dir, basename(absolute));
}

/**
 * A source's `cheaper` is the fewest workers the sidecar leaves running: above the pool's hard
 * max (which depends on the CPUs, so it is checked once they are known) it would hold uWSGI above
 * every size the pool may take.
 */
function checkSourceBounds(src: YamlSource, data: ConfigFile, cpus: number): void {
  for (const [name, pool] of Object.entries(data.pools ?? {})) {
    const cheaper = pool.source?.cheaper;
    if (cheaper === undefined) continue;
    const { max } = poolBounds(pool.kind as PoolKind, cpus);
    if (cheaper > max) {
      throw invalidValue(src, ['pools', name, 'source', 'cheaper'], cheaper, `at most ${max}, the pool's hard max (a ${pool.kind} pool on ${cpus} CPU${cpus === 1 ? '' : 's'}): uWSGI's cheaper, the fewest workers it runs`);
    }
  }
}

/** uWSGI's `stats` address as the sidecar reads it: a socket path, or HOST:PORT (a URL is neither). */
function isStatsAddress(text: string): boolean {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) return false;
  if (text.includes('/')) return true;
  const m = /^(?:\[[^\]]+\]|[^:]*):(\d{1,5})$/.exec(text);
  return m !== null && Number(m[1]) >= 1 && Number(m[1]) <= 65535;
}

function isRegExp(text: string): boolean {
  try {
    new RegExp(text);
    return true;
  } catch {
    return false;
  }
}

function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text.replaceAll('{pool}', 'pool'));
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

type Controller = typeof DEFAULT_CONTROLLER;

function resolvePools(src: YamlSource, data: ConfigFile): PoolConfig[] {
  const defaults: Controller = { ...DEFAULT_CONTROLLER, ...data.defaults };
  const pools: Record<string, PoolFile> = data.pools ?? DEFAULT_POOLS;
  // File order from the YAML map itself: a plain object puts integer-like names first.
  const names = data.pools === undefined ? Object.keys(pools) : src.keysOf(['pools']);
  return names.map((name) => {
    const pool = pools[name] as PoolFile;
    const merged: Controller = { ...defaults };
    for (const key of CONTROLLER_KEYS) {
      if (pool[key] !== undefined) (merged as Record<string, unknown>)[key] = pool[key];
    }
    const threads = pool.threads ?? 'adaptive';
    return {
      name,
      kind: pool.kind as PoolKind,
      pinned: threads === 'adaptive' || threads === 0 ? null : threads,
      mode: pool.mode ?? 'adaptive',
      params: toParams(merged),
      process: pool.process === undefined ? null : toProcess(pool.process),
      // Paths made absolute once, so every line that names them says which file.
      source:
        pool.source === undefined
          ? null
          : { ...pool.source, stats: sourceAddress('stats', pool.source.stats), fifo: sourceAddress('fifo', pool.source.fifo), cheaper: pool.source.cheaper ?? 1 },
    };
  });
}

function toProcess(p: NonNullable<PoolFile['process']>): ProcessConfig {
  return { pid: p.pid ?? null, pidFile: p.pidFile ?? null, threads: p.threads ?? null };
}

function toParams(c: Controller): ControllerParams {
  const { band, ...rest } = c;
  return { ...rest, band: { low: band[0], high: band[1] } };
}

function resolveActuator(a: NonNullable<ConfigFile['actuators']>[number]): ActuatorConfig {
  if (a.type === 'file') return { type: 'file', dir: a.dir };
  return {
    type: 'webhook',
    url: a.url,
    timeoutMs: a.timeoutMs ?? DEFAULT_WEBHOOK.timeoutMs,
    maxRetries: a.maxRetries ?? DEFAULT_WEBHOOK.maxRetries,
  };
}

export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
