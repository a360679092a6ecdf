// Summarises a V8 .cpuprofile (node --cpu-prof) as its top frames by self time, for the
// report of a missed overhead goal.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

export interface Frame {
  frame: string;
  selfPercent: number;
}

export interface CpuProfile {
  nodes: ProfileNode[];
}

export function topFrames(source: string | CpuProfile, count = 12): Frame[] {
  const profile = typeof source === 'string' ? (JSON.parse(readFileSync(source, 'utf8')) as CpuProfile) : source;
  const self = new Map<string, number>();
  let total = 0;
  for (const n of profile.nodes) {
    const hits = n.hitCount ?? 0;
    total += hits;
    const { functionName, url, lineNumber } = n.callFrame;
    const where = url === '' ? '' : ` ${url.includes('node_modules') ? url.slice(url.lastIndexOf('node_modules/') + 13) : basename(url)}:${lineNumber + 1}`;
    const key = `${functionName === '' ? '(anonymous)' : functionName}${where}`;
    self.set(key, (self.get(key) ?? 0) + hits);
  }
  return [...self.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([frame, hits]) => ({ frame, selfPercent: Math.round((1000 * hits) / Math.max(1, total)) / 10 }));
}

/** The main thread's .cpuprofile in a directory: the largest (tsx's loader thread writes a small one too). */
export function mainProfile(dir: string): string | null {
  const files = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile')).map((f) => join(dir, f));
  files.sort((a, b) => statSync(b).size - statSync(a).size);
  return files[0] ?? null;
}

/** Profiles `fn` in this process (the inspector's sampling profiler) and returns its top frames. */
export async function profileInProcess(fn: () => void | Promise<void>, count = 12): Promise<Frame[]> {
  const { Session } = await import('node:inspector/promises');
  const session = new Session();
  session.connect();
  try {
    await session.post('Profiler.enable');
    await session.post('Profiler.start');
    await fn();
    const { profile } = (await session.post('Profiler.stop')) as { profile: CpuProfile };
    return topFrames(profile, count);
  } finally {
    session.disconnect();
  }
}
