// The control-quality benchmark: `npm run bench` (tsx bench/control.ts [--seed N] [--minutes M]).
// Runs every scenario of the simulator with every contender, writes bench/results/control.json
// and the tables of docs/benchmarks.md (keeping any notes after the NOTES marker).
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import os from 'node:os';
import { piGoals, runBench } from '../src/sim/bench.js';
import { renderReport } from './report.js';

const NOTES_MARKER = '<!-- notes: kept by bench/control.ts -->';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  if (i < 0) return fallback;
  const value = Number(process.argv[i + 1]);
  if (!Number.isInteger(value) || value < 1) {
    process.stderr.write(`bench: ${name} needs a whole number >= 1, got ${process.argv[i + 1] ?? 'nothing'}\n`);
    process.exit(2);
  }
  return value;
}

const seed = arg('--seed', 1);
const minutesArg = process.argv.includes('--minutes') ? arg('--minutes', 30) : undefined;
const started = Date.now();
const results = runBench({
  seed,
  ...(minutesArg !== undefined ? { minutes: minutesArg } : {}),
  progress: (line) => process.stderr.write(`${((Date.now() - started) / 1000).toFixed(0).padStart(4)} s  ${line}\n`),
});
const goals = piGoals(results);
const cpus = os.cpus();
const machine = `${cpus.length} cores (${cpus[0]?.model.trim() ?? 'unknown CPU'}), Node.js ${process.version}`;
const date = new Date().toISOString().slice(0, 10);
const command = `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`;

mkdirSync('bench/results', { recursive: true });
writeFileSync('bench/results/control.json', `${JSON.stringify({ command, date, machine, seed, results, goals }, null, 2)}\n`);

const docPath = 'docs/benchmarks.md';
const previous = existsSync(docPath) ? readFileSync(docPath, 'utf8') : '';
const at = previous.indexOf(NOTES_MARKER);
const notes = at >= 0 ? previous.slice(at) : `${NOTES_MARKER}\n`;
mkdirSync('docs', { recursive: true });
writeFileSync(docPath, renderReport(results, goals, { command, date, machine, seed }, notes));
process.stderr.write(`bench: done in ${((Date.now() - started) / 1000).toFixed(0)} s; wrote bench/results/control.json and ${docPath}\n`);
for (const g of goals) process.stderr.write(`  ${g.met ? 'met   ' : 'MISSED'} ${g.scenario}: ${g.goal} (${g.detail})\n`);
