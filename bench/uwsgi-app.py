# The WSGI app of `npm run bench:uwsgi`: each request hashes real bytes (sha256 over a random
# buffer, CPU work) and then blocks (time.sleep, the I/O part). The load generator sets both
# per request: /?bytes=N&wait=MS. The buffer is made at import, before uWSGI forks its workers.
import hashlib
import os
import time
from urllib.parse import parse_qs

DATA = memoryview(os.urandom(16 * 1024 * 1024))


def work(n):
    h = hashlib.sha256()
    while n > 0:
        chunk = min(n, len(DATA))
        h.update(DATA[:chunk])
        n -= chunk
    return h.hexdigest()


def application(environ, start_response):
    q = parse_qs(environ.get('QUERY_STRING', ''))
    n = int(q.get('bytes', ['0'])[0])
    wait_ms = float(q.get('wait', ['0'])[0])
    digest = work(n)
    if wait_ms > 0:
        time.sleep(wait_ms / 1000)
    start_response('200 OK', [('Content-Type', 'text/plain')])
    return [digest.encode()]


if __name__ == '__main__':
    # Calibration: milliseconds of CPU per MiB hashed on this machine (median of 7 runs).
    n = 64 * 1024 * 1024
    runs = []
    for _ in range(7):
        t0 = time.process_time()
        work(n)
        runs.append((time.process_time() - t0) * 1000 / 64)
    runs.sort()
    print(runs[3])
