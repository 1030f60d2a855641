/**
 * One dma trace event as data: the fields of its TP_printk (trace-format.ts)
 * decoded into numbers, whatever the era's name for the event.
 */
import { FieldError, arrayValue, decValue, dirValue, field, flagsValue, hexValue, ratioValue, type RawEvent, type TraceDir } from './trace-format.ts';

interface Common {
  dev: string;
  dir: TraceDir;
}

export type DmaEvent =
  /** dma_map_page / dma_map_phys / dma_map_resource. */
  | (Common & { kind: 'map'; event: string; resource: boolean; dma: number; size: number; phys: number; attrs: string[] })
  | (Common & { kind: 'unmap'; event: string; resource: boolean; dma: number; size: number; attrs: string[] })
  /** phys: one per entry passed (nents); dma/sizes: one per DMA segment (ents); capped at 128 when `truncated`. */
  | (Common & { kind: 'map_sg'; phys: number[]; dma: number[]; sizes: number[]; nents: number; ents: number; truncated: boolean; attrs: string[] })
  | (Common & { kind: 'map_sg_err'; phys: number[]; err: number; attrs: string[] })
  /** phys: one per entry passed to dma_unmap_sg (its nents). */
  | (Common & { kind: 'unmap_sg'; phys: number[]; attrs: string[] })
  | (Common & { kind: 'sync'; forCpu: boolean; dma: number; size: number })
  | (Common & { kind: 'sync_sg'; forCpu: boolean; dma: number[]; sizes: number[] })
  /** dma_alloc (coherent), dma_alloc_pages, dma_alloc_sgt_err; `dir` is BIDIRECTIONAL when the era does not print it. */
  | (Common & { kind: 'alloc'; api: 'coherent' | 'pages' | 'sgt'; dma: number; size: number; virt: string | null; flags: string[]; attrs: string[] })
  | (Common & { kind: 'free'; api: 'coherent' | 'pages'; dma: number; size: number; virt: string | null; attrs: string[] })
  | (Common & { kind: 'alloc_sgt'; dma: number; size: number; phys: number[]; flags: string[]; attrs: string[] })
  | (Common & { kind: 'free_sgt'; dma: number; size: number; phys: number[] });

export type DecodeResult = { ok: true; event: DmaEvent } | { ok: false; message: string };

/** `%p` as printed: a hashed or raw pointer; NULL prints as zeros (kernel) or (nil) (trace-cmd). */
function pointer(text: string | undefined): string | null {
  const t = (text ?? '').trim();
  if (t === '' || t === '(nil)' || /^(0x)?0+$/.test(t)) return null;
  return t.replace(/^0x/, '').replace(/^0+(?=.)/, '');
}

export function decodeEvent(raw: RawEvent): DecodeResult {
  try {
    return { ok: true, event: decode(raw) };
  } catch (e) {
    if (e instanceof FieldError) return { ok: false, message: `${raw.format.event}: ${e.message}` };
    throw e;
  }
}

function decode(raw: RawEvent): DmaEvent {
  const dev = raw.device;
  const d = field(raw, 'dir');
  const dir = d === undefined ? 'BIDIRECTIONAL' : dirValue(d);
  const name = raw.format.event;
  switch (raw.format.kind) {
    case 'map': {
      const attrs = flagsValue(field(raw, 'attrs') ?? '');
      return { kind: 'map', event: name, dev, dir, resource: name === 'dma_map_resource' || attrs.includes('MMIO'), dma: hexValue('dma_addr', field(raw, 'dma_addr')!), size: decValue('size', field(raw, 'size')!), phys: hexValue('phys_addr', field(raw, 'phys_addr')!), attrs };
    }
    case 'unmap': {
      const attrs = flagsValue(field(raw, 'attrs') ?? '');
      return { kind: 'unmap', event: name, dev, dir, resource: name === 'dma_unmap_resource' || attrs.includes('MMIO'), dma: hexValue('dma_addr', field(raw, 'dma_addr')!), size: decValue('size', field(raw, 'size')!), attrs };
    }
    case 'map_sg': {
      const phys = arrayValue('phys_addrs', field(raw, 'phys_addrs')!);
      const dma = arrayValue('dma_addrs', field(raw, 'dma_addrs')!);
      const sizes = arrayValue('sizes', field(raw, 'sizes')!);
      const nt = field(raw, 'nents');
      const et = field(raw, 'ents');
      const n = nt !== undefined ? ratioValue('nents', nt) : null;
      const e = et !== undefined ? ratioValue('ents', et) : null;
      if (dma.length !== sizes.length) throw new FieldError(`dma_addrs has ${dma.length} entries but sizes ${sizes.length}`);
      return {
        kind: 'map_sg',
        dev,
        dir,
        phys,
        dma,
        sizes,
        nents: n ? n.full : phys.length,
        ents: e ? e.full : dma.length,
        truncated: !!e?.truncated || !!n?.truncated || (n !== null && n.full > n.shown) || (e !== null && e.full > e.shown),
        attrs: flagsValue(field(raw, 'attrs') ?? ''),
      };
    }
    case 'map_sg_err':
      // the kernel prints the physical addresses under the name dma_addrs
      return { kind: 'map_sg_err', dev, dir, phys: arrayValue('dma_addrs', field(raw, 'dma_addrs')!), err: decValue('err', field(raw, 'err')!), attrs: flagsValue(field(raw, 'attrs') ?? '') };
    case 'unmap_sg':
      return { kind: 'unmap_sg', dev, dir, phys: arrayValue('phys_addrs', field(raw, 'phys_addrs')!), attrs: flagsValue(field(raw, 'attrs') ?? '') };
    case 'sync':
      return { kind: 'sync', dev, dir, forCpu: name.endsWith('_for_cpu'), dma: hexValue('dma_addr', field(raw, 'dma_addr')!), size: decValue('size', field(raw, 'size')!) };
    case 'sync_sg': {
      const dma = arrayValue('dma_addrs', field(raw, 'dma_addrs')!);
      const sizes = arrayValue('sizes', field(raw, 'sizes')!);
      if (dma.length !== sizes.length) throw new FieldError(`dma_addrs has ${dma.length} entries but sizes ${sizes.length}`);
      return { kind: 'sync_sg', dev, dir, forCpu: name.endsWith('_for_cpu'), dma, sizes };
    }
    case 'alloc': {
      // 6.12-rc1..rc3 printed phys_addr instead of virt_addr: as an identity it serves the same purpose
      const virt = field(raw, 'virt_addr') !== undefined ? pointer(field(raw, 'virt_addr')) : field(raw, 'phys_addr') !== undefined ? pointer(field(raw, 'phys_addr')) : null;
      const api = name === 'dma_alloc' ? 'coherent' : name === 'dma_alloc_pages' ? 'pages' : 'sgt';
      return { kind: 'alloc', api, dev, dir, dma: hexValue('dma_addr', field(raw, 'dma_addr')!), size: decValue('size', field(raw, 'size')!), virt, flags: flagsValue(field(raw, 'flags') ?? ''), attrs: flagsValue(field(raw, 'attrs') ?? '') };
    }
    case 'free': {
      const virt = field(raw, 'virt_addr') !== undefined ? pointer(field(raw, 'virt_addr')) : field(raw, 'phys_addr') !== undefined ? pointer(field(raw, 'phys_addr')) : null;
      return { kind: 'free', api: name === 'dma_free' ? 'coherent' : 'pages', dev, dir, dma: hexValue('dma_addr', field(raw, 'dma_addr')!), size: decValue('size', field(raw, 'size')!), virt, attrs: flagsValue(field(raw, 'attrs') ?? '') };
    }
    case 'alloc_sgt':
      return { kind: 'alloc_sgt', dev, dir, dma: hexValue('dma_addr', field(raw, 'dma_addr')!), size: decValue('size', field(raw, 'size')!), phys: arrayValue('phys_addrs', field(raw, 'phys_addrs')!), flags: flagsValue(field(raw, 'flags') ?? ''), attrs: flagsValue(field(raw, 'attrs') ?? '') };
    case 'free_sgt':
      return { kind: 'free_sgt', dev, dir, dma: hexValue('dma_addr', field(raw, 'dma_addr')!), size: decValue('size', field(raw, 'size')!), phys: arrayValue('phys_addrs', field(raw, 'phys_addrs')!) };
  }
}
