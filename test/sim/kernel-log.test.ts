// The catalogue of kernel messages (src/sim/kernel-log/catalogue.ts): the
// engine prints only from it, every line it prints on every library scenario
// and every version the scenario declares matches exactly one entry, and the
// matcher recognises real dmesg lines of every era (timestamps and prefixes
// allowed) for the "explain a splat" feature.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CATALOGUE, entriesMatching, kernelHas, kmsg, matchLine, wordingFor, type CatalogueEntry, type MessageId } from '../../src/sim/kernel-log/catalogue.ts';
import { runScenario } from '../../src/scenario/run.ts';
import { declaredVersions, versionsToRun } from '../../src/scenario/versions.ts';
import { DEFAULT_MACHINE, type Arch } from '../../src/sim/config.ts';
import { CMA_GATES, DEBUG_GATES, SWIOTLB_GATES } from '../../src/sim/kernel-versions.ts';

const SAMPLE: Record<string, string> = { int: '7', hex: 'abc', word: 'w', dir: 'DMA_TO_DEVICE', text: 'some text' };

/** A rendering of every placeholder with a sample value of its type. */
function sampleArgs(template: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of template.matchAll(/\{(\w+)(?::(\w+))?\}/g)) out[m[1]!] = SAMPLE[m[2] ?? 'word']!;
  return out;
}

const BY = { driver: 'e1000e', device: '0000:00:19.0' };

describe('the catalogue', () => {
  it('every entry has an id, wordings oldest first, the function and file, a why and a rule', () => {
    const ids = new Set<string>();
    for (const e of CATALOGUE as readonly CatalogueEntry[]) {
      expect(ids.has(e.id), e.id).toBe(false);
      ids.add(e.id);
      expect(e.wordings.length).toBeGreaterThan(0);
      const froms = e.wordings.map((w) => w.from?.code ?? 0);
      expect(froms, e.id).toEqual([...froms].sort((a, b) => a - b));
      expect(e.fn).toMatch(/^[a-z_0-9]+$/);
      expect(e.file).toMatch(/\.[ch]$/);
      expect(e.why.length).toBeGreaterThan(40);
      expect(e.rule).toMatch(/^[a-z-]+\/[a-z0-9-]+$/);
    }
  });

  it('every wording, rendered, is recognised as its own entry and no other (the templates do not overlap)', () => {
    for (const e of CATALOGUE as readonly CatalogueEntry[]) {
      for (const w of e.wordings) {
        const kernel = w.from?.code ?? 4004;
        const line = kmsg(kernel, e.id as MessageId, sampleArgs(w.template), BY);
        expect(entriesMatching(line).map((x) => x.id), line).toEqual([e.id]);
        expect(matchLine(line).find((x) => x.entry.id === e.id)!.wording, line).toBe(wordingFor(e, kernel));
      }
    }
  });

  it('kmsg picks the wording of the version, and refuses a message the version does not have', () => {
    expect(kmsg(5000, 'swiotlb.full', { size: 4096, total: 128, used: 128 }, BY)).toBe('e1000e 0000:00:19.0: swiotlb buffer is full (sz: 4096 bytes)');
    expect(kmsg(SWIOTLB_GATES.fullTotals.code, 'swiotlb.full', { size: 4096, total: 128, used: 128 }, BY)).toBe(
      'e1000e 0000:00:19.0: swiotlb buffer is full (sz: 4096 bytes), total 128 (slots), used 128 (slots)',
    );
    // err_printk's prefix moved with pr_fmt (5.0)
    expect(kmsg(DEBUG_GATES.prFmt.code - 1, 'dma-debug.unmap-invalid-address', {}, BY)).toBe('e1000e 0000:00:19.0: DMA-API: device driver tries to free an invalid DMA memory address');
    expect(kmsg(DEBUG_GATES.prFmt.code, 'dma-debug.unmap-invalid-address', {}, BY)).toBe('DMA-API: e1000e 0000:00:19.0: device driver tries to free an invalid DMA memory address');
    expect(kernelHas(CMA_GATES.failMessage.code - 1, 'cma.alloc-failed')).toBe(false);
    expect(kernelHas(CMA_GATES.failMessage.code, 'cma.alloc-failed')).toBe(true);
    expect(() => kmsg(6018, 'swiotlb.out-of-space', { size: 1 }, BY)).toThrow(/has no message/);
    expect(() => kmsg(6018, 'swiotlb.full', { size: 1 }, BY)).toThrow(/no value for \{total\}/);
  });
});

describe('the matcher (explaining a pasted splat)', () => {
  const cases: Array<[string, MessageId, Record<string, string>]> = [
    ['[  123.456789] DMA-API: e1000e 0000:00:19.0: device driver frees DMA memory with different size [device address=0x00000000fffff000] [map size=2048 bytes] [unmap size=64 bytes]', 'dma-debug.unmap-size', { driver: 'e1000e', device: '0000:00:19.0', mapSize: '2048', unmapSize: '64' }],
    ['<4>[   12.000001] ehci-pci 0000:00:1d.0: DMA-API: device driver tries to free DMA memory it has not allocated [device address=0x0000000012340000] [size=64 bytes]', 'dma-debug.unmap-not-allocated', { size: '64' }],
    ['[    5.123000] nvme 0000:01:00.0: swiotlb buffer is full (sz: 4096 bytes)', 'swiotlb.full', { size: '4096' }],
    ['[ 9.1] nvme 0000:01:00.0: swiotlb buffer is full (sz: 524288 bytes), total 32768 (slots), used 98 (slots)', 'swiotlb.full', { total: '32768' }],
    ['[  100.100000] arm-smmu ff800000.iommu: Unhandled context fault: fsr=0x402, iova=0x12345000, fsynr=0x13, cbfrsynra=0x1, cb=3', 'arm-smmu.context-fault', { driver: 'arm-smmu', device: 'ff800000.iommu', fsr: '402', cb: '3' }],
    ['arm-smmu 5000000.iommu: Unhandled context fault: fsr=0x8, iova=0x00100004, fsynr=0x13, cb=2', 'arm-smmu.context-fault', { fsr: '8' }],
    ['[  20.279445] DMAR: DRHD: handling fault status reg 3', 'dmar.drhd-fault', { status: '3' }],
    ['[  20.279508] DMAR: [DMA Read] Request device [00:02.0] fault addr 8900a000 [fault reason 06] PTE Read access is not set', 'dmar.fault', { access: 'Read', pciSlot: '02', addr: '8900a000', reason: '06' }],
    ['DMAR: [DMA Write] Request device [04:00.0] PASID ffffffff fault addr 69974000 [fault reason 05] PTE Write access is not set', 'dmar.fault', { pasid: 'ffffffff', reason: '05', reasonText: 'PTE Write access is not set' }],
    ['DMAR: [DMA Write NO_PASID] Request device [0x04:0x00.0] fault addr 0x69974000 [fault reason 0x05] PTE Write access is not set', 'dmar.fault', { pciBus: '04', pciSlot: '00', reason: '05' }],
    ['kernel: DMAR: [DMA Read NO_PASID] Request device [09:00.0] fault addr 0xfebba000 [fault reason 0x06] PTE Read access is not set', 'dmar.fault', { pciBus: '09', pciFn: '0', addr: 'febba000' }],
    ['[    3.312058] at91_i2c e0070600.i2c: rejecting DMA map of vmalloc memory', 'dma-mapping.vmalloc-rejected', { driver: 'at91_i2c' }],
    ['Dec  6 05:00:00 host kernel: cma: cma_alloc: alloc failed, req-size: 256 pages, ret: -12'.replace(/^.*kernel: /, 'kernel: '), 'cma.alloc-failed', { count: '256', ret: '-12' }],
    ['[187487.621916] alloc_contig_range: [83f0a9, 83f0aa) PFNs busy', 'cma.pfns-busy', { start: '83f0a9', end: '83f0aa' }],
    ['[    0.5] xhci_hcd 0000:00:14.0: DMA addr 0x0000000123456000+4096 overflow (mask ffffffff, bus limit 0).', 'dma-direct.overflow', { mask: 'ffffffff' }],
    ['[ 2.2] ath9k 0000:01:00.0: overflow 0x0000000123456000+1500 of DMA mask ffffffff bus mask 0', 'dma-direct.overflow', { size: '1500' }],
  ];
  it.each(cases)('%s', (line, id, args) => {
    const m = matchLine(line);
    expect(m.map((x) => x.entry.id)).toEqual([id]);
    expect(m[0]!.args).toMatchObject(args);
    expect(m[0]!.partial).toBe(false);
    expect(m[0]!.entry.why.length).toBeGreaterThan(0);
  });

  it('a multi-line message met line by line is recognised from its first line (partial)', () => {
    const m = matchLine('[   42.000000] DMA-API: nic 0000:02:00.0: device driver has pending DMA allocations while released from device [count=3]');
    expect(m.map((x) => [x.entry.id, x.partial])).toEqual([['dma-debug.release-pending', true]]);
    expect(m[0]!.args).toMatchObject({ count: '3', device: '0000:02:00.0' });
  });

  it('lines that are not DMA messages match nothing', () => {
    expect(matchLine('[    0.000000] Linux version 6.6.0 (gcc version 13)')).toEqual([]);
    expect(matchLine('')).toEqual([]);
  });
});

describe('the engine prints only from the catalogue', () => {
  const LIB = resolve(__dirname, '../../src/scenario/library');
  const files = readdirSync(LIB).filter((f) => f.endsWith('.dma')).sort();

  it.each(files)('%s: every log line on every declared version matches exactly one catalogue entry', (f) => {
    const text = readFileSync(join(LIB, f), 'utf8');
    const arch = (/arch=(\w+)/.exec(text)?.[1] ?? DEFAULT_MACHINE.arch) as Arch;
    const bad: string[] = [];
    let lines = 0;
    for (const v of versionsToRun(declaredVersions(text) ?? [{ from: DEFAULT_MACHINE.kernel, to: DEFAULT_MACHINE.kernel }], arch)) {
      for (const s of runScenario(text, { kernel: v }).steps) {
        for (const w of s.warnings) {
          lines++;
          const ids = entriesMatching(w).map((e) => e.id);
          if (ids.length !== 1) bad.push(`${v} line ${s.line}: ${ids.length} entries for "${w}"`);
        }
      }
    }
    expect(bad).toEqual([]);
    expect(lines).toBeGreaterThanOrEqual(0);
  });

  it('no message text outside the catalogue: the literal parts of every template appear in no other engine file', () => {
    const SIM = resolve(__dirname, '../../src/sim');
    const walk = (d: string): string[] => readdirSync(d).flatMap((f) => (statSync(join(d, f)).isDirectory() ? walk(join(d, f)) : f.endsWith('.ts') ? [join(d, f)] : []));
    // the gate table describes the wordings in prose (with printf formats); the catalogue owns them
    const sources = walk(SIM).filter((f) => !/kernel-log\/catalogue\.ts$|kernel-versions\.ts$/.test(f));
    const code = sources.map((f) => [relative(SIM, f), readFileSync(f, 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, '')] as const);
    const offenders: string[] = [];
    for (const e of CATALOGUE as readonly CatalogueEntry[]) {
      for (const w of e.wordings) {
        const chunks = w.template.split(/\{\w+(?::\w+)?\}|\n/).map((c) => c.trim()).filter((c) => c.length >= 16);
        for (const c of chunks) for (const [name, src] of code) if (src.includes(c)) offenders.push(`${name}: "${c}" (${e.id})`);
      }
    }
    expect(offenders).toEqual([]);
  });
});
