// The integration guide lists every reason a decision may carry: a daemon author matches on
// them, so the list is the core's own, no more and no fewer.
import test from 'ava';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { REASONS } from '../../src/core/types.js';

const GUIDE = fileURLToPath(new URL('../../docs/integration.md', import.meta.url));

test('when the integration guide says which reasons a decision carries, then it names exactly the core\'s reasons', (t) => {
  const text = readFileSync(GUIDE, 'utf8');
  const at = text.indexOf('`reason` is one of ');
  t.true(at >= 0, 'the sentence "`reason` is one of ..." is in docs/integration.md');
  const sentence = text.slice(at + '`reason` is one of '.length, text.indexOf('.', text.indexOf('`law`', at)));
  const listed = [...sentence.matchAll(/`([a-z-]+)`/g)].map((m) => m[1]);
  t.deepEqual([...listed].sort(), [...REASONS].sort());
});
