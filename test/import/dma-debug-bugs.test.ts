/**
 * "Paste your trace, see your bug": one realistic trace per dma-debug check a
 * driver developer meets first, in the format of the kernel that would print
 * it (raw trace with its header, trace_pipe, trace-cmd report; dma_map_page
 * in 6.13–6.17, dma_map_phys from 6.18). Each replay reports what dma-debug
 * (kernel/dma/debug.c) reports on that trace, at the trace line that caused
 * it, and nothing else but the leak check the import adds at the end.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { importText, traceLineOf } from '../../src/import/index.ts';
import { runScenario } from '../../src/scenario/run.ts';

function complaints(name: string): { era: string | null; format: string; kernel: string; at: Array<[number | null, string]> } {
  const imp = importText(readFileSync(resolve(__dirname, '../fixtures/trace', name), 'utf8'));
  const run = runScenario(imp.scenario);
  expect(run.errors).toEqual([]);
  expect(run.checks.failed).toBe(0);
  const lines = imp.scenario.split('\n');
  const at = run.steps.flatMap((s) => s.warnings.map((w) => [traceLineOf(lines[s.line - 1]!), w] as [number | null, string]));
  return { era: imp.report.era, format: imp.report.format, kernel: imp.report.kernel, at };
}

describe('a dma-debug complaint at the trace line that caused it', () => {
  it('sync after unmap (check_sync(): "tries to sync DMA memory it has not allocated"), 6.13–6.17 raw trace', () => {
    const r = complaints('6.15-stmmac-sync-after-unmap.trace');
    expect(r).toMatchObject({ format: '/sys/kernel/tracing/trace', era: '6.13 to 6.17 (and 6.12.48 on)', kernel: '6.17' });
    expect(r.at[0]).toEqual([21, 'DMA-API: fe1b0000_ethernet fe1b0000.ethernet: device driver tries to sync DMA memory it has not allocated [device address=0x00000000c3110000] [size=2048 bytes]']);
    // the coherent buffer and two rx buffers are still live when the trace ends
    expect(r.at.slice(1).map(([l, w]) => [l, w.split('\n')[0]])).toEqual([[null, 'DMA-API: fe1b0000_ethernet fe1b0000.ethernet: device driver has pending DMA allocations while released from device [count=3]']]);
  });

  it('wrong direction on unmap (check_unmap()), 6.18 dma_map_phys, trace_pipe, behind an IOMMU', () => {
    const r = complaints('6.18-mt7921-wrong-dir.trace_pipe');
    expect(r).toMatchObject({ format: 'trace_pipe or trace without its header', era: '6.18 on', kernel: '6.18' });
    expect(r.at).toEqual([[4, 'DMA-API: pci_0000_04_00_0 0000:04:00.0: device driver frees DMA memory with different direction [device address=0x00000000fffff000] [size=4096 bytes] [mapped with DMA_TO_DEVICE] [unmapped with DMA_FROM_DEVICE]']]);
  });

  it('wrong size on unmap (check_unmap()), trace-cmd report of a 6.12–6.17 kernel (only map/unmap events: the eras read as one range)', () => {
    const r = complaints('6.14-igc-wrong-size.trace-cmd');
    expect(r).toMatchObject({ format: 'trace-cmd report', era: '6.12-rc1 to 6.17', kernel: '6.17' });
    expect(r.at[0]).toEqual([5, 'DMA-API: pci_0000_02_00_0 0000:02:00.0: device driver frees DMA memory with different size [device address=0x00000000a0b40000] [map size=2048 bytes] [unmap size=64 bytes]']);
    expect(r.at).toHaveLength(2);
  });

  it('overlapping mappings (add_dma_entry(): cacheline tracking EEXIST, err_printk since 5.15), 6.13–6.17 raw trace', () => {
    const r = complaints('6.15-spi-overlap.trace');
    expect(r.at).toEqual([[14, "DMA-API: ff1a0000_spi ff1a0000.spi: cacheline tracking EEXIST, overlapping mappings aren't supported"]]);
  });

  it('a mapping still live at the end (dma_debug_device_change(): pending allocations when the driver unbinds), 6.18 trace-cmd report', () => {
    const r = complaints('6.18-spi-leak.trace-cmd');
    expect(r).toMatchObject({ format: 'trace-cmd report', era: '6.18 on', kernel: '6.18' });
    expect(r.at).toEqual([
      [null, 'DMA-API: ff1a0000_spi ff1a0000.spi: device driver has pending DMA allocations while released from device [count=1]\nOne of leaked entries details: [device address=0x000000008e3b6000] [size=256 bytes] [mapped with DMA_TO_DEVICE] [mapped as phy]'],
    ]);
  });
});

describe('a pasted trace with control and bidi characters (Trojan Source)', () => {
  const trace = readFileSync(resolve(__dirname, '../fixtures/trace', '6.15-stmmac-sync-after-unmap.trace'), 'utf8').split('\n');
  trace[14] = trace[14]!.replace('fe1b0000.ethernet', 'fe1b0000.eth\u202eernet');
  trace[15] = trace[15]!.replace('size=98', 'size=9\x1b[31m8');
  trace[16] = `${trace[16]}\x07\u2066`;
  const imp = importText(trace.join('\n'));

  it('never reach the scenario raw: replaced by U+FFFD, each said at its line, and the scenario runs', () => {
    expect(imp.scenario).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/);
    expect(imp.report.messages.map((m) => [m.line, m.text])).toEqual(expect.arrayContaining([
      [15, 'control character U+202E (RIGHT-TO-LEFT OVERRIDE) replaced by \uFFFD: raw, it would make the text display as something other than it is'],
      [16, 'control character U+001B replaced by \uFFFD: raw, it would make the text display as something other than it is'],
      [17, '2 control characters, the first U+0007, replaced by \uFFFD: raw, it would make the text display as something other than it is'],
    ]));
    expect(imp.report.devices.map((d) => d.kernelName)).toEqual(['fe1b0000.ethernet', 'fe1b0000.eth\uFFFDernet']);
    const run = runScenario(imp.scenario);
    expect(run.errors).toEqual([]);
  });

  it('a value with one in it is garbled, named at its line, and the event skipped', () => {
    expect(imp.report.messages.find((m) => m.line === 16 && m.text.startsWith('dma_map_page'))?.text).toMatch(/size/);
  });
});
