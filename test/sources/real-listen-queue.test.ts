// The one test of the accept-queue reader against the real kernel: a child process listens on
// a loopback port and never accepts; the connections made to it wait in its accept queue, and
// /proc/PID/net/tcp must say how many.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { connect, type Socket } from 'node:net';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import test from 'ava';
import { nodeFiles, readListenQueue } from '../../src/sources/index.js';

const LISTENER = 'import socket, sys\ns = socket.socket()\ns.bind(("127.0.0.1", 0))\ns.listen(16)\nprint(s.getsockname()[1], flush=True)\nsys.stdin.read()\n';
const python = spawnSync('python3', ['--version']).error === undefined;

(python ? test : test.skip)('when connections wait for an accept(), then the reader counts them in the listener\'s accept queue', async (t) => {
  const child: ChildProcess = spawn('python3', ['-c', LISTENER], { stdio: ['pipe', 'pipe', 'inherit'] });
  const sockets: Socket[] = [];
  t.teardown(() => {
    for (const s of sockets) s.destroy();
    child.stdin?.end();
    child.kill();
  });
  const [line] = (await once(createInterface({ input: child.stdout! }), 'line')) as [string];
  const port = Number(line);
  const pid = child.pid as number;
  const listener = [{ port, address: '127.0.0.1', v6: false }];
  t.is(readListenQueue(nodeFiles, pid, listener), 0, 'listening, nothing waiting');
  for (let i = 0; i < 3; i += 1) {
    const s = connect(port, '127.0.0.1');
    sockets.push(s);
    await once(s, 'connect');
  }
  // The listener's side of the handshake completes as the client's does; give the kernel a moment at most.
  let queue = readListenQueue(nodeFiles, pid, listener);
  for (let i = 0; i < 50 && queue !== 3; i += 1) {
    await new Promise((r) => setTimeout(r, 20));
    queue = readListenQueue(nodeFiles, pid, listener);
  }
  t.is(queue, 3);
  t.is(readListenQueue(nodeFiles, pid, [{ port: port === 65535 ? 1 : port + 1, address: '127.0.0.1', v6: false }]), null, 'another port');
});
if (!python) console.log('python3 not found: skipping the real accept-queue test (CI has it)');
