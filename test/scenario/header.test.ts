/** Header → MachineConfig, defaults, overrides; and the operation table covers the contract. */
import { describe, expect, it } from 'vitest';
import { defaultConfig, defaultDevice } from '../../src/sim/config.ts';
import { checkOverrides, configFromHeader } from '../../src/scenario/header.ts';
import { signatureText } from '../../src/scenario/ops.ts';
import { OPERATIONS as OPS } from '../../src/sim/operations.ts';
import { ok } from './helpers.ts';

describe('configFromHeader', () => {
  it('an empty header gives the defaults', () => {
    expect(configFromHeader([])).toEqual(defaultConfig());
    expect(ok('').config).toEqual(defaultConfig());
  });

  it('reads every option', () => {
    const s = ok(
      'machine(arch=arm64, kernel="5.10", ram=2G, cache=64K, line=128, ways=8, swiotlb=0, cma=0, imported=true)\n' +
        'iommu(smmu, mode=lazy, pgsize=64K)\n' +
        'device(gpu, dma_mask=40, bus_limit=36, coherent=true, iommu=smmu, mmu=true, bus=pci, untrusted=true, swiotlb=force)\n' +
        'device(nic)\n',
    );
    expect(s.config).toEqual({
      arch: 'arm64', kernel: '5.10', ram: 2 * 1024 ** 3, cache: 64 * 1024, line: 128, ways: 8, swiotlb: 0, cma: 0, imported: true,
      iommus: [{ name: 'smmu', mode: 'lazy', pgsize: 65536 }],
      devices: [
        { name: 'gpu', dmaMask: 40, busLimit: 36, coherent: true, iommu: 'smmu', mmu: true, bus: 'pci', untrusted: true, swiotlb: 'force' },
        defaultDevice('nic'),
      ],
    });
  });

  it('overrides apply after the header', () => {
    const s = ok('machine(arch=x86, kernel="6.1")\n');
    expect(configFromHeader(s.header, { arch: 'arm', kernel: '4.19' })).toMatchObject({ arch: 'arm', kernel: '4.19' });
    expect(configFromHeader(s.header, {})).toMatchObject({ arch: 'x86', kernel: '6.1' });
  });

  it('checkOverrides', () => {
    expect(checkOverrides({ arch: 'x86', kernel: '5.4' })).toBeNull();
    expect(checkOverrides({ arch: 'sparc' })).toContain("unknown arch 'sparc'");
    expect(checkOverrides({ kernel: '4.3' })).toContain('between 4.4 and 6.18');
    expect(checkOverrides({ kernel: 'v6' })).toContain('MAJOR.MINOR');
  });
});

describe('the operation table', () => {
  const CONTRACT = [
    'machine', 'iommu', 'device',
    'kmalloc', 'kfree', 'alloc_pages', '__free_pages', 'vmalloc', 'stack_buffer',
    'cpu_write', 'cpu_read', 'memset', 'cache_evict', 'cpu_prefetch', 'udelay',
    'dma_map_single', 'dma_unmap_single', 'dma_map_page', 'dma_unmap_page',
    'dma_sync_single_for_cpu', 'dma_sync_single_for_device', 'dma_mapping_error',
    'sg_table', 'dma_map_sg', 'dma_unmap_sg', 'dma_sync_sg_for_cpu', 'dma_sync_sg_for_device', 'sg_dma_address', 'sg_dma_len',
    'dma_set_mask', 'dma_set_mask_and_coherent', 'dma_set_max_seg_size', 'device_release_driver',
    'dma_alloc_coherent', 'dma_free_coherent', 'dma_alloc_noncoherent', 'dma_free_noncoherent',
    'dev_read', 'dev_write',
    'iommu_domain_alloc', 'iommu_attach_device', 'iommu_detach_device', 'iommu_map', 'iommu_unmap', 'iommu_flush_iotlb_all',
    'gpu_vm_create', 'gpu_vm_map', 'gpu_vm_unmap', 'gpu_read', 'gpu_write',
    'dma_alloc_from_contiguous', 'dma_release_from_contiguous', 'alloc_movable', 'pin_pages', 'unpin_pages',
    'dma_buf_export', 'dma_buf_attach', 'dma_buf_dynamic_attach', 'dma_buf_detach', 'dma_buf_map_attachment',
    'dma_buf_unmap_attachment', 'dma_buf_pin', 'dma_buf_unpin', 'dma_buf_move', 'dma_resv_lock', 'dma_resv_unlock',
    'dma_buf_begin_cpu_access', 'dma_buf_end_cpu_access',
  ];

  it('has every operation of the contract', () => {
    expect(CONTRACT.filter((op) => !OPS.has(op))).toEqual([]);
  });

  it('only cpu_read, dev_read and gpu_read read bytes', () => {
    expect([...OPS.values()].filter((s) => s.readsBytes).map((s) => s.name).sort()).toEqual(['cpu_read', 'dev_read', 'gpu_read']);
  });

  it('signatures read like the contract', () => {
    expect(signatureText(OPS.get('dma_map_single')!)).toBe('h = dma_map_single(dev, p, size, dir[, attrs])');
    expect(signatureText(OPS.get('dma_alloc_coherent')!)).toBe('cpu, h = dma_alloc_coherent(dev, size[, gfp])');
    expect(signatureText(OPS.get('kmalloc')!)).toBe('p = kmalloc(size, gfp[, at=AT])');
    expect(signatureText(OPS.get('sg_table')!)).toBe('sgt = sg_table(p1, len1, p2, len2, …)');
  });

  it('a scenario using the GPU, IOMMU, CMA and dma-buf operations validates', () => {
    ok(`machine(arch=arm64)
iommu(smmu, mode=strict)
device(gpu, iommu=smmu, mmu=true)
device(cam, coherent=false)
b = kmalloc(8K, GFP_KERNEL)
dom = iommu_domain_alloc(smmu)
iommu_attach_device(dom, gpu) => 0
iommu_map(dom, 0x100000, b, 4096, IOMMU_READ | IOMMU_WRITE) => 0
vm = gpu_vm_create(gpu)
gpu_vm_map(vm, 0x4000, 0x100000, 4096) => 0
gpu_write(vm, 0x4000, "px")
gpu_read(vm, 0x4000, 2) => "px"
gpu_vm_unmap(vm, 0x4000, 4096)
iommu_unmap(dom, 0x100000, 4096) => 4096
iommu_flush_iotlb_all(dom)
iommu_detach_device(dom, gpu)
page = dma_alloc_from_contiguous(cam, 4, 0)
dma_release_from_contiguous(cam, page, 4) => 1
m = alloc_movable(64K)
pin_pages(m, 4096) => 0
unpin_pages(m, 4096)
db = dma_buf_export(gpu, b, 8K, dynamic=false, cache_sgt=true)
at = dma_buf_attach(db, cam)
at2 = dma_buf_dynamic_attach(db, gpu)
sgt = dma_buf_map_attachment(at, DMA_FROM_DEVICE)
sgt2 = dma_buf_map_attachment(at, DMA_TO_DEVICE) => EBUSY
a0 = sg_dma_address(sgt, 0)
dev_read(cam, a0, 4)
sg_dma_len(sgt, 0) => 8192
dma_buf_unmap_attachment(at, sgt, DMA_FROM_DEVICE)
dma_resv_lock(db) => 0
dma_buf_pin(at2) => 0
dma_buf_unpin(at2)
dma_resv_unlock(db)
dma_buf_move(db)
dma_buf_begin_cpu_access(db, DMA_FROM_DEVICE) => 0
dma_buf_end_cpu_access(db, DMA_TO_DEVICE) => 0
dma_buf_detach(db, at)
p = alloc_pages(GFP_DMA32, 2, at=0x8000_0000)
h = dma_map_page(cam, p, 256, 1024, DMA_BIDIRECTIONAL)
dma_sync_single_for_device(cam, h, 1024, DMA_BIDIRECTIONAL)
dma_unmap_page(cam, h, 1024, DMA_BIDIRECTIONAL)
__free_pages(p, 2)
v = vmalloc(16K)
s = stack_buffer(256)
c, d = dma_alloc_noncoherent(cam, 4096, DMA_FROM_DEVICE, GFP_KERNEL)
dma_free_noncoherent(cam, 4096, c, d, DMA_FROM_DEVICE)
dma_set_mask_and_coherent(cam, 32) => 0
dma_set_max_seg_size(cam, 64K) => 0
device_release_driver(cam)
`);
  });
});

describe('device(…, label=)', () => {
  it('carries the kernel’s name for a device (an imported trace sets it), absent by default', () => {
    const s = ok('device(pci_0000_03_00_0, label="0000:03:00.0")\ndevice(nic)\n');
    expect(s.config.devices[0]!.label).toBe('0000:03:00.0');
    expect(s.config.devices[1]!.label).toBeUndefined();
  });
});
