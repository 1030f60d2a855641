/**
 * A dma-debug dump (kernel/dma/debug.c dump_show(), in each era's format:
 * test/fixtures/dump) becomes the starting state of a scenario: after its
 * steps the model's dma-debug holds the same live entries — device, DMA
 * address, size, direction, type and map error state — and stepping on works.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { importDump } from '../../src/import/dump-import.ts';
import { BUDGETS } from '../../src/sim/budgets.ts';
import { detectInput } from '../../src/import/detect.ts';
import { prepareScenario, runScenario } from '../../src/scenario/run.ts';
import { createMachine } from '../../src/sim/machine.ts';
import { step } from '../../src/sim/step.ts';
import { debugLiveEntries } from '../../src/sim/dma/debug.ts';

const fixture = (name: string) => readFileSync(resolve(__dirname, '../fixtures/dump', name), 'utf8');

/** The model's dma-debug entries after the scenario ran. */
function liveAfter(text: string) {
  const p = prepareScenario(text);
  if (!p.ok) throw new Error(p.errors[0]!.message);
  const m = createMachine(p.config);
  for (const c of p.body) step(m, c);
  return debugLiveEntries(m.debug);
}

// What the fixtures hold (test/fixtures/dump, written from one table in every era's format).
const STREAMING = [
  { dev: 'fe300000_ethernet', devAddr: 0x8b20a040, size: 0x600, dir: 'DMA_FROM_DEVICE', mapErr: 'checked' },
  { dev: 'fe300000_ethernet', devAddr: 0x8b20a640, size: 0x600, dir: 'DMA_FROM_DEVICE', mapErr: 'checked' },
  { dev: 'pci_0000_01_00_0', devAddr: 0x8c1a4000, size: 0x1000, dir: 'DMA_TO_DEVICE', mapErr: 'checked' },
  { dev: 'pci_0000_01_00_0', devAddr: 0x8c1a6000, size: 0x1000, dir: 'DMA_FROM_DEVICE', mapErr: 'not-checked' },
];

describe.each([
  ['6.13-debugfs.dump', '6.13 on', '6.17', 'single'],
  ['6.6-debugfs.dump', '6.4 to 6.12', '6.6', 'single'],
  ['5.10-debugfs.dump', 'before 6.4', '6.3', 'single'],
  ['6.18-dmesg.dump', '6.13 on', '6.18', 'phy'],
])('%s', (name, era, kernel, single) => {
  const text = fixture(name);
  const r = importDump(text);

  it('is recognised as a dump, with its era and devices (device name and driver in the right order)', () => {
    expect(detectInput(text)).toBe('dump');
    expect(r.report).toMatchObject({ kind: 'dump', era, kernel, events: 7, unrecognised: 0, messages: [] });
    expect(r.report.devices.map((d) => [d.kernelName, d.path])).toEqual([
      ['fe300000.ethernet', 'dma-direct'],
      ['0000:01:00.0', 'dma-direct'],
    ]);
  });

  it('the scenario rebuilds the live entries: addresses, sizes, directions and map error state', () => {
    const run = runScenario(r.scenario);
    expect(run.errors).toEqual([]);
    expect(run.checks.failed).toBe(0);
    expect(run.steps.flatMap((s) => s.warnings)).toEqual([]);
    const live = liveAfter(r.scenario);
    const streaming = live.filter((e) => e.typeName === single);
    expect(streaming.map((e) => ({ dev: e.dev, devAddr: e.devAddr, size: e.size, dir: e.dir, mapErr: e.mapErr }))).toEqual(STREAMING);
    const sg = live.filter((e) => e.type === 'scatter-gather');
    expect(sg.map((e) => [e.devAddr, e.size, e.dir])).toEqual([
      [0x8c3f0000, 0x1000, 'DMA_FROM_DEVICE'],
      [0x8c3f1000, 0x1000, 'DMA_FROM_DEVICE'],
    ]);
    expect(live.filter((e) => e.type === 'coherent').map((e) => e.size)).toEqual([0x10000]);
  });

  it('stepping on works: an unmap of the entry the driver never checked is what dma-debug then reports', () => {
    const more = `${r.scenario}dma_unmap_page(pci_0000_01_00_0, h4, 4096, DMA_FROM_DEVICE)\n`;
    const run = runScenario(more);
    expect(run.steps.at(-1)!.warnings).toEqual([expect.stringContaining('failed to check map error[device address=0x000000008c1a6000]')]);
  });
});

describe('bad dump lines', () => {
  it('a cut line and a garbled address are named by line; the rest is imported', () => {
    const good = fixture('6.13-debugfs.dump').split('\n');
    const text = [good[0], good[1]!.slice(0, 50), good[2]!.replace('D=8c1a4000', 'D=8c1q4000'), good[3], 'not a dump line'].join('\n');
    const r = importDump(text);
    expect(r.report.events).toBe(2);
    expect(r.report.messages).toEqual([
      { line: 2, text: expect.stringContaining('a dma-debug dump line cut short or garbled') },
      { line: 3, text: "garbled D= '8c1q4000' (hexadecimal expected); the entry is skipped" },
      { line: 5, text: "not a dma-debug dump line: 'not a dump line'" },
    ]);
    expect(runScenario(r.scenario).errors).toEqual([]);
  });

  it('5.1–5.6 printed type names one off (fixed by 9bb50ed74709): given that kernel, "page" is a scatter-gather entry', () => {
    const line = 'nvme 0000:01:00.0 page idx 8696 P=8c3f0000 N=8c3f0 D=8c3f0000 L=1000 cln=0x00000000022f8fc0 DMA_FROM_DEVICE dma map error check not applicable';
    expect(importDump(line, { kernel: '5.4' }).scenario).toMatch(/sg1 = sg_table/);
    expect(importDump(line, { kernel: '6.1' }).scenario).toMatch(/h1 = dma_map_page/);
  });
});

describe('a dump past BUDGETS.dumpEntries', () => {
  it('imports the first 100,000 entries and says how many it left out, at the first one left out', () => {
    const n = BUDGETS.dumpEntries + 3;
    const lines: string[] = [];
    for (let i = 0; i < n; i++) {
      const pa = (0x80000000 + i * 0x1000).toString(16);
      lines.push(`dwmac-rk fe300000.ethernet single idx ${i} P=0x00000000${pa} D=${pa} L=600 cln=0x${(0x2000000 + i * 64).toString(16).padStart(16, '0')} DMA_FROM_DEVICE dma map error checked`);
    }
    const r = importDump(`${lines.join('\n')}\n`);
    expect(r.report.events).toBe(BUDGETS.dumpEntries);
    expect(r.report.messages).toContainEqual({ line: BUDGETS.dumpEntries + 1, text: 'the dump holds 100,003 entries: the explorer imports the first 100,000 (dma-debug preallocates 65,536) and leaves out 3' });
    expect(r.scenario).toContain('# 100,000 live entries');
  });
});
