/**
 * Long texts between the page and the engine worker. Structured clone copies
 * a string on both sides of postMessage: for a 150 MB trace that is seconds of
 * the page's main thread (measured: 3.4 s sending a 1,000,000-line trace,
 * ~0.9 s receiving its 134 MB scenario). A text this long crosses as UTF-8
 * bytes instead, and the buffer is transferred (moved, not copied). The page
 * keeps an imported scenario this long as the bytes it got (decoding 134 MB
 * into one string is seconds of its time: src/ui/editor/bigText.ts cuts the
 * lines it shows from the bytes), and encodes, copies or decodes in slices,
 * yielding between them; the worker converts at once (its time is not the
 * page's).
 */
import * as Comlink from 'comlink';
import type { EngineApi, ImportedInput, LoadOptions, LoadProgress, LoadSummary } from './api.ts';

/** Characters from which a text crosses as bytes. */
export const WIRE_BYTES_MIN = 1_000_000;

/** A text as it crosses: itself, or its UTF-8 bytes. */
export type WireText = string | Uint8Array;

/** A load's answer as it crosses, and as the page's client gives it: an imported scenario may be bytes. */
export type WireSummary = Omit<LoadSummary, 'imported'> & { imported?: Omit<ImportedInput, 'scenario'> & { scenario: WireText } };

/** The text of a wire text (decoded at once: in the worker, where time is not the page's). */
export function textOf(w: WireText): string {
  return typeof w === 'string' ? w : new TextDecoder().decode(w);
}

/** A load's answer for the wire, an imported scenario of WIRE_BYTES_MIN characters or more as transferred bytes. */
export function summaryToWire(s: LoadSummary): WireSummary {
  if (!s.imported || s.imported.scenario.length < WIRE_BYTES_MIN) return s;
  const bytes = new TextEncoder().encode(s.imported.scenario);
  return Comlink.transfer({ ...s, imported: { ...s.imported, scenario: bytes } }, [bytes.buffer]);
}

/** A progress message for the wire: an imported scenario of WIRE_BYTES_MIN characters or more as bytes, and what to transfer (bytes it already is are moved). */
export function progressToWire(p: LoadProgress): { message: LoadProgress | WireProgress; transfer: Transferable[] } {
  if (p.imported?.bytes) {
    // Bytes already (a long imported scenario: a copy of the worker's, text-bytes.ts): moved as they are.
    const { bytes, ...imported } = p.imported;
    return { message: { ...p, imported: { ...imported, scenario: bytes } }, transfer: [bytes.buffer as ArrayBuffer] };
  }
  if (!p.imported || p.imported.scenario.length < WIRE_BYTES_MIN) return { message: p, transfer: [] };
  const bytes = new TextEncoder().encode(p.imported.scenario);
  return { message: { ...p, imported: { ...p.imported, scenario: bytes } }, transfer: [bytes.buffer] };
}

/** A progress message as it crosses: an imported scenario may be bytes. */
export type WireProgress = Omit<LoadProgress, 'imported'> & { imported?: Omit<ImportedInput, 'scenario'> & { scenario: WireText } };

/**
 * A wire text's memory given back once it is decoded: its buffer is detached
 * (moved into a copy nobody keeps). The message that brought it stays
 * referenced until the load answers (comlink keeps it), so dropping our own
 * reference would not free it: a 1,000,000-line trace's 148 MB would stay
 * through the whole import and run. Only a buffer the bytes fill, and only
 * one that can be moved (not shared, not a pooled Node Buffer).
 */
export function releaseWireBytes(bytes: Uint8Array): void {
  const buf = bytes.buffer;
  if (!(buf instanceof ArrayBuffer) || bytes.byteOffset !== 0 || bytes.byteLength !== buf.byteLength || buf.byteLength === 0) return;
  try {
    structuredClone(buf, { transfer: [buf] });
  } catch {
    // not transferable here: it is freed with the message
  }
}

/** The text of a wire text, its bytes let go (releaseWireBytes). */
export function takeText(wire: WireText): string {
  const text = textOf(wire);
  if (typeof wire !== 'string') releaseWireBytes(wire);
  return text;
}

/** The API as the worker exposes it: load takes a wire text (bytes it may detach: they were transferred to it) and answers a wire summary. */
export function wireApi(api: EngineApi): Omit<EngineApi, 'load'> & { load(text: WireText, opts?: LoadOptions): Promise<WireSummary> } {
  return {
    ...api,
    // The load decodes the bytes itself (or moves them to an import worker), where no suspended frame holds the text.
    load: (wire, opts) => api.load(wire, opts).then(summaryToWire),
  };
}

/** Characters or bytes per slice of the page's time (a few ms each). */
const SLICE = 1 << 20;

/** Lets the page run (input, paint) between slices of a long job: a message to itself, without setTimeout's 4 ms clamp. */
function yieldToPage(): Promise<void> {
  return new Promise((resolve) => {
    const ch = new MessageChannel();
    ch.port1.onmessage = () => {
      ch.port1.close();
      resolve();
    };
    ch.port2.postMessage(0);
  });
}

/** UTF-8 bytes to text, a slice at a time (one 134 MB decode is a long task). */
export async function decodeInSlices(bytes: Uint8Array): Promise<string> {
  const dec = new TextDecoder();
  const parts: string[] = [];
  for (let at = 0; at < bytes.length; at += SLICE) {
    parts.push(dec.decode(bytes.subarray(at, at + SLICE), { stream: at + SLICE < bytes.length }));
    await yieldToPage();
  }
  return parts.join('');
}

/** Text to UTF-8 bytes, a slice at a time (a slice never ends inside a surrogate pair). */
export async function encodeInSlices(text: string): Promise<Uint8Array> {
  const enc = new TextEncoder();
  const parts: Uint8Array[] = [];
  for (let at = 0; at < text.length; ) {
    let end = Math.min(text.length, at + SLICE);
    const c = text.charCodeAt(end);
    if (end < text.length && c >= 0xdc00 && c <= 0xdfff) end--;
    parts.push(enc.encode(text.slice(at, end)));
    at = end;
    await yieldToPage();
  }
  return concatInSlices(parts);
}

/** Byte arrays one after the other in a new array, a slice at a time (a copy the worker can be given while the page keeps its own). */
export async function concatInSlices(parts: readonly Uint8Array[]): Promise<Uint8Array> {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    for (let at = 0; at < p.length; at += SLICE) {
      out.set(p.subarray(at, at + SLICE), o + at);
      await yieldToPage();
    }
    o += p.length;
  }
  return out;
}

/** A load's answer without what an import made (the run, as the views keep it: the scenario is the editor's). */
export function runOf(s: WireSummary): LoadSummary {
  if (!s.imported) return s as LoadSummary;
  const { imported: _imported, ...run } = s;
  return Object.freeze(run);
}
