/**
 * The selection a share link carries (after `s=`, `step=` and the view
 * choices of share.ts): `sel.buf=NAME`, `sel.addr=0x…` (a physical address),
 * `sel.line=0x…` (a cache line), `sel.slot=N` (a swiotlb slot),
 * `sel.iova=0x…`. Pure. A link is untrusted: every value is checked and a bad
 * one is dropped with a message in words, never passed on.
 */
import type { Selection } from './store/store.ts';
import { hex } from '../sim/format.ts';

const NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
/** Addresses are hex; at most 2^53 so they stay exact as numbers. */
const ADDR = /^0x[0-9a-f]{1,14}$/i;


/** The link fields for a selection (only what is set). */
export function selectionToExtra(sel: Selection): Record<string, string> {
  const out: Record<string, string> = {};
  if (sel.buffer !== undefined) out['sel.buf'] = sel.buffer;
  if (sel.addr !== undefined) out['sel.addr'] = hex(sel.addr);
  if (sel.line !== undefined) out['sel.line'] = hex(sel.line);
  if (sel.slot !== undefined) out['sel.slot'] = String(sel.slot);
  if (sel.iova !== undefined) out['sel.iova'] = hex(sel.iova);
  return out;
}

function printable(v: string): string {
  return v.slice(0, 24).replace(/[^\x20-\x7e]/g, '?');
}

/** The selection a link asks for, and what was ignored (in words). */
export function selectionFromExtra(extra: Record<string, string>): { selection: Selection; problems: string[] } {
  const selection: Selection = {};
  const problems: string[] = [];
  const buf = extra['sel.buf'];
  if (buf !== undefined) {
    if (NAME.test(buf)) selection.buffer = buf;
    else problems.push(`selected buffer '${printable(buf)}' ignored (not a name)`);
  }
  for (const [key, field] of [['sel.addr', 'addr'], ['sel.line', 'line'], ['sel.iova', 'iova']] as const) {
    const v = extra[key];
    if (v === undefined) continue;
    if (ADDR.test(v) && Number.isSafeInteger(Number(v))) selection[field] = Number(v);
    else problems.push(`${key} '${printable(v)}' ignored (expected a hex address such as 0x1000)`);
  }
  const slot = extra['sel.slot'];
  if (slot !== undefined) {
    if (/^\d{1,9}$/.test(slot)) selection.slot = Number(slot);
    else problems.push(`sel.slot '${printable(slot)}' ignored (expected a slot number)`);
  }
  return { selection, problems };
}
