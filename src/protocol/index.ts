// The wire between a daemon and the sidecar: the sample and its validation, the reply, the
// pin range, the pool-name pattern and the pid's range. Shared by http, client, pool, config,
// actuators and sources.
export { validateSampleBody, fieldOf, SampleSchema, SampleBatchSchema, SampleBodySchema, MAX_SAMPLES_PER_BATCH, MAX_SAMPLE_COUNT, PID_MAX, SAMPLE_TS_WINDOW } from './sample.js';
export type { Sample, SampleBodyResult, TsWindow } from './sample.js';
export { parseSampleReply } from './reply.js';
export type { SampleReply } from './reply.js';
export { PIN_RANGE, PIN_RANGE_TEXT, isPinSize } from './pin.js';
export { POOL_NAME_PATTERN, isPoolName } from './pool-name.js';
