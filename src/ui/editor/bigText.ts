/**
 * A scenario too long to be one string on the page: an imported trace's
 * scenario (134 MB for a million trace lines) or a dropped scenario file of
 * more than BIG_TEXT_BYTES. The page keeps its UTF-8 bytes — as the worker
 * sent them, or as the file gave them — and never decodes them whole (one
 * 134 MB string costs the page's main thread over a second, then its
 * garbage collector more): the editor shows a window of lines decoded from
 * the bytes (textWindow.ts), the header is read from the first lines, the
 * worker gets a copy made a slice at a time, and the download is the bytes
 * (or the dropped file itself). "Edit whole" decodes all of it, on request.
 *
 * While the store holds one (`big`), its `text` is empty: nothing that reads
 * the text as a string (saving, drafts, share links) takes 134 MB for it.
 */
import { LineIndex } from './lineIndex.ts';
import { concatInSlices, decodeInSlices, type WireText } from '../../worker/wire-text.ts';
import { loadArgs, rewriteIommuMode, type MachineOverrides } from '../compare/settings.ts';
import type { LoadOptions } from '../../worker/api.ts';

/** Texts from outside the editor (a dropped file, an import) longer than this many bytes are kept as a BigText. */
export const BIG_TEXT_BYTES = 2_000_000;

/** How much of the start is read for the header (the machine, its devices and IOMMUs come before the first step). */
const HEAD_BYTES = 1 << 20;

const NL = 0x0a;

export class BigText {
  readonly bytes: Uint8Array;
  /** The file it was read from, when dropped: its download is the file itself. */
  readonly file: Blob | null;
  readonly index: LineIndex;
  private headText: string | null = null;
  /** Bytes of `head()`: whole lines. */
  private headEnd = 0;
  private readonly decoder = new TextDecoder();

  constructor(bytes: Uint8Array, file: Blob | null = null) {
    this.bytes = bytes;
    this.file = file;
    this.index = new LineIndex(bytes);
  }

  get size(): number {
    return this.bytes.length;
  }

  /** The text's first whole lines, up to about 1 MB: where the header is (read by what only needs the header). */
  head(): string {
    if (this.headText === null) {
      const b = this.bytes;
      let end = Math.min(b.length, HEAD_BYTES);
      if (end < b.length) end = b.lastIndexOf(NL, end - 1) + 1;
      this.headEnd = end;
      this.headText = new TextDecoder().decode(b.subarray(0, end));
    }
    return this.headText;
  }

  /** Line n (1-based), decoded (the index scanned up to it first if it has not reached it); null past the end. */
  line(n: number): string | null {
    if (this.index.startOf(n) === null) this.index.scan(Infinity, n);
    const start = this.index.startOf(n);
    if (start === null) return null;
    const nl = this.bytes.indexOf(NL, start);
    return this.decoder.decode(this.bytes.subarray(start, nl < 0 ? this.bytes.length : nl));
  }

  /** The text as a download: the dropped file, or a Blob of the bytes (the browser keeps it, not the page's heap). */
  blob(): Blob {
    return this.file ?? new Blob([this.bytes as Uint8Array<ArrayBuffer>], { type: 'text/plain' });
  }

  /** The whole text as one string, decoded a slice at a time ("edit whole": slow, asked for). */
  text(): Promise<string> {
    return decodeInSlices(this.bytes);
  }

  /**
   * What to send the worker for this text under these overrides: bytes the worker is given (the page keeps its own:
   * the file read again off the main thread, else a copy made a slice at a time), with the header's IOMMU mode
   * rewritten when overridden; `keep`, the same bytes as the page keeps them (replayed if the worker restarts).
   */
  async loadArgs(o: MachineOverrides): Promise<{ text: Uint8Array; opts: LoadOptions; keep: Uint8Array }> {
    const { opts } = loadArgs('', o);
    if (o.iommu === null) {
      const text = this.file ? new Uint8Array(await this.file.arrayBuffer()) : await concatInSlices([this.bytes]);
      return { text, opts, keep: this.bytes };
    }
    const parts = [new TextEncoder().encode(rewriteIommuMode(this.head(), o.iommu)), this.bytes.subarray(this.headEnd)];
    return { text: await concatInSlices(parts), opts, keep: await concatInSlices(parts) };
  }
}

/** What to send the worker for the store's scenario (its text, or its bytes when long) under these overrides. */
export async function scenarioLoadArgs(text: string, big: BigText | null, o: MachineOverrides): Promise<{ text: WireText; opts: LoadOptions; keep?: Uint8Array }> {
  return big ? big.loadArgs(o) : loadArgs(text, o);
}

/** The store's scenario as far as its header goes (all of a short text; the first lines of a long one). */
export function scenarioHead(s: { text: string; big: BigText | null }): string {
  return s.big ? s.big.head() : s.text;
}
