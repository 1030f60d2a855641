/**
 * The machine diagram for one step: the layout (diagram-layout.ts) with
 * numbered arrows and marks built from the step's events, each with a
 * one-line caption in words. Without a snapshot, arrows end at addresses.
 *
 * No DOM, no React: test/ui/diagram.test.ts drives it with plain data.
 */
import type { SimEvent } from '../../sim/events.ts';
import type { MachineSnapshot } from '../../sim/snapshot.ts';
import { faultSentence, faultsOf, type Fault } from '../../scenario/faults.ts';
import { BADGE_R, BADGE_SEP, BUS, CACHE, CHIP_H, CHIP_Y, CPU, DEV_AREA, DIAGRAM_H, DIAGRAM_W, FREE_AREA, RAM, bufferPieces, layoutFrame } from './diagram-layout.ts';
import type { DArrow, DBox, DMark, DiagramInput, DiagramModel, Layout, Pt, Rect } from './diagram-layout.ts';
import { hex, plural, sizeExact } from '../../sim/format.ts';
import { sawStaleData } from '../../sim/observe.ts';
import { describeEvent } from '../../scenario/event-words.ts';

/** Arrows and marks drawn for one step; the rest are counted in `more`. */
const MAX_ITEMS = 10;

// ---------------------------------------------------------------------------
// the step's arrows and marks

interface Anchor {
  x: number;
  top: number;
  bottom: number;
  /** Words for what is at this address ("buf", "swiotlb slot 0", "RAM"). */
  what: string;
  box: DBox | null;
}

function anchorFor(f: Layout, phys: number): Anchor {
  const chip = f.chips.find((c) => c.start >= 0 && phys >= c.start && phys < c.end);
  if (chip) return { x: chip.box.x + chip.box.w / 2, top: chip.box.y, bottom: chip.box.y + chip.box.h, what: chip.box.kind === 'slot' ? `swiotlb ${chip.box.title}` : chip.buffer ?? chip.box.title, box: chip.box };
  // a buffer split in pieces: match any piece
  for (const b of f.buffers) {
    if (bufferPieces(b).some((p) => phys >= p.phys && phys < p.phys + p.len)) {
      const c = f.chips.find((x) => x.buffer === b.name);
      if (c) return { x: c.box.x + c.box.w / 2, top: c.box.y, bottom: c.box.y + c.box.h, what: b.name, box: c.box };
    }
  }
  for (const r of [f.regions.pool, f.regions.cma]) {
    if (r && phys >= r.start && phys < r.end) {
      return { x: r.box.x + r.box.w - 24, top: CHIP_Y, bottom: CHIP_Y + CHIP_H, what: r === f.regions.pool ? 'the swiotlb pool' : 'the CMA area', box: r.box };
    }
  }
  const g = f.regions.general.box;
  return { x: g.x + g.w - 30, top: CHIP_Y, bottom: CHIP_Y + CHIP_H, what: 'RAM', box: g };
}

function laneY(i: number): number {
  return BUS.y + 3 + (i % 3) * 3;
}

/**
 * Where the cache's arrows (fills, write-backs) carry their number and label:
 * between the cache and the bus, never over RAM's title or a buffer's name.
 */
const CACHE_TO_BUS = (CACHE.y + CACHE.h + BUS.y) / 2;

function mid(points: Pt[]): Pt {
  // the middle of the longest segment
  let best = 0;
  let at: Pt = points[0]!;
  for (let i = 1; i < points.length; i++) {
    const [x0, y0] = points[i - 1]!;
    const [x1, y1] = points[i]!;
    const len = Math.abs(x1 - x0) + Math.abs(y1 - y0);
    if (len > best) {
      best = len;
      at = [(x0 + x1) / 2, (y0 + y1) / 2];
    }
  }
  return at;
}

function whyText(e: SimEvent): string | undefined {
  return 'why' in e && e.why ? `${e.why.rule}${e.why.fn ? ` (${e.why.fn}, ${e.why.file})` : ''}` : undefined;
}

function devicePath(f: Layout, dev: string): { x: number; bottom: number; iommu: DBox | null; mmu: DBox | null } {
  const d = f.devices.get(dev);
  if (d) return { x: d.box.x + d.box.w / 2, bottom: d.box.y + d.box.h, iommu: d.iommu, mmu: d.mmu };
  const more = f.boxes.find((b) => b.id === 'dev-more');
  const b = more ?? f.boxes.find((x) => x.kind === 'device');
  return b ? { x: b.x + b.w / 2, bottom: b.y + b.h, iommu: null, mmu: null } : { x: DEV_AREA.x + DEV_AREA.w / 2, bottom: DEV_AREA.y + DEV_AREA.h, iommu: null, mmu: null };
}

function iommuFor(f: Layout, dev: string | null): DBox | null {
  if (dev) {
    const d = f.devices.get(dev);
    if (d?.iommu) return d.iommu;
  }
  return f.iommus.values().next().value ?? null;
}

function dirtyInRange(snap: MachineSnapshot | null | undefined, phys: number, len: number, line: number): number {
  const lines = snap?.cache?.lines ?? [];
  let n = 0;
  for (const l of lines) if (l.state === 'D' && l.line + line > phys && l.line < phys + len) n++;
  return n;
}

/** Is `e` the event that fault `f` (faults.ts) stands for? (A GPU stage-2 fault stands for the IOMMU fault before it too.) */
function sameFault(f: Fault, e: SimEvent): boolean {
  if (e.kind === 'gpu_vm') return f.gpuStage !== null && f.addr === e.va;
  return e.kind === 'iommu_fault' && f.gpuStage === null && f.addr === e.iova;
}

/** The whole diagram for one step. */
export function buildDiagram(input: DiagramInput): DiagramModel {
  const { config: cfg, snapshot: snap } = input;
  const events = input.events ?? [];
  const f = layoutFrame(cfg, snap);
  const arrows: DArrow[] = [];
  const marks: DMark[] = [];
  let n = 0;
  let more = 0;
  let lane = 0;
  const staleObserved = sawStaleData(input.observationRules ?? []);
  const lineSize = snap?.cache?.line ?? cfg.line;
  const full = () => arrows.length + marks.length >= MAX_ITEMS;
  const activate = (b: DBox | null | undefined) => {
    if (b) b.active = true;
  };

  const addArrow = (a: Omit<DArrow, 'n' | 'id' | 'at'> & { at?: Pt }) => {
    if (full()) {
      more++;
      return;
    }
    n++;
    arrows.push({ ...a, id: `a${n}`, n, at: a.at ?? mid(a.points) });
  };
  // Marks sit in a box's top-right corner; several on one box are spread leftwards below (first leftmost).
  const corner = (b: DBox | null | undefined, fallback: Rect): { x: number; y: number } => {
    const r = b ?? fallback;
    return { x: r.x + r.w - 10, y: r.y + 10 };
  };
  const addMark = (m: Omit<DMark, 'n' | 'id'>) => {
    if (full()) {
      more++;
      return;
    }
    n++;
    marks.push({ ...m, id: `m${n}`, n });
  };

  // Fills are many per access: one arrow per target.
  const fills = new Map<string, { count: number; anchor: Anchor }>();
  for (const e of events) {
    if (e.kind !== 'cache_fill') continue;
    const a = anchorFor(f, e.line);
    const k = a.what;
    const cur = fills.get(k);
    if (cur) cur.count++;
    else fills.set(k, { count: 1, anchor: a });
  }
  let fillsDone = false;
  const faults = faultsOf(events);
  let faultAt = 0;

  const cacheX = (i: number) => CACHE.x + 96 + (i % 3) * 20;

  for (const e of events) {
    switch (e.kind) {
      case 'cache_fill': {
        if (fillsDone) break;
        fillsDone = true;
        for (const [what, { count, anchor }] of fills) {
          const y = laneY(lane++);
          const cx = cacheX(lane);
          activate(f.cache);
          addArrow({
            kind: 'fill',
            points: [[anchor.x, anchor.top], [anchor.x, y], [cx, y], [cx, CACHE.y + CACHE.h]],
            at: [cx, CACHE_TO_BUS],
            label: 'line fill',
            caption: `${plural(count, 'cache line')} of ${what} filled from RAM into the CPU cache.`,
            stale: false,
          });
        }
        break;
      }
      case 'cpu_access': {
        const a = anchorFor(f, e.phys);
        const stale = e.op === 'read' && staleObserved;
        activate(f.cpu);
        if (e.uncached) {
          const y = laneY(lane++);
          addArrow({
            kind: 'cpu',
            points: e.op === 'write' ? [[CPU.x + CPU.w, CPU.y + 14], [CPU.x + CPU.w + 14, CPU.y + 14], [CPU.x + CPU.w + 14, y], [a.x, y], [a.x, a.top]] : [[a.x, a.top], [a.x, y], [CPU.x + CPU.w + 14, y], [CPU.x + CPU.w + 14, CPU.y + 14], [CPU.x + CPU.w, CPU.y + 14]],
            label: `uncached ${e.op}`,
            caption: `CPU ${e.op === 'write' ? 'writes' : 'reads'} ${sizeExact(e.len)} of ${a.what} straight ${e.op === 'write' ? 'to' : 'from'} RAM (uncached mapping: the cache is bypassed).`,
            stale,
          });
        } else {
          activate(f.cache);
          const x = CPU.x + 30;
          addArrow({
            kind: 'cpu',
            points: e.op === 'write' ? [[x, CPU.y + CPU.h], [x, CACHE.y]] : [[x, CACHE.y], [x, CPU.y + CPU.h]],
            at: [x, (CPU.y + CPU.h + CACHE.y) / 2],
            label: e.op,
            caption: `CPU ${e.op === 'write' ? 'writes' : 'reads'} ${sizeExact(e.len)} of ${a.what} through its cache: ${plural(e.hits, 'hit')}, ${plural(e.misses, 'miss', 'misses')}${e.op === 'write' ? ' (the lines are now dirty; RAM is not updated)' : ''}${stale ? ' — STALE: the cache returned an old copy, not what the device wrote to RAM' : ''}.`,
            stale,
          });
        }
        break;
      }
      case 'cache_maint': {
        const a = anchorFor(f, e.start);
        const wb = e.lines.filter((l) => l.wroteBack).length;
        const lost = e.lines.filter((l) => l.lostHex !== undefined).length;
        const dropped = e.op === 'clean' ? 0 : e.lines.filter((l) => l.after === 'I' && l.lostHex === undefined).length;
        activate(f.cache);
        const name = e.instr.split(':')[0]!;
        if (wb > 0) {
          const y = laneY(lane++);
          const cx = cacheX(lane);
          addArrow({
            kind: 'writeback',
            points: [[cx, CACHE.y + CACHE.h], [cx, y], [a.x, y], [a.x, a.top]],
            at: [cx, CACHE_TO_BUS],
            label: 'write-back',
            caption: `${e.op === 'clean' ? 'Clean' : 'Clean + invalidate'} (${name}): ${plural(wb, 'dirty line')} of ${a.what} written back to RAM, so RAM is current.`,
            stale: false,
            ...(whyText(e) ? { why: whyText(e)! } : {}),
          });
        }
        if (lost > 0) {
          addMark({ kind: 'lost', ...corner(f.cache, CACHE), bad: true, caption: `Invalidate (${name}) DISCARDED ${plural(lost, 'dirty line')} of ${a.what}: the CPU's writes there are lost.`, ...(whyText(e) ? { why: whyText(e)! } : {}) });
        }
        if (dropped > 0) {
          addMark({ kind: 'drop', ...corner(f.cache, CACHE), bad: false, caption: `Invalidate (${name}): ${plural(dropped, 'line')} of ${a.what} dropped from the cache; the next CPU read fetches RAM.`, ...(whyText(e) ? { why: whyText(e)! } : {}) });
        }
        if (wb === 0 && lost === 0 && dropped === 0) {
          const what = e.op === 'clean' ? 'nothing to write back' : 'nothing to drop';
          addMark({ kind: 'clean', ...corner(f.cache, CACHE), bad: false, caption: `${e.op === 'clean' ? 'Clean' : e.op === 'inval' ? 'Invalidate' : 'Clean + invalidate'} (${name}) over ${a.what}: ${e.lines.length === 0 ? `no line of it is in the cache, ${what}` : `${plural(e.lines.length, 'clean line')}, ${what}`}.`, ...(whyText(e) ? { why: whyText(e)! } : {}) });
        }
        break;
      }
      case 'cache_evict': {
        if (!e.dirty) break;
        const a = anchorFor(f, e.line);
        const y = laneY(lane++);
        const cx = cacheX(lane);
        activate(f.cache);
        addArrow({ kind: 'writeback', points: [[cx, CACHE.y + CACHE.h], [cx, y], [a.x, y], [a.x, a.top]], at: [cx, CACHE_TO_BUS], label: 'evict', caption: `The dirty line at ${hex(e.line)} (${a.what === 'RAM' ? 'RAM' : `now ${a.what}`}) left the cache (${e.reason === 'lru' ? 'replaced' : e.reason}) and was written back to RAM.`, stale: false });
        break;
      }
      case 'bounce': {
        const from = anchorFor(f, e.from);
        const to = anchorFor(f, e.to);
        const y1 = laneY(lane++);
        const y2 = laneY(lane++);
        const xr = CPU.x + CPU.w;
        activate(f.cpu);
        activate(from.box);
        activate(to.box);
        activate(f.regions.pool?.box);
        addArrow({
          kind: 'bounce',
          points: [[from.x, from.top], [from.x, y1], [xr + 10, y1], [xr + 10, CPU.y + 12], [xr - 16, CPU.y + 12], [xr - 16, CPU.y + 28], [xr + 20, CPU.y + 28], [xr + 20, y2], [to.x, y2], [to.x, to.top]],
          at: [xr + 15, (CACHE.y + CACHE.y + CACHE.h) / 2],
          label: 'memcpy',
          caption: e.toSlot
            ? `Bounce: the CPU copies ${sizeExact(e.len)} of ${from.what} into ${to.what} (${hex(e.to)}); the device will use the copy.`
            : `Bounce back: the CPU copies ${sizeExact(e.len)} from ${from.what} (${hex(e.from)}) to ${to.what}, so the CPU sees what the device wrote.`,
          stale: false,
          ...(whyText(e) ? { why: whyText(e)! } : {}),
        });
        break;
      }
      case 'dev_access': {
        const a = anchorFor(f, e.phys);
        const d = devicePath(f, e.dev);
        const dirtyN = e.op === 'read' && !e.snooped ? dirtyInRange(snap, e.phys, e.len, lineSize) : 0;
        const stale = e.op === 'read' && !e.snooped && (dirtyN > 0 || staleObserved);
        const y = laneY(lane++);
        activate(f.devices.get(e.dev)?.box);
        activate(a.box);
        if (e.via === 'iommu') activate(d.iommu);
        if (e.via === 'gpu-mmu') activate(d.mmu);
        const ramSide: Pt[] = [[a.x, a.top], [a.x, y], [d.x, y], [d.x, d.bottom]];
        const through = e.via === 'iommu' ? ` through the IOMMU (IOVA ${hex(e.addr)} → ${hex(e.phys)})` : e.via === 'gpu-mmu' ? ` through its own MMU (→ ${hex(e.phys)})` : e.addr !== e.phys ? ` (DMA ${hex(e.addr)} → ${hex(e.phys)})` : ` at ${hex(e.phys)}`;
        const verb = e.op === 'read' ? 'reads' : 'writes';
        // a device the DMA API believes coherent whose transaction did not snoop
        const bypass = e.nosnoop === 'no-snoop' ? ' non-snooped (No Snoop; the DMA API believes the device coherent)' : e.nosnoop === 'iommu-nc' ? ' through a Non-cacheable IOMMU leaf (no IOMMU_CACHE)' : '';
        const tail = e.snooped
          ? e.op === 'read'
            ? ': it snoops the CPU cache, so it gets dirty lines too.'
            : ': it snoops, so the CPU cache copies are updated or invalidated.'
          : stale
            ? `: RAM only — STALE, ${dirtyN > 0 ? `${plural(dirtyN, 'dirty cache line')} ${dirtyN === 1 ? 'holds' : 'hold'} newer bytes` : 'the newer bytes are still in the CPU cache'}.`
            : e.op === 'read'
              ? ': RAM only (no snooping).'
              : ': straight to RAM; a cached copy the CPU still holds is now stale.';
        addArrow({
          kind: e.op === 'read' ? 'dma-read' : 'dma-write',
          points: e.op === 'read' ? ramSide : [...ramSide].reverse(),
          label: `${e.op === 'read' ? 'DMA read' : 'DMA write'}${e.nosnoop === 'no-snoop' ? ' (No Snoop)' : e.nosnoop === 'iommu-nc' ? ' (NC leaf)' : ''}`,
          caption: `${e.dev} ${verb} ${sizeExact(e.len)} ${e.op === 'read' ? 'from' : 'to'} ${a.what}${through}${bypass}${tail}`,
          stale,
          ...(whyText(e) ? { why: whyText(e)! } : {}),
        });
        if (e.snooped) {
          const ys = laneY(lane++);
          const sx = CACHE.x + CACHE.w - 20;
          const pts: Pt[] = [[sx, CACHE.y + CACHE.h], [sx, ys], [d.x - 6, ys], [d.x - 6, d.bottom]];
          activate(f.cache);
          addArrow({ kind: 'snoop', points: e.op === 'read' ? pts : [...pts].reverse(), label: 'snoop', caption: `${e.dev} snoops the CPU cache for ${a.what}: coherent DMA sees (and keeps coherent) the CPU's cached bytes.`, stale: false });
        }
        break;
      }
      case 'dma_map': {
        const d = f.devices.get(e.dev);
        activate(d?.box);
        addMark({ kind: 'map', ...corner(d?.box, DEV_AREA), bad: false, caption: `${describeEvent(e)} The device owns the buffer now.`, ...(whyText(e) ? { why: whyText(e)! } : {}) });
        break;
      }
      case 'dma_unmap': {
        const d = f.devices.get(e.dev);
        activate(d?.box);
        addMark({ kind: 'unmap', ...corner(d?.box, DEV_AREA), bad: false, caption: `${describeEvent(e)} The CPU owns the buffer again.` });
        break;
      }
      case 'dma_sync': {
        const d = f.devices.get(e.dev);
        activate(d?.box);
        addMark({ kind: 'sync', ...corner(d?.box, DEV_AREA), bad: false, caption: describeEvent(e) });
        break;
      }
      case 'swiotlb_alloc':
      case 'swiotlb_free': {
        const p = f.regions.pool;
        activate(p?.box);
        addMark({
          kind: 'swiotlb',
          ...corner(p?.box, RAM),
          bad: false,
          caption: describeEvent(e),
          ...(whyText(e) ? { why: whyText(e)! } : {}),
        });
        break;
      }
      case 'iommu_map':
      case 'iommu_unmap':
      case 'iotlb':
      case 'pt_walk':
      case 'fq': {
        const b = iommuFor(f, null);
        activate(b);
        addMark({ kind: 'iommu', ...corner(b, { x: FREE_AREA.x, y: 14, w: FREE_AREA.w, h: 30 }), bad: e.kind === 'iotlb' && !!e.stale, caption: describeEvent(e), ...(whyText(e) ? { why: whyText(e)! } : {}) });
        break;
      }
      case 'iommu_fault':
      case 'gpu_vm': {
        if (e.kind === 'gpu_vm' && e.op !== 'fault') {
          const gpu = [...f.devices.values()].find((d) => d.mmu);
          activate(gpu?.mmu);
          addMark({ kind: 'gpu', ...corner(gpu?.mmu ?? gpu?.box, DEV_AREA), bad: false, caption: describeEvent(e) });
          break;
        }
        // Faults: one caption per fault (faults.ts), on the unit that refused the access.
        const fault = faults[faultAt];
        if (!fault || !sameFault(fault, e)) break;
        faultAt++;
        const dev = e.kind === 'iommu_fault' ? e.dev : ([...f.devices.values()].find((d) => d.mmu)?.cfg.name ?? null);
        const gpu = dev ? f.devices.get(dev) : undefined;
        const unit = fault.unit === 'gpu-mmu' ? (gpu?.mmu ?? gpu?.box ?? null) : iommuFor(f, dev);
        activate(unit);
        activate(gpu?.box);
        const d = dev ? devicePath(f, dev) : null;
        if (d && unit && fault.unit === 'iommu' && unit.y > d.bottom) {
          // The device's request reaches the IOMMU and stops there.
          addArrow({ kind: 'blocked', points: [[d.x + 8, d.bottom], [d.x + 8, unit.y]], label: `${fault.op ?? 'access'} blocked`, caption: faultSentence(fault), stale: false, bad: true, ...(whyText(e) ? { why: whyText(e)! } : {}) });
        } else {
          addMark({ kind: 'fault', ...corner(unit, { x: FREE_AREA.x, y: 14, w: FREE_AREA.w, h: 30 }), bad: true, caption: faultSentence(fault), ...(whyText(e) ? { why: whyText(e)! } : {}) });
        }
        break;
      }
      case 'cma': {
        const c = f.regions.cma;
        activate(c?.box);
        if (e.op === 'migrate' && e.to !== undefined) {
          const from = anchorFor(f, e.pfn * 4096);
          const to = anchorFor(f, e.to * 4096);
          const yb = CHIP_Y + CHIP_H + 2;
          addArrow({ kind: 'migrate', points: [[from.x, from.bottom], [from.x, yb], [to.x, yb], [to.x, to.bottom]], label: 'migrate', caption: `CMA migrates ${plural(e.count, 'page')} from pfn ${hex(e.pfn)} to ${hex(e.to)} (the data moves with them).`, stale: false });
        } else {
          addMark({ kind: 'cma', ...corner(c?.box, RAM), bad: e.op === 'fail', caption: describeEvent(e) });
        }
        break;
      }
      case 'alloc': {
        const a = anchorFor(f, e.phys);
        activate(a.box);
        addMark({ kind: 'alloc', ...corner(a.box, RAM), bad: false, caption: describeEvent(e) });
        break;
      }
      case 'free': {
        addMark({ kind: 'free', ...corner(f.regions.general.box, RAM), bad: false, caption: describeEvent(e) });
        break;
      }
      default:
        break;
    }
  }

  // Spread the marks that share a corner leftwards from it, in number order.
  const byCorner = new Map<string, DMark[]>();
  for (const m of marks) {
    const k = `${m.x},${m.y}`;
    const list = byCorner.get(k) ?? [];
    list.push(m);
    byCorner.set(k, list);
  }
  for (const list of byCorner.values()) {
    const right = list[0]!.x;
    list.forEach((m, i) => {
      m.x = right - (list.length - 1 - i) * BADGE_SEP;
    });
  }
  separateBadges(arrows, marks);

  const items: Array<{ n: number; text: string; tone: 'stale' | 'bad' | 'normal'; why?: string }> = [
    ...arrows.map((a) => ({ n: a.n, text: a.caption, tone: a.stale ? ('stale' as const) : a.bad ? ('bad' as const) : ('normal' as const), ...(a.why ? { why: a.why } : {}) })),
    ...marks.map((m) => ({ n: m.n, text: m.caption, tone: m.bad ? ('bad' as const) : ('normal' as const), ...(m.why ? { why: m.why } : {}) })),
  ].sort((a, b) => a.n - b.n);

  return {
    width: DIAGRAM_W,
    height: DIAGRAM_H,
    boxes: f.boxes,
    wires: f.wires,
    arrows,
    marks,
    axis: f.axis,
    captions: items,
    more,
    source: snap ? 'snapshot' : 'config',
  };
}

/**
 * Moves badges apart so none overlaps another: in number order, a badge too
 * close to an earlier one steps right (or, at the right edge, down) until it is clear.
 */
function separateBadges(arrows: DArrow[], marks: DMark[]): void {
  type B = { n: number; get: () => Pt; set: (p: Pt) => void };
  const all: B[] = [
    ...arrows.map((a) => ({ n: a.n, get: () => a.at, set: (p: Pt) => (a.at = p) })),
    ...marks.map((m) => ({ n: m.n, get: (): Pt => [m.x, m.y], set: (p: Pt) => ((m.x = p[0]), (m.y = p[1])) })),
  ].sort((a, b) => a.n - b.n);
  const placed: Pt[] = [];
  for (const b of all) {
    let [x, y] = b.get();
    for (let i = 0; i < 40 && placed.some(([px, py]) => Math.hypot(px - x, py - y) < BADGE_SEP); i++) {
      if (x + BADGE_SEP <= DIAGRAM_W - BADGE_R) x += BADGE_SEP;
      else y += BADGE_SEP;
    }
    b.set([x, y]);
    placed.push([x, y]);
  }
}

/** An SVG path for a polyline. */
export function pathOf(points: readonly Pt[]): string {
  return points.map(([x, y], i) => `${i === 0 ? 'M' : 'L'}${Math.round(x * 10) / 10} ${Math.round(y * 10) / 10}`).join(' ');
}
