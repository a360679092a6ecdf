// The file reader's line-by-line read, on a real file: lines that straddle the reads' chunks,
// characters of several bytes cut between two chunks, a last line without a newline, and the
// early stop.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'ava';
import { nodeFiles, tryReadLines } from '../../src/sources/files.js';
import { tempDir } from '../fixtures/temp.js';

test('when a file is read line by line, then every line comes whole and in order, and the read stops when asked', (t) => {
  const dir = tempDir(t, 'files-test-');
  // About 100 KiB of lines of uneven length, some with two- and three-byte characters.
  const lines = Array.from({ length: 1500 }, (_, i) => `${i}: ${'x'.repeat(i % 97)}${i % 7 === 0 ? 'é€' : ''}`);
  const path = join(dir, 'table');
  writeFileSync(path, lines.join('\n'));
  const seen: string[] = [];
  t.true(tryReadLines(nodeFiles, path, (line) => (seen.push(line), true)));
  t.deepEqual(seen, lines);
  const head: string[] = [];
  t.true(tryReadLines(nodeFiles, path, (line) => (head.push(line), head.length < 3)));
  t.deepEqual(head, lines.slice(0, 3));
  t.false(tryReadLines(nodeFiles, join(dir, 'missing'), () => true), 'a file that cannot be read');
});
