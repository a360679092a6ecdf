// A run as a chart a person opens in a browser: size and target (workers, left axis),
// utilization and the band (right axis, 0..1) over time. Hand-written SVG, no dependency.
import type { TickRow } from './run.js';

export interface ChartOptions {
  title: string;
  band: { low: number; high: number };
  /** the pool's bounds: the left axis spans 0..max */
  maxSize: number;
  width?: number;
  height?: number;
}

const PAD = { left: 56, right: 56, top: 40, bottom: 44 };

export function escapeXml(s: string): string {
  return s.replace(/[<>&'"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c] as string);
}

function path(points: readonly [number, number][]): string {
  return points.map(([x, y], i) => `${i === 0 ? 'M' : 'L'}${x.toFixed(1)},${y.toFixed(1)}`).join('');
}

export function renderChart(ticks: readonly TickRow[], options: ChartOptions): string {
  const width = options.width ?? 960;
  const height = options.height ?? 420;
  const plotW = width - PAD.left - PAD.right;
  const plotH = height - PAD.top - PAD.bottom;
  const tMax = Math.max(1, ticks.length > 0 ? (ticks[ticks.length - 1] as TickRow).t : 1);
  const x = (t: number): number => PAD.left + (t / tMax) * plotW;
  const ySize = (n: number): number => PAD.top + plotH - (n / options.maxSize) * plotH;
  const yU = (u: number): number => PAD.top + plotH - Math.min(1, Math.max(0, u)) * plotH;

  // Utilization is averaged per pixel column so a 30-minute run stays readable.
  const buckets = new Map<number, { sum: number; n: number; t: number }>();
  for (const r of ticks) {
    if (r.utilization === null) continue;
    const px = Math.round(x(r.t));
    const b = buckets.get(px) ?? { sum: 0, n: 0, t: r.t };
    b.sum += r.utilization;
    b.n += 1;
    buckets.set(px, b);
  }
  const util = [...buckets.entries()].map(([px, b]): [number, number] => [px, yU(b.sum / b.n)]);
  const step = (pick: (r: TickRow) => number): [number, number][] => {
    const out: [number, number][] = [];
    let prev: number | null = null;
    for (const r of ticks) {
      const v = pick(r);
      if (prev !== null && v !== prev) out.push([x(r.t), ySize(prev)]);
      out.push([x(r.t), ySize(v)]);
      prev = v;
    }
    return out;
  };

  const minutes = tMax / 60_000;
  const every = minutes > 20 ? 5 : minutes > 5 ? 1 : 0.5;
  const xTicks: string[] = [];
  for (let m = 0; m <= minutes + 1e-9; m += every) {
    const px = x(m * 60_000).toFixed(1);
    xTicks.push(`<line x1="${px}" y1="${PAD.top + plotH}" x2="${px}" y2="${PAD.top + plotH + 4}" stroke="#555"/><text x="${px}" y="${PAD.top + plotH + 18}" text-anchor="middle">${m}</text>`);
  }
  const sizeTicks: string[] = [];
  for (let n = 0; n <= options.maxSize; n += Math.max(1, Math.ceil(options.maxSize / 8))) {
    sizeTicks.push(`<text x="${PAD.left - 8}" y="${(ySize(n) + 4).toFixed(1)}" text-anchor="end">${n}</text>`);
  }
  const uTicks = [0, 0.25, 0.5, 0.75, 1].map(
    (u) => `<text x="${width - PAD.right + 8}" y="${(yU(u) + 4).toFixed(1)}">${Math.round(u * 100)}%</text>`,
  );
  const bandTop = yU(options.band.high);
  const bandBottom = yU(options.band.low);
  return [
    `<?xml version="1.0" encoding="UTF-8"?>`,
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<title>${escapeXml(options.title)}</title>`,
    `<rect width="${width}" height="${height}" fill="#fff"/>`,
    `<rect id="band" x="${PAD.left}" y="${bandTop.toFixed(1)}" width="${plotW}" height="${(bandBottom - bandTop).toFixed(1)}" fill="#2e7d32" fill-opacity="0.12"><title>band ${Math.round(options.band.low * 100)}..${Math.round(options.band.high * 100)} %</title></rect>`,
    `<rect x="${PAD.left}" y="${PAD.top}" width="${plotW}" height="${plotH}" fill="none" stroke="#555"/>`,
    `<path id="utilization" d="${path(util)}" fill="none" stroke="#f9a825" stroke-width="1"/>`,
    `<path id="target" d="${path(step((r) => r.target))}" fill="none" stroke="#c62828" stroke-width="1.5" stroke-dasharray="4 3"/>`,
    `<path id="size" d="${path(step((r) => r.size))}" fill="none" stroke="#1565c0" stroke-width="2"/>`,
    ...xTicks,
    ...sizeTicks,
    ...uTicks,
    `<text x="${PAD.left}" y="${PAD.top - 14}" font-size="14" font-weight="bold">${escapeXml(options.title)}</text>`,
    `<text x="${PAD.left + plotW / 2}" y="${height - 8}" text-anchor="middle">minutes</text>`,
    `<text x="14" y="${PAD.top + plotH / 2}" transform="rotate(-90 14 ${PAD.top + plotH / 2})" text-anchor="middle">workers</text>`,
    `<g transform="translate(${width - PAD.right - 330},${PAD.top - 14})">`,
    `<line x1="0" y1="-4" x2="18" y2="-4" stroke="#1565c0" stroke-width="2"/><text x="22" y="0">size</text>`,
    `<line x1="60" y1="-4" x2="78" y2="-4" stroke="#c62828" stroke-dasharray="4 3"/><text x="82" y="0">target</text>`,
    `<line x1="130" y1="-4" x2="148" y2="-4" stroke="#f9a825"/><text x="152" y="0">utilization</text>`,
    `<rect x="222" y="-10" width="18" height="10" fill="#2e7d32" fill-opacity="0.2"/><text x="244" y="0">band</text>`,
    `</g>`,
    `</svg>`,
    '',
  ].join('\n');
}
