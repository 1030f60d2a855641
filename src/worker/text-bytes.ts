/**
 * A long scenario kept by the worker as compressed spans of lines, read a
 * span at a time. A 1,000,000-line trace imports as a 134 MB scenario: held
 * as one string it sat in the worker's heap for the whole run, next to the
 * page's copy of its bytes (the editor's), in the same renderer process. As
 * spans of ~64 KiB of UTF-8, each deflated on its own (fflate, level 1: an
 * imported scenario shrinks ~9×), it costs the worker ~14 MiB. An import
 * hands its spans over as they are and each is deflated when the scan first
 * reads it, so the packing is on the run's time, not before its first step.
 * The scan reads one span after another (each string garbage once read); a
 * step read back later inflates its span again (the last few are kept decoded).
 *
 * Only for a text with no '\r' (spans split at '\n', and a line's place is
 * its place in the spans joined with '\n'): TextBytes.of and importInput say when it applies.
 */
import { deflateSync, inflateSync } from 'fflate';
import type { TextSpans } from '../scenario/parser.ts';

/** Bytes a span reaches before it ends at the next line's end. */
export const SPAN_BYTES = 1 << 16;
/** Decoded spans kept (a replay reads its steps in order: one or two spans). */
const KEPT_SPANS = 4;
/** Fast compression: each span is deflated once, as the run's scan first reads it. */
const LEVEL = 1;
/**
 * The compressor's memory level: small, as a span is small. fflate sizes its
 * tables from the input's length when not told, and allocating those for
 * each span made packing a 1,000,000-line trace's scenario 2.6 s instead of
 * about 1 (same size out). Its tables are garbage after each span, in the
 * worker that runs: 2 (a 32 KiB table) packs as fast and as small as 4 (128 KiB).
 */
const MEM = 2;

const CR = 13;
const LF = 10;

/** Bytes kept free before the body for what goes before it (the header, written last: ~200 bytes a traced page). */
const FRONT_ROOM = 1 << 20;

/**
 * An imported scenario written straight into UTF-8 bytes as the importer
 * makes it: the body a few thousand lines at a time (`body`, given to the
 * importer as TraceImportOptions.body), then the pieces around it (`finish`).
 * A 1,000,000-line trace's scenario was held as strings (134 MB) and then
 * encoded (134 MB more) at the import's end; here each chunk is garbage as
 * soon as it is written. The header, written last, goes in room kept free
 * before the body (no copy of the body to put it first, unless it is longer).
 */
export class ScenarioBytes {
  private bytes: Uint8Array;
  private at = FRONT_ROOM;
  private chunks = 0;
  private readonly encoder = new TextEncoder();

  /** `expected`: about how many bytes the body will take (a trace's scenario is a little shorter than the trace). */
  constructor(expected: number) {
    this.bytes = new Uint8Array(FRONT_ROOM + expected + 1024);
  }

  /** The body's next chunk (chunks join with '\n'). */
  readonly body = (chunk: string): void => {
    if (this.chunks++ > 0) this.write('\n');
    this.write(chunk);
  };

  /** The whole text: the pieces of the import (ImportPieces), the body between pieces[bodyAt - 1] and pieces[bodyAt], as one view. */
  finish(pieces: readonly string[], bodyAt: number | undefined): Uint8Array {
    if (bodyAt === undefined) return this.encoder.encode(pieces.join('\n'));
    this.write(`\n${pieces.slice(bodyAt).join('\n')}`);
    const front = this.encoder.encode(bodyAt > 0 ? `${pieces.slice(0, bodyAt).join('\n')}\n` : '');
    if (front.length <= FRONT_ROOM) {
      this.bytes.set(front, FRONT_ROOM - front.length);
      return this.bytes.subarray(FRONT_ROOM - front.length, this.at);
    }
    const all = new Uint8Array(front.length + this.at - FRONT_ROOM);
    all.set(front);
    all.set(this.bytes.subarray(FRONT_ROOM, this.at), front.length);
    return all;
  }

  private write(s: string): void {
    for (let read = 0; ; ) {
      const r = this.encoder.encodeInto(read === 0 ? s : s.slice(read), this.bytes.subarray(this.at));
      read += r.read;
      this.at += r.written;
      if (read >= s.length) return;
      // Full: a quarter more room, or what the rest needs at three bytes a character.
      const more = new Uint8Array(Math.max(this.bytes.length + (this.bytes.length >> 2), this.at + 3 * (s.length - read)));
      more.set(this.bytes.subarray(0, this.at));
      this.bytes = more;
    }
  }
}

/** A text as spans of lines, each deflated on its own: what TextBytes reads (made where the text is, moved to the worker that runs it). */
export interface PackedSpans {
  lines: number;
  /** The text's length in UTF-8 bytes. */
  byteLength: number;
  /** Span i, deflated or as it is (the '\n' between two spans is in neither), and its length inflated. */
  packed: Uint8Array[];
  rawLength: Int32Array;
  /** The spans are deflated; else they are the text's bytes, each deflated when the run first reads it (TextBytes.span). */
  deflated: boolean;
}

/**
 * A text's UTF-8 bytes (with no '\r') as spans of ~SPAN_BYTES, split after a
 * line's end, each deflated (`deflate`) or copied; the bytes are not kept.
 */
export function packSpans(bytes: Uint8Array, deflate = true): PackedSpans {
  const packed: Uint8Array[] = [];
  const raw: number[] = [];
  let lines = 1;
  let start = 0;
  const add = (end: number) => {
    const span = bytes.subarray(start, end);
    packed.push(deflate ? deflateSpan(span) : span.slice());
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
  return { lines, byteLength: bytes.length, packed, rawLength: Int32Array.from(raw), deflated: deflate };
}

function deflateSpan(span: Uint8Array): Uint8Array {
  return deflateSync(span, { level: LEVEL, mem: MEM });
}

export class TextBytes implements TextSpans {
  readonly lines: number;
  readonly spanCount: number;
  /** The text's length in UTF-8 bytes. */
  readonly byteLength: number;
  private readonly packed: Uint8Array[];
  private readonly rawLength: Int32Array;
  /** 1 where packed[i] is deflated. */
  private readonly deflated: Uint8Array;
  /** Where span i starts in the text (characters), known for spans 0 … charsKnown - 1. */
  private readonly charStart: Float64Array;
  private charsKnown = 1;
  /** The first span as the whole text would decode (a leading byte-order mark dropped), the others as they are. */
  private readonly decoder = new TextDecoder();
  private readonly midDecoder = new TextDecoder('utf-8', { ignoreBOM: true });
  private readonly kept: Array<{ i: number; text: string }> = [];

  constructor(spans: PackedSpans) {
    this.lines = spans.lines;
    this.byteLength = spans.byteLength;
    this.packed = spans.packed;
    this.rawLength = spans.rawLength;
    this.deflated = new Uint8Array(spans.packed.length).fill(spans.deflated ? 1 : 0);
    this.spanCount = spans.packed.length;
    this.charStart = new Float64Array(this.spanCount);
  }

  /** A text's spans, or null when it holds a '\r' (its line ends are not all '\n'). */
  static of(bytes: Uint8Array): TextBytes | null {
    return bytes.includes(CR) ? null : new TextBytes(packSpans(bytes));
  }

  span(i: number): string {
    let text = this.kept.find((x) => x.i === i)?.text;
    if (text === undefined) {
      text = (i === 0 ? this.decoder : this.midDecoder).decode(this.raw(i));
      this.kept.unshift({ i, text });
      if (this.kept.length > KEPT_SPANS) this.kept.pop();
      // A span that came as it is is deflated once read: the scan reads each in order, so the run is steppable
      // before any is deflated (~2.8 s of a 1,000,000-line trace's import in the browser) and holds them deflated after.
      if (!this.deflated[i]) {
        this.packed[i] = deflateSpan(this.packed[i]!);
        this.deflated[i] = 1;
      }
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

  /** The bytes the spans take now (deflated, or not yet). */
  get heldBytes(): number {
    return this.packed.reduce((n, p) => n + p.length, 0);
  }

  /** Span i's bytes, inflated. */
  private raw(i: number): Uint8Array {
    return this.deflated[i] ? inflateSync(this.packed[i]!, { out: new Uint8Array(this.rawLength[i]!) }) : this.packed[i]!;
  }
}
