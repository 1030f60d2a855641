/**
 * A pasted or dropped text imported for the engine: a kernel trace or a
 * dma-debug dump becomes the scenario that replays it (src/import); a
 * scenario or a kernel log (which the page explains) is not imported. Shared
 * by the engine's core (imported where it runs) and the import worker (a
 * long input: import.worker.ts).
 */
import { detectInput, importPieces, type InputKind } from '../import/index.ts';
import type { Arch } from '../sim/config.ts';
import type { ImportedInput, ImportedLong } from './api.ts';
import { ScenarioBytes, joinSpans, packSpans, type PackedSpans } from './text-bytes.ts';
import { WIRE_BYTES_MIN } from './wire-text.ts';

const CR = 13;

/** Whether a text of this kind is imported (a kernel log is explained by the page, src/explain). */
export function imported(kind: InputKind): boolean {
  return kind === 'trace' || kind === 'dump';
}

/**
 * Where a long trace's body is packed while the import goes on (another
 * worker, on the other core): each chunk's bytes as it is written, then the
 * spans of them all. Packing a 1,000,000-line trace's scenario takes about a
 * second and a half of the import's time when done after it.
 */
export interface BodyPacker {
  add(chunk: Uint8Array): void;
  /** The spans of the chunks added, joined in order (of one empty line when none was). */
  spans(): Promise<PackedSpans>;
  /** Ends it: its chunks are not needed (the import failed, or its scenario goes as a string). */
  stop(): void;
}

type Import = { pieces: string[]; bodyAt?: number; summary: ImportedLong['summary']; report: ImportedLong['report'] };

/**
 * The import of a trace or dump, its progress as lines done of both passes;
 * null for a text that is not one. `long`: a scenario of WIRE_BYTES_MIN
 * characters or more comes as its bytes (for the page) and its spans (for
 * the run: text-bytes.ts), a trace's written straight into bytes
 * (ScenarioBytes), never held as strings; else as one string.
 */
export function importInput(text: string, opts: { arch?: Arch; kernel?: string }, progress: (done: number, total: number) => void, long = false): ImportedLong | null {
  const imp = importWithSink(text, opts, progress, long);
  if (!imp) return null;
  const out = longOrText(imp.r, imp.sink, long);
  return 'bytes' in out ? { ...out, spans: packSpans(out.bytes) } : out;
}

/**
 * importInput of a long input, a trace's body packed by `packer` while the
 * import goes on. Not async itself: the text is not held while the packer
 * finishes (a suspended frame keeps what it was given).
 */
export function importInputPacked(text: string, opts: { arch?: Arch; kernel?: string }, progress: (done: number, total: number) => void, packer: BodyPacker): Promise<ImportedLong | null> {
  let imp: ReturnType<typeof importWithSink>;
  try {
    imp = importWithSink(text, opts, progress, true, (chunk) => packer.add(chunk));
  } catch (e) {
    packer.stop();
    throw e;
  }
  const out = imp && longOrText(imp.r, imp.sink, true);
  if (!imp || !out || !('bytes' in out) || !imp.sink || imp.r.bodyAt === undefined) {
    packer.stop();
    return Promise.resolve(out && 'bytes' in out ? { ...out, spans: packSpans(out.bytes) } : out);
  }
  return withBodySpans(out, imp.r.pieces, imp.r.bodyAt, packer);
}

/** The text's spans: the pieces before the body, the body's (the packer's), the pieces after it, joined with '\n' (as ScenarioBytes.finish joins them). */
async function withBodySpans(out: Omit<ImportedInput, 'scenario'> & { bytes: Uint8Array }, pieces: readonly string[], bodyAt: number, packer: BodyPacker): Promise<ImportedLong> {
  // A packer that failed (its worker could not run) leaves the packing here, as importInput does it.
  const body = await packer.spans().catch(() => null);
  if (!body) return { ...out, spans: packSpans(out.bytes) };
  const encode = (t: string) => packSpans(new TextEncoder().encode(t));
  const parts = [...(bodyAt > 0 ? [encode(pieces.slice(0, bodyAt).join('\n'))] : []), body, encode(pieces.slice(bodyAt).join('\n'))];
  return { ...out, spans: joinSpans(parts) };
}

/** A BodyPacker that packs each chunk here, as it comes (where no other worker can). */
export function packerHere(): BodyPacker {
  const parts: PackedSpans[] = [];
  return {
    add: (chunk) => parts.push(packSpans(chunk)),
    spans: () => Promise.resolve(parts.length ? joinSpans(parts) : packSpans(new Uint8Array(0))),
    stop: () => (parts.length = 0),
  };
}

/** The import, a trace's body written into bytes when long (each chunk's bytes to `onChunk` too). */
function importWithSink(text: string, opts: { arch?: Arch; kernel?: string }, progress: (done: number, total: number) => void, long: boolean, onChunk?: (bytes: Uint8Array) => void): { r: Import; sink: ScenarioBytes | null } | null {
  const kind = detectInput(text);
  if (!imported(kind)) return null;
  const sink = long && kind === 'trace' ? new ScenarioBytes(text.length, onChunk) : null;
  let total = 0;
  const onProgress = (p: { phase: 'read' | 'write'; done: number; total: number }) => {
    total = p.total;
    // A trace is read twice (its two passes share the count), a dump once.
    progress(kind === 'dump' ? p.done : p.phase === 'read' ? p.done / 2 : (p.total + p.done) / 2, p.total);
  };
  const r = importPieces(text, { ...opts, onProgress, ...(sink ? { body: sink.body } : {}) }, kind);
  // Every line read (progress came every 65,536 lines): what follows, the packing of a long one, is not a stall at the last count.
  if (total > 0) progress(total, total);
  return { r, sink };
}

/** The scenario as one string, or (long, and with no '\r') as its bytes, still to be put in spans. */
function longOrText(r: Import, sink: ScenarioBytes | null, long: boolean): { scenario: string; summary: Import['summary']; report: Import['report'] } | { bytes: Uint8Array; summary: Import['summary']; report: Import['report'] } {
  const { summary, report } = r;
  const bytes = sink ? sink.finish(r.pieces, r.bodyAt) : null;
  if (!long || (bytes === null && r.pieces.reduce((n, p) => n + p.length + 1, 0) < WIRE_BYTES_MIN)) return { scenario: r.pieces.join('\n'), summary, report };
  const b = bytes ?? new TextEncoder().encode(r.pieces.join('\n'));
  // Short after all, or with a '\r' (its lines could not be read a span at a time): one string.
  if (b.length < WIRE_BYTES_MIN || b.includes(CR)) return { scenario: new TextDecoder().decode(b), summary, report };
  return { bytes: b, summary, report };
}
