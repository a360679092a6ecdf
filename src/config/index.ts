// The config module's public face: load once at start-up, pass the frozen Config down.
export { loadConfig, DEFAULT_CONFIG_PATH } from './load.js';
export type { ConfigFiles, LoadOptions } from './load.js';
export type { Config, PoolConfig, ProcessConfig, SourceConfig, ActuatorConfig, LoadResult } from './types.js';
export { ConfigError, CONFIG_ERROR_CODES } from './errors.js';
export type { ConfigErrorCode } from './errors.js';
export { readEnvSwitch, cpusFromCpuMax, ENV_SWITCH, ENV_SWITCH_ALIAS, ENV_SWITCH_ALLOWED } from './host.js';
export type { CpusSource, HostProbe } from './host.js';
export { USAGE, LOG_LEVELS } from './args.js';
export type { Listen, LogLevel } from './args.js';
export {
  ConfigFileSchema,
  DefaultsSchema,
  PoolSchema,
  PoolsSchema,
  ActuatorSchema,
  WebhookActuatorSchema,
  FileActuatorSchema,
  DEFAULT_CONTROLLER,
  DEFAULT_PARAMS,
  DEFAULT_LISTEN,
  DEFAULT_POOLS,
  DEFAULT_WEBHOOK,
  POOL_NAME_PATTERN,
  MAX_PINNED_THREADS,
} from './schema.js';
export type { ConfigFile } from './schema.js';
