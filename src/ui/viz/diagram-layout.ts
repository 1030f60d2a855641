/**
 * The machine diagram's layout: the model it draws (boxes, wires, arrows,
 * marks, the address bar), the fixed geometry, and the boxes for the CPU,
 * its data cache, the memory bus, RAM (buffers, the swiotlb pool and its
 * slots, the CMA area, an address bar with the 4 GiB line), system IOMMUs
 * and devices (a GPU's own MMU inside it).
 *
 * Boxes depend only on the machine configuration, so they do not move while
 * stepping; only the chips inside RAM (live buffers, bounce slots) change.
 * Uses the frame's MachineSnapshot when there is one; without it (older
 * workers) the regions come from the configuration (as src/sim/machine.ts
 * lays memory out). The step's arrows and marks: diagram.ts.
 *
 * No DOM, no React: test/ui/diagram.test.ts drives it with plain data.
 */
import type { DeviceConfig, MachineConfig } from '../../sim/config.ts';
import { machineLayout } from '../../sim/layout.ts';
import type { ObservationRule, SimEvent } from '../../sim/events.ts';
import type { BufferInfo, MachineSnapshot } from '../../sim/snapshot.ts';
import { hex, plural, sizeExact } from '../../sim/format.ts';

export const DIAGRAM_W = 860;
export const DIAGRAM_H = 278;

export type Pt = readonly [number, number];

/** Radius of a number badge (arrows and marks) at full scale; the view grows it with the font at small scales. */
export const BADGE_R = 8;
/** Centres of two badges are at least this far apart: no overlap even when the view grows them (to about 10 units). */
export const BADGE_SEP = 23;

export interface Rect {
  x: number;
  y: number;
  w: number;
  h: number;
}

export type BoxKind = 'cpu' | 'cache' | 'bus' | 'ram' | 'general' | 'pool' | 'cma' | 'iommu' | 'device' | 'mmu' | 'chip' | 'slot';

export interface DBox extends Rect {
  id: string;
  kind: BoxKind;
  title: string;
  /** Short lines under the title (kept to what fits). */
  lines: string[];
  /** Full description for a tooltip. */
  tip: string;
  /** stale: RAM's copy is older than the CPU cache's dirty lines; others colour devices. */
  tone: 'stale' | 'coherent' | 'noncoherent' | null;
  /** An event of this step touched it. */
  active: boolean;
}

export interface DWire {
  id: string;
  points: Pt[];
}

export type ArrowKind = 'dma-read' | 'dma-write' | 'bounce' | 'writeback' | 'fill' | 'cpu' | 'snoop' | 'migrate' | 'blocked';

export interface DArrow {
  id: string;
  /** Number shown on the arrow and before its caption. */
  n: number;
  kind: ArrowKind;
  points: Pt[];
  /** Where to put the number badge. */
  at: Pt;
  /** A word or two along the arrow ("memcpy", "DMA read"). */
  label: string;
  caption: string;
  /** The data this arrow carries is stale (older than the CPU's dirty lines, or a stale cached copy). */
  stale: boolean;
  /** The access went wrong (a fault): its caption reads as a bug. */
  bad?: boolean;
  why?: string;
}

export type MarkKind = 'drop' | 'lost' | 'clean' | 'alloc' | 'free' | 'map' | 'unmap' | 'sync' | 'swiotlb' | 'iommu' | 'fault' | 'gpu' | 'cma';

export interface DMark {
  id: string;
  n: number;
  kind: MarkKind;
  x: number;
  y: number;
  caption: string;
  bad: boolean;
  why?: string;
}

export interface DAxisTick {
  x: number;
  label: string;
  strong: boolean;
}

export interface DAxisSpan {
  x: number;
  w: number;
  kind: 'pool' | 'cma' | 'buffer';
  title: string;
}

export interface DiagramModel {
  width: number;
  height: number;
  boxes: DBox[];
  wires: DWire[];
  arrows: DArrow[];
  marks: DMark[];
  /** The address bar under the chips: 0 … RAM, linear. */
  axis: { x: number; y: number; w: number; ticks: DAxisTick[]; spans: DAxisSpan[] };
  /** Captions in number order (arrows and marks together). */
  captions: Array<{ n: number; text: string; tone: 'stale' | 'bad' | 'normal'; why?: string }>;
  /** Events of this step not drawn (over the cap). */
  more: number;
  /** Where the RAM contents came from. */
  source: 'snapshot' | 'config';
}

export interface DiagramInput {
  config: MachineConfig;
  snapshot?: MachineSnapshot | null;
  events?: readonly SimEvent[];
  /** The rules of the step's observations (StepJson.observationRules). */
  observationRules?: readonly ObservationRule[];
}

// ---------------------------------------------------------------------------
// fixed geometry (viewBox units)

export const CPU: Rect = { x: 8, y: 6, w: 168, h: 36 };
export const CACHE: Rect = { x: 8, y: 62, w: 168, h: 60 };
export const BUS: Rect = { x: 8, y: 138, w: 844, h: 10 };
export const RAM: Rect = { x: 8, y: 162, w: 844, h: 112 };
export const DEV_AREA = { x: 394, w: 458, y: 6, h: 60 };
const IOMMU_ROW = { y: 86, h: 32 };
export const FREE_AREA = { x: 196, w: 180 };
const REGION_Y = 178;
export const CHIP_Y = 194;
// Chips hold a title and two lines at up to 13 units (11 px at the smallest scale the view allows).
export const CHIP_H = 42;
const AXIS_Y = 250;
const MAX_DEVICES = 5;

export const SZ_4G = 4 * 1024 ** 3;
const SLOT = 2048;

/** Where the engine puts the CMA area and the swiotlb pool (src/sim/layout.ts, the engine's own function), for frames without a snapshot. */
export function regionsFromConfig(c: MachineConfig): { pool: { start: number; end: number } | null; cma: { start: number; end: number } | null } {
  const l = machineLayout(c);
  return {
    pool: l.swiotlbSize ? { start: l.swiotlbBase, end: l.swiotlbBase + l.swiotlbSize } : null,
    cma: l.cmaSize ? { start: l.cmaBase, end: l.cmaBase + l.cmaSize } : null,
  };
}

export interface Placed {
  box: DBox;
  /** Address range it stands for (chips and regions). */
  start: number;
  end: number;
  buffer?: string;
}

/** The laid-out boxes of one step, and what the arrows need to find them. */
export interface Layout {
  boxes: DBox[];
  wires: DWire[];
  devices: Map<string, { box: DBox; iommu: DBox | null; mmu: DBox | null; cfg: DeviceConfig; coherent: boolean }>;
  iommus: Map<string, DBox>;
  chips: Placed[];
  regions: { general: Placed; pool: Placed | null; cma: Placed | null };
  axis: DiagramModel['axis'];
  buffers: BufferInfo[];
  cpu: DBox;
  cache: DBox;
}

function box(id: string, kind: BoxKind, r: Rect, title: string, lines: string[], tip: string, tone: DBox['tone'] = null): DBox {
  return { id, kind, x: r.x, y: r.y, w: r.w, h: r.h, title, lines, tip, tone, active: false };
}

function isCoherent(cfg: MachineConfig, d: DeviceConfig, snap: MachineSnapshot | null | undefined): boolean {
  const s = snap?.devices?.find((x) => x.name === d.name);
  if (s && typeof s.coherent === 'boolean') return s.coherent;
  return cfg.arch === 'x86' || d.coherent;
}

/** Devices in drawing order: those behind the same IOMMU next to each other (config order otherwise). */
function orderDevices(c: MachineConfig): DeviceConfig[] {
  const rank = (d: DeviceConfig) => {
    const i = d.iommu === null ? -1 : c.iommus.findIndex((m) => m.name === d.iommu);
    return i < 0 ? c.iommus.length : i;
  };
  return c.devices.map((d, i) => ({ d, i })).sort((a, b) => rank(a.d) - rank(b.d) || a.i - b.i).map((x) => x.d);
}

export function bufferPieces(b: BufferInfo): Array<{ phys: number; len: number }> {
  return Array.isArray(b.pieces) ? b.pieces : [];
}

function lowestPhys(b: BufferInfo): number {
  const p = bufferPieces(b);
  return p.length ? Math.min(...p.map((x) => x.phys)) : Number.MAX_SAFE_INTEGER;
}

function within(p: number, r: { start: number; end: number } | null): boolean {
  return !!r && p >= r.start && p < r.end;
}

/** Lays out chips of width `w` in a region, left to right, with a "+N" chip when they do not fit. */
function placeChips<T>(items: T[], r: Rect, w: number, make: (item: T, rect: Rect) => Placed, more: (n: number, rect: Rect) => Placed): Placed[] {
  const gap = 6;
  const cap = Math.max(1, Math.floor((r.w - 8 + gap) / (w + gap)));
  const out: Placed[] = [];
  const shown = items.length > cap ? cap - 1 : items.length;
  for (let i = 0; i < shown; i++) out.push(make(items[i]!, { x: r.x + 4 + i * (w + gap), y: CHIP_Y, w, h: CHIP_H }));
  if (items.length > cap) out.push(more(items.length - shown, { x: r.x + 4 + shown * (w + gap), y: CHIP_Y, w: Math.min(w, 60), h: CHIP_H }));
  return out;
}

export function layoutFrame(cfg: MachineConfig, snap: MachineSnapshot | null | undefined): Layout {
  const boxes: DBox[] = [];
  const wires: DWire[] = [];

  // CPU and cache
  const lines = snap?.cache?.lines ?? [];
  const dirty = lines.filter((l) => l.state === 'D').length;
  const clean = lines.filter((l) => l.state === 'C').length;
  const cpu = box('cpu', 'cpu', CPU, 'CPU', [`${cfg.arch} · Linux ${cfg.kernel}`], `The CPU (${cfg.arch}), running kernel ${cfg.kernel}. It reads and writes memory through its data cache.`);
  const cacheLines = snap ? [`${dirty} dirty · ${clean} clean`] : [`${cfg.line} B lines · ${cfg.ways}-way`];
  const cache = box(
    'cache',
    'cache',
    CACHE,
    `data cache ${sizeExact(cfg.cache)}`,
    [...cacheLines, 'write-back'],
    `The CPU's data cache: ${sizeExact(cfg.cache)}, ${cfg.line}-byte lines, ${cfg.ways}-way, write-back. Dirty lines hold bytes RAM does not have yet.`,
  );
  boxes.push(cpu, cache);
  wires.push({ id: 'w-cpu', points: [[CPU.x + 60, CPU.y + CPU.h], [CACHE.x + 60, CACHE.y]] });
  wires.push({ id: 'w-cache', points: [[CACHE.x + 60, CACHE.y + CACHE.h], [CACHE.x + 60, BUS.y]] });
  boxes.push(box('bus', 'bus', BUS, 'memory bus / interconnect', [], 'The interconnect between the CPU, RAM and the devices.'));
  wires.push({ id: 'w-ram', points: [[RAM.x + 60, BUS.y + BUS.h], [RAM.x + 60, RAM.y]] });

  // Devices (fixed by the configuration)
  const devs = orderDevices(cfg);
  const shownDevs = devs.slice(0, devs.length > MAX_DEVICES ? MAX_DEVICES - 1 : MAX_DEVICES);
  const slots = shownDevs.length + (devs.length > shownDevs.length ? 1 : 0);
  const gap = 8;
  const dw = slots ? Math.min(160, (DEV_AREA.w - gap * (slots - 1)) / slots) : 160;
  const right = DEV_AREA.x + DEV_AREA.w;
  const startX = right - (slots * dw + (slots - 1) * gap);
  const devices: Layout['devices'] = new Map();
  shownDevs.forEach((d, i) => {
    const r = { x: startX + i * (dw + gap), y: DEV_AREA.y, w: dw, h: DEV_AREA.h };
    const coherent = isCoherent(cfg, d, snap);
    const mask = snap?.devices?.find((x) => x.name === d.name)?.maskBits ?? d.dmaMask;
    const sub = [
      coherent && d.nosnoop ? 'No Snoop: RAM only' : coherent ? (cfg.arch === 'x86' && !d.coherent ? 'coherent (x86: always)' : 'coherent: snoops caches') : 'non-coherent',
      `DMA mask ${mask}-bit${d.bus === 'pci' ? ' · PCI' : ''}`,
    ];
    const tip = `Device ${d.name}: ${coherent && d.nosnoop ? 'the DMA API believes it cache-coherent, but its accesses are non-snooped (No Snoop): they see RAM only, and the driver must flush' : coherent ? 'cache-coherent, its DMA snoops the CPU caches' : 'not cache-coherent, its DMA sees RAM only'}; DMA_BIT_MASK(${mask})${d.busLimit ? `, bus limit ${d.busLimit} bits` : ''}${d.iommu ? `; behind IOMMU ${d.iommu}` : ''}${d.mmu ? '; has its own MMU (GPU)' : ''}${d.untrusted ? '; untrusted' : ''}${d.swiotlb === 'force' ? '; swiotlb=force' : ''}.`;
    const b = box(`dev-${d.name}`, 'device', r, d.name, sub, tip, coherent ? 'coherent' : 'noncoherent');
    let mmu: DBox | null = null;
    if (d.mmu) {
      b.lines = [sub[0]!];
      mmu = box(`mmu-${d.name}`, 'mmu', { x: r.x + 6, y: r.y + r.h - 21, w: r.w - 12, h: 16 }, 'own MMU (GPU VA → DMA)', [], `${d.name}'s internal MMU: GPU virtual addresses → DMA addresses.`);
    }
    boxes.push(b);
    if (mmu) boxes.push(mmu);
    devices.set(d.name, { box: b, iommu: null, mmu, cfg: d, coherent });
    wires.push({ id: `w-dev-${d.name}`, points: [[r.x + r.w / 2, r.y + r.h], [r.x + r.w / 2, BUS.y]] });
  });
  if (devs.length > shownDevs.length) {
    const n = devs.length - shownDevs.length;
    const r = { x: startX + shownDevs.length * (dw + gap), y: DEV_AREA.y, w: dw, h: DEV_AREA.h };
    boxes.push(box('dev-more', 'device', r, `+${n} more`, devs.slice(shownDevs.length).map((d) => d.name).slice(0, 2), devs.slice(shownDevs.length).map((d) => d.name).join(', ')));
  }

  // IOMMUs: under the devices behind them, or in the free area
  const iommus: Layout['iommus'] = new Map();
  let freeY = 14;
  for (const m of cfg.iommus) {
    const behind = shownDevs.filter((d) => d.iommu === m.name).map((d) => devices.get(d.name)!.box);
    let r: Rect;
    if (behind.length) {
      const x0 = Math.min(...behind.map((b) => b.x));
      const x1 = Math.max(...behind.map((b) => b.x + b.w));
      r = { x: x0, y: IOMMU_ROW.y, w: x1 - x0, h: IOMMU_ROW.h };
    } else {
      r = { x: FREE_AREA.x, y: freeY, w: FREE_AREA.w, h: 30 };
      freeY += 36;
    }
    const b = box(`iommu-${m.name}`, 'iommu', r, `IOMMU ${m.name}`, [`${m.mode} · ${sizeExact(m.pgsize)} pages`], `System IOMMU ${m.name}: ${m.mode === 'strict' ? 'strict (IOTLB invalidated at every unmap)' : m.mode === 'lazy' ? 'lazy (unmaps queued; IOTLB flushed later)' : 'passthrough (identity: DMA address = physical)'}; ${sizeExact(m.pgsize)} pages.`);
    boxes.push(b);
    iommus.set(m.name, b);
  }
  for (const d of devices.values()) if (d.cfg.iommu) d.iommu = iommus.get(d.cfg.iommu) ?? null;

  // RAM and its regions
  boxes.push(box('ram', 'ram', RAM, `RAM ${sizeExact(cfg.ram)}`, [], `Main memory: ${sizeExact(cfg.ram)}.`));
  const snapRegions = snap?.regions ?? null;
  const fromCfg = regionsFromConfig(cfg);
  const poolR = snapRegions ? snapRegions.find((r) => r.kind === 'swiotlb') ?? null : fromCfg.pool;
  const cmaR = snapRegions ? snapRegions.find((r) => r.kind === 'cma') ?? null : fromCfg.cma;
  const inner = { x: RAM.x + 8, y: REGION_Y, w: RAM.w - 16, h: CHIP_Y + CHIP_H + 4 - REGION_Y };
  const poolW = poolR ? 222 : 0;
  const cmaW = cmaR ? 164 : 0;
  const genW = inner.w - poolW - cmaW - (poolR ? 8 : 0) - (cmaR ? 8 : 0);
  const general: Placed = {
    box: box('general', 'general', { x: inner.x, y: inner.y, w: genW, h: inner.h }, 'kernel memory', [], 'RAM outside the swiotlb pool and the CMA area: kmalloc, page and vmalloc memory.'),
    start: 0,
    end: cfg.ram,
  };
  boxes.push(general.box);
  let pool: Placed | null = null;
  if (poolR) {
    const used = snap?.swiotlb ? `${snap.swiotlb.used} / ${snap.swiotlb.nslabs} slots used` : `${(poolR.end - poolR.start) / SLOT} slots of 2 KiB`;
    pool = {
      box: box('pool', 'pool', { x: inner.x + genW + 8, y: inner.y, w: poolW, h: inner.h }, `swiotlb pool · ${sizeExact(poolR.end - poolR.start)}`, [used], `The swiotlb bounce pool: ${sizeExact(poolR.end - poolR.start)} at ${hex(poolR.start)}–${hex(poolR.end)}, below 4 GiB, in 2 KiB slots. A mapping the device cannot reach is copied into a slot.`),
      start: poolR.start,
      end: poolR.end,
    };
    boxes.push(pool.box);
  }
  let cma: Placed | null = null;
  if (cmaR) {
    cma = {
      box: box('cma', 'cma', { x: inner.x + inner.w - cmaW, y: inner.y, w: cmaW, h: inner.h }, `CMA area · ${sizeExact(cmaR.end - cmaR.start)}`, [], `The CMA area: ${sizeExact(cmaR.end - cmaR.start)} at ${hex(cmaR.start)}, reserved for large contiguous allocations (movable pages may borrow it).`),
      start: cmaR.start,
      end: cmaR.end,
    };
    boxes.push(cma.box);
  }

  // Chips: live buffers (by address), bounce slots
  const buffers = (snap?.buffers ?? []).filter((b) => b && b.live !== false);
  const dirtyLines = (lines ?? []).filter((l) => l.state === 'D');
  const lineSize = snap?.cache?.line ?? cfg.line;
  const dirtyOver = (b: BufferInfo) => {
    let n = 0;
    for (const l of dirtyLines) if (bufferPieces(b).some((p) => l.line + lineSize > p.phys && l.line < p.phys + p.len)) n++;
    return n;
  };
  const chipFor = (b: BufferInfo, r: Rect): Placed => {
    const pieces = bufferPieces(b);
    const d = dirtyOver(b);
    const start = lowestPhys(b);
    const where = pieces.length > 1 ? `${pieces.length} pieces` : pieces.length === 1 ? hex(pieces[0]!.phys) : '—';
    const bx = box(
      `buf-${b.name}`,
      'chip',
      r,
      b.name,
      [d ? `${sizeExact(b.size)} · RAM stale` : `${sizeExact(b.size)} · ${b.kind}`, where],
      `${b.name}: ${b.kind}, ${sizeExact(b.size)}${pieces.length ? ` at ${pieces.map((p) => hex(p.phys)).join(', ')}` : ''}${start >= SZ_4G ? ' (above 4 GiB)' : ''}${d ? `. ${plural(d, 'dirty cache line')} ${d === 1 ? 'holds' : 'hold'} newer bytes than RAM: RAM's copy is stale.` : '.'}`,
      d ? 'stale' : null,
    );
    return { box: bx, start: pieces.length === 1 ? pieces[0]!.phys : start, end: pieces.length === 1 ? pieces[0]!.phys + pieces[0]!.len : start, buffer: b.name };
  };
  const more = (n: number, r: Rect): Placed => ({ box: box(`chips-more-${r.x}`, 'chip', r, `+${n}`, ['more'], `${n} more buffers`), start: -1, end: -1 });
  const inRegion = (b: BufferInfo, r: { start: number; end: number } | null) => bufferPieces(b).length > 0 && bufferPieces(b).every((p) => within(p.phys, r));
  const byAddr = (a: BufferInfo, b: BufferInfo) => lowestPhys(a) - lowestPhys(b) || a.id - b.id;
  const inCma = buffers.filter((b) => inRegion(b, cma)).sort(byAddr);
  const inPool = buffers.filter((b) => inRegion(b, pool)).sort(byAddr);
  const rest = buffers.filter((b) => !inRegion(b, cma) && !inRegion(b, pool)).sort(byAddr);
  const chips: Placed[] = [];
  chips.push(...placeChips(rest, general.box, 104, chipFor, more));
  if (cma) chips.push(...placeChips(inCma, cma.box, 76, chipFor, more));
  if (pool) {
    const runs = snap?.swiotlb?.runs ?? [];
    const slotItems: Array<{ kind: 'run'; index: number; nslots: number; orig: number } | { kind: 'buf'; b: BufferInfo }> = [
      // a coherent buffer taken from the pool (before 4.20) is its own chip, not a bounce copy
      ...runs.filter((r) => !inPool.some((b) => b.pieces[0]?.phys === pool!.start + r.index * SLOT)).map((r) => ({ kind: 'run' as const, ...r })),
      ...inPool.map((b) => ({ kind: 'buf' as const, b })),
    ];
    chips.push(
      ...placeChips(
        slotItems,
        pool.box,
        100,
        (it, r) => {
          if (it.kind === 'buf') return chipFor(it.b, r);
          const start = pool!.start + it.index * SLOT;
          const owner = buffers.find((b) => bufferPieces(b).some((p) => it.orig >= p.phys && it.orig < p.phys + p.len));
          const slotDirty = dirtyLines.filter((l) => l.line + lineSize > start && l.line < start + it.nslots * SLOT).length;
          const bx = box(
            `slot-${it.index}`,
            'slot',
            r,
            `slot ${it.index}${it.nslots > 1 ? `–${it.index + it.nslots - 1}` : ''}`,
            [owner ? `copy of ${owner.name}` : `copy of ${hex(it.orig)}`, hex(start)],
            `swiotlb slots ${it.index}–${it.index + it.nslots - 1} (${sizeExact(it.nslots * SLOT)}) at ${hex(start)}: the bounce copy of ${owner ? owner.name : hex(it.orig)}.${slotDirty ? ` ${plural(slotDirty, 'dirty cache line')} ${slotDirty === 1 ? 'holds' : 'hold'} newer bytes than RAM here (the CPU's copy went through its cache).` : ''}`,
            slotDirty ? 'stale' : null,
          );
          return { box: bx, start, end: start + it.nslots * SLOT };
        },
        more,
      ),
    );
  }
  boxes.push(...chips.map((c) => c.box));

  // Address bar
  const ax = { x: RAM.x + 12, y: AXIS_Y, w: RAM.w - 24 };
  const xOf = (p: number) => ax.x + (Math.min(Math.max(p, 0), cfg.ram) / cfg.ram) * ax.w;
  const ticks: DAxisTick[] = [{ x: ax.x, label: '0', strong: false }];
  const masks = [...new Set(cfg.devices.map((d) => Math.min(d.dmaMask, d.busLimit || 64)))].filter((m) => 2 ** m < cfg.ram).sort((a, b) => a - b);
  if (cfg.ram > SZ_4G) {
    const who = cfg.devices.filter((d) => Math.min(d.dmaMask, d.busLimit || 64) === 32).map((d) => d.name);
    ticks.push({ x: xOf(SZ_4G), label: who.length ? `4 GiB: ${who.slice(0, 2).join(', ')}'s 32-bit limit` : '4 GiB (DMA32)', strong: who.length > 0 });
  }
  for (const m of masks) {
    if (m === 32) continue;
    const who = cfg.devices.filter((d) => Math.min(d.dmaMask, d.busLimit || 64) === m).map((d) => d.name);
    ticks.push({ x: xOf(2 ** m), label: `${sizeExact(2 ** m)}: ${who.slice(0, 2).join(', ')}'s ${m}-bit limit`, strong: true });
  }
  ticks.push({ x: ax.x + ax.w, label: sizeExact(cfg.ram), strong: false });
  const spans: DAxisSpan[] = [];
  if (poolR) spans.push({ x: xOf(poolR.start), w: Math.max(3, xOf(poolR.end) - xOf(poolR.start)), kind: 'pool', title: `swiotlb pool ${hex(poolR.start)}` });
  if (cmaR) spans.push({ x: xOf(cmaR.start), w: Math.max(3, xOf(cmaR.end) - xOf(cmaR.start)), kind: 'cma', title: `CMA ${hex(cmaR.start)}` });
  for (const b of buffers) for (const p of bufferPieces(b)) spans.push({ x: xOf(p.phys), w: Math.max(2, xOf(p.phys + p.len) - xOf(p.phys)), kind: 'buffer', title: `${b.name} ${hex(p.phys)}` });

  return { boxes, wires, devices, iommus, chips, regions: { general, pool, cma }, axis: { ...ax, ticks, spans }, buffers, cpu, cache };
}
