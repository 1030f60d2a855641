/**
 * The editor's highlighting reads each line on its own (language.ts): the
 * tokens of a line, by kind, as the lines in view are marked.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { lineTokens } from '../../src/ui/editor/language.ts';
import { useStore } from '../../src/ui/store/store.ts';
import { createEngineApi } from '../../src/worker/engine-api.ts';
import { realCore } from '../../src/worker/core.ts';

// Operation names are read from the table the worker sends (src/ui/engine.ts asks once).
beforeAll(() => useStore.getState().setOperations(createEngineApi(realCore).operations()));

/** The line's tokens as "kind:text". */
const kinds = (line: string) => lineTokens(line).map(([a, z, k]) => `${k}:${line.slice(a, z)}`);

describe('scenario highlighting, a line at a time', () => {
  it('marks a binding, an operation, its arguments, a constant and a check', () => {
    expect(kinds('h = dma_map_single(cam, b + 0x40, 4K, DMA_TO_DEVICE) => ok')).toEqual([
      'key:h',
      'punct:=',
      'op:dma_map_single',
      'paren:(',
      'name:cam',
      'punct:,',
      'name:b',
      'punct:+',
      'number:0x40',
      'punct:,',
      'number:4K',
      'punct:,',
      'constant:DMA_TO_DEVICE',
      'paren:)',
      'check:=>',
      'checkWord:ok',
    ]);
  });

  it('tells header statements, option keys, strings, bytes, comments and narration apart', () => {
    expect(kinds('machine(arch=arm64, ram=8G) # the board')).toEqual([
      'header:machine',
      'paren:(',
      'key:arch',
      'punct:=',
      'name:arm64',
      'punct:,',
      'key:ram',
      'punct:=',
      'number:8G',
      'paren:)',
      'comment:# the board',
    ]);
    expect(kinds('cpu_write(a, "w\\"1", x"00ff")')).toEqual(['op:cpu_write', 'paren:(', 'name:a', 'punct:,', 'string:"w\\"1"', 'punct:,', 'bytes:x"00ff"', 'paren:)']);
    expect(kinds('#> The CPU writes first.')).toEqual(['narration:#> The CPU writes first.']);
  });

  it('merges adjacent tokens of a kind into one span, and a check word only after =>', () => {
    expect(kinds('f(g())')).toEqual(['call:f', 'paren:(', 'call:g', 'paren:())']);
    expect(kinds('ok = 1')).toEqual(['key:ok', 'punct:=', 'number:1']);
  });

  it('starts every line afresh: a check on one line does not carry to the next', () => {
    expect(kinds('dev_read(cam, h, 4) =>')).toContain('check:=>');
    expect(kinds('ok')).toEqual(['name:ok']);
  });
});
