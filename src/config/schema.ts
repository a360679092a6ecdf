// The config file's schema (docs/operator-guide.md), written once in TypeBox: `Static<>` gives the
// TypeScript type, ajv compiles it for validation, and the same JSON Schema (with its
// `description`, `default` and `x-allowed` on every key) generates the config reference.
// `additionalProperties: false` everywhere, so a typo is an error, not a silent default.
import { Type } from '@sinclair/typebox';
import type { Static, TSchema } from '@sinclair/typebox';
import { CHEAPER_OVERLOAD_MS, CHEAPER_STEP } from '../core/laws/cheaper.js';
import { HILL_SEED } from '../core/laws/hill.js';
import { HPA_POLICY_PERIOD_MS, HPA_STABILIZATION_MS } from '../core/laws/hpa.js';
import { LAW_NAMES } from '../core/types.js';
import type { ControllerParams, LawName } from '../core/types.js';
import { ajv } from '../protocol/ajv.js';
import { PID_MAX, PIN_RANGE, PIN_RANGE_TEXT, POOL_NAME_PATTERN } from '../protocol/index.js';

export { POOL_NAME_PATTERN };
/** `threads: N` pins a pool: N within the pin range. */
export const MAX_PINNED_THREADS = PIN_RANGE.max;

/** The controller defaults of docs/operator-guide.md, in the file's form (band as [low, high]). */
export const DEFAULT_CONTROLLER = {
  law: 'pi' as LawName,
  periodMs: 1000,
  band: [0.6, 0.85] as [number, number],
  growCooldownMs: 5000,
  shrinkCooldownMs: 30000,
  staleAfterPeriods: 3,
  idleEwmaSeconds: 30,
  failedGrowBackoffMs: 10000,
  maxStep: null as number | null,
  // The peer laws' own parameters, at their published defaults (the constants live with each law).
  hpaStabilizationMs: HPA_STABILIZATION_MS,
  hpaPolicyPeriodMs: HPA_POLICY_PERIOD_MS,
  hillSeed: HILL_SEED,
  cheaperOwnBand: true,
  cheaperStep: CHEAPER_STEP,
  cheaperOverloadMs: CHEAPER_OVERLOAD_MS,
};

/** The same defaults in the core's form (band as {low, high}): one source for every user. */
export const DEFAULT_PARAMS: ControllerParams = (() => {
  const { band, ...rest } = DEFAULT_CONTROLLER;
  return { ...rest, band: { low: band[0], high: band[1] } };
})();

export const DEFAULT_LISTEN = '127.0.0.1:9464';

/** A bearer token: printable ASCII, no spaces (what an Authorization header can carry intact). */
export const TOKEN_PATTERN = '^[\\x21-\\x7E]+$';

/** Webhook actuator defaults (docs/integration.md names retries with back-off, not their numbers). */
export const DEFAULT_WEBHOOK = { timeoutMs: 2000, maxRetries: 3 };

/** The longest duration a timer can honour (setTimeout's signed 32-bit milliseconds). */
export const MAX_DURATION_MS = 2 ** 31 - 1;

/**
 * A duration in whole milliseconds, at most MAX_DURATION_MS. `min` is 1 unless 0 has a
 * meaning, which `zero` then says (a cooldown of 0 is no cooldown).
 */
function durationMs(description: string, defaultMs: number, opts: { min?: number; zero?: string } = {}) {
  const min = opts.min ?? (opts.zero === undefined ? 1 : 0);
  const zero = opts.zero === undefined ? '' : ` 0 means ${opts.zero}.`;
  return Type.Integer({
    minimum: min,
    maximum: MAX_DURATION_MS,
    description: `${description}${zero}`,
    default: defaultMs,
    'x-allowed': `an integer number of milliseconds in [${min}, ${MAX_DURATION_MS}] (2^31 - 1)`,
  });
}

const fraction = (description: string) =>
  Type.Number({ exclusiveMinimum: 0, exclusiveMaximum: 1, description, 'x-allowed': 'a fraction strictly between 0 and 1' });

/** Every controller parameter; the same schemas serve `defaults` and the per-pool overrides. */
export const controllerProperties = {
  law: Type.Unsafe<LawName>({
    type: 'string',
    enum: [...LAW_NAMES],
    description: 'Control law that sizes the pool: pi (default, docs/design.md), band (the reference law), aimd, hpa, hill, cheaper.',
    default: DEFAULT_CONTROLLER.law,
    'x-allowed': LAW_NAMES.join(' | '),
  }),
  periodMs: durationMs('Sample (tick) period in milliseconds: the controller decides once per period. At least 10.', DEFAULT_CONTROLLER.periodMs, { min: 10 }),
  band: Type.Tuple([fraction('low edge of the band'), fraction('high edge of the band')], {
    description: 'Utilization band [low, high]: above high the pool grows, below low it shrinks, inside it holds.',
    default: DEFAULT_CONTROLLER.band,
    'x-allowed': '[low, high] with 0 < low < high < 1',
  }),
  growCooldownMs: durationMs('Milliseconds after a grow before the next grow.', DEFAULT_CONTROLLER.growCooldownMs, { zero: 'no grow cooldown (a grow may follow a grow at the next tick)' }),
  shrinkCooldownMs: durationMs('Milliseconds after a shrink before the next shrink (also the shrink stabilization window; ten times it after a burst).', DEFAULT_CONTROLLER.shrinkCooldownMs, {
    zero: 'no shrink cooldown and no stabilization',
  }),
  staleAfterPeriods: Type.Integer({
    minimum: 1,
    description: 'Periods without a sample after which the pool is stale: it holds, and never shrinks on missing data.',
    default: DEFAULT_CONTROLLER.staleAfterPeriods,
    'x-allowed': 'an integer number of periods >= 1',
  }),
  idleEwmaSeconds: Type.Number({
    exclusiveMinimum: 0,
    maximum: Math.floor(MAX_DURATION_MS / 1000),
    description: 'Time constant in seconds of the EWMA that smooths the worker idle fraction.',
    default: DEFAULT_CONTROLLER.idleEwmaSeconds,
    'x-allowed': `a number of seconds > 0 and at most ${Math.floor(MAX_DURATION_MS / 1000)} (2^31 - 1 ms)`,
  }),
  failedGrowBackoffMs: durationMs('Milliseconds to wait after a grow the daemon did not apply; the pool keeps its previous size. Each grow that fails again at the same size doubles the wait, up to 32 times this value, until a grow is applied.', DEFAULT_CONTROLLER.failedGrowBackoffMs),
  maxStep: Type.Union([Type.Integer({ minimum: 1 }), Type.Null()], {
    description: 'Largest resize of one pi decision, in workers; null means max(1, ceil(size / 4)). Not bound by it: a grow sized from the measured demand (up to doubling the pool), a step back to the size the CPUs serve or to a learned ceiling, and a grow back to the workers the daemon still runs. The band law always steps by 1.',
    default: DEFAULT_CONTROLLER.maxStep,
    'x-allowed': 'an integer >= 1, or null for max(1, ceil(size / 4))',
  }),
  hpaStabilizationMs: durationMs("hpa law only: scale-down stabilization window in milliseconds (Kubernetes' default 300 s).", DEFAULT_CONTROLLER.hpaStabilizationMs, {
    zero: 'no stabilization, as in Kubernetes',
  }),
  hpaPolicyPeriodMs: durationMs("hpa law only: period of its scale-up policies, +4 or +100 % per period (Kubernetes' default 15 s).", DEFAULT_CONTROLLER.hpaPolicyPeriodMs),
  hillSeed: Type.Integer({
    minimum: 0,
    description: 'hill law only: seed of the random sample interval (.NET draws it unseeded; a seed makes runs repeatable).',
    default: DEFAULT_CONTROLLER.hillSeed,
    'x-allowed': 'an integer >= 0',
  }),
  cheaperOwnBand: Type.Boolean({
    description: "cheaper law only: true judges busyness against uWSGI's own 25 %..50 %; false against `band`.",
    default: DEFAULT_CONTROLLER.cheaperOwnBand,
    'x-allowed': 'true | false',
  }),
  cheaperStep: Type.Integer({
    minimum: 1,
    description: "cheaper law only: workers added when busyness is over the band (uWSGI's cheaper-step).",
    default: DEFAULT_CONTROLLER.cheaperStep,
    'x-allowed': 'an integer >= 1',
  }),
  cheaperOverloadMs: durationMs("cheaper law only: the period busyness is averaged over, in milliseconds (uWSGI's cheaper-overload, 3 s).", DEFAULT_CONTROLLER.cheaperOverloadMs),
};

export const DefaultsSchema = Type.Partial(Type.Object(controllerProperties), {
  additionalProperties: false,
  description: 'Controller parameters for every pool (docs/operator-guide.md); each one can be overridden per pool.',
  default: DEFAULT_CONTROLLER,
  'x-allowed': `a map of ${Object.keys(controllerProperties).join(', ')}`,
});

/** The daemon process whose threads the sidecar reads for the pool's CPU (the `process` CPU source). */
export const ProcessSchema = Type.Object(
  {
    pid: Type.Optional(Type.Integer({ minimum: 1, maximum: PID_MAX, description: "The daemon's process id (give pid or pidFile).", default: null, 'x-allowed': `an integer in [1, ${PID_MAX}]` })),
    pidFile: Type.Optional(
      Type.String({ minLength: 1, maxLength: 4096, description: "A file holding the daemon's process id, read again when the process is gone (a restarted daemon); give pid or pidFile.", default: null, 'x-allowed': 'a path' }),
    ),
    threads: Type.Optional(
      Type.String({ minLength: 1, maxLength: 256, description: 'A regular expression on thread names (/proc/PID/task/TID/comm, which keeps the first 15 characters of a name): only matching threads are the pool; matching none, the pool has no CPU figure (a pool whose matching threads all exit at times, an executor that keeps none when idle, loses its figure then, and its CPU counters start again when they come back: a pattern that also matches a thread that stays keeps the figure). Default: every thread of the process.', default: null, 'x-allowed': 'a regular expression' }),
    ),
  },
  {
    additionalProperties: false,
    description: "Where the sidecar reads the pool's CPU itself (the `process` CPU source): the daemon's pid or pidFile, and optionally a pattern on its thread names. Default: none (CPU from the samples' cpuSeconds, or the pid they carry).",
    default: null,
    'x-allowed': 'a map with pid or pidFile, and optionally threads',
  },
);

/** A daemon the sidecar drives itself: it reads the pool from the daemon and applies targets to it. */
export const SourceSchema = Type.Object(
  {
    type: Type.Literal('uwsgi', { description: 'The daemon: uwsgi (its stats server and master FIFO).', 'x-allowed': 'uwsgi' }),
    stats: Type.String({ minLength: 1, maxLength: 4096, description: "uWSGI's stats server: HOST:PORT, or the path of its unix socket.", 'x-allowed': 'HOST:PORT or a socket path' }),
    fifo: Type.String({ minLength: 1, maxLength: 4096, description: "uWSGI's master FIFO (`master-fifo`), where `+` adds a worker and `-` removes one.", 'x-allowed': 'a path' }),
    cheaper: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 4096,
        description: "uWSGI's `cheaper` option: the fewest workers the sidecar leaves running (uWSGI's stats do not say it, and its FIFO does not enforce it), at most the pool's hard max. The most is uWSGI's `processes`, read from its stats.",
        default: 1,
        'x-allowed': 'an integer in [1, 4096]',
      }),
    ),
  },
  {
    additionalProperties: false,
    description: 'A daemon the sidecar drives itself, for daemons that expose their pool but do not post samples. Default: none (the daemon posts samples).',
    default: null,
    'x-allowed': '{type: uwsgi, stats: HOST:PORT | socket path, fifo: path, cheaper: integer}',
  },
);

const threadsAllowed = `an integer in ${PIN_RANGE_TEXT} pins the pool, 0 or "adaptive" means adaptive`;

export const PoolSchema = Type.Object(
  {
    kind: Type.Union([Type.Literal('transfer'), Type.Literal('buffer')], {
      description: 'What the pool sizes: transfer (worker threads) or buffer (buffer-pool shards); its hard bounds come from n (docs/operator-guide.md).',
      'x-allowed': 'transfer | buffer',
    }),
    threads: Type.Optional(
      Type.Union([Type.Literal('adaptive'), Type.Integer({ minimum: 0, maximum: MAX_PINNED_THREADS })], {
        description: `"adaptive" (or 0) lets the controller size the pool; an integer in ${PIN_RANGE_TEXT} pins it to that size.`,
        default: 'adaptive',
        'x-allowed': threadsAllowed,
      }),
    ),
    mode: Type.Optional(
      Type.Union([Type.Literal('adaptive'), Type.Literal('observe')], {
        description: 'adaptive: decisions are applied; observe: decisions are only recommended, the target stays the current size.',
        default: 'adaptive',
        'x-allowed': 'adaptive | observe',
      }),
    ),
    process: Type.Optional(ProcessSchema),
    source: Type.Optional(SourceSchema),
    ...Type.Partial(Type.Object(controllerProperties)).properties,
  },
  {
    additionalProperties: false,
    description: 'One pool: its kind, threads and mode, its CPU source (process) or daemon source (source), plus any key of `defaults` as a per-pool override.',
    'x-allowed': `a map of kind, threads, mode, process, source, ${Object.keys(controllerProperties).join(', ')}`,
  },
);

export const DEFAULT_POOLS = {
  transfer: { kind: 'transfer', threads: 'adaptive' },
  buffer: { kind: 'buffer', threads: 'adaptive' },
} as const;

export const PoolsSchema = Type.Record(Type.String({ pattern: POOL_NAME_PATTERN }), PoolSchema, {
  additionalProperties: false,
  minProperties: 1,
  description: 'The pools to size, by name; each has its own controller and state.',
  default: DEFAULT_POOLS,
  'x-allowed': `at least one pool, named by ${POOL_NAME_PATTERN}`,
});

export const WebhookActuatorSchema = Type.Object(
  {
    type: Type.Literal('webhook', { description: 'POST {pool, size, action, reason} to a URL.', 'x-allowed': 'webhook' }),
    url: Type.String({
      minLength: 1,
      description: 'http(s) URL to POST to; "{pool}" is replaced by the pool name. Redirects are not followed (a 3xx is a failure) and at most 4 KiB of the answer is read.',
      'x-allowed': 'an http:// or https:// URL without credentials (no user:password@)',
    }),
    timeoutMs: Type.Optional(durationMs('Milliseconds before one POST is abandoned.', DEFAULT_WEBHOOK.timeoutMs)),
    maxRetries: Type.Optional(
      Type.Integer({ minimum: 0, description: 'Retries (with exponential back-off) after a failed POST.', default: DEFAULT_WEBHOOK.maxRetries, 'x-allowed': 'an integer >= 0' }),
    ),
  },
  { additionalProperties: false, description: 'Webhook actuator.', 'x-allowed': 'a map of type, url, timeoutMs, maxRetries' },
);

export const FileActuatorSchema = Type.Object(
  {
    type: Type.Literal('file', {
      description: 'Write the size to {dir}/{pool}.size (mode 0644) atomically, at start for pinned and static sizes and on every change of target; a failed write is retried until it lands.',
      'x-allowed': 'file',
    }),
    dir: Type.String({ minLength: 1, description: 'Directory the size files are written to.', 'x-allowed': 'a non-empty directory path' }),
  },
  { additionalProperties: false, description: 'File actuator.', 'x-allowed': 'a map of type, dir' },
);

/** A discriminated oneOf, so ajv reports errors from the branch `type` selects. */
export const ActuatorSchema = Type.Unsafe<Static<typeof WebhookActuatorSchema> | Static<typeof FileActuatorSchema>>({
  type: 'object',
  discriminator: { propertyName: 'type' },
  oneOf: [WebhookActuatorSchema, FileActuatorSchema],
  description: 'How a decision reaches the daemon, besides the reply to a sample, the long poll and SSE.',
  'x-allowed': '{type: webhook, url, timeoutMs?, maxRetries?} or {type: file, dir}',
});

const LISTEN_PATTERN = '^(\\[[0-9A-Fa-f:.]+\\]|[A-Za-z0-9.-]+):[0-9]{1,5}$';

export const ConfigFileSchema = Type.Object(
  {
    listen: Type.Optional(
      Type.String({
        pattern: LISTEN_PATTERN,
        description: 'HOST:PORT of the HTTP listener (API and /metrics).',
        default: DEFAULT_LISTEN,
        'x-allowed': 'HOST:PORT with a port in [0, 65535], e.g. 127.0.0.1:9464 or [::1]:9464',
      }),
    ),
    metricsListen: Type.Optional(
      Type.Union([Type.String({ pattern: LISTEN_PATTERN }), Type.Null()], {
        description: 'HOST:PORT of a second, read-only listener serving only /metrics, /healthz and /readyz (for Prometheus and probes from outside, while the API stays on loopback); null: none.',
        default: null,
        'x-allowed': 'HOST:PORT with a port in [0, 65535], e.g. 0.0.0.0:9465, or null',
      }),
    ),
    cpus: Type.Optional(
      Type.Union([Type.Literal('auto'), Type.Integer({ minimum: 1 })], {
        description: 'n, the CPUs the daemon may use: auto reads the cgroup v2 quota, else os.availableParallelism().',
        default: 'auto',
        'x-allowed': '"auto" or an integer >= 1',
      }),
    ),
    token: Type.Optional(
      Type.Union([Type.String({ pattern: TOKEN_PATTERN, maxLength: 4096 }), Type.Null()], {
        description: 'Bearer token required by PUT/DELETE /v1/pools/{pool}/pin; null: pinning only from loopback. A header can carry only printable ASCII without spaces, so nothing else could ever match.',
        default: null,
        'x-allowed': 'printable ASCII without spaces (e.g. the output of `openssl rand -hex 32`), or null',
      }),
    ),
    defaults: Type.Optional(DefaultsSchema),
    pools: Type.Optional(PoolsSchema),
    actuators: Type.Optional(
      Type.Array(ActuatorSchema, { description: 'Actuators that apply decisions.', default: [], 'x-allowed': 'a list of actuators' }),
    ),
  },
  { additionalProperties: false, description: 'adaptive-threads configuration (docs/operator-guide.md).', 'x-allowed': 'a map of listen, metricsListen, cpus, token, defaults, pools, actuators' },
);

export type ConfigFile = Static<typeof ConfigFileSchema>;
export type PoolFile = Static<typeof PoolSchema>;
export type ControllerFile = Static<typeof DefaultsSchema>;

/** Compiled once at module load. */
export const validateConfigFile = ajv.compile<ConfigFile>(ConfigFileSchema);

/**
 * The schemas along a key path, root first, for error messages: walks properties, records,
 * tuples and arrays, and picks a discriminated union's branch by the data's `type`.
 */
export function schemaAt(root: TSchema, data: unknown, segments: readonly (string | number)[]): TSchema[] {
  let value: unknown = data;
  let schema: TSchema | undefined = branchOf(root, value);
  const chain: TSchema[] = [schema];
  for (const seg of segments) {
    value = value !== null && typeof value === 'object' ? (value as Record<string | number, unknown>)[seg] : undefined;
    schema = childSchema(schema, seg);
    if (schema === undefined) break;
    schema = branchOf(schema, value);
    chain.push(schema);
  }
  return chain;
}

function branchOf(schema: TSchema, value: unknown): TSchema {
  const branches = (schema as { oneOf?: TSchema[] }).oneOf;
  if (branches === undefined || value === null || typeof value !== 'object') return schema;
  const tag = (value as Record<string, unknown>)['type'];
  const branch = branches.find((b) => (b['properties'] as Record<string, { const?: unknown }> | undefined)?.['type']?.const === tag);
  return branch ?? schema;
}

function childSchema(schema: TSchema, seg: string | number): TSchema | undefined {
  const props = schema['properties'] as Record<string, TSchema> | undefined;
  if (props !== undefined && typeof seg === 'string' && props[seg] !== undefined) return props[seg];
  const patterns = schema['patternProperties'] as Record<string, TSchema> | undefined;
  if (patterns !== undefined) return Object.values(patterns)[0];
  const items = schema['items'] as TSchema | TSchema[] | undefined;
  if (Array.isArray(items)) return typeof seg === 'number' ? items[seg] : undefined;
  return items;
}
