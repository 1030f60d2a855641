/**
 * Every place where the engine's behaviour depends on the kernel version,
 * one table per subsystem. Each gate names the first version with the new
 * behaviour, the commit that introduced it and its subject, the kernel file,
 * and the behaviour on both sides of the boundary in words. The subsystem
 * modules read their gates from here (never a bare version number), the
 * tests check both sides of every boundary (test/sim/kernel-versions.test.ts),
 * and the explorer's "Run as" menu lists exactly the versions these tables
 * distinguish, with what changes at each.
 *
 * Pure data: imports only config.ts (itself import-free), so the explorer's
 * main thread can read it without loading the engine.
 *
 * `verified`: the boundary was checked against the kernel source on both
 * sides (a tree pinned to each side, a stable-review mail or the patch on the
 * list) and the first release was pinned (the maintainer's pull request for
 * that release, or trees on both sides); `false` marks a gate where one of the
 * two is still open. `commit` is null where no public source showed the
 * mainline id together with its subject. The comment above each gate names
 * the sources of its id, its release and its wording.
 */
import { KERNEL_RANGE, archOldest, kernelCode, type Arch, type MachineConfig } from './config.ts';

export type Subsystem = 'arch' | 'mm' | 'direct' | 'swiotlb' | 'dma-iommu' | 'iommu' | 'io-pgtable' | 'arm-smmu' | 'dma-debug' | 'cma' | 'dma-buf' | 'dma-api' | 'intel-iommu' | 'riscv-iommu';

export interface Gate {
  id: string;
  subsystem: Subsystem;
  /** First version with the new behaviour ("5.19"). */
  from: string;
  /** The same as a comparable number (kernelCode): 5019. */
  code: number;
  /** Abbreviated commit id(s), or null when not confirmed. */
  commit: string | null;
  subject: string;
  /** Kernel file the behaviour lives in. */
  file: string;
  /** Behaviour of every version before `from`. */
  before: string;
  /** Behaviour from `from` on. */
  after: string;
  /** Only this architecture (or these architectures) is affected. */
  arch?: Arch | readonly Arch[];
  verified: boolean;
}

type GateSpec = Omit<Gate, 'id' | 'subsystem' | 'code'>;

function table<K extends string>(subsystem: Subsystem, specs: Record<K, GateSpec>): Record<K, Gate> {
  const out = {} as Record<K, Gate>;
  for (const id of Object.keys(specs) as K[]) {
    const s = specs[id];
    out[id] = { id: `${subsystem}.${id}`, subsystem, code: kernelCode(s.from), ...s };
  }
  return out;
}

/**
 * The architectures whose system IOMMU the explorer models as arm-smmu with
 * io-pgtable-arm's LPAE table; x86's is VT-d (INTEL_IOMMU_GATES) and riscv's
 * the RISC-V IOMMU driver with its own Sv39 table (RISCV_IOMMU_GATES), which
 * none of these gates concern.
 */
const LPAE_ARCHES: readonly Arch[] = ['arm64', 'arm'];

/** Does `g` concern architecture `arch` (a gate without `arch` concerns every one)? */
export function gateConcerns(g: Gate, arch: Arch): boolean {
  if (!g.arch) return true;
  return typeof g.arch === 'string' ? g.arch === arch : g.arch.includes(arch);
}

/** Is the new behaviour of `g` in force on kernel `code`? */
export function since(code: number, g: Gate): boolean {
  return code >= g.code;
}

// ---------------------------------------------------------------------------
// arch/*: cache maintenance, kmalloc bouncing, ZONE_DMA

export const ARCH_GATES = table('arch', {
  // id: mails quoting it (Nanyong Sun's 2022-11 patch "The commit c50f11c6196f (\"arm64: mm: Don't invalidate
  // FROM_DEVICE buffers at start of DMA transfer\") replaces invalidate with clean when DMA_FROM_DEVICE"; Arnd
  // Bergmann, 2023-01: arch_sync_dma_for_device() "changed from 'invalidate' to 'clean' last June in commit
  // c50f11c6196f"). Release: the stable backports posted on 2022-06-23 ("commit c50f11c6196f… upstream", Catalin
  // Marinas) show it in mainline during 5.19-rc, after 5.18 (2022-05-22): 5.19.
  arm64FromDeviceClean: {
    from: '5.19',
    commit: 'c50f11c6196f',
    subject: "arm64: mm: Don't invalidate FROM_DEVICE buffers at start of DMA transfer",
    file: 'arch/arm64/mm/cache.S',
    before: 'arch_sync_dma_for_device(DMA_FROM_DEVICE) invalidates (__dma_inv_area): dirty CPU data in whole lines of the buffer is discarded',
    after: 'arch_sync_dma_for_device cleans for every direction (dcache_clean_poc): bytes the device does not write keep their values',
    arch: 'arm64',
    verified: true,
  },
  // id: Fixes tags of the sc7180/sc7280 dma-coherent DT fixes (2023); release: the revert-revert sits in the
  // arm64 6.3 queue; c44094eee32f (the original) was in the arm64 6.1-rc1 pull and b7d9aae40484 reverted it
  // before 6.1 final, so 6.1 and 6.2 still clean+invalidate.
  arm64PrepCoherentClean: {
    from: '6.3',
    commit: '7bd6680b47fa',
    subject: 'Revert "Revert "arm64: dma: Drop cache invalidation from arch_dma_prep_coherent()""',
    file: 'arch/arm64/mm/dma-mapping.c',
    before: 'arch_dma_prep_coherent cleans and invalidates the kernel alias (__dma_flush_area)',
    after: 'arch_dma_prep_coherent only cleans the kernel alias (dcache_clean_poc)',
    arch: 'arm64',
    verified: true,
  },
  // id: linux-next commit list beside 370645f41e6e ("dma-mapping: force bouncing if the kmalloc() size is not
  // cache-line-aligned", the mainline id quoted by the 2025 dma-debug fix); release: "[GIT PULL] MM updates for
  // 6.5-rc1" shortlog (Catalin Marinas, 18 patches).
  arm64KmallocBounce: {
    from: '6.5',
    commit: '1c1a429efd4e, 370645f41e6e',
    subject: 'arm64: enable ARCH_WANT_KMALLOC_DMA_BOUNCE for arm64; dma-mapping: force bouncing if the kmalloc() size is not cache-line-aligned',
    file: 'include/linux/dma-map-ops.h',
    before: 'kmalloc objects are ARCH_DMA_MINALIGN (128 B) aligned; small non-coherent mappings are never bounced',
    after: 'dma_kmalloc_needs_bounce(): a small non-coherent DMA_FROM_DEVICE/BIDIRECTIONAL kmalloc buffer whose size class is not a multiple of 128 B bounces through swiotlb',
    arch: 'arm64',
    verified: true,
  },
  // id and subject: "[PATCH 21/22] arm64: replace ZONE_DMA with ZONE_DMA32" (Christoph Hellwig, 2018-01-10, the
  // series "consolidate swiotlb dma_map implementations") and the Fixes tags quoting "ad67f5a6545f (\"arm64: replace
  // ZONE_DMA with ZONE_DMA32\")" (Nicolas Boichat's 2018-11 io-pgtable-arm-v7s / SLAB_CACHE_DMA32 fixes; Peng Fan's
  // 2019 arch/arm/xen patch: "ZONE_DMA is removed by commit ad67f5a6545"). Both sides, from that diff: arch/arm64/Kconfig
  // "config ZONE_DMA def_bool y" becomes "config ZONE_DMA32 def_bool y"; zone_sizes_init() sizes ZONE_DMA, then
  // ZONE_DMA32, as max_zone_dma_phys() (the low 4 GiB, "4GB maximum for 32-bit only capable devices");
  // __dma_alloc_coherent() ORs GFP_DMA, then GFP_DMA32, into a coherent allocation for a mask of 32 bits or less.
  // Release: 4.16, both sides seen (2026-12, sixth pass): the last release without it — Ubuntu's 4.15 tree
  // (github sndrzt/linux-4.15, debian.master/abi/4.15.0-212.223, stable backports included) still has
  // arch/arm64/Kconfig "config ZONE_DMA / def_bool y" between GENERIC_CALIBRATE_DELAY and HAVE_GENERIC_GUP and no
  // ZONE_DMA32; the first with it — an arm64 build of 4.16.0 (github tot0rokr/Linux4.16_arm64_debug_build, .config
  // "Linux/arm64 4.16.0 Kernel Configuration") has "CONFIG_ZONE_DMA32=y" at that place and no CONFIG_ZONE_DMA. The
  // series was posted for the 4.16 merge period (as riscvZoneDma32, "riscv: add ZONE_DMA32", from the same work)
  // and the 2018-11 fixes treat it as released. The same series ("arm64: use swiotlb_alloc and
  // swiotlb_free": "-\tptr = __dma_alloc_coherent(dev, size, dma_handle, flags, attrs); +\tptr = swiotlb_alloc(…)")
  // moved arm64's coherent allocations to swiotlb_alloc() → dma_direct_alloc(), with its dma_coherent_ok() retries
  // (GFP_DMA32, then GFP_DMA) before the swiotlb pool; before it swiotlb_alloc_coherent() freed an unreachable page
  // and went straight to the pool. Stored arm64 trees of the period show __dma_alloc() calling swiotlb_alloc().
  // Before it, a blocking allocation never reached swiotlb_alloc_coherent() when the device had a CMA area:
  // "if (dev_get_cma_area(dev) && gfpflags_allow_blocking(flags)) { page = dma_alloc_from_contiguous(dev, size >>
  // PAGE_SHIFT, get_order(size)…); if (!page) return NULL; …" (arch/arm64/mm/dma-mapping.c, as quoted in the 2015
  // gfpflags_allow_blocking conversion and Laura Abbott's 2014 atomic-pool patch: no reach check, no fallback).
  arm64ZoneDma32: {
    from: '4.16',
    commit: 'ad67f5a6545f',
    subject: 'arm64: replace ZONE_DMA with ZONE_DMA32',
    file: 'arch/arm64/Kconfig',
    before: 'arm64 has CONFIG_ZONE_DMA covering the low 4 GiB and no ZONE_DMA32: alloc_pages(GFP_DMA) stays below 4 GiB, GFP_DMA32 means ZONE_NORMAL (OPT_ZONE_DMA32) and may land above 4 GiB; a coherent page out of the device\'s reach is not retried in another zone (swiotlb_alloc_coherent falls back to the swiotlb pool); with a CMA area a blocking coherent allocation comes from CMA alone, unchecked against the coherent mask, and is NULL when CMA is full',
    after: 'the low 4 GiB is ZONE_DMA32 and there is no ZONE_DMA (until arm64ZoneDma30): GFP_DMA32 stays below 4 GiB, GFP_DMA means ZONE_NORMAL and may land above 4 GiB; coherent allocations go through swiotlb_alloc → dma_direct_alloc, which gives back unreachable CMA pages, falls back to the page allocator and retries an unreachable page with GFP_DMA for a mask under 32 bits (GFP_DMA32 only from 4.17, DIRECT_GATES.dma32Retry), then swiotlb_alloc_buffer takes the pool',
    arch: 'arm64',
    verified: true,
  },
  // id: Fixes tags (arm64 kdump/crashkernel and max_dma warning fixes, 2019-2021); release: the v6 patch was
  // reviewed by the arm64 maintainers on 2019-10-31, and the ZONE_DMA sizing it added was already being fixed
  // against linux-next in the 5.5 merge period (Will Deacon's reply to John Stultz, 2019-12-03); the "arm64
  // updates for 5.11" pull describes the result ("Previously, ZONE_DMA was set to the lowest 1GB").
  // Both sides: the v6 diff of zone_sizes_init() quoted in that reply ("-\t/* 4GB maximum for 32-bit only
  // capable devices */ … zone_size[ZONE_DMA32] = max_dma32 - min" before, a ZONE_DMA below
  // arm64_dma_phys_limit after). The pool follows ZONE_DMA (layout.ts poolLimit): a later arm64 diff replaces
  // "#define ARCH_LOW_ADDRESS_LIMIT ((arm64_dma_phys_limit ? : arm64_dma32_phys_limit) - 1)" (arch/arm64/include/
  // asm/processor.h) by "(arm64_dma_phys_limit - 1)", so in 5.5–5.10 memblock_alloc_low() keeps swiotlb's pool below
  // the 1 GiB ZONE_DMA while dma_contiguous_reserve(arm64_dma32_phys_limit) keeps CMA below 4 GiB.
  arm64ZoneDma30: {
    from: '5.5',
    commit: '1a8e1cef7603',
    subject: 'arm64: use both ZONE_DMA and ZONE_DMA32',
    file: 'arch/arm64/mm/init.c',
    before: 'arm64 has no ZONE_DMA (only ZONE_DMA32, arm64ZoneDma32): dma_direct_supported() needs a mask of 32 bits or more (or one reaching all RAM), and GFP_DMA means ZONE_NORMAL',
    after: 'ZONE_DMA covers the first 1 GiB (zone_dma_bits = 30): masks down to 30 bits are supported, and the swiotlb pool sits below 1 GiB (ARCH_LOW_ADDRESS_LIMIT), within reach of a 30-bit bus; the CMA area stays below 4 GiB',
    arch: 'arm64',
    verified: true,
  },
  // id: Fixes/commit lists quoting 8424ecdde7df and 2b8652936f0c; the 7-patch series was also backported to
  // 5.10.22 (35ec3d09ff6a, 8eaef922e938), so 5.10.22+ behaves like 5.11. Release and both sides: "[GIT PULL]
  // arm64 updates for 5.11" (Catalin Marinas, 2020-12-14): "Default to 32-bit wide ZONE_DMA. Previously,
  // ZONE_DMA was set to the lowest 1GB … the kernel scans the Device Tree dma-ranges and the ACPI IORT
  // information before deciding on a smaller ZONE_DMA", with both commits in its shortlog.
  // The rule after (ArchOps.zoneDmaBits, arch.ts dmaRangesLimit): torvalds/linux arch/arm64/mm/init.c
  // zone_sizes_init() "dt_zone_dma_bits = fls64(of_dma_get_max_cpu_address(NULL)); zone_dma_bits = min3(32U,
  // dt_zone_dma_bits, acpi_zone_dma_bits); arm64_dma_phys_limit = max_zone_phys(zone_dma_bits);", then
  // bootmem_init() "dma_contiguous_reserve(arm64_dma_phys_limit)" (the series moved it there from
  // arm64_memblock_init()'s dma_contiguous_reserve(arm64_dma32_phys_limit)); of_dma_get_max_cpu_address() (v5
  // patch and later diffs of drivers/of/address.c) takes per node the highest "cpu_end = range.cpu_addr +
  // range.size - 1" and the minimum over the tree, PHYS_ADDR_MAX without dma-ranges: a bus_limit=N reaching 2^N
  // from 0 gives fls64(2^N - 1) = N. 6.12 (ba0fb44aed47 "dma-mapping: replace zone_dma_bits by zone_dma_limit")
  // keeps the address itself ("zone_dma_limit = min(dt_zone_dma_limit, acpi_zone_dma_limit)", max_zone_phys()
  // capping ZONE_DMA at 4 GiB when RAM starts below it), and 56a708742a8b "arm64: mm: Fix zone_dma_limit
  // calculation" (6.13, Cc stable 6.12+) moved that cap onto zone_dma_limit: with a lowest limit of 32 bits or
  // less both forms give the same ZONE_DMA, dma_direct_supported() and GFP_DMA choice, so no gate. Not modelled:
  // 6.12 before that fix with no dma-ranges under 4 GiB, where zone_dma_limit stayed above 4 GiB (PHYS_ADDR_MAX
  // without dma-ranges) and dma_direct_optimal_gfp_mask() chose GFP_DMA for every coherent allocation whose
  // limit lay below it (Yang Shi's report; ZONE_DMA itself still ended at 4 GiB).
  arm64ZoneDmaFirmware: {
    from: '5.11',
    commit: '8424ecdde7df, 2b8652936f0c',
    subject: "arm64: mm: Set ZONE_DMA size based on devicetree's dma-ranges; arm64: mm: Set ZONE_DMA size based on early IORT scan",
    file: 'arch/arm64/mm/init.c',
    before: 'ZONE_DMA is always the first 1 GiB',
    after: "ZONE_DMA reaches as far as firmware allows: min(32, the lowest dma-ranges limit) bits, i.e. the smallest bus_limit among the devices that declare one (a Raspberry Pi 4's 1 GiB dma-ranges: 30 bits), 4 GiB when nothing limits it, so masks below it are refused; CMA and the swiotlb pool sit below it",
    arch: 'arm64',
    verified: true,
  },
  // Before: 97303480753e ("arm64: Increase the max granular size") set "#define L1_CACHE_SHIFT 7" and
  // "ARCH_DMA_MINALIGN L1_CACHE_BYTES" (Robin Murphy on linux-mm, 2016: "97303480753e (which landed in 4.4)"); the
  // 4.7 (linux-scraping/linux-grsecurity) and 4.9.169 (HacKurx/linux-1) arch/arm64/include/asm/cache.h still have 7,
  // and a 4.15-era cpufeature.c (SVE, KPTI) still warns "L1_CACHE_BYTES smaller than the Cache Writeback Granule": a
  // plain #define throughout, no Kconfig symbol for it found (CONFIG_ARM64_L1_CACHE_SHIFT: no kernel hit). After: torvalds/linux at 1f85b42a691c has
  // "L1_CACHE_SHIFT (6)", "ARCH_DMA_MINALIGN (128)", cache_line_size() defaulting to ARCH_DMA_MINALIGN and the
  // swiotlb_noncoherent_bounce fallback for CWG > 128; the 5.0 cache.h (torvalds/linux 95d002e0a34c) the same.
  // Unverified: the release and the id's subject. The subject is the one believed (Catalin Marinas, 2018); no stored
  // text shows it (searched: the subject, "L1_CACHE_SHIFT back", "while keeping ARCH_DMA_MINALIGN at 128",
  // "non-coherent DMA with large CWG", the full id; no 4.17/4.18 tree, arm64 pull or stable mail is stored); the
  // commit was left null until the fifth pass below tied 1f85b42a691c to the change itself. 4.17 rather
  // than 4.18: that tree predates 4.17-rc1 content (no CTR_EL0.IDC/DIC in cache.h, capabilities still
  // ".def_scope", arch-side dma_debug_init), i.e. a branch based on 4.16-rc, merged in the 4.17 merge period.
  // Also tried (fourth pass, 2026-12): the id 1f85b42a691c and "L1_CACHE_SHIFT back to 6" in find_string (no hit);
  // Will Deacon's 2021 "arm64: cache: Lower ARCH_DMA_MINALIGN to 64 (L1_CACHE_BYTES)" thread and the arm64/linux push
  // of its revert (c1132702c71f, 2021-07-15) do not quote it; the 4.16/4.17 trees by name (lizuobin/linux-4.16.13_tiny4412,
  // xjh19971110/linux-4.17.12) hold no arch/arm64 header.
  // id (fifth pass, 2026-12): the stored torvalds/linux file versions, which are kept per commit that changed the
  // file, merges of other trees included (Makefile and arch/arm64/include/asm/cpucaps.h have none at 1f85b42a691c): at
  // 1f85b42a691cd8329ba82dbcaeec80ac1231b32a exactly the files of this change have a version — cache.h (7 -> 6,
  // cache_line_size() falling back to ARCH_DMA_MINALIGN), a new arch/arm64/include/asm/dma-direct.h (its only
  // version: dma_capable() refusing non-coherent devices while swiotlb_noncoherent_bounce is set), mm/dma-mapping.c
  // (DEFINE_STATIC_KEY_FALSE(swiotlb_noncoherent_bounce), WARN_TAINT "ARCH_DMA_MINALIGN smaller than CTR_EL0.CWG")
  // and kernel/cpufeature.c (the CWG taint gone) — while its cache.h and cpufeature.c lack the rest of the 4.17 arm64
  // work (CTR_EL0.IDC/DIC, .def_scope still there), so it is not mainline's arm64 merge but this change on the arm64
  // branch (a merge of a branch holding only this change is not excluded by the stored data alone). Still unverified:
  // the subject (no stored text names it) and 4.17 as its release.
  // Sixth pass (2026-12): the 4.16 side is now pinned. arch/arm64/Kconfig also has a version at 1f85b42a691c, with
  // "select ARCH_HAS_PHYS_TO_DMA" (needed by the new asm/dma-direct.h). In 4.16 that symbol is defined in arch/Kconfig
  // between STRICT_MODULE_RWX and ARCH_HAS_REFCOUNT (the 4.16.0-rc2 x86-64 .config of x86DmaDirect: "CONFIG_STRICT_
  // MODULE_RWX=y / CONFIG_ARCH_HAS_PHYS_TO_DMA=y / CONFIG_ARCH_HAS_REFCOUNT=y"), and the arm64 4.16.0 .config (github
  // tot0rokr/Linux4.16_arm64_debug_build) goes "CONFIG_STRICT_MODULE_RWX=y / CONFIG_REFCOUNT_FULL=y" without it: 4.16.0
  // does not contain this commit, so arm64 4.16 still has L1_CACHE_SHIFT 7. The 4.17 side is still not seen (no
  // arm64 4.17 tree or .config is stored: "Linux/arm64 4.17" has no hit), so not verified.
  arm64L1CacheShift6: {
    from: '4.17',
    commit: '1f85b42a691c',
    subject: 'arm64: Revert L1_CACHE_SHIFT back to 6 (64-byte cache line size)',
    file: 'arch/arm64/include/asm/cache.h',
    before: 'L1_CACHE_SHIFT is 7: dma-debug tracks 128-byte cachelines (to_cacheline_number = paddr >> 7), so two mappings starting 64 bytes apart in one 128-byte line share a cacheline; ARCH_DMA_MINALIGN = L1_CACHE_BYTES = 128',
    after: 'L1_CACHE_SHIFT is 6: dma-debug tracks 64-byte cachelines (paddr >> 6); ARCH_DMA_MINALIGN stays 128 ("#define ARCH_DMA_MINALIGN (128)")',
    arch: 'arm64',
    verified: false,
  },
  // Both sides: arch/x86/kernel/pci-nommu.c check_addr() in 3.x–4.x trees (printk(KERN_ERR "nommu_%s: overflow
  // %Lx+%zu of device mask %Lx\n", name, …) with name "map_single" from nommu_map_page and "map_sg" from
  // nommu_map_sg, only for masks of 32 bits or more, every time, no device prefix), and x86 on dma-direct's
  // check_addr() ("dma_direct_map_page: overflow …", dev_err) after. 4.17 is pinned from above: an x86-64 build of
  // 4.17.12 (github xjh19971110/linux-4.17.12) compiles lib/dma-direct.c (linux-4.17.12/lib/.dma-direct.o.cmd) and
  // arch/x86/kernel/ has .pci-dma.o.cmd, .pci-iommu_table.o.cmd and .pci-swiotlb.o.cmd but no pci-nommu object.
  // Unverified: whether 4.16 already switched. The switch was first posted as "[PATCH 37/67] x86: use dma-direct"
  // (2017-12-29, the series that created lib/dma-direct.c for the 4.16 merge period: it drops pci-nommu.o from
  // arch/x86/kernel/Makefile and sets dma_ops = &dma_direct_ops), and no 4.16 tree, pull shortlog or tip merge log
  // is stored to say whether that patch or a later repost went in. The subject is the one posted (the mainline one
  // was not seen). The mainline id was not found: "x86: use dma-direct", "x86/dma: Use DMA-direct", "x86: use generic
  // dma-direct" and "x86/dma: Use generic swiotlb_ops" match no push log, Fixes tag or stable mail in the stored sources.
  // Also searched (2026-12): "x86/dma: Use DMA-direct", "Use DMA-direct (CONFIG_DMA_DIRECT_OPS=y)", "[tip:x86/dma]" (no
  // hit); 4.16 x86 build trees (none stored). For 4.17 rather than 4.16: Christoph Hellwig's "consolidate swiotlb
  // dma_map implementations" (2018-01-10, just before the 4.16 merge period) says x86 "will be handled in a later
  // series with other x86 dma mapping changes".
  // Also tried (2026-12, second pass): the candidate id fec777c385b6 (recalled, no hit anywhere, so not used); trees
  // holding both lib/dma-direct.c (4.16–4.17 only) and arch/x86/kernel/pci-nommu.c (none: the six repos with
  // lib/dma-direct.c have no pci-nommu.c, or are mixed-version corpora); the linux-tip-commits list archive (no
  // 2018 tip-bot mail indexed); "Use DMA-direct (CONFIG_DMA_DIRECT_OPS=y)" and "swiotlb code for x86" (no hit).
  // Also tried (2026-12, third pass): per-release tree copies — the TROVON data set (github garghub/TROVON) stops at
  // v4.14, and DepSurf's function table for nommu_map_page (DepSurf/depsurf.github.io) has it in Ubuntu 4.15 and
  // absent from 4.18, with no 4.16/4.17 build; "x86-dma-for-linus", "x86/dma changes for" (no pull stored).
  // Also tried (fourth pass, 2026-12): the v1 patch's commit message ("The generic dma-direct implementation is now
  // functionally equivalent to the x86 nommu dma_map implementation, so switch over to using it.") and the tip wording
  // against the pages corpus, whose gitiles/gitea/gitweb mirrors of mainline (fairphone msm-4.19/msm-5.4, gitea
  // korg/linux, review.tizen.org, infradead) do hold commit pages of the period: none for this commit.
  // Also tried (fifth pass, 2026-12): "x86/dma: Use DMA" in find_string (no hit), the stored versions of
  // arch/x86/kernel/pci-nommu.c (the listed ones predate the switch).
  // Release 4.17, both sides seen (sixth pass, 2026-12): the 4.16 side is a full x86-64 .config of 4.16.0-rc2
  // ("# Linux/x86 4.16.0-rc2 Kernel Configuration", CONFIG_X86_64=y; a syzbot config quoted on linux-mm by Michal
  // Hocko), whose library section reads "CONFIG_HAS_DMA=y / CONFIG_SGL_ALLOC=y / # CONFIG_DMA_DIRECT_OPS is not
  // set": after the 4.16 merge period x86 did not select DMA_DIRECT_OPS, so 4.16 ships pci-nommu; the 4.17 side is
  // the 4.17.12 x86-64 build above (lib/dma-direct.o built, no pci-nommu object). The mainline id is still not seen.
  x86DmaDirect: {
    from: '4.17',
    commit: null,
    subject: 'x86: use dma-direct',
    file: 'arch/x86/kernel/pci-nommu.c',
    before: 'a device without an IOMMU uses nommu_dma_ops: an unreachable buffer gives printk "nommu_map_single: overflow %Lx+%zu of device mask %Lx" (masks of 32 bits or more), no device prefix',
    after: 'x86 uses dma-direct: the overflow is dma-direct\'s report (dev_err "dma_direct_map_page: overflow …")',
    arch: 'x86',
    verified: true,
  },
  // x86's dma_supported() before dma-direct, for a device without an IOMMU. Before: the arch dma_supported() of
  // arch/x86/kernel/pci-dma.c (HAVE_ARCH_DMA_SUPPORTED), as the patch's diff removes it: "if (mask > 0xffffffff &&
  // forbid_dac > 0) … if (ops->dma_supported) return ops->dma_supported(dev, mask); … if (mask < DMA_BIT_MASK(24))
  // return 0; … return 1;" (the same function in a stored tip tree, github weijm0726/tip). Neither nommu_dma_ops (no
  // .dma_supported in torvalds/linux's stored 4.8–4.10 pci-nommu.c) nor pci-swiotlb.c's swiotlb_dma_ops
  // (".dma_supported = NULL") has a method, so both reach the 24-bit test. After: "[PATCH 35/44] x86: remove arch
  // specific dma_supported implementation" (Christoph Hellwig, 2017-06-16: "And instead wire it up as method for all the
  // dma_map_ops instances") renames it x86_dma_supported() and sets it as .dma_supported of nommu_dma_ops, gart,
  // calgary, sta2x11 and intel_dma_ops (amd_iommu_dma_supported calls it), but not of pci-swiotlb.c's swiotlb_dma_ops,
  // which keeps ".dma_supported = NULL" until x86GenericSwiotlbOps (still so in the 2017-12-29 "[PATCH 46/67] swiotlb:
  // lift x86 swiotlb_dma_ops to common code" that deletes it); the generic dma_supported() of
  // include/linux/dma-mapping.h then says yes ("if (!ops->dma_supported) return 1;", context of the 2018-01-12 "[PATCH
  // 22/34] dma-mapping: add an arch_dma_supported hook", which also shows x86_dma_supported() reduced to the 24-bit test
  // for 4.16). Release: the per-release copies of drivers/iommu/amd_iommu.c in the TROVON data set (github
  // garghub/TROVON, dataset/codebase_cleansed/linux_kernel/v<release>/amd_iommu.c): v4.12's amd_iommu_dma_supported() is
  // "return check_device(dev);", v4.13's begins "if (!x86_dma_supported(dev, mask)) return 0;", this patch's hunk. The
  // mainline id was not found (find_string of the subject and of "remove arch specific dma_supported" meets only the
  // 2017 postings). Not modelled: forbid_dac (VIA bridge quirk, iommu=nodac) and iommu_sac_force (iommu=forcesac).
  x86DmaSupportedOps: {
    from: '4.13',
    commit: null,
    subject: 'x86: remove arch specific dma_supported implementation',
    file: 'arch/x86/kernel/pci-dma.c',
    before: 'dma_supported() is x86\'s own (arch/x86/kernel/pci-dma.c): no ops method for nommu_dma_ops or the swiotlb ops, so "if (mask < DMA_BIT_MASK(24)) return 0;" decides for every device without an IOMMU, swiotlb pool or not',
    after: 'the check is nommu_dma_ops\' .dma_supported, x86_dma_supported() (masks under 24 bits refused); pci-swiotlb.c\'s swiotlb_dma_ops have .dma_supported = NULL, so with a swiotlb pool the generic dma_supported() returns 1 for every mask, even one that reaches no RAM and not the pool',
    arch: 'x86',
    verified: true,
  },
  // x86 devices with a swiotlb pool (RAM above 4 GiB, swiotlb=force). Before: pci-swiotlb.c's own swiotlb_dma_ops
  // (x86DmaSupportedOps: .dma_supported = NULL). After: the generic swiotlb_dma_ops of lib/swiotlb.c, posted as "[PATCH
  // 46/67] swiotlb: lift x86 swiotlb_dma_ops to common code" (2017-12-29) and taken here with x86DmaDirect, the same
  // work (release 4.17 not verified, mainline id not found; the subject is the one posted). Their .dma_supported: the
  // generic ops got swiotlb_dma_supported ("[PATCH 08/22] swiotlb: wire up ->dma_supported in swiotlb_dma_ops",
  // 2018-01-10, "To properly reject too small DMA masks based on the addressability of the bounce buffer"; still so in
  // the context of the 2018-04-15 "[PATCH 12/12] swiotlb: remove the CONFIG_DMA_DIRECT_OPS ifdefs"), then
  // dma_direct_supported by 66bdb147 ("swiotlb: Use dma_direct_supported() for swiotlb_ops"): the 2018-04-23 and
  // 2018-04-25 reposts of that patch show ".dma_supported = dma_direct_supported" in the context, and Christoph Hellwig
  // names 66bdb147 on linux-mm (2018-04-28, "[LSF/MM TOPIC NOTES] x86 ZONE_DMA love") as the fix, already in, of "a 4.16
  // regression" from small DMA masks — in mainline for 4.17-rc2, so 4.17 ships with it. The 4.18 kernel/dma/swiotlb.c
  // (github WindRiver-Labs/linux-yocto-4.18) and 4.20-form copies (github H-Y-B/riscv-linux,
  // GaloisInc/BESSPIN-riscv-linux: non-coherent swiotlb_map_page, ".alloc = dma_direct_alloc") keep
  // dma_direct_supported; 5.0 merges the ops into dma-direct (DIRECT_GATES.swiotlbMerged).
  // Sixth pass (2026-12): the 4.16 side is now pinned. The generic swiotlb_dma_ops of lib/swiotlb.c sat inside
  // "#ifdef CONFIG_DMA_DIRECT_OPS … #endif /* CONFIG_DMA_DIRECT_OPS */" (context of "[PATCH 08/22] swiotlb: wire up
  // ->dma_supported in swiotlb_dma_ops", 2018-01-10, and the hunks removing it in "swiotlb: remove the
  // CONFIG_DMA_DIRECT_OPS ifdefs", 2018-04), and a full x86-64 .config of 4.16.0-rc2 (x86DmaDirect) reads "#
  // CONFIG_DMA_DIRECT_OPS is not set": an x86 4.16 kernel does not even build the generic ops, so it uses
  // pci-swiotlb.c's own. The 4.17 side is still inferred (same series and tip branch as x86DmaDirect, whose 4.17.12
  // build has DMA_DIRECT_OPS; no 4.17 pci-swiotlb.c was seen), so not verified.
  x86GenericSwiotlbOps: {
    from: '4.17',
    commit: null,
    subject: 'swiotlb: lift x86 swiotlb_dma_ops to common code',
    file: 'arch/x86/kernel/pci-swiotlb.c',
    before: 'a device with a swiotlb pool uses pci-swiotlb.c\'s swiotlb_dma_ops, .dma_supported = NULL: from 4.13 (x86DmaSupportedOps) dma_set_mask accepts every mask, a 20-bit one included; before 4.13 the arch dma_supported() refuses masks under 24 bits',
    after: 'the generic swiotlb_dma_ops (lib/swiotlb.c), whose .dma_supported is dma_direct_supported (66bdb147): masks under DMA_BIT_MASK(24), below x86\'s ZONE_DMA, are refused with -EIO',
    arch: 'x86',
    verified: false,
  },
  // riscv's DMA before its non-coherent support (riscvNoncoherent): coherent, direct, and by era
  // - 4.15 (the port's first release, config.ts ARCH_PORT_FROM): dma_noop_ops. The 4.15 arch/riscv/include/asm/
  //   dma-mapping.h is "static inline const struct dma_map_ops *get_arch_dma_ops(struct bus_type *bus) { return
  //   &dma_noop_ops; }" (the hunk deleting it in Christoph Hellwig's "[PATCH 23/34] dma-mapping: provide a generic
  //   asm/dma-mapping.h", 2018-01-12, and "riscv: remove the unused dma_capable helper" before it), and the 4.15
  //   lib/dma-noop.c: dma_noop_map_page() "return page_to_phys(page) + offset - PFN_PHYS(dev->dma_pfn_offset);",
  //   dma_noop_map_sg() the same per entry, dma_noop_mapping_error() "return 0", dma_noop_supported() "return 1",
  //   dma_noop_alloc() "__get_free_pages(gfp, get_order(size))" with no zone for the coherent mask. No swiotlb:
  //   the 4.15 Kconfig selects no SWIOTLB.
  // - 4.16: the same ops renamed and checked (riscvDmaDirect below).
  // - 4.18: swiotlb (riscvSwiotlb below); 5.0: DIRECT_GATES.swiotlbMerged folds swiotlb_dma_ops into dma-direct.
  // Release of the 4.16 step: the series ("consolidate direct dma mapping and swiotlb support", v1 2017-12-29 "[PATCH
  // 27/67]", v3 2018-01-12 "[PATCH 26/34] dma-direct: add dma address sanity checks", "[PATCH 32/34] dma-direct:
  // reject too small dma masks") was posted during 4.15-rc7, after the 4.15 merge period, so 4.16 is its first
  // chance; the arch/riscv history (`git rev-list --reverse 76d2a0493a17^..v5.16 arch/riscv`, TinyLab's RISC-V
  // walkthrough) lists c5cd037d1c80 "dma-mapping: provide a generic asm/dma-mapping.h" and 002e67454f61
  // "dma-direct: rename dma_noop to dma_direct" right after the 4.15 port. Not seen: a 4.16 tree or the 4.16
  // dma-mapping pull, so not verified; the ids of the sanity-check and mask patches were not found.
  // Both sides as modelled: dma_noop_map_page/dma_noop_map_sg (no mask check, never an error), dma_supported true
  // for every mask, coherent pages from any zone; then dma-direct's check_addr() ("%s: overflow %pad+%zu of device
  // mask %llx", masks of 32 bits or more, DIRECT_MAPPING_ERROR) and dma_direct_supported() ("if (mask <
  // DMA_BIT_MASK(32)) return 0;" without CONFIG_ZONE_DMA, which riscv never had). Whether 4.16's dma_direct_alloc()
  // found a riscv ZONE_DMA32 is riscvZoneDma32 below (taken as 4.16, unverified).
  // Sixth pass (2026-12): the rename itself is pinned to 4.16 by kernel configs — a 4.15-cycle x86-64 .config
  // ("Linux/x86_64 4.15.0-rc3-mm1", kernel test robot, linux-mm) still has "# CONFIG_DMA_NOOP_OPS is not set" in its
  // library section and no DMA_DIRECT_OPS symbol; the 4.16.0-rc2 x86-64 .config (x86DmaDirect) has "#
  // CONFIG_DMA_DIRECT_OPS is not set" and no DMA_NOOP_OPS, and the arm64 4.16.0 .config (arm64ZoneDma32)
  // "CONFIG_DMA_DIRECT_OPS=y". Still not verified: no riscv 4.16 tree or config was found ("Linux/riscv 4.1" meets
  // only 4.19.y configs), and that check_addr() and dma_direct_supported() — the behaviour modelled — shipped in
  // 4.16 with the rename rests on their being patches of the same posted series.
  riscvDmaDirect: {
    from: '4.16',
    commit: '002e67454f61',
    subject: 'dma-direct: rename dma_noop to dma_direct; dma-direct: add dma address sanity checks; dma-direct: reject too small dma masks',
    file: 'lib/dma-direct.c',
    before: 'riscv uses dma_noop_ops (lib/dma-noop.c): dma_noop_map_page/dma_noop_map_sg hand the device the physical address without looking at its mask (never DMA_MAPPING_ERROR, no bounce), dma_supported() is true for every mask, dma_noop_alloc takes pages from any zone',
    after: 'dma_direct_ops (lib/dma-direct.c): check_addr() fails a buffer above the mask (dev_err "dma_direct_map_page: overflow …" for masks of 32 bits or more), dma_direct_supported() refuses masks under 32 bits, dma_direct_alloc asks ZONE_DMA32 for a 32-bit coherent mask',
    arch: 'riscv',
    verified: false,
  },
  // riscv's zones. id and subject: the arch/riscv history above (`git rev-list --reverse 76d2a0493a17^..v5.16
  // arch/riscv`, TinyLab's walkthrough: "5ec9c4ff0430 riscv: add ZONE_DMA32", Christoph Hellwig, from the "consolidate
  // swiotlb dma_map implementations" work of 2018-01-10: "a few architectures … are switched to implement ZONE_DMA32").
  // After: arch/riscv/Kconfig "config ZONE_DMA32 / bool / default y if 64BIT" (torvalds/linux 01112e5e20f5; plain
  // "default y" until f1306f0423ec "riscv: only enable ZONE_DMA32 for 64-bit", 4.18) and arch/riscv/mm/init.c
  // zone_sizes_init() "#ifdef CONFIG_ZONE_DMA32 max_zone_pfns[ZONE_DMA32] = PFN_DOWN(min(4UL * SZ_1G, …))". No
  // riscv Kconfig of any version (4.15 to the stored 6.x one) declares ZONE_DMA, so include/linux/gfp.h's
  // "#ifdef CONFIG_ZONE_DMA #define OPT_ZONE_DMA ZONE_DMA #else #define OPT_ZONE_DMA ZONE_NORMAL" makes GFP_DMA a
  // ZONE_NORMAL allocation on every riscv kernel; before this commit OPT_ZONE_DMA32 is ZONE_NORMAL as well. The
  // 4.16–4.19 dma_direct_alloc() (torvalds/linux kernel/dma/direct.c 05552832204e: "GFP_DMA32 and GFP_DMA are no
  // ops without the corresponding zones", then retry with GFP_DMA32 only "if (IS_ENABLED(CONFIG_ZONE_DMA32) && …
  // !(gfp & (GFP_DMA32 | GFP_DMA)))") therefore finds no page below 4 GiB for a 32-bit coherent mask without it.
  // Release unverified: in that history the commit sits after 002e67454f61 (4.16's dma-direct rename) and before
  // a90f590a1bee "mm: add ksys_mmap_pgoff() helper" (4.17), next to other riscv cleanups of January 2018; no 4.16
  // riscv pull or tree was found (searched: the id, the subject, "riscv-for-linus-4.16"), so 4.16 (the same release
  // as riscvDmaDirect, whose test already expects a 32-bit coherent buffer below 4 GiB) is a reading, not a pin.
  // Sixth pass (2026-12): the arm64 patch of the same posted series ("arm64: replace ZONE_DMA with ZONE_DMA32",
  // arm64ZoneDma32) is now pinned to 4.16 by an Ubuntu 4.15 arch/arm64/Kconfig and an arm64 4.16.0 .config, which
  // supports the reading; a riscv tree or config of 4.15/4.16 is still missing, so not verified.
  // Not modelled: the first zone_sizes_init() compared 4 GiB in bytes with max_low_pfn, a page number (fixed later by
  // "(unsigned long) PFN_PHYS(max_low_pfn)"), which on a real board with RAM at 0x80000000 left ZONE_DMA32 empty;
  // the explorer's RAM starts at 0 and its ZONE_DMA32 is all RAM below 4 GiB.
  riscvZoneDma32: {
    from: '4.16',
    commit: '5ec9c4ff0430',
    subject: 'riscv: add ZONE_DMA32',
    file: 'arch/riscv/Kconfig',
    before: 'riscv has neither ZONE_DMA nor ZONE_DMA32: GFP_DMA and GFP_DMA32 both mean ZONE_NORMAL (OPT_ZONE_DMA, OPT_ZONE_DMA32), so alloc_pages(GFP_DMA32) on an 8 GiB machine lands above 4 GiB',
    after: 'ZONE_DMA32 covers RAM below 4 GiB: alloc_pages(GFP_DMA32) and dma-direct\'s coherent allocations for a 32-bit mask stay below 4 GiB; GFP_DMA is still ZONE_NORMAL (no ZONE_DMA on riscv)',
    arch: 'riscv',
    verified: false,
  },
  // id and subject: the arch/riscv history above ("10314e09d044 riscv: add swiotlb support", Christoph Hellwig);
  // before it no riscv Kconfig selects SWIOTLB, after it arch/riscv/include/asm/dma-mapping.h is "#ifdef
  // CONFIG_SWIOTLB #include <linux/swiotlb.h> … return &swiotlb_dma_ops; #else #include
  // <asm-generic/dma-mapping.h> #endif" and setup_arch() calls "swiotlb_init(1)" under CONFIG_SWIOTLB (stored
  // trees of that header; the setup.c context in the 2020 "protect_kernel_text_data" patch). 51858aaf9bea "RISC-V:
  // Use swiotlb on RV64 only" later limited it to 64-bit kernels, which is what the explorer models. Release:
  // 4.18 by that history's order — after 6e88628d03dd "dma-debug: remove CONFIG_HAVE_DMA_API_DEBUG" and
  // 325ef1857fff "PCI: remove PCI_DMA_BUS_IS_PHYS" (both of the 4.18 dma-mapping work) and next to 178e9fc47aae
  // "perf: riscv: preliminary RISC-V support", merged 2018-06-16 for 4.18 (Palmer Dabbelt's 4.18 riscv tag).
  // Not seen: the 4.18 riscv pull or a 4.17/4.18 tree, so not verified.
  riscvSwiotlb: {
    from: '4.18',
    commit: '10314e09d044',
    subject: 'riscv: add swiotlb support',
    file: 'arch/riscv/include/asm/dma-mapping.h',
    before: 'riscv has no swiotlb (CONFIG_SWIOTLB not selected, no pool): a buffer above the device\'s mask cannot bounce, dma-direct fails the mapping',
    after: 'riscv selects SWIOTLB, setup_arch() calls swiotlb_init(1) and get_arch_dma_ops() returns swiotlb_dma_ops: a buffer above the mask bounces through the pool',
    arch: 'riscv',
    verified: false,
  },
  // id: Fixes tags (Conor Dooley's Zicbom toolchain fix against next-20220920, Palmer Dabbelt's build fix); release:
  // the stable bot on 2022-09-24 (6.0-rc6): 2a2018c3ac84, already "in Linus's tree", "does not apply to the
  // 5.19-stable tree" with 1631ba1259d6 among the missing dependencies, so mainline 6.0, not 5.19.
  // The kmalloc alignment: the patch's diff of arch/riscv/include/asm/cache.h (Heiko Stuebner's Zicbom series,
  // 2022-06; the same hunk in the version merged, "index 9b58b104559e..") adds "#ifdef CONFIG_RISCV_DMA_NONCOHERENT
  // #define ARCH_DMA_MINALIGN L1_CACHE_BYTES #endif" to a cache.h that had only L1_CACHE_SHIFT 6 (Christoph
  // Hellwig's review: "This needs to be greater or equal to riscv_cbom_block_size"); before it the generic
  // ARCH_KMALLOC_MINALIGN (__alignof__(unsigned long long)) applied, as on x86.
  riscvNoncoherent: {
    from: '6.0',
    commit: '1631ba1259d6',
    subject: 'riscv: Add support for non-coherent devices using zicbom extension',
    file: 'arch/riscv/mm/dma-noncoherent.c',
    before: 'no non-coherent DMA support: dev_is_dma_coherent() is true for every device, as on x86; no ARCH_DMA_MINALIGN, so kmalloc objects are only 8-byte aligned (kmalloc-8/16/32 caches: two kmalloc(32) are 32 bytes apart)',
    after: 'non-coherent devices get Zicbom cache maintenance (cbo.clean / cbo.flush / cbo.inval); ARCH_DMA_MINALIGN = L1_CACHE_BYTES (64) makes kmalloc objects 64-byte aligned',
    arch: 'riscv',
    verified: true,
  },
  // ids and release: the mainline push log of the 6.6 merge period lists eb746180132a and 482069ebdc1d under
  // "Merge tag 'riscv-for-linus-6.6-mw1'" (e0152e7481c6); both sides: Arnd Bergmann's "[PATCH 08/21] riscv:
  // dma-mapping: only invalidate after DMA, not flush" (2023-03-27) and its sibling.
  riscvNoFlush: {
    from: '6.6',
    commit: 'eb746180132a, 482069ebdc1d',
    subject: 'riscv: dma-mapping: only invalidate after DMA, not flush; riscv: dma-mapping: skip invalidation before bidirectional DMA',
    file: 'arch/riscv/mm/dma-noncoherent.c',
    before: 'arch_sync_dma_for_cpu(FROM_DEVICE/BIDIRECTIONAL) is a flush (cbo.flush: write back, then invalidate) and arch_sync_dma_for_device(BIDIRECTIONAL) a flush too: a dirty line shared with the buffer is written back over the device\'s bytes',
    after: 'for_cpu invalidates (cbo.inval) and for_device(BIDIRECTIONAL) only cleans: a dirty line shared with the buffer loses the CPU\'s bytes',
    arch: 'riscv',
    verified: true,
  },
  // id: Fixes tags (the mvebu coherency fix 49bc8bebae79 in the 6.0-stable review of 2022-10-19, Christian
  // Meissl's ARCH_HAS_DMA_PREP_COHERENT fix, Linus Walleij's Integrator fix). Release: 6.0, not 5.19 — the commit
  // (authored 2022-04-19) is in "[GIT PULL] dma-mapping updates" tags/dma-mapping-5.20-2022-08-06, based on
  // v5.19-rc3 ("convert arm32 to the common dma-direct code"; 5.20 became 6.0), with the rest of the arm32
  // conversion (dmabounce removal, Robin Murphy's IOMMU ops merge).
  armDmaDirect: {
    from: '6.0',
    commit: 'ae626eb97376',
    subject: 'ARM/dma-mapping: use dma-direct unconditionally',
    file: 'arch/arm/mm/dma-mapping.c',
    before: 'a device without an IOMMU mapping uses arm_dma_ops (arm_dma_map_page and friends); arm_iommu_detach_device() hands the device back to them (set_dma_ops(dev, NULL) falls back to arm_dma_ops; later kernels pick arm_get_dma_map_ops(coherent))',
    after: 'a device without an IOMMU mapping uses dma-direct; arm_iommu_detach_device() does set_dma_ops(dev, NULL), which now means dma-direct',
    arch: 'arm',
    verified: true,
  },
  // The explorer's IOMMU is arm-smmu on arm as on arm64 (its fault lines, context banks, stream IDs), so arm32's
  // ARM_DMA_USE_IOMMU mapping follows arm-smmu's ARM_SMMU_GATES.dmaApi commit. id, release and both sides of the
  // driver: as ARM_SMMU_GATES.dmaApi (TROVON's v4.8 copy of arm-smmu.c: legacy "mmu-masters" only, bus_set_iommu()
  // and no of_xlate; v4.9: iommu_fwspec, arm_smmu_of_xlate(), the fwnode registered for of_iommu; tag
  // iommu-updates-v4.9). The arm32 side, the same on both: arch_setup_dma_ops() in arch/arm/mm/dma-mapping.c does
  // "if (arm_setup_iommu_dma_ops(dev, dma_base, size, iommu)) … else dma_ops = arm_get_dma_map_ops(coherent)"
  // (6.0 on: "if (iommu) arm_setup_iommu_dma_ops(…)"), and arm_setup_iommu_dma_ops() returns false without the ops
  // that of_iommu_configure() only finds through an IOMMU driver's of_xlate. The group still gets no default domain
  // on either side (arm32 has no IOMMU_DMA: the DMA cookie of an IOMMU_DOMAIN_DMA cannot be had, so arm-smmu
  // refuses that type). Tegra's own SMMU (thread 000's hardware) reached arm32's mapping later: TROVON's v4.4 and
  // v4.14 tegra-smmu.c have no of_xlate and no fwspec (bus_set_iommu() only), and Thierry Reding's "[PATCH v3 0/2]
  // drm/nouveau: tegra: Detach from ARM DMA/IOMMU mapping" (2018-05-30) blames "Tegra SMMU driver changes to support
  // IOMMU groups" (tegra_smmu_add_device → tegra_smmu_configure: iommu_fwspec_init + of_xlate, so
  // of_iommu_configure() returns fwspec->ops) for the regression he wanted fixed in v4.16; that commit's id was not
  // found, so it is not a gate of its own.
  armIommuMapping: {
    from: '4.9',
    commit: '021bb8420d44',
    subject: 'iommu/arm-smmu: Wire up generic configuration support',
    file: 'drivers/iommu/arm-smmu.c',
    before: 'arm-smmu gives of_iommu no ops, so arch_setup_dma_ops() creates no ARM_DMA_USE_IOMMU mapping: a device behind the SMMU keeps arm_dma_ops (the DMA address is the physical address), its group has no domain and its stream bypasses the SMMU until a driver attaches one',
    after: 'arch_setup_dma_ops() gets arm-smmu\'s ops: arm_setup_iommu_dma_ops() creates a dma_iommu_mapping and attaches the device, so the DMA API hands out IOVAs from the mapping\'s bitmap',
    arch: 'arm',
    verified: true,
  },
  // id: patchwork-bot "applied to riscv/linux.git" mail (riscv/c/2926715163cf, riscv/c/f51f7a0fc2f4); release:
  // linux-next after the v6.5-rc7 back-merge, i.e. the 6.6 merge period; both sides: the v3 patches' Kconfig diff.
  riscvKmallocBounce: {
    from: '6.6',
    commit: '2926715163cf, f51f7a0fc2f4',
    subject: 'riscv: allow kmalloc() caches aligned to the smallest value; riscv: enable DMA_BOUNCE_UNALIGNED_KMALLOC for !dma_coherent',
    file: 'arch/riscv/Kconfig',
    before: 'small non-coherent kmalloc buffers are mapped in place',
    after: 'RISCV_DMA_NONCOHERENT selects DMA_BOUNCE_UNALIGNED_KMALLOC if SWIOTLB: small non-coherent kmalloc buffers bounce through swiotlb',
    arch: 'riscv',
    verified: true,
  },
  // id: the stable bot's dependency list for v4.19.y ("886643b76632 ("arm64: use the generic swiotlb_dma_ops")", not
  // in 4.19); release: same series as SWIOTLB_GATES.noOverflowBuffer ("move swiotlb noncoherent dma support from
  // arm64 to generic code", queued for 4.20), so 4.20 by that argument, not by a pull shortlog. Before: 4.19's
  // arch/arm64/mm/dma-mapping.c (arm64_swiotlb_dma_ops: .map_page = __swiotlb_map_page, .map_sg =
  // __swiotlb_map_sg_attrs, .get_sgtable = __swiotlb_get_sgtable, …; the series' "[PATCH] arm64: rename
  // swiotlb_dma_ops", 2018-10-01, renamed it so the generic ops could take the name). After: the generic
  // swiotlb_dma_ops of kernel/dma/swiotlb.c (swiotlb_map_page, swiotlb_map_sg_attrs; no ->get_sgtable), until
  // DIRECT_GATES.swiotlbMerged folds them into dma-direct in 5.0.
  // Also tried (2026-12, second pass): 4.20 trees by name (a4913994/linux-4.20 and supersonic-xserver/sslinuX-4.20
  // hold no arch/arm64/mm file), the "dma-mapping updates for 4.20" pull (not stored), push mails (2021 on only).
  // Also tried (2026-12, third pass): 4.20-rc logs of arm64 SWIOTLB users (the ThunderX "Bad page state" report on
  // 4.20.0-rc1 bisected to b4ebe6063204 shows no swiotlb frames); per-release copies (TROVON) stop at v4.14.
  // Also seen (fourth pass, 2026-12): the kbuild robot's 2019 blame of arch/arm64/mm/dma-mapping.c ("886643b766321f1
  // Christoph Hellwig 2018-10-08 … dev->dma_coherent = coherent;"), the author date of the V2 posting; still no pull,
  // push or 4.20 tree names its release.
  // dma_set_mask: the generic swiotlb_dma_ops' ".dma_supported = dma_direct_supported" since 66bdb147 (4.17, see
  // x86GenericSwiotlbOps), kept by the 4.20-form kernel/dma/swiotlb.c copies (github H-Y-B/riscv-linux,
  // GaloisInc/BESSPIN-riscv-linux: the non-coherent swiotlb_map_page this series added, ".alloc = dma_direct_alloc"),
  // so 4.20's arm64 no longer asks swiotlb_dma_supported (defined in that file, used by no ops there).
  arm64GenericSwiotlbOps: {
    from: '4.20',
    commit: '886643b76632',
    subject: 'arm64: use the generic swiotlb_dma_ops',
    file: 'arch/arm64/mm/dma-mapping.c',
    before: "a device without an IOMMU uses arm64's own arm64_swiotlb_dma_ops: __swiotlb_map_page, __swiotlb_map_sg_attrs (cache maintenance only for the entries swiotlb_map_sg_attrs returned), __swiotlb_get_sgtable … in arch/arm64/mm/dma-mapping.c; dma_set_mask asks __swiotlb_dma_supported (the mask must reach the pool's last byte; every mask without a pool)",
    after: 'the generic swiotlb_dma_ops of kernel/dma/swiotlb.c: swiotlb_map_page, swiotlb_map_sg_attrs (dma_common_get_sgtable: the ops have no ->get_sgtable); dma_set_mask asks their .dma_supported, dma_direct_supported (no ZONE_DMA on arm64 then: a mask under 32 bits must reach the last page of RAM), pool or not',
    arch: 'arm64',
    verified: false,
  },
});

// ---------------------------------------------------------------------------
// kernel/dma/direct.c, mapping.c, contiguous.c, kernel/fork.c

export const DIRECT_GATES = table('direct', {
  // dma-direct's coherent allocation retrying an unreachable page with GFP_DMA32. Before: a lib/dma-direct.c of the
  // 4.16 series (Christoph Hellwig's "[PATCH] dma-direct: retry allocations using GFP_DMA for small masks", linux-mips
  // 2018-01-10: "retry the allocation with GFP_DMA set as a last resort"; a stored file of that form, without sev or
  // dma_32bit_limit, id 309190311 of the index): after dma_coherent_ok() fails only "if (dev->coherent_dma_mask <
  // DMA_BIT_MASK(32) && !(gfp & GFP_DMA)) { gfp = (gfp & ~GFP_DMA32) | GFP_DMA; goto again; }". After: the 4.17
  // lib/dma-direct.c (force_dma_unencrypted() → sev_active(), dma_32bit_limit; stored, id 130081658) first "if
  // (IS_ENABLED(CONFIG_ZONE_DMA32) && dev->coherent_dma_mask < DMA_BIT_MASK(64) && !(gfp & (GFP_DMA32 | GFP_DMA))) {
  // gfp |= GFP_DMA32; goto again; }". Subject as remembered (Takashi Iwai, April 2018, after x86 moved to dma-direct
  // in 4.17-rc1); no mail, pull or id was found, and the release is read from the file contents, not pinned.
  // Concerns dma-direct users of 4.16: arm64 (through swiotlb_alloc) and riscv; x86 reaches dma-direct in 4.17.
  dma32Retry: {
    from: '4.17',
    commit: null,
    subject: 'dma-direct: try reallocation with GFP_DMA32 if possible',
    file: 'lib/dma-direct.c',
    before: 'dma_direct_alloc() retries an unreachable page only with GFP_DMA, for a coherent mask under 32 bits: a 33-bit device whose page lands above 8 GiB gets NULL from dma-direct (arm64 4.16 then takes the buffer from the swiotlb pool)',
    after: 'an unreachable page is first retried with GFP_DMA32 when no zone modifier was set (below 4 GiB), then with GFP_DMA',
    verified: false,
  },
  // id and release: the kernel.org commit links for 4.9 (ba14a194a434, e37e43a497d5 "x86/mm/64: Enable vmapped
  // stacks"). Only x86-64 turned it on in 4.9 (arm64 followed in 4.14, riscv later): not arch-gated here.
  vmapStack: {
    from: '4.9',
    commit: 'ba14a194a434',
    subject: 'fork: Add generic vmalloced stack support',
    file: 'kernel/fork.c',
    before: 'the task stack is ordinary linear-map memory (alloc_pages): a stack buffer has a struct page and a physical address like kmalloc memory',
    after: 'CONFIG_VMAP_STACK: the stack is vmalloc\'d, so a stack buffer is vmalloc memory (x86-64 from 4.9)',
    verified: true,
  },
  // id: the bisect in the 2018-11 "dma-direct: Make DIRECT_MAPPING_ERROR viable for SWIOTLB" thread (Robert
  // Richter: "the issue was seen first with: b4ebe6063204 …", pulled with "Merge tag 'dma-mapping-4.20'",
  // cff229491af5; Robin Murphy: the 4.19 effect was different); release: that merge, 4.20. Both sides: the
  // 4.20-era check_addr() ("%s: overflow %pad+%zu of device mask %llx bus mask %llx", printed when the mask is
  // 32 bits or more or a bus mask is set) in stored trees, the bus-mask-less form in 4.17-4.19 ones. Allocations:
  // the 4.19-era kernel/dma/direct.c (force_dma_unencrypted, __dma_direct_alloc_pages) still has dma_coherent_ok()
  // "return addr + size - 1 <= dev->coherent_dma_mask;" and picks GFP_DMA/GFP_DMA32 from dev->coherent_dma_mask;
  // the later "min_not_zero(dev->coherent_dma_mask, dev->bus_dma_limit)" (5.5+ spelling, seen in 5.16-era quotes) is
  // taken to start with this commit, as its subject says; its allocation hunk itself was not seen. Not modelled: 4.19's
  // dma_direct_supported() refusing a mask above the bus mask (not verified).
  overflowBusMask: {
    from: '4.20',
    commit: 'b4ebe6063204',
    subject: 'dma-direct: implement complete bus_dma_mask handling',
    file: 'kernel/dma/direct.c',
    before: 'check_addr(): dev_err "dma_direct_map_page: overflow %pad+%zu of device mask %llx", only for masks of 32 bits or more; coherent allocations ignore the bus limit (zone and dma_coherent_ok() from coherent_dma_mask alone)',
    after: 'check_addr() appends " bus mask %llx" and also reports a device with a bus mask; coherent allocations pick the zone and check the page against min_not_zero(coherent_dma_mask, bus_dma_mask)',
    verified: true,
  },
  // id and subject: Maciej W. Rozycki, "[PATCH v3 0/3] MIPS: SiByte: Handle PCI DMA with 64-bit memory addressing"
  // (linux-mips, 2018-11-13): "I have come across commit 9d7a224b463e (\"dma-direct: always allow dma mask <= physiscal
  // memory size\")". Before: dma_direct_supported() of 4.17's lib/dma-direct.c ("#ifdef CONFIG_ZONE_DMA if (mask <
  // DMA_BIT_MASK(ARCH_ZONE_DMA_BITS)) return 0; #else … if (mask < DMA_BIT_MASK(32)) return 0; #endif", then the
  // dma_32bit_limit test) and the later 4.17–4.19 form (the same limits through __phys_to_dma(), then "if
  // (dev->bus_dma_mask && mask > dev->bus_dma_mask) return 0;"): RAM does not enter. After: a kernel/dma/direct.c with
  // 4.20's check_addr() (" bus mask %llx", DIRECT_GATES.overflowBusMask) and check_addr still there (gone in 5.0):
  // "if (IS_ENABLED(CONFIG_ZONE_DMA)) min_mask = DMA_BIT_MASK(ARCH_ZONE_DMA_BITS); else min_mask = DMA_BIT_MASK(32);
  // min_mask = min_t(u64, min_mask, (max_pfn - 1) << PAGE_SHIFT); … return mask >= __phys_to_dma(dev, min_mask);".
  // Release: 4.20 by that tree and the SiByte mail (4.20-rc2 days) calling it a commit; not verified: the 4.17–4.19
  // forms come from stored files of unknown release (a 4.17-era lib/dma-direct.c, an extracted-function copy, vendor
  // merges), and no 4.19 release tree, pull shortlog or stable mail shows that it missed 4.19.
  // Not modelled: the 4.19 bus_dma_mask refusal of a mask above the bus limit (the commit that brought it was not
  // identified).
  supportedRam: {
    from: '4.20',
    commit: '9d7a224b463e',
    subject: 'dma-direct: always allow dma mask <= physiscal memory size',
    file: 'kernel/dma/direct.c',
    before: 'dma_direct_supported() refuses every mask under DMA_BIT_MASK(ARCH_ZONE_DMA_BITS) with CONFIG_ZONE_DMA (24 bits on x86) and every mask under 32 bits without it (riscv), however little RAM the machine has',
    after: 'a mask under 32 bits is supported when it reaches min(ZONE_DMA, or 4 GiB without CONFIG_ZONE_DMA, and the last page of RAM): riscv with 2 GiB accepts a 31-bit mask',
    verified: false,
  },
  // The value a failed dma-direct map returns (dma/map-error.ts). Before: "[PATCH 26/34] dma-direct: add dma address
  // sanity checks" (Christoph Hellwig, 2018-01-12, the lib/dma-direct.c of the 4.16 series "consolidate direct dma
  // mapping and swiotlb support", "roughly based on the x86 pci-nommu implementation"): "#define DIRECT_MAPPING_ERROR
  // 0", dma_direct_map_page() returns it when check_addr() fails and dma_direct_mapping_error() compares with it;
  // every stored lib/dma-direct.c and kernel/dma/direct.c of 4.16–4.19 shows 0 (find_string "DIRECT_MAPPING_ERROR":
  // no other value). After: Robin Murphy's "dma-direct: Make DIRECT_MAPPING_ERROR viable for SWIOTLB" (the 2018-11
  // thread also cited for overflowBusMask): with the overflow buffer gone (SWIOTLB_GATES.noOverflowBuffer)
  // swiotlb_map_page() returned DIRECT_MAPPING_ERROR too, and a machine with RAM at physical address 0 saw a valid
  // mapping at 0 as a failure, so the value became ~(dma_addr_t)0. Release: Christoph Hellwig's "remove the
  // ->mapping_error method from dma_map_ops V2" cover (lkml, 2018-11-22) lists it among "the first two patches
  // [that] are queued up for 4.20". Unverified: the mainline id (searched: the subject, "viable for SWIOTLB", the
  // all-ones define; no Fixes tag, stable mail or 4.20 tree stored) and a 4.20 tree showing the define.
  // Also tried (fifth pass, 2026-12): "dma-direct: Make DIRECT_MAPPING", "DIRECT_MAPPING_ERROR viable" and the
  // all-ones define in find_string: no hit at all, so not even the subject is shown by a stored source (it is the one
  // remembered from the 2018-11 thread).
  mappingErrorAllOnes: {
    from: '4.20',
    commit: null,
    subject: 'dma-direct: Make DIRECT_MAPPING_ERROR viable for SWIOTLB',
    file: 'kernel/dma/direct.c',
    before: 'DIRECT_MAPPING_ERROR is 0: a map that fails in dma_direct_map_page() returns DMA address 0, which dma_direct_mapping_error() recognises (a driver that ignores it points its device at bus address 0)',
    after: 'DIRECT_MAPPING_ERROR is ~(dma_addr_t)0 (all ones), as DMA_MAPPING_ERROR is for everyone from 5.0; swiotlb_map_page() returns it too, the overflow buffer being gone',
    verified: false,
  },
  // both sides: check_addr() in 4.20-era trees, report_addr() in a 5.0 tree (runninglinuxkernel_5.0) and in
  // the 2020-02 patch that removed it (75467ee48a5e). The commit that introduced report_addr was not found: no
  // Fixes tag, stable mail, pull shortlog or blame in the stored sources names it (searched: the "overflow %pad+%zu
  // of DMA mask" format, "+static void report_addr", candidate subjects; the hits are 5.x trees and the 5.5
  // bus_dma_limit diff). The subject below is descriptive, not the commit's.
  // Also searched (2026-12): "dma-direct: improve addressab…", "dma-direct: remove the mapping_error…", the diff lines
  // "+static void report_addr(" and "-static bool check_addr(" (no hit), and the patch mails of 55897af63091's
  // series (none stored, so whether that commit itself brought report_addr stays open).
  // Also tried (2026-12, second pass): kernel.org post-receive (push) mails, which pair mainline ids with
  // subjects, are stored only from about 2021 on, so none covers the 5.0 merge period.
  overflowReportAddr: {
    from: '5.0',
    commit: null,
    subject: 'dma-direct: report_addr() replaces check_addr() (dma_direct_map_page rework for 5.0)',
    file: 'kernel/dma/direct.c',
    before: 'check_addr(): dev_err "dma_direct_map_page: overflow %pad+%zu of device mask %llx bus mask %llx", printed only for masks of 32 bits or more (or a bus mask)',
    after: 'report_addr(): dev_err_once "overflow %pad+%zu of DMA mask %llx bus mask %llx" (masks of 32 bits or more, or a bus mask), then WARN_ON_ONCE',
    verified: true,
  },
  // id: the commit as quoted by later fixes ('34dc0ea6bc96 ("dma-direct: provide mmap and get_sgtable method
  // overrides")'); release: "[GIT PULL] dma-mapping updates for 5.5" (tags/dma-mapping-5.5) lists it. Both sides:
  // the patch (2019-11-01, "[PATCH 3/5]" on iommu@): dma_get_sgtable_attrs()'s dma_is_direct() branch calls
  // dma_common_get_sgtable (kernel/dma/mapping.c, virt_to_page(cpu_addr)) before, dma_direct_get_sgtable
  // (kernel/dma/direct.c, the page of dma_to_phys(dma_addr)) after. Before 4.18 the same fallback is
  // dma_common_get_sgtable in drivers/base/dma-mapping.c, called from the inline dma_get_sgtable_attrs() when the
  // ops have no ->get_sgtable (kernelDmaDir). Also in Peter Gonda's 2020-09 5.4-stable series (not modelled).
  directGetSgtable: {
    from: '5.5',
    commit: '34dc0ea6bc96',
    subject: 'dma-direct: provide mmap and get_sgtable method overrides',
    file: 'kernel/dma/direct.c',
    before: 'dma_get_sgtable on a dma-direct device is dma_common_get_sgtable (kernel/dma/mapping.c; drivers/base/dma-mapping.c before 4.18): one entry, the page found from cpu_addr (virt_to_page; in 5.4 arch_dma_coherent_to_pfn() for a non-coherent device)',
    after: 'dma_direct_get_sgtable: one entry, the page of dma_to_phys(dma_addr), whatever alias cpu_addr is',
    verified: true,
  },
  // id and release: "[GIT PULL] dma-mapping updates for 5.5" (tags/dma-mapping-5.5 ends at a7ba70f1787f);
  // both sides: the v2 patch diff of report_addr().
  overflowBusLimit: {
    from: '5.5',
    commit: 'a7ba70f1787f',
    subject: 'dma-mapping: treat dev->bus_dma_mask as a DMA limit',
    file: 'kernel/dma/direct.c',
    before: 'the overflow report says "bus mask"',
    after: 'the overflow report says "bus limit"',
    verified: true,
  },
  // id and release: "[GIT PULL] dma-mapping fixes for 5.6" (tags/dma-mapping-5.6 ends at 75467ee48a5e);
  // both sides: the patch (2020-02-04). Not 5.7.
  overflowAlways: {
    from: '5.6',
    commit: '75467ee48a5e',
    subject: 'dma-direct: improve DMA mask overflow reporting',
    file: 'kernel/dma/direct.c',
    before: 'the overflow is reported only for a mask of 32 bits or more (or a bus limit)',
    after: 'dev_err_once "DMA addr %pad+%zu overflow (mask %llx, bus limit %llx)." then WARN_ON_ONCE, for every mask (later kernels fold both into one dev_WARN_ONCE)',
    verified: true,
  },
  // id: the commit itself (gitiles copies in the msm-4.19 and mainline mirrors, "18 files changed"; its diff of
  // kernel/Makefile adds "obj-y += dma/", so kernel/dma/ starts with it) and Fixes tags quoting it. Release: 4.18.
  // Builds of 4.18.0 source kernel/dma/Kconfig: the arm64 build of v4.18 plus the -rt1 patch (github
  // zzwd/linux-4.18-rt, include/config/kernel.release "4.18.0-rt1+", include/config/auto.conf.cmd "deps_config :=
  // lib/fonts/Kconfig kernel/dma/Kconfig …") and an x86 build (github wenhuizhang/linux-4.18-i,
  // linux/include/config/kernel.release "4.18.0+", the same deps_config line); the WindRiver linux-yocto-4.18 tree
  // has kernel/dma/swiotlb.c too. Before: an x86-64 build of 4.17.12 (github xjh19971110/linux-4.17.12) still
  // compiles lib/dma-direct.c. The move came at the end of the 4.18 merge period: the 4.18 merge period had only
  // just created lib/dma-noncoherent.c (782e6769c0df), which this commit moves, and on 2018-06-15 the author still
  // posted patches against lib/dma-noncoherent.c ("[PATCH 22/25] dma-noncoherent: add a arch_sync_dma_for_cpu_all
  // hook"). The earlier reading (4.19) rested on that mail alone. Not seen: a pull shortlog or 4.18.y stable mail.
  kernelDmaDir: {
    from: '4.18',
    commit: 'cf65a0f6f6ff',
    subject: 'dma-mapping: move all DMA mapping code to kernel/dma',
    file: 'kernel/dma/',
    before: 'lib/dma-debug.c, lib/swiotlb.c, lib/dma-direct.c and drivers/base/dma-*.c',
    after: 'kernel/dma/debug.c, kernel/dma/swiotlb.c, kernel/dma/direct.c, kernel/dma/mapping.c …',
    verified: true,
  },
  // The names of dma-direct's CMA glue (kernelName('cmaDirectAlloc'/'cmaDirectFree')). id: the Fixes tag of
  // "dma-direct: fix zone selection after an unaddressable CMA allocation" (Christoph Hellwig: "Fixes: b1d2dc009dec
  // (\"dma-contiguous: add dma_{alloc,free}_contiguous() helpers\")"; an earlier application of the same patch,
  // fdaeec198ada, is what Nicolin Chen's cma_align fix and a bisect log name); release: "[GIT PULL] dma-mapping
  // updates for Linux 5.3" (tags/dma-mapping-5.3: "Nicolin Chen (4): dma-contiguous: add dma_{alloc,free}_contiguous()
  // helpers; dma-contiguous: use fallback alloc_pages for single pages; …"), the pull of cmaSinglePage. Not 5.1.
  // Both sides: __dma_direct_alloc_pages / __dma_direct_free_pages of a 5.0 tree call dma_alloc_from_contiguous /
  // dma_release_from_contiguous themselves (the gfpflags_allow_blocking check in dma-direct); after, the helpers
  // of kernel/dma/contiguous.c decide (blocking, more than one page) and fall back to alloc_pages_node.
  contiguousHelpers: {
    from: '5.3',
    commit: 'b1d2dc009dec',
    subject: 'dma-contiguous: add dma_{alloc,free}_contiguous() helpers',
    file: 'kernel/dma/contiguous.c',
    before: 'dma-direct calls dma_alloc_from_contiguous / dma_release_from_contiguous itself',
    after: 'dma-direct calls dma_alloc_contiguous / dma_free_contiguous',
    verified: true,
  },
  // both sides: dma_alloc_from_contiguous() for every size in a 5.0 tree; the 5.3 side from the commit.
  cmaSinglePage: {
    from: '5.3',
    commit: 'bd2e75633c80',
    subject: 'dma-contiguous: use fallback alloc_pages for single pages',
    file: 'kernel/dma/contiguous.c',
    before: 'a blocking dma_alloc_coherent takes even a single page from CMA (dma_alloc_from_contiguous for any size)',
    after: 'dma_alloc_contiguous: single pages never come from the default CMA area',
    verified: true,
  },
  // id: Fixes tag of the i2c-imx fix (2022); release: "[GIT PULL] dma-mapping updates for 5.5" ("check for vmap
  // memory in dma_map_single (Kees Cook)"), also backported to 5.4.8; both sides: the v4 patch. Not 5.18.
  vmallocRejected: {
    from: '5.5',
    commit: '4544b9f25e70',
    subject: 'dma-mapping: Add vmap checks to dma_map_single()',
    file: 'include/linux/dma-mapping.h',
    before: 'dma_map_single of a vmalloc address goes ahead (dma-debug, where it has debug_dma_map_single, says "device driver maps memory from vmalloc area"); virt_to_page() of the address gives an unrelated page',
    after: 'dma_map_single of a vmalloc address WARNs once and returns DMA_MAPPING_ERROR',
    verified: true,
  },
  // id: Fixes tags quoting 55897af63091 (the 2019 dma_direct_sync_sg_for_* fix, the 2022 "Fixes:" on iommu@);
  // release: John Stultz's 2020 mail "In v5.0 this was incidentally fixed by commit 55897af63091 (\"dma-direct:
  // merge swiotlb_dma_ops into the dma_direct code\")". Both sides: dma_direct_map_sg() of 4.17–4.20 trees
  // (sg_dma_address(sg) = phys_to_dma(…); "if (!check_addr(dev, sg_dma_address(sg), sg->length, __func__))
  // return 0;": the entries before stay as they are, and dma_map_sg_attrs' debug_dma_map_sg(dev, sg, nents, 0, dir)
  // records nothing), and the 5.0 form (sg->dma_address = dma_direct_map_page(…); on DMA_MAPPING_ERROR "goto
  // out_unmap": dma_direct_unmap_sg(dev, sgl, i, dir, attrs | DMA_ATTR_SKIP_CPU_SYNC); return 0). A device with
  // swiotlb used swiotlb_dma_ops before (swiotlb_map_sg_attrs, which always unmapped on failure, and called
  // swiotlb_full(…, 0): the "Out of SW-IOMMU space" line without the overflow buffer or the panic).
  swiotlbMerged: {
    from: '5.0',
    commit: '55897af63091',
    subject: 'dma-direct: merge swiotlb_dma_ops into the dma_direct code',
    file: 'kernel/dma/direct.c',
    before: 'dma_direct_map_sg (devices without swiotlb) returns 0 at the first entry check_addr() rejects and leaves the entries before it mapped, their sg_dma_address set; swiotlb devices use swiotlb_map_sg_attrs, which unmaps what it mapped',
    after: 'one dma_direct_map_sg: each entry through dma_direct_map_page; on a failure the entries already mapped are unmapped (DMA_ATTR_SKIP_CPU_SYNC) and it returns 0',
    verified: true,
  },
  // The function that maps one buffer and its file (the names, not the behaviour: kernelName()).
  // id: the bisect in the 2020-07 "dma-mapping: make support for dma ops optional" report on the iommu list
  // ("good: [b4174173005972f8f6497883d08d87e0aba1b604] dma-mapping: inline the fast path dma-direct calls", the
  // dma-mapping tree in linux-next); release: "[GIT PULL] dma-mapping updates for 5.9" (shortlog). Both sides:
  // d3fa60d7bfdc's diff (the patch before it in the series) still declares dma_direct_map_page() as a function of
  // kernel/dma/direct.c, and 19c65c3d30bb's diff (5.10) removes the static inline dma_direct_map_page() and
  // dma_direct_unmap_page() from include/linux/dma-direct.h.
  fastPathInline: {
    from: '5.9',
    commit: 'b41741730059',
    subject: 'dma-mapping: inline the fast path dma-direct calls',
    file: 'include/linux/dma-direct.h',
    before: 'dma_direct_map_page / dma_direct_unmap_page are functions of kernel/dma/direct.c',
    after: 'they are static inlines in include/linux/dma-direct.h',
    verified: true,
  },
  // id: a push log of the 5.10 merge period ("19c65c3d30bb5a97170e425979d2e44ab2096c7d dma-mapping: move large parts
  // of <linux/dma-direct.h> to kernel/dma"); release: "[GIT PULL] dma-mapping updates for 5.10" (tags/dma-mapping-5.10,
  // shortlog); both sides: the patch ("[PATCH 8/9]", 2020-09-30) moves the inlines into the new kernel/dma/direct.h.
  directHeader: {
    from: '5.10',
    commit: '19c65c3d30bb',
    subject: 'dma-mapping: move large parts of <linux/dma-direct.h> to kernel/dma',
    file: 'kernel/dma/direct.h',
    before: 'dma_direct_map_page / dma_direct_unmap_page are static inlines in include/linux/dma-direct.h',
    after: 'they are static inlines in kernel/dma/direct.h, private to kernel/dma',
    verified: true,
  },
  // id: the Fixes tag of the 2025 "dma_addr is uninitialized in dma_direct_map_phys()" fix (Jiri Pirko: "Fixes:
  // e53d29f957b3 (\"dma-mapping: convert dma_direct_*map_page to be phys_addr_t based\")"), and the same id in a
  // mainline push of 2025-10-04 (sj/linux master, after "Merge tag 'dma-mapping-6.17-2025-09-09'", beside
  // 513559f73700 and e9e81d86fee6 of the same series); release: the dma_map_phys series went in with
  // tags/dma-mapping-6.18-2025-09-30 (see DEBUG_GATES.phy). Both sides: the patch's diff of kernel/dma/direct.h
  // (dma_direct_map_page(dev, page, offset, …) → dma_direct_map_phys(dev, phys, …); dma_direct_map_sg calls it).
  mapPhys: {
    from: '6.18',
    commit: 'e53d29f957b3',
    subject: 'dma-mapping: convert dma_direct_*map_page to be phys_addr_t based',
    file: 'kernel/dma/direct.h',
    before: 'dma-direct maps a buffer in dma_direct_map_page and unmaps it in dma_direct_unmap_page',
    after: 'dma_direct_map_phys / dma_direct_unmap_phys',
    verified: true,
  },
});

// ---------------------------------------------------------------------------
// kernel/dma/swiotlb.c (lib/swiotlb.c before 4.18)

export const SWIOTLB_GATES = table('swiotlb', {
  // id: the kbuild robot's blame of lib/swiotlb.c ("0443fa003fa199f lib/swiotlb.c Alexander Duyck 2016-11-02" on
  // swiotlb_tbl_map_single's new "unsigned long attrs" argument). Both sides: the patch ("[net-next PATCH RFC 02/26]
  // swiotlb: Add support for DMA_ATTR_SKIP_CPU_SYNC", 2016-10-24, and v2 03/26 for mm, 2016-11-02): swiotlb_tbl_map_single
  // "if (dir == DMA_TO_DEVICE || dir == DMA_BIDIRECTIONAL) swiotlb_bounce(…)" → "if (!(attrs & DMA_ATTR_SKIP_CPU_SYNC)
  // && (…))", swiotlb_tbl_unmap_single gains "!(attrs & DMA_ATTR_SKIP_CPU_SYNC) &&" before its copy back, and
  // swiotlb_unmap_page passes attrs down (unmap_single(hwdev, dev_addr, size, dir) before). Release: the per-release
  // copies of lib/swiotlb.c in the TROVON data set (github garghub/TROVON,
  // dataset/codebase_cleansed/linux_kernel/v<release>/swiotlb.c): v4.9's swiotlb_tbl_map_single(hwdev, tbl_dma_addr,
  // orig_addr, size, dir) bounces on every DMA_TO_DEVICE/BIDIRECTIONAL map and swiotlb_tbl_unmap_single(hwdev,
  // tlb_addr, size, dir) on every FROM_DEVICE/BIDIRECTIONAL unmap; v4.10's take "unsigned long attrs" and test
  // "!(attrs & DMA_ATTR_SKIP_CPU_SYNC)" before both copies. So 4.10 (checked third pass, 2026-12; v2 of the series was posted
  // for the mm tree). Not modelled: the arch halves of the series (arm64's own __swiotlb_* cache maintenance).
  skipCpuSync: {
    from: '4.10',
    commit: '0443fa003fa1',
    subject: 'swiotlb: Add support for DMA_ATTR_SKIP_CPU_SYNC',
    file: 'lib/swiotlb.c',
    before: 'swiotlb takes no attrs: a bounced mapping is copied into its slot at map (DMA_TO_DEVICE, DMA_BIDIRECTIONAL) and back at unmap (DMA_FROM_DEVICE, DMA_BIDIRECTIONAL) even with DMA_ATTR_SKIP_CPU_SYNC',
    after: 'DMA_ATTR_SKIP_CPU_SYNC skips both copies',
    verified: true,
  },
  // id: the kbuild robot's blame of kernel/dma/swiotlb.c ("d0bc0c2a31c9500 lib/swiotlb.c Christian König 2018-01-04"
  // on "if (!(attrs & DMA_ATTR_NO_WARN) && printk_ratelimit())"). Both sides: the patch ("[PATCH 01/22] swiotlb:
  // suppress warning when __GFP_NOWARN is set", 2018-01-10, first of Christoph Hellwig's series consolidating the
  // swiotlb dma_map implementations): "-\tif (printk_ratelimit())" → "+\tif (!(attrs & DMA_ATTR_NO_WARN) &&
  // printk_ratelimit())" before dev_warn "swiotlb buffer is full"; and the per-release lib/swiotlb.c of the TROVON
  // data set (v4.10, v4.14: "not_found: … if (printk_ratelimit()) dev_warn(hwdev, "swiotlb buffer is full (sz: %zd
  // bytes)\n", size)", attrs unread). Release: inferred, 4.16 — the series was posted after 4.15-rc7 for the next
  // merge period (it also reached 4.14.y/4.15.y stable, CC stable: not modelled). The "DMA: Out of SW-IOMMU space"
  // line of swiotlb_full() never read attrs (swiotlb.noOverflowBuffer).
  noWarnAttr: {
    from: '4.16',
    commit: 'd0bc0c2a31c9',
    subject: 'swiotlb: suppress warning when __GFP_NOWARN is set',
    file: 'lib/swiotlb.c',
    before: 'DMA_ATTR_NO_WARN does not silence swiotlb: a full pool prints "swiotlb buffer is full" whatever the attrs',
    after: 'a map with DMA_ATTR_NO_WARN fails without the "swiotlb buffer is full" line',
    verified: false,
  },
  // Coherent allocations from the pool (dma/coherent.ts swiotlbAllocBuffer). id: Christoph Hellwig's reply in the
  // review thread of "[PATCH 10/22] swiotlb: refactor coherent buffer allocation" (2018-01-10, linux-mips archive: "here
  // is the fixed version … hch/misc.git/commitdiff/0176adb004065d6815a8e67946752df4cd947c5b"), the dma-mapping tree
  // being merged unrebased. Both sides: before, swiotlb_alloc_coherent() of the TROVON lib/swiotlb.c for v4.14 — after
  // __get_free_pages(), "map_single(hwdev, 0, size, DMA_FROM_DEVICE, 0)", which starts with the SWIOTLB_NO_FORCE
  // "Cannot do DMA to address %pa" line; a slot out of reach: printk "hwdev DMA mask = 0x%016Lx, dev_addr =
  // 0x%016Lx" (no level, no device), then err_warn: pr_warn "swiotlb: coherent allocation failed for device %s
  // size=%zu" and dump_stack(); after, swiotlb_alloc_buffer() of a 4.19 kernel/dma/swiotlb.c (the HEAD side of an
  // android-13 merge of it): "if (swiotlb_force == SWIOTLB_NO_FORCE) goto out_warn;", swiotlb_tbl_map_single(dev,
  // …, 0, size, DMA_FROM_DEVICE, attrs), "if (!dma_coherent_ok(dev, *dma_handle, size)) goto out_unmap;", dev_warn
  // "hwdev DMA mask …", and out_warn: "if (!(attrs & DMA_ATTR_NO_WARN) && printk_ratelimit()) { dev_warn(dev,
  // "swiotlb: coherent allocation failed, size=%zu\n", size); dump_stack(); }" (swiotlb_alloc() turns __GFP_NOWARN
  // into DMA_ATTR_NO_WARN). Release: a linux-next-20180205 log (4.16 merge period, thread of "fontswap thp fix")
  // already prints "nouveau 0000:01:00.0: swiotlb: coherent allocation failed, size=2097152"; 4.14 prints the old
  // line: 4.16. The v2 patch tested DMA_ATTR_NO_WARN the wrong way round ("if ((attrs & DMA_ATTR_NO_WARN) && …");
  // whether that reached a release, and until when, is not settled: the 4.19 test is modelled from 4.16.
  coherentAllocBuffer: {
    from: '4.16',
    commit: '0176adb00406',
    subject: 'swiotlb: refactor coherent buffer allocation',
    file: 'lib/swiotlb.c',
    before: 'swiotlb_alloc_coherent() falls back to map_single(hwdev, 0, size, DMA_FROM_DEVICE, 0): with SWIOTLB_NO_FORCE "Cannot do DMA to address 0x0000000000000000"; a full pool "swiotlb buffer is full" whatever __GFP_NOWARN; a slot out of reach "hwdev DMA mask = 0x%016Lx, dev_addr = 0x%016Lx" (printk, no device); every failure then pr_warn "swiotlb: coherent allocation failed for device %s size=%zu" and a stack dump',
    after: 'swiotlb_alloc_buffer(): SWIOTLB_NO_FORCE fails at once with no "Cannot do DMA" line; __GFP_NOWARN (DMA_ATTR_NO_WARN) silences the full-pool and the final lines; a slot out of reach is dev_warn "hwdev DMA mask = …"; the final line is dev_warn "swiotlb: coherent allocation failed, size=%zu", then a stack dump',
    verified: true,
  },
  // id and release: the stable bot's dependency list for v4.19.y (mail of 2020-08-26 on "iommu/tegra-smmu: Add
  // missing locks around mapping operations": fafadcd16595 "swiotlb: don't dip into swiotlb pool for coherent
  // allocations" is not in 4.19, listed with 886643b76632 "arm64: use the generic swiotlb_dma_ops", 4.20) and Tom
  // Lendacky's "Fixes: fafadcd16595" of 2019; the series cover letter ("move swiotlb noncoherent dma support from
  // arm64 to generic code V2", 2018-10-08: "add a patch in to stop dipping into the swiotlb pool for coherent
  // allocations - this just depletes the swiotlb pool for no good reason"). Before: swiotlb_alloc() "vaddr =
  // dma_direct_alloc(…); if (!vaddr) vaddr = swiotlb_alloc_buffer(…);" in a 4.19 kernel/dma/swiotlb.c. After: the
  // 4.20 code was not read; a 5.0 tree has no swiotlb allocator at all (dma_direct_alloc alone).
  noCoherentPool: {
    from: '4.20',
    commit: 'fafadcd16595',
    subject: "swiotlb: don't dip into swiotlb pool for coherent allocations",
    file: 'kernel/dma/swiotlb.c',
    before: 'when no page within the coherent mask can be had (x86 with swiotlb, arm64, riscv from its swiotlb), swiotlb\'s allocator takes the buffer from the bounce pool: slots stay in use until dma_free_coherent, and a device whose mask does not reach the pool gets NULL after "hwdev DMA mask = …"',
    after: 'dma_alloc_coherent never uses the swiotlb pool: an unreachable allocation is NULL',
    verified: false,
  },
  // id: the stable bot's dependency list for v4.19.y (dff8d6c1ed58 is not in 4.19); 8088546832aa (same series,
  // adjacent in the kernel/dma history) removed swiotlb_full(), i.e. the "Out of SW-IOMMU space" line and the panic.
  // Release: the series ("move swiotlb noncoherent dma support from arm64 to generic code V2", posted 2018-10-08,
  // before the 4.20 merge period) broke SWIOTLB users with RAM at physical address 0, and the two fixes ("dma-direct:
  // Make DIRECT_MAPPING_ERROR viable for SWIOTLB", "swiotlb: Skip cache maintenance on map error") were "queued up
  // for 4.20" by 2018-11-22 ("remove the ->mapping_error method from dma_map_ops V2"): the removal was in 4.20-rc,
  // so 4.20. Both sides: swiotlb_map_page() of a 4.19-era kernel/dma/swiotlb.c (swiotlb_full(dev, size, dir, 1),
  // then the overflow buffer; dev_err_ratelimited "DMA: Out of SW-IOMMU space for %zu bytes", skipped with
  // swiotlb=noforce; panic above the 32 KiB io_tlb_overflow) and a 5.0 tree (neither). 8088546832aa was also
  // backported to 4.19.y (AUTOSEL 4.19, 2019-11), so late 4.19.y kernels no longer print that line: not modelled.
  // The handle (dma/map-error.ts): the TROVON copy of lib/swiotlb.c for v4.14 (github garghub/TROVON,
  // dataset/codebase_cleansed/linux_kernel/v4.14/swiotlb.c) — swiotlb_map_page() "return swiotlb_phys_to_dma(dev,
  // io_tlb_overflow_buffer);" on a full pool and on a slot out of reach, swiotlb_dma_mapping_error() "return (dma_addr
  // == swiotlb_phys_to_dma(hwdev, io_tlb_overflow_buffer));", and swiotlb_init_with_tbl() taking the buffer with
  // memblock_virt_alloc_low_nopanic(PAGE_ALIGN(io_tlb_overflow), PAGE_SIZE) after the pool (layout.ts).
  noOverflowBuffer: {
    from: '4.20',
    commit: 'dff8d6c1ed58, 8088546832aa',
    subject: 'swiotlb: remove the overflow buffer; swiotlb: do not panic on mapping failures',
    file: 'kernel/dma/swiotlb.c',
    before: 'a full pool also logs "DMA: Out of SW-IOMMU space for %zu bytes" (swiotlb_full) and hands out the overflow buffer: the handle is io_tlb_overflow_buffer\'s DMA address (32 KiB right below the pool), which swiotlb_dma_mapping_error() recognises and into which a device pointed at it DMAs; a mapping above 32 KiB panics',
    after: 'a full pool returns DMA_MAPPING_ERROR (DIRECT_MAPPING_ERROR, all ones in 4.20) after the "swiotlb buffer is full" line',
    verified: true,
  },
  // arm64 with no swiotlb pool before 5.0, when its dma_map_ops were swiotlb's (DIRECT_GATES.swiotlbMerged). Both
  // sides: the per-release lib/swiotlb.c of the TROVON data set (github garghub/TROVON,
  // dataset/codebase_cleansed/linux_kernel/v4.9/swiotlb.c: swiotlb_force is an int, map_single() goes straight to
  // swiotlb_tbl_map_single(), whose only guard is "if (no_iotlb_memory) panic(…)"; v4.14/swiotlb.c: map_single()
  // starts "if (swiotlb_force == SWIOTLB_NO_FORCE) { dev_warn_ratelimited(hwdev, "Cannot do DMA to address %pa\n",
  // &phys); return SWIOTLB_MAP_ERROR; }" and swiotlb_full() returns at once for SWIOTLB_NO_FORCE, so
  // swiotlb_map_page() hands out the overflow buffer's address without another word), and arch/arm64/mm/init.c's
  // mem_init() in stored arm64 trees: before, "if (swiotlb_force || max_pfn > (arm64_dma_phys_limit >> PAGE_SHIFT))
  // swiotlb_init(1);" and nothing else, so with all RAM inside ZONE_DMA no pool is set up, no_iotlb_memory stays false
  // and swiotlb_tbl_map_single() indexes io_tlb_list, never allocated (NULL): an oops; after, "else swiotlb_force =
  // SWIOTLB_NO_FORCE;". With RAM above arm64_dma_phys_limit swiotlb_init(1) runs on both sides: before, a missing pool
  // is one that could not be allocated (no_iotlb_memory: the panic of SWIOTLB_GATES.noPoolWarn); after, the language's
  // swiotlb=0 there is the boot option swiotlb=noforce (setup_io_tlb_npages(): SWIOTLB_NO_FORCE and io_tlb_nslabs =
  // 1, so swiotlb_init() sets up one slab and, before 4.20, the overflow buffer below it). The same words stay in
  // 4.20's swiotlb_map_page() (c4dae366925f, "swiotlb: refactor swiotlb_map_page", by the kbuild robot's blame) and
  // 5.0's swiotlb_map(). id and release: the subject is the swiotlb=noforce series (Geert Uytterhoeven, converting
  // swiotlb_force to an enum), taken for 4.10; no 4.10 tree was found in stored sources. id: the kbuild robot's blame
  // of include/trace/events/swiotlb.h (clang-built-linux, 2021-05-11): "ae7871be189cb4 Geert Uytterhoeven 2016-12-16"
  // on the enum lines of __print_symbolic (the int-to-enum patch of the series) and "fff5d99225107f Geert Uytterhoeven
  // 2016-12-16" on "{ SWIOTLB_FORCE, "FORCE" }," — the line that gained its comma when SWIOTLB_NO_FORCE was added
  // after it, i.e. the noforce patch. Release 4.10, both sides seen (sixth pass, 2026-12): TROVON's v4.9/swiotlb.c
  // (above: swiotlb_force an int, no noforce) and v4.10/swiotlb.c (github garghub/TROVON,
  // dataset/codebase_cleansed/linux_kernel/v4.10/swiotlb.c): setup_io_tlb_npages() has '} else if (!strcmp(str,
  // "noforce")) { swiotlb_force = SWIOTLB_NO_FORCE; io_tlb_nslabs = 1; }', map_single() the "Cannot do DMA to
  // address %pa" early return and swiotlb_full() the SWIOTLB_NO_FORCE return.
  noForce: {
    from: '4.10',
    commit: 'fff5d9922510',
    subject: 'swiotlb: Add swiotlb=noforce debug option',
    file: 'lib/swiotlb.c',
    before: 'there is no swiotlb=noforce: arm64 with all RAM inside ZONE_DMA sets up no swiotlb pool and says nothing more, so a mapping that must bounce reaches swiotlb_tbl_map_single(), which dereferences the never allocated io_tlb_list (an oops); with RAM beyond it a missing pool is one swiotlb_init(1) failed to allocate, and swiotlb_tbl_map_single() panics',
    after: 'arm64 without a pool has swiotlb_force = SWIOTLB_NO_FORCE (mem_init() sets it with all RAM inside ZONE_DMA; with RAM beyond it swiotlb=0 stands for the boot option swiotlb=noforce, which exists from here): a mapping that must bounce logs "Cannot do DMA to address %pa" (dev_warn_ratelimited) and fails, the handle being the overflow buffer\'s address (0 when swiotlb_init() never ran; all ones in 4.20)',
    arch: 'arm64',
    verified: true,
  },
  // Release: "[GIT PULL] dma-mapping updates for 5.6" (Christoph Hellwig, 2020-02-18, tags/dma-mapping-5.6 ending at
  // 75467ee48a5e, DIRECT_GATES.overflowAlways) lists "dma-direct: improve swiotlb error reporting" among its three
  // commits. Both sides: the patch ("[PATCH 1/2] dma-direct: improve swiotlb error reporting", 2020-02-04, iommu
  // list): before, dma_direct_map_page() did "if (unlikely(!dma_direct_possible(dev, dma_addr, size)) &&
  // !swiotlb_map(dev, &phys, &dma_addr, size, dir, attrs)) { report_addr(dev, dma_addr, size); return
  // DMA_MAPPING_ERROR; }" and the bool swiotlb_map() started "if (unlikely(swiotlb_force == SWIOTLB_NO_FORCE)) {
  // dev_warn_ratelimited(dev, "Cannot do DMA to address %pa\n", phys); return false; }" (the 55897af63091 shape,
  // by the kbuild robot's blame of kernel/dma/swiotlb.c); after, dma_direct_map_page() tests "if (swiotlb_force !=
  // SWIOTLB_NO_FORCE) return swiotlb_map(…);" itself and swiotlb_map() lost the line. The same check is still in 5.10's
  // kernel/dma/direct.h (replaced by is_swiotlb_active(dev) later). id: not found in stored sources (75467ee48a5e's
  // parent in the pull). Not 5.10. Before 5.0 the line is map_single()'s (noForce).
  // Also tried (fifth pass, 2026-12): the subject's first words (header folding and the quoted-printable wrap of
  // linux-next's daily "Merging <tree> (<id> <subject>)" lines hide whole-subject matches), "dma-direct: improve
  // swiotlb" (only the patch, its review, the pull and a bisect reply); 75467ee48a5e was dma-mapping/for-next's tip
  // in every stored linux-next log, so this commit never was. Not to be used: b72e7e81954c, the id of a draft
  // Christoph Hellwig attached on linux-pci (2020-02-03, "pci-usb/pci-sata broken with LPAE config"), whose
  // dma_direct_map_page() differs from the posted patch (IS_ENABLED(CONFIG_SWIOTLB)).
  noForceInDirect: {
    from: '5.6',
    commit: null,
    subject: 'dma-direct: improve swiotlb error reporting',
    file: 'kernel/dma/swiotlb.c',
    before: 'with swiotlb_force == SWIOTLB_NO_FORCE (swiotlb=noforce; arm64 without a pool), a buffer the device cannot reach still reaches swiotlb_map(), which logs "Cannot do DMA to address %pa" (dev_warn_ratelimited) and returns false: dma-direct then prints its overflow report',
    after: 'dma_direct_map_page() skips swiotlb_map() for SWIOTLB_NO_FORCE: only the overflow report',
    verified: true,
  },
  // release: "[GIT PULL] (swiotlb) stable/for-linus-5.2" (2019-05-07, Dongli Zhang); both sides: a 5.0 tree
  // (no totals) and a 5.2 tree (totals). Not 5.1. id: the kbuild robot's blame of kernel/dma/swiotlb.c (July
  // 2019) attributes the "swiotlb buffer is full (sz: %zd bytes), total %lu (slots), used %lu (slots)" line and
  // tmp_io_tlb_used to 53b29c336830 (Dongli Zhang, 2019-04-12); linux-next had 8395c154abb7 "(v2)" before the rebase.
  fullTotals: {
    from: '5.2',
    commit: '53b29c336830',
    subject: 'swiotlb: dump used and total slots when swiotlb buffer is full',
    file: 'kernel/dma/swiotlb.c',
    before: '"swiotlb buffer is full (sz: %zd bytes)"',
    after: '"swiotlb buffer is full (sz: %zd bytes), total %lu (slots), used %lu (slots)"',
    verified: true,
  },
  // ids: Fixes tags and stable backports ("This is a backport of ddbd89deb7d3 (\"swiotlb: fix info leak with
  // DMA_FROM_DEVICE\") and aa6f8dcbab47 (\"swiotlb: rework \"fix info leak with DMA_FROM_DEVICE\"\")", Halil Pasic,
  // 2022-03-22, for 5.4.y and 5.10.y). Release: "These commits appeared in v5.17 and v5.16.15" ("[REGRESSION] Recent
  // swiotlb DMA_FROM_DEVICE fixes break ath9k-based AP", Oleksandr Natalenko, 2022-03-23). Both sides: the two
  // diffs. ddbd89deb7d3 alone made the map copy depend only on DMA_ATTR_SKIP_CPU_SYNC (DMA_ATTR_OVERWRITE was never
  // used), but no release had that state: aa6f8dcbab47, also in v5.17, bounces unconditionally in
  // swiotlb_tbl_map_single and in swiotlb_sync_single_for_device ("Unconditional bounce is necessary to avoid
  // corruption on sync_*_for_cpu or dma_ummap_*").
  copyAtMapAlways: {
    from: '5.17',
    commit: 'ddbd89deb7d3, aa6f8dcbab47',
    subject: 'swiotlb: fix info leak with DMA_FROM_DEVICE; swiotlb: rework "fix info leak with DMA_FROM_DEVICE"',
    file: 'kernel/dma/swiotlb.c',
    before: 'map copies the original into the slot only for DMA_TO_DEVICE and DMA_BIDIRECTIONAL without DMA_ATTR_SKIP_CPU_SYNC: a DMA_FROM_DEVICE slot keeps stale bytes (CVE-2022-0854)',
    after: 'map always copies the original into the slot, whatever the direction and attributes; in 5.17 sync_for_device also copies it in again for every direction, DMA_FROM_DEVICE included',
    verified: true,
  },
  // ids and both sides: the 5.4-stable backport of 901c7280ca0d ("commit 901c7280ca0d… upstream": "the full revert
  // of that commit (revert in bddac7c1e02b)" … "reinstate the cleanups from commit aa6f8dcbab47 … and effectively
  // only revert the part that caused problems", i.e. swiotlb_sync_single_for_device; its diff keeps the
  // unconditional map bounce) and the revert's diff. Release: both follow the 2022-03-23 regression report against
  // v5.17 and are in 5.16.y/5.15.y only as backports ("[2] is present in 5.17/5.16/5.15" stable), so mainline 5.18.
  syncForDeviceByDir: {
    from: '5.18',
    commit: 'bddac7c1e02b, 901c7280ca0d',
    subject: 'Revert "swiotlb: rework "fix info leak with DMA_FROM_DEVICE""; Reinstate some of "swiotlb: rework "fix info leak with DMA_FROM_DEVICE""',
    file: 'kernel/dma/swiotlb.c',
    before: 'swiotlb_sync_single_for_device copies the original into the slot for every direction: a DMA_FROM_DEVICE sync_for_device after the device wrote puts the CPU\'s old bytes back over the device\'s (the ath9k regression)',
    after: 'sync_for_device copies only for DMA_TO_DEVICE and DMA_BIDIRECTIONAL again; map still copies for every direction',
    verified: true,
  },
  // ids: Fixes tags of Will Deacon's 2024 fixes ("Commit bbb73a103fbb (\"swiotlb: fix a braino in the alignment check
  // fix\"), which was a fix for commit 0eee5ae10256"); release: both in 6.3 — 0eee5ae10256 (2023-03-22) is the base
  // of tags/dma-mapping-6.3-2023-04-08 ("dma-mapping fix for Linux 6.3"), which adds bbb73a103fbb; CVE-2024-35814
  // ("affected >=6.3.0") agrees. Not modelled: the double allocation of slots that CVE fixes.
  slotOffsetMatch: {
    from: '6.3',
    commit: '0eee5ae10256, bbb73a103fbb',
    subject: 'swiotlb: fix slot alignment checks; swiotlb: fix a braino in the alignment check fix',
    file: 'kernel/dma/swiotlb.c',
    before: 'a mapping of PAGE_SIZE or more (or with an alloc_align_mask) searches with a page stride from ALIGN(index, stride): its slot is page aligned',
    after: 'the search starts at the area index and the slot must match the original in the bits of (alloc_align_mask | ~PAGE_MASK for ≥ PAGE_SIZE) above the 2 KiB slot: a buffer at offset 0x800 gets a slot at offset 0x800, not a page-aligned one',
    verified: true,
  },
  // ids and release: the 6.6/6.7 stable reviews ("commit 14cebf689a78 upstream", "Upstream commit 04867a7a3332",
  // 2024-04: "swiotlb: Fix double-allocation of slots due to broken alignment handling" separates alloc_align_mask
  // from the device's mask, 14cebf689a78 reinstates page alignment for mappings of PAGE_SIZE or more), both from
  // the 6.9 merge period; CVE-2024-35814 lists 6.8.3/6.7.12/6.6.24 as the fixed stable releases.
  slotPageAlign: {
    from: '6.9',
    commit: '04867a7a3332, 14cebf689a78',
    subject: 'swiotlb: Fix double-allocation of slots due to broken alignment handling; swiotlb: Reinstate page-alignment for mappings >= PAGE_SIZE',
    file: 'kernel/dma/swiotlb.c',
    before: 'alloc_align_mask is folded into the original-matching mask (no slot alignment of its own)',
    after: 'the slot is aligned to alloc_align_mask (PAGE_SIZE - 1 for a mapping of PAGE_SIZE or more without alignment constraints)',
    verified: true,
  },
  // The functions that bounce on a sync (kernelName('swiotlbSyncForCpu'/'swiotlbSyncForDevice')). id: the mainline
  // log of the 5.13 merge period ("80808d273a3f075196d1a26463f65d4c9d2891c8 swiotlb: split swiotlb_tbl_sync_single",
  // beside 74d6790cdaaf "Merge branch 'stable/for-linus-5.13' of …/konrad/swiotlb"); release: "[GIT PULL] (swiotlb)
  // stable/for-linus-5.13" (Konrad Rzeszutek Wilk, 2021-05-04; its shortlog lists the subject). Both sides: the
  // patch ("[PATCH 04/14] swiotlb: split swiotlb_tbl_sync_single", Christoph Hellwig, 2021-03-01) replaces
  // swiotlb_tbl_sync_single(dev, tlb_addr, size, dir, SYNC_FOR_CPU / SYNC_FOR_DEVICE) and enum dma_sync_target
  // with swiotlb_sync_single_for_cpu() and swiotlb_sync_single_for_device(); the bounces themselves are unchanged.
  syncSplit: {
    from: '5.13',
    commit: '80808d273a3f',
    subject: 'swiotlb: split swiotlb_tbl_sync_single',
    file: 'kernel/dma/swiotlb.c',
    before: 'one swiotlb_tbl_sync_single(…, SYNC_FOR_CPU / SYNC_FOR_DEVICE) bounces on both syncs',
    after: 'swiotlb_sync_single_for_cpu and swiotlb_sync_single_for_device',
    verified: true,
  },
  // The function that frees the slots (kernelName('swiotlbRelease')). id: the konrad/swiotlb linux-next push of
  // 2021-06-24 ("dc924470ee42a7222f5031b06d48488ed3e75943 swiotlb: Refactor swiotlb_tbl_unmap_single", Claire
  // Chang's restricted DMA series); release: "[GIT PULL] (swiotlb) stable/for-linus-5.15", merged as 3de18c865f50
  // (pr-tracker-bot, 2021-09-03). Both sides: the v15 patch (2021-06-24): "Add a new function,
  // swiotlb_release_slots", the body of swiotlb_tbl_unmap_single() moved into it.
  releaseSlots: {
    from: '5.15',
    commit: 'dc924470ee42',
    subject: 'swiotlb: Refactor swiotlb_tbl_unmap_single',
    file: 'kernel/dma/swiotlb.c',
    before: 'swiotlb_tbl_unmap_single gives the slots back itself',
    after: 'swiotlb_tbl_unmap_single calls swiotlb_release_slots to give them back',
    verified: true,
  },
  // id and release: "[GIT PULL] dma-mapping updates for Linux 6.1" (tags/dma-mapping-6.1-2022-10-10: "don't panic on
  // swiotlb initialization failure (Robin Murphy)", shortlog "swiotlb: don't panic!") and mainline push logs of the
  // 6.1 merge period ("639205ed206f… swiotlb: don't panic!"); AUTOSEL for 6.0.y (2022-10-17). Both sides: the patch
  // ("[PATCH] swiotlb: Don't panic!", 2022-09-07): swiotlb_tbl_map_single's "if (!mem || !mem->nslabs) panic("Can
  // not allocate SWIOTLB buffer earlier and can't now provide you with the DMA bounce buffer");" becomes
  // dev_warn_ratelimited(dev, …) and return DMA_MAPPING_ERROR. The panic is the same in 4.x lib/swiotlb.c ("if
  // (no_iotlb_memory) panic(…)").
  noPoolWarn: {
    from: '6.1',
    commit: '639205ed206f',
    subject: "swiotlb: don't panic!",
    file: 'kernel/dma/swiotlb.c',
    before: 'a mapping that must bounce when there is no swiotlb pool panics: "Kernel panic - not syncing: Can not allocate SWIOTLB buffer earlier and can\'t now provide you with the DMA bounce buffer"',
    after: 'dev_warn_ratelimited with the same words, and the map returns DMA_MAPPING_ERROR',
    verified: true,
  },
  // A bounce slot the device cannot reach either (swiotlb_map's dma_capable check). Release: "[GIT PULL] dma-mapping
  // fixes for 5.6" (shortlog: "Christoph Hellwig (3): dma-direct: relax addressability checks in
  // dma_direct_supported; dma-direct: improve swiotlb error reporting; dma-direct: improve DMA mask overflow
  // reporting" — the last is DIRECT_GATES.overflowAlways, 75467ee48a5e, where the tag ends). The mainline id was
  // not found (the subject occurs only in that pull, the patch and its review). Both sides: the patch ("[PATCH 1/2]
  // dma-direct: improve swiotlb error reporting", 2020-02-04): swiotlb_map() returned false after freeing the slot,
  // and dma_direct_map_page() then called report_addr(dev, dma_addr, size) with the slot's address ("overflow %pad+%zu
  // of DMA mask %llx bus limit %llx" for masks of 32 bits or more, and WARN_ON_ONCE); after, swiotlb_map() reports it
  // itself: dev_err_once "swiotlb addr %pad+%zu overflow (mask %llx, bus limit %llx)." and WARN_ON_ONCE (later a
  // dev_WARN_ONCE with the same words). Before 5.0 (DIRECT_GATES.swiotlbMerged) swiotlb_map_page() freed the slot and
  // returned the overflow buffer's address (DMA_MAPPING_ERROR in 4.20) without a word.
  // Also tried (fifth pass, 2026-12): see noForceInDirect (same commit; b72e7e81954c is a pre-posting draft, not it).
  addrOverflowReport: {
    from: '5.6',
    commit: null,
    subject: 'dma-direct: improve swiotlb error reporting',
    file: 'kernel/dma/swiotlb.c',
    before: 'a bounce slot out of the device\'s reach is reported by dma_direct_map_page\'s report_addr() with the slot\'s address ("overflow … of DMA mask … bus limit …", masks of 32 bits or more, then WARN_ON_ONCE); nothing at all before 5.0',
    after: 'swiotlb_map() reports it: "swiotlb addr %pad+%zu overflow (mask %llx, bus limit %llx)." for every mask',
    verified: true,
  },
  // How a sync or an unmap copies (swiotlb_bounce and its callers); four steps, gated here and below.
  // ids and release: the kernel.org push log of geert/renesas-drivers on 2021-03-02, whose revlist ends at the
  // v5.12-rc1 tag it pushes ("1f221a0d0dbf swiotlb: respect min_align_mask", "daf9514fd5eb swiotlb: Validate bounce
  // size in the sync/unmap path", just after "Merge tag 'nfs-for-5.12-1'"); Konrad Rzeszutek Wilk quoting "commit
  // daf9514fd5eb… (swiotlb/stable/for-linus-5.12)"; 16fc3cef33a0 from the Fixes tag of 5f89468e2f06 (below), whose
  // backport to 5.12.14 ("[PATCH 5.12 000/110] 5.12.14-rc1 review", 2021-06-28) shows 5.12 had it. Both sides: the
  // patch ("[PATCH] swiotlb: Validate bounce size in the sync/unmap path", Martin Radev, 2021-01-12: io_tlb_orig_size[]
  // and validate_sync_size_and_truncate() called from swiotlb_tbl_unmap_single and swiotlb_tbl_sync_single, which
  // still did "orig_addr += (unsigned long)tlb_addr & ((1 << IO_TLB_SHIFT) - 1);" before it), and the 5.12 code as
  // the diff of "[PATCH 03/14] swiotlb: move orig addr and size validation into swiotlb_bounce" (Christoph Hellwig,
  // 2021-03-01) removes it: swiotlb_tbl_sync_single validates against io_tlb_alloc_size[index] and calls
  // swiotlb_bounce(orig_addr, tlb_addr, size, …) with the slot's orig_addr, the offset inside the slot dropped
  // (the regression 5f89468e2f06 fixes: "swiotlb_tbl_sync_single() copies from orig_addr base to tlb_addr with
  // offset and ends up with data mismatch").
  syncSizeCheck: {
    from: '5.12',
    commit: 'daf9514fd5eb, 16fc3cef33a0',
    subject: "swiotlb: Validate bounce size in the sync/unmap path; swiotlb: don't modify orig_addr in swiotlb_tbl_sync_single",
    file: 'kernel/dma/swiotlb.c',
    before: 'a sync or an unmap copies the size it is given, unchecked (past the end of the allocation, into the bytes after the original and the next slots); a sync at an offset copies to or from the original at the same offset',
    after: 'validate_sync_size_and_truncate(): a size above the allocation (counted from the start of the slot) is cut to it after dev_WARN_ONCE "Attempt for buffer overflow. Original size: %zu. Mapping size: %zu."; a sync inside a slot copies to or from the slot\'s original address, without the offset inside the slot',
    verified: true,
  },
  // ids: the konrad/swiotlb for-linus-5.13 shortlog and mainline push logs of the 5.13 merge period
  // ("2bdba622c351… swiotlb: move orig addr and size validation into swiotlb_bounce", beside 80808d273a3f, see
  // syncSplit), and linux-next's "stable" branch (Linus' tree) on 2021-06-24: "5f89468e2f06… swiotlb: manipulate
  // orig_addr when tlb_addr has offset" between "Merge tag 'pm-5.13-rc8'" and "Merge branch 'stable/for-linus-5.14'
  // of …/konrad/swiotlb" ("[GIT PULL] (stable) stable/for-linus-5.14", 2021-06-22: "the regression for the DMA
  // operations where the offset was ignored"), i.e. after 5.13-rc7 and before 5.13 (2021-06-27). Both sides: the
  // 03/14 patch (swiotlb_bounce(dev, tlb_addr, size, dir) reads the slot's orig_addr and alloc_size and dev_WARN_ONCEs
  // "Buffer overflow detected. Allocation size: %zu. Mapping size: %zu." before truncating) and the "before" of
  // 868c9ddc182b's diff (tlb_offset = (tlb_addr & (IO_TLB_SIZE - 1)) - swiotlb_align_offset(dev, orig_addr);
  // orig_addr += tlb_offset; alloc_size -= tlb_offset; with no check of tlb_offset: past the allocation the size_t
  // alloc_size wraps and the size goes through uncut).
  bounceOffset: {
    from: '5.13',
    commit: '2bdba622c351, 5f89468e2f06',
    subject: 'swiotlb: move orig addr and size validation into swiotlb_bounce; swiotlb: manipulate orig_addr when tlb_addr has offset',
    file: 'kernel/dma/swiotlb.c',
    before: 'the size is checked against the allocation from the start of the slot ("Attempt for buffer overflow…"), and a sync inside a slot copies to or from the slot\'s original address',
    after: 'swiotlb_bounce() adds the offset inside the slot to the original address and takes it off the allocation before the check: dev_WARN_ONCE "Buffer overflow detected. Allocation size: %zu. Mapping size: %zu." and the copy cut to what is left; an offset past the allocation is not checked (alloc_size wraps, the whole size is copied)',
    verified: true,
  },
  // id: "[PATCH AUTOSEL 5.14 02/99] swiotlb: add overflow checks to swiotlb_bounce" (Sasha Levin, 2021-09-09:
  // "[ Upstream commit 868c9ddc182bc6728bb380cbfb3170734f72c599 ]"), the diff quoted there for both sides; release:
  // chosen for 5.14.y after 5.14 (2021-08-29), so from the 5.15 merge period. Also in 5.14.y stable: not modelled.
  bounceOverflowChecks: {
    from: '5.15',
    commit: '868c9ddc182b',
    subject: 'swiotlb: add overflow checks to swiotlb_bounce',
    file: 'kernel/dma/swiotlb.c',
    before: 'a sync whose offset inside the slot lies past the end of the allocation copies its whole size, unchecked',
    after: 'dev_WARN_ONCE "Buffer overflow detected. Allocation size: %zu. Mapping size: %zu+%u." and nothing is copied (and "Access before mapping start detected…" for an offset before the min_align_mask offset, which the modelled devices do not have)',
    verified: true,
  },
  // id and release: "[GIT PULL] dma-mapping fixes for Linux 6.9" (tags/dma-maping-6.9-2024-04-14, ending at
  // a1255ccab8ec: "fix for partial dma_sync on swiotlb (Michael Kelley)") and mainline push logs of April 2024
  // ("e8068f2d756d… swiotlb: fix swiotlb_bounce() to do partial sync's correctly"). Both sides: the patch
  // ("[PATCH 1/1] swiotlb: Fix swiotlb_bounce() to do partial sync's correctly", 2024-03-26, against 6.9-rc1:
  // "Fix these problems by removing the over-constraining validations added in 868c9ddc182b"; tlb_offset becomes an
  // int). Also in stable trees for CVE-2024-35814's series: not modelled.
  partialSyncFix: {
    from: '6.9',
    commit: 'e8068f2d756d',
    subject: "swiotlb: fix swiotlb_bounce() to do partial sync's correctly",
    file: 'kernel/dma/swiotlb.c',
    before: 'an offset past the allocation: "Buffer overflow detected. Allocation size: %zu. Mapping size: %zu+%u." and no copy',
    after: 'no such check: past the allocation the size_t alloc_size wraps and the whole size is copied, silently',
    verified: true,
  },
  // id: the konrad/swiotlb for-linus-5.13 shortlog and the 5.13 merge-period push logs ("2973073a80b4… swiotlb:
  // remove the alloc_size parameter to swiotlb_tbl_unmap_single", beside 2bdba622c351 and 80808d273a3f); release:
  // 5.13, the pull of syncSplit. Both sides: the patch ("Now that swiotlb remembers the allocation size there is no
  // need to pass it back to swiotlb_tbl_unmap_single", 2021-03-01): "nslots = nr_slots(alloc_size + offset)" from
  // the caller's argument before — dma-direct passed the unmap's size twice (swiotlb_tbl_unmap_single(dev, phys,
  // size, size, dir, attrs)), as 4.x's swiotlb_unmap_page did ("nslots = ALIGN(size, 1 << IO_TLB_SHIFT) >>
  // IO_TLB_SHIFT") — and "nr_slots(io_tlb_alloc_size[index] + offset)" after.
  unmapRecordedSize: {
    from: '5.13',
    commit: '2973073a80b4',
    subject: 'swiotlb: remove the alloc_size parameter to swiotlb_tbl_unmap_single',
    file: 'kernel/dma/swiotlb.c',
    before: 'unmap frees the slots the size passed to dma_unmap_* covers: a smaller size leaves slots allocated for good, a larger one frees slots past the mapping (a neighbour\'s too)',
    after: 'unmap frees the slots the map took, whatever size the unmap passes',
    verified: true,
  },
});

// ---------------------------------------------------------------------------
// drivers/iommu/dma-iommu.c

export const DMA_IOMMU_GATES = table('dma-iommu', {
  // The value a failed dma-iommu map returns (dma/map-error.ts). Before: arm64's "#define DMA_ERROR_CODE
  // (~(dma_addr_t)0)" (arch/arm64/include/asm/dma-mapping.h, removed by "[PATCH 16/44] arm64: remove DMA_ERROR_CODE",
  // 2017-06-16), which __iommu_dma_map() returned on failure and iommu_dma_mapping_error() compared with. After:
  // "[PATCH 06/44] iommu/dma: don't rely on DMA_ERROR_CODE" — posted on 2017-06-08 with "#define IOMMU_MAPPING_ERROR
  // (~(dma_addr_t)0)", reposted on 2017-06-16 with "#define IOMMU_MAPPING_ERROR 0" (quoted in Robin Murphy's review of
  // 2017-06-19: "I was angling at just open-coding 0/!dma_addr"), and a stored drivers/iommu/dma-iommu.c of the 4.15+
  // era (the cookie has fq_domain) has 0; no IOVA allocator hands out IOVA 0, so 0 is never a valid handle. Release:
  // the series ("clean up and modularize arch dma_mapping interface V2", 2017-06-16) went in as one for the new
  // dma-mapping tree; its "[PATCH 22/44] x86/pci-nommu: implement ->mapping_error" is in the TROVON copy of
  // pci-nommu.c for v4.13 (github garghub/TROVON, dataset/codebase_cleansed/linux_kernel/v4.13: NOMMU_MAPPING_ERROR)
  // and not in the v4.4 one (DMA_ERROR_CODE), so 4.13 — inferred for patch 06 from its series; no v4.12 copy is
  // stored to pin it from below, and the mainline id was not found. Sixth pass (2026-12): the before side is now
  // pinned at 4.12 — TROVON's v4.12/dma-iommu.c (drivers/iommu: cookie_msi_granule, iommu_dma_init_domain) has
  // "if (!iova) return DMA_ERROR_CODE;" in __iommu_dma_map() and "return dma_addr == DMA_ERROR_CODE;" in
  // iommu_dma_mapping_error(); the after side at 4.13 is still the series inference (TROVON's v4.13 has no
  // dma-iommu.c, and its v4.14/dma-iommu.c is powerpc's arch file of the same name; no 4.13 tree is stored), so
  // still not verified. 5.0 made it DMA_MAPPING_ERROR again
  // (DMA_API_GATES.mappingErrorEnomem). Only arm64 used dma-iommu before 5.0 in the explorer's architectures.
  mappingErrorZero: {
    from: '4.13',
    commit: null,
    subject: "iommu/dma: don't rely on DMA_ERROR_CODE",
    file: 'drivers/iommu/dma-iommu.c',
    before: "a failed map returns arm64's DMA_ERROR_CODE, ~(dma_addr_t)0, which iommu_dma_mapping_error() recognises",
    after: 'a failed map returns IOMMU_MAPPING_ERROR, 0 (IOVA 0 is never allocated): a driver that ignores the error points its device at IOVA 0, which the IOMMU does not translate',
    arch: 'arm64',
    verified: false,
  },
  // id: Fixes tags quoting it (Nathan Chancellor's iommu_dma_unmap_sg condition fix, 2019) and the stable bot's
  // dependency list for 4.19; release: "[git pull] IOMMU Updates for Linux v5.3" (Joerg Roedel, 2019-07-08), whose
  // shortlog has it. Both sides: arm64's iommu_dma_ops in 4.x trees of arch/arm64/mm/dma-mapping.c
  // (.get_sgtable = __iommu_get_sgtable: sg_alloc_table_from_pages over the vm area's pages) and
  // iommu_dma_get_sgtable in drivers/iommu/dma-iommu.c after ("iommu/dma: Refactor iommu_dma_get_sgtable", same
  // pull). Only arm64 used dma-iommu before: x86's IOMMU drivers had their own ops until later (not modelled).
  commonOps: {
    from: '5.3',
    commit: '06d60728ff5c',
    subject: 'iommu/dma: move the arm64 wrappers to common code',
    file: 'drivers/iommu/dma-iommu.c',
    before: "arm64's dma_map_ops for a device behind an IOMMU live in arch/arm64/mm/dma-mapping.c (__iommu_map_page, __iommu_get_sgtable …), calling the iommu_dma_* helpers",
    after: 'the ops are iommu_dma_ops in drivers/iommu/dma-iommu.c (iommu_dma_map_page, iommu_dma_get_sgtable …)',
    arch: 'arm64',
    verified: true,
  },
  // Both sides: __alloc_iova() in a 4.4.y stable backport of c987ff0d3cb3 ("iommu/dma: Respect IOMMU aperture when
  // allocating": "__alloc_iova(struct iommu_domain *domain, size_t size, dma_addr_t dma_limit)" clamps dma_limit to
  // the aperture and calls "alloc_iova(iovad, length, dma_limit >> shift, true)", no device, no PCI case) and in a 4.8
  // tree (the same, with "unsigned long attrs"); a 4.11 tree (MSI-only cookies, DMA_ATTR_PRIVILEGED, plain
  // alloc_iova before the per-CPU caches of bb65a64c7285) has "__alloc_iova(…, dma_addr_t dma_limit, struct device
  // *dev)" with "if (dma_limit > DMA_BIT_MASK(32) && dev_is_pci(dev)) iova = alloc_iova(iovad, length,
  // DMA_BIT_MASK(32) >> shift, true); if (!iova) iova = alloc_iova(iovad, length, dma_limit >> shift, true);".
  // id and subject: a gitweb commit page of 122fac030e912ed723fe94d8eb0d5d0f6b31535e (Robin Murphy, "Implement the
  // same optimisation as other allocators by trying to get a 32-bit address first"). Release: the per-release copies
  // of drivers/iommu/dma-iommu.c in the TROVON data set (github garghub/TROVON,
  // dataset/codebase_cleansed/linux_kernel/v<release>/dma-iommu.c): v4.10's __alloc_iova(domain, size, dma_limit)
  // clamps to the aperture and calls alloc_iova(iovad, length, dma_limit >> shift, true) only; v4.11's takes the
  // device and tries DMA_BIT_MASK(32) first for a PCI device with a limit above it. So 4.11 (checked third pass,
  // 2026-12; before, 4.9 and 4.10 were only inferred to allocate as 4.8 does).
  pciSac: {
    from: '4.11',
    commit: '122fac030e91',
    subject: 'iommu/dma: Implement PCI allocation optimisation',
    file: 'drivers/iommu/dma-iommu.c',
    before: 'every device gets its IOVA top-down from its own limit (min(mask, aperture end)): a PCI device with a 64-bit mask is given addresses just below the top of the 48-bit aperture',
    after: 'a PCI device whose limit is above 4 GiB tries below 4 GiB first (a SAC address) and falls back to its full limit',
    // x86 before 5.11 allocates through intel_alloc_iova (32 bits first for every device: INTEL_IOMMU_GATES.dmaIommu), so nothing changes there at 4.11
    arch: LPAE_ARCHES,
    verified: true,
  },
  // id: the stable bot's dependency lists (44f6876a00e8 is not in 4.19); release: the series was committed to the
  // arm-smmu queue on 2018-09-20 (backport logs), and the tag iommu-updates-v4.20 (joro/iommu, kernel.googlesource)
  // says "ARM-SMMU driver now uses the generic deferred flushing and fast-path iova allocation code" — both sides
  // and 4.20 in one place.
  lazyFlushQueue: {
    from: '4.20',
    commit: '2da274cdf998, 44f6876a00e8',
    subject: 'iommu/dma: Add support for non-strict mode; iommu/arm-smmu: Support non-strict mode',
    file: 'drivers/iommu/dma-iommu.c',
    before: 'arm-smmu has no lazy (flush queue) mode: every DMA domain is strict',
    after: 'iommu.strict=0 gives a flush queue: unmaps queue their IOTLB invalidation',
    // x86's VT-d deferred its IOTLB flushes long before (intel-iommu.c's flush_unmaps, the iova flush queue from 4.14)
    arch: LPAE_ARCHES,
    verified: true,
  },
  // id: Fixes tags (David Stevens' sync fixes, Mario Limonciello's AMD fix, Will Deacon's 2024 swiotlb alignment
  // fixes); release: "[GIT PULL] IOMMU updates for 5.11" (Will Deacon, 2020-12-14, tags/iommu-updates-v5.11:
  // "Tom Murphy (4): … iommu: Allow the dma-iommu api to use bounce buffers").
  untrustedBounce: {
    from: '5.11',
    commit: '82612d66d51d',
    subject: 'iommu: Allow the dma-iommu api to use bounce buffers',
    file: 'drivers/iommu/dma-iommu.c',
    before: 'dma-iommu never bounces: an untrusted device sees the rest of every page it is given',
    after: 'an untrusted device\'s sub-granule buffers bounce through swiotlb into a whole granule of their own',
    // x86's VT-d ops bounced from 5.4 (INTEL_IOMMU_GATES.untrustedBounce), so nothing changes there at 5.11
    arch: LPAE_ARCHES,
    verified: true,
  },
  // id, release and both sides: "[GIT PULL] IOMMU Fixes for Linux v5.12-rc1" (Joerg Roedel, tags/iommu-fixes-v5.12-rc1:
  // "Disabling lazy IOTLB flush for untrusted devices", "Lu Baolu (1): iommu: Don't use lazy flush for untrusted
  // device", drivers/iommu/dma-iommu.c 15 lines), the stable pushes listing the mainline id 82c3cefb9f16, and the
  // patch (2021-02-25): iommu_dma_init_domain()'s "if (!cookie->fq_domain && !iommu_domain_get_attr(domain,
  // DOMAIN_ATTR_DMA_USE_FLUSH_QUEUE, &attr) && attr)" gains "(!dev || !dev_is_untrusted(dev)) &&". Before it (from
  // DMA_IOMMU_GATES.lazyFlushQueue, 4.20) an untrusted device behind an SMMU in non-strict mode had a flush queue.
  untrustedStrict: {
    from: '5.12',
    commit: '82c3cefb9f16',
    subject: "iommu: Don't use lazy flush for untrusted device",
    file: 'drivers/iommu/dma-iommu.c',
    before: 'iommu.strict=0 gives an untrusted device a flush queue like any other: after dma_unmap its stale IOTLB entries still translate until the queue is flushed',
    after: 'an untrusted device never gets a flush queue: its unmaps invalidate before they return',
    verified: true,
  },
  // id and release: the kernel.org post-receive mail of 2022-06-01 (dhowells/linux-fs, refs/remotes/linus/master
  // b00ed48bb0a7..700170bf6b4d, the 5.19 merge period after v5.18 of 2022-05-22) lists "f316ba0a8814f4c91e80a435da3421baf0ddd24c
  // dma-iommu: Check that swiotlb is active before trying to use it" beside 1ea2a07a532b (IOMMU_GATES.
  // attachBusyWithoutDefault); the stable bot's 5.15.y dependency list of 2024-01 names it too (not in 5.15).
  // Both sides: Mario Limonciello's "[PATCH v2 2/2]" (2022-04-04, "Applied to core branch" by Joerg Roedel), whose
  // diff adds to iommu_dma_map_page() "if (!is_swiotlb_active(dev)) { dev_warn_once(dev, "DMA bounce buffers are
  // inactive, unable to map unaligned transaction.\n"); return DMA_MAPPING_ERROR; }" in front of the
  // swiotlb_tbl_map_single() call; before it dma-iommu (5.11 on, untrustedBounce) called swiotlb_tbl_map_single()
  // with no pool and got swiotlb's own answer (5.11's swiotlb.c: "if (no_iotlb_memory) panic("Can not allocate
  // SWIOTLB buffer earlier and can't now provide you with the DMA bounce buffer")"; swiotlb.ts models that side).
  bounceInactiveCheck: {
    from: '5.19',
    commit: 'f316ba0a8814',
    subject: 'dma-iommu: Check that swiotlb is active before trying to use it',
    file: 'drivers/iommu/dma-iommu.c',
    before: 'iommu_dma_map_page bounces without asking whether swiotlb has a pool: with none, swiotlb_tbl_map_single answers for itself (before 6.1 it panics: "Can not allocate SWIOTLB buffer earlier…")',
    after: 'no pool: dev_warn_once "DMA bounce buffers are inactive, unable to map unaligned transaction." and DMA_MAPPING_ERROR, swiotlb never called',
    verified: true,
  },
  // release: "IOMMU Updates for Linux v6.6" shortlog (Robin Murphy); applied by Joerg Roedel on 2023-07-14;
  // id: linux-next commit list; both sides: the v4 patch. Not 6.4.
  pci32Once: {
    from: '6.6',
    commit: '791c2b17fb40',
    subject: 'iommu: Optimise PCI SAC address trick',
    file: 'drivers/iommu/dma-iommu.c',
    before: 'every allocation of a PCI device tries below 4 GiB first, silently',
    after: 'the first failure clears pci_32bit_workaround for good and logs "Using %d-bit DMA addresses"',
    verified: true,
  },
  // id: the 6.8 stable-review mail ("Upstream commit afc5aa46ed56", Fixes: 82612d66d51d); release: posted
  // 2024-02 with Will Deacon's swiotlb alignment fixes and backported to 6.8.y, so mainline 6.9.
  untrustedMaxMapping: {
    from: '6.9',
    commit: 'afc5aa46ed56',
    subject: 'iommu/dma: Force swiotlb_max_mapping_size on an untrusted device',
    file: 'drivers/iommu/dma-iommu.c',
    before: 'iommu_dma_ops has no max_mapping_size: dma_max_mapping_size() says SIZE_MAX even for an untrusted device whose mappings bounce (5.11 on), so a mapping larger than 256 KiB fails with "swiotlb buffer is full"',
    after: 'iommu_dma_max_mapping_size(): swiotlb_max_mapping_size() (256 KiB) for an untrusted device, SIZE_MAX otherwise',
    verified: true,
  },
  // release: "[GIT PULL] dma-mapping updates for Linux 6.10" ("fix swiotlb padding for untrusted devices
  // (Michael Kelley)"); both sides: the patch (2024-04-08). id: kernel.org push logs of the 6.10 merge period
  // (2650073f1b58 beside 327e2c97c46a "swiotlb: remove alloc_size argument to swiotlb_tbl_map_single()"), where
  // the subject reads "fix zeroing".
  paddingZeroFix: {
    from: '6.10',
    commit: '2650073f1b58',
    subject: 'iommu/dma: fix zeroing of bounce buffer padding used by untrusted devices',
    file: 'drivers/iommu/dma-iommu.c',
    before: 'every dma-iommu bounce memsets its padding: only the tail for TO_DEVICE/BIDIRECTIONAL without DMA_ATTR_SKIP_CPU_SYNC, otherwise the whole slot — the bytes just copied in included',
    after: 'only untrusted devices get zeroing, of the pre- and post-padding of the granule; the bounce buffer proper keeps the original\'s bytes',
    verified: true,
  },
  // The names of dma-iommu's single-mapping functions (kernelName('iommuMap')). id: the mainline push of 2025-10-04
  // that carries e53d29f957b3 (DIRECT_GATES.mapPhys) lists "513559f73700966ded094b090c3ecc6dff877ef9 iommu/dma:
  // rename iommu_dma_*map_page to iommu_dma_*map_phys"; release: the same dma_map_phys series, 6.18. Both sides:
  // the patch's diff of drivers/iommu/dma-iommu.c ("-dma_addr_t iommu_dma_map_page(struct device *dev, struct page
  // *page, …" → "+dma_addr_t iommu_dma_map_phys(struct device *dev, phys_addr_t phys, …").
  mapPhys: {
    from: '6.18',
    commit: '513559f73700',
    subject: 'iommu/dma: rename iommu_dma_*map_page to iommu_dma_*map_phys',
    file: 'drivers/iommu/dma-iommu.c',
    before: 'dma-iommu maps a buffer in iommu_dma_map_page and unmaps it in iommu_dma_unmap_page',
    after: 'iommu_dma_map_phys / iommu_dma_unmap_phys',
    verified: true,
  },
  // id and subject: a gitweb commit page of bb65a64c7285e7105c1a6c8a33b37770343a4e96 (Robin Murphy, "With IOVA
  // allocation suitably tidied up, we are finally free to opt in to the per-CPU caching mechanism", Signed-off-by
  // Joerg Roedel). Before: 4.4.y, 4.8 and 4.11 trees of drivers/iommu/dma-iommu.c — __alloc_iova() returns
  // "alloc_iova(iovad, length, dma_limit >> shift, true)" with length = iova_align(iovad, size) >> shift (no
  // rounding), and __iommu_dma_unmap(domain, dma_addr) does "iova = find_iova(iovad, pfn); if (WARN_ON(!iova))
  // return; size = iova_size(iova) << shift; size -= iommu_unmap(domain, pfn << shift, size); … __free_iova(iovad,
  // iova);" ("The IOVA allocator knows what we mapped, so just unmap whatever that was"). After: the 4.12-era
  // iommu_dma_alloc_iova() ("Freeing non-power-of-two-sized allocations back into the IOVA caches will come back
  // to bite us badly … if (iova_len < (1 << (IOVA_RANGE_CACHE_MAX_SIZE - 1))) iova_len = roundup_pow_of_two
  // (iova_len);" then alloc_iova_fast) and iommu_dma_free_iova() → free_iova_fast(iovad, iova_pfn(iovad, iova),
  // size >> shift). Release: per-release copies of drivers/iommu/dma-iommu.c in the TROVON data set (github
  // garghub/TROVON, dataset/codebase_cleansed/linux_kernel/v<release>/dma-iommu.c, comments stripped): v4.11 has
  // __alloc_iova() with "alloc_iova(iovad, length, dma_limit >> shift, true)" and __iommu_dma_unmap(domain, dma_addr)
  // with find_iova/__free_iova; v4.12 has iommu_dma_alloc_iova() ("if (iova_len < (1 << (IOVA_RANGE_CACHE_MAX_SIZE
  // - 1))) iova_len = roundup_pow_of_two(iova_len);", alloc_iova_fast) and iommu_dma_free_iova() → free_iova_fast,
  // __iommu_dma_unmap(domain, dma_addr, size). So 4.12 (checked 2026-12, fourth pass).
  perCpuIovaCache: {
    from: '4.12',
    commit: 'bb65a64c7285',
    subject: 'iommu/dma: Plumb in the per-CPU IOVA caches',
    file: 'drivers/iommu/dma-iommu.c',
    before: 'alloc_iova(…, size_aligned = true) takes exactly the mapped granules (a 3-page mapping takes 3 pages, 4-page aligned); unmap finds the node (find_iova), unmaps the node\'s whole size whatever the caller says, and __free_iova erases it from the tree at once',
    after: 'alloc_iova_fast: sizes below 32 granules rounded up to a power of two, the per-CPU rcache tried first; unmap uses the caller\'s size and free_iova_fast parks small ranges in the rcache (still allocated in the tree)',
    // dma-iommu served only arm64 then; x86's VT-d had its own DMA ops, with the rcache from 4.7 (9257b4a206fc)
    arch: 'arm64',
    verified: true,
  },
  // id and subject: Fixes tags quoting "e60aa7b53845 ("iommu/iova: Extend rbtree node caching")" (Chris Wilson's
  // 2018 fix, "Cc: <stable@vger.kernel.org> # v4.15+", and the stable bot's 2019 mail: "fixing commit: e60aa7b53845
  // iommu/iova: Extend rbtree node caching"). Release: that stable tag, 4.15 (with the rest of the series: "Make
  // dma_32bit_pfn implicit", "Add rbtree anchor node", "Optimise the padding calculation"). Before: a 4.11-era
  // drivers/iommu/iova.c — "__get_cached_rbnode(): if ((*limit_pfn > iovad->dma_32bit_pfn) || (iovad->cached32_node
  // == NULL)) return rb_last(&iovad->rbroot); … *limit_pfn = curr_iova->pfn_lo - 1;", "__cached_rbnode_insert_update
  // (): if (limit_pfn != iovad->dma_32bit_pfn) return;", the delete update ("only cache if it's below 32bit pfn"),
  // iova_get_pad_size() "(limit_pfn + 1 - size) & (__roundup_pow_of_two(size) - 1)" and init_iova_domain(…,
  // start_pfn, pfn_32bit) with dma-iommu passing its end_pfn. After: today's iova.c (cached_node and cached32_node,
  // the anchor, iova_find_limit retry). The 4.14 side (fourth pass, 2026-12): TROVON's v4.14 drivers/iommu/iova.c
  // (github garghub/TROVON, dataset/codebase_cleansed/linux_kernel/v4.14/iova.c) is the intermediate form (exclusive
  // limit_pfn: alloc_iova passes "limit_pfn + 1", "dma_32bit_pfn = pfn_32bit + 1") with the same single-node walk:
  // "if ((*limit_pfn > iovad->dma_32bit_pfn) || (iovad->cached32_node == NULL)) return rb_last(&iovad->rbroot);",
  // "__cached_rbnode_insert_update(): if (limit_pfn != iovad->dma_32bit_pfn) return;", no cached_node, no anchor.
  // So 4.14 still has the old caching and the "# v4.15+" stable tag gives the first release (the stable bot tested
  // only v5.2.1, v5.1.18 and v4.19.59 for the fix, no 4.14.y). Later changes (max32_alloc_size, bee60e94a1e2, not in 4.19 per the stable bot; the retry from
  // the limit, "iommu/iova: Retry from last rb tree node if iova search fails") only change what happens when the
  // search from the cached node fails and are not gated here.
  iovaNodeCaching: {
    from: '4.15',
    commit: 'e60aa7b53845',
    subject: 'iommu/iova: Extend rbtree node caching',
    file: 'drivers/iommu/iova.c',
    before: 'one cached32_node, used only for limits up to dma_32bit_pfn (4 GiB) and remembered only for exactly that limit: a device with a larger limit searches from rb_last every time, so it fills alignment holes above its last allocation',
    after: 'cached_node for limits above 4 GiB and cached32_node below (plus the anchor node): every search starts below the last allocation, skipping the holes above it',
    verified: true,
  },
});

// ---------------------------------------------------------------------------
// drivers/iommu/iommu.c

export const IOMMU_GATES = table('iommu', {
  // id and release: the kernel.org post-receive mail of 2020-11-25 (arm64/linux, Will Deacon's for-next/iommu/core
  // for the 5.11 merge) lists "28b41e2c6aebd3caf99a77a76843c0175876bc72 iommu: Move def_domain type check for
  // untrusted device into core" beside 82612d66d51d (DMA_IOMMU_GATES.untrustedBounce, 5.11). Both sides: the v10
  // patch (2020-11-24): iommu_get_def_domain_type() gains "if (dev_is_pci(dev) && to_pci_dev(dev)->untrusted) return
  // IOMMU_DOMAIN_DMA;" and the same test leaves intel-iommu's device_def_domain_type(); before it only VT-d kept an
  // untrusted device out of the identity domain — arm-smmu (every IOMMU here) has no def_domain_type, so with
  // iommu.passthrough=1 an untrusted device got IOMMU_DOMAIN_IDENTITY like any other.
  untrustedDmaDomain: {
    from: '5.11',
    commit: '28b41e2c6aeb',
    subject: 'iommu: Move def_domain type check for untrusted device into core',
    file: 'drivers/iommu/iommu.c',
    before: 'arm-smmu has no def_domain_type: with iommu.passthrough=1 an untrusted PCI device gets the identity domain (DMA address = physical address, no isolation)',
    after: 'iommu_get_def_domain_type() gives every untrusted PCI device IOMMU_DOMAIN_DMA, whatever iommu.passthrough says',
    verified: true,
  },
  // id: kernel.org push log of the 5.19 merge period (1ea2a07a532b beside "iommu/msm: Add a check for the return
  // of kzalloc()" and the rest of Lu Baolu's series); both sides: the v5/v6 patch's diff of __iommu_attach_group()
  // ("-if (group->default_domain && group->domain != group->default_domain)" / "+if (group->domain && …)").
  attachBusyWithoutDefault: {
    from: '5.19',
    commit: '1ea2a07a532b',
    subject: 'iommu: Add DMA ownership management interfaces (__iommu_attach_group checks group->domain, not group->default_domain)',
    file: 'drivers/iommu/iommu.c',
    before: '__iommu_attach_group(): "if (group->default_domain && group->domain != group->default_domain) return -EBUSY" — a group with no default domain (arm32, whose IOMMU drivers have none) is silently moved from the domain it is attached to (the ARM_DMA_USE_IOMMU mapping) to the driver\'s',
    after: '"if (group->domain && group->domain != group->default_domain) return -EBUSY": a group already attached to the arch mapping\'s domain refuses a second domain; the driver must arm_iommu_detach_device() first',
    // the rule is generic, but only arm32's groups lack a default domain here (every other device has one)
    arch: 'arm',
    verified: true,
  },
  // Not modelled: what iommu_unmap() returns for an unaligned iova or size. Both sides were seen, but not the commit
  // between them. Before: a 4.4 tree (GS290-dev/android_kernel_gigaset_mt6763, whose iommu.c still reads
  // domain->ops->pgsize_bitmap), a 4.10/4.11-era mainline-derived iommu.c (with iommu_get_resv_regions()) and
  // Qualcomm's msm-4.14 (0wnerDied/Neptune_kernel_sm8150_oneplus: __iommu_unmap(…, bool sync), the 4.14 form)
  // all do pr_err("unaligned: iova 0x%lx size 0x%zx min_pagesz 0x%x\n") and "return -EINVAL;" from a function
  // returning size_t, so the caller gets 0xffffffffffffffea (-ENODEV / -EINVAL also for no unmap op or a
  // non-paging domain). After: a 4.19 tree (0x88888888/linux-4.19-comments, __iommu_unmap(…, bool sync) with
  // iommu_debugfs_setup()) returns 0 in all three places, as every later tree does. So the change is in 4.15–4.19,
  // but neither its id nor its subject was found (no post-receive mail, stable mail or patch with it is stored;
  // "iommu: Split iommu_unmaps", bd13969b9524, is a 2013 commit and not it), and the explorer answers 0 everywhere.
  // The pr_err wording is the same on both sides and in 6.x; iommu_map() returned -EINVAL with its own
  // "unaligned: iova 0x%lx pa %pa size 0x%zx min_pagesz 0x%x" line in every tree seen (4.4 to 6.x).
});

// ---------------------------------------------------------------------------
// drivers/iommu/io-pgtable-arm.c: the page tables of arm-smmu (arm64, arm). Not x86's: VT-d's second-level table
// (drivers/iommu/intel/iommu.c) returns -EINVAL for a map without permission on every modelled version and
// never splits a superpage on unmap (intel_iommu_unmap rounds the size up to it), so none of these gates apply
// there (io-pgtable.ts `vtd`). Nor riscv's: the RISC-V IOMMU driver builds its own page table
// (drivers/iommu/riscv/iommu.c, RISCV_IOMMU_GATES, io-pgtable.ts `riscv`).

export const IO_PGTABLE_GATES = table('io-pgtable', {
  // id: kernel.org push logs (4a77b12deb25, 808035317b22); release: "[git pull] IOMMU Updates for Linux v5.15"
  // (Isaac J. Manjarres, 12 patches, since v5.14-rc6). The hang itself: the commit message of 6093cd582f8e ("Since
  // they return back to __iommu_map() leaving the mapped output as 0 it triggers an infinite loop").
  mapPagesHang: {
    from: '5.15',
    commit: '4a77b12deb25, 808035317b22',
    subject: 'iommu/io-pgtable-arm: Implement arm_lpae_map_pages(); iommu/arm-smmu: Implement the map_pages() IOMMU driver callback',
    file: 'drivers/iommu/iommu.c',
    before: '__iommu_map calls ->map once per page size and advances by it whatever happened: arm_lpae_map with neither IOMMU_READ nor IOMMU_WRITE returns 0 ("If no access, then nothing to do"), so iommu_map succeeds with no translation installed',
    after: '__iommu_map calls ->map_pages and advances by the bytes it reports: arm_lpae_map_pages returns 0 with *mapped 0, so `while (size)` never ends — iommu_map never returns (until 6.11, 6093cd582f8e)',
    arch: LPAE_ARCHES,
    verified: true,
  },
  // id and both sides: the 6.10/6.6 stable-review mails ("Upstream commit 6093cd582f8e"); release: the iommu
  // fixes branch pushed with v6.11-rc5, so 6.11 (backported to 6.10.y and 6.6.y).
  noProtEinval: {
    from: '6.11',
    commit: '6093cd582f8e',
    subject: "iommu: Do not return 0 from map_pages if it doesn't do anything",
    file: 'drivers/iommu/io-pgtable-arm.c',
    before: 'arm_lpae_map_pages returns 0 and maps nothing: __iommu_map never advances and loops forever (5.15–6.10, see mapPagesHang; before 5.15 iommu_map succeeds with no translation installed)',
    after: 'arm_lpae_map_pages returns -EINVAL',
    arch: LPAE_ARCHES,
    verified: true,
  },
  // id: Fixes tags and mails quoting it (Daniel Mentz 2025-07, Adrián Larumbe's Panthor fixes 2025); release: the
  // "Arm SMMU updates for 6.13" merge ("IO-PGTable: … Remove unused block-splitting support").
  noSplitBlock: {
    from: '6.13',
    commit: '33729a5fc0ca',
    subject: 'iommu/io-pgtable-arm: Remove split on unmap behavior',
    file: 'drivers/iommu/io-pgtable-arm.c',
    before: 'unmapping part of a block splits it (arm_lpae_split_blk_unmap): a table of smaller leaves replaces the block, minus the unmapped part',
    after: 'unmapping part of a block is refused: WARN_ONCE "Unmap of a partial large IOPTE is not allowed", 0 bytes unmapped',
    arch: LPAE_ARCHES,
    verified: true,
  },
});

// ---------------------------------------------------------------------------
// drivers/iommu/arm/arm-smmu/arm-smmu.c

export const ARM_SMMU_GATES = table('arm-smmu', {
  // Both sides and release: per-release copies of drivers/iommu/arm-smmu.c in the TROVON data set (github
  // garghub/TROVON, dataset/codebase_cleansed/linux_kernel/v<release>/arm-smmu.c, one file per tagged release,
  // comments and indentation stripped). v4.7's arm_smmu_context_fault() prints "Unexpected context fault (fsr 0x%x)"
  // for FSR_IGN, calls report_iommu_fault() and, finding no handler, prints "Unhandled context fault: iova=0x%08lx,
  // fsynr=0x%x, cb=%d" (resume = RESUME_TERMINATE, FSR_SS honoured); v4.8 (and v4.9, v4.10) read FSR, FSYNR0 and FAR
  // and print "Unhandled context fault: fsr=0x%x, iova=0x%08lx, fsynr=0x%x, cb=%d" with no handler call and no
  // resume. So the change is in 4.8, not 4.10 as this gate said before (third pass, 2026-12: the earlier "4.10"
  // was only the first release the sources then left possible). The commit is still not found: no source pairs a
  // mainline id with the subject, which is the one SUSE's SLE 4.4 changelog of 2017-05 gives its backport
  // ("iommu/arm-smmu: Disable stalling faults for all endpoints (bsc#1038843)"), not confirmed as mainline's.
  // Searched before: the subject (no hit in trees or mails), the candidate id 3714ce1d66 (no hit), stable-queue and
  // vendor cherry-pick pages (none stored). Related, not modelled: between this change and f8f934c180f6
  // (faultHandlers below, 5.14) arm_smmu_context_fault() does not call report_iommu_fault() at all.
  fsrLine: {
    from: '4.8',
    commit: null,
    subject: 'iommu/arm-smmu: Disable stalling faults for all endpoints',
    file: 'drivers/iommu/arm-smmu.c',
    before: '"Unhandled context fault: iova=0x%08lx, fsynr=0x%x, cb=%d" (no fsr=), after report_iommu_fault() found no handler',
    after: '"Unhandled context fault: fsr=0x%x, iova=0x%08lx, fsynr=0x%x, cb=%d"',
    verified: true,
  },
  // Both sides: from fsrLine on, arm_smmu_context_fault() reads the fault registers and prints the line with no
  // handler call; f8f934c180f6 calls report_iommu_fault() first again and prints only when it returns -ENOSYS (no
  // handler took the fault), as every later tree does (the same call in qcom_smmu_context_fault and in today's
  // arm_smmu_context_fault). The id: a 2025 patch mail ("In arm-smmu.c, commit f8f934c180f6 ("iommu/arm-smmu: Add
  // support for driver IOMMU fault handlers") replaced a dev_err_ratelimited() call …"). The release: the push of
  // 2021-07-02 to gustavoars/linux master, a mainline mirror, lists f8f934c180f629bb927a04fd90d6a16ef1a94073 in
  // the revlist from dbe69e433722 (torvalds/linux master, "Merge tag 'net-next-5.14'", 2021-06-30): mainline in
  // the 5.14 merge period, after v5.13 (2021-06-27). Patch series: Jordan Crouse's, v4 of 2021-06-01, merged through
  // drm/msm.
  faultHandlers: {
    from: '5.14',
    commit: 'f8f934c180f6',
    subject: 'iommu/arm-smmu: Add support for driver IOMMU fault handlers',
    file: 'drivers/iommu/arm/arm-smmu/arm-smmu.c',
    before: 'arm_smmu_context_fault() calls no fault handler: every context fault prints the line',
    after: 'report_iommu_fault() first; the line only when no handler took the fault (-ENOSYS)',
    verified: true,
  },
  // release: "IOMMU Updates for Linux v5.2" shortlog ("Vivek Gautam (1): iommu/arm-smmu: Log CBFRSYNRA register
  // on context fault"); both sides: the "fsr=0x%x, iova=0x%08lx, fsynr=0x%x, cb=%d" line in 4.x trees and the
  // cbfrsynra form in later ones. The mainline id was not found: no Fixes tag, stable backport, push log or
  // kbuild blame in the stored sources names it (the subject occurs only in that shortlog; the one kbuild blame of
  // arm-smmu code by Vivek Gautam is of arm-smmu-impl.c).
  // Also searched (2026-12): the diff line "cbfrsynra = readl_relaxed(gr1_base + ARM_SMMU_GR1_…" (only later trees and
  // the 2019 arm_smmu_gr1_read refactor), gitweb/gitiles pages by the commit message (none stored).
  // Also tried (2026-12, second pass): the subject again (only the v5.2 IOMMU pull shortlog), kernel.org push
  // mails (stored from about 2021 on only).
  // Also tried (2026-12, third pass): the commit message ("Bits[15:0] in CBFRSYNRA register contain information about
  // StreamID …") against gitweb/gitiles commit pages in the pages corpus (no hit); no per-release arm-smmu.c copy
  // after v4.14 is stored in the TROVON data set, so the release stays the pull's.
  // Also tried (fifth pass, 2026-12): the stored versions of drivers/iommu/arm-smmu-regs.h (7 in torvalds/linux): the
  // first one with ARM_SMMU_GR1_CBFRSYNRA(n) in the old style is kept at 860dbce3d8dd, which the linux-next logs show
  // is sh-next's "Merge branch 'master' of …torvalds/linux" (2019), not this commit; other forks' listed versions
  // (ammarfaizi2/linux-block, andersson/kernel, pundiramit/linux, …) have ids no stored text names.
  cbfrsynra: {
    from: '5.2',
    commit: null,
    subject: 'iommu/arm-smmu: Log CBFRSYNRA register on context fault',
    file: 'drivers/iommu/arm-smmu.c',
    before: '"Unhandled context fault: fsr=0x%x, iova=0x%08lx, fsynr=0x%x, cb=%d"',
    after: '"Unhandled context fault: fsr=0x%x, iova=0x%08lx, fsynr=0x%x, cbfrsynra=0x%x, cb=%d"',
    verified: true,
  },
  // id: Fixes tag of 98db56e49008 "iommu/arm-smmu: Un-demote unhandled-fault msg"; release: "IOMMU Updates for
  // Linux v6.11" shortlog (Rob Clark), not 6.12; both sides: the v3 patch. In 6.11.0-6.11.1 the first line is
  // printed with dev_dbg only; 98db56e49008 (6.12, and 6.11.2 via stable) restored dev_err.
  prettyPrint: {
    from: '6.11',
    commit: 'd525b0af0c3b',
    subject: 'iommu/arm-smmu: Pretty-print context fault related regs',
    file: 'drivers/iommu/arm/arm-smmu/arm-smmu.c',
    before: 'one line per context fault',
    after: 'the line is followed by the decoded "FSR    = %08x [...], SID=0x%x" and "FSYNR0 = %08x [S1CBNDX=%u... PLVL=%u]" lines (dev_err)',
    verified: true,
  },
  // id and release: "More Arm SMMU updates for 5.9" (tags/arm-smmu-updates, "for you to fetch changes up to
  // e86d1aa8b60f7ea18d36f50296d7d20eb2852e7e: iommu/arm-smmu: Move Arm SMMU drivers into their own subdirectory")
  // and the "IOMMU Updates for Linux v5.9" shortlog (Will Deacon (2): …); the file moved, the code did not.
  subdir: {
    from: '5.9',
    commit: 'e86d1aa8b60f',
    subject: 'iommu/arm-smmu: Move Arm SMMU drivers into their own subdirectory',
    file: 'drivers/iommu/arm/arm-smmu/arm-smmu.c',
    before: 'the driver is drivers/iommu/arm-smmu.c',
    after: 'the driver is drivers/iommu/arm/arm-smmu/arm-smmu.c',
    verified: true,
  },
  // ids: the stable bot's dependency list for v4.4.y (2020-08-26, on "iommu/tegra-smmu: Add missing locks around
  // mapping operations") names "9adb95949a34 ("iommu/arm-smmu: Support DMA-API domains")" and "bc7f2ce0a7b5
  // ("iommu/arm-smmu: Don't fail device attach if already attached to a domain")" as missing from 4.4.232. Both sides
  // and release: per-release copies of drivers/iommu/arm-smmu.c in the TROVON data set (github garghub/TROVON,
  // dataset/codebase_cleansed/linux_kernel/v4.5 and v4.6). v4.5: arm_smmu_domain_alloc() refuses every type but
  // IOMMU_DOMAIN_UNMANAGED, and arm_smmu_attach_dev() has 'if (dev->archdata.iommu) { dev_err(dev, "already attached
  // to IOMMU domain\n"); return -EEXIST; }'. v4.6: IOMMU_DOMAIN_DMA is allocated (with a DMA cookie), but
  // arm_smmu_init_domain_context() returns early for it and arm_smmu_domain_add_master() programs no S2CR ("if
  // (smmu_domain->domain.type == IOMMU_DOMAIN_DMA) return 0;"), so the stream keeps its reset value, bypass; an attach
  // detaches the previous domain first. Both: S2CRs reset to bypass and sCR0.USFCFG clear (disable_bypass defaults to
  // false): an unattached stream bypasses.
  dmaDomains: {
    from: '4.6',
    commit: '9adb95949a34, bc7f2ce0a7b5',
    subject: "iommu/arm-smmu: Support DMA-API domains; iommu/arm-smmu: Don't fail device attach if already attached to a domain",
    file: 'drivers/iommu/arm-smmu.c',
    before: 'no DMA domains: the group has no default domain, the stream bypasses until a driver attaches an unmanaged domain, and a second attach fails in arm_smmu_attach_dev() with "already attached to IOMMU domain" (-EEXIST)',
    after: 'the group gets an IOMMU_DOMAIN_DMA default domain that arm-smmu leaves in bypass (no context bank, no S2CR); a second attach is the core\'s -EBUSY, and a detach returns to the bypassing default domain',
    arch: 'arm64',
    verified: true,
  },
  // id: Fixes tags ("Fixes: 021bb8420d44 ("iommu/arm-smmu: Wire up generic configuration support")", 2024, and the
  // Xen SMR-mask discussion naming it with 588888a7399d as the generic-binding work). Release: the tag
  // iommu-updates-v4.9 (joro/iommu): "Generic DT-binding support for the ARM-SMMU driver. With this the driver now
  // makes use of the generic DMA-API code." Both sides: TROVON's v4.8 and v4.9 copies of arm-smmu.c. v4.8: only the
  // legacy "mmu-masters" binding, registered with bus_set_iommu() and no of_xlate, so of_iommu_configure() gives
  // arch_setup_dma_ops() no IOMMU ops and arm64 keeps swiotlb_dma_ops; DMA domains are the bypassing ones of
  // dmaDomains. v4.9: iommu_fwspec and arm_smmu_of_xlate() for the generic "iommus" binding, real DMA domains
  // (refused only "if (type == IOMMU_DOMAIN_DMA && (using_legacy_binding || …))"), and arm64's iommu_dma_ops.
  dmaApi: {
    from: '4.9',
    commit: '021bb8420d44',
    subject: 'iommu/arm-smmu: Wire up generic configuration support',
    file: 'drivers/iommu/arm-smmu.c',
    before: 'the DMA API does not use the SMMU: a device behind it keeps the platform ops (swiotlb_dma_ops: the DMA address is the physical address, bounced when out of reach) and its stream bypasses the SMMU',
    after: 'a device behind the SMMU gets a translating DMA default domain and iommu_dma_ops: the DMA API hands it IOVAs',
    arch: 'arm64',
    verified: true,
  },
});

// ---------------------------------------------------------------------------
// kernel/dma/debug.c (lib/dma-debug.c before 4.18)

export const DEBUG_GATES = table('dma-debug', {
  // id and release: the kernel.org commit links for the 4.9 VMAP_STACK work (b4a0f533e597); before: 3.x/4.x
  // warnings quoted on the lists ("maps memory fromstack"); after: check_for_stack() in later trees.
  vmapStack: {
    from: '4.9',
    commit: 'b4a0f533e597',
    subject: 'dma-api: Teach the "DMA-from-stack" check about vmapped stacks',
    file: 'lib/dma-debug.c',
    before: '"device driver maps memory fromstack [addr=%p]" (linear-map stacks only)',
    after: '"device driver maps memory from stack [addr=%p]", or "[probable addr=%p]" for a page of a vmapped stack',
    verified: true,
  },
  // Unverified: neither the commit nor its release was found (no pull shortlog, Fixes tag or patch mail with
  // the pr_fmt("DMA-API: ") change is stored; the dma-mapping-4.21 pull is only quoted by its merge id
  // af7ddd8a627c). Trees with "DMA-API: " inside each format string still have check_addr() (4.19/4.20); a
  // 5.0.0-rc7 log (2019-02-19) already prints "DMA-API: dw_dmac_pci 0000:00:15.0: device driver maps memory from
  // stack", so the change is in 5.0 at the latest; 5.14's add_dma_entry() pr_err relies on pr_fmt (the 5.15 diff of
  // 510e1a724ab1). Whether 4.20 already had it is what stays open: the '#define pr_fmt(fmt)	"DMA-API: " fmt' line
  // occurs only in whole files of later trees, never in a diff, and no 4.20 log of a dma-debug report is stored;
  // neither "dma-debug: Use pr_fmt()" nor the other subjects of the late-2018 dma-debug rework occur in any stored
  // source, so the id and the 4.20/5.0 question stay open.
  // Also searched (2026-12): 4.20 trees by name (github a4913994/linux-4.20, supersonic-xserver/sslinuX-4.20,
  // rbates0119/linux-4.20.1: none holds kernel/dma/debug.c) and 4.20 dmesg reports in issue trackers (none).
  // Also tried (2026-12, second pass): diff lines removing "DMA-API: " from an err_printk() format (no hit); the
  // only pre-pr_fmt debug_dma_map_single() with "DMA-API: device driver maps memory from invalid area" is in a
  // concatenated student copy of kernel/dma of unknown release (it still has debug_dma_map_page()'s map_single
  // flag, so it predates 5.0, but whether it is 4.19 or 4.20 is not shown); push mails start about 2021.
  // Also tried (2026-12, third pass): the candidate id f737b095a40f (no hit anywhere, not used). Before side now also
  // from a release copy: TROVON's v4.14 lib/dma-debug.c (github garghub/TROVON) has "DMA-API: " inside every
  // err_printk format and no pr_fmt; its copies stop at v4.14. A repository labelled 4.19 (github nojick/test419,
  // Makefile 4.19.0 at another commit) holds a kernel/dma/debug.c with pr_fmt("DMA-API: ") and the nr_total_entries
  // debugfs file but still the static dma_debug_entry pool and dma_debug_resize_entries(): a mid-series snapshot of
  // the dma-debug rework, of unknown release, so not used to pin 4.19/4.20.
  // Also tried (fifth pass, 2026-12): see mapSingleCheck (debug_dma_map_single came before this change; the
  // versions at 0cb0e25e4214 and nojick/test419's 248653b0fafc have pr_fmt but are not tied to a named commit).
  prFmt: {
    from: '5.0',
    commit: null,
    subject: 'dma-debug: pr_fmt("DMA-API: ") (err_printk prints pr_fmt("%s %s: ") format)',
    file: 'kernel/dma/debug.c',
    before: '"<driver> <device>: DMA-API: device driver …"',
    after: '"DMA-API: <driver> <device>: device driver …"',
    verified: false,
  },
  // The hook dma_map_single_attrs() calls before mapping (debug_dma_map_single(dev, ptr, size)). Before: 4.9's
  // lib/dma-debug.c (github OE4T/linux-tegra-4.9) has no debug_dma_map_single and no vmalloc or virt_addr_valid
  // check: debug_dma_map_page() records the entry and runs check_for_stack / check_for_illegal_area only. After: a
  // pre-5.0 copy (debug_dma_map_page still takes map_single) with "DMA-API: device driver maps memory from invalid
  // area [addr=%p] [len=%lu]" and "…from vmalloc area…" inside the formats, and every later tree. Unverified: neither
  // the commit nor its release was found (no patch mail, Fixes tag or pull shortlog naming it is stored; 4.10–4.19
  // trees holding the file were not found); 4.20 is where the maintainer's tree took it by the patch's recollected
  // date (late 2018), not a pinned release. It matters only before 5.5, when dma_map_single still maps a vmalloc
  // address (DIRECT_GATES.vmallocRejected).
  // Also tried (2026-12, third pass): the candidate id 99c65fa7e3ad and the subject "dma-debug: Check for drivers
  // mapping invalid addresses in dma_map_single()" (no hit anywhere, not used), phrases of its commit message
  // ("returned from request_firmware() with dma_map…", no hit). Before side also from a release copy: TROVON's v4.14
  // lib/dma-debug.c (github garghub/TROVON) has no debug_dma_map_single (copies stop at v4.14). The concatenated
  // kernel/dma copy above is 4.20-era, not 4.19: its direct.c has check_addr() with " bus mask %llx" (b4ebe6063204,
  // 4.20) and dma_direct_alloc() handing non-coherent devices to arch_dma_alloc(), and still .mapping_error (removed
  // for 5.0) — so debug_dma_map_single existed in some tree between 4.20-rc1 and the 5.0 merge, which fits 4.20
  // but does not exclude the 5.0 merge period.
  // Also tried (fifth pass, 2026-12): the stored versions. torvalds/linux keeps a dma-debug.h and a kernel/dma/debug.c
  // at 0cb0e25e4214 (debug_dma_map_single present, Robin Murphy's dynamic pool complete, map_single flag still there)
  // and nojick/test419 one at 248653b0fafc (debug_dma_map_single with pr_fmt, static pool); with the pre-pr_fmt copy
  // above this orders the commits — debug_dma_map_single before the pr_fmt change (prFmt) — but neither id is named
  // by any stored text, and neither pins 4.20 against 5.0.
  mapSingleCheck: {
    from: '4.20',
    commit: null,
    subject: 'dma-debug: debug_dma_map_single() checks the address dma_map_single is given (virt_addr_valid, is_vmalloc_addr)',
    file: 'kernel/dma/debug.c',
    before: 'dma_map_single of a vmalloc or otherwise non-linear address is not reported by dma-debug (only the stack and kernel-text checks run, on the page virt_to_page() gives)',
    after: '"device driver maps memory from vmalloc area [addr=%p] [len=%lu]" (and "…from invalid area…" for an address outside the linear map)',
    verified: false,
  },
  // id: the commit message of 9bb50ed74709 quotes it; release: authored 2018-12-25 (blame), the 5.0 merge period;
  // before: debug_dma_map_page() with dma_debug_page and the map_single flag in 4.19/4.20 trees.
  singlePageMerged: {
    from: '5.0',
    commit: '2e05ea5cdc1a',
    subject: 'dma-mapping: implement dma_map_single_attrs using dma_map_page_attrs',
    file: 'kernel/dma/debug.c',
    before: 'dma_map_page entries are "page": unmapping one with dma_unmap_single is "wrong function"',
    after: 'single and page are one type; the type2name table is shifted by one until 5.7',
    verified: true,
  },
  // id: the Fixes tag of Eric Dumazet's follow-up ("Fixes: 5e76f564572b (\"dma-debug: increase HASH_SIZE\")", a
  // dynamic-allocation patch of 2019-12 that was not applied: mainline keeps 16384); release: "applied to the
  // dma-mapping tree for 5.5" (Christoph Hellwig, 2019-11-07) and the dma-mapping 5.5 pull's shortlog ("Eric Dumazet
  // (3): … dma-debug: increase HASH_SIZE", beside Kees Cook's "dma-mapping: Add vmap checks to dma_map_single()",
  // DIRECT_GATES.vmallocRejected). Both sides: the patch (2019-10-30: "-#define HASH_SIZE 1024ULL / +#define
  // HASH_SIZE 16384ULL", HASH_FN_SHIFT 13 and HASH_FN_MASK (HASH_SIZE - 1) unchanged), a 4.19-era kernel/dma/debug.c
  // (github nojick/test419: "#define HASH_SIZE 1024ULL") and 4.9's lib/dma-debug.c. What changes: which entries share
  // a bucket (dma addresses 8 MiB apart did), so which leaked entry dma_debug_device_change's walk of the buckets
  // meets last and prints ("One of leaked entries details"), and the order of a dump.
  hashSize: {
    from: '5.5',
    commit: '5e76f564572b',
    subject: 'dma-debug: increase HASH_SIZE',
    file: 'kernel/dma/debug.c',
    before: '1024 hash buckets: (dev_addr >> 13) & 1023, so addresses 8 MiB apart share a bucket',
    after: '16384 hash buckets: (dev_addr >> 13) & 16383',
    verified: true,
  },
  // id and both sides: the stable-review mails ("commit 9bb50ed74709 upstream", with before/after log lines);
  // release: posted and acked 2020-04-08, a 5.7-rc fix; also in 5.4.y/5.5.y/5.6.y stable.
  typeNamesFixed: {
    from: '5.7',
    commit: '9bb50ed74709',
    subject: 'dma-debug: fix displaying of dma allocation type',
    file: 'kernel/dma/debug.c',
    before: 'type names are printed through the stale table: sg entries say "page", coherent ones "scather-gather"',
    after: 'type2name uses named initializers: every entry prints its own type',
    verified: true,
  },
  // id and release: "[GIT PULL] dma-mapping updates for Linux 5.14" (tags/dma-mapping-5.14 ends at
  // 2b4bbc6231d7). Both sides: the pull's diffstat (the TODO in add_dma_entry() replaced) and the 5.14 line
  // as 510e1a724ab1 removes it (pr_err("cacheline tracking EEXIST, overlapping mappings aren't
  // supported\n"), AUTOSEL for 5.14.y). A 2026 fix (3d48c9fd78dd, in 6.18.y stable) silences it where
  // dma_get_cache_alignment() < L1_CACHE_BYTES (x86): after the modelled 6.18 release, not modelled.
  eexistPrErr: {
    from: '5.14',
    commit: '2b4bbc6231d7',
    subject: 'dma-debug: report -EEXIST errors in add_dma_entry',
    file: 'kernel/dma/debug.c',
    before: 'overlapping cachelines are not reported',
    after: '"DMA-API: cacheline tracking EEXIST, overlapping mappings aren\'t supported" (pr_err, no device)',
    verified: true,
  },
  // release: both are fixes in "dma-mapping fixes for Linux 5.15" (tags/dma-mapping-5.15-1 and -5.15-2, the
  // latter ending at c2bbf9d1e9ac, pushed right after v5.15-rc6); ids and both sides: the AUTOSEL 5.14 mail
  // ("Upstream commit 510e1a724ab1…", pr_err → err_printk(entry->dev, entry, …)) and the 2021-10-12 patch
  // c2bbf9d1e9ac (add_dma_entry(entry, attrs), skipped with DMA_ATTR_SKIP_CPU_SYNC). 510e1a724ab1 also went to
  // 5.14.y stable.
  eexistErrPrintk: {
    from: '5.15',
    commit: '510e1a724ab1, c2bbf9d1e9ac',
    subject: 'dma-debug: prevent an error message from causing runtime problems; dma-debug: teach add_dma_entry() about DMA_ATTR_SKIP_CPU_SYNC',
    file: 'kernel/dma/debug.c',
    before: 'EEXIST is a plain pr_err',
    after: 'EEXIST goes through err_printk with the device, and DMA_ATTR_SKIP_CPU_SYNC silences it',
    verified: true,
  },
  // id: the 5.10-stable review "[PATCH 5.10 13/95] dma-debug: fix sg checks in debug_dma_map_sg()" (2021-10-25:
  // "[ Upstream commit 293d92cbbd2418ca2ba43fed07f1b92e884d1c77 ]", Fixes: 884d05970bfb "dma-debug: use
  // sg_dma_len accessor"), linux-next's merge logs ("Merging dma-mapping/for-next (293d92cbbd24 dma-debug: fix sg
  // checks in debug_dma_map_sg())") and kernel.org push logs of October 2021 (beside 011a9ce80763 "dma-mapping:
  // fix the kerneldoc for dma_map_sgtable()"). Release: posted 2021-10-06 (Gerald Schaefer), a 5.15-rc fix: in
  // Linus' tree by 2021-10-25 (stable takes only upstream commits; "Linux 5.14.15" lists it), after 5.14
  // (2021-08-29), so 5.15 (2021-10-31). Also in 5.10.76 and 5.14.15 stable (not modelled). Both sides: its diff of
  // debug_dma_map_sg() — check_for_stack(dev, sg_page(s), s->offset) and check_for_illegal_area(…, sg_dma_len(s))
  // inside the for_each_sg(sg, s, mapped_ents, i) loop, before check_sg_segment and add_dma_entry, before; a
  // first for_each_sg(sg, s, nents, i) loop with both checks (s->length) after. 4.x lib/dma-debug.c has the
  // before form.
  sgChecksAllEntries: {
    from: '5.15',
    commit: '293d92cbbd24',
    subject: 'dma-debug: fix sg checks in debug_dma_map_sg()',
    file: 'kernel/dma/debug.c',
    before: 'check_for_stack runs only on the first mapped_ents entries, each just before its segment is recorded: an entry an IOMMU merged into an earlier segment is never checked (a stack page there goes unreported)',
    after: 'check_for_stack (and check_for_illegal_area) run on all nents entries first, then the mapped segments are recorded',
    verified: true,
  },
  // id: kernel.org push logs; release: "Linux 6.0-rc5" shortlog (Robin Murphy); both sides: the patch and
  // bucket_find_contain() before (max_range = dma_get_max_seg_size) and after (limit = min(HASH_SIZE, ...)).
  syncFullWalk: {
    from: '6.0',
    commit: '2995b8002cef',
    subject: 'dma-debug: improve search for partial syncs',
    file: 'kernel/dma/debug.c',
    before: 'a sync looks for its mapping at most dma_get_max_seg_size() bytes back (dma_set_max_seg_size changes it)',
    after: 'a sync walks back through every bucket below the address (at most HASH_SIZE buckets)',
    verified: true,
  },
  // id and release: "dma-mapping updates for Linux 6.7" (tags/dma-mapping-6.7-2023-10-30 ends at 36d91e851598;
  // pr-tracker-bot: merged as 009fbfc97b63).
  scatterSpelling: {
    from: '6.7',
    commit: '36d91e851598',
    subject: 'dma-debug: Fix a typo in a debugging eye-catcher',
    file: 'kernel/dma/debug.c',
    before: '"scather-gather"',
    after: '"scatter-gather"',
    verified: true,
  },
  // id and release: "[GIT PULL] dma-mapping updates for Linux 6.13" shortlog (with "dma-debug: remove
  // DMA_API_DEBUG_SG"); both sides: the 6.12-stable review copy of 9d4f645a1fd4 ("[cpu alloc
  // address=0x%016llx]" → "[cpu alloc address=0x%pa]"). Also in 6.12.y stable (2025-09, as a dependency of
  // 7e2368a21741), so 6.12.48+ prints the new form: not modelled.
  paddr: {
    from: '6.13',
    commit: '9d4f645a1fd4',
    subject: 'dma-debug: store a phys_addr_t in struct dma_debug_entry',
    file: 'kernel/dma/debug.c',
    before: '"[cpu alloc address=0x%016llx]"; check_sg_segment only with CONFIG_DMA_API_DEBUG_SG',
    after: '"[cpu alloc address=0x%pa]" (prints "0x0x…"); check_sg_segment always',
    verified: true,
  },
  // id and release: "[GIT PULL] dma-mapping fix for Linux 6.17" (tags/dma-mapping-6.17-2025-09-09 ends at
  // 7e2368a21741; torvalds push log of the merge); both sides: the patch (dma_debug_noncoherent added to the
  // enum and type2name, debug_dma_alloc_pages/debug_dma_free_pages used by dma_alloc_pages), also in stable.
  noncoherent: {
    from: '6.17',
    commit: '7e2368a21741',
    subject: "dma-debug: don't enforce dma mapping check on noncoherent allocations",
    file: 'kernel/dma/debug.c',
    before: 'dma_alloc_pages entries are "single" and want a dma_mapping_error() check',
    after: 'they are "noncoherent" and need no check',
    verified: true,
  },
  // release: the dma_map_phys series (v6, 2025-09-09, based on 7e2368a21741) went in with
  // tags/dma-mapping-6.18-2025-09-30 (merged as a498d59c469b in the 6.18 merge period); both sides: v6 03/16
  // (debug_dma_map_page's dma_debug_single → debug_dma_map_phys's dma_debug_phy) and v6 11/16 (dma_debug_resource
  // and debug_dma_map_resource removed: dma_map_resource goes through dma_map_phys). id: the kernel.org push log of
  // mszyprowski/linux dma-mapping-for-next on 2025-09-11 (110aa2c74dbd..ec818caebc08: "e9e81d86fee63c6d…
  // dma-debug: refactor to use physical addresses for page mapping", an ancestor in the same linear revlist of
  // e53d29f957b3, which Jiri Pirko's 2025 Fixes tag quotes as mainline, see DIRECT_GATES.mapPhys), and the same
  // line in the axboe/linux master push of 2025-10-04 (e406d57be7bd..cbf33b8e0b36, a mainline mirror in the 6.18
  // merge period, beside 513559f73700 and e53d29f957b3). The topic-branch ids seen before (0961d2a537ca,
  // 7359b69b1cc9, 48fdd6511b46, dfe7534573cc, dc46b69ceb36, f9ba923cbf5d, 653bc2fb7ec2, 8866bdf0747f in linux-rdma
  // pushes; 060d096c5caa in an earlier dma-mapping-for-next push; d264a27f2a64, 42f176b17575 in other pushes of
  // September 2025) were rebased away.
  phy: {
    from: '6.18',
    commit: 'e9e81d86fee6',
    subject: 'dma-debug: refactor to use physical addresses for page mapping',
    file: 'kernel/dma/debug.c',
    before: 'dma_map_single/page entries are "single", dma_map_resource ones "resource"',
    after: 'all of them are "phy"',
    verified: true,
  },
  // id and both sides: the 6.6 stable-review mail ("commit 03521c892bb8 upstream", diff of add_dma_entry());
  // release: an mm hotfix of 2025-10-09, between 6.18-rc1 and 6.18; also in 6.6.y and later stable trees.
  swiotlbEexist: {
    from: '6.18',
    commit: '03521c892bb8',
    subject: "dma-debug: don't report false positives with DMA_BOUNCE_UNALIGNED_KMALLOC",
    file: 'kernel/dma/debug.c',
    before: 'EEXIST is reported even when swiotlb bounces unaligned kmalloc buffers',
    after: 'no EEXIST when CONFIG_DMA_BOUNCE_UNALIGNED_KMALLOC and is_swiotlb_active(dev)',
    verified: true,
  },
});

// ---------------------------------------------------------------------------
// mm/cma.c, mm/page_alloc.c

export const CMA_GATES = table('cma', {
  // release: the v2 patch (2017-02-01) is in the mmotm "since-4.10" shortlog of 2017-02-23, i.e. the 4.11 merge
  // period, not 4.12. id: the kbuild robot's blame of mm/cma.c attributes cma_alloc's failure path to
  // dbe43d4d2837 (Jaewon Kim, 2017-02-24, after 4.10 was released on 2017-02-19). Its first form was pr_info().
  failMessage: {
    from: '4.11',
    commit: 'dbe43d4d2837',
    subject: 'mm: cma: print allocation failure reason and bitmap status',
    file: 'mm/cma.c',
    before: 'a failed cma_alloc logs nothing',
    after: '"cma: cma_alloc: alloc failed, req-size: %zu pages, ret: %d"',
    verified: true,
  },
  // id: the kbuild robot's blame of mm/cma.c ("5984af1082f3b1 Pintu Agarwal 2017-11-15" on the pr_err line) and
  // Pintu Agarwal's own link to torvalds/linux commit 5984af1082f3b115082178ed88c47033d43b924d (2021 CMA
  // sysfs thread). Both sides: the patch ("[PATCH 1/1] [mm]: cma: change pr_info to pr_err for cma_alloc fail log",
  // 2017-10-10: "-\t\tpr_info(\"%s: alloc failed, req-size: %zu pages, ret: %d\\n\"" / "+\t\tpr_err(…"; "This will lead to
  // problem if printk debug level is set to below 7"). Release: the mmotm "since-4.14" branch (Michal Hocko,
  // 2017-11-20, based on v4.14) lists it in its shortlog ("Pintu Agarwal (1): mm/cma.c: change pr_info to pr_err
  // for cma_alloc fail log"), and its mainline commit date 2017-11-15 falls in the 4.15 merge period (v4.14 was
  // released on 2017-11-12): 4.15.
  failPrErr: {
    from: '4.15',
    commit: '5984af1082f3',
    subject: 'mm/cma.c: change pr_info to pr_err for cma_alloc fail log',
    file: 'mm/cma.c',
    before: 'the failure line is a pr_info (KERN_INFO): a console loglevel below 7 does not show it',
    after: 'the failure line is a pr_err (KERN_ERR)',
    verified: true,
  },
  // Both sides: alloc_contig_range() in a 5.11.5 tree ends a failed test_pages_isolated() with
  // pr_info_ratelimited("%s: [%lx, %lx) PFNs busy\n", __func__, outer_start, end) (pr_info before 4.14), a 5.14.2
  // tree (and 5.15.y, 6.1.y, 6.12, mainline) returns -EBUSY silently: "test_pages_isolated() has a tracepoint which
  // will report the busy page". The change: "[PATCH v1] mm/page_alloc: drop pr_info_ratelimited() in
  // alloc_contig_range()" (David Hildenbrand, 2021-03-01, after 5.12-rc1; acked by Michal Hocko, Oscar Salvador,
  // Minchan Kim), the two-line removal.
  // Release 5.13, pinned by Andrew Morton's -mm queue (linux-next's akpm branch, kernel.org post-receive mails) on
  // both sides of the 5.13 merge period: the push of 2021-04-26 that tagged v5.12 still carries the patch in the
  // queue ("6578265de64b mm/page_alloc: drop pr_info_ratelimited() in alloc_contig_range()", between "mm: move
  // mem_init_print_info() into mm_init()" and "mm: remove lru_add_drain_all in alloc_contig_range"); the
  // linux-next-history push of 2021-06-07 (next-20210607, v5.13-rc5) lists the whole queue for 5.14, whose
  // page-alloc part ("mm/page_alloc: switch to pr_debug" … "mm: page_alloc: dump migrate-failed pages only at
  // -EBUSY" … "mm/page_alloc: allow high-order pages to be stored on the per-cpu lists") no longer has it; and
  // the 5.14 mainline page-alloc batch (the linux-next push of 2021-06-30, with mainline ids such as
  // "28f836b6777b mm/page_alloc: split per cpu page lists and zone stats") has it neither. Every stored listing
  // of the subject (ten, all -mm rebases from 2021-03-16 to 2021-04-26) predates the 5.13 merge period. So it
  // went to Linus with the 5.13 -mm batches: 5.12 prints the line, 5.13 does not.
  // The mainline id, 77febec20626: of the ids the pushes carry for the subject (6578265de64b, 89efc1ed53cc,
  // caad0ea7823c, e8f3b6a6e161, 6f772ec73a10, f1f05522ca7f: -mm rebases) it is the one in branches built on
  // mainline after the 5.13 merge period, nine pushes in all. The scsi-misc tag push of 2021-07-02 (jejb/scsi)
  // lists 77febec206262bd80c4176f2281a7970cfe69536 among Andrew's patches just before Linus's "Merge branch 'akpm'
  // (patches from Andrew)" (d42f323a7df0) and the 5.13 merges ('iommu-updates-v5.13', 'drm-next-2021-04-30');
  // the linux-kbuild push of 2021-05-01 has the same ids in the same order.
  pfnsBusySilent: {
    from: '5.13',
    commit: '77febec20626',
    subject: 'mm/page_alloc: drop pr_info_ratelimited() in alloc_contig_range()',
    file: 'mm/page_alloc.c',
    before: 'a candidate range whose pages stay busy logs "alloc_contig_range: [%lx, %lx) PFNs busy" before CMA tries the next one',
    after: 'nothing is logged for a busy candidate (only the trace event); cma_alloc still retries',
    verified: true,
  },
  // id and release: torvalds/linux push log of the 5.12 merge period (a052d4d13d88 right before "Merge branch
  // 'akpm' (patches from Andrew)" and the *-5.12-rc1 merges); both sides: the v2 patch (2021-02-09). Not 5.11.
  areaName: {
    from: '5.12',
    commit: 'a052d4d13d88',
    subject: 'mm: cma: print region name on failure',
    file: 'mm/cma.c',
    before: 'the failure line has no area name',
    after: '"cma: cma_alloc: <area>: alloc failed, req-size: %zu pages, ret: %d" (pr_err; pr_err_ratelimited and %lu later)',
    verified: true,
  },
  // id: a mainline commit link (463586e9ff39 "mm/cma: add cma_{alloc,free}_folio()"); release: the torvalds/linux
  // push log of 2024-09-21 (the 6.12 merge period, 6.11 having been released on 2024-09-15) lists it; both sides:
  // the v1 diff of mm/cma.c (cma_alloc becomes a wrapper, the pr_err's __func__ becomes __cma_alloc).
  underscoreName: {
    from: '6.12',
    commit: '463586e9ff39',
    subject: 'mm/cma: add cma_{alloc,free}_folio() (cma_alloc() becomes a wrapper of __cma_alloc())',
    file: 'mm/cma.c',
    before: 'the line names cma_alloc',
    after: 'the line names __cma_alloc',
    verified: true,
  },
  // id and release: the same 5.12 merge-period push log as areaName (df2ff39e78da); the patch was posted on
  // 2020-12-15/17, after the 5.11 merge period had opened, and sat in mmotm with its -fix patches. Not 5.11.
  // Both sides: the v2/v3 diff of cma_declare_contiguous_nid() ("if (!memblock_bottom_up() && memblock_end >=
  // SZ_4G + size)" → memblock_alloc_range_nid(size, alignment, SZ_4G, limit, nid, true) bottom-up), whose
  // message says areas were "allocated close to the end of the node" before; x86's limit is
  // max_pfn_mapped << PAGE_SHIFT (dma_contiguous_reserve() in arch/x86/kernel/setup.c), i.e. the end of RAM.
  aboveFourGiB: {
    from: '5.12',
    commit: 'df2ff39e78da',
    subject: 'mm: cma: allocate cma areas bottom-up',
    file: 'mm/cma.c',
    before: 'the default CMA area is reserved top-down below the limit x86 passes (the end of RAM): with more than 4 GiB it sits at the top of RAM, already out of reach of 32-bit devices',
    after: 'when memory reaches at least its size past 4 GiB, cma_declare_contiguous_nid tries bottom-up from 4 GiB first: on x86 the area starts at 4 GiB, still out of reach of 32-bit devices (arm64 and riscv pass a limit at or below 4 GiB, so nothing changes there)',
    arch: 'x86',
    verified: true,
  },
  // id: Fixes tags of the 2026 cma_debug fix and a mainline commit link (c009da4258f9); release: "[GIT PULL] MM
  // updates for 6.15-rc1" (the 27-patch "hugetlb/CMA improvements for large systems" series). Not 6.14. Both
  // sides: the c009da4258f9 diff (cma_range_alloc()'s "int ret = -EBUSY", cma_debug_show_areas() per range,
  // outside CONFIG_CMA_DEBUG) against 6.14's cma_alloc() ("int ret = -ENOMEM", the dump under CONFIG_CMA_DEBUG).
  multiRange: {
    from: '6.15',
    commit: 'c009da4258f9',
    subject: 'mm, cma: support multiple contiguous ranges, if requested',
    file: 'mm/cma.c',
    before: 'ret starts at -ENOMEM (a range that never fits reports -12); cma_debug_show_areas only with CONFIG_CMA_DEBUG',
    after: 'ret starts at -EBUSY; the failure line is followed by the free ranges ("range 0: …", "=> N free of M total pages")',
    verified: true,
  },
});

// ---------------------------------------------------------------------------
// drivers/dma-buf/dma-buf.c

export const DMA_BUF_GATES = table('dma-buf', {
  // id: the 2019-06 discussion of the caching ("Commit f13e143e7444"); release: the drm-next shortlog for 5.3
  // (Christian König, 18 commits, with "drm: remove prime sg_table caching" next to it; amdgpu's conftest: "in
  // v5.2-rc2" based). Both sides: the two patches — drm_gem_map_dma_buf()'s per-attachment cache (return it for
  // the same direction, WARN_ON + -EBUSY otherwise) moves into dma_buf_map_attachment() behind
  // cache_sgt_mapping, where a DMA_BIDIRECTIONAL cached mapping serves any direction.
  cacheSgt: {
    from: '5.3',
    commit: 'f13e143e7444',
    subject: 'dma-buf: start caching of sg_table objects v2',
    file: 'drivers/dma-buf/dma-buf.c',
    before: 'the core caches nothing: every map calls the exporter; only the GEM PRIME helpers (drivers/gpu/drm/drm_prime.c, drm_gem_map_dma_buf) cache each attachment\'s first mapping themselves, returning it for exactly that direction and failing any other with WARN_ON and -EBUSY (a cached BIDIRECTIONAL one included)',
    after: 'an exporter with cache_sgt_mapping (the GEM helpers set it) has its first mapping cached by the core; a different direction gets -EBUSY unless the cached mapping is DMA_BIDIRECTIONAL',
    verified: true,
  },
  // id: Sasha Levin's stable bot ("v5.4.39: Failed to apply! Possible dependencies: 15fd552d186c"), Daniel
  // Vetter's 2021 mail; release: "[git pull] drm for 5.5-rc1" (Dave Airlie, 2019-11-28) lists it.
  dynamic: {
    from: '5.5',
    commit: '15fd552d186c',
    subject: 'dma-buf: change DMA-buf locking convention v3',
    file: 'drivers/dma-buf/dma-buf.c',
    before: 'no dynamic handling: every attachment is static',
    after: 'dynamic_mapping: a mapping is cached DMA_BIDIRECTIONAL at attach when exporter and importer disagree; dynamic attachments map under the reservation lock',
    verified: true,
  },
  // id: Fixes tags; release: "v5.6-rc2-335-gbb42df4662a4" (git describe quoted by amdgpu's conftest), i.e.
  // drm-misc-next for the 5.7 merge period, and a later fix tagged "Fixes: bb42df4662a4 … Cc: stable # v5.7+".
  // Both sides: the series (v15 1/7, 2020-02-19, with "dma-buf: drop dynamic_mapping flag" in the same pull).
  pinUnpin: {
    from: '5.7',
    commit: 'bb42df4662a4',
    subject: 'dma-buf: add dynamic DMA-buf handling v15',
    file: 'drivers/dma-buf/dma-buf.c',
    before: 'no pin/unpin and no move_notify (5.5–5.6 had only dynamic_mapping)',
    after: 'exporters may have pin/unpin, importers move_notify; with CONFIG_DMABUF_MOVE_NOTIFY=n (the default) a dynamic exporter is pinned at map',
    verified: true,
  },
  // id and release: drm-misc-next-2020-12-17 (8ccf0a29af75), pulled for 5.12; both sides: the patch.
  mightLock: {
    from: '5.12',
    commit: '8ccf0a29af75',
    subject: 'dma-buf: begin/end_cpu might lock the dma_resv lock',
    file: 'drivers/dma-buf/dma-buf.c',
    before: 'begin/end_cpu_access with the reservation lock held is not reported (the system heap does not take it)',
    after: 'might_lock(): lockdep reports the recursion',
    verified: true,
  },
  // id and release: "[GIT PULL] dma-mapping updates for Linux 5.15" ("allow to return specific errors from
  // ->map_sg"), commit lists with fffe3cc8c219, linux-next warnings of 2021-08. Not 5.16. Both sides: the v2 01/21
  // patch (dma_map_sgtable: "if (nents <= 0) return -EINVAL" → -EIO for 0, the op's -EINVAL/-ENOMEM/-EIO).
  sgtableEio: {
    from: '5.15',
    commit: 'fffe3cc8c219',
    subject: 'dma-mapping: allow map_sg() ops to return negative error codes',
    file: 'kernel/dma/mapping.c',
    before: 'dma_map_sgtable turns a failed map into -EINVAL; dma_map_sg of a list that maps to 0 entries returns 0 silently',
    after: 'dma_map_sgtable returns -EIO (or the op\'s own errno); __dma_map_sg_attrs takes only ents > 0 for success, so 0 mapped entries (an empty list) WARNs once and gives -EIO',
    verified: true,
  },
  // id: drm-misc push log (47e982d5195d); release: "[PULL] drm-misc-next" drm-misc-next-2022-10-20 ("drm-misc-next
  // for 6.2", Dmitry Osipenko (21)). Both sides: the v5 17/21 diff ("if (dma_buf_attachment_is_dynamic(attach))
  // dma_resv_assert_held(…)" → an unconditional dma_resv_assert_held() in map and unmap).
  lockAll: {
    from: '6.2',
    commit: '47e982d5195d',
    subject: 'dma-buf: Move dma_buf_map_attachment() to dynamic locking specification',
    file: 'drivers/dma-buf/dma-buf.c',
    before: 'only dynamic attachments (and dynamic exporters) assert the lock at map/unmap',
    after: 'dma_buf_map/unmap_attachment assert the reservation lock for every importer',
    verified: true,
  },
  // id: kernel.org push logs and the April 2025 dri-devel mails quoting "commit b72f66f22c0e" ("landed a month
  // ago"); release: committed 2025-02-11 to drm-misc-next and in next-20250307 (linux-next push log, with
  // de68b17d5d07), while mainline was at 6.14-rc5: not a fix, so the 6.15 merge period.
  noCache: {
    from: '6.15',
    commit: 'b72f66f22c0e, de68b17d5d07',
    subject: 'dma-buf: drop caching of sg_tables; dma-buf: dma-buf: stop mapping sg_tables on attach v2',
    file: 'drivers/dma-buf/dma-buf.c',
    before: 'cached mappings (cache_sgt_mapping, the BIDIRECTIONAL mapping made at attach) and -EBUSY for a second direction',
    after: 'no caching, no -EBUSY; dma_buf_pin_on_map pins for static importers (and for all with CONFIG_DMABUF_MOVE_NOTIFY=n)',
    verified: true,
  },
});

// ---------------------------------------------------------------------------
// kernel/dma/mapping.c: the DMA API's queries and allocation calls, each from
// the release that added it (calling one on an older kernel is an error that
// names this version and commit: the driver would not build there)

export const DMA_API_GATES = table('dma-api', {
  // id: Fixes tags (the 2019 tmio_mmc and DMA-API.txt patches, the 5.3 dma-direct fix below); release: "[PULL]
  // virtio,vhost: cleanups and fixes" (since Linux 5.0, Joerg Roedel's five patches "for virtio on swiotlb
  // systems"), the 5.1 merge period.
  maxMappingSize: {
    from: '5.1',
    commit: '133d624b1cee',
    subject: 'dma: Introduce dma_max_mapping_size()',
    file: 'kernel/dma/mapping.c',
    before: 'no dma_max_mapping_size(): a driver cannot ask how large one streaming mapping may be',
    after: 'dma_max_mapping_size(dev): SIZE_MAX, or swiotlb_max_mapping_size() (256 KiB) when the device may bounce',
    verified: true,
  },
  // release: "[GIT PULL] dma-mapping fixes for 5.3-rc1" (tags/dma-mapping-5.3-1, "avoid limiting request size if
  // swiotlb is not used", shortlog "dma-direct: only limit the mapping size if swiotlb could be used"; the tag ends
  // at 449fa54d6815, another commit); both sides: the patch (2019-07-17, Fixes: 133d624b1cee). The mainline id was
  // not found: the subject occurs only in that pull and the patch mails, with no Fixes tag, stable copy or push log.
  // Also searched (2026-12): the subject in quotes (no Fixes tag), gitweb/gitiles pages by the commit message, and a
  // candidate id recalled from memory (68a33b179466): the stored sources pair that id with another commit
  // ("dma-direct: exclude dma_direct_map_resource from the min_low_pfn check", a 2020-05 stable review), so it is not this one.
  // Also tried (2026-12, second pass): the subject in every form (three hits: the dma-mapping-5.3-1 pull twice and
  // the patch), a candidate id recalled from memory (a5008b59cd9d, no hit, so not used); push mails of 2019 are not stored.
  // Also tried (2026-12, third pass): OpenWrt/SUSE backport patch files ("Subject: [PATCH] dma-direct: only limit the
  // mapping size …" with a "From <id>" header) and gitweb/gitiles commit pages (none stored).
  // Also tried (fifth pass, 2026-12): the subject's first words (header folding and the quoted-printable wrap of
  // linux-next's daily "Merging <tree> (<id> <subject>)" lines hide whole-subject matches), "dma-direct: only" (the
  // patch and the dma-mapping-5.3-1 pull only; it was
  // never dma-mapping/for-next's tip in a stored linux-next log).
  maxMappingSizeLimited: {
    from: '5.3',
    commit: null,
    subject: 'dma-direct: only limit the mapping size if swiotlb could be used',
    file: 'kernel/dma/direct.c',
    before: 'dma_direct_max_mapping_size(): swiotlb_max_mapping_size() (256 KiB) for every device as soon as swiotlb is active, even one that never bounces',
    after: 'only when swiotlb is active and the device is addressing-limited or forced to bounce; SIZE_MAX otherwise',
    verified: true,
  },
  // id: the kbuild robot's blame of kernel/dma/swiotlb.c ("492366f7b423 … Joerg Roedel 2019-02-07 bool
  // is_swiotlb_active(void)"); release: the same virtio pull as maxMappingSize (5.1).
  swiotlbActive: {
    from: '5.1',
    commit: '492366f7b423',
    subject: 'swiotlb: Add is_swiotlb_active() function',
    file: 'kernel/dma/swiotlb.c',
    before: 'no is_swiotlb_active(): drivers looked at swiotlb_nr_tbl()',
    after: 'is_swiotlb_active() says whether the swiotlb pool exists (it takes the device from 5.15, for restricted DMA pools)',
    verified: true,
  },
  // id: Fixes tags of Eric Auger's NULL dma_mask fixes (July 2019); release: "[GIT PULL] dma-mapping fixes for
  // 5.3-rc1" (tags/dma-mapping-5.3-1, on top of the 2019-07-15 merge period). Posted 2019-07-17 as patch 1/2 of
  // the dma_max_mapping_size fix: not 5.1.
  addressingLimited: {
    from: '5.3',
    commit: 'b866455423e0',
    subject: 'dma-mapping: add a dma_addressing_limited helper',
    file: 'include/linux/dma-mapping.h',
    before: 'no dma_addressing_limited(): a driver compares masks itself',
    after: 'dma_addressing_limited(dev): the device cannot reach all of memory directly (its mask is below dma_get_required_mask), so streaming mappings may bounce',
    verified: true,
  },
  // release: "pull-request: bpf 2020-06-30" into net during 5.8-rc ("Fix broken AF_XDP DMA hacks … integrate it
  // properly into DMA core", patch 1/4 posted 2020-06-29; the pull gives no ids), and the "Linux 5.8-rc5"
  // announcement (Linus Torvalds, 2020-07-12) lists it in its shortlog under Christoph Hellwig: in 5.8, not 5.9.
  // The mainline id was not found: no Fixes tag quotes the subject, and neither the blame of kernel/dma/mapping.c
  // nor a push log naming it is stored (3aa916250078, written from memory earlier, appears in no source).
  // Also searched (2026-12): the subject in a Fixes tag ("dma_need_sync API\")"), "Subject: … [PATCH] …" patch files,
  // "UPSTREAM:" cherry-picks and gitweb pages (none); its 5.8-rc period (July 2020) predates the stored push logs.
  // Also tried (2026-12, second pass): the patch's lore Link (".../bpf/20200629130359.2690853-2-hch@lst.de", no
  // commit text carries it), the bpf 2020-06-30 pull (it names d923021c2ce1 as its tip, not this commit, and lists
  // no ids); push mails of 2020 are not stored.
  // Also tried (2026-12, third pass): the candidate id 3aa9162500ba (no hit anywhere, not used); the commit message
  // ("Add a new API to check if calls to dma_sync_single_for_{device,cpu} are required …") against gitweb/gitiles
  // commit pages (none). The mainline subject is the capitalised one of the bpf pull and 5.8-rc5 shortlog.
  // Also tried (fifth pass, 2026-12): the subject's first words (header folding and the quoted-printable wrap of
  // linux-next's daily "Merging <tree> (<id> <subject>)" lines hide whole-subject matches), "dma-mapping: Add a new
  // dma_need" (ten hits: the patch thread and two
  // shortlogs, no id).
  needSync: {
    from: '5.8',
    commit: null,
    subject: 'dma-mapping: Add a new dma_need_sync API',
    file: 'kernel/dma/mapping.c',
    before: 'no dma_need_sync(): a driver cannot ask whether dma_sync_* calls do anything for a mapping',
    after: 'dma_need_sync(dev, addr): false only for a coherent device whose address is not a swiotlb slot (dma-direct); true behind dma-iommu',
    verified: true,
  },
  // release: "[GIT PULL] dma-mapping updates for 5.10" (tags/dma-mapping-5.10, 2020-10-15) lists "dma-mapping: add a
  // new dma_alloc_noncoherent API" beside dma_alloc_pages (allocPages). Both sides: the patch ("[PATCH 08/18]",
  // 2020-09-15), whose diff adds "static inline void *dma_alloc_noncoherent(struct device *dev, size_t size,
  // dma_addr_t *dma_handle, enum dma_data_direction dir, gfp_t gfp)" to a 5.9 include/linux/dma-mapping.h that has
  // none, and replaces dma-api.rst's dma_alloc_attrs(…, DMA_ATTR_NON_CONSISTENT) section with it. The mainline id
  // was not found (no Fixes tag or shortlog with ids names it).
  // Also tried (2026-12, third pass): a candidate id recalled from memory, efa70f2fdc84, is allocPages's commit
  // ("dma-mapping: add a new dma_alloc_pages API", paired by Fixes tags), so not this one; de7cf917768f (recalled,
  // no hit anywhere, not used); gitweb/gitiles commit pages and backport patch files by the subject (none).
  // Also tried (fifth pass, 2026-12): the subject's first words (header folding and the quoted-printable wrap of
  // linux-next's daily "Merging <tree> (<id> <subject>)" lines hide whole-subject matches), "dma-mapping: add a new
  // dma_alloc_non" (the v1/v2 patch threads and a
  // shortlog, no id).
  allocNoncoherent: {
    from: '5.10',
    commit: null,
    subject: 'dma-mapping: add a new dma_alloc_noncoherent API',
    file: 'include/linux/dma-mapping.h',
    before: 'no dma_alloc_noncoherent(dev, size, &handle, dir, gfp): non-coherent memory came from dma_alloc_attrs(…, DMA_ATTR_NON_CONSISTENT), with no direction, which a platform could answer with coherent memory',
    after: 'dma_alloc_noncoherent(dev, size, &h, dir, gfp) / dma_free_noncoherent(…, dir): cacheable memory the driver syncs like a streaming mapping',
    verified: true,
  },
  // id: Fixes tags (the 2020 ingenic build fix, the 92826e967535 highmem fix, 7e2368a21741); release: "dma-mapping
  // fixes for 5.10" documents "the new dma_{alloc,free}_pages API" (tags/dma-mapping-5.10-1), posted 2020-09-15.
  allocPages: {
    from: '5.10',
    commit: 'efa70f2fdc84',
    subject: 'dma-mapping: add a new dma_alloc_pages API',
    file: 'kernel/dma/mapping.c',
    before: 'no dma_alloc_pages()/dma_free_pages(): non-coherent DMA memory came from DMA_ATTR_NON_CONSISTENT',
    after: 'dma_alloc_pages(dev, size, &h, dir, gfp): cacheable pages mapped for the device, owned and synced like a streaming mapping',
    verified: true,
  },
  // id: Fixes tag of the 2026 "return 0 when no backend provides a hint" patch; release: "[GIT PULL] dma-mapping
  // updates for the kernel formetly known as 5.20" ("allow the IOMMU code to communicate an optional DMA mapping
  // length … (John Garry)"), i.e. 6.0. Backported to 5.15.y/6.1.y in 2024 (not modelled).
  optMappingSize: {
    from: '6.0',
    commit: 'a229cc14f339',
    subject: 'dma-mapping: add dma_opt_mapping_size()',
    file: 'kernel/dma/mapping.c',
    before: 'no dma_opt_mapping_size(): nothing tells a driver above which size mappings miss the IOVA caches',
    after: 'dma_opt_mapping_size(dev): the IOVA rcache limit (128 KiB with 4 KiB pages) behind dma-iommu, capped by dma_max_mapping_size',
    verified: true,
  },
  // id: linux-next's 2019 merge reports ("f9f3232a7d0a (\"dma-mapping: explicitly wire up ->mmap and
  // ->get_sgtable\") from the dma-mapping tree"); release: "[GIT PULL] dma-mapping updates for 5.4" shortlog; both
  // sides: the patch ("[PATCH 2/7]", 2019-08-05): dma_get_sgtable_attrs() "if (!dma_is_direct(ops) &&
  // ops->get_sgtable) return ops->get_sgtable(…); return dma_common_get_sgtable(…);" before, "if
  // (!ops->get_sgtable) return -ENXIO;" after, with .get_sgtable = dma_common_get_sgtable wired into the ops that
  // were safe (intel-iommu, amd_iommu, gart, …). Of the modelled back ends only a device's own ops (thread 001's
  // proposal) lack ->get_sgtable: arm32's IOMMU ops, arm64's and the IOMMU ops have their own.
  getSgtableEnxio: {
    from: '5.4',
    commit: 'f9f3232a7d0a',
    subject: 'dma-mapping: explicitly wire up ->mmap and ->get_sgtable',
    file: 'kernel/dma/mapping.c',
    before: 'dma_get_sgtable on dma_map_ops without ->get_sgtable falls back to dma_common_get_sgtable (one entry, virt_to_page(cpu_addr))',
    after: 'dma_get_sgtable on dma_map_ops without ->get_sgtable returns -ENXIO',
    verified: true,
  },
  // The front door's file (apiFile()). id: linux-next's 2020-07-17 merge report ("d3fa60d7bfdc (\"dma-mapping: move
  // the remaining DMA API calls out of line\") from the dma-mapping tree"); release: "[GIT PULL] dma-mapping updates
  // for 5.9" (shortlog). Both sides: the patch ([PATCH 1/5], 2020-07-08) removes the static inline
  // dma_map_page_attrs, dma_unmap_page_attrs, dma_map_sg_attrs, dma_unmap_sg_attrs, dma_map_resource,
  // dma_unmap_resource and dma_sync_{single,sg}_for_{cpu,device} from include/linux/dma-mapping.h and adds them to
  // kernel/dma/mapping.c. dma_map_single_attrs and dma_unmap_single_attrs stay inlines of the header to this day.
  outOfLine: {
    from: '5.9',
    commit: 'd3fa60d7bfdc',
    subject: 'dma-mapping: move the remaining DMA API calls out of line',
    file: 'kernel/dma/mapping.c',
    before: 'dma_map_page_attrs, dma_map_sg_attrs, the dma_sync_* calls and their unmaps are static inlines in include/linux/dma-mapping.h',
    after: 'they are functions of kernel/dma/mapping.c',
    verified: true,
  },
  // Both sides: include/linux/dma-mapping.h (and the arch headers before it) in 3.x-4.x trees: "if
  // (ops->mapping_error) return ops->mapping_error(dev, dma_addr); return (dma_addr == DMA_ERROR_CODE);" (or
  // "return 0;" without the DMA_ERROR_CODE fallback once 4.13 removed it) — every ->mapping_error method
  // (dma_direct_mapping_error, swiotlb_dma_mapping_error, iommu_dma_mapping_error …) is a comparison, so a failed
  // map gives 1; the 5.0-era header: "if (dma_addr == DMA_MAPPING_ERROR) return -ENOMEM; return 0;". The change is
  // Christoph Hellwig's series "remove the ->mapping_error method from dma_map_ops" (V3 posted 2018-11-30, for the
  // 4.21 merge period that became 5.0; its per-driver patches b3aa14f02254 "iommu: remove the mapping_error
  // dma_map_ops method" and 524a669bdd5f "iommu/vt-d: remove the mapping_error dma_map_ops method" are missing from
  // 4.19.y per the stable bot and present in 5.1.y). Unverified: the id of the patch that rewrote
  // dma_mapping_error() itself, and 5.0 as its release (inferred from the merge period). The same series gave every
  // back end the one failure value: before it each returned its own (dma/map-error.ts: 0 for x86's pci-nommu and
  // intel-iommu (intel_mapping_error: "return !dma_addr;"), for dma-direct before 4.20 and dma-iommu from 4.13; the
  // overflow buffer's address for swiotlb before 4.20; all ones for arm32 and the rest). Searched for the id (2026-12):
  // "dma-mapping: provide a generic DMA_MAPPING_ERROR", "remove the mapping_error dma_map_ops method\")" (only the
  // iommu and vt-d patches' ids, above, in Fixes tags and stable mails).
  // Also tried (fifth pass, 2026-12): "dma-mapping: remove the mapping_error" in find_string: no hit anywhere, so the
  // subject is not shown by any stored source either (only the iommu and vt-d patches of the series are, by Fixes
  // tags and a stable dependency list); the series' own patch mails are not stored.
  mappingErrorEnomem: {
    from: '5.0',
    commit: null,
    subject: 'dma-mapping: remove the mapping_error dma_map_ops method',
    file: 'include/linux/dma-mapping.h',
    before: 'dma_mapping_error() returns what the ops\' ->mapping_error() comparison returns: 1 for a failed map, 0 otherwise',
    after: 'dma_mapping_error() returns -ENOMEM for DMA_MAPPING_ERROR, 0 otherwise; every back end returns DMA_MAPPING_ERROR (~(dma_addr_t)0) from a failed map, where each had its own value before (0, the swiotlb overflow buffer, all ones)',
    verified: false,
  },
});

// ---------------------------------------------------------------------------
// drivers/iommu/intel/dmar.c (drivers/iommu/dmar.c before 5.8): the Intel VT-d fault report. x86 only: the
// explorer's system IOMMU on an x86 machine is VT-d in legacy (non-scalable) mode, and dmar_fault() /
// dmar_fault_do_one() print its faults. Every modelled version prints, under pr_fmt "DMAR: ", "DRHD: handling fault
// status reg %x" and then one line per fault record; the record's wording changed three times (below). Before the
// first gate (4.4–5.3) the line is "[%s] Request device [%02x:%02x.%d] fault addr %llx [fault reason %02d] %s"
// (a 4.x tree of dmar.c with pr_fmt "DMAR: ", and the old side of the scalable-mode patch below); the fault reasons
// are dma_remap_fault_reasons[]: 0x05 "PTE Write access is not set", 0x06 "PTE Read access is not set" (the
// table in the stored torvalds/linux dmar.c, and logs of real faults on all three wordings: a read of an unmapped
// IOVA reports 06, a write 05).

export const INTEL_IOMMU_GATES = table('intel-iommu', {
  // Release: "IOMMU Updates for Linux v5.4" (tags/iommu-updates-v5.4, Joerg Roedel, 2019-09-16) lists "Kyung Min
  // Park (1): iommu/vt-d: Add Scalable Mode fault information". Both sides: the patch ("[PATCH] iommu/vt-d: Add
  // Scalable Mode fault information", 2019-09-06): "-[%s] Request device [%02x:%02x.%d] fault addr %llx [fault
  // reason %02d] %s" / "+[%s] Request device [%02x:%02x.%d] PASID %x fault addr %llx …", dmar_fault() passing
  // "pasid_present ? pasid : -1"; the stored torvalds/linux intel/dmar.c (a 5.8–5.13 tree) prints the PASID form, and
  // a 5.13.12 log shows "[DMA Write] Request device [04:00.0] PASID ffffffff fault addr 69974000 [fault reason 05]".
  // The mainline id was not found: the subject occurs only in the patch thread (Joerg Roedel's "Applied" reply of
  // 2019-09-10 and Sohil Mehta's review) and that shortlog; no Fixes tag, stable backport or commit list names it
  // among the stored sources (searched: the subject in find_string, the pages and issues corpora by subject and
  // author).
  // Also tried (fourth pass, 2026-12): the patch's message and subject against the pages corpus's mainline mirrors
  // (gitiles, gitea, gitweb commit pages) and "dma_remap_sm_fault_reasons" in find_string (trees and the patch thread
  // only): no id.
  // Also tried (fifth pass, 2026-12): the subject's first words (header folding and the quoted-printable wrap of
  // linux-next's daily "Merging <tree> (<id> <subject>)" lines hide whole-subject matches), "iommu/vt-d: Add Scalable
  // Mode" (the patch thread and the v5.4 shortlog
  // only); the stored drivers/iommu/dmar.c version listed for torvalds/linux is a 3.x one.
  pasidInFault: {
    from: '5.4',
    commit: null,
    subject: 'iommu/vt-d: Add Scalable Mode fault information',
    file: 'drivers/iommu/dmar.c',
    before: '"DMAR: [DMA Read] Request device [%02x:%02x.%d] fault addr %llx [fault reason %02d] %s"',
    after: '"DMAR: [DMA Read] Request device [%02x:%02x.%d] PASID %x fault addr %llx [fault reason %02d] %s": a request without PASID prints PASID ffffffff (-1)',
    arch: 'x86',
    verified: true,
  },
  // id and release: the shortlog of the iommu-drivers-move-v5.8 pull ("for you to fetch changes up to
  // 672cf6df9b8a3a6d70a6a5c30397f76fa40d3178: iommu/vt-d: Move Intel IOMMU driver into subdirectory"), merged by
  // Linus on 2020-06-12 (pr-tracker-bot: merge 8f02f363f76f), i.e. in the 5.8 merge period; the 5.4-stable
  // dependency list names "672cf6df9b8a (\"iommu/vt-d: Move Intel IOMMU driver into subdirectory\")". Both sides: the
  // v5.4 and v5.8 IOMMU pulls' diffstats (drivers/iommu/dmar.c, drivers/iommu/intel-iommu.c) and the stored
  // torvalds/linux drivers/iommu/intel/dmar.c; the cover letter moves the AMD files the same way (amd_iommu.c =>
  // amd/iommu.c). The files moved, the fault code did not.
  subdir: {
    from: '5.8',
    commit: '672cf6df9b8a',
    subject: 'iommu/vt-d: Move Intel IOMMU driver into subdirectory',
    file: 'drivers/iommu/intel/dmar.c',
    before: 'the fault report is printed from drivers/iommu/dmar.c (the page tables live in drivers/iommu/intel-iommu.c)',
    after: 'from drivers/iommu/intel/dmar.c (drivers/iommu/intel/iommu.c)',
    arch: 'x86',
    verified: true,
  },
  // id: the Fixes tag of 0b482d0c75bf ("Fixes: 719a19335692 (\"iommu/vt-d: Tweak the description of a DMA fault\")")
  // and a mainline commit list (719a19335692083c0f4ebdc6eef65131e7394ac8). Release: "IOMMU Updates for Linux v5.14"
  // (tags/iommu-updates-v5.14) lists "Lu Baolu (14): iommu/vt-d: Tweak the description of a DMA fault". Both sides:
  // the patch ([PATCH 03/23], 2021-06-10): "-[%s] Request device [%02x:%02x.%d] PASID %x fault addr %llx [fault
  // reason %02d] %s" / "+[%s NO_PASID] Request device [0x%02x:0x%02x.%d] fault addr 0x%llx [fault reason 0x%02x]
  // %s" ("The fault message uses 0xffffffff as PASID for DMA requests w/o PASID. This is confusing."); a bug report
  // quoting both kernels: 5.13.12 "[DMA Write] Request device [04:00.0] PASID ffffffff fault addr 69974000 [fault
  // reason 05]", 5.14-rc7 "[DMA Write NO_PASID] Request device [0x04:0x00.0] fault addr 0x69974000 [fault reason
  // 0x05]". The v1 patch's "[%s w/o PASID] … [fault reason %02xh]" was never merged.
  noPasid: {
    from: '5.14',
    commit: '719a19335692',
    subject: 'iommu/vt-d: Tweak the description of a DMA fault',
    file: 'drivers/iommu/intel/dmar.c',
    before: '"[DMA Read] Request device [00:02.0] PASID ffffffff fault addr fffff000 [fault reason 06] …": decimal reason, PASID -1 for a request without one',
    after: '"[DMA Read NO_PASID] Request device [0x00:0x02.0] fault addr 0xfffff000 [fault reason 0x06] …": hexadecimal reason, NO_PASID, and 0x before the bus and slot too',
    arch: 'x86',
    verified: true,
  },
  // id: mainline commit lists ("0b482d0c75bf321b2fd87d215c3d6df095a601d1 iommu/vt-d: Drop \"0x\" prefix from PCI bus
  // & device addresses"). Release: "IOMMU Fixes for Linux v5.15-rc3" ("Intel VT-d fix for how PCI device ids are
  // printed"; Lu Baolu: "A fix is queued for v5.15"), so 5.14 keeps the 0x form. Both sides: the patch (Bjorn
  // Helgaas, 2021-09-03): "-[%s NO_PASID] Request device [0x%02x:0x%02x.%d]" / "+[%s NO_PASID] Request device
  // [%02x:%02x.%d]" ("These no longer match dev_printk() and other similar messages"); today's dmar.c prints the same.
  bdfNo0x: {
    from: '5.15',
    commit: '0b482d0c75bf',
    subject: 'iommu/vt-d: Drop "0x" prefix from PCI bus & device addresses',
    file: 'drivers/iommu/intel/dmar.c',
    before: '"Request device [0x00:0x02.0]"',
    after: '"Request device [00:02.0]", as dev_printk names PCI devices (the address and reason keep their 0x)',
    arch: 'x86',
    verified: true,
  },
  // id and release: the Fixes tag of Gerd Rausch's RDS fix ("starting with: commit c588072bba6b (\"iommu/vt-d: Convert
  // intel iommu driver to the iommu ops\") … Simply put: Linux 5.11 and later"), Lu Baolu's "Fixes: c588072bba6b5"
  // on the untrusted-flush-queue fix, and a mainline commit list (c588072bba6b54b4b946485228b0409f23cd68a6 after
  // c062db039f40 and before 58a8bb39490d "iommu/vt-d: Cleanup after converting to dma-iommu ops"); the series is
  // Tom Murphy's and Lu Baolu's ("Tom Murphy (4): … iommu/vt-d: Convert intel iommu driver to the iommu ops").
  // Before: intel_map_page → __intel_map_single (4.x and 5.x trees of intel-iommu.c): intel_alloc_iova(dev, domain,
  // dma_to_mm_pfn(size), dma_mask) with "nrpages = __roundup_pow_of_two(nrpages)" and "if (!dmar_forcedac &&
  // dma_mask > DMA_BIT_MASK(32))" a first alloc_iova_fast below 4 GiB, for any device; prot "if (dir ==
  // DMA_TO_DEVICE || dir == DMA_BIDIRECTIONAL || !cap_zlr(iommu->cap)) prot |= DMA_PTE_READ; if (dir ==
  // DMA_FROM_DEVICE || dir == DMA_BIDIRECTIONAL) prot |= DMA_PTE_WRITE". After: the patch removes those (the
  // "-static unsigned long intel_alloc_iova" hunk) and dma-iommu's iommu_dma_map_page maps through intel_iommu_map.
  // id: the 0-day report's blame ("cfb94a372f2d4ee226247447c863f8709863d170 iommu/vt-d: Use bounce buffer for
  // untrusted devices", Lu Baolu 2019-09-06); release: "[git pull] IOMMU Updates for Linux v5.4" (tags/iommu-updates-v5.4:
  // "Bounce buffering DMA-API implementatation in the Intel VT-d driver for untrusted devices (like Thunderbolt
  // devices)", "Lu Baolu (5): … iommu/vt-d: Use bounce buffer for untrusted devices"). Both sides: the patch (v5-v8
  // on the list) adds bounce_map_single ("If both the physical buffer start address and size are page aligned, we
  // don't need to use a bounce page": swiotlb_tbl_map_single of the VTD_PAGE_SIZE-aligned size, the padding zeroed)
  // for device_needs_bounce(): !intel_no_bounce && a PCI device marked untrusted; before, __intel_map_single maps
  // the page in place. dma-iommu only learnt the same in 5.11 (DMA_IOMMU_GATES.untrustedBounce), which is when x86
  // moved to it (dmaIommu), so x86 bounces from 5.4 on.
  untrustedBounce: {
    from: '5.4',
    commit: 'cfb94a372f2d',
    subject: 'iommu/vt-d: Use bounce buffer for untrusted devices',
    file: 'drivers/iommu/intel-iommu.c',
    before: 'intel_map_page maps an untrusted device\'s buffer in place: the device is given the whole page(s) around it',
    after: 'bounce_map_single: a buffer whose start or size is not VTD_PAGE_SIZE-aligned bounces through swiotlb into pages of its own (padding zeroed) before it is mapped',
    arch: 'x86',
    verified: true,
  },
  // id and both sides: the 5.1.y stable backport ("[PATCH 5.1 102/155] iommu/vt-d: Flush IOTLB for untrusted device in
  // time", "[ Upstream commit f7b0c4ce8cb3c09cb3cbfc0c663268bf99e5fa9c ]"): intel_unmap()'s "if (intel_iommu_strict)"
  // becomes "if (intel_iommu_strict || (pdev && pdev->untrusted))" ("This isn't suitable for untrusted device since it
  // still can access the memory even if it isn't supposed to do so"). Release: "[git pull] IOMMU Updates for Linux
  // v5.2" (tags/iommu-updates-v5.2, "Lu Baolu (15): … iommu/vt-d: Flush IOTLB for untrusted device in time"). The
  // check went away with intel_unmap in 5.11 (dmaIommu) and came back in dma-iommu in 5.12
  // (DMA_IOMMU_GATES.untrustedStrict, whose "Fixes: c588072bba6b5" names the conversion).
  untrustedStrict: {
    from: '5.2',
    commit: 'f7b0c4ce8cb3',
    subject: 'iommu/vt-d: Flush IOTLB for untrusted device in time',
    file: 'drivers/iommu/intel-iommu.c',
    before: 'lazy mode (the default) defers the IOTLB flush for an untrusted device too: after dma_unmap its stale IOTLB entries still translate until the deferred flush',
    after: 'intel_unmap flushes the IOTLB at once for an untrusted PCI device, lazy mode or not (until 5.11, where dma-iommu lets it use the flush queue again for one release)',
    arch: 'x86',
    verified: true,
  },
  dmaIommu: {
    from: '5.11',
    commit: 'c588072bba6b',
    subject: 'iommu/vt-d: Convert intel iommu driver to the iommu ops',
    file: 'drivers/iommu/intel/iommu.c',
    before: "the DMA API behind VT-d is intel-iommu's own intel_dma_ops: intel_map_page / intel_unmap_page, intel_alloc_iova rounds every IOVA to a power of two and tries below 4 GiB first for any device whose mask is wider (PCI or not, every version); a DMA_FROM_DEVICE mapping is also readable when the unit lacks cap_zlr (the explorer's unit has it: write-only)",
    after: "dma-iommu's iommu_dma_ops: iommu_dma_map_page / iommu_dma_unmap_page, its IOVA rules (powers of two only below 32 granules, the 32-bit try only for PCI devices), dma_info_to_prot: DMA_FROM_DEVICE is IOMMU_WRITE only, so DMA_PTE_WRITE only, whatever cap_zlr",
    arch: 'x86',
    verified: true,
  },
});

// ---------------------------------------------------------------------------
// mm/slub.c, mm/slab_common.c: kmalloc and the gfp flags no kmalloc cache serves; include/linux/gfp.h: the values
// of the gfp bits, which the slab check prints.
// GFP_SLAB_BUG_MASK, "Do not use these with a slab allocator", is (__GFP_DMA32|__GFP_HIGHMEM|~__GFP_BITS_MASK) on
// every version modelled (include/linux/gfp.h, then mm/internal.h; stored trees of 3.x to 6.x): there are kmalloc
// caches for GFP_DMA (kmalloc-dma-*) but never for GFP_DMA32, so kmalloc_slab() / kmalloc_type() picks the normal
// kmalloc-N cache and the zone modifier is dropped. The check sits only where the allocator takes pages: SLUB's
// new_slab() (SLAB's cache_grow_begin()), i.e. only on a call that finds no free object and needs a new slab page,
// and, from 5.9, kmalloc_large's kmalloc_order() on every call above KMALLOC_MAX_CACHE_SIZE.
// %pGg (4.6+, include/trace/events/mmflags.h, stored trees of every era and the current one) names 0x4
// "GFP_DMA32": the table lists gfpflag_string(GFP_DMA32), never __GFP_DMA32.

export const MM_GATES = table('mm', {
  // id and subject: Borislav Petkov's follow-up on linux-mm (2017-01-16, "mm/slub: Add a dump_stack() to the
  // unexpected GFP check": "this was an omission on my side in 72baeef0c271 (\"slab: do not panic on invalid
  // gfp_mask\")", Michal Hocko's ack). The patch ("[PATCH 2/2] slab: do not panic on invalid gfp_mask", 2016-06-10,
  // linux-mm) replaces "pr_emerg(…); BUG();" in SLAB's cache_grow_begin() and SLUB's new_slab() by "flags &=
  // ~GFP_SLAB_BUG_MASK; pr_warn("Unexpected gfp: %#x (%pGg). Fixing up to gfp: %#x (%pGg). Fix your code!\n", …);"
  // (dump_stack() in SLAB only; SLUB got it from Borislav's patch, slubDumpStack). Release and both sides: the
  // TROVON data set (github garghub/TROVON, dataset/codebase_cleansed/linux_kernel/v4.7/slub.c: new_slab()
  // "pr_emerg("gfp: %u\n", flags & GFP_SLAB_BUG_MASK); BUG();"; v4.8/slub.c and v4.10/slub.c: the fix-up and
  // pr_warn, no dump_stack()). Patch 1/2 of the series ("%pGg" in the pr_emerg line) landed in the same release, so
  // no release printed "Unexpected gfp: %#x (%pGg)" before a BUG(). A 4.13 log (TuxOnIce issue 34, 2017-09) quotes
  // the line: "Unexpected gfp: 0x2000000 (0x2000000). Fixing up to gfp: 0x14000c0 (GFP_KERNEL). Fix your code!".
  slabNoPanic: {
    from: '4.8',
    commit: '72baeef0c271',
    subject: 'slab: do not panic on invalid gfp_mask',
    file: 'mm/slub.c',
    before: 'kmalloc(…, GFP_DMA32) that needs a new slab page hits new_slab()\'s check: pr_emerg "gfp: 4" (flags & GFP_SLAB_BUG_MASK, in decimal) and BUG(): the task oopses; a call that finds a free object in the normal kmalloc-N cache never reaches the check and returns an object anywhere in RAM',
    after: 'new_slab() strips the invalid flags and warns "Unexpected gfp: 0x4 (GFP_DMA32). Fixing up to gfp: … Fix your code!": the object comes from the normal kmalloc-N cache, anywhere in RAM, never from ZONE_DMA32',
    verified: true,
  },
  // Subject: Borislav Petkov's patch on linux-mm (2017-01-16, "[PATCH] mm/slub: Add a dump_stack() to the unexpected
  // GFP check", "We wanna know who's doing such a thing. Like slab.c does that.", acked by Michal Hocko); its
  // mainline id was not found. Both sides: TROVON v4.10/slub.c (new_slab()'s pr_warn with no dump_stack()) and
  // v4.11/slub.c (read here: "pr_warn(\"Unexpected gfp: …\", …); dump_stack();").
  slubDumpStack: {
    from: '4.11',
    commit: null,
    subject: 'mm/slub: Add a dump_stack() to the unexpected GFP check',
    file: 'mm/slub.c',
    before: 'SLUB\'s new_slab() prints the "Unexpected gfp" line alone: no stack trace says which caller passed GFP_DMA32',
    after: 'a stack dump (dump_stack) follows the "Unexpected gfp" line, naming the caller',
    verified: true,
  },
  // id and subject: a 5.9 merge-period push log ("444050990db4abdf0c85ca6050542b888ba316a1 mm, slab: check
  // GFP_SLAB_BUG_MASK before alloc_pages in kmalloc_order", among the 5.9-rc1 merges); the series on linux-mm
  // (Long Li, v2–v4, 2020-06-30 to 2020-07-02: "kmalloc cannot allocate memory from HIGHMEM. Allocating large amounts
  // of memory currently bypasses the check … factor the GFP_SLAB_BUG_MASK check out of slab & slub, and call it from
  // kmalloc_order() as well"; Matthew Wilcox asked for one function, named kmalloc_fix_flags() when merged) in
  // mm/slab_common.c, which new_slab() calls too from then on. Both sides: a stored 5.x mm/slab_common.c whose
  // kmalloc_order() is "flags |= __GFP_COMP; page = alloc_pages(flags, order);" (GFP_DMA32 reaches the page
  // allocator and is honoured) and stored 5.9+ trees with "if (unlikely(flags & GFP_SLAB_BUG_MASK)) flags =
  // kmalloc_fix_flags(flags);" first (kmalloc_order, then __kmalloc_large_node in slab_common.c and
  // ___kmalloc_large_node in slub.c: still there in 6.x), kmalloc_fix_flags() ending in dump_stack().
  kmallocLargeFixFlags: {
    from: '5.9',
    commit: '444050990db4',
    subject: 'mm, slab: check GFP_SLAB_BUG_MASK before alloc_pages in kmalloc_order',
    file: 'mm/slab_common.c',
    before: 'a kmalloc above KMALLOC_MAX_CACHE_SIZE (8 KiB) goes to kmalloc_order(), which hands the gfp flags to alloc_pages() unchecked: kmalloc(…, GFP_DMA32) of that size silently gets ZONE_DMA32 pages, below 4 GiB; the small-object warning is new_slab()\'s own',
    after: 'kmalloc_order() calls kmalloc_fix_flags() first: every large kmalloc(…, GFP_DMA32) warns "Unexpected gfp: 0x4 (GFP_DMA32). Fixing up to gfp: … Fix your code!" with a stack dump and gets pages from any zone; new_slab() prints through kmalloc_fix_flags() too',
    verified: true,
  },
  // The values the "Fixing up to gfp: %#x" line prints. 4.4 to 4.9 (from d0164adc89f6, 4.4): ___GFP_DIRECT_RECLAIM
  // 0x400000, ___GFP_OTHER_NODE 0x800000, ___GFP_KSWAPD_RECLAIM 0x2000000: GFP_KERNEL 0x24000c0. This gate drops
  // __GFP_OTHER_NODE and moves __GFP_WRITE and __GFP_KSWAPD_RECLAIM down one bit: GFP_KERNEL 0x14000c0 (the 4.13 log
  // above; a linux-mm patch of 2017 quotes that layout as its "before": DIRECT_RECLAIM 0x400000, WRITE 0x800000,
  // KSWAPD_RECLAIM 0x1000000). Id and subject: Jesper Dangaard Brouer on linux-mm (2017-01: "changed … in commit
  // 41b6167e8f74 (\"mm: get rid of __GFP_OTHER_NODE\")"); Michal Hocko's patch is of 2017-01-02, after 4.10-rc1.
  // Release 4.10, both sides seen (sixth pass, 2026-12) in the users the commit removed, TROVON's per-release
  // mm/khugepaged.c (github garghub/TROVON, dataset/codebase_cleansed/linux_kernel/v<release>/khugepaged.c): v4.9's
  // collapse_huge_page() has "gfp = alloc_hugepage_khugepaged_gfpmask() | __GFP_OTHER_NODE | __GFP_THISNODE;" (and
  // collapse_shmem() the same), v4.10's "gfp = alloc_hugepage_khugepaged_gfpmask() | __GFP_THISNODE;" in both. The
  // flag's bit values themselves (gfp.h) are not in that data set; they are the layouts quoted above.
  gfpNoOtherNode: {
    from: '4.10',
    commit: '41b6167e8f74',
    subject: 'mm: get rid of __GFP_OTHER_NODE',
    file: 'include/linux/gfp.h',
    before: '__GFP_KSWAPD_RECLAIM is 0x2000000: GFP_KERNEL prints as 0x24000c0, GFP_ATOMIC as 0x2080020',
    after: '__GFP_KSWAPD_RECLAIM is 0x1000000: GFP_KERNEL prints as 0x14000c0, GFP_ATOMIC as 0x1080020',
    verified: true,
  },
  // Shakeel Butt, "[PATCH v2] mm: save two stranding bit in gfp_mask" (linux-mm, 2018-05-16, acked by Michal Hocko
  // and Vlastimil Babka: "___GFP_COLD and ___GFP_OTHER_NODE were removed but their bits were stranded. Fill the gaps
  // by moving the existing gfp masks around"): ___GFP_WRITE to 0x100, ___GFP_DIRECT_RECLAIM 0x400000 → 0x200000,
  // ___GFP_KSWAPD_RECLAIM 0x1000000 → 0x400000: GFP_KERNEL 0x14000c0 → 0x6000c0 (__GFP_COLD's removal in 4.15 left
  // the values alone: 4.15 and 4.17.2 logs still print "gfp_mask=0x14000c0(GFP_KERNEL)"; 4.19 logs and the 2018
  // syzbot reports print 0x6000c0). Posted during 4.17-rc, so 4.18. The mainline id was not found. Release 4.18,
  // both sides seen (sixth pass, 2026-12) in OOM reports: 4.17 — "foo.sh invoked oom-killer: gfp_mask=0x14000c0
  // (GFP_KERNEL)" on "4.17.2-1-ARCH" (a memcg dirty-page OOM report on linux-mm); 4.18 — "stress invoked oom-killer:
  // gfp_mask=0x6000c0(GFP_KERNEL)" on "4.18.0-rc7-work+" (Tejun Heo's cgroup2 OOM-dump patch, a mainline 4.18-rc7
  // base) and on "4.18.0-rc6-next-20180725+" (syzbot): in mainline by 4.18-rc6, after the merge period, so 4.18.
  gfpFillGaps: {
    from: '4.18',
    commit: null,
    subject: 'mm: save two stranding bit in gfp_mask',
    file: 'include/linux/gfp.h',
    before: '__GFP_DIRECT_RECLAIM 0x400000, __GFP_KSWAPD_RECLAIM 0x1000000: GFP_KERNEL prints as 0x14000c0',
    after: '__GFP_DIRECT_RECLAIM 0x200000, __GFP_KSWAPD_RECLAIM 0x400000: GFP_KERNEL prints as 0x6000c0, GFP_ATOMIC as 0x480020',
    verified: true,
  },
  // Alexey Dobriyan, "[PATCH] mm: shuffle GFP_* flags" (2019-01-09, linux-mm: "Shuffle GFP_* flags so that
  // GFP_KERNEL/GFP_ATOMIC + __GFP_ZERO bits are close to each other", 0xcc0 fits an arm immediate): ___GFP_ZERO
  // 0x100, ___GFP_ATOMIC 0x200, ___GFP_DIRECT_RECLAIM 0x400, ___GFP_KSWAPD_RECLAIM 0x800, ___GFP_NOWARN 0x2000.
  // Posted after 5.0-rc1, so 5.1 at the earliest; 5.6 and 5.8 logs print "gfp_mask=0xcc0(GFP_KERNEL)". Not verified:
  // the mainline id and the release (taken as 5.1) are open. Sixth pass (2026-12): linux-next already had it during
  // 5.0-rc4 (Tetsuo Handa's log: "a.out invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL)" on "5.0.0-rc4-next-20190131"),
  // i.e. queued for the 5.1 merge period. The 5.0 side is seen: an Ubuntu "5.0.0-15-generic #16-Ubuntu" OOM report
  // prints "gfp_mask=0x6200ca(GFP_HIGHUSER_MOVABLE)" (the old layout: KSWAPD 0x400000 | DIRECT 0x200000 | HARDWALL
  // 0x20000; after the shuffle it is 0x100cca), as does linux-next of 2019-01-11 ("5.0.0-rc1-next-20190111"). The 5.1
  // side is not: no 5.1 log with 0xcc0 / 0x100cca was found (the hits are 5.3-rc3, 5.4, 5.10 and later).
  gfpShuffle: {
    from: '5.1',
    commit: null,
    subject: 'mm: shuffle GFP_* flags',
    file: 'include/linux/gfp.h',
    before: 'GFP_KERNEL prints as 0x6000c0, __GFP_ZERO as 0x8000, __GFP_NOWARN as 0x200',
    after: 'GFP_KERNEL prints as 0xcc0, __GFP_ZERO as 0x100, __GFP_NOWARN as 0x2000, GFP_ATOMIC as 0xa20',
    verified: false,
  },
  // id and subject: Petr Tesarik on linux-mm (2024, reviewing the GFP bit enum: "Neil Brown removed __GFP_ATOMIC with
  // commit 2973d8229b78"); the patch ("mm: discard __GFP_ATOMIC", akpm's mm tree, early 2023) drops
  // gfpflag_string(__GFP_ATOMIC) and makes GFP_ATOMIC (__GFP_HIGH|__GFP_KSWAPD_RECLAIM), leaving 0x200 unused. Not
  // verified: the release (taken as 6.3) was not pinned. Sixth pass (2026-12): the 6.2 side — LWN's "GFP flags and
  // the end of __GFP_ATOMIC" (2023-01-27, during 6.2-rc, syndicated copy) still describes Mel Gorman's series as
  // posted, not merged, so 6.2 keeps __GFP_ATOMIC (GFP_ATOMIC prints 0xa20, as in 6.1 logs); the after side is only
  // bounded by 6.5.9 and 6.6.43 logs printing "mode:0x820(GFP_ATOMIC)" — no 6.3 log, tree or stable mail was found.
  gfpNoAtomicBit: {
    from: '6.3',
    commit: '2973d8229b78',
    subject: 'mm: discard __GFP_ATOMIC',
    file: 'include/linux/gfp_types.h',
    before: 'GFP_ATOMIC is __GFP_HIGH|__GFP_ATOMIC|__GFP_KSWAPD_RECLAIM: it prints as 0xa20',
    after: 'GFP_ATOMIC is __GFP_HIGH|__GFP_KSWAPD_RECLAIM: it prints as 0x820',
    verified: false,
  },
});

// ---------------------------------------------------------------------------
// drivers/iommu/riscv/iommu.c: the RISC-V IOMMU driver. riscv only.

export const RISCV_IOMMU_GATES = table('riscv-iommu', {
  // id and subject: the Fixes tags of the driver's later fixes ("Fixes: 488ffbf18171 (\"iommu/riscv: Paging domain
  // support\")": the iova_to_phys NULL check, the IOTLB range overflow fix, the IODIR invalidation fix). Release and
  // both sides: "[git pull] IOMMU Updates for Linux v6.13" (Joerg Roedel, 2024-11-22, tags/iommu-updates-v6.13, "since
  // … Linux 6.12-rc7"): "New IOMMU driver for RISC-V", "Tomasz Jeznach (7): dt-bindings: iommu: riscv: Add bindings
  // for RISC-V IOMMU … iommu/riscv: Add RISC-V IOMMU platform device driver … iommu/riscv: Paging domain support",
  // and a diffstat that creates drivers/iommu/riscv/Kconfig (+20) and Makefile (+3): no RISC-V IOMMU driver in 6.12
  // or before. After: drivers/iommu/riscv/iommu.c with paging domains (riscv_iommu_map_pages, riscv_iommu_unmap_pages,
  // riscv_iommu_iotlb_inval, riscv_iommu_fault; riscv_iommu_ops without .capable or .def_domain_type). Unchanged in
  // what the explorer models up to 6.18 as far as the stored sources show: ".capable" (IOMMU_CAP_DEFERRED_FLUSH) is
  // still the RFC "iommu/riscv: report iommu capabilities" (v2, 2025-09), and "iommu/dma: enable IOMMU_DMA for RISC-V"
  // (drivers/iommu/Kconfig "def_bool ARM64 || X86 || S390 || RISCV") is still an RFC in 2025-09 and a series in 2026:
  // IOMMU_DMA is not built for RISC-V, so iommu_get_default_domain_type() forces IOMMU_DOMAIN_IDENTITY ("If the
  // common dma ops are not selected in kconfig then we cannot use IOMMU_DOMAIN_DMA at all") and the DMA API never
  // translates through the IOMMU; only the IOMMU API (a driver's own paging domain) does. The driver's own page table
  // (riscv_iommu_pte_alloc …) lasts past 6.18: its replacement, e5ef32191a87 "iommu/riscv: Use the generic iommu page
  // table" (with "iommu/riscv: Enable SVNAPOT support for contiguous ptes"), is a 2026 series (v4 posted 2026-02),
  // and the earlier Svnapot patches (Xu Lu, 2025-03) were not merged, so 4K/2M/1G are its page sizes here.
  driver: {
    from: '6.13',
    commit: '488ffbf18171',
    subject: 'iommu/riscv: Paging domain support',
    file: 'drivers/iommu/riscv/iommu.c',
    before: 'mainline has no RISC-V IOMMU driver (no drivers/iommu/riscv): a device behind a RISC-V IOMMU gets no IOMMU at all, so the explorer refuses a riscv machine with an iommu(…)',
    after: 'the riscv-iommu driver: default domains are identity (BARE; IOMMU_DMA is not built for RISC-V, so the DMA API uses dma-direct in every mode and an untrusted PCI device is refused), and a driver\'s paging domain gets an Sv39 table — read-only without IOMMU_WRITE, no -EEXIST, no block split, per-page or whole-PSCID IOTLB invalidation, faults only logged ("Fault %d devid: …")',
    arch: 'riscv',
    verified: true,
  },
});

/**
 * Why machine(iommu_off=true) cannot be modelled, or null: the one owner of the
 * rule the scenario check and createMachine (after "Run as" / --arch /
 * --kernel) apply. iommu=off is x86's boot option; the explorer models it
 * before DIRECT_GATES.swiotlbMerged (5.0), where a machine without swiotlb has
 * ops that never call swiotlb (pci-nommu, then dma_direct_ops); from 5.0
 * dma-direct calls swiotlb_map() itself, which is not modelled without a pool
 * that swiotlb=noforce did not set up. It means no pool, so swiotlb=0, and it
 * turns off the DMA remapping of an IOMMU too, so no iommu(…).
 */
export function iommuOffRefusal(config: Pick<MachineConfig, 'arch' | 'kernel' | 'iommus' | 'swiotlb' | 'iommuOff'>): string | null {
  if (!config.iommuOff) return null;
  if (config.arch !== 'x86') return `iommu_off=true is x86's boot option iommu=off; ${config.arch} has no such option: drop iommu_off (swiotlb=0 is swiotlb=noforce)`;
  const g = DIRECT_GATES.swiotlbMerged;
  if (kernelCode(config.kernel) >= g.code) return `iommu_off=true is modelled before ${g.from} only: from ${g.from} (${g.commit}) dma-direct calls swiotlb itself, and a kernel without any swiotlb set up is not modelled there — choose a kernel before "${g.from}", or drop iommu_off (swiotlb=0 is swiotlb=noforce)`;
  if (config.swiotlb !== 0) return 'iommu_off=true means no swiotlb pool: write swiotlb=0 with it';
  if (config.iommus.length) return `iommu_off=true turns off DMA remapping as well: drop iommu(${config.iommus[0]!.name}) or iommu_off`;
  return null;
}

/**
 * Why this machine cannot be modelled because of its IOMMUs, or null: the one
 * owner of the rule that both the scenario check (validate.ts, at the
 * declaration) and createMachine (after "Run as" / --arch / --kernel
 * overrides) apply. On riscv, before RISCV_IOMMU_GATES.driver there is no
 * RISC-V IOMMU driver; from it, an untrusted PCI device behind the IOMMU is
 * refused by iommu_get_default_domain_type() (IOMMU_DMA is not built for
 * RISC-V, so its default domain would be identity), which the explorer does
 * not model further.
 */
export function iommuRefusal(config: Pick<MachineConfig, 'arch' | 'kernel' | 'iommus' | 'devices'>): { iommu?: string; device?: string; message: string } | null {
  if (config.arch !== 'riscv' || config.iommus.length === 0) return null;
  const g = RISCV_IOMMU_GATES.driver;
  if (kernelCode(config.kernel) < g.code) {
    return {
      iommu: config.iommus[0]!.name,
      message: `riscv has no IOMMU driver before Linux ${g.from} (drivers/iommu/riscv came with ${g.commit} "${g.subject}"): kernel ${config.kernel} cannot have iommu(${config.iommus[0]!.name}) — choose kernel "${g.from}" or later, or drop the iommu`,
    };
  }
  const coarse = config.iommus.find((u) => u.pgsize !== 4096);
  if (coarse) {
    return {
      iommu: coarse.name,
      message: `a RISC-V IOMMU maps 4K, 2M and 1G pages only (riscv_iommu_alloc_paging_domain: pgsize_bitmap = SZ_4K | SZ_2M | SZ_1G under Sv39): iommu(${coarse.name}) cannot have pgsize=${coarse.pgsize / 1024}K — drop pgsize=`,
    };
  }
  const d = config.devices.find((x) => x.iommu && x.bus === 'pci' && x.untrusted);
  if (d) {
    return {
      device: d.name,
      message: `an untrusted PCI device behind a RISC-V IOMMU is refused: IOMMU_DMA is not built for RISC-V, so iommu_get_default_domain_type() gives the group an identity domain and then "Device is not trusted, but driver is overriding group … to identity, refusing to probe." — the explorer does not model that device; drop untrusted=true or iommu=`,
    };
  }
  return null;
}

/** Where a kernel/dma file lived before DIRECT_GATES.kernelDmaDir (cf65a0f6f6ff) moved it there. */
const BEFORE_KERNEL_DMA: Readonly<Record<string, string>> = {
  'kernel/dma/debug.c': 'lib/dma-debug.c',
  'kernel/dma/swiotlb.c': 'lib/swiotlb.c',
  'kernel/dma/direct.c': 'lib/dma-direct.c',
  // the kbuild robot's blame of kernel/dma/contiguous.c on cf65a0f6f6ff (2023-11-05) attributes every older line to
  // drivers/base/dma-contiguous.c
  'kernel/dma/contiguous.c': 'drivers/base/dma-contiguous.c',
};

/** The file a kernel/dma source file had in kernel `code` (lib/… before 4.18). */
export function dmaFile(code: number, file: string): string {
  return code < DIRECT_GATES.kernelDmaDir.code ? (BEFORE_KERNEL_DMA[file] ?? file) : file;
}

/** Where a drivers/iommu/arm/arm-smmu file lived before ARM_SMMU_GATES.subdir (e86d1aa8b60f) moved it there. */
const BEFORE_SMMU_SUBDIR: Readonly<Record<string, string>> = {
  'drivers/iommu/arm/arm-smmu/arm-smmu.c': 'drivers/iommu/arm-smmu.c',
};

/** Where a drivers/iommu/intel file lived before INTEL_IOMMU_GATES.subdir (672cf6df9b8a) moved it there. */
const BEFORE_INTEL_SUBDIR: Readonly<Record<string, string>> = {
  'drivers/iommu/intel/dmar.c': 'drivers/iommu/dmar.c',
  'drivers/iommu/intel/iommu.c': 'drivers/iommu/intel-iommu.c',
};

/** The path a source file had in kernel `code`: kernel/dma files in lib/ before 4.18, the arm-smmu driver in drivers/iommu/ before 5.9, the VT-d driver there before 5.8. */
export function kernelFile(code: number, file: string): string {
  if (code < ARM_SMMU_GATES.subdir.code && BEFORE_SMMU_SUBDIR[file]) return BEFORE_SMMU_SUBDIR[file]!;
  if (code < INTEL_IOMMU_GATES.subdir.code && BEFORE_INTEL_SUBDIR[file]) return BEFORE_INTEL_SUBDIR[file]!;
  return dmaFile(code, file);
}

/** A kernel function as one version names it, and the file it lives in. */
export interface KernelFn {
  fn: string;
  file: string;
}

/** One name of a renamed or moved function: in force from `from` (from the oldest version when absent). */
interface NameEra extends KernelFn {
  from?: Gate;
}

/**
 * Functions whose name or file changed, oldest first. The events name them
 * through kernelName(), so no call site holds a version of its own; files
 * under kernel/dma are given as today and moved by kernelFile() (lib/…
 * before 4.18).
 */
const KERNEL_NAMES = {
  directMap: [
    { fn: 'dma_direct_map_page', file: 'kernel/dma/direct.c' },
    { from: DIRECT_GATES.fastPathInline, fn: 'dma_direct_map_page', file: 'include/linux/dma-direct.h' },
    { from: DIRECT_GATES.directHeader, fn: 'dma_direct_map_page', file: 'kernel/dma/direct.h' },
    { from: DIRECT_GATES.mapPhys, fn: 'dma_direct_map_phys', file: 'kernel/dma/direct.h' },
  ],
  directUnmap: [
    { fn: 'dma_direct_unmap_page', file: 'kernel/dma/direct.c' },
    { from: DIRECT_GATES.fastPathInline, fn: 'dma_direct_unmap_page', file: 'include/linux/dma-direct.h' },
    { from: DIRECT_GATES.directHeader, fn: 'dma_direct_unmap_page', file: 'kernel/dma/direct.h' },
    { from: DIRECT_GATES.mapPhys, fn: 'dma_direct_unmap_phys', file: 'kernel/dma/direct.h' },
  ],
  iommuMap: [
    { fn: 'iommu_dma_map_page', file: 'drivers/iommu/dma-iommu.c' },
    { from: DMA_IOMMU_GATES.mapPhys, fn: 'iommu_dma_map_phys', file: 'drivers/iommu/dma-iommu.c' },
  ],
  iommuUnmap: [
    { fn: 'iommu_dma_unmap_page', file: 'drivers/iommu/dma-iommu.c' },
    { from: DMA_IOMMU_GATES.mapPhys, fn: 'iommu_dma_unmap_phys', file: 'drivers/iommu/dma-iommu.c' },
  ],
  swiotlbRelease: [
    { fn: 'swiotlb_tbl_unmap_single', file: 'kernel/dma/swiotlb.c' },
    { from: SWIOTLB_GATES.releaseSlots, fn: 'swiotlb_release_slots', file: 'kernel/dma/swiotlb.c' },
  ],
  // swiotlb_tbl_sync_single took the direction of the sync as its last argument (SYNC_FOR_CPU / SYNC_FOR_DEVICE).
  swiotlbSyncForCpu: [
    { fn: 'swiotlb_tbl_sync_single', file: 'kernel/dma/swiotlb.c' },
    { from: SWIOTLB_GATES.syncSplit, fn: 'swiotlb_sync_single_for_cpu', file: 'kernel/dma/swiotlb.c' },
  ],
  swiotlbSyncForDevice: [
    { fn: 'swiotlb_tbl_sync_single', file: 'kernel/dma/swiotlb.c' },
    { from: SWIOTLB_GATES.syncSplit, fn: 'swiotlb_sync_single_for_device', file: 'kernel/dma/swiotlb.c' },
  ],
  // dma-direct's CMA calls (DIRECT_GATES.contiguousHelpers).
  cmaDirectAlloc: [
    { fn: 'dma_alloc_from_contiguous', file: 'kernel/dma/contiguous.c' },
    { from: DIRECT_GATES.contiguousHelpers, fn: 'dma_alloc_contiguous', file: 'kernel/dma/contiguous.c' },
  ],
  cmaDirectFree: [
    { fn: 'dma_release_from_contiguous', file: 'kernel/dma/contiguous.c' },
    { from: DIRECT_GATES.contiguousHelpers, fn: 'dma_free_contiguous', file: 'kernel/dma/contiguous.c' },
  ],
  // The function that searches the bitmap and migrates (cma_alloc's loop until it moved into __cma_alloc, then
  // into cma_range_alloc with the multi-range areas). The frozen-page names (__cma_alloc_frozen,
  // alloc_contig_frozen_range) came after 6.18, the newest modelled version.
  cmaSearch: [
    { fn: 'cma_alloc', file: 'mm/cma.c' },
    { from: CMA_GATES.underscoreName, fn: '__cma_alloc', file: 'mm/cma.c' },
    { from: CMA_GATES.multiRange, fn: 'cma_range_alloc', file: 'mm/cma.c' },
  ],
  // The function that reports a failed allocation (the pr_err's __func__).
  cmaAlloc: [
    { fn: 'cma_alloc', file: 'mm/cma.c' },
    { from: CMA_GATES.underscoreName, fn: '__cma_alloc', file: 'mm/cma.c' },
  ],
  // The function that prints the "Unexpected gfp" line: new_slab() itself, then kmalloc_fix_flags(), which the
  // large-kmalloc path shares (MM_GATES.kmallocLargeFixFlags).
  slabFixFlags: [
    { fn: 'new_slab', file: 'mm/slub.c' },
    { from: MM_GATES.kmallocLargeFixFlags, fn: 'kmalloc_fix_flags', file: 'mm/slab_common.c' },
  ],
} as const satisfies Record<string, readonly NameEra[]>;

export type RenamedFn = keyof typeof KERNEL_NAMES;

/** The name and file of `what` in kernel `code`. */
export function kernelName(code: number, what: RenamedFn): KernelFn {
  let e: NameEra = KERNEL_NAMES[what][0];
  for (const x of KERNEL_NAMES[what] as readonly NameEra[]) if (!x.from || code >= x.from.code) e = x;
  return { fn: e.fn, file: kernelFile(code, e.file) };
}

/**
 * Front-door kernel functions by where they live (kernel names, which the
 * explorer's operations share): `outOfLine` became functions of
 * kernel/dma/mapping.c with DMA_API_GATES.outOfLine (d3fa60d7bfdc), `inline`
 * are static inlines of include/linux/dma-mapping.h on every version.
 */
const FRONT_DOOR = {
  outOfLine: {
    fns: ['dma_map_page_attrs', 'dma_unmap_page_attrs', 'dma_map_sg_attrs', 'dma_unmap_sg_attrs', 'dma_map_resource', 'dma_unmap_resource', 'dma_sync_single_for_cpu', 'dma_sync_single_for_device', 'dma_sync_sg_for_cpu', 'dma_sync_sg_for_device'],
  },
  inline: { fns: ['dma_map_single_attrs', 'dma_unmap_single_attrs', 'dma_mapping_error'] },
} as const satisfies Record<string, { fns: readonly string[] }>;

/** The file a front-door call of the DMA API lives in on kernel `code` (kernel/dma/mapping.c for the rest). */
export function apiFile(code: number, fn: string): string {
  if (INLINE_FNS.has(fn) || (OUT_OF_LINE_FNS.has(fn) && code < DMA_API_GATES.outOfLine.code)) return 'include/linux/dma-mapping.h';
  return 'kernel/dma/mapping.c';
}
// Sets made once: apiFile runs at every map, unmap and sync (no closure or array scan per call).
const INLINE_FNS: ReadonlySet<string> = new Set(FRONT_DOOR.inline.fns);
const OUT_OF_LINE_FNS: ReadonlySet<string> = new Set(FRONT_DOOR.outOfLine.fns);

/** Every table, by subsystem. */
export const GATE_TABLES: Record<Subsystem, Record<string, Gate>> = {
  arch: ARCH_GATES,
  mm: MM_GATES,
  direct: DIRECT_GATES,
  swiotlb: SWIOTLB_GATES,
  'dma-iommu': DMA_IOMMU_GATES,
  iommu: IOMMU_GATES,
  'io-pgtable': IO_PGTABLE_GATES,
  'arm-smmu': ARM_SMMU_GATES,
  'dma-debug': DEBUG_GATES,
  cma: CMA_GATES,
  'dma-buf': DMA_BUF_GATES,
  'dma-api': DMA_API_GATES,
  'intel-iommu': INTEL_IOMMU_GATES,
  'riscv-iommu': RISCV_IOMMU_GATES,
};

export const ALL_GATES: readonly Gate[] = Object.values(GATE_TABLES).flatMap((t) => Object.values(t));

export interface KernelEra {
  /** The first version of the era, as the menu offers it. */
  version: string;
  code: number;
  /** The gates whose new behaviour starts here (empty for the oldest version). */
  changes: Gate[];
}

/**
 * The versions the engine distinguishes for an architecture (every
 * architecture when omitted): the oldest version a scenario may name on it
 * (config.ts archOldest: riscv from 4.15), then every version where some
 * gate's behaviour starts, newest last. A gate older than the architecture's
 * port is in force from its first version and starts no era of its own there.
 */
export function kernelEras(arch?: Arch): KernelEra[] {
  const first = arch ? archOldest(arch) : KERNEL_RANGE.oldest;
  const oldest = kernelCode(first);
  const floor = oldest > kernelCode(KERNEL_RANGE.oldest);
  const byCode = new Map<number, KernelEra>([[oldest, { version: first, code: oldest, changes: [] }]]);
  for (const g of ALL_GATES) {
    if (arch && !gateConcerns(g, arch)) continue;
    if (floor && g.code <= oldest) continue;
    const e = byCode.get(g.code) ?? { version: g.from, code: g.code, changes: [] };
    e.changes.push(g);
    byCode.set(g.code, e);
  }
  return [...byCode.values()].sort((a, b) => a.code - b.code);
}

/** The era a version belongs to: the newest era starting at or before it. */
export function eraOf(code: number, arch?: Arch): KernelEra {
  const eras = kernelEras(arch);
  let e = eras[0]!;
  for (const x of eras) if (x.code <= code) e = x;
  return e;
}
