import { readFileSync } from 'node:fs';
import { importText } from '../src/import/index.ts';
const t = readFileSync(process.argv[2]!, 'utf8');
const t0 = performance.now();
const r = importText(t);
(globalThis as any).gc?.();
console.log('ms', (performance.now() - t0).toFixed(0), 'scenario MB', (r.scenario.length / 1e6).toFixed(1), 'rss MiB', (process.memoryUsage().rss / 2 ** 20).toFixed(0), 'peak', (process.resourceUsage().maxRSS / 1024).toFixed(0), 'messages', r.report.messages.length, r.report.moreMessages);
