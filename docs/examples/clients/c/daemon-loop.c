/* A daemon's worker pool driven by the adaptive-threads sidecar, in C (libc sockets, pthreads).
 * See docs/integration.md, "Daemon loops in C, Python and Rust".
 *
 *   gcc -O2 -Wall -Wextra -pthread -o daemon-loop daemon-loop.c -lm
 *   ./daemon-loop --sidecar 127.0.0.1:9464 --pool transfer --size 4 --rate 100 --hash-kib 64 --sleep-ms 20
 *
 * A producer thread offers --rate tasks a second to a bounded queue (--queue; a task that does
 * not fit is refused); --size worker threads take them, hash --hash-kib KiB and sleep --sleep-ms.
 * The main thread posts one sample every --period-ms to POST /v1/pools/{pool}/samples, prints
 * one line per sample and resizes the pool to the replied target; while the sidecar is away it
 * keeps the size and retries with capped, jittered exponential back-off. With a token (--token,
 * or ADAPTIVE_THREADS_TOKEN in the environment, which keeps it out of `ps`), each sample carries
 * `Authorization: Bearer <token>`. SIGTERM, SIGINT or --seconds N stop it: the producer stops,
 * each worker finishes its task, exit status 0.                                               */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <sched.h>
#include <netdb.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static struct {
    char host[256], port[16], hostport[256], pool[65], token[4097];
    int size, queue, rate, hash_kib, sleep_ms, period_ms, seconds, max_workers;
} opt = {"127.0.0.1", "9464", "127.0.0.1:9464", "transfer", "", 0, 64, 100, 64, 20, 1000, 0, 256};

#define POST_TIMEOUT_MS 2000 /* the whole request: connect, send and the whole answer */

struct slot { int used; pid_t tid; clockid_t clock; };

/* The pool, all under `m`. The areas are integrals over time (ns), advanced by account()
 * before every change of busy_now or of the queue's length. */
static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t work = PTHREAD_COND_INITIALIZER, gone = PTHREAD_COND_INITIALIZER;
static uint64_t *ring;               /* the hand-off queue: task seeds */
static int qhead, qlen;
static int workers, retire, busy_now, stopping;
static struct slot *slots;
static double busy_area, full_area;  /* busy worker-ns; ns at capacity */
static int64_t last_change;
static unsigned long long completed, refused;
static uint64_t retired_cpu_ns, retired_delay_ns; /* CPU of the workers that have exited */
static int have_schedstat;
static unsigned char *bytes;          /* what a task hashes */
static volatile uint64_t sink;

static int64_t mono_ns(void) {
    struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

static void account(void) {
    int64_t now = mono_ns(), dt = now - last_change;
    busy_area += (double)busy_now * dt;
    if (qlen == opt.queue) full_area += dt;
    last_change = now;
}

/* /proc/self/task/TID/schedstat: ns on a CPU, ns runnable waiting for one, timeslices. */
static int schedstat(pid_t tid, uint64_t *cpu, uint64_t *delay) {
    char path[64]; unsigned long long c, d;
    snprintf(path, sizeof path, "/proc/self/task/%d/schedstat", (int)tid);
    FILE *f = fopen(path, "r");
    if (!f) return -1;
    int n = fscanf(f, "%llu %llu", &c, &d);
    fclose(f);
    if (n != 2) return -1;
    *cpu = c; *delay = d;
    return 0;
}

static uint64_t clock_ns(clockid_t c) {
    struct timespec t;
    return clock_gettime(c, &t) == 0 ? (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec : 0;
}

/* The pool's CPU: the exited workers' plus the live ones'. Under `m`, so no worker exits
 * between being read live and being added to the retired sums. */
static void pool_cpu(uint64_t *cpu, uint64_t *delay) {
    *cpu = retired_cpu_ns; *delay = retired_delay_ns;
    for (int i = 0; i < opt.max_workers; i++) {
        if (!slots[i].used || slots[i].tid == 0) continue;
        uint64_t c = 0, d = 0;
        if (have_schedstat && schedstat(slots[i].tid, &c, &d) == 0) { *cpu += c; *delay += d; }
        else *cpu += clock_ns(slots[i].clock);
    }
}

static void run_task(uint64_t seed) {
    uint64_t h = 1469598103934665603u ^ seed;            /* FNV-1a over the bytes */
    size_t n = (size_t)opt.hash_kib * 1024;
    for (size_t i = 0; i < n; i++) h = (h ^ bytes[i]) * 1099511628211u;
    sink = h;
    struct timespec s = {opt.sleep_ms / 1000, (long)(opt.sleep_ms % 1000) * 1000000};
    while (nanosleep(&s, &s) != 0 && errno == EINTR) {}
}

static void *worker(void *arg) {
    struct slot *me = arg;
    pthread_mutex_lock(&m);
    me->tid = gettid();
    pthread_getcpuclockid(pthread_self(), &me->clock);
    for (;;) {
        while (!stopping && retire == 0 && qlen == 0) pthread_cond_wait(&work, &m);
        if (stopping) break;
        if (retire > 0) { retire--; break; }             /* retiring: between tasks, never in one */
        account();
        uint64_t seed = ring[qhead];
        qhead = (qhead + 1) % opt.queue; qlen--;
        busy_now++;                                      /* busy from taking the task... */
        pthread_mutex_unlock(&m);
        run_task(seed);
        pthread_mutex_lock(&m);
        account();
        busy_now--; completed++;                         /* ...to finishing it */
    }
    uint64_t c = 0, d = 0;
    if (have_schedstat && schedstat(me->tid, &c, &d) == 0) { retired_cpu_ns += c; retired_delay_ns += d; }
    else retired_cpu_ns += clock_ns(CLOCK_THREAD_CPUTIME_ID);
    me->used = 0; me->tid = 0;
    workers--;
    pthread_cond_broadcast(&gone);
    pthread_mutex_unlock(&m);
    return NULL;
}

/* Under `m`. Size = workers that take tasks: retiring ones are not counted. Returns 0, or the
 * error of a pthread_create that failed (EAGAIN: memory, pids.max, ulimit -u): the threads that
 * started stay, and the size (reported in the next sample) is what runs. */
static int resize(int target) {
    int size = workers - retire;
    if (target > size) {
        int undo = retire < target - size ? retire : target - size;
        retire -= undo; size += undo;                    /* cancel pending retirements first */
        for (int i = 0; i < opt.max_workers && size < target; i++) {
            if (slots[i].used) continue;
            pthread_t t; pthread_attr_t a;
            pthread_attr_init(&a);
            pthread_attr_setdetachstate(&a, PTHREAD_CREATE_DETACHED);
            slots[i] = (struct slot){1, 0, 0};
            int err = pthread_create(&t, &a, worker, &slots[i]);
            pthread_attr_destroy(&a);
            if (err != 0) { slots[i].used = 0; return err; }
            workers++; size++;
        }
    } else if (target < size) {
        retire += size - target;
        pthread_cond_broadcast(&work);                   /* idle workers retire now, busy ones after their task */
    }
    return 0;
}

static void *producer(void *arg) {
    (void)arg;
    if (opt.rate == 0) {                                 /* no tasks offered */
        pthread_mutex_lock(&m);
        while (!stopping) pthread_cond_wait(&work, &m);
        pthread_mutex_unlock(&m);
        return NULL;
    }
    struct timespec next; clock_gettime(CLOCK_MONOTONIC, &next);
    long step = 1000000000L / opt.rate;
    for (uint64_t seed = 1;; seed++) {
        next.tv_nsec += step;
        while (next.tv_nsec >= 1000000000L) { next.tv_nsec -= 1000000000L; next.tv_sec++; }
        clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL);
        pthread_mutex_lock(&m);
        if (stopping) { pthread_mutex_unlock(&m); return NULL; }
        account();
        if (qlen < opt.queue) {
            ring[(qhead + qlen) % opt.queue] = seed; qlen++;
            pthread_cond_signal(&work);
        } else refused++;                                /* the queue is full: turned away */
        pthread_mutex_unlock(&m);
    }
}

/* Sets fd's send and receive timeouts to what is left until `deadline` (mono ns); 0, with errno
 * ETIMEDOUT (not whatever an earlier call left there), when none is left. */
static int time_left(int fd, int64_t deadline) {
    int64_t left = deadline - mono_ns();
    if (left <= 0) { errno = ETIMEDOUT; return 0; }
    struct timeval tv = {(time_t)(left / 1000000000), (suseconds_t)(left % 1000000000 / 1000)};
    if (tv.tv_sec == 0 && tv.tv_usec == 0) tv.tv_usec = 1;
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    return 1;
}

/* One POST over a fresh connection, within POST_TIMEOUT_MS in all (a socket timeout bounds one
 * call only: an answer that trickles in must not hold the loop); fills status and the reply
 * body. The answer ends at its Content-Length (a proxy may keep the connection open), else at
 * the close. -1 when unreachable, timed out or no HTTP answer. */
static int post(const char *path, const char *body, int *status, char *reply, size_t cap) {
    int64_t deadline = mono_ns() + (int64_t)POST_TIMEOUT_MS * 1000000;
    struct addrinfo hints = {0}, *res;
    hints.ai_socktype = SOCK_STREAM;
    int rc = getaddrinfo(opt.host, opt.port, &hints, &res);
    if (rc != 0) { snprintf(reply, cap, "%s", gai_strerror(rc)); return -1; }
    int fd = -1;
    for (struct addrinfo *a = res; a && fd < 0; a = a->ai_next) {
        fd = socket(a->ai_family, a->ai_socktype, a->ai_protocol);
        if (fd < 0) continue;
        if (!time_left(fd, deadline) || connect(fd, a->ai_addr, a->ai_addrlen) != 0) {
            snprintf(reply, cap, "connect: %s", errno == EINPROGRESS || errno == ETIMEDOUT ? "timed out" : strerror(errno)); close(fd); fd = -1;
        }
    }
    freeaddrinfo(res);
    if (fd < 0) return -1;
    char req[6144], auth[4200] = "";
    if (opt.token[0]) snprintf(auth, sizeof auth, "Authorization: Bearer %s\r\n", opt.token);
    int n = snprintf(req, sizeof req,
        "POST %s HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\n%s"
        "Content-Length: %zu\r\nConnection: close\r\n\r\n%s", path, opt.hostport, auth, strlen(body), body);
    if (n < 0 || n >= (int)sizeof req) { snprintf(reply, cap, "request too long"); close(fd); return -1; }
    for (int sent = 0; sent < n;) {
        ssize_t w = time_left(fd, deadline) ? send(fd, req + sent, (size_t)(n - sent), MSG_NOSIGNAL) : -1;
        if (w <= 0) { snprintf(reply, cap, "send: %s", w < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != ETIMEDOUT ? strerror(errno) : "timed out"); close(fd); return -1; }
        sent += (int)w;
    }
    char buf[4096]; size_t got = 0, want = sizeof buf - 1; ssize_t r = 0;
    while (got < want) {
        if (!time_left(fd, deadline)) { r = -1; break; }
        r = recv(fd, buf + got, want - got, 0);
        if (r <= 0) break;
        got += (size_t)r;
        buf[got] = 0;
        const char *head_end = strstr(buf, "\r\n\r\n");
        if (head_end && want == sizeof buf - 1) {       /* the head is in: the body's length, if given */
            for (const char *h = strstr(buf, "\r\n"); h && h < head_end; h = strstr(h + 2, "\r\n")) {
                if (strncasecmp(h + 2, "Content-Length:", 15) == 0) {
                    size_t len = strtoul(h + 17, NULL, 10), total = (size_t)(head_end + 4 - buf) + len;
                    if (total < want) want = total;
                }
            }
        }
    }
    close(fd);
    buf[got] = 0;
    if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == ETIMEDOUT)) { snprintf(reply, cap, "no whole answer within %d s", POST_TIMEOUT_MS / 1000); return -1; }
    if (sscanf(buf, "HTTP/1.%*d %d", status) != 1) { *status = 0; snprintf(reply, cap, "no HTTP answer"); return -1; }
    const char *b = strstr(buf, "\r\n\r\n");
    snprintf(reply, cap, "%s", b ? b + 4 : "");
    return 0;
}

/* The CPUs this process may use, counted as the sidecar counts them: the cgroup v2 CPU quota
 * (rounded up) when one is set, else the affinity mask. cpu.max is "QUOTA PERIOD" (us); "max
 * PERIOD", "max" alone or anything malformed is no quota. */
static long usable_cpus(void) {
    FILE *f = fopen("/sys/fs/cgroup/cpu.max", "r");
    if (f) {
        char line[64], *sp, *end; long c = 0;
        if (fgets(line, sizeof line, f) && isdigit((unsigned char)line[0])) {
            errno = 0;
            long long q = strtoll(line, &sp, 10);
            if (*sp == ' ' && isdigit((unsigned char)sp[1])) {
                long long period = strtoll(sp + 1, &end, 10);
                if ((*end == '\n' || *end == 0) && errno == 0 && q > 0 && period > 0) c = (long)(q / period + (q % period != 0));
            }
        }
        fclose(f);
        if (c >= 1) return c;
    }
    cpu_set_t set;
    long n = sched_getaffinity(0, sizeof set, &set) == 0 ? CPU_COUNT(&set) : sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? n : 1;
}

/* The sidecar's pool names: 1 to 64 of a-z, 0-9, _ and -. */
static int valid_pool(const char *s) {
    size_t len = strlen(s);
    if (len < 1 || len > 64) return 0;
    for (; *s; s++) if (!(islower((unsigned char)*s) || isdigit((unsigned char)*s) || *s == '_' || *s == '-')) return 0;
    return 1;
}

/* A token: printable ASCII without spaces, at most 4096 characters. */
static int valid_token(const char *s) {
    if (strlen(s) > 4096) return 0;
    for (; *s; s++) if (*s < 0x21 || *s > 0x7e) return 0;
    return 1;
}

static int parse_hostport(const char *s) {
    if (strncmp(s, "http://", 7) == 0) s += 7;
    char tmp[240];
    if (strlen(s) >= sizeof tmp) return -1;
    memcpy(tmp, s, strlen(s) + 1);
    char *slash = strchr(tmp, '/'); if (slash) *slash = 0;
    char *colon = strrchr(tmp, ':');
    if (!colon || colon == tmp) return -1;
    *colon = 0;
    /* a port number 1 to 65535: getaddrinfo would also take a service name ("http") */
    char *end; errno = 0;
    long port = strtol(colon + 1, &end, 10);
    if (!isdigit((unsigned char)colon[1]) || *end != 0 || errno != 0 || port < 1 || port > 65535) return -1;
    if (strlen(colon + 1) >= sizeof opt.port) return -1;
    snprintf(opt.hostport, sizeof opt.hostport, "%.239s:%.15s", tmp, colon + 1);
    char *h = tmp; size_t hl = strlen(h);
    if (h[0] == '[' && hl > 1 && h[hl - 1] == ']') { h[hl - 1] = 0; h++; }   /* [::1]:9464 */
    else if (strchr(h, ':')) return -1;   /* an IPv6 address without brackets: which colon ends it? */
    snprintf(opt.host, sizeof opt.host, "%.239s", h);
    snprintf(opt.port, sizeof opt.port, "%.15s", colon + 1);
    return 0;
}

#define USAGE "usage: daemon-loop [--sidecar HOST:PORT|http://HOST:PORT] [--pool NAME] [--size N]\n" \
    "  [--queue N] [--rate TASKS_PER_S (0 to 1000000)] [--hash-kib N] [--sleep-ms N] [--period-ms N] [--seconds N] [--max-workers N]\n" \
    "  [--token TOKEN (default: $ADAPTIVE_THREADS_TOKEN)]\n"

static void usage(const char *why) {
    fprintf(stderr, "daemon-loop: %s\n" USAGE, why);
    exit(2);
}

int main(int argc, char **argv) {
    opt.size = (int)(usable_cpus() * 2);                 /* the static size to start from: n*2 */
    const char *env_token = getenv("ADAPTIVE_THREADS_TOKEN");
    if (env_token) {
        if (strlen(env_token) >= sizeof opt.token) usage("ADAPTIVE_THREADS_TOKEN is longer than 4096 characters");
        snprintf(opt.token, sizeof opt.token, "%s", env_token);
    }
    for (int i = 1; i < argc; i++) {
        const char *k = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(k, "--help") || !strcmp(k, "-h")) { fputs(USAGE, stdout); exit(0); }
        if (!v) usage("a flag without a value");
        i++;
        char *end; long n = strtol(v, &end, 10);
        int num = *v && !*end && n >= 0 && n <= 1000000;
        static const char *numeric[] = {"--size", "--queue", "--rate", "--hash-kib", "--sleep-ms", "--period-ms", "--seconds", "--max-workers"};
        int known = !strcmp(k, "--sidecar") || !strcmp(k, "--pool") || !strcmp(k, "--token");
        for (size_t f = 0; f < sizeof numeric / sizeof *numeric; f++) known = known || !strcmp(k, numeric[f]);
        if (!known) { char why[96]; snprintf(why, sizeof why, "unknown flag %.40s", k); usage(why); }
        if (!strcmp(k, "--sidecar")) { if (parse_hostport(v)) usage("--sidecar must be HOST:PORT or http://HOST:PORT (an IPv6 address in brackets: [::1]:9464), PORT 1 to 65535"); }
        else if (!strcmp(k, "--pool")) { if (!valid_pool(v)) usage("--pool must be 1 to 64 of a-z, 0-9, _ and - (the sidecar's pool names)"); snprintf(opt.pool, sizeof opt.pool, "%s", v); }
        else if (!strcmp(k, "--token")) { if (strlen(v) >= sizeof opt.token) usage("--token is longer than 4096 characters"); snprintf(opt.token, sizeof opt.token, "%s", v); }
        else if (!num) { char why[96]; snprintf(why, sizeof why, "%.40s needs a whole number in [0, 1000000]", k); usage(why); }
        else if (!strcmp(k, "--size")) opt.size = (int)n;
        else if (!strcmp(k, "--queue")) opt.queue = (int)n;
        else if (!strcmp(k, "--rate")) opt.rate = (int)n;
        else if (!strcmp(k, "--hash-kib")) opt.hash_kib = (int)n;
        else if (!strcmp(k, "--sleep-ms")) opt.sleep_ms = (int)n;
        else if (!strcmp(k, "--period-ms")) opt.period_ms = (int)n;
        else if (!strcmp(k, "--seconds")) opt.seconds = (int)n;
        else if (!strcmp(k, "--max-workers")) opt.max_workers = (int)n;
        else usage("unknown flag");
    }
    if (opt.queue < 1 || opt.period_ms < 1 || opt.max_workers < 1) usage("--queue, --period-ms and --max-workers must be >= 1");
    if (!valid_token(opt.token)) usage("the token must be printable ASCII without spaces");
    if (opt.size > opt.max_workers) opt.size = opt.max_workers;
    setvbuf(stdout, NULL, _IOLBF, 0);

    /* SIGTERM and SIGINT are blocked in every thread; the main thread takes them in sigtimedwait. */
    sigset_t sigs; sigemptyset(&sigs); sigaddset(&sigs, SIGTERM); sigaddset(&sigs, SIGINT);
    pthread_sigmask(SIG_BLOCK, &sigs, NULL);

    uint64_t probe_c, probe_d;
    have_schedstat = schedstat(gettid(), &probe_c, &probe_d) == 0;
    ring = calloc((size_t)opt.queue, sizeof *ring);
    slots = calloc((size_t)opt.max_workers, sizeof *slots);
    bytes = malloc((size_t)opt.hash_kib * 1024 + 1);
    for (size_t i = 0; i < (size_t)opt.hash_kib * 1024; i++) bytes[i] = (unsigned char)(i * 2654435761u >> 13);
    srand((unsigned)getpid());

    int64_t start = mono_ns(), last = start, next_post = start + (int64_t)opt.period_ms * 1000000;
    int64_t end = opt.seconds > 0 ? start + (int64_t)opt.seconds * 1000000000 : INT64_MAX;
    pthread_mutex_lock(&m);
    last_change = start;
    pthread_mutex_unlock(&m);
    /* The producer first: a pool that takes every thread there is must not leave it unstarted. */
    pthread_t prod;
    int err = pthread_create(&prod, NULL, producer, NULL);
    if (err) { fprintf(stderr, "daemon-loop: could not start the producer thread: %s\n", strerror(err)); return 1; }
    pthread_mutex_lock(&m);
    err = resize(opt.size);
    int running = workers - retire;
    pthread_mutex_unlock(&m);
    if (err) printf("could not start every worker thread (%s): running %d of %d\n", strerror(err), running, opt.size);

    char path[128]; snprintf(path, sizeof path, "/v1/pools/%s/samples", opt.pool);
    int failures = 0, sig = 0;
    for (;;) {
        int64_t now = mono_ns(), until = next_post < end ? next_post : end, left = until > now ? until - now : 0;
        /* Taken before every post too (a zero wait): a signal that came during a post stops the loop at once. */
        struct timespec w = {left / 1000000000, left % 1000000000};
        sig = sigtimedwait(&sigs, NULL, &w);
        if (sig > 0) break;
        if (left > 0) continue;                          /* timeout (EAGAIN) or EINTR: check the time again */
        if (now >= end) break;

        pthread_mutex_lock(&m);
        account();
        double elapsed = (double)(now - last); last = now;
        int size = workers - retire;
        int busy = (int)llround(busy_area / elapsed);
        if (busy > size) busy = size;
        double stall = full_area / elapsed; if (stall > 1) stall = 1;
        busy_area = full_area = 0;
        int depth = qlen;
        unsigned long long done = completed, turned = refused;
        uint64_t cpu, delay; pool_cpu(&cpu, &delay);
        pthread_mutex_unlock(&m);

        struct timespec wall; clock_gettime(CLOCK_REALTIME, &wall);
        char body[512], extra[96] = "";
        if (have_schedstat) snprintf(extra, sizeof extra, ",\"runDelaySeconds\":%.6f", delay / 1e9);
        snprintf(body, sizeof body,
            "{\"ts\":%lld,\"size\":%d,\"busy\":%d,\"queueDepth\":%d,\"queueCapacity\":%d,\"queueStall\":%.4f,"
            "\"completed\":%llu,\"refused\":%llu,\"cpuSeconds\":%.6f%s}",
            (long long)wall.tv_sec * 1000 + wall.tv_nsec / 1000000, size, busy, depth, opt.queue, stall,
            done, turned, cpu / 1e9, extra);

        int status = 0; char reply[1024];
        const char *t = NULL;
        if (post(path, body, &status, reply, sizeof reply) == 0 && status == 202 && (t = strstr(reply, "\"target\":"))) {
            if (failures > 0) printf("sidecar back after %d failed tries\n", failures);
            failures = 0;
            int told = (int)strtol(t + 9, NULL, 10);
            int target = told > opt.max_workers ? opt.max_workers : told;
            char capped[64] = "";
            if (told != target) snprintf(capped, sizeof capped, " (the sidecar's %d, capped by --max-workers)", told);
            printf("sample size=%d busy=%d queue=%d completed=%llu refused=%llu cpu=%.3f target=%d%s\n",
                   size, busy, depth, done, turned, cpu / 1e9, target, capped);
            if (target >= 1 && target != size) {
                pthread_mutex_lock(&m);
                int err = resize(target), running = workers - retire;
                pthread_mutex_unlock(&m);
                /* said each time: the sidecar keeps asking, and each sample shows the real size */
                if (err) printf("could not start every worker thread (%s): running %d of %d\n", strerror(err), running, target);
            }
            next_post += (int64_t)opt.period_ms * 1000000;
            if (next_post < now) next_post = now + (int64_t)opt.period_ms * 1000000;
        } else {
            /* unreachable, timeout or not 202: keep the size; wait 2, 4, 8... periods, at most 30 s,
             * minus up to a quarter at random so that many daemons do not retry in step. A 400
             * names the bad field: a bug in this loop, not an outage. */
            failures++;
            int64_t backoff = (int64_t)opt.period_ms << (failures < 6 ? failures : 6);
            if (backoff > 30000) backoff = 30000;
            backoff -= (int64_t)(backoff * (rand() / (RAND_MAX + 1.0)) / 4);
            if (status) printf("sidecar answered %d %.160s: keeping size=%d, next try in %lld ms\n", status, reply, size, (long long)backoff);
            else printf("sidecar unreachable (%s): keeping size=%d, next try in %lld ms\n", reply, size, (long long)backoff);
            next_post = mono_ns() + backoff * 1000000;   /* from the end of the try: a timeout took up to 2 s of it */
        }
    }

    pthread_mutex_lock(&m);
    stopping = 1;
    pthread_cond_broadcast(&work);
    while (workers > 0) pthread_cond_wait(&gone, &m);   /* each finishes its task first */
    unsigned long long done = completed, turned = refused;
    pthread_mutex_unlock(&m);
    pthread_join(prod, NULL);
    printf("stopped (%s): completed=%llu refused=%llu\n", sig == SIGTERM ? "SIGTERM" : sig == SIGINT ? "SIGINT" : "time is up", done, turned);
    return 0;
}
