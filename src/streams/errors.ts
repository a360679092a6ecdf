// The engine's own failures, by code; src/http maps each code to a status.
export type EngineErrorCode = 'unknown-pool' | 'stopped' | 'controller-failed';

export class EngineError extends Error {
  readonly code: EngineErrorCode;
  constructor(code: EngineErrorCode, message: string) {
    super(message);
    this.name = 'EngineError';
    this.code = code;
  }
}
