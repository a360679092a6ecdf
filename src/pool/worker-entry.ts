// The script every WorkerPool thread runs: load the task's module, call the named export
// with the argument, answer with the value or the error. One task at a time: the pool
// never sends another before this one is answered.
import { parentPort } from 'node:worker_threads';
import * as builtin from './tasks.js';
import { BUILTIN_MODULE, serializeError } from './protocol.js';
import type { RunMessage, WorkerMessage } from './protocol.js';

type TaskModule = Record<string, unknown>;

const modules = new Map<string, Promise<TaskModule>>();

function load(specifier: string): Promise<TaskModule> {
  if (specifier === BUILTIN_MODULE) return Promise.resolve(builtin as TaskModule);
  let mod = modules.get(specifier);
  if (!mod) {
    mod = import(specifier) as Promise<TaskModule>;
    // A failed import is not cached: the file may appear later (a deploy in progress).
    mod.catch(() => modules.delete(specifier));
    modules.set(specifier, mod);
  }
  return mod;
}

async function run(msg: RunMessage): Promise<WorkerMessage> {
  try {
    const mod = await load(msg.module);
    const fn = mod[msg.fn];
    if (typeof fn !== 'function') {
      throw new TypeError(`task module ${msg.module} has no exported function ${msg.fn}`);
    }
    const value: unknown = await (fn as (arg: unknown) => unknown)(msg.arg);
    return { type: 'done', id: msg.id, ok: true, value };
  } catch (err) {
    return { type: 'done', id: msg.id, ok: false, error: serializeError(err) };
  }
}

const port = parentPort;
if (!port) throw new Error('worker-entry must run in a worker thread');

port.on('message', (msg: RunMessage) => {
  void run(msg).then((reply) => {
    try {
      port.postMessage(reply);
    } catch (err) {
      // The value could not be cloned (a function, a socket...): report that instead.
      port.postMessage({ type: 'done', id: msg.id, ok: false, error: serializeError(err) } satisfies WorkerMessage);
    }
  });
});
port.postMessage({ type: 'ready' } satisfies WorkerMessage);
