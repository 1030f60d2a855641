/** Human-readable output: step blocks, verdicts, summary, colour, and a line for every event kind. */
import { describe, expect, it } from 'vitest';
import type { SimEvent, SimEventKind, Why } from '../../src/sim/events.ts';
import { eventLine, formatErrors, formatRun, formatStep } from '../../src/scenario/format.ts';
import type { RunResult, StepJson } from '../../src/scenario/result.ts';

const why: Why = { fn: 'fn', file: 'kernel/dma/x.c', rule: 'the rule' };

/** One sample of every event kind (a missing kind fails the type check). */
const SAMPLES: { [K in SimEventKind]: Extract<SimEvent, { kind: K }> } = {
  alloc: { kind: 'alloc', allocator: 'kmalloc', name: 'buf', va: 0x1000, phys: 0x2000, size: 4096, zone: 'Normal', why },
  free: { kind: 'free', allocator: 'kfree', name: 'buf', phys: 0x2000, size: 4096, why },
  cpu_access: { kind: 'cpu_access', op: 'write', va: 0x1000, phys: 0x2000, len: 5, hits: 0, misses: 1, uncached: false },
  cache_fill: { kind: 'cache_fill', line: 0x2000, set: 3, way: 1 },
  cache_evict: { kind: 'cache_evict', line: 0x2000, set: 3, way: 1, dirty: true, reason: 'lru' },
  cache_maint: {
    kind: 'cache_maint', op: 'inval', start: 0x2000, size: 128, instr: 'dc ivac', why,
    lines: [{ line: 0x2000, before: 'D', after: 'I', wroteBack: false, lostHex: '00' }, { line: 0x2040, before: 'D', after: 'C', wroteBack: true }],
  },
  bounce: { kind: 'bounce', from: 0x2000, to: 0xfec00000, len: 4096, toSlot: true, why },
  swiotlb_alloc: { kind: 'swiotlb_alloc', index: 0, nslots: 2, tlbAddr: 0xfec00000, orig: 0x2000, size: 4096, why },
  swiotlb_free: { kind: 'swiotlb_free', index: 0, nslots: 2, tlbAddr: 0xfec00000, why },
  dma_map: { kind: 'dma_map', dev: 'nic', api: 'dma_map_single', addr: 0xfec00000, phys: 0x2000, size: 4096, dir: 'DMA_TO_DEVICE', path: 'swiotlb', why },
  dma_unmap: { kind: 'dma_unmap', dev: 'nic', api: 'dma_unmap_single', addr: 0xfec00000, size: 4096, dir: 'DMA_TO_DEVICE', why },
  dma_sync: { kind: 'dma_sync', dev: 'nic', api: 'dma_sync_single_for_cpu', addr: 0xfec00000, size: 64, dir: 'DMA_FROM_DEVICE', forCpu: true, why },
  dev_access: { kind: 'dev_access', dev: 'nic', op: 'read', addr: 0x1000, phys: 0x2000, len: 5, via: 'iommu', snooped: false, why },
  finding: { kind: 'finding', rule: 'map/error-not-checked', id: 'dma-debug.map-error-not-checked', message: 'device driver failed to check map error', why },
  log: { kind: 'log', level: 'warn', id: 'swiotlb.full', text: 'swiotlb buffer is full' },
  note: { kind: 'note', text: 'no copy', why },
  iommu_map: { kind: 'iommu_map', domain: 'd0', iova: 0xfffff000, phys: 0x2000, size: 4096, prot: 'RW', why },
  iommu_unmap: { kind: 'iommu_unmap', domain: 'd0', iova: 0xfffff000, size: 4096, queued: true, why },
  iova_alloc: { kind: 'iova_alloc', domain: 'd0', iova: 0xfffff000, size: 4096, why },
  iova_free: { kind: 'iova_free', domain: 'd0', iova: 0xfffff000, size: 4096, deferred: true, why },
  pt_walk: { kind: 'pt_walk', domain: 'd0', iova: 0xfffff000, levels: [1, 2, 3, 4], phys: null, why },
  iotlb: { kind: 'iotlb', domain: 'd0', op: 'hit', iova: 0xfffff000, phys: 0x2000, stale: true, why },
  iommu_fault: { kind: 'iommu_fault', domain: 'd0', dev: 'gpu', iova: 0x1000, write: true, stage: 'translation', why },
  fq: { kind: 'fq', domain: 'd0', op: 'flush', entries: 3, why },
  gpu_vm: { kind: 'gpu_vm', vm: 'vm0', op: 'map', va: 0x10000, size: 4096, dmaAddr: 0x2000, why },
  cma: { kind: 'cma', op: 'migrate', pfn: 0x100, count: 1, to: 0x200, why },
  dmabuf: { kind: 'dmabuf', op: 'map', buf: 'db', attachment: 'at', dir: 'DMA_BIDIRECTIONAL', why },
};

function step(over: Partial<StepJson>): StepJson {
  return {
    index: 1, line: 7, source: 'h = dma_map_single(nic, buf, 4096, DMA_TO_DEVICE)', op: 'dma_map_single',
    result: null, data: null, error: null, warnings: [], observations: [], observationRules: [], events: [], checks: [], ...over,
  };
}

describe('eventLine', () => {
  it.each(Object.values(SAMPLES))('$kind gives one non-empty line', (e) => {
    const s = eventLine(e);
    expect(s.length).toBeGreaterThan(5);
    expect(s).not.toContain('\n');
    expect(s).not.toContain('undefined');
    expect(s).not.toContain('[object');
  });

  it('uses the rule where it explains a decision', () => {
    expect(eventLine(SAMPLES.cache_maint)).toContain('the rule');
    expect(eventLine(SAMPLES.cache_maint)).toContain('1 with dirty data DISCARDED');
    expect(eventLine(SAMPLES.bounce)).toContain('the rule');
    expect(eventLine(SAMPLES.dma_map)).toBe('dma_map_single: nic gets DMA address 0xfec00000 for phys 0x2000, 4 KiB, DMA_TO_DEVICE, via swiotlb — the rule');
  });
});

describe('formatStep', () => {
  it('a mapped address, events and checks', () => {
    const lines = formatStep(
      step({ result: '0xfffff000', events: [SAMPLES.dma_map], checks: [{ expected: '=> 0xfffff000', passed: true }] }),
    );
    expect(lines).toEqual([
      'L7  h = dma_map_single(nic, buf, 4096, DMA_TO_DEVICE)',
      '    → 0xfffff000',
      `    · ${eventLine(SAMPLES.dma_map)}`,
      '    ✓ => 0xfffff000',
    ]);
  });

  it('errors, data, warnings, observations and failed checks', () => {
    const lines = formatStep(
      step({
        error: 'DMA_MAPPING_ERROR',
        warnings: ['DMA-API: boom'],
        observations: ['stale data'],
        checks: [{ expected: '=> "hello"', passed: false, actual: '"hellp"' }],
      }),
      { events: false },
    );
    expect(lines).toEqual([
      'L7  h = dma_map_single(nic, buf, 4096, DMA_TO_DEVICE)',
      '    → error DMA_MAPPING_ERROR',
      '    warning: DMA-API: boom',
      '    observed: stale data',
      '    ✗ => "hello" (got "hellp")',
    ]);
    // a failed map's handle: the value the kernel's ops returned (0 for dma-direct before 4.20)
    expect(formatStep(step({ error: 'DMA_MAPPING_ERROR', result: '0x0' }), { events: false })[1]).toBe('    → error DMA_MAPPING_ERROR (handle 0x0)');
    expect(formatStep(step({ data: { hex: '6869', text: 'hi' } }))[1]).toBe('    → "hi"');
    expect(formatStep(step({ data: { hex: '00ff', text: null } }))[1]).toBe('    → x"00 ff"');
  });

  it('colour only when asked', () => {
    const s = step({ error: 'EIO' });
    expect(formatStep(s).join('\n')).not.toContain('\x1b[');
    expect(formatStep(s, { color: true }).join('\n')).toContain('\x1b[31m');
  });
});

describe('formatRun and formatErrors', () => {
  it('ends with the check summary', () => {
    const r: RunResult = { ok: false, config: null, steps: [step({})], checks: { passed: 4, failed: 1 }, errors: [] };
    expect(formatRun(r).trimEnd().split('\n').pop()).toBe('checks: 4 passed, 1 failed');
  });

  it('FILE:LINE:COL: message', () => {
    expect(formatErrors('a.dma', [{ line: 3, col: 7, message: 'boom' }])).toEqual(['a.dma:3:7: boom']);
  });
});
