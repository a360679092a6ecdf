// The one test of the CPU reader against the real kernel: a child process whose named threads
// spin or sleep, read through the real /proc. The machine is small and shared (its load may
// be many times its CPUs), so a spinner's share of the wall time says little; instead each
// spinner burns a fixed CPU budget, measured by its own thread CPU clock, and the reader must
// report that budget. A spinner is runnable all along, so its CPU plus run delay covers the
// wall time it spun, however crowded the machine.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import test, { type ExecutionContext } from 'ava';
import type { CpuReading } from '../../src/core/types.js';
import { type FileReader, createCpuReader, nodeFiles } from '../../src/sources/index.js';
import { sharedTempDir } from '../fixtures/temp.js';

// usage: threads SPINNING SLEEPING CPU_SECONDS. Names its threads spin-N and sleep-N, prints
// "ready", waits for a line on stdin, lets each spinner burn CPU_SECONDS of its own CPU, prints
// "done WALL_SECONDS" and idles until stdin closes (so it never outlives the test).
const PROGRAM = String.raw`
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static double budget;
static pthread_barrier_t named, go, done;

static double clock_s(clockid_t id) {
  struct timespec ts;
  clock_gettime(id, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void name_self(const char *kind, long i) {
  char name[16];
  snprintf(name, sizeof name, "%s-%ld", kind, i);
  pthread_setname_np(pthread_self(), name);
  pthread_barrier_wait(&named);
}

static void *spin(void *arg) {
  name_self("spin", (long)arg);
  pthread_barrier_wait(&go);
  double start = clock_s(CLOCK_THREAD_CPUTIME_ID);
  while (clock_s(CLOCK_THREAD_CPUTIME_ID) - start < budget) {}
  pthread_barrier_wait(&done);
  for (;;) pause();
}

static void *nap(void *arg) {
  name_self("sleep", (long)arg);
  for (;;) pause();
}

int main(int argc, char **argv) {
  if (argc != 4) return 2;
  int spinning = atoi(argv[1]), sleeping = atoi(argv[2]);
  budget = atof(argv[3]);
  if (spinning + sleeping > 256) return 2;
  pthread_t threads[256];
  pthread_barrier_init(&named, NULL, spinning + sleeping + 1);
  pthread_barrier_init(&go, NULL, spinning + 1);
  pthread_barrier_init(&done, NULL, spinning + 1);
  for (long i = 0; i < spinning; i++) pthread_create(&threads[i], NULL, spin, (void *)i);
  for (long i = 0; i < sleeping; i++) pthread_create(&threads[spinning + i], NULL, nap, (void *)i);
  pthread_barrier_wait(&named);
  printf("ready\n");
  fflush(stdout);
  char line[64];
  if (!fgets(line, sizeof line, stdin)) return 0;
  double start = clock_s(CLOCK_MONOTONIC);
  pthread_barrier_wait(&go);
  pthread_barrier_wait(&done);
  printf("done %.6f\n", clock_s(CLOCK_MONOTONIC) - start);
  fflush(stdout);
  while (fgets(line, sizeof line, stdin)) {}
  return 0;
}
`;

const hasGcc = spawnSync('gcc', ['--version']).status === 0;
if (!hasGcc) console.log('gcc not found: skipping the CPU reader test against a real process');

const dir = sharedTempDir(test, 'proc-cpu-');
const binary = join(dir, 'threads');
test.before(() => {
  if (!hasGcc) return;
  writeFileSync(join(dir, 'threads.c'), PROGRAM);
  const build = spawnSync('gcc', ['-O0', '-pthread', '-o', binary, join(dir, 'threads.c')], { encoding: 'utf8' });
  if (build.status !== 0) throw new Error(`gcc failed: ${build.stderr}`);
});

interface Child {
  pid: number;
  /** the next line of its output that starts with `prefix` */
  line(prefix: string): Promise<string>;
  go(): void;
}

/** Starts the child; it is killed at the test's end. */
function startChild(t: ExecutionContext, spinning: number, sleeping: number, cpuSeconds: number): Child {
  const child: ChildProcess = spawn(binary, [String(spinning), String(sleeping), String(cpuSeconds)], { stdio: ['pipe', 'pipe', 'inherit'] });
  t.teardown(() => void child.kill('SIGKILL'));
  if (child.pid === undefined || !child.stdout || !child.stdin) throw new Error('the child did not start');
  const { stdout, stdin } = child;
  let text = '';
  stdout.setEncoding('utf8');
  stdout.on('data', (chunk: string) => (text += chunk));
  return {
    pid: child.pid,
    go: () => void stdin.write('go\n'),
    line: (prefix) =>
      new Promise((resolve, reject) => {
        const deadline = setTimeout(() => (stdout.off('data', check), reject(new Error(`no "${prefix}" from the child within 20 s`))), 20_000);
        function check() {
          const found = text.split('\n').find((l) => l.startsWith(prefix));
          if (found === undefined) return;
          clearTimeout(deadline);
          stdout.off('data', check);
          resolve(found);
        }
        stdout.on('data', check);
        check();
      }),
  };
}

interface Delta {
  wallSeconds: number;
  cpuSeconds: number;
  runDelaySeconds: number | null;
  threads: number;
}

function delta(first: CpuReading | null, second: CpuReading | null): Delta {
  if (first === null || second === null) throw new Error('the child could not be read');
  return {
    wallSeconds: (second.ts - first.ts) / 1000,
    cpuSeconds: second.cpuSeconds - first.cpuSeconds,
    runDelaySeconds: first.runDelaySeconds === null || second.runDelaySeconds === null ? null : second.runDelaySeconds - first.runDelaySeconds,
    threads: second.threads,
  };
}

const newReader = (files: FileReader = nodeFiles) => createCpuReader({ files, now: () => Date.now() });
/** The real /proc as a kernel without schedstat shows it: the reader falls back to stat. */
const withoutSchedstat: FileReader = {
  readDir: (path) => nodeFiles.readDir(path),
  readFile: (path) => {
    if (path.endsWith('/schedstat')) throw Object.assign(new Error(`ENOENT: ${path}`), { code: 'ENOENT' });
    return nodeFiles.readFile(path);
  },
};
const realTest = hasGcc ? test.serial : test.serial.skip;

realTest('when named threads spin and sleep, then the reader reports the spinner\'s CPU, the sleepers\' lack of it, and picks threads by name', async (t) => {
  const budgetSeconds = 0.3;
  const child = startChild(t, 1, 2, budgetSeconds);
  await child.line('ready');
  const spin = newReader();
  const sleeping = newReader();
  const all = newReader();
  const fromStat = newReader(withoutSchedstat);
  const before = [spin.read([child.pid], /^spin-/), sleeping.read([child.pid], /^sleep-/), all.read([child.pid], null), fromStat.read([child.pid], /^spin-/)] as const;
  const started = Date.now();
  child.go();
  const spinWallSeconds = Number((await child.line('done ')).slice('done '.length));
  await sleep(Math.max(0, 1_000 - (Date.now() - started))); // the sleepers are watched for at least 1 s
  const spun = delta(before[0], spin.read([child.pid], /^spin-/));
  const slept = delta(before[1], sleeping.read([child.pid], /^sleep-/));
  const every = delta(before[2], all.read([child.pid], null));
  const stat = delta(before[3], fromStat.read([child.pid], /^spin-/));
  t.log({ spinWallSeconds, spun, slept, every, stat });

  t.is(spun.threads, 1, 'only spin-0');
  t.is(slept.threads, 2, 'sleep-0 and sleep-1');
  t.is(every.threads, 4, 'the main thread and the three named ones');
  t.true(spun.cpuSeconds >= 0.9 * budgetSeconds && spun.cpuSeconds <= 1.1 * budgetSeconds + 0.02, `the spinner's CPU ${spun.cpuSeconds} s is its budget ${budgetSeconds} s`);
  if (spun.runDelaySeconds !== null) {
    const onOrWaiting = spun.cpuSeconds + spun.runDelaySeconds;
    t.true(onOrWaiting >= 0.8 * spinWallSeconds && onOrWaiting <= 1.1 * spinWallSeconds + 0.05, `CPU + run delay ${onOrWaiting} s cover the ${spinWallSeconds} s it spun`);
  }
  // stat counts whole clock ticks (10 ms), charged to whichever thread a tick finds running
  t.true(stat.cpuSeconds >= 0.6 * budgetSeconds && stat.cpuSeconds <= 1.4 * budgetSeconds + 0.03, `from stat, the spinner's CPU ${stat.cpuSeconds} s is about its budget`);
  t.is(stat.runDelaySeconds, null, 'stat has no run delay');
  t.true(slept.wallSeconds >= 1);
  t.true(slept.cpuSeconds < 0.05 * slept.wallSeconds, 'sleeping threads use under 5 % of the time');
});

realTest('when more threads spin than there are CPUs, then the reader shows run delay', async (t) => {
  const cpus = availableParallelism();
  const spinning = cpus + 2;
  const budgetSeconds = 0.15;
  const child = startChild(t, spinning, 0, budgetSeconds);
  await child.line('ready');
  const reader = newReader();
  const first = reader.read([child.pid], /^spin-/);
  child.go();
  await child.line('done ');
  const spun = delta(first, reader.read([child.pid], /^spin-/));
  t.log({ cpus, ...spun });
  t.is(spun.threads, spinning);
  const budgets = spinning * budgetSeconds;
  t.true(spun.cpuSeconds >= 0.9 * budgets && spun.cpuSeconds <= 1.1 * budgets + 0.05, `CPU ${spun.cpuSeconds} s is the budgets' ${budgets} s`);
  if (spun.runDelaySeconds === null) {
    t.log('this kernel has no schedstat: no run delay to check');
    return;
  }
  t.true(spun.runDelaySeconds > 0, 'threads waited for a CPU');
});
