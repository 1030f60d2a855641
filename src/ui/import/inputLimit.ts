/**
 * The one limit on what the page opens (BUDGETS.inputBytes): a file dropped,
 * opened or pasted longer than it is refused, with why, before any of it is
 * read (the CLI says the same: budgets.ts inputTooLong).
 */
import { inputTooLong } from '../../sim/budgets.ts';

/** Why a file is too long to open, or null. */
export function tooLongToOpen(file: Blob, name: string): string | null {
  return inputTooLong(name, file.size);
}
