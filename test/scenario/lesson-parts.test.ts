// The lesson catalogue's "parts" badge (src/scenario/lessons/catalog.ts) is
// read from the run's events: dma-debug is a part when dma-debug
// (kernel/dma/debug.c, lib/dma-debug.c before 4.19) reported something,
// whatever the kernel's words. err_printk() starts its line with "DMA-API:"
// only from 5.0 (pr_fmt, dma-mapping-4.21 pull); before, the driver and
// device names come first.
//
// Its `emits` names the kernel-log catalogue entries a run prints by the ids
// the engine's events carry, not by matching the words: a dma-debug report
// names the entry it printed whatever the version's wording.
import { readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { catalogEntry, partsOf } from '../../src/scenario/lessons/catalog.ts';
import { runScenario } from '../../src/scenario/run.ts';
import { entriesMatching } from '../../src/sim/kernel-log/catalogue.ts';
import type { RunResult } from '../../src/scenario/result.ts';

const doubleUnmap = (kernel: string) => `machine(arch=arm64, kernel="${kernel}")
device(nic)
b = kmalloc(4096, GFP_KERNEL)
h = dma_map_single(nic, b, 4096, DMA_TO_DEVICE)
dma_mapping_error(nic, h)
dma_unmap_single(nic, h, 4096, DMA_TO_DEVICE)
dma_unmap_single(nic, h, 4096, DMA_TO_DEVICE)
`;

describe('the parts a lesson touches', () => {
  it.each([
    ['6.18', 'DMA-API: nic nic: device driver tries to free DMA memory it has not allocated'],
    ['4.14', 'nic nic: DMA-API: device driver tries to free DMA memory it has not allocated'],
  ])('a double unmap on %s: dma-debug reports it ("%s …"), so dma-debug is a part', (kernel, line) => {
    const run = runScenario(doubleUnmap(kernel));
    expect(run.steps.flatMap((s) => s.warnings).map((w) => w.slice(0, line.length))).toEqual([line]);
    expect(partsOf([run])).toContain('dma-debug');
  });

  it('a clean map and unmap: no dma-debug part', () => {
    const text = doubleUnmap('6.18').split('\n').slice(0, -2).join('\n');
    expect(partsOf([runScenario(text)])).not.toContain('dma-debug');
  });
});

/** Every logged line of a run with the id of the event that printed it (null: no event names it). */
function linesWithIds(r: RunResult): Array<{ text: string; id: string | null }> {
  return r.steps.flatMap((s) => {
    const named = s.events.flatMap((e) => (e.kind === 'log' ? [{ text: e.text, id: e.id as string }] : e.kind === 'finding' && e.id !== null ? [{ text: e.message, id: e.id as string }] : []));
    return s.warnings.map((text) => ({ text, id: named.find((n) => n.text === text)?.id ?? null }));
  });
}

describe('the catalogue ids a run prints', () => {
  it.each(['6.18', '4.14'])('a double unmap on %s: the finding names dma-debug.unmap-not-allocated, and so does the entry', (kernel) => {
    const run = runScenario(doubleUnmap(kernel));
    const findings = run.steps.flatMap((s) => s.events.filter((e) => e.kind === 'finding'));
    expect(findings.map((f) => (f.kind === 'finding' ? f.id : null))).toEqual(['dma-debug.unmap-not-allocated']);
    expect(catalogEntry('t/double-unmap', 't.dma', 'lesson', doubleUnmap(kernel)).emits).toEqual([{ id: 'dma-debug.unmap-not-allocated', kernel: null }]);
  });

  const library = resolve(__dirname, '../../src/scenario/library');
  const files = readdirSync(library).filter((f) => f.endsWith('.dma')).sort();
  it.each(files)('%s: every line it logs is named by an event, with an id whose wording matches the line', (f) => {
    const lines = linesWithIds(runScenario(readFileSync(join(library, f), 'utf8')));
    for (const l of lines) {
      expect(l.id, l.text).not.toBeNull();
      expect(entriesMatching(l.text).map((e) => e.id), l.text).toContain(l.id);
    }
  });
});
