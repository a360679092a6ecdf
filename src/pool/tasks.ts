// The built-in tasks a WorkerPool can run without a task module of its own: what the demo
// daemon and the real-plant benchmark use. Each is a plain function of one
// structured-cloneable argument, run inside a worker thread, so a CPU phase really
// occupies a core and an I/O phase really blocks the thread.
import { createHash } from 'node:crypto';

export interface HashTaskArg {
  /** bytes hashed per round (the CPU phase) */
  bytes: number;
  /** rounds of hashing, each over the same bytes chained with the previous digest; default 1 */
  rounds?: number;
  /** a blocking wait after the CPU phase, standing in for disk or network I/O */
  ioMs?: number;
  /** a node:crypto hash name; default sha256 */
  algorithm?: string;
}

export interface HashTaskResult {
  digest: string;
  bytesHashed: number;
  cpuMs: number;
  ioMs: number;
}

export interface GateTaskArg {
  /** from createGate(): the task blocks until the gate is opened */
  gate: SharedArrayBuffer;
  /** give up after this long, so a forgotten gate cannot hold a worker forever; default 30 s */
  timeoutMs?: number;
  /** echoed back, so a test can tell which task's result it got */
  value?: unknown;
}

export interface GateTaskResult {
  opened: boolean;
  value: unknown;
}

export interface FailTaskArg {
  message: string;
}

/** Every built-in task, selected by `kind`; pass one to WorkerPool.run(). */
export type BuiltinTask =
  | ({ kind: 'hash' } & HashTaskArg)
  | ({ kind: 'gate' } & GateTaskArg)
  | ({ kind: 'fail' } & FailTaskArg);

export type BuiltinResult<T extends BuiltinTask> = T extends { kind: 'hash' }
  ? HashTaskResult
  : T extends { kind: 'gate' }
    ? GateTaskResult
    : never;

// The input bytes are made once per size and per worker: generating them per task would
// add CPU work the caller did not ask for.
const blocks = new Map<number, Buffer>();

function inputBlock(bytes: number): Buffer {
  let block = blocks.get(bytes);
  if (!block) {
    block = Buffer.allocUnsafe(bytes);
    let x = 0x9e3779b9; // xorshift32: deterministic bytes, same digest on every run
    for (let i = 0; i < bytes; i++) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      block[i] = x & 0xff;
    }
    blocks.set(bytes, block);
  }
  return block;
}

function nonNegativeInteger(name: string, value: unknown, fallback: number): number {
  const v = value ?? fallback;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) {
    throw new RangeError(`${name} must be a non-negative integer, got ${String(value)}`);
  }
  return v;
}

/** Blocks the calling thread for ms (a real blocking wait, like a synchronous read). */
export function blockFor(ms: number): void {
  if (ms > 0) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** CPU phase (hash real bytes with node:crypto), then an optional blocking I/O phase. */
export function hash(arg: HashTaskArg): HashTaskResult {
  const bytes = nonNegativeInteger('bytes', arg.bytes, 0);
  const rounds = nonNegativeInteger('rounds', arg.rounds, 1);
  const ioMs = nonNegativeInteger('ioMs', arg.ioMs, 0);
  const data = inputBlock(bytes);
  const t0 = performance.now();
  let digest = '';
  for (let r = 0; r < rounds; r++) {
    const h = createHash(arg.algorithm ?? 'sha256');
    h.update(data);
    h.update(digest);
    digest = h.digest('hex');
  }
  const t1 = performance.now();
  blockFor(ioMs);
  return { digest, bytesHashed: bytes * rounds, cpuMs: t1 - t0, ioMs: performance.now() - t1 };
}

/** Blocks until the gate is opened (or timeoutMs passes): a task whose end a test decides. */
export function gate(arg: GateTaskArg): GateTaskResult {
  const view = new Int32Array(arg.gate);
  const deadline = performance.now() + (arg.timeoutMs ?? 30_000);
  while (Atomics.load(view, 0) === 0) {
    const left = deadline - performance.now();
    if (left <= 0) return { opened: false, value: arg.value };
    Atomics.wait(view, 0, 0, left);
  }
  return { opened: true, value: arg.value };
}

/** Throws: how a task failure travels back to the caller. */
export function fail(arg: FailTaskArg): never {
  throw new Error(arg.message);
}

export interface Gate {
  /** pass as `gate` in a `{kind: 'gate'}` task; shared with the worker, not copied */
  buffer: SharedArrayBuffer;
  open(): void;
}

export function createGate(): Gate {
  const buffer = new SharedArrayBuffer(4);
  const view = new Int32Array(buffer);
  return {
    buffer,
    open() {
      Atomics.store(view, 0, 1);
      Atomics.notify(view, 0);
    },
  };
}
