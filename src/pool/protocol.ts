// The messages between a WorkerPool and its worker threads. Kept in one file so the
// pool and worker-entry cannot drift apart.
import { isAbsolute } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { BuiltinTask } from './tasks.js';
import type { TaskRef } from './types.js';

/** The module name that selects the built-in tasks of ./tasks.ts inside the worker. */
export const BUILTIN_MODULE = 'adaptive-threads:builtin';

/** Pool -> worker: run one task. A worker never gets a second one before it answers. */
export interface RunMessage {
  type: 'run';
  id: number;
  /** BUILTIN_MODULE, a file: URL, or a package specifier */
  module: string;
  fn: string;
  arg: unknown;
}

export interface SerializedError {
  name: string;
  message: string;
  stack?: string;
}

/** Worker -> pool. `ready` is sent once the worker has loaded, before any task. */
export type WorkerMessage =
  | { type: 'ready' }
  | { type: 'done'; id: number; ok: true; value: unknown }
  | { type: 'done'; id: number; ok: false; error: SerializedError };

export function serializeError(err: unknown): SerializedError {
  if (err instanceof Error) {
    return { name: err.name, message: err.message, ...(err.stack ? { stack: err.stack } : {}) };
  }
  return { name: 'Error', message: String(err) };
}

export function isWorkerMessage(value: unknown): value is WorkerMessage {
  if (typeof value !== 'object' || value === null) return false;
  const type = (value as { type?: unknown }).type;
  return type === 'ready' || type === 'done';
}

export function toRunMessage(id: number, task: BuiltinTask | TaskRef): RunMessage {
  if (!('module' in task)) return { type: 'run', id, module: BUILTIN_MODULE, fn: task.kind, arg: task };
  let module = task.module instanceof URL ? task.module.href : task.module;
  // The worker imports relative to its own file; an absolute path becomes a URL so it means what the caller meant.
  if (isAbsolute(module)) module = pathToFileURL(module).href;
  return { type: 'run', id, module, fn: task.fn, arg: task.arg };
}
