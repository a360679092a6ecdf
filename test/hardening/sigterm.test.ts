// SIGTERM in the middle of a burst: every sample the sidecar answered 202 for is in the
// --record file, and nothing else is (refused and cut-off requests are not recorded).
import test from 'ava';
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tempDir } from '../fixtures/temp.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const MAIN = join(ROOT, 'src/cli/main.ts');

test('SIGTERM mid-burst: the NDJSON record holds exactly the accepted samples, and the exit is clean', async (t) => {
  const dir = tempDir(t, 'at-sigterm-');
  const config = join(dir, 'config.yaml');
  writeFileSync(config, 'defaults: {periodMs: 50}\n');
  const record = join(dir, 'samples.ndjson');
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, '--config', config, '--listen', '127.0.0.1:0', '--cpus', '8', '--record', record], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (out += c.toString()));
  const exit = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  try {
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setInterval(() => {
        const m = /"url":"(http:\/\/127\.0\.0\.1:\d+)"/.exec(out);
        if (m !== null) {
          clearInterval(timer);
          resolve(m[1] as string);
        } else if (child.exitCode !== null) {
          clearInterval(timer);
          reject(new Error(`exited before listening: ${out}`));
        }
      }, 20);
    });

    let accepted = 0;
    let refused = 0;
    let cut = 0;
    let sent = 0;
    let running = true;
    const worker = async (w: number): Promise<void> => {
      for (let i = 0; running; i++) {
        const pool = (w + i) % 2 === 0 ? 'transfer' : 'buffer';
        const batch = Array.from({ length: 3 }, (_, k) => ({ size: 16, busy: (w + i + k) % 17 }));
        try {
          sent += 1;
          const res = await fetch(`${url}/v1/pools/${pool}/samples`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(batch) });
          await res.arrayBuffer();
          if (res.status === 202) accepted += batch.length;
          else refused += 1;
        } catch {
          cut += 1;
          if (child.exitCode !== null) return;
        }
      }
    };
    const workers = Array.from({ length: 12 }, (_, w) => worker(w));
    // Mid-burst: once some samples are in, with requests still in flight.
    while (accepted < 300) await new Promise((r) => setTimeout(r, 5));
    child.kill('SIGTERM');
    const code = await exit;
    running = false;
    await Promise.all(workers);

    t.log(`sent ${sent} requests: ${accepted} samples accepted, ${refused} refused, ${cut} cut off`);
    t.is(code, 0, out.slice(-2000));
    const all = readFileSync(record, 'utf8').split('\n').filter((l) => l !== '');
    t.like(JSON.parse(all[0] ?? '{}'), { trace: 'adaptive-threads' }, 'the trace starts with its header');
    const lines = all.slice(1);
    t.is(lines.length, accepted, `sent ${sent}, accepted ${accepted} samples, refused ${refused}, cut ${cut}`);
    for (const l of lines) t.notThrows(() => JSON.parse(l) as unknown);
  } finally {
    // gone before the teardown removes its temp dir
    if (child.exitCode === null) {
      child.kill('SIGKILL');
      await exit;
    }
  }
});
