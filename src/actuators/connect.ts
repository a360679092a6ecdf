// Actuators from config, and their wiring to the engine: they read the shared decision
// stream (fire and forget: an actuator never blocks the loop) and the accepted samples
// (to see a size applied). At start, a pool whose target needs no sample (a config pin, or
// every pool's static size under OC_ADAPTIVE_THREADS=0) is applied at once by the actuators
// that keep a standing value (the file); an adaptive pool's first sample sets its target to
// the size the daemon reports, so nothing is written for it before a change of target.
import { filter } from 'rxjs';
import type { Subscription } from 'rxjs';
import type { ActuatorConfig } from '../config/index.js';
import type { Engine, Logger } from '../streams/index.js';
import { fileActuator } from './file.js';
import { shouldActuate } from './types.js';
import type { ActuationOutcome, Actuator, AttemptHook, FailureHook, Sleep } from './types.js';
import { webhookActuator } from './webhook.js';

export function createActuators(configs: readonly ActuatorConfig[], onAttempt: AttemptHook, sleep?: Sleep): Actuator[] {
  return configs.map((c) =>
    c.type === 'webhook'
      ? webhookActuator({ url: c.url, timeoutMs: c.timeoutMs, maxRetries: c.maxRetries, onAttempt, ...(sleep ? { sleep } : {}) })
      : fileActuator({ dir: c.dir, onAttempt, ...(sleep ? { sleep } : {}) }),
  );
}

export function connectActuators(engine: Engine, actuators: readonly Actuator[], logger: Logger): () => void {
  if (actuators.length === 0) return () => undefined;
  const subs: Subscription[] = [];
  const report = (a: Actuator, outcome: Promise<ActuationOutcome>): void => {
    outcome.then(
      (out) => {
        if (out.status === 'error') logger.warn({ actuator: a.kind, ...out }, `${a.kind}: could not set pool ${out.pool} to ${out.size}: ${out.error}`);
        else if (out.status === 'ok' && out.attempts > 1) logger.info({ actuator: a.kind, ...out }, `${a.kind}: pool ${out.pool} set to ${out.size} after ${out.attempts} attempts`);
        else if (out.status === 'ok') logger.debug({ actuator: a.kind, ...out }, `${a.kind}: pool ${out.pool} set to ${out.size}`);
      },
      (err: unknown) => logger.error({ actuator: a.kind, err }, `${a.kind}: actuator failed`),
    );
  };
  const failed = (a: Actuator): FailureHook => (f) =>
    logger.warn({ actuator: a.kind, ...f }, `${a.kind}: could not set pool ${f.pool} to ${f.size} (attempt ${f.attempts}, retrying): ${f.error}`);
  subs.push(
    engine.decisions$.pipe(filter(shouldActuate)).subscribe((d) => {
      for (const a of actuators) report(a, a.apply(d, failed(a)));
    }),
  );
  for (const view of engine.states()) {
    if (view.mode !== 'pinned' && view.mode !== 'disabled') continue;
    for (const a of actuators) if (a.initial) report(a, a.initial(view.name, view.target, failed(a)));
  }
  subs.push(
    engine.ingested$.subscribe(({ pool, samples }) => {
      const last = samples[samples.length - 1];
      if (last === undefined) return;
      for (const a of actuators) a.reported?.(pool, last.size);
    }),
  );
  return () => {
    for (const s of subs) s.unsubscribe();
    for (const a of actuators) a.stop();
  };
}
