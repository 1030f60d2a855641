/** Lexer: every lexical rule of SCENARIO-LANGUAGE.md, and its errors with line:col. */
import { describe, expect, it } from 'vitest';
import { lexLine, splitLines } from '../../src/scenario/lexer.ts';

const kinds = (s: string) => lexLine(s, 1).tokens.map((t) => t.kind);
const ints = (s: string) => lexLine(s, 1).tokens.filter((t) => t.kind === 'int').map((t) => t.value);
const bytesOf = (s: string) => Array.from(lexLine(s, 1).tokens[0]!.bytes ?? []);
const firstError = (s: string) => lexLine(s, 1).errors[0];

describe('lexer', () => {
  it('splits lines on \\n, \\r\\n and \\r', () => {
    expect(splitLines('a\nb\r\nc\rd')).toEqual(['a', 'b', 'c', 'd']);
  });

  it('lexes a statement with punctuation and checks', () => {
    expect(kinds('a, b = op(x + 1, y - 0x10, F|G, k=v) => ok')).toEqual([
      'name', ',', 'name', '=', 'name', '(', 'name', '+', 'int', ',', 'name', '-', 'int', ',',
      'name', '|', 'name', ',', 'name', '=', 'name', ')', '=>', 'name', 'eol',
    ]);
  });

  it('keeps # and // comments apart from the tokens', () => {
    const l = lexLine('kfree(p)   # gone  ', 3);
    expect(l.comment).toBe('# gone');
    expect(l.tokens.map((t) => t.kind)).toEqual(['name', '(', 'name', ')', 'eol']);
    expect(lexLine('// whole line', 1).comment).toBe('// whole line');
    expect(lexLine('cpu_write(p, "# not a comment") // yes', 1).comment).toBe('// yes');
  });

  it('decodes integers: decimal, hex, binary, underscores, K/M/G suffixes', () => {
    expect(ints('f(4096, 0x1000, 0b101, 0x1_0000_0000, 1_000, 4K, 2M, 8G, 0x10K, 0XFF)')).toEqual([
      4096, 0x1000, 5, 0x1_0000_0000, 1000, 4096, 2 * 1024 ** 2, 8 * 1024 ** 3, 0x10 * 1024, 255,
    ]);
  });

  it('keeps the integer as written', () => {
    expect(lexLine('4K', 1).tokens[0]!.text).toBe('4K');
  });

  it('rejects malformed numbers at their column', () => {
    expect(firstError('f(12ab)')).toMatchObject({ line: 1, col: 3, message: expect.stringContaining("bad number '12ab'") });
    expect(firstError('f(4k)')!.message).toContain('size suffixes are K, M and G');
    expect(firstError('f(1__0)')!.message).toContain("'_' may only sit between digits");
    expect(firstError('f(10_)')!.message).toContain("'_' may only sit between digits");
    expect(firstError('f(0x)')!.message).toContain('expected hex digits');
    expect(firstError('f(0x1g)')!.message).toContain('hex digits are 0-9 and a-f');
    expect(firstError('f(99999999999999999999)')!.message).toContain('too large');
    expect(firstError('machine(kernel=6.18)')).toMatchObject({ col: 16, message: expect.stringContaining('kernel="6.18"') });
  });

  it('decodes strings with every escape and UTF-8', () => {
    expect(bytesOf('"a\\n\\t\\r\\0\\\\\\"\\x41\\xff"')).toEqual([0x61, 10, 9, 13, 0, 0x5c, 0x22, 0x41, 0xff]);
    expect(bytesOf('"é€"')).toEqual([0xc3, 0xa9, 0xe2, 0x82, 0xac]);
  });

  it('reports bad escapes and unterminated strings', () => {
    expect(firstError('f("ab\\q")')).toMatchObject({ col: 6, message: expect.stringContaining("unknown escape '\\q'") });
    expect(firstError('f("\\x4")')).toMatchObject({ col: 4, message: expect.stringContaining('two hex digits') });
    expect(firstError('f("abc')).toMatchObject({ col: 3, message: expect.stringContaining('unterminated string') });
  });

  it('decodes hex bytes, ignoring spaces', () => {
    expect(bytesOf('x"de ad BE ef"')).toEqual([0xde, 0xad, 0xbe, 0xef]);
    expect(bytesOf('x""')).toEqual([]);
  });

  it('reports bad hex bytes', () => {
    expect(firstError('f(x"abc")')).toMatchObject({ col: 3, message: expect.stringContaining('odd number of hex digits') });
    expect(firstError('f(x"zz")')).toMatchObject({ col: 5, message: expect.stringContaining("bad hex digit 'z'") });
    expect(firstError('f(x"ab')!.message).toContain('unterminated hex bytes');
  });

  it('reports unexpected characters with hints', () => {
    expect(firstError("f('a')")).toMatchObject({ col: 3, message: expect.stringContaining('double quotes') });
    expect(firstError('f(a);')!.message).toContain('no semicolons');
    expect(firstError('f(a) @')).toMatchObject({ col: 6, message: "unexpected character '@'" });
  });

  it('a name x is a name, x"…" is hex', () => {
    expect(kinds('f(x, x"00")')).toEqual(['name', '(', 'name', ',', 'hex', ')', 'eol']);
  });
});
