// The pools' error catalogue: a caller tells the cases apart by `code`, not by message.

export type PoolErrorCode =
  | 'POOL_QUEUE_FULL' // run() found every worker busy and the hand-off queue at capacity
  | 'POOL_CLOSED' // run() or resize() after close(), or a queued task dropped by close()
  | 'WORKER_EXITED' // the worker running the task died (uncaught error, OOM, terminate)
  | 'TASK_FAILED' // the task itself threw; the worker is fine
  | 'BUFFER_NOT_IN_USE'; // release() of a buffer that this pool did not hand out, or twice

export class PoolError extends Error {
  readonly code: PoolErrorCode;

  constructor(code: PoolErrorCode, message: string) {
    super(message);
    this.name = 'PoolError';
    this.code = code;
  }
}

/** A task threw inside its worker; `remoteName` and `stack` come from the worker side. */
export class TaskError extends PoolError {
  readonly remoteName: string;

  constructor(remoteName: string, message: string, remoteStack?: string) {
    super('TASK_FAILED', message);
    this.name = 'TaskError';
    this.remoteName = remoteName;
    if (remoteStack) this.stack = remoteStack;
  }
}
