/**
 * The one limit on what the page opens (BUDGETS.inputBytes): a file dropped,
 * opened or pasted longer than it is refused, with why, before any of it is
 * read.
 */
import { BUDGETS } from '../../sim/budgets.ts';

/** Why a file is too long to open (BUDGETS.inputBytes), or null: said before anything of it is read. */
export function tooLongToOpen(file: Blob, name: string): string | null {
  if (file.size <= BUDGETS.inputBytes) return null;
  const mb = (file.size / 2 ** 20).toLocaleString('en-US', { maximumFractionDigits: 0 });
  return `${name} is ${mb} MiB: the explorer opens at most ${BUDGETS.inputBytes / 2 ** 20} MiB (a kernel trace of about 1,300,000 lines, more steps than a run may have). Open a part of it, e.g. the first million lines: head -n 1000000 FILE > part.trace`;
}
