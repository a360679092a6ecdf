//! A daemon's worker pool driven by the adaptive-threads sidecar, in Rust (std only, no crates).
//! See docs/integration.md, "Daemon loops in C, Python and Rust".
//!
//!     rustc -O --edition 2021 -o daemon-loop main.rs
//!     ./daemon-loop --sidecar 127.0.0.1:9464 --pool transfer --size 4 --rate 100 --hash-kib 64 --sleep-ms 20
//!
//! A producer thread offers --rate tasks a second to a bounded queue (--queue; a task that does
//! not fit is refused); --size worker threads take them, hash --hash-kib KiB and sleep --sleep-ms.
//! The main thread posts one sample every --period-ms to POST /v1/pools/{pool}/samples, prints one
//! line per sample and resizes the pool to the replied target; while the sidecar is away it keeps
//! the size and retries with capped, jittered exponential back-off. With a token (--token, or
//! ADAPTIVE_THREADS_TOKEN in the environment, which keeps it out of `ps`), each sample carries
//! `Authorization: Bearer <token>`. SIGTERM, SIGINT or --seconds N stop it: the producer stops,
//! each worker finishes its task, exit status 0.
use std::collections::hash_map::DefaultHasher;
use std::collections::{HashMap, VecDeque};
use std::hash::Hasher;
use std::io::{Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::sync::atomic::{AtomicI32, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

static SINK: AtomicU64 = AtomicU64::new(0);

// std has no signal API; libc's signal(2) is linked anyway. The handler only stores the number.
static SIGNAL: AtomicI32 = AtomicI32::new(0);
extern "C" fn on_signal(sig: i32) {
    SIGNAL.store(sig, Ordering::SeqCst);
}
extern "C" {
    fn signal(sig: i32, handler: extern "C" fn(i32)) -> usize;
}
const SIGINT: i32 = 2;
const SIGTERM: i32 = 15;

/// (ns on a CPU, ns runnable waiting for one) of a thread, from /proc/self/task/TID/schedstat.
fn schedstat(tid: u64) -> Option<(u64, u64)> {
    let text = std::fs::read_to_string(format!("/proc/self/task/{tid}/schedstat")).ok()?;
    let mut it = text.split_whitespace().map(|v| v.parse::<u64>().ok());
    Some((it.next()??, it.next()??))
}

/// The calling thread's id: /proc/thread-self links to "PID/task/TID".
fn own_tid() -> Option<u64> {
    let link = std::fs::read_link("/proc/thread-self").ok()?;
    link.file_name()?.to_str()?.parse().ok()
}

/// The pool, under one mutex. The areas are time integrals (busy worker-seconds, seconds at
/// capacity), advanced by account() before every change of busy_now or of the queue's length.
struct State {
    queue: VecDeque<u64>,
    workers: HashMap<u64, Option<u64>>, // worker number -> its thread id, once it started
    next_worker: u64,
    retire: usize,
    busy_now: usize,
    stopping: bool,
    busy_area: f64,
    full_area: f64,
    last_change: Instant,
    completed: u64,
    refused: u64,
    retired_cpu_ns: u64, // CPU of the workers that have exited
    retired_delay_ns: u64,
}

struct Pool {
    state: Mutex<State>,
    work: Condvar,
    gone: Condvar,
    capacity: usize,
    /// /proc/self/task/TID/schedstat is readable here (Linux): else the samples carry `pid`
    schedstat: bool,
    data: Vec<u8>,
    sleep: Duration,
}

impl State {
    fn account(&mut self, capacity: usize) {
        let now = Instant::now();
        let dt = now.duration_since(self.last_change).as_secs_f64();
        self.busy_area += self.busy_now as f64 * dt;
        if self.queue.len() >= capacity {
            self.full_area += dt;
        }
        self.last_change = now;
    }
    /// Workers that take tasks: retiring ones are not counted.
    fn size(&self) -> usize {
        self.workers.len() - self.retire
    }
}

fn worker(pool: Arc<Pool>, id: u64) {
    let mut s = pool.state.lock().unwrap();
    let tid = own_tid();
    s.workers.insert(id, tid);
    loop {
        while !s.stopping && s.retire == 0 && s.queue.is_empty() {
            s = pool.work.wait(s).unwrap();
        }
        if s.stopping {
            break;
        }
        if s.retire > 0 {
            s.retire -= 1; // retiring: between tasks, never in one
            break;
        }
        s.account(pool.capacity);
        let seed = s.queue.pop_front().unwrap();
        s.busy_now += 1; // busy from taking the task...
        drop(s);
        let mut h = DefaultHasher::new();
        h.write_u64(seed);
        h.write(&pool.data);
        SINK.store(h.finish(), Ordering::Relaxed); // keeps the hash from being optimized away
        thread::sleep(pool.sleep);
        s = pool.state.lock().unwrap();
        s.account(pool.capacity);
        s.busy_now -= 1; // ...to finishing it
        s.completed += 1;
    }
    if let Some((cpu, delay)) = tid.and_then(schedstat) {
        s.retired_cpu_ns += cpu;
        s.retired_delay_ns += delay;
    }
    s.workers.remove(&id);
    pool.gone.notify_all();
}

/// Grows or shrinks the pool towards `target`; Err says why a grow fell short (a thread that
/// could not be created: memory, pids.max, ulimit -u): the threads that started stay, and the
/// size (reported in the next sample) is what runs.
fn resize(pool: &Arc<Pool>, target: usize) -> Result<(), String> {
    let mut s = pool.state.lock().unwrap();
    let size = s.size();
    if target > size {
        let undo = s.retire.min(target - size); // cancel pending retirements first
        s.retire -= undo;
        for _ in 0..target - size - undo {
            let id = s.next_worker;
            s.next_worker += 1;
            s.workers.insert(id, None);
            let p = Arc::clone(pool);
            // Builder::spawn, not thread::spawn: a thread that cannot be created is an error, not a panic.
            if let Err(e) = thread::Builder::new().spawn(move || worker(p, id)) {
                s.workers.remove(&id);
                return Err(format!("{e}: running {} of {target}", s.size()));
            }
        }
    } else if target < size {
        s.retire += size - target;
        pool.work.notify_all(); // idle workers retire now, busy ones after their task
    }
    Ok(())
}

struct Sample {
    size: usize,
    busy: usize,
    depth: usize,
    stall: f64,
    completed: u64,
    refused: u64,
    cpu: Option<(u64, u64)>,
}

/// The period's figures; reads the live workers' CPU under the lock, so that no worker exits
/// between being read live and being added to the retired sums.
fn sample(pool: &Pool, elapsed: f64) -> Sample {
    let mut s = pool.state.lock().unwrap();
    s.account(pool.capacity);
    let size = s.size();
    let busy = ((s.busy_area / elapsed).round() as usize).min(size);
    let stall = (s.full_area / elapsed).min(1.0);
    s.busy_area = 0.0;
    s.full_area = 0.0;
    let mut cpu = if pool.schedstat { Some((s.retired_cpu_ns, s.retired_delay_ns)) } else { None };
    for tid in s.workers.values() {
        cpu = match (cpu, tid.map(schedstat)) {
            (Some((c, d)), Some(Some((c2, d2)))) => Some((c + c2, d + d2)),
            (Some(acc), None) => Some(acc), // not started yet
            _ => None,                      // no schedstat here
        };
    }
    Sample { size, busy, depth: s.queue.len(), stall, completed: s.completed, refused: s.refused, cpu }
}

/// The whole request (connect, send and the whole answer) gets this long: a socket timeout bounds
/// one call only, and an answer that trickles in must not hold the loop.
const POST_TIMEOUT: Duration = Duration::from_secs(2);

fn timed_out() -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::TimedOut, format!("no whole answer within {} s", POST_TIMEOUT.as_secs()))
}

/// What is left until `deadline`, or the timeout error.
fn left(deadline: Instant) -> std::io::Result<Duration> {
    let d = deadline.saturating_duration_since(Instant::now());
    if d.is_zero() {
        Err(timed_out())
    } else {
        Ok(d)
    }
}

/// One POST over a fresh connection: Ok((status, body)), or Err when the sidecar is unreachable,
/// does not answer in time, or answers no HTTP. The answer ends at its Content-Length (a proxy
/// may keep the connection open), else at the close.
fn post(hostport: &str, path: &str, body: &str, token: &str) -> std::io::Result<(u16, String)> {
    let deadline = Instant::now() + POST_TIMEOUT;
    let mut last = std::io::Error::new(std::io::ErrorKind::Other, "no address");
    let mut conn = None;
    for addr in hostport.to_socket_addrs()? {
        // every address of the name in turn: "localhost" may be ::1 first, the sidecar on 127.0.0.1
        match TcpStream::connect_timeout(&addr, left(deadline)?) {
            Ok(c) => {
                conn = Some(c);
                break;
            }
            Err(e) => last = e,
        }
    }
    let mut conn = conn.ok_or(last)?;
    let auth = if token.is_empty() { String::new() } else { format!("Authorization: Bearer {token}\r\n") };
    let request = format!("POST {path} HTTP/1.1\r\nHost: {hostport}\r\nContent-Type: application/json\r\n{auth}Content-Length: {}\r\nConnection: close\r\n\r\n{body}", body.len());
    conn.set_write_timeout(Some(left(deadline)?))?;
    conn.write_all(request.as_bytes())?;
    let mut reply = Vec::new();
    let mut want = 8192usize;
    let mut chunk = [0u8; 4096];
    while reply.len() < want {
        conn.set_read_timeout(Some(left(deadline)?))?;
        let n = match conn.read(&mut chunk) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut) => return Err(timed_out()),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        reply.extend_from_slice(&chunk[..n.min(want - reply.len())]);
        if want == 8192 {
            if let Some(head) = reply.windows(4).position(|w| w == b"\r\n\r\n") {
                let head_text = String::from_utf8_lossy(&reply[..head]).to_ascii_lowercase();
                let length = head_text.lines().find_map(|l| l.strip_prefix("content-length:")).and_then(|v| v.trim().parse::<usize>().ok());
                if let Some(length) = length {
                    want = want.min((head + 4).saturating_add(length));
                }
            }
        }
    }
    let text = String::from_utf8_lossy(&reply).into_owned();
    let status = text
        .strip_prefix("HTTP/1.")
        .and_then(|rest| rest.split(' ').nth(1))
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| std::io::Error::new(std::io::ErrorKind::Other, "no HTTP answer"))?;
    let body = text.split_once("\r\n\r\n").map(|(_, b)| b.to_string()).unwrap_or_default();
    Ok((status, body))
}

/// The sidecar's pool names: 1 to 64 of a-z, 0-9, _ and -.
fn valid_pool(name: &str) -> bool {
    (1..=64).contains(&name.len()) && name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
}

/// HOST:PORT as to_socket_addrs takes it: a port in 1..=65535, and an IPv6 address in brackets
/// ([::1]:9464).
fn valid_hostport(hostport: &str) -> bool {
    let Some((host, port)) = hostport.rsplit_once(':') else { return false };
    let host_ok = match host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
        Some(v6) => v6.parse::<std::net::Ipv6Addr>().is_ok(),
        None => !host.is_empty() && !host.contains(':'),
    };
    // Digits only: parse() would take "+9464".
    host_ok && !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit()) && port.parse::<u16>().map_or(false, |p| p > 0)
}

/// --rate's ceiling, as in the C and Python loops: a task every microsecond (a rate above 1e9
/// would make the producer's step 0 ns, a busy loop).
const MAX_RATE: u64 = 1_000_000;
/** Every numeric flag's ceiling (--rate's too). */
const MAX_NUMBER: u64 = 1_000_000;

/// The integer after "target": in the reply (the reply is flat JSON).
fn target_of(body: &str) -> Option<usize> {
    let rest = &body[body.find("\"target\":")? + 9..];
    rest.trim_start().split(|c: char| !c.is_ascii_digit()).next()?.parse().ok()
}

const USAGE: &str = "usage: daemon-loop [--sidecar HOST:PORT|http://HOST:PORT] [--pool NAME] [--size N]\n  [--queue N] [--rate TASKS_PER_S (0 to 1000000)] [--hash-kib N] [--sleep-ms N] [--period-ms N] [--seconds N] [--max-workers N]\n  [--token TOKEN (default: $ADAPTIVE_THREADS_TOKEN)]";

fn usage(why: &str) -> ! {
    eprintln!("daemon-loop: {why}\n{USAGE}");
    std::process::exit(2)
}

/// The CPUs this process may use, counted as the sidecar counts them: the cgroup v2 CPU quota
/// (rounded up) when one is set, else the affinity mask. cpu.max is "QUOTA PERIOD" (us); "max
/// PERIOD", "max" alone or anything malformed is no quota.
fn usable_cpus() -> usize {
    let quota = std::fs::read_to_string("/sys/fs/cgroup/cpu.max").ok().and_then(|text| {
        let (q, p) = text.strip_suffix('\n').unwrap_or(&text).split_once(' ')?;
        let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        if !digits(q) || !digits(p) {
            return None;
        }
        let (q, p) = (q.parse::<u64>().ok()?, p.parse::<u64>().ok()?);
        (q > 0 && p > 0).then(|| (q / p + u64::from(q % p != 0)) as usize)
    });
    // std has no sched_getaffinity, and available_parallelism() is no stand-in for it: it also
    // applies the cgroup quota, rounded down (a quota of 1.5 CPUs gives 1). It serves only where
    // /proc/self/status cannot be read.
    quota.or_else(affinity).unwrap_or_else(|| thread::available_parallelism().map_or(1, |n| n.get())).max(1)
}

/// The CPUs of this thread's affinity mask, from /proc/self/status ("Cpus_allowed_list:\t0-3,8").
fn affinity() -> Option<usize> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let list = status.lines().find_map(|l| l.strip_prefix("Cpus_allowed_list:"))?.trim();
    let mut n = 0usize;
    for range in list.split(',') {
        let (lo, hi) = range.split_once('-').unwrap_or((range, range));
        let (lo, hi) = (lo.parse::<usize>().ok()?, hi.parse::<usize>().ok()?);
        n += hi.checked_sub(lo)? + 1;
    }
    (n > 0).then_some(n)
}

fn main() {
    let cpus = usable_cpus();
    let (mut hostport, mut pool_name) = ("127.0.0.1:9464".to_string(), "transfer".to_string());
    let (mut size, mut queue, mut rate, mut hash_kib, mut sleep_ms) = (cpus * 2, 64usize, 100u64, 64usize, 20u64);
    let (mut period_ms, mut seconds, mut max_workers) = (1000u64, 0u64, 256usize);
    let mut token = std::env::var("ADAPTIVE_THREADS_TOKEN").unwrap_or_default();
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().step_by(2).any(|a| a == "--help" || a == "-h") {
        println!("{USAGE}");
        std::process::exit(0);
    }
    for pair in args.chunks(2) {
        let (k, v) = match pair {
            [k, v] => (k.as_str(), v.as_str()),
            _ => usage("a flag without a value"),
        };
        // Every number in [0, 1000000], as in the C and Python loops: a larger one would overflow a
        // deadline or ask for more memory than there is.
        let n = || v.parse::<u64>().ok().filter(|x| *x <= MAX_NUMBER).unwrap_or_else(|| usage(&format!("{k} needs a whole number in [0, {MAX_NUMBER}], got {v:?}")));
        match k {
            "--sidecar" => {
                let hp = v.strip_prefix("http://").unwrap_or(v);
                hostport = hp.split('/').next().unwrap_or("").to_string();
                if !valid_hostport(&hostport) {
                    usage(&format!("--sidecar must be HOST:PORT or http://HOST:PORT (an IPv6 address in brackets: [::1]:9464), got {v:?}"));
                }
            }
            "--pool" => {
                if !valid_pool(v) {
                    usage("--pool must be 1 to 64 of a-z, 0-9, _ and - (the sidecar's pool names)");
                }
                pool_name = v.to_string();
            }
            "--token" => token = v.to_string(),
            "--size" => size = n() as usize,
            "--queue" => queue = n() as usize,
            "--rate" => {
                rate = v.parse::<u64>().ok().filter(|r| *r <= MAX_RATE).unwrap_or_else(|| usage(&format!("--rate needs a whole number of tasks per second from 0 to {MAX_RATE}, got {v:?}")))
            }
            "--hash-kib" => hash_kib = n() as usize,
            "--sleep-ms" => sleep_ms = n(),
            "--period-ms" => period_ms = n(),
            "--seconds" => seconds = n(),
            "--max-workers" => max_workers = n() as usize,
            _ => usage(&format!("unknown flag {k}")),
        }
    }
    if queue < 1 || period_ms < 1 || max_workers < 1 {
        usage("--queue, --period-ms and --max-workers must be >= 1");
    }
    if token.len() > 4096 || !token.bytes().all(|b| (0x21..=0x7e).contains(&b)) {
        usage("the token must be printable ASCII without spaces, at most 4096 characters");
    }
    unsafe {
        signal(SIGTERM, on_signal);
        signal(SIGINT, on_signal);
    }

    let start = Instant::now();
    let pool = Arc::new(Pool {
        state: Mutex::new(State {
            queue: VecDeque::with_capacity(queue),
            workers: HashMap::new(),
            next_worker: 0,
            retire: 0,
            busy_now: 0,
            stopping: false,
            busy_area: 0.0,
            full_area: 0.0,
            last_change: start,
            completed: 0,
            refused: 0,
            retired_cpu_ns: 0,
            retired_delay_ns: 0,
        }),
        work: Condvar::new(),
        gone: Condvar::new(),
        capacity: queue,
        schedstat: own_tid().and_then(schedstat).is_some(),
        data: (0..hash_kib * 1024).map(|i| (i * 31 % 251) as u8).collect(),
        sleep: Duration::from_millis(sleep_ms),
    });

    let feeder = {
        let pool = Arc::clone(&pool);
        thread::spawn(move || {
            if rate == 0 {
                // no tasks offered
                while !pool.state.lock().unwrap().stopping {
                    thread::sleep(Duration::from_millis(50));
                }
                return;
            }
            let step = Duration::from_nanos(1_000_000_000 / rate);
            let mut next = Instant::now();
            for seed in 1u64.. {
                next += step;
                thread::sleep(next.saturating_duration_since(Instant::now()));
                let mut s = pool.state.lock().unwrap();
                if s.stopping {
                    return;
                }
                s.account(pool.capacity);
                if s.queue.len() < pool.capacity {
                    s.queue.push_back(seed);
                    pool.work.notify_one();
                } else {
                    s.refused += 1; // the queue is full: turned away
                }
            }
        })
    };
    // After the producer: a pool that takes every thread there is must not leave it unstarted.
    if let Err(e) = resize(&pool, size.min(max_workers)) {
        println!("could not start every worker thread ({e})");
    }

    let path = format!("/v1/pools/{pool_name}/samples");
    let period = Duration::from_millis(period_ms);
    let end = if seconds > 0 { Some(start + Duration::from_secs(seconds)) } else { None };
    let (mut last, mut next_post, mut failures) = (start, start + period, 0u32);
    let mut jitter = u64::from(std::process::id()) | 1; // xorshift: enough to spread retries
    loop {
        let now = Instant::now();
        let until = end.map_or(next_post, |e| e.min(next_post));
        if SIGNAL.load(Ordering::SeqCst) != 0 || end.map_or(false, |e| now >= e) {
            break;
        }
        if until > now {
            thread::sleep((until - now).min(Duration::from_millis(50))); // short slices: a signal is seen at once
            continue;
        }
        let s = sample(&pool, now.duration_since(last).as_secs_f64());
        last = now;
        let ts = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis()).unwrap_or(0);
        let cpu = match s.cpu {
            Some((c, d)) => format!("\"cpuSeconds\":{:.6},\"runDelaySeconds\":{:.6}", c as f64 / 1e9, d as f64 / 1e9),
            None => format!("\"pid\":{}", std::process::id()), // no schedstat: the sidecar may read our threads
        };
        let body = format!(
            "{{\"ts\":{ts},\"size\":{},\"busy\":{},\"queueDepth\":{},\"queueCapacity\":{queue},\"queueStall\":{:.4},\"completed\":{},\"refused\":{},{cpu}}}",
            s.size, s.busy, s.depth, s.stall, s.completed, s.refused
        );
        let reply = post(&hostport, &path, &body, &token);
        match reply.as_ref().ok().filter(|(status, _)| *status == 202).and_then(|(_, b)| target_of(b)) {
            Some(target) => {
                if failures > 0 {
                    println!("sidecar back after {failures} failed tries");
                }
                failures = 0;
                let told = target;
                let target = told.min(max_workers);
                let capped = if told != target { format!(" (the sidecar's {told}, capped by --max-workers)") } else { String::new() };
                let cpu_s = s.cpu.map_or(0.0, |(c, _)| c as f64 / 1e9);
                println!("sample size={} busy={} queue={} completed={} refused={} cpu={cpu_s:.3} target={target}{capped}", s.size, s.busy, s.depth, s.completed, s.refused);
                if target >= 1 && target != s.size {
                    // said each time: the sidecar keeps asking, and each sample shows the real size
                    if let Err(e) = resize(&pool, target) {
                        println!("could not start every worker thread ({e})");
                    }
                }
                next_post += period;
                if next_post < now {
                    next_post = now + period;
                }
            }
            None => {
                // Keep the size; wait 2, 4, 8... periods, at most 30 s, minus up to a quarter at
                // random so that many daemons do not retry in step. A 400 names the bad field.
                failures += 1;
                let mut backoff = (period * (1u32 << failures.min(6))).min(Duration::from_secs(30));
                jitter ^= jitter << 13;
                jitter ^= jitter >> 7;
                jitter ^= jitter << 17;
                backoff -= backoff.mul_f64((jitter % 1000) as f64 / 4000.0);
                match reply {
                    Ok((status, b)) => println!("sidecar answered {status} {}: keeping size={}, next try in {} ms", b.trim().chars().take(160).collect::<String>(), s.size, backoff.as_millis()),
                    Err(e) => println!("sidecar unreachable ({e}): keeping size={}, next try in {} ms", s.size, backoff.as_millis()),
                }
                next_post = Instant::now() + backoff; // from the end of the try: a timeout took up to 2 s of it
            }
        }
    }

    let mut s = pool.state.lock().unwrap();
    s.stopping = true;
    pool.work.notify_all();
    while !s.workers.is_empty() {
        s = pool.gone.wait(s).unwrap(); // each finishes its task first
    }
    let (completed, refused) = (s.completed, s.refused);
    drop(s);
    feeder.join().unwrap();
    let why = match SIGNAL.load(Ordering::SeqCst) {
        SIGTERM => "SIGTERM",
        SIGINT => "SIGINT",
        _ => "time is up",
    };
    println!("stopped ({why}): completed={completed} refused={refused}");
}
