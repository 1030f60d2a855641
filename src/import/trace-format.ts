/**
 * The text of the kernel's `dma` trace events (`include/trace/events/dma.h`)
 * in every version that has them, and how to read one line of
 * /sys/kernel/tracing/trace, trace_pipe or `trace-cmd report`.
 *
 * One owner of the format facts: the importer parses with this table and the
 * trace writer (round-trip tests) prints with it.
 *
 * The eras, each from the source of include/trace/events/dma.h:
 * - 6.12-rc1…rc3: the events arrive (038eb433dc14 "dma-mapping: add tracing
 *   for dma-mapping API calls", Sean Anderson). dma_alloc/dma_free print
 *   `phys_addr=%llx` (virt_to_phys of the CPU address).
 * - 6.12 (from -rc4) up to 6.12.47: dma_alloc/dma_free print `virt_addr=%p`
 *   instead (78b2770c935f "dma-mapping: fix tracing dma_alloc/free with
 *   vmalloc'd memory", dma-mapping-6.12-2024-10-20). dma_alloc_pages is still
 *   traced as dma_map_page and dma_free_pages as dma_unmap_page.
 * - 6.13 (and 6.12.48 on, where these were backported with "dma-debug: don't
 *   enforce dma mapping check on noncoherent allocations"): dma_alloc/dma_free
 *   gain `dir=` (3afff779a725), dma_alloc_pages / dma_free_pages /
 *   dma_alloc_sgt / dma_free_sgt get their own events (c4484ab86ee0), and
 *   dma_map_sg_err / dma_alloc_sgt_err appear (68b6dbf1f441
 *   "dma-mapping: trace more error paths"), all in dma-mapping-6.13-2024-11-19.
 * - 6.18: dma_map_page/dma_unmap_page become dma_map_phys/dma_unmap_phys and
 *   dma_map_resource/dma_unmap_resource are gone (a resource mapping is a
 *   dma_map_phys with attrs=MMIO) — Leon Romanovsky's "dma-mapping: migrate
 *   to physical address-based API" series ("rename trace_dma_*map_page to
 *   trace_dma_*map_phys", "export new dma_*map_phys() interface").
 * - later: dma_map_sg caps its arrays at 128 entries and prints
 *   `nents=%d/%d ents=%d/%d` and ` [TRUNCATED]` (daafcc0ef0b3, a syzbot fix
 *   also taken into 6.18.10 stable).
 *
 * Quirks the reader must know:
 * - dma_map_sg_err prints the *physical* addresses under `dma_addrs=`, and
 *   __dma_map_sg_attrs() emits it only inside WARN_ON_ONCE(ents != -EINVAL &&
 *   != -ENOMEM && != -EIO && != -EREMOTEIO): an ordinary failure of
 *   dma_map_sg leaves no trace at all.
 * - dma_map_page / dma_map_phys are traced even when the map fails
 *   (dma_addr=ffffffffffffffff, DMA_MAPPING_ERROR).
 * - the dma_sync_* events come from __dma_sync_*(), which the inline wrappers
 *   (6.11, "dma: avoid redundant calls for sync operations") call only when
 *   dma_dev_need_sync() — dev->dma_need_sync, or always with
 *   CONFIG_DMA_API_DEBUG: without dma-debug, a coherent device that does not
 *   bounce syncs without a trace.
 * - arrays are __print_array(): the kernel prints `{0x1000,0x2000}`;
 *   libtraceevent (trace-cmd report) prints the same values in decimal,
 *   separated by spaces, without braces.
 * - `%p` is hashed in the kernel's own output; trace-cmd prints the raw
 *   pointer (`0xffff…`, or `(nil)`).
 */

/** The format eras, oldest first. */
export const ERAS = [
  { id: '6.12-rc', label: '6.12-rc1 to 6.12-rc3', kernel: '6.12', first: '6.12-rc1', last: '6.12-rc3' },
  { id: '6.12', label: '6.12 to 6.12.47', kernel: '6.12', first: '6.12', last: '6.12.47' },
  { id: '6.13', label: '6.13 to 6.17 (and 6.12.48 on)', kernel: '6.17', first: '6.13', last: '6.17' },
  { id: '6.18', label: '6.18 on', kernel: '6.18', first: '6.18', last: null },
] as const;

export type EraId = (typeof ERAS)[number]['id'];

/** What an event is, whatever its era's name for it. */
export type EventKind =
  | 'map'
  | 'unmap'
  | 'map_sg'
  | 'map_sg_err'
  | 'unmap_sg'
  | 'sync'
  | 'sync_sg'
  | 'alloc'
  | 'free'
  | 'alloc_sgt'
  | 'free_sgt';

export interface EventFormat {
  /** The trace event's name. */
  event: string;
  kind: EventKind;
  /** The TP_printk format, as in the header (`%s` first is the device name). */
  printk: string;
  /** The keys after the device name, in order (read from `printk`). */
  keys: readonly string[];
  eras: readonly EraId[];
  /** Commit (and what it did) that gave this event this text. */
  source: string;
  /** `^(device) key1=(\S*) key2=(\S*)…$`: reads a payload whose values hold no spaces (the kernel's own text). */
  re: RegExp;
  /** The same, a value running to the next ` key=` (trace-cmd's arrays, ` [TRUNCATED]`). */
  reSpaced: RegExp;
  /** Key → index of its value in a match of `re` / `reSpaced`. */
  at: Readonly<Record<string, number>>;
}

const ALL: readonly EraId[] = ['6.12-rc', '6.12', '6.13', '6.18'];
const PAGE_ERAS: readonly EraId[] = ['6.12-rc', '6.12', '6.13'];
const FROM_613: readonly EraId[] = ['6.13', '6.18'];

function fmt(event: string, kind: EventKind, printk: string, eras: readonly EraId[], source: string): EventFormat {
  const keys = [...printk.matchAll(/ ([a-z_]+)=/g)].map((m) => m[1]!);
  const re = new RegExp(`^(\\S+)${keys.map((k) => ` ${k}=(\\S*)`).join('')}\\s*$`);
  const reSpaced = new RegExp(`^(\\S+)${keys.map((k) => ` ${k}=(.*?)`).join('')}\\s*$`);
  const at: Record<string, number> = {};
  keys.forEach((k, i) => (at[k] = i + 2));
  return { event, kind, printk, keys, eras, source, re, reSpaced, at };
}

const MAP = '%s dir=%s dma_addr=%llx size=%zu phys_addr=%llx attrs=%s';
const UNMAP = '%s dir=%s dma_addr=%llx size=%zu attrs=%s';
const ALLOC_V3 = '%s dir=%s dma_addr=%llx size=%zu virt_addr=%p flags=%s attrs=%s';
const FREE_V3 = '%s dir=%s dma_addr=%llx size=%zu virt_addr=%p attrs=%s';
const SYNC = '%s dir=%s dma_addr=%llx size=%zu';
const SYNC_SG = '%s dir=%s dma_addrs=%s sizes=%s';

/**
 * Every format, newest first for each event name (the reader tries them in
 * this order and keeps the first whose keys all appear).
 */
export const FORMATS: readonly EventFormat[] = [
  fmt('dma_map_phys', 'map', MAP, ['6.18'], 'Leon Romanovsky, "rename trace_dma_*map_page() to be trace_dma_*map_phys()" (6.18)'),
  fmt('dma_map_page', 'map', MAP, PAGE_ERAS, '038eb433dc14 (6.12)'),
  fmt('dma_map_resource', 'map', MAP, PAGE_ERAS, '038eb433dc14 (6.12); gone in 6.18'),
  fmt('dma_unmap_phys', 'unmap', UNMAP, ['6.18'], 'Leon Romanovsky, "rename trace_dma_*map_page() to be trace_dma_*map_phys()" (6.18)'),
  fmt('dma_unmap_page', 'unmap', UNMAP, PAGE_ERAS, '038eb433dc14 (6.12)'),
  fmt('dma_unmap_resource', 'unmap', UNMAP, PAGE_ERAS, '038eb433dc14 (6.12); gone in 6.18'),
  fmt('dma_alloc', 'alloc', ALLOC_V3, FROM_613, '3afff779a725 "dma-mapping: trace dma_alloc/free direction" (6.13)'),
  fmt('dma_alloc', 'alloc', '%s dma_addr=%llx size=%zu virt_addr=%p flags=%s attrs=%s', ['6.12'], '78b2770c935f (6.12-rc4)'),
  fmt('dma_alloc', 'alloc', '%s dma_addr=%llx size=%zu phys_addr=%llx flags=%s attrs=%s', ['6.12-rc'], '038eb433dc14 (6.12-rc1)'),
  fmt('dma_free', 'free', FREE_V3, FROM_613, '3afff779a725 (6.13)'),
  fmt('dma_free', 'free', '%s dma_addr=%llx size=%zu virt_addr=%p attrs=%s', ['6.12'], '78b2770c935f (6.12-rc4)'),
  fmt('dma_free', 'free', '%s dma_addr=%llx size=%zu phys_addr=%llx attrs=%s', ['6.12-rc'], '038eb433dc14 (6.12-rc1)'),
  fmt('dma_alloc_pages', 'alloc', ALLOC_V3, FROM_613, 'c4484ab86ee0 "use trace_dma_alloc for dma_alloc* instead of using trace_dma_map" (6.13)'),
  fmt('dma_free_pages', 'free', FREE_V3, FROM_613, 'c4484ab86ee0 (6.13)'),
  fmt('dma_alloc_sgt_err', 'alloc', ALLOC_V3, FROM_613, '68b6dbf1f441 "dma-mapping: trace more error paths" (6.13)'),
  fmt('dma_alloc_sgt', 'alloc_sgt', '%s dir=%s dma_addr=%llx size=%zu phys_addrs=%s flags=%s attrs=%s', FROM_613, 'c4484ab86ee0 (6.13)'),
  fmt('dma_free_sgt', 'free_sgt', '%s dir=%s dma_addr=%llx size=%zu phys_addrs=%s', FROM_613, 'c4484ab86ee0 (6.13)'),
  fmt('dma_map_sg', 'map_sg', '%s dir=%s nents=%d/%d ents=%d/%d%s dma_addrs=%s sizes=%s phys_addrs=%s attrs=%s', ['6.13', '6.18'], 'daafcc0ef0b3 (arrays capped at 128; 6.18.10 stable)'),
  fmt('dma_map_sg', 'map_sg', '%s dir=%s dma_addrs=%s sizes=%s phys_addrs=%s attrs=%s', ALL, '038eb433dc14 (6.12)'),
  fmt('dma_map_sg_err', 'map_sg_err', '%s dir=%s dma_addrs=%s err=%d attrs=%s', FROM_613, '68b6dbf1f441 (6.13)'),
  fmt('dma_unmap_sg', 'unmap_sg', '%s dir=%s phys_addrs=%s attrs=%s', ALL, '038eb433dc14 (6.12)'),
  fmt('dma_sync_single_for_cpu', 'sync', SYNC, ALL, '038eb433dc14 (6.12)'),
  fmt('dma_sync_single_for_device', 'sync', SYNC, ALL, '038eb433dc14 (6.12)'),
  fmt('dma_sync_sg_for_cpu', 'sync_sg', SYNC_SG, ALL, '038eb433dc14 (6.12)'),
  fmt('dma_sync_sg_for_device', 'sync_sg', SYNC_SG, ALL, '038eb433dc14 (6.12)'),
];

/** The formats of each event name, newest first. */
export const FORMATS_BY_EVENT: ReadonlyMap<string, readonly EventFormat[]> = (() => {
  const m = new Map<string, EventFormat[]>();
  for (const f of FORMATS) {
    const list = m.get(f.event) ?? [];
    list.push(f);
    m.set(f.event, list);
  }
  return m;
})();

/** decode_dma_data_direction(): the names the events print, and the enum values libtraceevent falls back to. */
export const DIR_NAMES = ['BIDIRECTIONAL', 'TO_DEVICE', 'FROM_DEVICE', 'NONE'] as const;
export type TraceDir = (typeof DIR_NAMES)[number];

/** DMA_MAPPING_ERROR (~(dma_addr_t)0) as the engine writes it. */
export const MAPPING_ERROR = -1;

// ---------------------------------------------------------------------------
// One line

/** The common part of a line of trace, trace_pipe or trace-cmd report. */
export interface EventLine {
  /** comm-pid, as printed. */
  task: string;
  cpu: number;
  /** The timestamp as printed (seconds with a fraction, or a counter). */
  time: string;
  event: string;
  /** Everything after `event: `. */
  payload: string;
}

/**
 * `<comm>-<pid> [(<tgid>)] [<cpu>] [<irqs-off/need-resched/… flags>] <timestamp>: <event>: <payload>`
 * (print_trace_fmt() in kernel/trace/trace.c; trace-cmd report prints the
 * same columns, the flags only with -l, and pads the event name).
 */
const PREFIX = /^\s*(.*?-\d+)\s+(?:\(\s*[\d-]+\)\s+)?\[(\d+)\]\s+(?:\S{4,5}\s+)?(\d+(?:\.\d+)?):\s+([A-Za-z_][\w]*):\s?(.*)$/;

export function parseEventLine(line: string): EventLine | null {
  const m = PREFIX.exec(line);
  if (!m) return null;
  // trace-cmd pads the event name: the payload starts after the spaces
  return { task: m[1]!.trimStart(), cpu: Number(m[2]), time: m[3]!, event: m[4]!, payload: m[5]!.trimStart() };
}

/** Lines of the trace files that are not events: headers, trace-cmd's preamble. */
export function isPreamble(line: string): boolean {
  return line.length === 0 || line[0] === '#' || /^\s*$/.test(line) || /^(cpus=\d+|version = \d+|CPU \d+ is empty|trace-cmd: .*)$/.test(line.trim());
}

/** "CPU:3 [LOST 120 EVENTS]" (the ring buffer overwrote events; trace and trace_pipe print it). */
export function lostEvents(line: string): number | null {
  const m = /^CPU:\s*\d+ \[LOST (\d+) EVENTS\]/.exec(line.trim());
  return m ? Number(m[1]) : null;
}

// ---------------------------------------------------------------------------
// One event's fields

/** One event's text: its format and the match holding each key's value (at format.at[key]). */
export interface RawEvent {
  format: EventFormat;
  device: string;
  values: RegExpExecArray;
}

/** A key's value in a raw event, or undefined when its format has no such key. */
export function field(raw: RawEvent, key: string): string | undefined {
  const i = raw.format.at[key];
  return i === undefined ? undefined : raw.values[i];
}

export type FieldsResult = { ok: true; event: RawEvent } | { ok: false; message: string };

/** How many of a format's keys a payload has, in order, right after the device name (for saying what is missing). */
function keysFound(payload: string, format: EventFormat): number {
  const devEnd = payload.indexOf(' ');
  if (devEnd <= 0) return 0;
  let pos = devEnd;
  for (let i = 0; i < format.keys.length; i++) {
    const at = payload.indexOf(` ${format.keys[i]}=`, pos);
    if (at < 0 || (i === 0 && at !== devEnd)) return i;
    pos = at + format.keys[i]!.length + 2;
  }
  return format.keys.length;
}

/** Read a dma event's payload with the newest format of its name that fits. */
export function parseFields(event: string, payload: string): FieldsResult {
  const formats = FORMATS_BY_EVENT.get(event);
  if (!formats) return { ok: false, message: `'${event}' is not a dma event` };
  for (const format of formats) {
    const m = format.re.exec(payload) ?? format.reSpaced.exec(payload);
    if (m) return { ok: true, event: { format, device: m[1]!, values: m } };
  }
  // none fits: find the one that got furthest, to say what is missing
  let best = { matched: -1, format: formats[0]! };
  for (const format of formats) {
    const n = keysFound(payload, format);
    if (n > best.matched) best = { matched: n, format };
  }
  const want = best.format.keys.map((k) => `${k}=…`).join(' ');
  if (payload.indexOf(' ') <= 0) return { ok: false, message: `${event}: no device name and fields (expected "<device> ${want}")` };
  const missing = best.format.keys[best.matched];
  return {
    ok: false,
    message: `${event} is cut short or garbled: ${missing ? `no ${missing}= where expected` : 'unexpected text'} (expected "<device> ${want}")`,
  };
}

// ---------------------------------------------------------------------------
// Values

export class FieldError extends Error {}

/** %llx / %lx (no 0x in the kernel's text; tolerated). ffffffffffffffff is DMA_MAPPING_ERROR. */
export function hexValue(key: string, text: string): number {
  const t = text.charCodeAt(0) === 48 && (text.charCodeAt(1) | 32) === 120 ? text.slice(2) : text;
  if (t.length === 0 || t.length > 16 || !HEX.test(t)) throw new FieldError(`garbled ${key} '${short(text.trim())}' (hexadecimal expected)`);
  if (t.length === 16 && (t === 'ffffffffffffffff' || t.toLowerCase() === 'ffffffffffffffff')) return MAPPING_ERROR;
  const v = parseInt(t, 16);
  if (v > Number.MAX_SAFE_INTEGER) throw new FieldError(`${key} 0x${t} is beyond what the explorer models (2^53)`);
  return v;
}

const HEX = /^[0-9a-fA-F]+$/;
const DEC = /^-?\d{1,15}$/;

/** %zu / %d. */
export function decValue(key: string, text: string): number {
  const t = text;
  if (!DEC.test(t)) throw new FieldError(`garbled ${key} '${short(t)}' (a decimal number expected)`);
  return Number(t);
}

export function dirValue(text: string): TraceDir {
  const t = text;
  if (t === 'TO_DEVICE' || t === 'FROM_DEVICE' || t === 'BIDIRECTIONAL' || t === 'NONE') return t;
  // libtraceevent prints the enum value when it cannot resolve the symbol
  if (/^[0-3]$/.test(t)) return DIR_NAMES[Number(t)]!;
  throw new FieldError(`garbled dir '${short(t)}' (expected ${DIR_NAMES.join(', ')})`);
}

/** __print_array(): `{0x1,0x2}` from the kernel, `1 2` from libtraceevent. */
export function arrayValue(key: string, text: string): number[] {
  const t = text.trim();
  if (t === '' || t === '{}') return [];
  const braced = t.startsWith('{');
  if (braced && !t.endsWith('}')) throw new FieldError(`${key} is cut short: '${short(t)}' has no closing '}'`);
  const items = braced ? t.slice(1, -1).split(',') : t.split(/\s+/);
  return items.map((x) => {
    const s = x.trim();
    if (/^0x[0-9a-fA-F]{1,16}$/.test(s)) return hexValue(key, s);
    if (!braced && /^\d{1,20}$/.test(s)) {
      const v = Number(s);
      if (v === 18446744073709552000) return MAPPING_ERROR;
      if (v > Number.MAX_SAFE_INTEGER) throw new FieldError(`${key} value ${s} is beyond what the explorer models (2^53)`);
      return v;
    }
    throw new FieldError(`garbled ${key} entry '${short(s)}'`);
  });
}

/** __print_flags(attrs, "|", …): the names without DMA_ATTR_, or a leftover 0x… . */
const NO_FLAGS: string[] = [];

export function flagsValue(text: string): string[] {
  const t = text;
  return t === '' || t === 'none' || t === '0' ? NO_FLAGS : t.split('|');
}

/** `%d/%d` of the capped dma_map_sg, with its optional " [TRUNCATED]". */
export function ratioValue(key: string, text: string): { shown: number; full: number; truncated: boolean } {
  const m = /^(\d+)\/(\d+)( \[TRUNCATED\])?$/.exec(text.trim());
  if (!m) throw new FieldError(`garbled ${key} '${short(text.trim())}' (expected N/N)`);
  return { shown: Number(m[1]), full: Number(m[2]), truncated: !!m[3] };
}

function short(s: string): string {
  return s.length > 40 ? `${s.slice(0, 40)}…` : s;
}
