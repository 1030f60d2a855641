/**
 * The machine diagram's pure layout: boxes for the CPU, its data cache, the
 * memory bus, RAM (buffers, the swiotlb pool and its slots, the CMA area, an
 * address bar with the 4 GiB line), system IOMMUs and devices (a GPU's own
 * MMU inside it); and, for one step, numbered arrows and marks built from the
 * step's events, each with a one-line caption in words.
 *
 * Boxes depend only on the machine configuration, so they do not move while
 * stepping; only the chips inside RAM (live buffers, bounce slots) and the
 * arrows change. Uses the frame's MachineSnapshot when there is one; without
 * it (older workers) the regions come from the configuration (as
 * src/sim/machine.ts lays memory out) and arrows end at addresses.
 *
 * No DOM, no React: test/ui/diagram.test.ts drives it with plain data.
 */
import type { DeviceConfig, MachineConfig } from '../../sim/config.ts';
import { machineLayout } from '../../sim/layout.ts';
import type { SimEvent } from '../../sim/events.ts';
import type { BufferInfo, MachineSnapshot } from '../../sim/snapshot.ts';
import { plural, size } from '../describe.ts';
import { faultSentence, faultsOf, type Fault } from '../faults.ts';

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
  observations?: readonly string[];
}

// ---------------------------------------------------------------------------
// formatting (sizes and plurals: describe.ts)

export function hexAddr(n: number): string {
  return `0x${Math.max(0, Math.trunc(n)).toString(16)}`;
}

// ---------------------------------------------------------------------------
// fixed geometry (viewBox units)

const CPU: Rect = { x: 8, y: 6, w: 168, h: 36 };
const CACHE: Rect = { x: 8, y: 62, w: 168, h: 60 };
const BUS: Rect = { x: 8, y: 138, w: 844, h: 10 };
const RAM: Rect = { x: 8, y: 162, w: 844, h: 112 };
const DEV_AREA = { x: 394, w: 458, y: 6, h: 60 };
const IOMMU_ROW = { y: 86, h: 32 };
const FREE_AREA = { x: 196, w: 180 };
const REGION_Y = 178;
const CHIP_Y = 194;
// Chips hold a title and two lines at up to 13 units (11 px at the smallest scale the view allows).
const CHIP_H = 42;
const AXIS_Y = 250;
const MAX_DEVICES = 5;
const MAX_ITEMS = 10;

const SZ_4G = 4 * 1024 ** 3;
const SLOT = 2048;

/** Where the engine puts the CMA area and the swiotlb pool (src/sim/layout.ts, the engine's own function), for frames without a snapshot. */
export function regionsFromConfig(c: MachineConfig): { pool: { start: number; end: number } | null; cma: { start: number; end: number } | null } {
  const l = machineLayout(c);
  return {
    pool: l.swiotlbSize ? { start: l.swiotlbBase, end: l.swiotlbBase + l.swiotlbSize } : null,
    cma: l.cmaSize ? { start: l.cmaBase, end: l.cmaBase + l.cmaSize } : null,
  };
}

interface Placed {
  box: DBox;
  /** Address range it stands for (chips and regions). */
  start: number;
  end: number;
  buffer?: string;
}

interface Frame {
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

function bufferPieces(b: BufferInfo): Array<{ phys: number; len: number }> {
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

function layoutFrame(cfg: MachineConfig, snap: MachineSnapshot | null | undefined): Frame {
  const boxes: DBox[] = [];
  const wires: DWire[] = [];

  // CPU and cache
  const lines = snap?.cache?.lines ?? [];
  const dirty = lines.filter((l) => l.state === 'D').length;
  const clean = lines.filter((l) => l.state === 'C').length;
  const cpu = box('cpu', 'cpu', CPU, 'CPU', [`${cfg.arch} · Linux ${cfg.kernel}`], `The CPU (${cfg.arch}), running kernel ${cfg.kernel}. It reads and writes memory through its data cache.`);
  const cacheLines = snap ? [`${plural(dirty, 'dirty line')} · ${clean} clean`] : [`${cfg.line} B lines · ${cfg.ways}-way`];
  const cache = box(
    'cache',
    'cache',
    CACHE,
    `data cache ${size(cfg.cache)}`,
    [...cacheLines, 'write-back'],
    `The CPU's data cache: ${size(cfg.cache)}, ${cfg.line}-byte lines, ${cfg.ways}-way, write-back. Dirty lines hold bytes RAM does not have yet.`,
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
  const devices: Frame['devices'] = new Map();
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
  const iommus: Frame['iommus'] = new Map();
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
    const b = box(`iommu-${m.name}`, 'iommu', r, `IOMMU ${m.name}`, [`${m.mode} · ${size(m.pgsize)} pages`], `System IOMMU ${m.name}: ${m.mode === 'strict' ? 'strict (IOTLB invalidated at every unmap)' : m.mode === 'lazy' ? 'lazy (unmaps queued; IOTLB flushed later)' : 'passthrough (identity: DMA address = physical)'}; ${size(m.pgsize)} pages.`);
    boxes.push(b);
    iommus.set(m.name, b);
  }
  for (const d of devices.values()) if (d.cfg.iommu) d.iommu = iommus.get(d.cfg.iommu) ?? null;

  // RAM and its regions
  boxes.push(box('ram', 'ram', RAM, `RAM ${size(cfg.ram)}`, [], `Main memory: ${size(cfg.ram)}.`));
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
      box: box('pool', 'pool', { x: inner.x + genW + 8, y: inner.y, w: poolW, h: inner.h }, `swiotlb pool · ${size(poolR.end - poolR.start)}`, [used], `The swiotlb bounce pool: ${size(poolR.end - poolR.start)} at ${hexAddr(poolR.start)}–${hexAddr(poolR.end)}, below 4 GiB, in 2 KiB slots. A mapping the device cannot reach is copied into a slot.`),
      start: poolR.start,
      end: poolR.end,
    };
    boxes.push(pool.box);
  }
  let cma: Placed | null = null;
  if (cmaR) {
    cma = {
      box: box('cma', 'cma', { x: inner.x + inner.w - cmaW, y: inner.y, w: cmaW, h: inner.h }, `CMA area · ${size(cmaR.end - cmaR.start)}`, [], `The CMA area: ${size(cmaR.end - cmaR.start)} at ${hexAddr(cmaR.start)}, reserved for large contiguous allocations (movable pages may borrow it).`),
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
    const where = pieces.length > 1 ? `${pieces.length} pieces` : pieces.length === 1 ? hexAddr(pieces[0]!.phys) : '—';
    const bx = box(
      `buf-${b.name}`,
      'chip',
      r,
      b.name,
      [d ? `${size(b.size)} · RAM stale` : `${size(b.size)} · ${b.kind}`, where],
      `${b.name}: ${b.kind}, ${size(b.size)}${pieces.length ? ` at ${pieces.map((p) => hexAddr(p.phys)).join(', ')}` : ''}${start >= SZ_4G ? ' (above 4 GiB)' : ''}${d ? `. ${plural(d, 'dirty cache line')} ${d === 1 ? 'holds' : 'hold'} newer bytes than RAM: RAM's copy is stale.` : '.'}`,
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
      ...runs.map((r) => ({ kind: 'run' as const, ...r })),
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
            [owner ? `copy of ${owner.name}` : `copy of ${hexAddr(it.orig)}`, hexAddr(start)],
            `swiotlb slots ${it.index}–${it.index + it.nslots - 1} (${size(it.nslots * SLOT)}) at ${hexAddr(start)}: the bounce copy of ${owner ? owner.name : hexAddr(it.orig)}.${slotDirty ? ` ${plural(slotDirty, 'dirty cache line')} ${slotDirty === 1 ? 'holds' : 'hold'} newer bytes than RAM here (the CPU's copy went through its cache).` : ''}`,
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
    ticks.push({ x: xOf(2 ** m), label: `${size(2 ** m)}: ${who.slice(0, 2).join(', ')}'s ${m}-bit limit`, strong: true });
  }
  ticks.push({ x: ax.x + ax.w, label: size(cfg.ram), strong: false });
  const spans: DAxisSpan[] = [];
  if (poolR) spans.push({ x: xOf(poolR.start), w: Math.max(3, xOf(poolR.end) - xOf(poolR.start)), kind: 'pool', title: `swiotlb pool ${hexAddr(poolR.start)}` });
  if (cmaR) spans.push({ x: xOf(cmaR.start), w: Math.max(3, xOf(cmaR.end) - xOf(cmaR.start)), kind: 'cma', title: `CMA ${hexAddr(cmaR.start)}` });
  for (const b of buffers) for (const p of bufferPieces(b)) spans.push({ x: xOf(p.phys), w: Math.max(2, xOf(p.phys + p.len) - xOf(p.phys)), kind: 'buffer', title: `${b.name} ${hexAddr(p.phys)}` });

  return { boxes, wires, devices, iommus, chips, regions: { general, pool, cma }, axis: { ...ax, ticks, spans }, buffers, cpu, cache };
}

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

function anchorFor(f: Frame, phys: number): Anchor {
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

function devicePath(f: Frame, dev: string): { x: number; bottom: number; iommu: DBox | null; mmu: DBox | null } {
  const d = f.devices.get(dev);
  if (d) return { x: d.box.x + d.box.w / 2, bottom: d.box.y + d.box.h, iommu: d.iommu, mmu: d.mmu };
  const more = f.boxes.find((b) => b.id === 'dev-more');
  const b = more ?? f.boxes.find((x) => x.kind === 'device');
  return b ? { x: b.x + b.w / 2, bottom: b.y + b.h, iommu: null, mmu: null } : { x: DEV_AREA.x + DEV_AREA.w / 2, bottom: DEV_AREA.y + DEV_AREA.h, iommu: null, mmu: null };
}

function iommuFor(f: Frame, dev: string | null): DBox | null {
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
  const observations = input.observations ?? [];
  const f = layoutFrame(cfg, snap);
  const arrows: DArrow[] = [];
  const marks: DMark[] = [];
  let n = 0;
  let more = 0;
  let lane = 0;
  const staleObserved = observations.some((o) => /\bstale\b/i.test(o));
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
            caption: `CPU ${e.op === 'write' ? 'writes' : 'reads'} ${size(e.len)} of ${a.what} straight ${e.op === 'write' ? 'to' : 'from'} RAM (uncached mapping: the cache is bypassed).`,
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
            caption: `CPU ${e.op === 'write' ? 'writes' : 'reads'} ${size(e.len)} of ${a.what} through its cache: ${plural(e.hits, 'hit')}, ${plural(e.misses, 'miss', 'misses')}${e.op === 'write' ? ' (the lines are now dirty; RAM is not updated)' : ''}${stale ? ' — STALE: the cache returned an old copy, not what the device wrote to RAM' : ''}.`,
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
        addArrow({ kind: 'writeback', points: [[cx, CACHE.y + CACHE.h], [cx, y], [a.x, y], [a.x, a.top]], label: 'evict', caption: `The dirty line at ${hexAddr(e.line)} (${a.what === 'RAM' ? 'RAM' : `now ${a.what}`}) left the cache (${e.reason === 'lru' ? 'replaced' : e.reason}) and was written back to RAM.`, stale: false });
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
            ? `Bounce: the CPU copies ${size(e.len)} of ${from.what} into ${to.what} (${hexAddr(e.to)}); the device will use the copy.`
            : `Bounce back: the CPU copies ${size(e.len)} from ${from.what} (${hexAddr(e.from)}) to ${to.what}, so the CPU sees what the device wrote.`,
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
        const through = e.via === 'iommu' ? ` through the IOMMU (IOVA ${hexAddr(e.addr)} → ${hexAddr(e.phys)})` : e.via === 'gpu-mmu' ? ` through its own MMU (→ ${hexAddr(e.phys)})` : e.addr !== e.phys ? ` (DMA ${hexAddr(e.addr)} → ${hexAddr(e.phys)})` : ` at ${hexAddr(e.phys)}`;
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
          caption: `${e.dev} ${verb} ${size(e.len)} ${e.op === 'read' ? 'from' : 'to'} ${a.what}${through}${bypass}${tail}`,
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
        const how = e.path === 'swiotlb' ? 'a swiotlb bounce slot' : e.path === 'iommu' ? 'an IOVA through its IOMMU' : 'direct: DMA address = physical address';
        addMark({ kind: 'map', ...corner(d?.box, DEV_AREA), bad: false, caption: `${e.api}: ${e.dev} gets DMA address ${hexAddr(e.addr)} for ${size(e.size)}, ${e.dir} (${how}); the device owns the buffer now.`, ...(whyText(e) ? { why: whyText(e)! } : {}) });
        break;
      }
      case 'dma_unmap': {
        const d = f.devices.get(e.dev);
        activate(d?.box);
        addMark({ kind: 'unmap', ...corner(d?.box, DEV_AREA), bad: false, caption: `${e.api}: ${e.dev} gives ${hexAddr(e.addr)} back; the CPU owns the buffer again.` });
        break;
      }
      case 'dma_sync': {
        const d = f.devices.get(e.dev);
        activate(d?.box);
        addMark({ kind: 'sync', ...corner(d?.box, DEV_AREA), bad: false, caption: `${e.api}: ${size(e.size)} at ${hexAddr(e.addr)} handed to the ${e.forCpu ? 'CPU' : 'device'}.` });
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
          caption: e.kind === 'swiotlb_alloc' ? `swiotlb: ${plural(e.nslots, 'slot')} from ${e.index} (${hexAddr(e.tlbAddr)}) reserved for ${size(e.size)} at ${hexAddr(e.orig)}.` : `swiotlb: ${plural(e.nslots, 'slot')} from ${e.index} released.`,
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
        const words =
          e.kind === 'iommu_map'
            ? `IOMMU ${e.domain}: IOVA ${hexAddr(e.iova)} → ${hexAddr(e.phys)} mapped (${size(e.size)}, ${e.prot}).`
            : e.kind === 'iommu_unmap'
              ? `IOMMU ${e.domain}: IOVA ${hexAddr(e.iova)} unmapped${e.queued ? '; IOTLB invalidation queued (lazy): the device can still reach it' : ''}.`
              : e.kind === 'iotlb'
                ? `IOTLB ${e.op} at IOVA ${hexAddr(e.iova)}${e.stale ? ' — STALE entry: it still points at memory that was unmapped' : ''}.`
                : e.kind === 'pt_walk'
                  ? `Page-table walk for IOVA ${hexAddr(e.iova)}: ${e.phys === null ? 'no mapping' : `→ ${hexAddr(e.phys)}`}.`
                  : `Flush queue ${e.op}: ${plural(e.entries, 'entry', 'entries')}.`;
        addMark({ kind: 'iommu', ...corner(b, { x: FREE_AREA.x, y: 14, w: FREE_AREA.w, h: 30 }), bad: e.kind === 'iotlb' && !!e.stale, caption: words, ...(whyText(e) ? { why: whyText(e)! } : {}) });
        break;
      }
      case 'iommu_fault':
      case 'gpu_vm': {
        if (e.kind === 'gpu_vm' && e.op !== 'fault') {
          const gpu = [...f.devices.values()].find((d) => d.mmu);
          activate(gpu?.mmu);
          addMark({ kind: 'gpu', ...corner(gpu?.mmu ?? gpu?.box, DEV_AREA), bad: false, caption: `GPU VM ${e.vm}: ${e.op} VA ${hexAddr(e.va)}${e.dmaAddr !== undefined ? ` → DMA ${hexAddr(e.dmaAddr)}` : ''} (${size(e.size)}).` });
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
          addArrow({ kind: 'migrate', points: [[from.x, from.bottom], [from.x, yb], [to.x, yb], [to.x, to.bottom]], label: 'migrate', caption: `CMA migrates ${plural(e.count, 'page')} from pfn ${hexAddr(e.pfn)} to ${hexAddr(e.to)} (the data moves with them).`, stale: false });
        } else {
          addMark({ kind: 'cma', ...corner(c?.box, RAM), bad: e.op === 'fail', caption: `CMA ${e.op.replace('_', ' ')}: ${plural(e.count, 'page')} at pfn ${hexAddr(e.pfn)}.` });
        }
        break;
      }
      case 'alloc': {
        const a = anchorFor(f, e.phys);
        activate(a.box);
        addMark({ kind: 'alloc', ...corner(a.box, RAM), bad: false, caption: `${e.allocator} allocated ${e.name}: ${size(e.size)} at ${hexAddr(e.phys)} (zone ${e.zone}${e.phys >= SZ_4G ? ', above 4 GiB' : ''}).` });
        break;
      }
      case 'free': {
        addMark({ kind: 'free', ...corner(f.regions.general.box, RAM), bad: false, caption: `${e.allocator} freed ${e.name} (${size(e.size)} at ${hexAddr(e.phys)}).` });
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

/** Guards a frame's `snapshot` (typed `unknown` until the worker sends one). */
export function asSnapshot(v: unknown): MachineSnapshot | null {
  if (!v || typeof v !== 'object') return null;
  const s = v as Partial<MachineSnapshot>;
  if (!Array.isArray(s.regions) || !Array.isArray(s.buffers) || !s.cache || !Array.isArray(s.cache.lines)) return null;
  return v as MachineSnapshot;
}
