import test from 'ava';
import { parseListener, readListenQueue } from '../../src/sources/index.js';
import { fakeFiles } from './fake-files.js';

const HEADER = '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode';
// 127.0.0.1:8081 listening with 3 connections waiting; 0.0.0.0:9000 listening with 5; an
// established connection to 8081 whose receive queue (0x40) is no accept queue.
const TCP = [
  HEADER,
  '   0: 0100007F:1F91 00000000:0000 0A 00000000:00000003 00:00000000 00000000  1000        0 101 1 0000000000000000 100 0 0 10 0',
  '   1: 00000000:2328 00000000:0000 0A 00000000:00000005 00:00000000 00000000  1000        0 102 1 0000000000000000 100 0 0 10 0',
  '   2: 0100007F:1F91 0100007F:D431 01 00000000:00000040 00:00000000 00000000  1000        0 103 1 0000000000000000 20 4 30 10 -1',
].join('\n');
const TCP6 = [
  HEADER,
  '   0: 00000000000000000000000000000000:1F92 00000000000000000000000000000000:0000 0A 00000000:0000000C 00:00000000 00000000  1000        0 104 1 0000000000000000 100 0 0 10 0',
].join('\n');

test('when a socket name is host:port, then it is a TCP listener; a unix socket\'s path is not', (t) => {
  t.deepEqual(parseListener('127.0.0.1:8081'), { port: 8081, address: '127.0.0.1', v6: false });
  t.deepEqual(parseListener(':3031'), { port: 3031, address: null, v6: false });
  t.deepEqual(parseListener('0.0.0.0:3031'), { port: 3031, address: null, v6: false });
  t.deepEqual(parseListener('[::]:8082'), { port: 8082, address: null, v6: true });
  t.deepEqual(parseListener('localhost:8081'), { port: 8081, address: null, v6: false });
  t.is(parseListener('/run/uwsgi/app.sock'), null);
  t.is(parseListener('@abstract'), null);
  t.is(parseListener('127.0.0.1:70000'), null);
});

test('when the process\'s /proc/PID/net/tcp lists the listener, then its accept queue (rx_queue of the LISTEN line) is read', (t) => {
  const files = fakeFiles({ '/proc/42/net/tcp': TCP, '/proc/42/net/tcp6': TCP6 });
  const v4 = (port: number, address: string | null = null) => ({ port, address, v6: false });
  t.is(readListenQueue(files, 42, [v4(8081, '127.0.0.1')]), 3, 'the established connection on the same port is not counted');
  t.deepEqual(files.reads, ['/proc/42/net/tcp'], 'found in tcp: tcp6 is not read');
  t.is(readListenQueue(files, 42, [v4(9000, '10.0.0.1')]), 5, 'a wildcard listener serves every address on its port');
  t.is(readListenQueue(files, 42, [{ port: 8082, address: null, v6: true }]), 12, 'IPv6');
  t.is(readListenQueue(files, 42, [v4(8082)]), 12, 'an IPv4 name on a dual-stack socket (tcp6)');
  t.is(readListenQueue(files, 42, [v4(8081, '127.0.0.1'), v4(9000)]), 5, 'the longest of several');
  t.is(readListenQueue(files, 42, [v4(8081, '10.0.0.1')]), null, 'another address on the same port');
  t.is(readListenQueue(files, 42, [v4(1234)]), null, 'no such listener');
  t.is(readListenQueue(files, 42, []), null, 'no TCP socket (unix sockets only)');
  t.is(readListenQueue(files, 43, [v4(8081)]), null, 'a process that is gone');
});

// A busy server's table: its listeners first (the kernel's order), then thousands of closed
// connections in TIME_WAIT (06) and a few established ones.
function busyTable(connections: number): string {
  const lines = [HEADER, TCP.split('\n')[1] ?? '', TCP.split('\n')[2] ?? ''];
  for (let i = 0; i < connections; i += 1) {
    const state = i % 100 === 0 ? '01' : '06';
    lines.push(`${String(i + 3).padStart(4)}: 0100007F:1F91 0100007F:${(0x8000 + i).toString(16).toUpperCase()} ${state} 00000000:00000000 03:00000ABC 00000000     0        0 0 3 0000000000000000`);
  }
  return lines.join('\n');
}

test('when every listener has been seen, then the read stops at the first connection line: the kernel need not write the rest', (t) => {
  const files = fakeFiles({ '/proc/42/net/tcp': busyTable(5000) });
  t.is(readListenQueue(files, 42, [{ port: 8081, address: '127.0.0.1', v6: false }]), 3);
  t.true((files.linesRead.get('/proc/42/net/tcp') ?? 0) <= 4, 'the header, the two listeners and the first connection');
  files.linesRead.clear();
  t.is(readListenQueue(files, 42, [{ port: 8081, address: '127.0.0.1', v6: false }, { port: 9000, address: null, v6: false }]), 5);
  t.true((files.linesRead.get('/proc/42/net/tcp') ?? 0) <= 4);
});

test('when a listener is not among the first lines, then the whole table is read and a listener written late is still found', (t) => {
  const late = '9999: 00000000:1F93 00000000:0000 0A 00000000:00000007 00:00000000 00000000  1000        0 105 1 0000000000000000 100 0 0 10 0';
  const files = fakeFiles({ '/proc/42/net/tcp': `${busyTable(500)}\n${late}` });
  t.is(readListenQueue(files, 42, [{ port: 8083, address: null, v6: false }]), 7, 'a kernel that orders its table otherwise');
  t.is(files.linesRead.get('/proc/42/net/tcp'), 504);
  files.linesRead.clear();
  t.is(readListenQueue(files, 42, [{ port: 1234, address: null, v6: false }]), null, 'no such listener: all read, none found');
});
