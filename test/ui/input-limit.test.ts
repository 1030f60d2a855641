/**
 * What the page and the CLI refuse to open (budgets.ts inputTooLong): a text
 * over BUDGETS.inputBytes, said before any of it is read, with what to do.
 */
import { describe, expect, it } from 'vitest';
import { BUDGETS, inputTooLong } from '../../src/sim/budgets.ts';

describe('inputTooLong', () => {
  it('opens up to the budget and refuses past it, saying the limit and how to cut the file', () => {
    expect(inputTooLong('big.trace', BUDGETS.inputBytes)).toBeNull();
    const msg = inputTooLong('huge.trace', 700 * 2 ** 20);
    expect(msg).toBe('huge.trace is 700 MiB: the explorer opens at most 192 MiB (a kernel trace of about 1,300,000 lines, more steps than a run may have). Open a part of it, e.g. the first million lines: head -n 1000000 FILE > part.trace');
  });
});
