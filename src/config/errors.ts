// The catalogue of start-up errors. Every one names the file (when there is one), the key,
// the line, the bad value and what is allowed, so an operator can fix it without reading code.

export const CONFIG_ERROR_CODES = [
  'file-unreadable', // the config file could not be read
  'yaml-syntax', // the file is not valid YAML (or has a duplicate key)
  'unknown-key', // a key the schema does not know: usually a typo
  'missing-key', // a required key is absent
  'invalid-value', // a value outside what the key allows
  'cli', // a bad command-line argument
  'env', // a bad environment variable (OC_ADAPTIVE_THREADS)
] as const;
export type ConfigErrorCode = (typeof CONFIG_ERROR_CODES)[number];

export interface ConfigErrorDetails {
  code: ConfigErrorCode;
  /** the config file, or null for command-line errors */
  file: string | null;
  /** dotted key path, e.g. `pools.transfer.threads`, the CLI option, e.g. `--cpus`, or the variable */
  key: string | null;
  /** 1-based line in the file, or null when unknown */
  line: number | null;
  /** the offending value as read (undefined when the key is missing) */
  value: unknown;
}

/** A start-up configuration error; `src/cli` prints `message` and exits non-zero. */
export class ConfigError extends Error {
  readonly code: ConfigErrorCode;
  readonly file: string | null;
  readonly key: string | null;
  readonly line: number | null;
  readonly value: unknown;

  constructor(message: string, details: ConfigErrorDetails) {
    super(message);
    this.name = 'ConfigError';
    this.code = details.code;
    this.file = details.file;
    this.key = details.key;
    this.line = details.line;
    this.value = details.value;
  }
}

/**
 * A value as it should appear in a message: strings quoted, numbers and null as written,
 * objects as short JSON.
 */
export function formatValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  const json = JSON.stringify(value);
  if (json === undefined) return String(value);
  return json.length > 80 ? `${json.slice(0, 77)}...` : json;
}

/** `file:line: ` (or `file: `, or nothing) to prefix a message with. */
export function locationPrefix(file: string | null, line: number | null): string {
  if (file === null) return '';
  return line === null ? `${file}: ` : `${file}:${line}: `;
}
