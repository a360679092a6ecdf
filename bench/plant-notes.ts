// What the figures of the real-plant benchmark mean, written from a run's own numbers, so
// `npm run bench:plant` regenerates the whole docs section, notes included.
import { perCpu } from './plant-report.js';
import type { Goal } from './plant-report.js';
import type { RunResult } from './plant-run.js';

const f2 = (v: number): string => v.toFixed(2);
const cores = (r: RunResult): string => (r.otherCores === null ? 'unknown' : f2(r.otherCores));

export function plantNotes(results: readonly RunResult[], goals: readonly Goal[], cpus: number): string[] {
  const get = (w: string, c: string): RunResult | undefined => results.find((r) => r.workload === w && r.contender === c);
  const notes: string[] = [];
  const ioStatic = get('io-heavy', 'static');
  const ioPi = get('io-heavy', 'pi');
  if (ioStatic && ioPi) {
    const served = (r: RunResult): string => `${Math.round((100 * r.completed) / Math.max(1, r.offered))} %`;
    notes.push(
      `**io-heavy.** The static ${ioStatic.meanThreads.toFixed(0)} threads complete ${served(ioStatic)} of the transfers offered in the window and refuse ${ioStatic.refused};`,
      `\`pi\` runs ${f2(ioPi.meanThreads)} threads on average (bounds end at ${cpus * 4}) and completes ${served(ioPi)}, using ${f2(ioPi.ownCores)} of the ${cpus} cores:`,
      'the threads are waiting on I/O, not computing, which is why more of them is the right answer here.',
      '',
    );
  }
  const cpuStatic = get('cpu-heavy', 'static');
  const cpuPi = get('cpu-heavy', 'pi');
  const cpuGoal = goals.find((g) => g.workload === 'cpu-heavy');
  if (cpuStatic && cpuPi && cpuGoal) {
    const thr = cpuPi.throughput / cpuStatic.throughput;
    const threads = cpuPi.meanThreads / cpuStatic.meanThreads;
    const eff = perCpu(cpuPi) / perCpu(cpuStatic);
    const missed = [thr < 1 ? `throughput ${f2(thr)}x static's (goal >= 1.00x)` : null, threads > 0.75 ? `mean threads ${f2(threads)}x static's (goal <= 0.75x)` : null].filter((m) => m !== null);
    const runs = [cpuStatic, get('cpu-heavy', 'band') ?? cpuStatic, cpuPi];
    const busyBox = runs.some((r) => r.otherCores === null || r.otherCores > 0.1);
    notes.push(
      `**cpu-heavy.** ${cpuGoal.met ? 'Met.' : `Missed on ${missed.join(' and ')}.`} The rest of the machine took ${cores(cpuStatic)} (static),`,
      `${cores(get('cpu-heavy', 'band') ?? cpuStatic)} (band) and ${cores(cpuPi)} (pi) of the ${cpus} cores during these windows${busyBox ? ' (something else ran on the same box)' : ' (the machine was otherwise idle)'}.`,
      `Per CPU-second it got, \`pi\` completed ${f2(eff)}x what static did${eff < 1 ? ` (${Math.round((1 - eff) * 100)} % less: likely the main thread's dispatch and the sidecar, a larger share of fewer cores; not measured apart)` : ''}.`,
      ...(busyBox
        ? [
            'Linux shares a contended CPU per runnable thread: a pool of fewer threads gets a smaller share of a machine that',
            'something else is using, so throughput here tracks `own cores`, not size; a fair comparison of CPU-bound',
            'throughput needs a machine left alone while it runs, which this one was not.',
          ]
        : []),
    );
    if (threads > 0.75) {
      notes.push(
        `\`pi\` starts at the static size and steps back (at most ceil(size/4) per shrink cooldown of 8 s) only once it has`,
        'judged the pool CPU-bound; throughput readings this noisy can hide that for a while, at a larger size.',
      );
    } else {
      notes.push(`\`pi\` stepped back to ${cpuPi.sizeAtEnd} threads; \`band\`, which has no saturation guard, grew to its bound of ${get('cpu-heavy', 'band')?.sizeAtEnd ?? '?'}.`);
    }
    notes.push('');
  }
  return notes;
}
