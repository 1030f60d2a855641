// "Explain a splat" (src/explain): real-looking kernel logs of every era are
// explained by the catalogue the engine prints from (src/sim/kernel-log/catalogue.ts).
// The fixtures in test/fixtures/dmesg are written in each version's wording as the
// kernel source prints it: err_printk()'s WARN(1, …) in kernel/dma/debug.c
// (lib/dma-debug.c before 4.17; "<driver> <device>: DMA-API: " before pr_fmt in 5.0),
// __warn()'s "WARNING: CPU: n PID: n at FILE:LINE FN+off/size" (kernel/panic.c),
// dump_entry_trace()'s "Mapped at:" stack, report_bug()'s "kernel BUG at FILE:LINE!".
import { readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MAX_FINDINGS, explainLog, moreCount, type Finding, type Unknown } from '../../src/explain/explain.ts';
import { formatExplanation } from '../../src/explain/format.ts';
import { reproducersFor } from '../../src/explain/reproducers.ts';
import { CATALOGUE, entriesMatching, type CatalogueEntry } from '../../src/sim/kernel-log/catalogue.ts';
import { runScenario } from '../../src/scenario/run.ts';
import { declaredVersions, versionsToRun } from '../../src/scenario/versions.ts';
import { DEFAULT_MACHINE, type Arch } from '../../src/sim/config.ts';
import { ARM_SMMU_GATES, CMA_GATES, INTEL_IOMMU_GATES, SWIOTLB_GATES } from '../../src/sim/kernel-versions.ts';
import type { Catalog } from '../../src/scenario/lessons/catalog.ts';
import { toDmesg, type Logged } from './dmesg-writer.ts';

const FIX = resolve(__dirname, '../fixtures/dmesg');
const read = (f: string) => readFileSync(join(FIX, f), 'utf8');
const findings = (text: string) => explainLog(text).items.filter((i): i is Finding => i.kind === 'finding');
const ids = (f: Finding) => f.entries.map((e) => e.id);
const field = (f: Finding, name: string) => f.fields.find((x) => x.name === name)?.value;
const CATALOG = JSON.parse(readFileSync(resolve(__dirname, '../../src/scenario/lessons/index.json'), 'utf8')) as Catalog;

describe('dma-debug splats: every check, in each era\'s wording', () => {
  const DEBUG = (CATALOGUE as readonly CatalogueEntry[]).filter((e) => e.source === 'dma-debug');
  const files = readdirSync(join(FIX, 'dma-debug')).sort();

  it('there is a fixture for every dma-debug check in the catalogue, in at least two eras', () => {
    for (const e of DEBUG) {
      const check = e.id.replace('dma-debug.', '');
      expect(files.filter((f) => f.startsWith(`${check}.`)).length, e.id).toBeGreaterThanOrEqual(2);
    }
  });

  it.each(files)('%s: one finding, grouped with its WARN block, the driver frame found', (f) => {
    const text = read(`dma-debug/${f}`);
    const [check, ...ver] = f.replace(/\.log$/, '').split('.');
    const kernel = ver.join('.');
    const e = explainLog(text);
    const fs = e.items.filter((i): i is Finding => i.kind === 'finding');
    expect(fs.map(ids)).toEqual([[`dma-debug.${check}`]]);
    const x = fs[0]!;
    expect(x.kernel).toBe(kernel);
    // the wording's era holds the kernel the log names: no "backport?" note
    expect(x.notes).toEqual([]);
    expect(x.partial).toBe(false);
    if (x.warn) {
      // err_printk is WARN(1, …) in the check function: the WARNING line names it
      expect(x.warn.site?.fn).toBe(x.entries[0]!.fn);
      expect(x.warn.confirms).toBe(true);
      expect(x.warn.caller?.module).toBe('e1000e');
      // the whole block is the finding's: no register or trace line is left unknown
      expect(x.endLine).toBeGreaterThanOrEqual(x.warn.endLine);
    } else {
      // 5.14: pr_err with no device, no WARN (DEBUG_GATES.eexistPrErr)
      expect(f).toBe('cacheline-overlap.5.14.log');
    }
    // unknown: only the unrelated lines around the splat
    const unknown = e.items.filter((i): i is Unknown => i.kind === 'unknown');
    expect(unknown.map((u) => u.text)).toEqual(unknown.map((u) => u.text).filter((t) => /usb|EXT4|IPv6|systemd|random|Linux version/.test(t)));
    if (x.fields.some((y) => y.name === 'device')) {
      expect(field(x, 'driver')).toBe('e1000e');
      expect(field(x, 'device')).toBe('0000:00:19.0');
    }
  });

  it('the fields carry the values the kernel printed (sizes, addresses, directions)', () => {
    const [size] = findings(read('dma-debug/unmap-size.6.1.log'));
    expect(field(size!, 'addr')).toBe('0x00000000fffff000');
    expect(field(size!, 'mapSize')).toBe('2048');
    expect(field(size!, 'unmapSize')).toBe('64');
    const [dir] = findings(read('dma-debug/sync-direction.4.19.log'));
    expect([field(dir!, 'mapped'), field(dir!, 'synced')]).toEqual(['DMA_FROM_DEVICE', 'DMA_TO_DEVICE']);
    // before 5.0 the prefix is "<driver> <device>: DMA-API: " (pr_fmt came in 5.0): the era says so
    expect(dir!.era.until).toBe('5.0');
    const [leak] = findings(read('dma-debug/release-pending.6.1.log'));
    // the two-line record: its second line (no timestamp) joined
    expect(leak!.text.split('\n')).toHaveLength(2);
    expect(field(leak!, 'count')).toBe('3');
    expect(field(leak!, 'type')).toBe('single');
    expect(leak!.warn!.caller).toMatchObject({ fn: 'e1000_exit_module', module: 'e1000e' });
  });

  it('"Mapped at:" (dump_entry_trace, after the WARN) says where the mapping was made', () => {
    const [x] = findings(read('dma-debug/unmap-size.6.1.log'));
    expect(x!.warn!.mappedAt.map((f) => f.fn)).toContain('debug_dma_map_page');
    expect(x!.warn!.mappedBy).toMatchObject({ fn: 'e1000_alloc_rx_buffers', module: 'e1000e' });
    expect(x!.warn!.caller).toMatchObject({ fn: 'e1000_clean_rx_irq' });
    // 4.14: lib/dma-debug.c, and "Mapped at:" without pr_fmt
    const [old] = findings(read('dma-debug/unmap-size.4.14.log'));
    expect(old!.warn!.site).toMatchObject({ file: 'lib/dma-debug.c', fn: 'check_unmap' });
    expect(old!.warn!.mappedBy?.fn).toBe('e1000_alloc_rx_buffers');
  });
});

describe('swiotlb, dma-direct, IOMMU faults, CMA, dma-buf, GPU faults', () => {
  const cases: Array<[string, string[][]]> = [
    ['swiotlb-full.5.15.log', [['swiotlb.full'], ['swiotlb.full']]],
    ['swiotlb-full.4.20.log', [['swiotlb.full']]],
    ['swiotlb-out-of-space.4.14.log', [['swiotlb.out-of-space'], ['swiotlb.out-of-space']]],
    ['dma-direct-overflow.log', [['dma-direct.overflow'], ['dma-direct.overflow'], ['dma-direct.overflow'], ['dma-direct.overflow']]],
    ['report-addr-warn.5.4.log', [['dma-direct.overflow'], ['dma-direct.report-addr-warn']]],
    ['vmalloc-rejected.6.1.log', [['dma-mapping.vmalloc-rejected']]],
    ['bad-direction-bug.6.1.log', [['dma-mapping.bad-direction']]],
    ['arm-smmu-fault.4.19.log', [['arm-smmu.context-fault']]],
    ['arm-smmu-fault.5.4.log', [['arm-smmu.context-fault'], ['arm-smmu.context-fault']]],
    ['arm-smmu-fault.6.12.log', [['arm-smmu.context-fault'], ['arm-smmu.fsr'], ['arm-smmu.fsynr0']]],
    ['cma-alloc-failed.4.19.log', [['cma.alloc-failed']]],
    ['cma-alloc-failed.5.15.log', [['cma.alloc-failed']]],
    ['cma-alloc-failed.6.6.log', [['cma.alloc-failed'], ['cma.alloc-failed']]],
    ['cma-pfns-busy.5.10.log', [['cma.pfns-busy'], ['cma.pfns-busy'], ['cma.alloc-failed']]],
    ['cma-alloc-failed.6.15.log', [['cma.alloc-failed'], ['cma.areas-head'], ['cma.areas-range'], ['cma.areas-end'], ['cma.areas-total']]],
    ['dma-buf-warn.6.6.log', [['dma-buf.resv-not-held'], ['dma-buf.pin-static-importer', 'dma-buf.resv-not-held']]],
    ['panfrost-fault.6.1.log', [['panfrost.page-fault']]],
    ['vtd-fault.4.19.log', [['dmar.drhd-fault'], ['dmar.fault']]],
    ['vtd-fault.5.10.log', [['dmar.drhd-fault'], ['dmar.fault']]],
    ['vtd-fault.5.14.log', [['dmar.drhd-fault'], ['dmar.fault']]],
    ['vtd-fault.6.1.log', [['dmar.drhd-fault'], ['dmar.fault']]],
  ];
  it.each(cases)('%s', (f, want) => {
    expect(findings(read(f)).map(ids)).toEqual(want);
  });

  it('the era of a wording follows the version gates (swiotlb slot totals, arm-smmu cbfrsynra, the CMA area name and __cma_alloc)', () => {
    const totals = SWIOTLB_GATES.fullTotals.from;
    expect(findings(read('swiotlb-full.4.20.log'))[0]!.era).toEqual({ from: null, until: totals });
    expect(findings(read('swiotlb-full.5.15.log'))[0]!.era).toEqual({ from: totals, until: null });
    expect(findings(read('arm-smmu-fault.4.19.log'))[0]!.era.until).toBe(ARM_SMMU_GATES.cbfrsynra.from);
    expect(findings(read('cma-alloc-failed.5.15.log'))[0]!.era).toEqual({ from: CMA_GATES.areaName.from, until: CMA_GATES.underscoreName.from });
    // 6.6 prints the area name and still names cma_alloc (__cma_alloc from 6.12); "PFNs busy" is gone since 5.13
    for (const f of findings(read('cma-alloc-failed.6.6.log'))) expect(f.era).toEqual({ from: CMA_GATES.areaName.from, until: CMA_GATES.underscoreName.from });
    // before 5.13 each busy candidate logs "PFNs busy" ahead of the failure line, which has no area name before 5.12
    const busy = findings(read('cma-pfns-busy.5.10.log'));
    expect(busy[0]!.era.until).toBe(CMA_GATES.pfnsBusySilent.from);
    expect(busy[2]!.era).toEqual({ from: CMA_GATES.failMessage.from, until: CMA_GATES.areaName.from });
    // the log names 5.15 and the wording is that of the slot totals era: no note
    expect(findings(read('swiotlb-full.5.15.log'))[0]!.notes).toEqual([]);
  });

  // drivers/iommu/intel/dmar.c dmar_fault_do_one(): one wording per era of INTEL_IOMMU_GATES (PASID %x from 5.4,
  // 719a19335692; NO_PASID, hex reason and 0x before bus/slot in 5.14; 0b482d0c75bf drops that 0x in 5.15)
  it('a pasted VT-d fault of each era is recognised with its era, its PCI address and its reason, and its file by version', () => {
    const g = INTEL_IOMMU_GATES;
    const rec = (f: string) => findings(read(f))[1]!;
    expect(rec('vtd-fault.4.19.log').era).toEqual({ from: null, until: g.pasidInFault.from });
    expect(rec('vtd-fault.5.10.log').era).toEqual({ from: g.pasidInFault.from, until: g.noPasid.from });
    expect(rec('vtd-fault.5.14.log').era).toEqual({ from: g.noPasid.from, until: g.bdfNo0x.from });
    expect(rec('vtd-fault.6.1.log').era).toEqual({ from: g.bdfNo0x.from, until: null });
    expect(['access', 'pciBus', 'pciSlot', 'pciFn', 'reason'].map((n) => field(rec('vtd-fault.4.19.log'), n))).toEqual(['Read', '00', '02', '0', '06']);
    expect(field(rec('vtd-fault.5.10.log'), 'pasid')).toBe('ffffffff');
    expect(['access', 'pciBus', 'pciSlot', 'addr', 'reason'].map((n) => field(rec('vtd-fault.5.14.log'), n))).toEqual(['Write', '0x04', '0x00', '0x69974000', '0x05']);
    expect(field(rec('vtd-fault.6.1.log'), 'reasonText')).toBe('PTE Read access is not set');
    // the file moved with 672cf6df9b8a (5.8): a 4.19 log names drivers/iommu/dmar.c
    expect(rec('vtd-fault.4.19.log').entries[0]!.file).toBe('drivers/iommu/dmar.c');
    expect(findings(read('vtd-fault.5.10.log'))[0]!.entries[0]!.file).toBe(`drivers/iommu/intel/dmar.c (drivers/iommu/dmar.c before ${g.subdir.from})`);
  });

  it('a syslog prefix and timestamps are not part of the message; the fields are', () => {
    const [f] = findings(read('arm-smmu-fault.4.19.log'));
    expect(f!.time).toBe('655.120001');
    expect(f!.fields.map((x) => [x.name, x.value])).toEqual([
      ['driver', 'arm-smmu'],
      ['device', 'ff800000.iommu'],
      ['fsr', '0x2'],
      ['iova', '0x00100004'],
      ['fsynr', '0x13'],
      ['cb', '2'],
    ]);
  });

  it('a bare WARN_ON is recognised by its site only when the catalogue records it, and says when the site has several checks', () => {
    const [map, pin] = findings(read('dma-buf-warn.6.6.log'));
    expect(map!.bySite).toBe(true);
    expect(map!.warn!.caller).toMatchObject({ fn: 'my_importer_map', module: 'my_importer' });
    expect(pin!.notes.join(' ')).toMatch(/one of 2 checks/);
    const bug = findings(read('bad-direction-bug.6.1.log'))[0]!;
    // BUG(): the function is the pc line's
    expect(bug.warn!.site).toMatchObject({ file: 'kernel/dma/mapping.c', line: 156, fn: 'dma_map_page_attrs' });
    expect(bug.warn!.caller).toMatchObject({ fn: 'spi_foo_transfer_one' });
  });

  it('a WARN the catalogue does not know is one unknown item, never a guess', () => {
    const text = ['------------[ cut here ]------------', 'WARNING: CPU: 0 PID: 1 at fs/ext4/inode.c:3000 ext4_journalled_write_end+0x1c/0x40', 'Call trace:', ' ext4_journalled_write_end+0x1c/0x40', '---[ end trace 0000000000000000 ]---', '------------[ cut here ]------------', 'WARNING: CPU: 0 PID: 1 at kernel/dma/mapping.c:600 dma_alloc_attrs+0x1c/0x40', '---[ end trace 0000000000000000 ]---'].join('\n');
    const e = explainLog(text);
    expect(e.findings).toBe(0);
    const u = e.items as Unknown[];
    expect(u.map((x) => [x.line, x.endLine])).toEqual([
      [1, 5],
      [6, 8],
    ]);
    expect(u[0]!.note).toMatch(/not a message the catalogue knows/);
    expect(u[1]!.note).toMatch(/a WARN in a DMA file \(kernel\/dma\/mapping\.c:600 dma_alloc_attrs\(\)\) that the catalogue does not know/);
  });

  it('newer and older WARNING line shapes name the site too', () => {
    for (const w of ['WARNING: kernel/dma/debug.c:1024 at check_unmap+0x6a0/0x8a0, CPU#2: swapper/2/0', 'WARNING: at lib/dma-debug.c:866 check_unmap+0x4b9/0x8f0()']) {
      const [f] = findings(`------------[ cut here ]------------\nDMA-API: e1000e 0000:00:19.0: device driver tries to free an invalid DMA memory address\n${w}\n`);
      expect(f!.warn!.site?.fn, w).toBe('check_unmap');
      expect(f!.warn!.confirms).toBe(true);
    }
  });
});

describe('round trip: every line the engine logs, as dmesg, is explained back to its catalogue id', () => {
  const ROOT = resolve(__dirname, '../../src/scenario');
  const scenarioFiles = [
    ...readdirSync(join(ROOT, 'library')).filter((f) => f.endsWith('.dma')).map((f) => join(ROOT, 'library', f)),
    ...readdirSync(join(ROOT, 'lessons'), { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .flatMap((d) => readdirSync(join(ROOT, 'lessons', d.name)).filter((f) => f.endsWith('.dma')).map((f) => join(ROOT, 'lessons', d.name, f))),
  ];
  const seen = new Set<string>();
  it.each(scenarioFiles.map((f) => [f.slice(ROOT.length + 1), f]))('%s', (_, file) => {
    const text = readFileSync(file, 'utf8');
    const arch = (/arch=(\w+)/.exec(text)?.[1] ?? DEFAULT_MACHINE.arch) as Arch;
    const ranges = declaredVersions(text);
    const versions = ranges ? versionsToRun(ranges, arch) : [null];
    for (const v of versions) {
      const run = runScenario(text, v ? { kernel: v } : {});
      const kernel = run.config?.kernel ?? DEFAULT_MACHINE.kernel;
      const logged: Logged[] = run.steps.flatMap((s) => s.warnings.map((w) => ({ text: w, entry: entriesMatching(w)[0]! })));
      if (logged.length === 0) continue;
      const got = findings(toDmesg(logged, kernel));
      expect(got.map((f) => ids(f)), `${file} on ${kernel}`).toEqual(logged.map((l) => [l.entry.id]));
      for (const f of got) {
        // the engine prints the wording of its kernel: the era holds it
        expect(f.notes, `${ids(f)} on ${kernel}`).toEqual([]);
        expect(f.partial).toBe(false);
        seen.add(ids(f)[0]!);
      }
    }
  });
  it('the library index knows a reproducer for every id the library logs', () => {
    for (const id of seen) expect(reproducersFor(CATALOG, [id]).length, id).toBeGreaterThan(0);
  });
});

describe('reproducers come from running the library', () => {
  it('a reproducer really logs the message when run (as the kernel it names)', () => {
    const ROOT = resolve(__dirname, '../../src/scenario');
    for (const id of ['dma-debug.unmap-size', 'swiotlb.full', 'arm-smmu.context-fault', 'cma.alloc-failed', 'dma-buf.resv-not-held']) {
      const reps = reproducersFor(CATALOG, [id]);
      expect(reps.length, id).toBeGreaterThan(0);
      // lessons first
      expect(reps[0]!.entry.kind, id).toBe('lesson');
      for (const r of reps) {
        const run = runScenario(readFileSync(join(ROOT, r.entry.file), 'utf8'), r.kernel ? { kernel: r.kernel } : {});
        const logged = run.steps.flatMap((s) => s.warnings.flatMap((w) => entriesMatching(w).map((e) => e.id)));
        if (r.entry.hunt) continue; // a bug hunt may log it only unsolved or solved; the index ran both
        expect(logged, `${r.entry.file} ${id}`).toContain(id);
      }
    }
  });
});

describe('bad input', () => {
  it('empty text: a clear problem, no findings', () => {
    for (const t of ['', '\n\n  \n']) {
      const e = explainLog(t);
      expect(e.findings).toBe(0);
      expect(e.problems[0]!.text).toMatch(/empty/);
    }
  });

  it('a truncated line is listed as unknown, saying which message it resembles', () => {
    const e = explainLog('[   14.1] DMA-API: e1000e 0000:00:19.0: device driver frees DMA memory with different size [device address=0x00000000ff\n');
    expect(e.findings).toBe(0);
    const [u] = e.items as Unknown[];
    expect(u!.resembles).toEqual(['dma-debug.unmap-size']);
    expect(u!.note).toMatch(/cut short or garbled/);
  });

  it('a multi-line record cut after its first line is a partial finding, and the next line is read on its own', () => {
    const text = '[ 1.0] DMA-API: nic 0000:02:00.0: device driver has pending DMA allocations while released from device [count=3]\n[ 1.1] nvme 0000:01:00.0: swiotlb buffer is full (sz: 4096 bytes)\n';
    const fs = findings(text);
    expect(fs.map(ids)).toEqual([['dma-debug.release-pending'], ['swiotlb.full']]);
    expect(fs[0]!.partial).toBe(true);
    expect(fs[0]!.notes.join(' ')).toMatch(/first line/);
  });

  it('control characters and colour codes: colour codes removed, the rest replaced and counted, nothing crashes', () => {
    const text = '\x1b[33m[    5.1] \x1b[0mnvme 0000:01:00.0: swiotlb buffer is full (sz: 4096 bytes)\n[ 5.2] nvme 0000:01:00.0: swiotlb buffer is full (sz: 40\x0096 bytes)\n\x07\x08\x7f\n';
    const e = explainLog(text);
    expect(e.findings).toBe(1);
    expect(e.problems.map((p) => p.text).join(' ')).toMatch(/4 control character\(s\).*first on line 2/);
    const u = e.items.filter((i): i is Unknown => i.kind === 'unknown');
    expect(u[0]!.text).toContain('\uFFFD');
    expect(u[0]!.resembles).toEqual(['swiotlb.full']);
  });

  it('CRLF line ends, journalctl / dmesg -T / dmesg -x / <level> / caller-id decoration', () => {
    const body = 'nvme 0000:01:00.0: swiotlb buffer is full (sz: 4096 bytes)';
    const decorated = [
      `Dec 06 05:00:00 host kernel: ${body}`,
      `2026-12-06T05:00:00.123456+00:00 host kernel: ${body}`,
      `[Sun Dec  6 05:00:00 2026] ${body}`,
      `kern  :warn  : [   12.345678] ${body}`,
      `<4>[   12.345678] ${body}`,
      `[   12.345678] [  T123] ${body}`,
      `[  +0.000123] ${body}`,
    ];
    const fs = findings(decorated.join('\r\n'));
    expect(fs.map(ids)).toEqual(decorated.map(() => ['swiotlb.full']));
  });

  it('an over-long line is cut and said, a binary blob is read as unknown lines', () => {
    const e = explainLog(`${'x'.repeat(100_000)}\n${String.fromCharCode(...Array.from({ length: 256 }, (_, i) => i))}\n`);
    expect(e.findings).toBe(0);
    expect(e.problems.map((p) => p.text).join(' ')).toMatch(/100000 characters long/);
    expect(e.unknownLines).toBeGreaterThan(0);
  });

  it('50 MB of unrelated text with one splat at the end: found, bounded list, progress reported', () => {
    const junk = ['[    1.234567] usb 1-1: new high-speed USB device number 2 using xhci_hcd', '[   12.000000] EXT4-fs (nvme0n1p2): mounted filesystem with ordered data mode. Quota mode: none.', '[ 1234.567890] IPv6: ADDRCONF(NETDEV_CHANGE): wlan0: link becomes ready', '[ 1234.567891] audit: type=1400 audit(1701840000.000:2): apparmor="DENIED" operation="open" device 0'];
    const parts: string[] = [];
    let size = 0;
    for (let i = 0; size < 50_000_000; i++) {
      const l = junk[i % junk.length]!;
      parts.push(l);
      size += l.length + 1;
    }
    parts.push(read('dma-debug/unmap-size.6.1.log'));
    const text = parts.join('\n');
    let calls = 0;
    let last = 0;
    const t0 = performance.now();
    const e = explainLog(text, { onProgress: (done, total) => {
      calls++;
      expect(done).toBeGreaterThanOrEqual(last);
      expect(total).toBe(text.length);
      last = done;
    } });
    const ms = performance.now() - t0;
    expect(e.findings).toBe(1);
    expect(e.items.filter((i) => i.kind === 'unknown').length).toBeLessThanOrEqual(500);
    expect(e.moreUnknown).toBeGreaterThan(500_000);
    expect(calls).toBeGreaterThan(50);
    expect(last).toBe(text.length);
    // bounded time on a shared machine (a few seconds here)
    expect(ms).toBeLessThan(30_000);
  }, 60_000);
});

describe('the file named is the one the log\'s kernel prints from (fileFor: kernel/dma/ files lived in lib/ before the move)', () => {
  it('a 4.14 splat names lib/dma-debug.c, a 6.15 one kernel/dma/debug.c', () => {
    expect(findings(read('dma-debug/sync-not-allocated.4.14.log'))[0]!.entries[0]).toMatchObject({ fn: 'check_sync', file: 'lib/dma-debug.c' });
    const f = findings(read('stmmac-sync-after-unmap.6.15.log'))[0]!;
    expect(f.kernel).toBe('6.15');
    expect(f.entries[0]).toMatchObject({ fn: 'check_sync', file: 'kernel/dma/debug.c' });
    expect(f.warn!.caller).toMatchObject({ fn: 'stmmac_rx', module: 'stmmac' });
  });

  it('without a version line: the file of the versions that word it so, both when it moved among them', () => {
    const line = 'e1000e 0000:00:19.0: DMA-API: device driver tries to sync DMA memory it has not allocated [device address=0x00000000fffff000] [size=2048 bytes]';
    const old = findings(line)[0]!;
    expect(old.kernel).toBeNull();
    expect(old.entries[0]!.file).toBe('kernel/dma/debug.c (lib/dma-debug.c before 4.18)');
    const now = findings('DMA-API: e1000e 0000:00:19.0: device driver tries to sync DMA memory it has not allocated [device address=0x00000000fffff000] [size=2048 bytes]')[0]!;
    expect(now.entries[0]!.file).toBe('kernel/dma/debug.c');
  });
});

describe('the function named is the one the log\'s kernel prints from (printerFor: the renamed functions of kernel-versions.ts)', () => {
  const boot = (v: string) => `[    0.000000] Linux version ${v}.0 (build@host) (gcc 12.2.0) #1 SMP\n`;
  const overflow = '[    3.501000] xhci_hcd 0000:00:14.0: DMA addr 0x0000000123456000+4096 overflow (mask ffffffff, bus limit 0).\n';
  const entry = (text: string) => findings(text)[0]!.entries[0]!;

  // dma_direct_map_page → dma_direct_map_phys (6.18, e53d29f957b3); include/linux/dma-direct.h (5.9, b41741730059)
  // → kernel/dma/direct.h (5.10, 19c65c3d30bb); the report moved into it from report_addr() in 5.6 (75467ee48a5e)
  it('dma-direct.overflow: dma_direct_map_page on 6.6 and 6.17, dma_direct_map_phys on 6.18, include/linux/dma-direct.h on 5.9', () => {
    expect(entry(boot('6.6') + overflow)).toMatchObject({ id: 'dma-direct.overflow', fn: 'dma_direct_map_page', file: 'kernel/dma/direct.h' });
    expect(entry(boot('6.17') + overflow)).toMatchObject({ fn: 'dma_direct_map_page', file: 'kernel/dma/direct.h' });
    expect(entry(boot('6.18') + overflow)).toMatchObject({ fn: 'dma_direct_map_phys', file: 'kernel/dma/direct.h' });
    expect(entry(boot('5.9') + overflow)).toMatchObject({ fn: 'dma_direct_map_page', file: 'include/linux/dma-direct.h' });
    expect(entry(boot('5.8') + overflow)).toMatchObject({ fn: 'dma_direct_map_page', file: 'kernel/dma/direct.c' });
  });

  it('the older wordings name the function that printed them: report_addr (5.0–5.5), check_addr (before 5.0, lib/dma-direct.c before 4.18)', () => {
    expect(entry(boot('5.4') + '[ 1.0] ath9k 0000:01:00.0: overflow 0x0000000123456000+1500 of DMA mask ffffffff bus mask 0\n')).toMatchObject({ fn: 'report_addr', file: 'kernel/dma/direct.c' });
    expect(entry(boot('4.18') + '[ 1.0] sdhci 0000:02:00.0: dma_direct_map_page: overflow 0x0000000123456000+512 of device mask ffffffff\n')).toMatchObject({ fn: 'check_addr', file: 'kernel/dma/direct.c' });
    expect(entry(boot('4.17') + '[ 1.0] sdhci 0000:02:00.0: dma_direct_map_page: overflow 0x0000000123456000+512 of device mask ffffffff\n')).toMatchObject({ fn: 'check_addr', file: 'lib/dma-direct.c' });
  });

  it('without a version line: the newest name of the versions that word it so, and the oldest\'s when it differs', () => {
    expect(entry(overflow)).toMatchObject({ fn: 'dma_direct_map_phys', file: 'kernel/dma/direct.h (dma_direct_map_page() in kernel/dma/direct.c in 5.6)' });
  });

  // cma_alloc → __cma_alloc (6.12, CMA_GATES.underscoreName): the pr_err's __func__ and the function named agree
  it('cma.alloc-failed: cma_alloc on 6.6, __cma_alloc on 6.15', () => {
    expect(entry(read('cma-alloc-failed.6.6.log'))).toMatchObject({ fn: 'cma_alloc', file: 'mm/cma.c' });
    expect(entry(read('cma-alloc-failed.6.15.log'))).toMatchObject({ fn: '__cma_alloc', file: 'mm/cma.c' });
  });
});

describe('a log flooded with one message', () => {
  // The same SMMU fault, 1,200 times (three lines each): a log a storm fills. Each is one finding.
  const one = '[  402.5] arm-smmu 15000000.iommu: Unhandled context fault: fsr=0x402, iova=0x0000f000, fsynr=0x32, cbfrsynra=0x0, cb=3\n';
  const log = Array.from({ length: 1200 }, (_, i) => one.replace('402.5', `${400 + i}.5`)).join('');

  it('lists the first MAX_FINDINGS and counts the rest by entry, with the first one not listed', () => {
    const e = explainLog(log);
    expect(e.findings).toBe(1200);
    const listed = e.items.filter((i) => i.kind === 'finding');
    expect(listed).toHaveLength(MAX_FINDINGS);
    expect(e.moreFindings).toEqual([{ ids: 'arm-smmu.context-fault', count: 1200 - MAX_FINDINGS, line: MAX_FINDINGS + 1 }]);
    expect(moreCount(e)).toBe(1200 - MAX_FINDINGS);
    // The CLI's text says so (and --all lists every one).
    const text = formatExplanation(e, { source: 'log', color: false, reproducers: () => [] });
    expect(text).toContain(`… and ${(1200 - MAX_FINDINGS).toLocaleString('en-US')} more not listed (--all lists every one):\n  arm-smmu.context-fault ×${(1200 - MAX_FINDINGS).toLocaleString('en-US')} (the first at line ${MAX_FINDINGS + 1})`);
    const all = explainLog(log, { maxFindings: Infinity });
    expect(all.items.filter((i) => i.kind === 'finding')).toHaveLength(1200);
    expect(all.moreFindings).toEqual([]);
  });
});

describe('a finding names the level its versions print it at', () => {
  it('swiotlb with no pool: the panic (before 6.1, 639205ed206f) is emerg, the device warning after it is warn', () => {
    const [panic] = findings("Kernel panic - not syncing: Can not allocate SWIOTLB buffer earlier and can't now provide you with the DMA bounce buffer");
    const [warn] = findings("nvme 0000:01:00.0: Can not allocate SWIOTLB buffer earlier and can't now provide you with the DMA bounce buffer");
    expect(panic!.era.until).toBe(SWIOTLB_GATES.noPoolWarn.from);
    expect(panic!.entries[0]!.level).toBe('emerg');
    expect(warn!.entries[0]!.level).toBe('warn');
  });
});
