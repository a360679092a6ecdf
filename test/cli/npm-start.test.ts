// `npm start` from a checkout: SIGTERM to npm must reach the sidecar and leave no orphan. npm
// forwards the signal to its child, the shell running the script; a shell that runs node as a
// child (`build && node ...`) does not pass it on, so the script execs node. Tested on the
// package's own start script, with a stand-in for the built sidecar (no build in a test).
import test from 'ava';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tempDir } from '../fixtures/temp.js';
import { alive } from '../processes.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const scripts = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;

const STAND_IN = `
process.stdout.write(String(process.pid) + '\\n');
process.on('SIGTERM', () => process.exit(0));
setInterval(() => undefined, 1000);
`;

for (const name of ['start', 'demo']) {
  test(`when npm ${name === 'start' ? 'start' : 'run demo'} gets SIGTERM, then the node process it started exits too (no orphan)`, async (t) => {
    if (spawnSync('npm', ['--version']).status !== 0) {
      t.log('skipped: npm is not on PATH');
      t.pass();
      return;
    }
    const dir = tempDir(t, 'at-npm-start-');
    mkdirSync(join(dir, 'dist/cli'), { recursive: true });
    writeFileSync(join(dir, 'dist/cli/main.js'), STAND_IN);
    // The real script; its pre-script (the build) is left out by --ignore-scripts.
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'npm-start-check', version: '0.0.0', type: 'module', scripts: { [name]: scripts[name] } }));
    const npm = spawn('npm', ['run', name, '--ignore-scripts', '--silent'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    npm.stdout.on('data', (c: Buffer) => (out += c.toString()));
    const exited = new Promise<void>((resolve) => npm.on('exit', () => resolve()));
    let pid = Number.NaN;
    for (let i = 0; i < 1000 && Number.isNaN(pid); i++) {
      const m = /^(\d+)$/m.exec(out);
      if (m !== null) pid = Number(m[1]);
      else await new Promise((r) => setTimeout(r, 20));
    }
    try {
      t.false(Number.isNaN(pid), `the stand-in started: ${out}`);
      npm.kill('SIGTERM');
      await exited;
      let gone = false;
      for (let i = 0; i < 150 && !gone; i++) {
        gone = !alive(pid);
        if (!gone) await new Promise((r) => setTimeout(r, 20));
      }
      t.true(gone, `node (pid ${pid}) outlived npm`);
    } finally {
      if (!Number.isNaN(pid) && alive(pid)) process.kill(pid, 'SIGKILL');
      if (npm.exitCode === null) {
        // npm runs in the temp dir: gone before the teardown removes it
        npm.kill('SIGKILL');
        await exited;
      }
    }
  });
}
