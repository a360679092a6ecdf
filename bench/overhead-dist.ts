// The overhead benchmark measures the built service, as it runs in production: src is
// compiled with tsc into .tmp/overhead-dist (git-ignored) and the modules are loaded from
// there. (Under tsx, esbuild wraps every inner function in a `__name` call, which costs more
// than some of the code it wraps.)
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type * as CoreIndex from '../src/core/index.js';
import type * as ConfigLoad from '../src/config/load.js';
import type * as ServiceIndex from '../src/service/index.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
export const DIST = `${ROOT}.tmp/overhead-dist`;

/** Compiles src to DIST; tsc emits even when another module has a type error, which is reported. */
export function buildDist(): { ok: boolean; output: string } {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  const r = spawnSync(process.execPath, [tsc, '-p', `${ROOT}tsconfig.build.json`, '--outDir', DIST, '--declaration', 'false', '--sourceMap', 'false'], { encoding: 'utf8' });
  return { ok: r.status === 0, output: `${r.stdout}${r.stderr}`.trim() };
}

export const distUrl = (path: string, dist = DIST): string => pathToFileURL(`${dist}/${path}`).href;

export type CoreModule = typeof CoreIndex;
export type ConfigModule = typeof ConfigLoad;
export type ServiceModule = typeof ServiceIndex;

export async function loadCore(dist = DIST): Promise<CoreModule> {
  return (await import(distUrl('core/index.js', dist))) as CoreModule;
}

export async function loadConfigModule(dist = DIST): Promise<ConfigModule> {
  return (await import(distUrl('config/load.js', dist))) as ConfigModule;
}

export async function loadServiceModule(dist = DIST): Promise<ServiceModule> {
  return (await import(distUrl('service/index.js', dist))) as ServiceModule;
}
