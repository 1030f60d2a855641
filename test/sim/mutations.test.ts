// Mutation tests (DESIGN §6): take a driver that follows the DMA API, inject
// one misuse, and the explorer must show it — as a kernel log line (dma-debug,
// swiotlb, WARN), an observation (the CPU touching a device-owned buffer, a
// stale read, a device writing a read-only mapping), or a failed byte check.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { runScenario } from '../../src/scenario/run.ts';

interface Cfg {
  arch: string;
  kernel: string;
  mask: number;
  size: number;
}

/** One transfer each way, written the way the DMA API wants it. */
function correct(c: Cfg): string[] {
  const s = c.size;
  return [
    `machine(arch=${c.arch}, kernel="${c.kernel}", ram=8G)`,
    `device(dev, dma_mask=${c.mask})`,
    `tx = kmalloc(${s}, GFP_KERNEL)`,
    `rx = kmalloc(${s}, GFP_KERNEL)`,
    `cpu_write(tx, fill(0x11, ${s}))`,
    `h = dma_map_single(dev, tx, ${s}, DMA_TO_DEVICE)`,
    `dma_mapping_error(dev, h) => 0`,
    `dev_read(dev, h, ${s}) => fill(0x11, ${s})`,
    `dma_unmap_single(dev, h, ${s}, DMA_TO_DEVICE)`,
    `r = dma_map_single(dev, rx, ${s}, DMA_FROM_DEVICE)`,
    `dma_mapping_error(dev, r) => 0`,
    `dev_write(dev, r, fill(0x22, ${s}))`,
    `dma_sync_single_for_cpu(dev, r, ${s}, DMA_FROM_DEVICE)`,
    `cpu_read(rx, ${s}) => fill(0x22, ${s})`,
    `dma_sync_single_for_device(dev, r, ${s}, DMA_FROM_DEVICE)`,
    `dev_write(dev, r, fill(0x33, ${s}))`,
    `dma_unmap_single(dev, r, ${s}, DMA_FROM_DEVICE)`,
    `cpu_read(rx, ${s}) => fill(0x33, ${s})`,
  ];
}

type Mutation = { name: string; apply: (lines: string[], c: Cfg) => string[] };

const replace = (from: RegExp, to: string) => (lines: string[]) => lines.map((l) => (from.test(l) ? l.replace(from, to) : l));
const drop = (re: RegExp) => (lines: string[]) => lines.filter((l) => !re.test(l));

const MUTATIONS: Mutation[] = [
  { name: 'unmap with the wrong direction', apply: replace(/dma_unmap_single\(dev, h, (\d+), DMA_TO_DEVICE\)/, 'dma_unmap_single(dev, h, $1, DMA_FROM_DEVICE)') },
  { name: 'unmap with the wrong size', apply: (l, c) => replace(/dma_unmap_single\(dev, h, \d+,/, `dma_unmap_single(dev, h, ${c.size * 2},`)(l) },
  { name: 'never check the map error', apply: drop(/dma_mapping_error\(dev, h\)/) },
  { name: 'unmap twice', apply: (l) => [...l, l.find((x) => x.startsWith('dma_unmap_single(dev, r'))!] },
  { name: 'read before sync_for_cpu', apply: drop(/dma_sync_single_for_cpu/) },
  { name: 'CPU writes after map', apply: (l, c) => l.flatMap((x) => (x.startsWith('dma_mapping_error(dev, h)') ? [x, `cpu_write(tx, fill(0x44, ${c.size}))`] : [x])) },
  { name: 'device writes a TO_DEVICE mapping', apply: (l) => l.flatMap((x) => (x.startsWith('dev_read(dev, h') ? [x, 'dev_write(dev, h, x"ff")'] : [x])) },
  { name: 'sync for the device in the wrong direction', apply: replace(/dma_sync_single_for_device\(dev, r, (\d+), DMA_FROM_DEVICE\)/, 'dma_sync_single_for_device(dev, r, $1, DMA_TO_DEVICE)') },
  { name: 'sync past the end of the mapping', apply: (l, c) => replace(/dma_sync_single_for_cpu\(dev, r, \d+,/, `dma_sync_single_for_cpu(dev, r, ${c.size + 64},`)(l) },
];

function signals(text: string): { warnings: number; observations: number; failed: number } {
  const r = runScenario(text);
  if (r.errors.length) throw new Error(`${r.errors[0]!.line}:${r.errors[0]!.col}: ${r.errors[0]!.message}\n${text}`);
  return {
    warnings: r.steps.reduce((n, s) => n + s.warnings.length, 0),
    // ARMv7 invalidating a bounce slot swiotlb just filled is the kernel's own doing, not the driver's
    observations: r.steps.reduce((n, s) => n + s.observations.filter((o) => !o.includes('in the swiotlb slot')).length, 0),
    failed: r.checks.failed,
  };
}

const cfgArb = fc.record({
  arch: fc.constantFrom('arm64', 'arm', 'riscv', 'x86'),
  kernel: fc.constantFrom('5.10', '6.18'),
  mask: fc.constantFrom(32, 64),
  size: fc.constantFrom(256, 512, 4096),
});

describe('injected DMA API misuse is always shown', () => {
  it('the correct driver shows nothing on any machine', () => {
    fc.assert(
      fc.property(cfgArb, (c) => {
        expect(signals(correct(c).join('\n'))).toEqual({ warnings: 0, observations: 0, failed: 0 });
      }),
      { numRuns: 40 },
    );
  });

  it.each(MUTATIONS.map((m) => [m.name, m] as const))('%s', (_name, mut) => {
    fc.assert(
      fc.property(cfgArb, (c) => {
        const text = mut.apply(correct(c), c).join('\n');
        const s = signals(text);
        expect(s.warnings + s.observations + s.failed, text).toBeGreaterThan(0);
      }),
      { numRuns: 25 },
    );
  });
});
