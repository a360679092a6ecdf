// Where the worker script is, and how to start it, both from compiled dist/ (plain
// worker-entry.js next to this module) and from TypeScript source under tsx (tests).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';

let bootstrap: string | undefined;

// Node 20 does not apply `--import tsx` loader hooks to a worker's entry module (the
// worker fails with ERR_UNKNOWN_FILE_EXTENSION whatever execArgv says), so from source
// the worker starts as a small ESM-free script that registers tsx, then imports the .ts
// entry; everything it imports after that goes through tsx.
function sourceBootstrap(entry: URL): string {
  if (bootstrap === undefined) {
    let api: string;
    try {
      api = import.meta.resolve('tsx/esm/api');
    } catch (err) {
      throw new Error(`${fileURLToPath(entry)} is TypeScript and tsx is not installed: build with \`npm run build\` or install tsx`, { cause: err });
    }
    bootstrap = `import(${JSON.stringify(api)})
  .then(({ register }) => { register(); return import(${JSON.stringify(entry.href)}); })
  .catch((err) => { setImmediate(() => { throw err; }); });`;
  }
  return bootstrap;
}

export function startWorker(): Worker {
  const compiled = new URL('./worker-entry.js', import.meta.url);
  if (existsSync(fileURLToPath(compiled))) return new Worker(compiled);
  const source = new URL('./worker-entry.ts', import.meta.url);
  return new Worker(sourceBootstrap(source), { eval: true });
}
