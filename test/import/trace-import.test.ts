/**
 * Importing real traces (test/fixtures/trace, one per format era, raw trace
 * and trace-cmd report): the scenario parses and runs, every check built from
 * the kernel's answers passes, and the replay reports what dma-debug would
 * have reported on that trace, at the step that names the trace line that
 * caused it. Bad input: every problem names its line, nothing crashes, what
 * could be read is still imported.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { importText, traceLineOf } from '../../src/import/index.ts';
import { importTrace, guessLengths, sgEntryLengths } from '../../src/import/trace-import.ts';
import { detectInput } from '../../src/import/detect.ts';
import { runScenario } from '../../src/scenario/run.ts';
import type { RunResult, StepJson } from '../../src/scenario/result.ts';

const fixture = (name: string) => readFileSync(resolve(__dirname, '../fixtures/trace', name), 'utf8');

function replay(name: string, opts = {}) {
  const imp = importText(fixture(name), opts);
  const run = runScenario(imp.scenario);
  expect(run.errors).toEqual([]);
  return { imp, run, lines: imp.scenario.split('\n') };
}

/** The steps that came from a trace line. */
function stepsOf(r: { run: RunResult; lines: string[] }, traceLine: number): StepJson[] {
  return r.run.steps.filter((s) => traceLineOf(r.lines[s.line - 1]!) === traceLine);
}

function warningsAt(r: { run: RunResult; lines: string[] }, traceLine: number): string[] {
  return stepsOf(r, traceLine).flatMap((s) => s.warnings);
}

/** Every step with a kernel log line, as trace line → warnings. */
function findings(r: { run: RunResult; lines: string[] }): Array<[number | null, string]> {
  return r.run.steps.flatMap((s) => s.warnings.map((w) => [traceLineOf(r.lines[s.line - 1]!), w] as [number | null, string]));
}

describe('6.13–6.17 /sys/kernel/tracing/trace: NVMe and an Ethernet MAC, dma-direct', () => {
  const r = replay('6.13-nvme-eth.trace');

  it('reads the dma events, skips and counts the others, finds the devices', () => {
    expect(r.imp.report).toMatchObject({ format: '/sys/kernel/tracing/trace', era: '6.13 to 6.17 (and 6.12.48 on)', kernel: '6.17', arch: 'arm64', events: 16, skipped: 6, unrecognised: 0 });
    expect(r.imp.report.skippedByEvent).toEqual([['irq_handler_entry', 3], ['irq_handler_exit', 2], ['sched_switch', 1]]);
    expect(r.imp.report.devices.map((d) => [d.kernelName, d.name, d.path])).toEqual([
      ['0000:01:00.0', 'pci_0000_01_00_0', 'dma-direct'],
      ['fe300000.ethernet', 'fe300000_ethernet', 'dma-direct'],
    ]);
    expect(r.imp.report.messages).toEqual([]);
  });

  it('places the traced memory at its physical addresses and checks the kernel’s DMA addresses', () => {
    expect(r.imp.scenario).toContain('mem_8b20a000 = alloc_pages(GFP_KERNEL, 1, at=0x8b20a000)');
    expect(r.imp.scenario).toMatch(/h24 = dma_map_page\(fe300000_ethernet, mem_8b20a000, 0x40, 1536, DMA_FROM_DEVICE\) => 0x8b20a040 {3}# trace line 24 · 402\.299870 kworker\/1:1-97/);
    expect(r.run.checks).toEqual({ passed: 5, failed: 0 });
  });

  it('the sync after unmap on trace line 29 is what dma-debug reports, there and nowhere before the end', () => {
    expect(warningsAt(r, 29)).toEqual(['DMA-API: fe300000_ethernet fe300000.ethernet: device driver tries to sync DMA memory it has not allocated [device address=0x000000008b20a040] [size=1536 bytes]']);
    const before = findings(r).filter(([l]) => l !== null);
    expect(before.map(([l]) => l)).toEqual([29]);
  });

  it('no "failed to check map error": the trace cannot show dma_mapping_error()', () => {
    expect(r.imp.scenario).toMatch(/^machine\(.*imported=true\)/m);
    expect(r.run.steps.flatMap((s) => s.warnings).some((w) => w.includes('failed to check map error'))).toBe(false);
  });

  it('leaks at the end are the live mappings, reported as dma-debug does when the driver unbinds', () => {
    const last = r.run.steps.slice(-2);
    expect(last.map((s) => s.op)).toEqual(['device_release_driver', 'device_release_driver']);
    expect(last[1]!.warnings[0]).toContain('device driver has pending DMA allocations while released from device [count=2]');
  });
});

describe('6.12 trace-cmd report: a GPU behind an IOMMU', () => {
  const r = replay('6.12-iommu.trace-cmd');

  it('recognises trace-cmd, the 6.12 dma_alloc (no dir=), and an IOMMU from the addresses', () => {
    expect(r.imp.report).toMatchObject({ format: 'trace-cmd report', era: '6.12 to 6.12.47', kernel: '6.12', events: 10, skipped: 1 });
    expect(r.imp.report.devices[0]).toMatchObject({ kernelName: '0000:02:00.0', path: 'IOMMU' });
    expect(r.imp.scenario).toContain('device(pci_0000_02_00_0, label="0000:02:00.0", iommu=iommu0, bus=pci)');
  });

  it('four pages merged into one 16 KiB segment: the model merges them too', () => {
    const sg = stepsOf(r, 6);
    expect(sg.map((s) => s.op)).toEqual(['sg_table', 'dma_map_sg', 'sg_dma_len']);
    expect(sg.flatMap((s) => s.checks).every((c) => c.passed)).toBe(true);
  });

  it('the unmap with half the size (trace line 11) is reported there', () => {
    expect(warningsAt(r, 11)).toEqual([expect.stringMatching(/frees DMA memory with different size .* \[map size=8192 bytes\] \[unmap size=4096 bytes\]/)]);
  });

  it('IOVAs are noted, not checked, unless asked: then the model answers differently and the step says both', () => {
    expect(r.run.checks.failed).toBe(0);
    const strict = replay('6.12-iommu.trace-cmd', { checkIova: true });
    const map = stepsOf(strict, 8)[0]!;
    expect(map.checks).toEqual([{ expected: '=> 0xfffdc000', passed: false, actual: expect.stringMatching(/^0x[0-9a-f]+$/) }]);
  });
});

describe('6.18 trace: dma_map_phys, a 32-bit device bouncing through swiotlb', () => {
  const r = replay('6.18-swiotlb.trace');

  it('infers the 32-bit mask from which buffers bounced', () => {
    expect(r.imp.report.era).toBe('6.18 on');
    expect(r.imp.scenario).toMatch(/^device\(fe900000_usb, label="fe900000\.usb", dma_mask=32\) {3}# fe900000\.usb: 2 of its 3 mappings got another DMA address than their physical one, 1 kept it: dma-direct, bouncing through swiotlb; dma_mask=32: the buffers it bounced end above 2\^32, those it did not below/m);
  });

  it('the wrong direction at unmap (line 21) and unmapping DMA_MAPPING_ERROR (line 23) are reported where they happen', () => {
    expect(warningsAt(r, 21)).toEqual([expect.stringContaining('frees DMA memory with different direction')]);
    expect(warningsAt(r, 22)).toEqual([expect.stringContaining('swiotlb buffer is full (sz: 524288 bytes)')]);
    expect(warningsAt(r, 23)).toEqual(['DMA-API: fe900000_usb fe900000.usb: device driver tries to free an invalid DMA memory address']);
  });

  it('the kernel’s failed map is a check the model passes; MMIO resource mappings are noted, not replayed', () => {
    expect(stepsOf(r, 22)[0]!.checks).toEqual([{ expected: '=> DMA_MAPPING_ERROR', passed: true }]);
    expect(r.imp.scenario).toContain('# trace line 24 · 1207.401355 kworker/u16:4-297: dma_map_phys fe330000.dma-controller 0xfe900040 (device memory, MMIO) → 0xfe900040: not modelled');
    expect(r.run.checks.failed).toBe(0);
  });
});

describe('6.13 trace-cmd report: a camera ISP behind an IOMMU (dma_alloc_noncontiguous, dma_alloc_pages, dma_map_sg_err)', () => {
  const r = replay('6.13-isp.trace-cmd');

  it('the noncontiguous allocation’s first page and its IOVA say IOMMU; its syncs find it', () => {
    expect(r.imp.report.devices[0]).toMatchObject({ kernelName: 'fe800000.isp', path: 'IOMMU' });
    expect(r.imp.report.messages).toEqual([]);
    expect(stepsOf(r, 3).map((s) => s.op)).toEqual(['sg_table', 'dma_map_sg']);
    expect(stepsOf(r, 5).map((s) => s.source)).toEqual(['dma_sync_sg_for_cpu(fe800000_isp, sg3, DMA_FROM_DEVICE)']);
  });

  it('a traced dma_map_sg_err is noted, not replayed: the model would make a mapping the kernel did not', () => {
    expect(stepsOf(r, 8)).toEqual([]);
    expect(r.imp.scenario).toContain('dma_map_sg(fe800000.isp) of 2 entries failed with err=-95');
  });

  it('dma_free_pages with another size (line 10) is what dma-debug reports', () => {
    expect(warningsAt(r, 10)).toEqual([expect.stringMatching(/frees DMA memory with different size .*\[map size=8192 bytes\] \[unmap size=4096 bytes\]/)]);
    expect(r.run.steps.slice(-1)[0]!.op).toBe('dma_unmap_sg');
  });
});

describe('6.18 trace-cmd report: NVMe behind an IOMMU (dma_map_phys)', () => {
  it('a sync for the CPU in the wrong direction (line 8); the model hands out the kernel’s IOVAs, 32-bit first', () => {
    const r = replay('6.18-nvme-iommu.trace-cmd', { checkIova: true });
    expect(r.imp.report).toMatchObject({ format: 'trace-cmd report', era: '6.18 on', kernel: '6.18' });
    expect(warningsAt(r, 8)).toEqual([expect.stringContaining('syncs DMA memory with different direction [device address=0x00000000ffffc000]')]);
    expect(r.run.checks).toEqual({ passed: 2, failed: 0 });
  });
});

describe('6.12-rc trace_pipe: dma_alloc with phys_addr=, overlapping mappings', () => {
  const r = replay('6.12-rc2.trace_pipe');

  it('no header: trace_pipe; the -rc format', () => {
    expect(r.imp.report).toMatchObject({ format: 'trace_pipe or trace without its header', era: '6.12-rc1 to 6.12-rc3', kernel: '6.12' });
  });

  it('small FROM_DEVICE mappings were not bounced: on arm64 that is a coherent device', () => {
    expect(r.imp.scenario).toMatch(/^device\(fe380000_usb, label="fe380000\.usb", coherent=true\)/m);
  });

  it('two mappings the device may write, in one cache line: dma-debug’s EEXIST at the second (line 3)', () => {
    expect(warningsAt(r, 3)).toEqual(["DMA-API: fe380000_usb fe380000.usb: cacheline tracking EEXIST, overlapping mappings aren't supported"]);
  });
});

describe('capped dma_map_sg (nents=/ents=, [TRUNCATED])', () => {
  const r = replay('6.18.10-capped-sg.trace');

  it('a list the kernel traced in part is replayed with the entries it shows, its count not checked', () => {
    const s = stepsOf(r, 15);
    expect(r.lines[s[0]!.line - 1]).toContain('the kernel traced only the first 128 of 200 entries');
    expect(s[1]!.checks).toEqual([]);
  });

  it('dma_unmap_sg with fewer entries than mapped (line 17)', () => {
    expect(warningsAt(r, 17)).toEqual(['DMA-API: pci_0000_01_00_0 0000:01:00.0: device driver frees DMA sg list with different entry count [map count=2] [unmap count=1]']);
    expect(r.run.checks.failed).toBe(0);
  });
});

describe('bad input', () => {
  const r = replay('bad-input.trace');
  const msg = (line: number) => r.imp.report.messages.filter((m) => m.line === line).map((m) => m.text);

  it('a line cut short, a garbled address, a cut array: each named by its line, the event skipped', () => {
    expect(msg(14)).toEqual([expect.stringContaining('dma_map_page is cut short or garbled: no size= where expected')]);
    expect(msg(15)).toEqual([expect.stringContaining("garbled dma_addr '8c1z5000'")]);
    expect(msg(20)).toEqual([expect.stringContaining('dma_map_sg is cut short or garbled')]);
  });

  it('lost events, an unknown device, lines that are not events', () => {
    expect(msg(16)).toEqual([expect.stringContaining('the kernel lost 1,310 events here')]);
    expect(msg(17)).toEqual([expect.stringContaining('0000:09:00.0 first appears with dma_unmap_page of 0x8e200000, which this trace never made')]);
    expect(msg(18)).toEqual(["not a trace event line: 'this line was pasted by mistake'"]);
    expect(r.imp.report).toMatchObject({ lost: 1310, unrecognised: 2 });
  });

  it('what could be read is imported: the sync after unmap at the end is still found', () => {
    expect(warningsAt(r, 22)).toEqual([expect.stringContaining('tries to sync DMA memory it has not allocated')]);
    expect(r.imp.scenario).toContain('h17_before = dma_map_page(pci_0000_09_00_0');
    expect(warningsAt(r, 17)).toEqual([]);
  });

  it('a trace without dma events says why, on line 1', () => {
    const n = importTrace(fixture('6.6-no-dma-events.trace'));
    expect(n.report.events).toBe(0);
    expect(n.report.skipped).toBe(4);
    expect(n.report.messages).toEqual([{ line: 1, text: expect.stringContaining('no dma:* events among the 4 events of this trace: they exist from Linux 6.12') }]);
    expect(runScenario(n.scenario).errors).toEqual([]);
  });

  it('50 MB of unrelated text: not taken for a trace, and imported anyway it names line 1 and stays bounded', () => {
    const text = 'The quick brown fox jumps over the lazy dog, again and again and again.\n'.repeat(700_000);
    expect(text.length).toBeGreaterThan(50e6);
    expect(detectInput(text)).toBe('scenario');
    const t0 = performance.now();
    const n = importTrace(text);
    expect(performance.now() - t0).toBeLessThan(30_000);
    expect(n.report).toMatchObject({ events: 0, lines: 700_000, unrecognised: 700_000 });
    expect(n.report.messages[0]).toEqual({ line: 1, text: expect.stringContaining('not a trace event line') });
    expect(n.report.messages.length).toBeLessThanOrEqual(6);
  });
});

describe('sg entry lengths', () => {
  it('segments are entries when nothing merged', () => {
    expect(sgEntryLengths([0x1000, 0x5000], [4096, 2048], 2)).toEqual({ lengths: [4096, 2048], inferred: false });
  });

  it('merged by an IOMMU: each entry runs to its page end, the last takes the rest', () => {
    expect(sgEntryLengths([0x1200, 0x5000, 0x9000], [4096 * 2 + 1024], 1)).toEqual({ lengths: [3584, 4096, 1536], inferred: true });
    expect(guessLengths([0x1000, 0x2000], 0)).toEqual([4096, 4096]);
  });
});
