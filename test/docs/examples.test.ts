// The deployment examples work as shipped: the Kubernetes sidecar can read its config as
// uid 1000 and is probed and scraped on its read-only listener while the API stays on
// loopback; the Dockerfile is on a supported Node LTS and probes that listener; the systemd
// unit's umask leaves the file actuator's sizes readable by the daemon's user.
import test from 'ava';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { writeSizeFile } from '../../src/actuators/index.js';
import { loadConfig, readEnvSwitch } from '../../src/config/index.js';
import type { ConfigFiles } from '../../src/config/index.js';
import { tempDir } from '../fixtures/temp.js';
import { example, loadable, manifest, portOf } from './examples.js';

interface Probe { httpGet?: { path: string; port: string | number } }
interface Container {
  name: string;
  ports?: { name: string; containerPort: number }[];
  readinessProbe?: Probe;
  livenessProbe?: Probe;
  resources: { requests: Record<string, string> };
  securityContext?: { runAsUser?: number; runAsGroup?: number };
  volumeMounts?: { name: string; mountPath: string }[];
}
interface PodSpec {
  securityContext?: { fsGroup?: number; runAsUser?: number };
  containers: Container[];
  volumes: { name: string; secret?: { secretName: string; defaultMode?: number }; configMap?: { defaultMode?: number } }[];
}
interface Deployment { spec: { template: { metadata: { annotations: Record<string, string> }; spec: PodSpec } } }

const k8s = manifest('kubernetes-sidecar.yaml');
const deployment = k8s.find((d) => d['kind'] === 'Deployment') as unknown as Deployment;
const pod = deployment.spec.template.spec;
const sidecar = pod.containers.find((c) => c.name === 'adaptive-threads') as Container;
const secret = k8s.find((d) => d['kind'] === 'Secret') as { stringData: Record<string, string> };
const sidecarConfig = parseYaml(secret.stringData['config.yaml'] as string) as { listen: string; metricsListen: string };

/**
 * Whether a process with this uid (and fsGroup as a supplementary group) can read a file of
 * a secret or configMap volume: those files are owned by root, with fsGroup as their group
 * when one is set, and the volume's defaultMode (0644 when not given).
 */
function readableBy(uid: number, mode: number, fsGroup: number | undefined): boolean {
  if (uid === 0) return true;
  if ((mode & 0o004) !== 0) return true;
  return fsGroup !== undefined && (mode & 0o040) !== 0;
}

test('when the Kubernetes sidecar starts as uid 1000, then it can read its mounted config (defaultMode and fsGroup agree)', (t) => {
  const uid = sidecar.securityContext?.runAsUser ?? pod.securityContext?.runAsUser;
  t.is(uid, 1000);
  const configDir = '/etc/adaptive-threads';
  const mount = sidecar.volumeMounts?.find((m) => m.mountPath === configDir);
  t.truthy(mount, `the sidecar mounts ${configDir}`);
  const volume = pod.volumes.find((v) => v.name === mount?.name);
  const mode = volume?.secret?.defaultMode ?? volume?.configMap?.defaultMode ?? 0o644;
  t.true(readableBy(uid ?? 0, mode, pod.securityContext?.fsGroup), `mode ${mode.toString(8)} with fsGroup ${String(pod.securityContext?.fsGroup)} is unreadable by uid ${String(uid)}`);
  t.is((mode & 0o007), 0, 'the config (which may hold a token) is not world-readable');
});

test('when the readability rule is asked about the shipped mistake (0440, no fsGroup), then it says unreadable', (t) => {
  t.false(readableBy(1000, 0o440, undefined));
  t.true(readableBy(1000, 0o440, 1000));
  t.true(readableBy(1000, 0o444, undefined));
});

test('when the Kubernetes sidecar runs, then its API is on loopback and probes and scrapes reach the read-only listener', (t) => {
  t.regex(sidecarConfig.listen, /^127\.0\.0\.1:/);
  t.regex(sidecarConfig.metricsListen, /^0\.0\.0\.0:\d+$/);
  const metricsPort = portOf(sidecarConfig.metricsListen);
  t.deepEqual(sidecar.ports?.map((p) => p.containerPort), [metricsPort], 'only the read-only listener is a container port');
  const portName = sidecar.ports?.[0]?.name;
  t.deepEqual(sidecar.readinessProbe?.httpGet, { path: '/readyz', port: portName });
  t.deepEqual(sidecar.livenessProbe?.httpGet, { path: '/healthz', port: portName });
  t.is(deployment.spec.template.metadata.annotations['prometheus.io/port'], String(metricsPort));
  t.truthy(sidecar.resources.requests['cpu']);
  t.truthy(sidecar.resources.requests['memory']);
  const monitor = manifest('podmonitor.yaml')[0] as { spec: { podMetricsEndpoints: { port: string }[] } };
  t.is(monitor.spec.podMetricsEndpoints[0]?.port, portName);
  const policy = k8s.find((d) => d['kind'] === 'NetworkPolicy') as { spec: { ingress: { ports: { port: number }[] }[] } };
  t.true(policy.spec.ingress.some((rule) => rule.ports.some((p) => p.port === metricsPort)));
  t.false(policy.spec.ingress.some((rule) => rule.ports.some((p) => p.port === portOf(sidecarConfig.listen))), 'the API port is not opened');
});

test('when the Kubernetes config is loaded, then the sidecar accepts it as it is (no placeholder to replace)', (t) => {
  const files: ConfigFiles = { readFile: () => loadable(secret.stringData['config.yaml'] as string), cpuMax: () => null, availableParallelism: () => 4 };
  t.is(loadConfig(['--config', 'config.yaml'], {}, files, () => undefined).kind, 'run');
  const env = (sidecar as unknown as { env: { name: string; value?: string }[] }).env;
  const value = env.find((e) => e.name === 'OC_ADAPTIVE_THREADS')?.value;
  t.notThrows(() => readEnvSwitch({ OC_ADAPTIVE_THREADS: value }));
});

test('when the image is built, then it is on a supported Node LTS (22 or 24) and its health check probes the read-only listener', (t) => {
  const dockerfile = example('Dockerfile');
  const bases = [...dockerfile.matchAll(/^FROM\s+(\S+)/gm)].map((m) => m[1] as string);
  t.true(bases.length >= 1);
  for (const base of bases) t.regex(base, /^node:(22|24)[.-]/, `${base} is not Node 22 or 24`);
  const config = parseYaml(example('config-container.yaml')) as { listen: string; metricsListen: string };
  t.regex(config.listen, /^127\.0\.0\.1:/);
  const port = portOf(config.metricsListen);
  t.regex(dockerfile, /^COPY docs\/examples\/config-container\.yaml \/etc\/adaptive-threads\/config\.yaml$/m);
  t.regex(dockerfile, /^CMD \["--config", "\/etc\/adaptive-threads\/config\.yaml"\]$/m);
  t.regex(dockerfile, new RegExp(`^HEALTHCHECK [\\s\\S]*http://127\\.0\\.0\\.1:${port}/healthz`, 'm'));
  t.deepEqual([...dockerfile.matchAll(/^EXPOSE\s+(.+)$/gm)].map((m) => m[1]), [String(port)]);
});

test('when the systemd unit\'s umask applies, then the file actuator still writes sizes the daemon\'s user can read (0644)', async (t) => {
  const unit = example('adaptive-threads.service');
  const umask = Number.parseInt(/^UMask=([0-7]+)$/m.exec(unit)?.[1] ?? '0022', 8);
  const dir = tempDir(t, 'at-unit-');
  const previous = process.umask(umask);
  try {
    await writeSizeFile(dir, 'transfer', 12);
  } finally {
    process.umask(previous);
  }
  t.is(statSync(join(dir, 'transfer.size')).mode & 0o777, 0o644);
  const value = /^Environment=OC_ADAPTIVE_THREADS=(.*)$/m.exec(unit)?.[1];
  t.notThrows(() => readEnvSwitch({ OC_ADAPTIVE_THREADS: value }));
});
