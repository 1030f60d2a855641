/** Validator: operations, arity, kinds, names, constants, header rules and check kinds. */
import { describe, expect, it } from 'vitest';
import { signatureText } from '../../src/scenario/ops.ts';
import { OPERATIONS as OPS } from '../../src/sim/operations.ts';
import { HEAD, errors, expectError, ok } from './helpers.ts';

const pre = `${HEAD}buf = kmalloc(4096, GFP_KERNEL)\n`;

describe('operations and arity', () => {
  it('unknown operation, with a suggestion', () => {
    expectError(`${pre}h = dma_map_singel(nic, buf, 4096, DMA_TO_DEVICE)\n`, 3, 5, "unknown operation 'dma_map_singel' (did you mean dma_map_single?)");
    expectError(`${pre}frobnicate()\n`, 3, 1, "unknown operation 'frobnicate'");
  });

  it('too few arguments: reported at the closing parenthesis', () => {
    expectError(`${pre}h = dma_map_single(nic, buf, 4096)\n`, 3, 34, 'dma_map_single takes 4 or 5 arguments, got 3');
  });

  it('too many arguments: reported at the first extra one', () => {
    expectError(`${pre}kfree(buf, buf)\n`, 3, 12, 'kfree takes 1 argument, got 2');
    expectError(`machine(arm64)\n`, 1, 9, 'machine takes no positional arguments, got 1');
  });

  it('sg_table takes pairs', () => {
    expectError(`${pre}s = sg_table(buf, 64, buf)\n`, 3, 26, 'sg_table takes one or more (p, len) pairs, got 3 arguments');
    expectError(`${pre}s = sg_table()\n`, 3, 14, 'sg_table takes one or more (p, len) pairs, got 0');
    ok(`${pre}s = sg_table(buf, 64, buf + 128, 64)\nn = dma_map_sg(nic, s, DMA_TO_DEVICE) => 2\n`);
  });

  it('every operation of the table accepts the signature it documents', () => {
    for (const sig of OPS.values()) expect(signatureText(sig)).toContain(`${sig.name}(`);
  });
});

describe('names', () => {
  it('used before assignment', () => {
    expectError(`${pre}dma_map_single(nic, buf2, 4096, DMA_TO_DEVICE)\n`, 3, 21, "'buf2' is not defined (assign it first: buf2 = kmalloc(...)");
    expectError(`${HEAD}kfree(p)\np = kmalloc(4, GFP_KERNEL)\n`, 2, 7, "'p' is not defined");
    expectError(`${pre}dma_unmap_single(nic, hh, 4096, DMA_TO_DEVICE)\n`, 3, 23, 'assign it first: hh = dma_map_single(...)');
  });

  it('a name may be re-assigned, and takes the new type', () => {
    ok(`${pre}buf = kmalloc(64, GFP_KERNEL)\nbuf = dma_map_single(nic, buf, 64, DMA_TO_DEVICE)\ndev_read(nic, buf, 4)\n`);
    expectError(`${pre}buf = dma_map_single(nic, buf, 64, DMA_TO_DEVICE)\ncpu_read(buf, 4)\n`, 4, 10, "'buf' is a DMA handle, but argument 1 (p) of cpu_read must be a buffer pointer");
  });

  it('wrong kind of value', () => {
    expectError(`${pre}dev_read(nic, buf, 4)\n`, 3, 15, "'buf' is a buffer, but argument 2 (addr) of dev_read must be a DMA address");
    expectError(`${pre}kfree(nic)\n`, 3, 7, "'nic' is a device, but argument 1 (p) of kfree must be a buffer name");
    expectError(`${pre}kfree(GFP_KERNEL)\n`, 3, 7, "'GFP_KERNEL' is a constant");
    expectError(`${pre}kfree(buf + 4)\n`, 3, 7, 'must be the buffer itself (buf), not an offset');
    expectError(`${pre}kfree(4096)\n`, 3, 7, 'argument 1 (p) of kfree must be a buffer name, got 4096');
    expectError(`${pre}cpu_write(buf, 5)\n`, 3, 16, 'must be bytes');
  });

  it('DMA handles may be names, offsets or integers', () => {
    ok(`${pre}h = dma_map_single(nic, buf, 64, DMA_TO_DEVICE)\ndev_read(nic, h + 4, 4)\ndev_read(nic, 0x1000, 4)\n`);
  });

  it('cannot assign to constants, devices, or twice in one statement', () => {
    expectError(`${pre}GFP_DMA = kmalloc(4, GFP_KERNEL)\n`, 3, 1, "'GFP_DMA' is a constant and cannot be assigned");
    expectError(`${pre}nic = kmalloc(4, GFP_KERNEL)\n`, 3, 1, "'nic' is a device (line 1); choose another name");
    expectError(`${pre}a, a = dma_alloc_coherent(nic, 4096)\n`, 3, 4, "'a' is assigned twice");
  });

  it('target count', () => {
    expectError(`${pre}c = dma_alloc_coherent(nic, 4096)\n`, 3, 1, 'dma_alloc_coherent gives 2 results: write cpu, h = dma_alloc_coherent(…)');
    expectError(`${pre}x = kfree(buf)\n`, 3, 1, 'kfree returns nothing to assign');
    ok(`${pre}cpu, h = dma_alloc_coherent(nic, 4096)\ndma_free_coherent(nic, 4096, cpu, h)\ndma_alloc_coherent(nic, 4096) => NULL\n`);
  });
});

describe('constants and values', () => {
  it('unknown constants, with suggestions', () => {
    expectError(`${pre}p = kmalloc(4096, GFP_KERNAL)\n`, 3, 19, "unknown GFP flag 'GFP_KERNAL' (did you mean GFP_KERNEL?");
    expectError(`${pre}dma_map_single(nic, buf, 4, DMA_TO_DEVIC)\n`, 3, 29, "unknown DMA direction 'DMA_TO_DEVIC' (did you mean DMA_TO_DEVICE?");
    expectError(`${pre}dma_map_single(nic, buf, 4, GFP_KERNEL)\n`, 3, 29, "'GFP_KERNEL' is not a DMA direction");
    expectError(`${pre}dma_map_single(nic, buf, 4, DMA_TO_DEVICE | DMA_FROM_DEVICE)\n`, 3, 29, 'one DMA direction, not flags');
    expectError(`${pre}dma_map_single(nic, buf, 4, DMA_TO_DEVICE, DMA_ATTR_SKIP_CPU_SYNC | GFP_KERNEL)\n`, 3, 69, "'GFP_KERNEL' is not a DMA attribute");
  });

  it('all listed constants are accepted where they belong', () => {
    ok(
      `${pre}p = kmalloc(64, GFP_KERNEL | GFP_DMA32 | GFP_DMA | GFP_ATOMIC | GFP_NOWAIT | __GFP_NOWARN | __GFP_ZERO)\n` +
        `h = dma_map_single(nic, buf, 64, DMA_BIDIRECTIONAL, DMA_ATTR_SKIP_CPU_SYNC | DMA_ATTR_WEAK_ORDERING | DMA_ATTR_WRITE_COMBINE | DMA_ATTR_NO_WARN | DMA_ATTR_PRIVILEGED | DMA_ATTR_NO_KERNEL_MAPPING | DMA_ATTR_FORCE_CONTIGUOUS)\n` +
        `dma_unmap_single(nic, h, 64, DMA_BIDIRECTIONAL, 0)\n` +
        `h = dma_map_single(nic, buf, 64, DMA_FROM_DEVICE)\nh = dma_map_single(nic, buf, 64, DMA_NONE)\n`,
    );
    ok(`iommu(smmu)\ndevice(gpu, iommu=smmu)\nb = kmalloc(4096, GFP_KERNEL)\nd = iommu_domain_alloc(smmu)\niommu_map(d, 0x10000, b, 4096, IOMMU_READ | IOMMU_WRITE | IOMMU_CACHE | IOMMU_NOEXEC | IOMMU_PRIV | IOMMU_MMIO) => 0\n`);
  });

  it('only 0 stands for no flags', () => {
    expectError(`${pre}dma_map_single(nic, buf, 4, DMA_TO_DEVICE, 1)\n`, 3, 44, 'the only number allowed is 0');
  });

  it('sizes must be positive', () => {
    expectError(`${pre}p = kmalloc(0, GFP_KERNEL)\n`, 3, 13, 'size must be positive');
    expectError(`${pre}cpu_read(buf, 0)\n`, 3, 15, 'len must be positive');
  });

  it('bytes and bits ranges', () => {
    expectError(`${pre}memset(buf, 256, 4)\n`, 3, 13, 'byte must be a byte value 0..255');
    expectError(`${pre}dma_set_mask(nic, 65)\n`, 3, 19, 'bits must be between 1 and 64');
    expectError(`${pre}dma_set_mask(nic, 0)\n`, 3, 19, 'bits must be between 1 and 64');
  });
});

describe('header', () => {
  it('header statements only before the first operation', () => {
    expectError(`${HEAD}p = kmalloc(4, GFP_KERNEL)\ndevice(gpu)\n`, 3, 1, "header statement 'device' must come before the first operation (line 2)");
  });

  it('unknown keys', () => {
    expectError(`device(nic, dma_mak=32)\n`, 1, 13, "unknown key 'dma_mak' for device (expected dma_mask, coherent", 'did you mean dma_mask?');
    expectError(`${pre}kfree(buf, at=0)\n`, 3, 12, 'kfree takes no key=value options');
  });

  it('machine values', () => {
    ok(`machine(arch=arm64, kernel="6.18", ram=8G, cache=32K, line=64, ways=4, swiotlb=4M, cma=16M)\n`);
    for (const arch of ['arm64', 'arm', 'x86', 'riscv']) expect(ok(`machine(arch=${arch})\n`).config.arch).toBe(arch);
    expectError(`machine(arch=mips)\n`, 1, 14, 'arch must be one of arm64, arm, x86, riscv');
    expectError(`machine(arch=arm46)\n`, 1, 14, 'did you mean arm64?');
    expectError(`machine(kernel="3.10")\n`, 1, 16, 'kernel must be between "4.4" and "6.18"');
    expectError(`machine(kernel="6.19")\n`, 1, 16, 'kernel must be between "4.4" and "6.18"');
    expectError(`machine(kernel="six")\n`, 1, 16, 'MAJOR.MINOR');
    expectError(`machine(kernel=6)\n`, 1, 16, 'version string');
    ok(`machine(kernel="4.4")\n`);
    ok(`machine(kernel="5.19")\n`);
    expectError(`machine(ram=0)\n`, 1, 13, 'ram must be positive');
    expectError(`machine(line=48)\n`, 1, 14, 'line must be a power of two');
    expectError(`machine(cache=3000)\n`, 1, 15, 'cache must be line × ways');
    expectError(`machine(ram=1M)\n`, 1, 13, 'ram must be a multiple of 4K between 16M and 1024G');
    expectError(`machine(ram=64M, cma=64M)\n`, 1, 22, 'cannot hold the kernel image (the first 32M), cma=64M and swiotlb=4M below 4 GiB');
    // the same rule the engine builds the machine by (layout.ts layoutProblem): the kernel image takes the first
    // 32 MiB, so 32M with a 4M pool is refused at the declaration, naming the smallest RAM that fits
    expectError(`machine(arch=arm64, ram=32M, swiotlb=4M, cma=0)\n`, 1, 38, 'use ram=37M or more');
    ok(`machine(arch=arm64, ram=37M, swiotlb=4M, cma=0)\n`);
    // arm64 from 5.11 reserves CMA and the pool below arm64_dma_phys_limit, the top of ZONE_DMA, which the lowest
    // dma-ranges (bus_limit) sets: a 24-bit one leaves 16 MiB, inside the kernel image; refused at the bus_limit
    expectError(`machine(arch=arm64, ram=8G)\ndevice(pcie, dma_mask=64, bus_limit=24)\n`, 2, 37, "below arm64_dma_phys_limit, 16M (ZONE_DMA from the lowest dma-ranges limit, pcie's bus_limit=24)");
    ok(`machine(arch=arm64, ram=8G)\ndevice(pcie, dma_mask=64, bus_limit=30)\n`);
    ok(`machine(arch=arm64, kernel="5.10", ram=8G)\ndevice(pcie, dma_mask=64, bus_limit=24)\n`);
    ok(`machine(arch=x86, ram=8G)\ndevice(pcie, dma_mask=64, bus_limit=24)\n`);
    // iommu_off=true (x86's iommu=off): x86, before 5.0, with swiotlb=0 and no iommu(…) (kernel-versions.ts iommuOffRefusal)
    ok(`machine(arch=x86, kernel="4.14", swiotlb=0, iommu_off=true)\n`);
    ok(`machine(arch=x86, swiotlb=0, iommu_off=true)\n`); // no kernel=: "Run as" decides, createMachine checks
    expectError(`machine(arch=arm64, kernel="4.14", swiotlb=0, iommu_off=true)\n`, 1, 57, "x86's boot option iommu=off");
    expectError(`machine(arch=x86, kernel="5.0", swiotlb=0, iommu_off=true)\n`, 1, 54, 'modelled before 5.0 only');
    expectError(`machine(arch=x86, kernel="4.14", iommu_off=true)\n`, 1, 44, 'write swiotlb=0 with it');
    ok(`machine(swiotlb=0, cma=0)\n`);
  });

  it('iommu and device values', () => {
    ok(`iommu(smmu, mode=lazy, pgsize=16K)\ndevice(gpu, dma_mask=40, bus_limit=32, coherent=true, iommu=smmu, mmu=true, bus=pci, untrusted=true, swiotlb=force)\n`);
    expectError(`iommu(smmu, mode=loose)\n`, 1, 18, 'mode must be one of strict, lazy, passthrough');
    expectError(`iommu(smmu, pgsize=8K)\n`, 1, 20, 'pgsize must be 4K, 16K or 64K');
    expectError(`device(nic, dma_mask=0)\n`, 1, 22, 'dma_mask must be between 1 and 64');
    expectError(`device(nic, dma_mask=65)\n`, 1, 22, 'dma_mask must be between 1 and 64');
    expectError(`device(nic, bus_limit=65)\n`, 1, 23, 'bus_limit must be between 0 and 64');
    expectError(`device(nic, coherent=yes)\n`, 1, 22, 'must be true or false');
    expectError(`device(nic, bus=isa)\n`, 1, 17, 'bus must be one of platform, pci');
  });

  it("a device's iommu= must name a declared iommu", () => {
    expectError(`device(gpu, iommu=smmu)\n`, 1, 19, "'smmu' is not a declared iommu", 'iommu(smmu)');
    expectError(`iommu(smmu)\ndevice(gpu, iommu=smmu2)\n`, 2, 19, 'did you mean smmu?');
    expectError(`device(nic)\ndevice(gpu, iommu=nic)\n`, 2, 19, "'nic' is a device, but iommu= of device must be an iommu name");
  });

  it('duplicate declarations', () => {
    expectError(`device(nic)\ndevice(nic)\n`, 2, 8, "device 'nic' is declared twice (first on line 1)");
    expectError(`iommu(x)\ndevice(x)\n`, 2, 8, "'x' is already declared as an iommu");
    expectError(`machine()\nmachine()\n`, 2, 1, 'machine(…) is given twice');
    expectError(`device(GFP_KERNEL)\n`, 1, 8, 'must be a new name');
  });

  it('header statements take neither targets nor checks', () => {
    expectError(`d = device(nic)\n`, 1, 1, 'cannot be assigned');
    expectError(`device(nic) => ok\n`, 1, 16, 'header statements take no checks');
  });

  it('unknown devices', () => {
    expectError(`${pre}h = dma_map_single(gpu, buf, 4096, DMA_TO_DEVICE)\n`, 3, 20, "'gpu' is not a declared device", 'device(gpu)');
    expectError(`${pre}h = dma_map_single(nix, buf, 4096, DMA_TO_DEVICE)\n`, 3, 20, 'did you mean nic?');
  });
});

describe('checks must fit the operation', () => {
  it('bytes only where the op reads bytes', () => {
    expectError(`${HEAD}p = kmalloc(4096, GFP_KERNEL) => "text"\n`, 2, 34, '=> "text" checks bytes, but kmalloc reads no bytes');
    ok(`${pre}cpu_read(buf, 2) => "\\0\\0" => x"0000" => fill(0, 2)\n`);
  });

  it('ints only where the op yields an integer', () => {
    expectError(`${pre}kfree(buf) => 0\n`, 3, 15, '=> 0 checks an integer result, but kfree gives no integer result');
    expectError(`${pre}cpu_read(buf, 4) => 0\n`, 3, 21, 'cpu_read gives bytes');
    ok(`${pre}h = dma_map_single(nic, buf, 4, DMA_TO_DEVICE) => 0xfffff000\ndma_mapping_error(nic, h) => 0\n`);
  });

  it('errors, warnings and ok fit any operation', () => {
    ok(`${pre}kfree(buf) => warning "double free" => EINVAL\nudelay(10) => ok\n`);
  });

  it('contradictory checks', () => {
    expectError(`${pre}kfree(buf) => ok => EINVAL\n`, 3, 21, '=> EINVAL contradicts => ok');
    expectError(`${pre}kfree(buf) => EBUSY => EINVAL\n`, 3, 24, 'contradicts => EBUSY');
  });
});

describe('error recovery', () => {
  it('reports several errors in one pass', () => {
    const errs = errors(`device(nic, dma_mak=32)\nbuf = kmalloc(0, GFP_KERNEL)\nkfree(bfu)\n`);
    expect(errs.map((e) => e.line)).toEqual([1, 2, 3]);
  });

  it('a header line that failed to parse does not make every device unknown', () => {
    const errs = errors(`device(nic, dma_mask=32\nbuf = kmalloc(64, GFP_KERNEL)\nh = dma_map_single(nic, buf, 64, DMA_TO_DEVICE)\n`);
    expect(errs).toHaveLength(1);
  });
});

describe('label= is a string', () => {
  it('refuses a name', () => {
    expectError('device(nic, label=nvme)\n', 1, 19, 'must be a string such as "0000:03:00.0"');
  });
});
