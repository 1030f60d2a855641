import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { runScenario, prepareScenario } from './src/scenario/run.ts';
import { kernelEras } from './src/sim/kernel-versions.ts';
function walk(d: string): string[] { return readdirSync(d).flatMap((f) => { const p = join(d, f); return statSync(p).isDirectory() ? walk(p) : p.endsWith('.dma') ? [p] : []; }); }
const files = [...walk('src/scenario/library'), ...walk('src/scenario/lessons')];
let runs = 0; const bad: string[] = [];
for (const f of files) {
  const text = readFileSync(f, 'utf8');
  const p = prepareScenario(text);
  if (!p.ok) { bad.push(`${f}: parse ${JSON.stringify(p.errors).slice(0, 200)}`); continue; }
  for (const era of kernelEras(p.config.arch)) {
    runs++;
    try {
      const r = runScenario(text, { kernel: era.version });
      const exc = r.steps.filter((s) => s.error === 'EXCEPTION');
      if (exc.length) bad.push(`${f} @${era.version}: EXCEPTION at ${exc[0]!.source} ${JSON.stringify(exc[0]!.observations ?? exc[0]!.events?.slice(-1)).slice(0, 300)}`);
    } catch (e) { bad.push(`${f} @${era.version}: threw ${(e as Error).message.slice(0, 200)}`); }
  }
}
console.log(runs, 'runs'); for (const b of bad) console.log(b);
