/**
 * What a pasted or dropped text is: a kernel trace, a dma-debug dump, a
 * kernel log (dmesg, journalctl -k: explained, not imported), or a scenario.
 * Decided from the first lines only, so a 50 MB paste costs nothing here.
 */
import { isDumpLine } from './dump-format.ts';
import { headLines } from './lines.ts';
import { parseEventLine } from './trace-format.ts';
import { mayMatch, matchLine } from '../sim/kernel-log/catalogue.ts';

export type InputKind = 'trace' | 'dump' | 'dmesg' | 'scenario';

const HEAD = 400;

/** Bytes of a text's start enough to tell what it is (HEAD lines of a trace are well under this): what a caller holding bytes decodes for detectInput. */
export const DETECT_HEAD_BYTES = 256 * 1024;

/** A dmesg timestamp, a syslog/journalctl "host kernel:" prefix, or a WARN's cut-here line. */
const LOG_LINE = /^\s*(?:<\d+>)?\[\s*\d+\.\d+\]|^\S+(?: +\S+){2,3} \S+ kernel: |^-+\[ cut here \]-+$/;

export function detectInput(text: string): InputKind {
  let trace = 0;
  let dump = 0;
  let log = 0;
  let kmsg = 0;
  let lines = 0;
  for (const line of headLines(text, HEAD)) {
    if (line.startsWith('# tracer:')) return 'trace';
    if (line.trim() === '') continue;
    lines++;
    if (parseEventLine(line)) trace++;
    else if (isDumpLine(line)) dump++;
    else {
      if (LOG_LINE.test(line)) log++;
      if (mayMatch(line) && matchLine(line).length > 0) kmsg++;
    }
  }
  if (trace > 0 || dump > 0) return trace >= dump ? 'trace' : 'dump';
  // a kernel message the catalogue knows, or mostly log-shaped lines: never a scenario
  if (kmsg > 0 || (log > 0 && log * 2 >= lines)) return 'dmesg';
  return 'scenario';
}
