// What the benchmark scripts share: their whole-number flags and the marked section of
// docs/benchmarks.md each one rewrites.

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
