// Properties of the engine (DESIGN §6):
// - determinism and prefix replay: a machine cloned after any prefix and run
//   on gives the same outcomes as one run straight through;
// - a driver that follows the DMA API rules (map after its last CPU write,
//   the device writes the whole mapped range, sync_for_cpu or unmap before
//   the CPU reads) never reads stale or lost data, on every architecture,
//   old and new kernels, with and without swiotlb bouncing, even when the CPU
//   speculatively prefetches or evicts lines while the device owns the buffer.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { prepareScenario, runScenario } from '../../src/scenario/run.ts';
import { createMachine } from '../../src/sim/machine.ts';
import { step } from '../../src/sim/step.ts';

const hex = (b: number[]) => `x"${b.map((x) => x.toString(16).padStart(2, '0')).join('')}"`;

interface Transfer {
  buf: number;
  dir: 'DMA_TO_DEVICE' | 'DMA_FROM_DEVICE' | 'DMA_BIDIRECTIONAL';
  data: number[];
  noise: Array<{ op: 'cpu_prefetch' | 'cache_evict' | 'cpu_write'; buf: number }>;
  page: boolean;
}

const transferArb = (nbufs: number) =>
  fc.record({
    buf: fc.integer({ min: 0, max: nbufs - 1 }),
    dir: fc.constantFrom('DMA_TO_DEVICE' as const, 'DMA_FROM_DEVICE' as const, 'DMA_BIDIRECTIONAL' as const),
    data: fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 1, maxLength: 48 }),
    noise: fc.array(fc.record({ op: fc.constantFrom('cpu_prefetch' as const, 'cache_evict' as const, 'cpu_write' as const), buf: fc.integer({ min: 0, max: nbufs - 1 }) }), { maxLength: 3 }),
    page: fc.boolean(),
  });

const configArb = fc.record({
  arch: fc.constantFrom('arm64', 'arm', 'riscv', 'x86'),
  kernel: fc.constantFrom('5.4', '5.16', '6.4', '6.18'),
  mask: fc.constantFrom(32, 64),
  force: fc.boolean(),
  sizes: fc.array(fc.integer({ min: 1, max: 6000 }), { minLength: 1, maxLength: 4 }),
});

/** A rule-following driver as scenario text, with `=>` checks on every read. */
interface Cfg {
  arch: string;
  kernel: string;
  mask: number;
  force: boolean;
  sizes: number[];
}

function driver(cfg: Cfg, transfers: Transfer[]): string {
  const lines = [`machine(arch=${cfg.arch}, kernel="${cfg.kernel}", ram=8G)`, `device(dev, dma_mask=${cfg.mask}${cfg.force ? ', swiotlb=force' : ''})`];
  cfg.sizes.forEach((s, i) => lines.push(`b${i} = kmalloc(${s}, GFP_KERNEL)`));
  transfers.forEach((t, n) => {
    const size = cfg.sizes[t.buf]!;
    const len = Math.min(t.data.length, size);
    const data = t.data.slice(0, len);
    const noisy = t.noise.filter((x) => x.buf !== t.buf || x.op !== 'cpu_write');
    const noiseLines = noisy.map((x) => (x.op === 'cpu_write' ? `cpu_write(b${x.buf}, x"ee")` : `${x.op}(b${x.buf}, ${cfg.sizes[x.buf]})`));
    const h = `h${n}`;
    const map = t.page ? `${h} = dma_map_page(dev, b${t.buf}, 0, ${size}, ${t.dir})` : `${h} = dma_map_single(dev, b${t.buf}, ${size}, ${t.dir})`;
    const unmap = `dma_unmap_${t.page ? 'page' : 'single'}(dev, ${h}, ${size}, ${t.dir})`;
    if (t.dir === 'DMA_TO_DEVICE') {
      lines.push(`cpu_write(b${t.buf}, ${hex(data)})`, map, `dma_mapping_error(dev, ${h}) => 0`, ...noiseLines, `dev_read(dev, ${h}, ${len}) => ${hex(data)}`, unmap);
    } else {
      // the device writes the whole mapped range: the rules do not promise
      // anything about bytes a FROM_DEVICE transfer leaves unwritten
      const full = Array.from({ length: size }, (_, i) => data[i % data.length]!);
      lines.push(map, `dma_mapping_error(dev, ${h}) => 0`, ...noiseLines, `dev_write(dev, ${h}, ${hex(full)})`);
      lines.push(`dma_sync_single_for_cpu(dev, ${h}, ${size}, ${t.dir})`, `cpu_read(b${t.buf}, ${len}) => ${hex(data)}`);
      lines.push(unmap, `cpu_read(b${t.buf}, ${len}) => ${hex(data)}`);
    }
  });
  return lines.join('\n') + '\n';
}

describe('engine properties', () => {
  it('a driver that follows the DMA API never reads stale or lost data (every arch, kernel, with and without bouncing)', () => {
    fc.assert(
      fc.property(configArb.chain((cfg) => fc.tuple(fc.constant(cfg), fc.array(transferArb(cfg.sizes.length), { minLength: 1, maxLength: 6 }))), ([cfg, transfers]) => {
        const text = driver(cfg, transfers);
        const r = runScenario(text);
        expect(r.errors, text).toEqual([]);
        const bad = r.steps.flatMap((s) => s.checks.filter((c) => !c.passed).map((c) => `line ${s.line} ${s.source} ${c.expected} got ${c.actual}`));
        expect(bad, text).toEqual([]);
        // discarded dirty lines are allowed (ARMv7 invalidates a FROM_DEVICE buffer the
        // device will overwrite anyway): what must never happen is reading stale bytes
        const lost = r.steps.flatMap((s) => s.observations.filter((o) => /stale read/.test(o)));
        expect(lost, text).toEqual([]);
        expect(r.steps.some((s) => s.warnings.length > 0), text).toBe(false);
      }),
      { numRuns: 150 },
    );
  });

  it('determinism and prefix replay: cloning the machine after any prefix changes nothing', () => {
    fc.assert(
      fc.property(configArb.chain((cfg) => fc.tuple(fc.constant(cfg), fc.array(transferArb(cfg.sizes.length), { minLength: 1, maxLength: 4 }), fc.nat())), ([cfg, transfers, cut]) => {
        const text = driver(cfg, transfers);
        const p = prepareScenario(text);
        if (!p.ok) throw new Error('did not parse');
        const straight = createMachine(p.config);
        const a = p.body.map((c) => step(straight, c));
        const k = cut % (p.body.length + 1);
        let m = createMachine(p.config);
        const b = p.body.slice(0, k).map((c) => step(m, c));
        m = structuredClone(m);
        for (const c of p.body.slice(k)) b.push(step(m, c));
        expect(JSON.stringify(b)).toBe(JSON.stringify(a));
        expect(JSON.stringify(structuredClone(straight).cache.data)).toBe(JSON.stringify(m.cache.data));
      }),
      { numRuns: 60 },
    );
  });
});

describe('swiotlb slots all come back', () => {
  it('after a rule-following driver has unmapped everything, the pool is as it was at boot (swiotlb_release_slots merges every run)', () => {
    fc.assert(
      fc.property(configArb.chain((cfg) => fc.tuple(fc.constant(cfg), fc.array(transferArb(cfg.sizes.length), { minLength: 1, maxLength: 6 }))), ([cfg, transfers]) => {
        const p = prepareScenario(driver(cfg, transfers));
        if (!p.ok) throw new Error('did not parse');
        const m = createMachine(p.config);
        const boot = Int32Array.from(m.swiotlb!.list);
        for (const c of p.body) step(m, c);
        expect(m.swiotlb!.used).toBe(0);
        expect(Array.from(m.swiotlb!.list)).toEqual(Array.from(boot));
        expect(Array.from(m.swiotlb!.origAddr).every((a) => a === -1)).toBe(true);
      }),
      { numRuns: 60 },
    );
  });
});

// ---------------------------------------------------------------------------
// Non-snooping devices (device(…, nosnoop=true)): the DMA API believes them
// coherent (x86 hard-wires dev_is_dma_coherent() to true, so dma_sync_* do no
// cache maintenance) and their accesses reach RAM behind the CPU cache. A
// driver that flushes itself — clflush_cache_range (or drm_clflush_sg) after
// its last CPU write and before the CPU reads what the device wrote — never
// reads stale data, whatever the CPU prefetches or evicts meanwhile; one that
// relies on the DMA API alone does.

interface NsTransfer {
  buf: number;
  toDevice: boolean;
  data: number[];
  noise: Array<'cpu_prefetch' | 'cache_evict'>;
  sg: boolean;
}

const nsTransferArb = (nbufs: number) =>
  fc.record({
    buf: fc.integer({ min: 0, max: nbufs - 1 }),
    toDevice: fc.boolean(),
    data: fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 1, maxLength: 48 }),
    noise: fc.array(fc.constantFrom('cpu_prefetch' as const, 'cache_evict' as const), { maxLength: 3 }),
    sg: fc.boolean(),
  });

const nsConfigArb = fc.record({ kernel: fc.constantFrom('4.4', '5.10', '6.18'), nbufs: fc.integer({ min: 1, max: 3 }), perDevice: fc.boolean() });

/** GPU-style buffers (whole pages, mapped once for both directions), a non-snooping GPU, a driver that flushes or not. */
function nosnoopDriver(cfg: { kernel: string; nbufs: number; perDevice: boolean }, transfers: NsTransfer[], flush: boolean): string {
  const ns = cfg.perDevice ? '' : ', nosnoop=true';
  const lines = [`machine(arch=x86, kernel="${cfg.kernel}", ram=8G)`, `device(gpu, dma_mask=64${cfg.perDevice ? ', nosnoop=true' : ''})`];
  for (let i = 0; i < cfg.nbufs; i++) {
    lines.push(`b${i} = alloc_pages(GFP_KERNEL, 0)`, `h${i} = dma_map_page(gpu, b${i}, 0, 4096, DMA_BIDIRECTIONAL)`, `dma_mapping_error(gpu, h${i}) => 0`, `s${i} = sg_table(b${i}, 4096)`);
  }
  const flushOp = (t: NsTransfer) => (t.sg ? `drm_clflush_sg(s${t.buf})` : `clflush(b${t.buf}, 4096)`);
  for (const t of transfers) {
    const noise = t.noise.map((op) => `${op}(b${t.buf}, 4096)`);
    if (t.toDevice) {
      lines.push(`cpu_write(b${t.buf}, ${hex(t.data)})`, `dma_sync_single_for_device(gpu, h${t.buf}, 4096, DMA_BIDIRECTIONAL)`);
      if (flush) lines.push(flushOp(t));
      lines.push(...noise, `dev_read(gpu, h${t.buf}, ${t.data.length}${ns}) => ${hex(t.data)}`);
    } else {
      lines.push(...noise, `dev_write(gpu, h${t.buf}, ${hex(t.data)}${ns})`, `dma_sync_single_for_cpu(gpu, h${t.buf}, 4096, DMA_BIDIRECTIONAL)`);
      if (flush) lines.push(flushOp(t));
      lines.push(`cpu_read(b${t.buf}, ${t.data.length}) => ${hex(t.data)}`);
    }
  }
  return lines.join('\n') + '\n';
}

describe('non-snooping devices', () => {
  it('a driver that flushes for its non-snooping GPU (clflush / drm_clflush_sg) never reads stale data, with prefetches and evictions in between', () => {
    fc.assert(
      fc.property(nsConfigArb.chain((cfg) => fc.tuple(fc.constant(cfg), fc.array(nsTransferArb(cfg.nbufs), { minLength: 1, maxLength: 6 }))), ([cfg, transfers]) => {
        const text = nosnoopDriver(cfg, transfers, true);
        const r = runScenario(text);
        expect(r.errors, text).toEqual([]);
        const bad = r.steps.flatMap((s) => s.checks.filter((c) => !c.passed).map((c) => `line ${s.line} ${s.source} ${c.expected} got ${c.actual}`));
        expect(bad, text).toEqual([]);
        expect(r.steps.flatMap((s) => s.observations.filter((o) => /stale read/.test(o))), text).toEqual([]);
      }),
      { numRuns: 120 },
    );
  });

  it('the same driver without the flushes reads stale data: the DMA API believes the device coherent and its syncs do nothing', () => {
    fc.assert(
      // the CPU's first write to a fresh page always sits dirty in the cache when the GPU reads
      fc.property(nsConfigArb, fc.array(fc.integer({ min: 1, max: 255 }), { minLength: 1, maxLength: 48 }), (cfg, data) => {
        const text = nosnoopDriver(cfg, [{ buf: 0, toDevice: true, data, noise: [], sg: false }], false);
        const r = runScenario(text);
        expect(r.errors, text).toEqual([]);
        const read = r.steps.find((s) => s.source.startsWith('dev_read'))!;
        expect(read.checks[0]!.passed, text).toBe(false);
        expect(read.observations.some((o) => /stale read/.test(o)), text).toBe(true);
        expect(read.events.some((e) => e.kind === 'dev_access' && !e.snooped && /believes the device coherent/.test(e.why.rule)), text).toBe(true);
      }),
      { numRuns: 40 },
    );
  });
});
