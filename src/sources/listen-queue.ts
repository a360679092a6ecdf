// The accept queue of a process's listening TCP sockets, read from the kernel when it is asked
// (docs/operator-guide.md, "Driving uWSGI"). /proc/PID/net/tcp and tcp6 list the sockets of
// the process's network namespace; for a socket in LISTEN (state 0A) the kernel writes its
// accept queue, the connections waiting for an accept(), as `rx_queue` (hex, after the colon
// of `tx_queue:rx_queue`). uWSGI's stats give the same figure (`listen_queue`) only as its master
// last sampled it, once per master cycle: up to a second old when a burst begins.
import { tryReadLines } from './files.js';
import type { FileReader } from './files.js';

/** A listening socket: its port, its IPv4 address when it names one (null: any address), and whether it is IPv6 (`[addr]:port`). */
export interface Listener {
  port: number;
  address: string | null;
  v6: boolean;
}

/** The accept queue of a process's listeners now, or null when the kernel does not tell it (the caller's own figure stands). */
export type ListenQueueReader = (pid: number, listeners: readonly Listener[]) => number | null;

const TCP_LISTEN = '0A';

/** `host:port` (IPv4 dotted, a name, `[v6]`, or `:port`) into a Listener; null for what is not a TCP address (a unix socket's path). */
export function parseListener(name: string): Listener | null {
  const m = /^(\[[0-9A-Fa-f:.]*\]|[^:/\s]*):(\d{1,5})$/.exec(name);
  if (m === null) return null;
  const port = Number(m[2]);
  if (port < 1 || port > 65535) return null;
  const host = m[1] ?? '';
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(host);
  const wildcard = host === '' || host === '0.0.0.0' || host === '*';
  return { port, address: v4 !== null && !wildcard ? host : null, v6: host.startsWith('[') };
}

/** An IPv4 address as /proc/net/tcp writes it: the 32-bit value in host (little-endian) byte order, in hex. */
function procAddress(dotted: string): string {
  return dotted
    .split('.')
    .map((b) => Number(b).toString(16).toUpperCase().padStart(2, '0'))
    .reverse()
    .join('');
}

/**
 * The longest accept queue among `listeners`, from /proc/PID/net/tcp (IPv4) and tcp6 (IPv6, or
 * an IPv4 listener not found in tcp: a dual-stack socket); null when no listener is found
 * there or the files cannot be read (then the caller keeps its own figure). The kernel lists
 * every TCP socket of the namespace in these files, so each is read only when needed.
 */
export function readListenQueue(files: FileReader, pid: number, listeners: readonly Listener[], procRoot = '/proc'): number | null {
  if (pid <= 0 || listeners.length === 0) return null;
  const v4 = listeners.filter((l) => !l.v6);
  const v6 = listeners.filter((l) => l.v6);
  const inV4 = v4.length > 0 ? scan(files, `${procRoot}/${pid}/net/tcp`, v4, false) : null;
  // IPv6 listeners, and IPv4 ones the tcp file did not show (a socket bound to :: takes both).
  const rest = inV4 === null ? listeners : v6;
  const inV6 = rest.length > 0 ? scan(files, `${procRoot}/${pid}/net/tcp6`, rest, true) : null;
  return inV4 === null && inV6 === null ? null : Math.max(inV4 ?? 0, inV6 ?? 0);
}

/**
 * The longest accept queue of `listeners` in one /proc/net/tcp-style file, or null when none is
 * there. The file lists every TCP socket of the namespace (on a busy server, tens of thousands:
 * each connection closed in the last minute waits in TIME_WAIT), but the kernel writes the
 * listening sockets first: once every wanted listener has been seen, the first line of another
 * state ends the read, and the kernel never writes the rest. Should a kernel order them
 * otherwise, the read goes on to the end.
 */
function scan(files: FileReader, path: string, listeners: readonly Listener[], v6File: boolean): number | null {
  const wanted = listeners.map((l) => ({ port: l.port, address: l.address === null ? null : procAddress(l.address), seen: false }));
  let found: number | null = null;
  let header = true;
  const readable = tryReadLines(files, path, (line) => {
    if (header) {
      header = false;
      return true;
    }
    // sl local_address rem_address st tx_queue:rx_queue ...: only the state is a lone two-digit
    // field, so a line without " 0A " is no listener (most lines are connections: skip them cheaply).
    if (!line.includes(` ${TCP_LISTEN} `)) return line.trim() === '' || !wanted.every((l) => l.seen);
    const f = line.trim().split(/\s+/);
    if (f.length < 5 || f[3] !== TCP_LISTEN) return true;
    const [addr, portHex] = (f[1] ?? '').split(':');
    const queueHex = (f[4] ?? '').split(':')[1];
    if (addr === undefined || portHex === undefined || queueHex === undefined) return true;
    const port = Number.parseInt(portHex, 16);
    const queue = Number.parseInt(queueHex, 16);
    if (!Number.isFinite(port) || !Number.isFinite(queue)) return true;
    // A socket bound to one IPv4 address is that address's; a wildcard listener (0.0.0.0, ::) is anyone's on its port.
    const wildcard = /^0+$/.test(addr);
    for (const l of wanted) {
      if (l.port !== port || !(l.address === null || wildcard || v6File || l.address === addr)) continue;
      l.seen = true;
      found = Math.max(found ?? 0, queue);
    }
    return true;
  });
  return readable ? found : null;
}
