#!/usr/bin/env python3
"""A daemon's worker pool driven by the adaptive-threads sidecar, in Python (standard library only).

See docs/integration.md, "Daemon loops in C, Python and Rust".

    python3 daemon_loop.py --sidecar 127.0.0.1:9464 --pool transfer --size 4 --rate 100 --hash-kib 64 --sleep-ms 20

A producer thread offers --rate tasks a second to a bounded queue (--queue; a task that does not
fit is refused); --size worker threads take them, hash --hash-kib KiB (sha256, which releases the
GIL) and sleep --sleep-ms. The main thread posts one sample every --period-ms to
POST /v1/pools/{pool}/samples, prints one line per sample and resizes the pool to the replied
target; while the sidecar is away it keeps the size and retries with capped, jittered exponential
back-off. With a token (--token, or ADAPTIVE_THREADS_TOKEN in the environment, which keeps it out
of `ps`), each sample carries `Authorization: Bearer <token>`. SIGTERM, SIGINT or --seconds N stop
it: the producer stops, each worker finishes its task, exit status 0.
"""
import argparse
import collections
import hashlib
import http.client
import json
import os
import math
import random
import re
import signal
import socket
import sys
import threading
import time
import urllib.parse


POST_TIMEOUT_S = 2.0  # the whole request: connect, send and the whole answer
POOL_NAME = re.compile(r"[a-z0-9_-]{1,64}")  # the sidecar's pool names
MAX_RATE = 1_000_000  # --rate's ceiling, as in the C and Rust loops: a task every microsecond
MAX_NUMBER = 1_000_000  # every numeric flag's ceiling, as in the C and Rust loops


def cpus():
    """The CPUs this process may use, counted as the sidecar counts them: the cgroup v2 CPU quota
    (rounded up) when one is set, else the affinity mask."""
    try:
        with open("/sys/fs/cgroup/cpu.max") as f:
            text = f.read()
    except OSError:
        text = ""
    # "QUOTA PERIOD" (microseconds); "max PERIOD", "max" alone or anything else: no quota
    m = re.fullmatch(r"([0-9]+) ([0-9]+)\n?", text)
    if m and int(m[1]) > 0 and int(m[2]) > 0:
        return max(1, math.ceil(int(m[1]) / int(m[2])))
    n = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return max(1, n)


def schedstat(tid):
    """(ns on a CPU, ns runnable waiting for one) of a thread of this process, or None."""
    try:
        with open(f"/proc/self/task/{tid}/schedstat") as f:
            cpu, delay = f.read().split()[:2]
        return int(cpu), int(delay)
    except (OSError, ValueError):
        return None


class Pool:
    """Worker threads on a bounded hand-off queue. Everything below is guarded by `lock`; the
    areas are time integrals (busy worker-seconds, seconds at capacity), advanced by _account()
    before every change of `busy_now` or of the queue's length."""

    def __init__(self, capacity, hash_bytes, sleep_s):
        self.lock = threading.Lock()
        self.work = threading.Condition(self.lock)
        self.gone = threading.Condition(self.lock)
        self.queue = collections.deque()
        self.capacity = capacity
        # The bytes i * 31 % 251 repeat every 251: copied, not generated a byte at a time (a large
        # --hash-kib is ready at once, and so is the SIGTERM handling that waits for it).
        period = bytes(i * 31 % 251 for i in range(251))
        self.data = (period * (hash_bytes // 251 + 1))[:hash_bytes]
        self.sleep_s = sleep_s
        self.workers = {}  # worker thread -> its native thread id (None until it started)
        self.retire = 0
        self.busy_now = 0
        self.stopping = False
        self.busy_area = 0.0
        self.full_area = 0.0
        self.last_change = time.monotonic()
        self.completed = 0
        self.refused = 0
        self.retired_cpu_ns = 0  # CPU of the workers that have exited
        self.retired_delay_ns = 0

    def _account(self):
        now = time.monotonic()
        dt = now - self.last_change
        self.busy_area += self.busy_now * dt
        if len(self.queue) >= self.capacity:
            self.full_area += dt
        self.last_change = now

    def size(self):
        """Workers that take tasks: retiring ones are not counted."""
        return len(self.workers) - self.retire

    def submit(self, task):
        with self.lock:
            self._account()
            if len(self.queue) >= self.capacity:
                self.refused += 1  # the queue is full: turned away
                return
            self.queue.append(task)
            self.work.notify()

    def _worker(self):
        me = threading.current_thread()
        with self.lock:
            self.workers[me] = threading.get_native_id()
            while True:
                while not self.stopping and self.retire == 0 and not self.queue:
                    self.work.wait()
                if self.stopping:
                    break
                if self.retire > 0:  # retiring: between tasks, never in one
                    self.retire -= 1
                    break
                self._account()
                task = self.queue.popleft()
                self.busy_now += 1  # busy from taking the task...
                self.lock.release()
                try:
                    hashlib.sha256(task.to_bytes(8, "little") + self.data).digest()
                    time.sleep(self.sleep_s)
                finally:
                    self.lock.acquire()
                self._account()
                self.busy_now -= 1  # ...to finishing it
                self.completed += 1
            stat = schedstat(self.workers.pop(me))
            if stat:
                self.retired_cpu_ns += stat[0]
                self.retired_delay_ns += stat[1]
            self.gone.notify_all()

    def resize(self, target):
        """Grows or shrinks the pool towards `target`; None, or why a grow fell short: the
        threads that started stay, and the size (reported in the next sample) is what runs."""
        with self.lock:
            size = self.size()
            if target > size:
                undo = min(self.retire, target - size)  # cancel pending retirements first
                self.retire -= undo
                for _ in range(target - size - undo):
                    t = threading.Thread(target=self._worker, daemon=True)
                    self.workers[t] = None
                    try:
                        t.start()
                    except RuntimeError as e:  # "can't start new thread": memory, pids.max, ulimit -u
                        del self.workers[t]
                        return f"{e}: running {self.size()} of {target}"
            elif target < size:
                self.retire += size - target
                self.work.notify_all()  # idle workers retire now, busy ones after their task
        return None

    def sample(self, elapsed):
        """The period's figures; reads the live workers' CPU under the lock, so that no worker
        exits between being read live and being added to the retired sums."""
        with self.lock:
            self._account()
            size = self.size()
            busy = min(size, round(self.busy_area / elapsed)) if elapsed > 0 else 0
            stall = min(1.0, self.full_area / elapsed) if elapsed > 0 else 0.0
            self.busy_area = self.full_area = 0.0
            cpu, delay, readable = self.retired_cpu_ns, self.retired_delay_ns, True
            for tid in self.workers.values():
                stat = schedstat(tid) if tid is not None else (0, 0)
                if stat is None:
                    readable = False
                    break
                cpu += stat[0]
                delay += stat[1]
            s = {"size": size, "busy": busy, "queueDepth": len(self.queue), "queueCapacity": self.capacity,
                 "queueStall": round(stall, 4), "completed": self.completed, "refused": self.refused}
        if readable:
            s["cpuSeconds"] = cpu / 1e9
            s["runDelaySeconds"] = delay / 1e9
        else:
            s["pid"] = os.getpid()  # no schedstat here: the sidecar may read this process's threads itself
        return s

    def stop(self):
        with self.lock:
            self.stopping = True
            self.work.notify_all()
            while self.workers:  # each finishes its task first
                self.gone.wait()


def producer(pool, rate, stop):
    if rate <= 0:  # no tasks offered
        stop.wait()
        return
    step = 1.0 / rate
    nxt = time.monotonic()
    seed = 0
    while not stop.is_set():
        nxt += step
        delay = nxt - time.monotonic()
        if delay > 0 and stop.wait(delay):
            return
        seed += 1
        pool.submit(seed)


def connect(host, port, deadline):
    """A socket connected to host:port, trying each address the name resolves to in turn
    ("localhost" may be ::1 first, the sidecar on 127.0.0.1), each within what is left until
    `deadline` (time.monotonic()); OSError when none is reached by then."""
    last = None
    for family, kind, proto, _, addr in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM):
        left = deadline - time.monotonic()
        if left <= 0:
            break
        sock = socket.socket(family, kind, proto)
        try:
            sock.settimeout(left)
            sock.connect(addr)
            return sock
        except OSError as e:
            sock.close()
            last = e
    if last is None or deadline <= time.monotonic():
        raise TimeoutError(f"no whole answer within {POST_TIMEOUT_S:.0f} s")
    raise last


def post(host, port, path, sample, token):
    """One POST; (status, reply dict or text). Raises OSError when the sidecar is unreachable or
    the whole answer has not come within POST_TIMEOUT_S, http.client.HTTPException when it is no
    HTTP answer. A socket timeout bounds each connect, send or read only, so connect() gives each
    address what is left of the deadline and a watchdog shuts the socket at the deadline: an
    answer that trickles in cannot hold the loop."""
    deadline = time.monotonic() + POST_TIMEOUT_S
    conn = http.client.HTTPConnection(host, port, timeout=POST_TIMEOUT_S)
    late = threading.Event()

    def cut():
        late.set()
        sock = conn.sock
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    watchdog = threading.Timer(POST_TIMEOUT_S, cut)
    watchdog.daemon = True
    try:
        watchdog.start()
    except RuntimeError:  # no thread to be had (the pool took them all): each step keeps its own 2 s timeout
        watchdog = None
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    try:
        conn.sock = connect(host, port, deadline)  # a connect that ends past the deadline had no socket to cut
        if late.is_set():
            raise TimeoutError(f"no whole answer within {POST_TIMEOUT_S:.0f} s")
        conn.request("POST", path, json.dumps(sample), headers)
        reply = conn.getresponse()
        text = reply.read(4096).decode("utf-8", "replace")
        if late.is_set():
            raise TimeoutError(f"no whole answer within {POST_TIMEOUT_S:.0f} s")
        try:
            return reply.status, json.loads(text)
        except ValueError:
            return reply.status, text
    except (OSError, http.client.HTTPException) as e:
        if late.is_set() or isinstance(e, TimeoutError):  # the watchdog's cut, or a socket timeout: the same deadline
            raise TimeoutError(f"no whole answer within {POST_TIMEOUT_S:.0f} s") from None
        raise
    finally:
        if watchdog is not None:
            watchdog.cancel()
        conn.close()


def main():
    p = argparse.ArgumentParser(description="a worker pool sized by the adaptive-threads sidecar")
    p.add_argument("--sidecar", default="127.0.0.1:9464", help="HOST:PORT or http://HOST:PORT")
    p.add_argument("--pool", default="transfer")
    p.add_argument("--size", type=int, default=cpus() * 2, help="workers to start with (n*2, n the CPUs this process may use)")
    p.add_argument("--queue", type=int, default=64, help="capacity of the hand-off queue")
    p.add_argument("--rate", type=int, default=100, help=f"tasks offered per second, 0 to {MAX_RATE} (0: none)")
    p.add_argument("--hash-kib", type=int, default=64)
    p.add_argument("--sleep-ms", type=int, default=20)
    p.add_argument("--period-ms", type=int, default=1000)
    p.add_argument("--seconds", type=int, default=0, help="stop after this many seconds (0: at SIGTERM/SIGINT)")
    p.add_argument("--max-workers", type=int, default=256)
    p.add_argument("--token", default=os.environ.get("ADAPTIVE_THREADS_TOKEN", ""),
                   help="bearer token for the sidecar (default: $ADAPTIVE_THREADS_TOKEN)")
    a = p.parse_args()
    if a.queue < 1 or a.period_ms < 1 or a.max_workers < 1:
        p.error("--queue, --period-ms and --max-workers must be >= 1")
    if min(a.size, a.rate, a.hash_kib, a.sleep_ms, a.seconds) < 0:
        p.error("--size, --rate, --hash-kib, --sleep-ms and --seconds must be >= 0")
    if a.rate > MAX_RATE:
        p.error(f"--rate must be 0 to {MAX_RATE} tasks per second, got {a.rate}")
    # Every number in [0, 1000000], as in the C and Rust loops: a larger --hash-kib or --queue
    # would ask for more memory than there is before the loop (and its SIGTERM) starts.
    for flag in ("size", "queue", "hash_kib", "sleep_ms", "period_ms", "seconds", "max_workers"):
        if getattr(a, flag) > MAX_NUMBER:
            p.error(f"--{flag.replace('_', '-')} must be 0 to {MAX_NUMBER}, got {getattr(a, flag)}")
    if not POOL_NAME.fullmatch(a.pool):
        p.error(f"--pool must be 1 to 64 of a-z, 0-9, _ and - (the sidecar's pool names), got {a.pool!r}")
    if a.token and (len(a.token) > 4096 or not re.fullmatch(r"[\x21-\x7e]+", a.token)):
        p.error("the token must be printable ASCII without spaces, at most 4096 characters")
    url = urllib.parse.urlsplit(a.sidecar if "//" in a.sidecar else "http://" + a.sidecar)
    try:
        port = url.port  # ValueError for a port that is no number or out of range
        url.hostname.encode("idna")  # UnicodeError for a name no resolver takes ("a..b", a label over 63)
    except (ValueError, AttributeError):  # UnicodeError is a ValueError; no host at all is None
        port = None
    # Digits only: int() would take "+9464" or " 9464", which the C and Rust loops refuse.
    digits = re.fullmatch(r"[0-9]+", url.netloc.rsplit(":", 1)[-1]) if ":" in url.netloc else None
    if url.scheme != "http" or not url.hostname or not port or not digits:
        p.error(f"--sidecar must be HOST:PORT or http://HOST:PORT (an IPv6 address in brackets: [::1]:9464), PORT 1 to 65535, got {a.sidecar!r}")
    path = f"/v1/pools/{a.pool}/samples"

    stop = threading.Event()
    why = []

    def on_signal(signum, _frame):
        # Only a flag: a handler that took a lock could deadlock against the code it interrupted.
        why.append(signal.Signals(signum).name)

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    pool = Pool(a.queue, a.hash_kib * 1024, a.sleep_ms / 1000)
    # The producer first: a pool that takes every thread there is must not leave it unstarted.
    feeder = threading.Thread(target=producer, args=(pool, a.rate, stop), daemon=True)
    feeder.start()
    short = pool.resize(min(a.size, a.max_workers))
    if short:
        print(f"could not start every worker thread ({short})", flush=True)

    period = a.period_ms / 1000
    start = last = time.monotonic()
    end = start + a.seconds if a.seconds > 0 else float("inf")
    next_post = start + period
    failures = 0
    while True:
        now = time.monotonic()
        until = min(next_post, end)
        if why:
            break
        if until > now:
            time.sleep(min(until - now, 0.05))  # short slices, so a signal is seen at once
            continue
        if now >= end:
            break
        sample = pool.sample(now - last)
        last = now
        sample["ts"] = int(time.time() * 1000)
        try:
            status, reply = post(url.hostname, port, path, sample, a.token)
        except OSError as e:  # refused, reset, timed out
            status, reply = 0, str(e) or type(e).__name__
        except http.client.HTTPException as e:  # an answer that is no HTTP
            status, reply = 0, f"no HTTP answer: {type(e).__name__}"
        if status == 202 and isinstance(reply, dict) and isinstance(reply.get("target"), int):
            if failures:
                print(f"sidecar back after {failures} failed tries", flush=True)
            failures = 0
            target = min(reply["target"], a.max_workers)
            capped = f" (the sidecar's {reply['target']}, capped by --max-workers)" if target != reply["target"] else ""
            print(f"sample size={sample['size']} busy={sample['busy']} queue={sample['queueDepth']} "
                  f"completed={sample['completed']} refused={sample['refused']} "
                  f"cpu={sample.get('cpuSeconds', 0):.3f} target={target}{capped}", flush=True)
            if target >= 1 and target != sample["size"]:
                short = pool.resize(target)
                if short:  # said each time: the sidecar keeps asking, and each sample shows the real size
                    print(f"could not start every worker thread ({short})", flush=True)
            next_post += period
            if next_post < now:
                next_post = now + period
        else:
            # Keep the size; wait 2, 4, 8... periods, at most 30 s, minus up to a quarter at random so
            # that many daemons do not retry in step. A 400 names the bad field: a bug here, not an outage.
            failures += 1
            backoff = min(30.0, period * 2 ** min(failures, 6))
            backoff -= backoff * random.random() / 4
            what = f"answered {status} {(json.dumps(reply, separators=(',', ':')) if isinstance(reply, dict) else str(reply))[:160]}" if status else f"unreachable ({reply})"
            print(f"sidecar {what}: keeping size={sample['size']}, next try in {backoff * 1000:.0f} ms", flush=True)
            next_post = time.monotonic() + backoff  # from the end of the try: a timeout took up to 2 s of it

    stop.set()
    feeder.join()
    pool.stop()
    print(f"stopped ({why[0] if why else 'time is up'}): completed={pool.completed} refused={pool.refused}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
