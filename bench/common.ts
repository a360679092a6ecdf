// What the benchmark scripts (and the tests that start real servers) share: their flags
// (--help, unknown ones refused, whole numbers), the marked section of docs/benchmarks.md each one rewrites, and a free loopback port.
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';

/**
 * The command line's flags checked against the bench's own: `--help` (or `-h`) prints `usage` and
 * exits 0; anything else not among `values` (flags followed by a value) and `switches` is an
 * error that names it and what is allowed (exit 2): a misspelt flag never runs an hour-long
 * bench with its defaults.
 */
export function checkFlags(bench: string, usage: string, flags: { values: readonly string[]; switches: readonly string[] }, argv: readonly string[] = process.argv.slice(2)): void {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(usage.endsWith('\n') ? usage : `${usage}\n`);
    process.exit(0);
  }
  for (let i = 0; i < argv.length; i += 1) {
    const a = argv[i] as string;
    if (flags.values.includes(a)) i += 1;
    else if (!flags.switches.includes(a)) {
      const allowed = [...flags.values, ...flags.switches].join(', ');
      process.stderr.write(`${bench}: does not know "${a}" (allowed: ${allowed === '' ? 'none' : allowed}, --help)\n`);
      process.exit(2);
    }
  }
}

/** The whole number after `name` on the command line (at least `min`), or `fallback`; a bad one exits 2 saying why. */
export function wholeNumberArg(bench: string, name: string, fallback: number, min: number): number {
  const i = process.argv.indexOf(name);
  if (i < 0) return fallback;
  const value = Number(process.argv[i + 1]);
  if (!Number.isInteger(value) || value < min) {
    process.stderr.write(`${bench}: ${name} needs a whole number >= ${min}, got ${process.argv[i + 1] ?? 'nothing'}\n`);
    process.exit(2);
  }
  return value;
}

/** `doc` with the text between the `start` and `end` markers replaced by `section`, or `section` appended when they are missing. */
export function spliceMarked(doc: string, start: string, end: string, section: string): string {
  const from = doc.indexOf(start);
  const to = doc.indexOf(end);
  if (from >= 0 && to > from) return doc.slice(0, from) + section + doc.slice(to + end.length);
  const sep = doc.length === 0 || doc.endsWith('\n\n') ? '' : doc.endsWith('\n') ? '\n' : '\n\n';
  return `${doc}${sep}${section}\n`;
}

/** A loopback port nobody listens on now, for a server that cannot be told "port 0": one is picked by binding first. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
