import { runScenario } from '/work/main/src/sim/run.ts';
import { getScenario } from '/work/main/src/sim/scenarios.ts';
const [sc, n, report, cpu] = process.argv.slice(2);
const scenario = getScenario(sc as string);
const r = runScenario(scenario as never, { kind: 'law', law: 'pi' } as never, { seed: 1, style: { report: report as never, cpu: cpu as never }, minutes: 12 });
let last = -1;
for (const row of r.ticks as unknown as Record<string, unknown>[]) {
  const to = (row['target'] ?? row['size']) as number;
  if (to !== last) { console.log(JSON.stringify(row)); last = to; }
}
