// What the stream engine needs from its surroundings, as narrow interfaces: a logger, the
// metric hooks and the step function. The engine knows neither pino nor prom-client.
import type { ControllerState, CpuReading, Decision, Sample } from '../core/index.js';

export type { SampleReply } from '../protocol/index.js';

/** The subset of a pino logger the engine and its consumers use. */
export interface Logger {
  error(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
  debug(obj: object, msg: string): void;
}

/** Metric hooks the engine calls on the hot path (src/metrics implements them). */
export interface EngineMetrics {
  samplesAccepted(pool: string, count: number): void;
  controllerError(pool: string): void;
  tickDuration(seconds: number): void;
}

/**
 * One pool's law as a reducer over ticks: the core's `tick` by default. Injected in tests
 * (a throwing step proves that one pool's failure stays at that pool's boundary).
 */
export type StepFn = (
  state: ControllerState,
  samples: readonly Sample[],
  nowMs: number,
  cpu?: CpuReading | null,
) => { state: ControllerState; decision: Decision };

/** Samples as they were accepted, for the recorder and for actuators that wait to see a size applied. */
export interface Ingested {
  pool: string;
  receivedAt: number;
  samples: readonly Sample[];
}

export const silentLogger: Logger = {
  error: () => undefined,
  warn: () => undefined,
  info: () => undefined,
  debug: () => undefined,
};
