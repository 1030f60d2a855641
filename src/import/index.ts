/**
 * Bring your own kernel: turn what a kernel wrote (a DMA trace, a dma-debug
 * dump) into a scenario. Pure text in, text and a report out; no DOM, no
 * clock; used by the CLI and by the engine worker.
 */
import type { Arch } from '../sim/config.ts';
import { detectInput, type InputKind } from './detect.ts';
import { importDumpPieces } from './dump-import.ts';
import { importTracePieces, joinedImport, type ImportPieces, type ImportResult, type TraceImportOptions } from './trace-import.ts';

export type { ImportPieces, ImportResult, TraceImportOptions } from './trace-import.ts';
export type { ImportReport, ImportMessage, ImportedDevice } from './report.ts';
export { detectInput, type InputKind } from './detect.ts';
export { traceLineOf } from './scenario-text.ts';

export interface ImportOptions extends TraceImportOptions {
  arch?: Arch;
  kernel?: string;
}

/**
 * Import a trace or a dump (by content). A text that is neither is read as a
 * trace, so the report says which lines it could not read.
 */
export function importText(text: string, opts: ImportOptions = {}, kind: InputKind = detectInput(text)): ImportResult {
  return joinedImport(importPieces(text, opts, kind));
}

/** importText, its scenario as pieces (ImportPieces): for a caller that lets the input go before joining them. */
export function importPieces(text: string, opts: ImportOptions = {}, kind: InputKind = detectInput(text)): ImportPieces {
  const r = kind === 'dump' ? importDumpPieces(text, opts) : importTracePieces(text, opts);
  return { pieces: r.pieces, ...(r.bodyAt !== undefined ? { bodyAt: r.bodyAt } : {}), ...unshared({ report: r.report, summary: r.summary }) };
}

/**
 * The report and summary with strings of their own. A name cut from the input
 * (an event's or a device's) is a slice that keeps the whole input alive: a
 * 1,000,000-line trace's 141 MiB stayed in the worker through the run, held by
 * the ten event names of `skippedByEvent`. A copy through JSON writes each
 * string anew (the importer is pure ES: no structuredClone here); the report
 * is small (its lists are capped) and plain data.
 */
function unshared<T>(x: T): T {
  return JSON.parse(JSON.stringify(x)) as T;
}
