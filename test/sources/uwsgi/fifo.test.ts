import test from 'ava';
import { execFileSync } from 'node:child_process';
import { closeSync, constants, openSync, readSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fifoCommands, nodeFifo, NotAFifoError } from '../../../src/sources/uwsgi/index.js';
import { sharedTempDir } from '../../fixtures/temp.js';

const dir = sharedTempDir(test, 'at-fifo-');

function mkfifo(name: string): string {
  const path = join(dir, name);
  execFileSync('mkfifo', [path]);
  return path;
}

test('when the target is above or below the count, then one + or - a worker is written', (t) => {
  t.is(fifoCommands(2, 5), '+++');
  t.is(fifoCommands(5, 3), '--');
  t.is(fifoCommands(4, 4), '');
});

test('when the master reads the FIFO, then the commands reach it in one write', (t) => {
  const path = mkfifo('reading');
  const reader = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    nodeFifo.write(path, '++-');
    const buf = Buffer.alloc(16);
    t.is(buf.toString('ascii', 0, readSync(reader, buf)), '++-');
  } finally {
    closeSync(reader);
  }
});

test('when no process reads the FIFO (uWSGI dead), then the write fails at once with ENXIO instead of blocking', (t) => {
  const path = mkfifo('orphan');
  t.throws(() => nodeFifo.write(path, '+'), { code: 'ENXIO' });
});

test('when the path is missing or a regular file, then the write fails and nothing is written', (t) => {
  t.throws(() => nodeFifo.write(join(dir, 'missing'), '+'), { code: 'ENOENT' });
  const file = join(dir, 'plain');
  writeFileSync(file, '');
  t.throws(() => nodeFifo.write(file, '+'), { instanceOf: NotAFifoError });
});

test('when a FIFO is reached through a link to its directory, then its real path is the same file as by its own path; nothing there has none', (t) => {
  const fifo = mkfifo('real');
  const link = join(dir, 'linked');
  symlinkSync(dir, link);
  t.is(nodeFifo.realPath?.(join(link, '.', 'real')), nodeFifo.realPath?.(fifo));
  t.is(nodeFifo.realPath?.(join(link, 'absent.fifo')), null);
});

test('when the path is looked at, then a FIFO, nothing (or a file on the way) and another file are told apart', (t) => {
  const fifo = mkfifo('kind');
  const file = join(dir, 'regular');
  writeFileSync(file, '');
  t.is(nodeFifo.pathKind?.(fifo), 'fifo');
  t.is(nodeFifo.pathKind?.(join(dir, 'absent.fifo')), 'missing');
  t.is(nodeFifo.pathKind?.(join(file, 'under-a-file')), 'missing', 'ENOTDIR: no FIFO can be there');
  t.is(nodeFifo.pathKind?.(file), 'other');
  t.is(nodeFifo.pathKind?.(dir), 'other', 'a directory');
});
