// Command-line parsing shared by `simulate` and `replay`: `--name value` pairs, flags without a
// value, and errors that name the flag, the value and what is allowed (exit 2).
import { lawNames } from '../core/index.js';
import type { LawName } from '../core/index.js';
import { ReplayError } from './replay.js';

export interface CliIo {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
}

export class ArgError extends Error {}

/** Parses `--name value` pairs, `--flag`s without a value and positionals; every option must be known. */
export function parseArgs(
  argv: readonly string[],
  known: readonly string[],
  switches: readonly string[] = [],
): { flags: Map<string, string>; positional: string[] } {
  const flags = new Map<string, string>();
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i += 1) {
    const a = argv[i] as string;
    if (!a.startsWith('--')) {
      positional.push(a);
      continue;
    }
    const [name, inline] = a.split('=', 2) as [string, string | undefined];
    if (switches.includes(name)) {
      if (inline !== undefined) throw new ArgError(`${name} takes no value, got "${inline}"`);
      flags.set(name, 'true');
      continue;
    }
    if (!known.includes(name)) throw new ArgError(`unknown option ${name} (allowed: ${[...known, ...switches].join(', ')})`);
    const value = inline ?? argv[i + 1];
    if (value === undefined || (inline === undefined && value.startsWith('--'))) throw new ArgError(`${name} needs a value`);
    if (inline === undefined) i += 1;
    flags.set(name, value);
  }
  return { flags, positional };
}

export function wholeNumber(flags: Map<string, string>, name: string, fallback: number | undefined, min: number, max = Infinity): number | undefined {
  const raw = flags.get(name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ArgError(`${name} must be a whole number >= ${min}${max < Infinity ? ` and <= ${max}` : ''}, got "${raw}"`);
  }
  return value;
}

export function oneOf<T extends string>(flags: Map<string, string>, name: string, allowed: readonly T[], fallback: T): T {
  const raw = flags.get(name);
  if (raw === undefined) return fallback;
  if (!(allowed as readonly string[]).includes(raw)) throw new ArgError(`${name} must be one of ${allowed.join(', ')}, got "${raw}"`);
  return raw as T;
}

export function lawOf(raw: string | undefined, allowStatic: boolean): LawName | 'static' {
  const allowed = [...lawNames(), ...(allowStatic ? ['static'] : [])];
  if (raw === undefined) throw new ArgError(`--law is required (one of: ${allowed.join(', ')})`);
  if (!allowed.includes(raw)) throw new ArgError(`unknown law "${raw}" (one of: ${allowed.join(', ')})`);
  return raw as LawName | 'static';
}

/** Runs a command's body: a bad argument prints the error and the usage (exit 2), any other error exit 1. */
export async function guarded(usage: string, io: CliIo, command: string, body: () => Promise<number>): Promise<number> {
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
