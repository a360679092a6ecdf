// The sidecar under many pools and over time: /metrics scrape time and RSS with 1,000 pools,
// and a soak at a steady 1,000 samples/s with RSS at its start and end.
import { performance } from 'node:perf_hooks';
import { median, metricValue, startServer } from './overhead-http.js';
import { DIST } from './overhead-dist.js';
import { sidecarScript } from './overhead-server.js';

const RSS = 'process_resident_memory_bytes';
const MB = 1024 * 1024;
const GOOD = (i: number) => JSON.stringify({ size: 16, busy: 8 + (i % 8), queueStall: 0.02, idle: 0.3, completed: 1000 * i });

async function postSample(url: string, pool: string, i: number): Promise<number> {
  const res = await fetch(`${url}/v1/pools/${pool}/samples`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: GOOD(i) });
  await res.arrayBuffer();
  return res.status;
}

export interface ScrapeResult {
  pools: number;
  scrapes: number;
  medianMs: number;
  maxMs: number;
  bytes: number;
  rssMb: number;
}

export async function measureScrape(pools = 1000, scrapes = 21): Promise<ScrapeResult> {
  const server = await startServer(sidecarScript(DIST, pools, 200));
  try {
    // One sample for every pool, then a tick, so that every gauge has a value.
    for (let i = 0; i < pools; i += 50) {
      await Promise.all(Array.from({ length: Math.min(50, pools - i) }, (_, k) => postSample(server.url, `p${i + k}`, i + k)));
    }
    await new Promise((r) => setTimeout(r, 1500));
    const times: number[] = [];
    let bytes = 0;
    for (let i = 0; i < scrapes; i++) {
      const started = performance.now();
      const body = await (await fetch(`${server.url}/metrics`)).text();
      times.push(performance.now() - started);
      bytes = body.length;
    }
    const rssMb = (await metricValue(server.url, RSS)) / MB;
    return { pools, scrapes, medianMs: median(times), maxMs: Math.max(...times), bytes, rssMb };
  } finally {
    await server.stop();
  }
}

export interface SoakResult {
  seconds: number;
  warmupSeconds: number;
  targetSamplesPerSecond: number;
  achievedSamplesPerSecond: number;
  accepted: number;
  refused: number;
  failed: number;
  rssStartMb: number;
  rssEndMb: number;
  rssMaxMb: number;
  growthPercent: number;
  rssTrace: { s: number; mb: number }[];
}

/**
 * A steady 1,000 samples/s, one sample per request, spread over 10 pools (100/s each, under
 * the default 200/s limit). RSS is read from the sidecar's own /metrics after a warm-up, every
 * 10 s, and at the end.
 */
export async function soak(seconds: number, rate = 1000, pools = 10, warmupSeconds = 15): Promise<SoakResult> {
  const server = await startServer(sidecarScript(DIST, pools, 200));
  let accepted = 0;
  let refused = 0;
  let failed = 0;
  let sent = 0;
  let inFlight = 0;
  const fire = (): void => {
    const i = sent++;
    inFlight += 1;
    postSample(server.url, `p${i % pools}`, i).then(
      (status) => (status === 202 ? accepted++ : refused++),
      () => failed++,
    ).finally(() => (inFlight -= 1));
  };
  const pace = async (durationS: number, onTick?: (elapsedS: number) => Promise<void>): Promise<void> => {
    const started = performance.now();
    const firstSent = sent;
    let nextTick = 10;
    for (;;) {
      const elapsedS = (performance.now() - started) / 1000;
      if (elapsedS >= durationS) break;
      const due = Math.floor(elapsedS * rate) - (sent - firstSent);
      for (let k = 0; k < due && inFlight < 256; k++) fire();
      if (onTick !== undefined && elapsedS >= nextTick) {
        nextTick += 10;
        await onTick(elapsedS);
      }
      await new Promise((r) => setTimeout(r, 5));
    }
  };
  try {
    await pace(warmupSeconds);
    const rssStartMb = (await metricValue(server.url, RSS)) / MB;
    const trace: { s: number; mb: number }[] = [{ s: 0, mb: rssStartMb }];
    const acceptedBefore = accepted;
    const started = performance.now();
    await pace(seconds, async (s) => {
      trace.push({ s: Math.round(s), mb: (await metricValue(server.url, RSS)) / MB });
    });
    const elapsedS = (performance.now() - started) / 1000;
    while (inFlight > 0) await new Promise((r) => setTimeout(r, 10));
    const rssEndMb = (await metricValue(server.url, RSS)) / MB;
    trace.push({ s: Math.round(elapsedS), mb: rssEndMb });
    return {
      seconds,
      warmupSeconds,
      targetSamplesPerSecond: rate,
      achievedSamplesPerSecond: (accepted - acceptedBefore) / elapsedS,
      accepted,
      refused,
      failed,
      rssStartMb,
      rssEndMb,
      rssMaxMb: Math.max(...trace.map((p) => p.mb)),
      growthPercent: (100 * (rssEndMb - rssStartMb)) / rssStartMb,
      rssTrace: trace,
    };
  } finally {
    await server.stop();
  }
}
