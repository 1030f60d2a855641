/**
 * dma-debug's table of live mappings (/sys/kernel/debug/dma-api/dump, or the
 * same lines in dmesg from debug_dma_dump_mappings()) → a scenario whose
 * steps rebuild that state: the mappings and allocations exist, with the map
 * error state the dump shows, and the author steps on from there.
 *
 * dump_show() in kernel/dma/debug.c, by version:
 * - before 6.4: `<dev_name> <driver> <type> idx %d P=%llx N=%lx D=%llx L=%llx <DIR> <map error state>`
 *   (note the device name first);
 * - 6.4 (bd89d69a529f "dma-debug: add cacheline to user/kernel space dump
 *   messages", then "%pa" for the cacheline): `<driver> <dev_name> <type> idx
 *   %d P=%llx N=%lx D=%llx L=%llx cln=%pa <DIR> <state>`;
 * - 6.13 (9d4f645a1fd4 "dma-debug: store a phys_addr_t in struct
 *   dma_debug_entry"): `P=%pa`, no `N=`;
 * - later kernels add ` attrs=0x%lx`.
 * debug_dma_dump_mappings() prints the same fields through dev_info(), so in
 * dmesg the line reads `<driver> <dev_name>: <type> idx …`.
 *
 * Type names are type2name[]: "single", "page" (before 5.1), "scather-gather"
 * (before 6.7) or "scatter-gather", "coherent", "resource", "noncoherent"
 * (6.17), "phy" (6.18). Between 5.1 and 5.6 the table was one off (the stale
 * "page" entry, fixed by 9bb50ed74709): "page" means a scatter-gather entry,
 * "scather-gather" a coherent one, "coherent" a resource — applied when the
 * kernel is given as 5.1–5.6.
 */
import type { Arch } from '../sim/config.ts';
import { NEWEST_KERNEL, kernelCode } from '../sim/config.ts';
import type { DmaDir } from '../sim/events.ts';
import { BUDGETS } from '../sim/budgets.ts';
import { PROGRESS_LINES, forEachLine, lineCount, safeLine, type ImportProgress } from './lines.ts';
import { RegionCollector, blockOf } from './regions.ts';
import { Messages, summarize, type ImportReport } from './report.ts';
import { annotation, count } from './scenario-text.ts';
import { DeviceTable, chooseMachine, headerStatements, pathName } from './inference.ts';
import { DEBUGFS, DMESG } from './dump-format.ts';
import { joinedImport, type ImportPieces, type ImportResult } from './trace-import.ts';
import { hex } from '../sim/format.ts';

export interface DumpImportOptions {
  arch?: Arch;
  kernel?: string;
  source?: string;
  /** Called every PROGRESS_LINES lines while the dump is read (one pass: phase 'read'). */
  onProgress?: (p: ImportProgress) => void;
}

type EntryType = 'single' | 'sg' | 'coherent' | 'noncoherent' | 'resource';

interface DumpEntry {
  line: number;
  driver: string;
  dev: string;
  typeName: string;
  type: EntryType;
  idx: number;
  phys: number;
  dma: number;
  size: number;
  dir: DmaDir;
  mapErr: 'checked' | 'not checked' | 'not applicable';
  attrs: number | null;
}

function typeOf(name: string, kernel: number): EntryType {
  if (kernel >= 5001 && kernel < 5007) {
    // enum {single, sg, coherent, resource} printed through the old 5-name table
    if (name === 'page') return 'sg';
    if (name === 'scather-gather') return 'coherent';
    if (name === 'coherent') return 'resource';
  }
  switch (name) {
    case 'single':
    case 'page':
    case 'phy':
      return 'single';
    case 'scatter-gather':
    case 'scather-gather':
      return 'sg';
    case 'coherent':
      return 'coherent';
    case 'noncoherent':
      return 'noncoherent';
    default:
      return 'resource';
  }
}

function num(text: string, what: string): number {
  const t = text.replace(/^0x/, '');
  if (!/^[0-9a-fA-F]{1,16}$/.test(t)) throw new Error(`garbled ${what} '${text}' (hexadecimal expected)`);
  const v = parseInt(t, 16);
  if (v > Number.MAX_SAFE_INTEGER) throw new Error(`${what} ${text} is beyond what the explorer models (2^53)`);
  return v;
}

/** The kernel a dump's format and type names point to (the newest of its era). */
function dumpKernel(sawCln: boolean, sawN: boolean, names: Set<string>): string {
  if (names.has('phy')) return '6.18';
  if (!sawN && sawCln) return '6.17';
  if (sawCln) return names.has('scather-gather') ? '6.6' : '6.12';
  return '6.3';
}

export function importDump(text: string, opts: DumpImportOptions = {}): ImportResult {
  return joinedImport(importDumpPieces(text, opts));
}

/** importDump, its scenario as pieces (ImportPieces). */
export function importDumpPieces(text: string, opts: DumpImportOptions = {}): ImportPieces {
  const messages = new Messages();
  const entries: DumpEntry[] = [];
  let lines = 0;
  let unrecognised = 0;
  /** Entries past BUDGETS.dumpEntries, left out. */
  let beyond = 0;
  let sawCln = false;
  let sawN = false;
  const names = new Set<string>();
  const provisional = kernelCode(opts.kernel ?? NEWEST_KERNEL);
  const total = opts.onProgress ? lineCount(text) : 0;
  opts.onProgress?.({ phase: 'read', done: 0, total });
  forEachLine(text, (raw, n) => {
    lines = n;
    if (opts.onProgress && n % PROGRESS_LINES === 0) opts.onProgress({ phase: 'read', done: n, total });
    const t = safeLine(raw, n, (line, msg) => messages.add(line, msg));
    if (/^\s*(#|$)/.test(t)) return;
    const dbg = DMESG.exec(t) ?? DEBUGFS.exec(t);
    if (!dbg) {
      unrecognised++;
      if (unrecognised <= 5) messages.add(n, /\bidx \d+ P=/.test(t) ? `a dma-debug dump line cut short or garbled: '${t.slice(0, 80)}'` : `not a dma-debug dump line: '${t.slice(0, 60)}'`);
      return;
    }
    const fromDmesg = DMESG.test(t);
    const [, a, b, typeName, idx, P, N, D, L, cln, dir, state, attrs] = dbg;
    if (cln) sawCln = true;
    if (N) sawN = true;
    names.add(typeName!);
    // before 6.4 debugfs printed the device name first, then the driver
    const [driver, dev] = fromDmesg || cln ? [a!, b!] : [b!, a!];
    // Past the budget an entry is counted, not imported (each is ~400 bytes of scenario).
    if (entries.length >= BUDGETS.dumpEntries) {
      beyond++;
      return;
    }
    try {
      entries.push({
        line: n,
        driver,
        dev,
        typeName: typeName!,
        type: typeOf(typeName!, provisional),
        idx: Number(idx),
        phys: num(P!, 'P='),
        dma: num(D!, 'D='),
        size: num(L!, 'L='),
        dir: dir as DmaDir,
        mapErr: state!.endsWith('not checked') ? 'not checked' : state!.endsWith('not applicable') ? 'not applicable' : 'checked',
        attrs: attrs ? num(attrs, 'attrs=') : null,
      });
    } catch (e) {
      messages.add(n, `${e instanceof Error ? e.message : String(e)}; the entry is skipped`);
    }
  });
  if (unrecognised > 5) messages.add(lines, `${count(unrecognised - 5)} more lines that are not dump entries were ignored`);
  if (beyond > 0) {
    messages.add(entries[entries.length - 1]!.line + 1, `the dump holds ${count(entries.length + beyond)} entries: the explorer imports the first ${count(BUDGETS.dumpEntries)} (dma-debug preallocates 65,536) and leaves out ${count(beyond)}`);
  }
  const kernel = opts.kernel ?? (entries.length ? dumpKernel(sawCln, sawN, names) : NEWEST_KERNEL);
  const arch = opts.arch ?? 'arm64';
  const table = new DeviceTable(arch, kernelCode(kernel));
  const regions = new RegionCollector();
  for (const e of entries) {
    const f = table.get(e.dev);
    f.events++;
    if (e.type === 'single' || e.type === 'sg') {
      table.evidence(f, e.phys, e.dma, e.size, e.dir);
      regions.add(e.phys, e.size, e.line);
    }
  }
  const blocks = regions.blocks();
  const setups = table.setups(arch);
  const machine = chooseMachine(arch, kernel, blocks, messages, setups);
  if (!entries.length) messages.add(lines > 0 ? 1 : 0, 'no dma-debug dump entries here: paste the text of /sys/kernel/debug/dma-api/dump');

  const out: string[] = [];
  let steps = 0;
  const stmt = (s: string, note: string) => {
    steps++;
    out.push(`${s}   # ${note}`);
  };
  out.push(`# Imported from a dma-debug dump (/sys/kernel/debug/dma-api/dump${opts.source ? `: ${opts.source}` : ''}).`);
  out.push(`# ${count(entries.length)} live entries, ${table.byKernelName.size} device${table.byKernelName.size === 1 ? '' : 's'}; modelled as Linux ${kernel}. The steps rebuild`);
  out.push('# the state the dump shows, map error checks included; add your own steps after them.');
  out.push(...headerStatements(arch, kernel, machine, table.byKernelName.values(), setups, false));
  if (blocks.length) {
    out.push('', '# The memory the mappings use, at its physical addresses');
    for (const b of blocks) stmt(`${b.name} = alloc_pages(GFP_KERNEL, ${b.order}${b.placed ? `, at=${hex(b.base)}` : ''})`, `first used at dump line ${b.firstLine}`);
  }
  out.push('', '# The live entries, in the dump\'s (hash bucket) order');
  for (const e of entries) {
    const dev = table.get(e.dev).name;
    const where = annotation(e.line, undefined, undefined, [`${e.driver} ${e.dev} ${e.typeName} idx ${e.idx}`]).replace(/^trace line/, 'dump line');
    const setup = setups.get(e.dev)!;
    const block = blockOf(blocks, e.phys);
    const ptrText = block ? (e.phys === block.base ? block.name : `${block.name} + ${hex(e.phys - block.base)}`) : null;
    const checkDma = block?.placed && (setup.path === 'direct' || (setup.path === 'swiotlb' && e.dma === e.phys));
    switch (e.type) {
      case 'single': {
        const h = `h${e.line}`;
        const off = e.phys - block!.base;
        stmt(`${h} = dma_map_page(${dev}, ${block!.name}, ${off ? hex(off) : 0}, ${e.size}, ${e.dir})${checkDma ? ` => ${hex(e.dma)}` : ''}`, checkDma ? where : `${where} · kernel: ${hex(e.dma)}`);
        if (e.mapErr === 'checked') stmt(`dma_mapping_error(${dev}, ${h}) => 0`, `${where} · the dump says the driver checked it`);
        break;
      }
      case 'sg': {
        const sg = `sg${e.line}`;
        stmt(`${sg} = sg_table(${ptrText}, ${e.size})`, `${where} · one mapped segment (the dump does not say which segments form one list)`);
        stmt(`dma_map_sg(${dev}, ${sg}, ${e.dir}) => 1`, `${where} · kernel: ${hex(e.dma)}`);
        break;
      }
      case 'coherent':
        stmt(`buf${e.line}, h${e.line} = dma_alloc_coherent(${dev}, ${e.size})`, `${where} · kernel: ${hex(e.dma)} at ${hex(e.phys)} (the explorer allocates its own)`);
        break;
      case 'noncoherent':
        stmt(`buf${e.line}, h${e.line} = dma_alloc_noncoherent(${dev}, ${e.size}, ${e.dir})`, `${where} · kernel: ${hex(e.dma)} at ${hex(e.phys)} (the explorer allocates its own)`);
        break;
      case 'resource':
        out.push(`# ${where}: dma_map_resource of ${hex(e.phys)} (device memory) at ${hex(e.dma)}: not modelled`);
        break;
    }
  }
  out.push('', '# The dump ends here: the state above is what dma-debug held. Step on from here.');
  const report: ImportReport = {
    kind: 'dump',
    format: 'dma-debug dump',
    era: entries.length ? (sawCln ? (sawN ? '6.4 to 6.12' : '6.13 on') : 'before 6.4') : null,
    arch,
    kernel,
    lines,
    events: entries.length,
    skipped: 0,
    skippedByEvent: [],
    unrecognised,
    lost: 0,
    devices: [...table.byKernelName.values()].map((f) => ({ kernelName: f.kernelName, name: f.name, path: pathName(setups.get(f.kernelName)!), events: f.events })),
    steps,
    messages: messages.list,
    moreMessages: messages.more,
  };
  return { pieces: [...out, ''], report, summary: summarize(report) };
}
