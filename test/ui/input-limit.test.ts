/**
 * What the page refuses to open (src/ui/import/inputLimit.ts): a text over
 * BUDGETS.inputBytes, said before any of it is read, with what to do.
 */
import { describe, expect, it } from 'vitest';
import { tooLongToOpen } from '../../src/ui/import/inputLimit.ts';
import { BUDGETS } from '../../src/sim/budgets.ts';

describe('tooLongToOpen', () => {
  it('opens up to the budget and refuses past it, saying the limit and how to cut the file', () => {
    expect(tooLongToOpen({ size: BUDGETS.inputBytes } as Blob, 'big.trace')).toBeNull();
    const msg = tooLongToOpen({ size: 700 * 2 ** 20 } as Blob, 'huge.trace');
    expect(msg).toBe('huge.trace is 700 MiB: the explorer opens at most 192 MiB (a kernel trace of about 1,300,000 lines, more steps than a run may have). Open a part of it, e.g. the first million lines: head -n 1000000 FILE > part.trace');
  });
});
