// The package as users get it: an MIT LICENSE matching package.json, and the client (and the
// reference pools) importable by the package's name through `exports`, with no deep path.
import test from 'ava';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { name: string; license: string; files: string[]; exports: Record<string, unknown> };

/** Runs an ES module snippet with node from the package root (where the package can import itself by name). */
function runModule(code: string): { status: number | null; out: string } {
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', code], { cwd: ROOT, encoding: 'utf8' });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

test('when the package is published, then it carries an MIT LICENSE that package.json names', (t) => {
  t.is(pkg.license, 'MIT');
  const license = readFileSync(join(ROOT, 'LICENSE'), 'utf8');
  t.regex(license, /^MIT License\n\nCopyright \(c\) \d{4} /);
  t.regex(license, /THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND/);
  t.true(pkg.files.includes('LICENSE'));
});

test('when a daemon imports adaptive-threads/client by the package name, then it gets SidecarClient; deep paths are not exported', (t) => {
  t.timeout(180_000);
  if (!existsSync(join(ROOT, 'dist/client/index.js'))) {
    // A fresh clone has dist/ from `npm ci` (prepare); a checkout without it builds it once.
    const build = spawnSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'], { cwd: ROOT, encoding: 'utf8' });
    t.is(build.status, 0, `${build.stdout}${build.stderr}`);
  }
  t.truthy(pkg.exports['./client']);
  const ok = runModule(`const m = await import('${pkg.name}/client'); console.log(typeof m.SidecarClient, typeof m.DEFAULT_BASE_URL);`);
  t.is(ok.status, 0, ok.out);
  t.is(ok.out.trim(), 'function string');
  const pools = runModule(`const w = await import('${pkg.name}/pool/worker-pool'); const b = await import('${pkg.name}/pool/buffer-pool'); console.log(typeof w.WorkerPool, typeof b.BufferPool);`);
  t.is(pools.out.trim(), 'function function', pools.out);
  const deep = runModule(`await import('${pkg.name}/dist/client/index.js');`);
  t.not(deep.status, 0);
  t.regex(deep.out, /ERR_PACKAGE_PATH_NOT_EXPORTED/);
});
