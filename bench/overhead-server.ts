// The servers of the overhead benchmark, as ES module source run by plain `node -e` in a
// child process: the sidecar from the tsc build, and the baseline, a minimal express 5 JSON
// route. No tsx in the server process (its loader thread alone would add tens of MB of RSS).
// Each prints one line `{"url": ...}` once it listens, and stops on SIGTERM.
import { distUrl } from './overhead-dist.js';

/** The config file of a sidecar with `pools` pools (half transfer, half buffer), default controller settings. */
function configYaml(pools: number): string {
  const lines = ['pools:'];
  for (let i = 0; i < pools; i++) lines.push(`  p${i}: {kind: ${i % 2 === 0 ? 'transfer' : 'buffer'}}`);
  return `${lines.join('\n')}\n`;
}

const onSigterm = `process.once('SIGTERM', () => { void stop().then(() => process.exit(0)); });`;

/** The built sidecar (startService) with `pools` pools, its rate limit at `samplesPerSecond` per pool; logs at warn. */
export function sidecarScript(dist: string, pools: number, samplesPerSecond: number): string {
  return `
const { loadConfig } = await import(${JSON.stringify(distUrl('config/load.js', dist))});
const { startService } = await import(${JSON.stringify(distUrl('service/index.js', dist))});
const { pino } = await import('pino');
const yaml = ${JSON.stringify(configYaml(pools))};
const files = { readFile: () => yaml, cpuMax: () => null, availableParallelism: () => 8 };
const loaded = loadConfig(['--config', 'bench.yaml', '--listen', '127.0.0.1:0', '--cpus', '8'], {}, files, () => undefined);
const service = await startService({
  config: loaded.config,
  logger: pino({ level: 'warn' }),
  version: 'bench',
  sampleRate: { samplesPerSecond: ${samplesPerSecond}, burstSamples: ${Math.max(1000, samplesPerSecond)} },
});
process.stdout.write(JSON.stringify({ url: service.url }) + '\\n');
const stop = () => service.stop();
${onSigterm}
`;
}

/** The baseline: JSON body in (256 KiB limit, as the sidecar's), a small JSON reply out. */
export function expressScript(): string {
  return `
const { createServer } = await import('node:http');
const { default: express } = await import('express');
const app = express();
app.disable('x-powered-by');
app.use(express.json({ limit: '256kb' }));
app.post('/v1/pools/:pool/samples', (req, res) => {
  res.status(202).json({ pool: req.params.pool, target: 16, action: 'hold', mode: 'adaptive' });
});
const server = createServer(app);
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
process.stdout.write(JSON.stringify({ url: 'http://127.0.0.1:' + server.address().port }) + '\\n');
const stop = () => new Promise((resolve) => server.close(() => resolve()));
${onSigterm}
`;
}
