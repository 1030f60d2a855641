/**
 * What a pasted or dropped text is: a kernel trace, a dma-debug dump, or a
 * scenario. Decided from the first lines only, so a 50 MB paste costs nothing
 * here. (A dmesg splat explainer would add its kind beside these.)
 */
import { isDumpLine } from './dump-format.ts';
import { headLines } from './lines.ts';
import { parseEventLine } from './trace-format.ts';

export type InputKind = 'trace' | 'dump' | 'scenario';

const HEAD = 400;

export function detectInput(text: string): InputKind {
  let trace = 0;
  let dump = 0;
  for (const line of headLines(text, HEAD)) {
    if (line.startsWith('# tracer:')) return 'trace';
    if (parseEventLine(line)) trace++;
    else if (isDumpLine(line)) dump++;
  }
  if (trace === 0 && dump === 0) return 'scenario';
  return trace >= dump ? 'trace' : 'dump';
}
