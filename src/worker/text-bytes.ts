/**
 * A long scenario kept by the worker as compressed spans of lines, read a
 * span at a time. A 1,000,000-line trace imports as a 134 MB scenario: held
 * as one string it sat in the worker's heap for the whole run, next to the
 * page's copy of its bytes (the editor's), in the same renderer process. As
 * spans of ~64 KiB of UTF-8, each deflated on its own (fflate, level 1: an
 * imported scenario shrinks ~9×), it costs the worker ~14 MiB. The scan
 * inflates one span after another (each string garbage once read); a step
 * read back later inflates its span again (the last few are kept decoded).
 *
 * Only for a text with no '\r' (spans split at '\n', and a line's place is
 * its place in the spans joined with '\n'): utf8Pieces says when it applies.
 */
import { deflateSync, inflateSync } from 'fflate';
import type { TextSpans } from '../scenario/parser.ts';

/** Bytes a span reaches before it ends at the next line's end. */
export const SPAN_BYTES = 1 << 16;
/** Decoded spans kept (a replay reads its steps in order: one or two spans). */
const KEPT_SPANS = 4;
/** Fast compression: the spans are made once, at the end of an import, on the load's time. */
const LEVEL = 1;

const CR = 13;
const LF = 10;

/** The UTF-8 length of a string (a lone surrogate counted as two bytes: its replacement takes three). */
function utf8Length(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x80) n += c < 0x800 || (c >= 0xd800 && c <= 0xdfff) ? 1 : 2;
  }
  return n;
}

/**
 * Pieces that join with '\n' (an import's: ImportPieces) written straight
 * into UTF-8 bytes, never joined into a string, and let go (the array is
 * emptied); null, the pieces left as they are, when the text would have
 * fewer than `minChars` characters or holds a '\r'.
 */
export function utf8Pieces(pieces: string[], minChars: number): Uint8Array | null {
  let chars = pieces.length - 1;
  for (const p of pieces) chars += p.length;
  if (chars < minChars || pieces.some((p) => p.includes('\r'))) return null;
  const encoder = new TextEncoder();
  // Room for the bytes, counted (an import's lines hold a '·': two bytes); grown only for a lone surrogate (three).
  let bytes = new Uint8Array(pieces.length - 1 + pieces.reduce((n, p) => n + utf8Length(p), 0));
  let at = 0;
  for (let i = 0; i < pieces.length; i++) {
    const p = i + 1 < pieces.length ? `${pieces[i]!}\n` : pieces[i]!;
    for (let read = 0; ; ) {
      const r = encoder.encodeInto(read === 0 ? p : p.slice(read), bytes.subarray(at));
      read += r.read;
      at += r.written;
      if (read >= p.length) break;
      const more = new Uint8Array(Math.max(bytes.length * 2, at + 3 * (p.length - read)));
      more.set(bytes.subarray(0, at));
      bytes = more;
    }
    pieces[i] = '';
  }
  pieces.length = 0;
  return at === bytes.length ? bytes : bytes.slice(0, at);
}

export class TextBytes implements TextSpans {
  readonly lines: number;
  readonly spanCount: number;
  /** The text's length in UTF-8 bytes. */
  readonly byteLength: number;
  /** Span i, deflated, and its length inflated (the '\n' between two spans is in neither). */
  private readonly packed: Uint8Array[];
  private readonly rawLength: Int32Array;
  /** Where span i starts in the text (characters), known for spans 0 … charsKnown - 1. */
  private readonly charStart: Float64Array;
  private charsKnown = 1;
  /** The first span as the whole text would decode (a leading byte-order mark dropped), the others as they are. */
  private readonly decoder = new TextDecoder();
  private readonly midDecoder = new TextDecoder('utf-8', { ignoreBOM: true });
  private readonly kept: Array<{ i: number; text: string }> = [];

  /** A text's UTF-8 bytes (with no '\r'), compressed span by span; the bytes are not kept. */
  constructor(bytes: Uint8Array) {
    const packed: Uint8Array[] = [];
    const raw: number[] = [];
    let lines = 1;
    let start = 0;
    const add = (end: number) => {
      packed.push(deflateSync(bytes.subarray(start, end), { level: LEVEL }));
      raw.push(end - start);
    };
    for (let at = bytes.indexOf(LF); at >= 0; at = bytes.indexOf(LF, at + 1)) {
      lines++;
      if (at + 1 - start >= SPAN_BYTES) {
        add(at);
        start = at + 1;
      }
    }
    add(bytes.length);
    this.lines = lines;
    this.byteLength = bytes.length;
    this.packed = packed;
    this.rawLength = Int32Array.from(raw);
    this.spanCount = packed.length;
    this.charStart = new Float64Array(this.spanCount);
  }

  /** A text's spans, or null when it holds a '\r' (its line ends are not all '\n'). */
  static of(bytes: Uint8Array): TextBytes | null {
    return bytes.includes(CR) ? null : new TextBytes(bytes);
  }

  /** Bytes the spans hold, compressed. */
  get packedBytes(): number {
    return this.packed.reduce((n, p) => n + p.length, 0);
  }

  span(i: number): string {
    let text = this.kept.find((x) => x.i === i)?.text;
    if (text === undefined) {
      text = (i === 0 ? this.decoder : this.midDecoder).decode(this.raw(i));
      this.kept.unshift({ i, text });
      if (this.kept.length > KEPT_SPANS) this.kept.pop();
    }
    if (i + 1 === this.charsKnown && i + 1 < this.spanCount) this.charStart[this.charsKnown++] = this.charStart[i]! + text.length + 1;
    return text;
  }

  whole(): string {
    const all = new Uint8Array(this.byteLength);
    let at = 0;
    for (let i = 0; i < this.spanCount; i++) {
      if (i > 0) all[at++] = LF;
      all.set(this.raw(i), at);
      at += this.rawLength[i]!;
    }
    return this.decoder.decode(all);
  }

  /** The line that starts at character `start` of the text: the span holding it, and where it starts there. */
  lineAt(start: number): { text: string; start: number } {
    // The spans up to the one holding `start` are measured (a load reads steps as its scan reaches them: never more).
    while (this.charsKnown < this.spanCount && this.charStart[this.charsKnown - 1]! <= start) this.span(this.charsKnown - 1);
    let lo = 0;
    let hi = this.charsKnown - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if (this.charStart[mid]! <= start) lo = mid;
      else hi = mid - 1;
    }
    return { text: this.span(lo), start: start - this.charStart[lo]! };
  }

  /** Span i's bytes, inflated. */
  private raw(i: number): Uint8Array {
    return inflateSync(this.packed[i]!, { out: new Uint8Array(this.rawLength[i]!) });
  }
}
