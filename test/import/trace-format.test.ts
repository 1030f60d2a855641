/**
 * Reading one line of a kernel trace: the line prefix of trace, trace_pipe and
 * trace-cmd report, and each dma event's TP_printk in every era of
 * include/trace/events/dma.h (the commits are in src/import/trace-format.ts).
 */
import { describe, expect, it } from 'vitest';
import { ERAS, FORMATS, MAPPING_ERROR, arrayValue, hexValue, parseEventLine, parseFields } from '../../src/import/trace-format.ts';
import { decodeEvent } from '../../src/import/trace-events.ts';

function event(line: string) {
  const el = parseEventLine(line);
  if (!el) throw new Error(`not an event line: ${line}`);
  const f = parseFields(el.event, el.payload);
  if (!f.ok) throw new Error(f.message);
  const d = decodeEvent(f.event);
  if (!d.ok) throw new Error(d.message);
  return { line: el, format: f.event.format, ev: d.event };
}

describe('the format table', () => {
  it('every format reads its keys from its own TP_printk, and every era has a map, unmap, sync and sg format', () => {
    for (const f of FORMATS) {
      expect(f.printk.startsWith('%s ')).toBe(true);
      expect(f.keys.length).toBe((f.printk.match(/ [a-z_]+=/g) ?? []).length);
    }
    for (const era of ERAS) {
      for (const kind of ['map', 'unmap', 'sync', 'map_sg', 'unmap_sg', 'sync_sg', 'alloc', 'free'] as const) {
        expect(FORMATS.some((f) => f.kind === kind && f.eras.includes(era.id)), `${era.id} ${kind}`).toBe(true);
      }
    }
  });

  it('dma_map_page and dma_map_resource exist up to 6.17, dma_map_phys from 6.18 (the phys conversion)', () => {
    const eras = (name: string) => FORMATS.filter((f) => f.event === name).flatMap((f) => f.eras);
    expect(eras('dma_map_page')).toEqual(['6.12-rc', '6.12', '6.13']);
    expect(eras('dma_map_resource')).toEqual(['6.12-rc', '6.12', '6.13']);
    expect(eras('dma_map_phys')).toEqual(['6.18']);
    // dma_alloc_pages, dma_alloc_sgt and dma_map_sg_err arrive in 6.13 (c4484ab86ee0, 68b6dbf1f441)
    for (const name of ['dma_alloc_pages', 'dma_free_pages', 'dma_alloc_sgt', 'dma_free_sgt', 'dma_map_sg_err', 'dma_alloc_sgt_err']) {
      expect(eras(name)).toEqual(['6.13', '6.18']);
    }
  });
});

describe('the line prefix', () => {
  it('trace / trace_pipe: comm-pid, [cpu], the irqs-off… flags, timestamp', () => {
    const l = parseEventLine('     kworker/0:2-118     [000] d.h1.   402.117233: dma_alloc: 0000:01:00.0 dir=BIDIRECTIONAL dma_addr=ff7f0000 size=65536 virt_addr=00000000b3c4a1f2 flags=GFP_KERNEL attrs=');
    expect(l).toMatchObject({ task: 'kworker/0:2-118', cpu: 0, time: '402.117233', event: 'dma_alloc' });
    expect(l!.payload.startsWith('0000:01:00.0 dir=')).toBe(true);
  });

  it('with the tgid column (options/record-tgid), a comm with dashes, and the older 4-character flags', () => {
    expect(parseEventLine('  irq/58-ehci_hcd-301   (  301) [002] d..1 55.102334: dma_sync_sg_for_cpu: x dir=TO_DEVICE dma_addrs={} sizes={}')).toMatchObject({
      task: 'irq/58-ehci_hcd-301',
      cpu: 2,
      event: 'dma_sync_sg_for_cpu',
    });
  });

  it('trace-cmd report: no flags column, the event name padded', () => {
    const l = parseEventLine('            Xorg-1201  [000]    88.413465: dma_map_sg:          0000:02:00.0 dir=TO_DEVICE dma_addrs=4294836224 sizes=16384 phys_addrs=2348429312 attrs=');
    expect(l).toMatchObject({ task: 'Xorg-1201', cpu: 0, time: '88.413465', event: 'dma_map_sg' });
    expect(l!.payload.startsWith('0000:02:00.0 ')).toBe(true);
  });

  it('is not fooled by scenario text or prose', () => {
    expect(parseEventLine('h15 = dma_map_page(pci_0000_01_00_0, mem, 0, 4096, DMA_TO_DEVICE)   # trace line 15 · 402.250114 fio-2291')).toBeNull();
    expect(parseEventLine('[   12.345678] Unable to handle kernel NULL pointer dereference at virtual address 0000000000000008')).toBeNull();
  });
});

describe('each era, each event', () => {
  it('6.12-rc1..rc3: dma_alloc prints phys_addr= (038eb433dc14)', () => {
    const { format, ev } = event('kworker/0:3-219 [000] ..... 55.1023: dma_alloc: fe380000.usb dma_addr=8b1f0000 size=4096 phys_addr=8b1f0000 flags=GFP_KERNEL attrs=');
    expect(format.eras).toEqual(['6.12-rc']);
    expect(ev).toMatchObject({ kind: 'alloc', api: 'coherent', dma: 0x8b1f0000, size: 4096, dir: 'BIDIRECTIONAL' });
  });

  it('6.12 (from -rc4, 78b2770c935f): virt_addr=%p, still no dir=', () => {
    const { format, ev } = event('kworker/u8:3-214 [001] 88.412003: dma_alloc:           0000:02:00.0 dma_addr=fffff000 size=4096 virt_addr=0xffff000081f3a000 flags=GFP_KERNEL attrs=');
    expect(format.eras).toEqual(['6.12']);
    expect(ev).toMatchObject({ kind: 'alloc', virt: 'ffff000081f3a000', dma: 0xfffff000 });
  });

  it('6.13 (3afff779a725): dma_alloc and dma_free with dir=; NULL prints as zeros (kernel) or (nil) (trace-cmd)', () => {
    expect(event('k-1 [000] ..... 1.0: dma_alloc: d dir=BIDIRECTIONAL dma_addr=0 size=4096 virt_addr=0000000000000000 flags=GFP_KERNEL attrs=').ev).toMatchObject({ virt: null });
    expect(event('k-1 [000] 1.0: dma_free: d dir=BIDIRECTIONAL dma_addr=0 size=4096 virt_addr=(nil) attrs=').ev).toMatchObject({ kind: 'free', virt: null });
    expect(event('k-1 [000] ..... 1.0: dma_alloc_pages: d dir=FROM_DEVICE dma_addr=8b100000 size=8192 virt_addr=00000000c0ffe3a1 flags=GFP_KERNEL attrs=').ev).toMatchObject({
      kind: 'alloc',
      api: 'pages',
      dir: 'FROM_DEVICE',
    });
  });

  it('dma_map_page and dma_map_phys: a failed map is traced with DMA_MAPPING_ERROR', () => {
    const { ev } = event('u-1877 [005] ..... 1.0: dma_map_phys: fe900000.usb dir=FROM_DEVICE dma_addr=ffffffffffffffff size=524288 phys_addr=88c300000 attrs=');
    expect(ev).toMatchObject({ kind: 'map', dma: MAPPING_ERROR, phys: 0x88c300000, size: 524288, resource: false });
  });

  it('a 6.18 dma_map_phys with attrs=MMIO is a resource mapping', () => {
    expect(event('k-1 [001] ..... 1.0: dma_map_phys: fe330000.dma-controller dir=BIDIRECTIONAL dma_addr=fe900040 size=4 phys_addr=fe900040 attrs=MMIO').ev).toMatchObject({
      kind: 'map',
      resource: true,
      attrs: ['MMIO'],
    });
  });

  it('dma_map_sg: kernel arrays {0x…,0x…}, libtraceevent decimals; segments vs entries', () => {
    const k = event('fio-2291 [002] ..... 1.0: dma_map_sg: d dir=FROM_DEVICE dma_addrs={0x8c3f0000,0x8c3f1000} sizes={0x1000,0x800} phys_addrs={0x8c3f0000,0x8c3f1000} attrs=SKIP_CPU_SYNC').ev;
    expect(k).toMatchObject({ kind: 'map_sg', dma: [0x8c3f0000, 0x8c3f1000], sizes: [4096, 2048], nents: 2, ents: 2, truncated: false, attrs: ['SKIP_CPU_SYNC'] });
    const t = event('Xorg-1201 [000] 88.4: dma_map_sg: d dir=TO_DEVICE dma_addrs=4294836224 sizes=16384 phys_addrs=2348429312 2348433408 attrs=').ev;
    expect(t).toMatchObject({ dma: [0xfffe0000], sizes: [16384], phys: [0x8bfa3000, 0x8bfa4000], nents: 2, ents: 1 });
  });

  it('the capped dma_map_sg (daafcc0ef0b3): nents=/ents= with [TRUNCATED]', () => {
    const { format, ev } = event('fio-2718 [006] ..... 1.0: dma_map_sg: d dir=FROM_DEVICE nents=128/200 ents=128/200 [TRUNCATED] dma_addrs={0x1000} sizes={0x1000} phys_addrs={0x1000} attrs=');
    expect(format.keys).toContain('nents');
    expect(ev).toMatchObject({ nents: 200, ents: 200, truncated: true });
  });

  it('dma_map_sg_err prints the physical addresses under dma_addrs= (68b6dbf1f441)', () => {
    expect(event('k-1 [000] ..... 1.0: dma_map_sg_err: d dir=TO_DEVICE dma_addrs={0x91a30000} err=-121 attrs=').ev).toMatchObject({ kind: 'map_sg_err', phys: [0x91a30000], err: -121 });
  });

  it('an IOMMU marks the segments it did not use DMA_MAPPING_ERROR: trace-cmd prints them as 2^64-1', () => {
    expect(arrayValue('dma_addrs', '4294836224 18446744073709551615')).toEqual([0xfffe0000, MAPPING_ERROR]);
    expect(arrayValue('dma_addrs', '{0xfffe0000,0xffffffffffffffff}')).toEqual([0xfffe0000, MAPPING_ERROR]);
  });
});

describe('bad fields say what is wrong', () => {
  it('a line cut short names the field that is missing', () => {
    const el = parseEventLine('fio-2291 [002] ..... 402.0: dma_map_page: 0000:01:00.0 dir=TO_DEVICE dma_addr=8c1a')!;
    const f = parseFields(el.event, el.payload);
    expect(f).toMatchObject({ ok: false, message: expect.stringContaining('no size= where expected') });
  });

  it('a garbled address', () => {
    expect(() => hexValue('dma_addr', '8c1z5000')).toThrow("garbled dma_addr '8c1z5000'");
    const el = parseEventLine('fio-2291 [002] ..... 402.0: dma_map_page: d dir=TO_DEVICE dma_addr=8c1z5000 size=4096 phys_addr=8c1a5000 attrs=')!;
    const f = parseFields(el.event, el.payload);
    expect(f.ok).toBe(true);
    expect(decodeEvent((f as { ok: true; event: never }).event)).toMatchObject({ ok: false, message: expect.stringContaining('garbled dma_addr') });
  });

  it('an array cut short, a direction that is not one', () => {
    expect(() => arrayValue('phys_addrs', '{0x8c3f0000,0x8c3f')).toThrow('cut short');
    const el = parseEventLine('k-1 [000] ..... 1.0: dma_sync_single_for_cpu: d dir=SIDEWAYS dma_addr=1000 size=64')!;
    const f = parseFields(el.event, el.payload) as { ok: true; event: never };
    expect(decodeEvent(f.event)).toMatchObject({ ok: false, message: expect.stringContaining("garbled dir 'SIDEWAYS'") });
  });

  it('addresses beyond 2^53 are refused, not rounded', () => {
    expect(() => hexValue('phys_addr', 'fffffffffffff000')).toThrow('beyond what the explorer models');
  });
});
