// --record FILE: a header line (n, each pool's kind and parameters: what `replay` needs to
// reproduce this sidecar), then every accepted sample, appended as one NDJSON line
// `{"pool", "receivedAt", ...sample}`. Written synchronously, one write per batch, so a
// sample the daemon got a reply for is in the file even if the process is killed next.
import { closeSync, openSync, writeSync } from 'node:fs';
import type { Observable, Subscription } from 'rxjs';
import type { TraceHeader } from '../sim/trace.js';
import type { Ingested, Logger } from '../streams/index.js';

export interface Recorder {
  close(): void;
}

export function recordSamples(path: string, ingested$: Observable<Ingested>, logger: Logger, header?: TraceHeader): Recorder {
  const fd = openSync(path, 'a');
  let failed = false;
  if (header !== undefined) writeSync(fd, `${JSON.stringify(header)}\n`);
  const sub: Subscription = ingested$.subscribe(({ pool, receivedAt, samples }) => {
    if (failed) return;
    let text = '';
    for (const s of samples) text += `${JSON.stringify({ pool, receivedAt, ...s })}\n`;
    try {
      writeSync(fd, text);
    } catch (err) {
      // A full disk must not take the sidecar down: recording stops, sizing goes on.
      failed = true;
      logger.error({ err, path }, `--record: cannot write ${path}; recording stopped`);
    }
  });
  return {
    close() {
      sub.unsubscribe();
      closeSync(fd);
    },
  };
}
