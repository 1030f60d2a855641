/**
 * The system IOMMU: domains, attach/detach, the IOMMU API (iommu_map,
 * iommu_unmap, iommu_flush_iotlb_all) and the hardware translation of a
 * device's DMA — mirrors `drivers/iommu/iommu.c` (domains, groups,
 * iommu_map / iommu_unmap / iommu_iotlb_sync), the flush-queue timer of
 * `drivers/iommu/dma-iommu.c` (fq_flush_timeout), and the fault report:
 * `drivers/iommu/arm/arm-smmu/arm-smmu.c` (arm_smmu_context_fault) on arm64
 * and arm, Intel VT-d's `drivers/iommu/intel/dmar.c` (dmar_fault,
 * dmar_fault_do_one) on x86, the RISC-V IOMMU's
 * `drivers/iommu/riscv/iommu.c` (riscv_iommu_fault) on riscv (6.13 on:
 * RISCV_IOMMU_GATES.driver; before it the machine is refused, iommuRefusal).
 *
 * What it is for: every device declared with `iommu=NAME` gets a default
 * domain at boot (iommu_get_def_domain_type / iommu_setup_dma_ops):
 * - `strict` → IOMMU_DOMAIN_DMA: dma-iommu owns an IOVA allocator, a page
 *   table and an IOTLB; unmaps invalidate before they return;
 * - `lazy` → IOMMU_DOMAIN_DMA_FQ: the same plus a flush queue; unmaps queue
 *   the invalidation (the stale-IOTLB interval);
 * - `passthrough` → IOMMU_DOMAIN_IDENTITY: DMA address == physical address,
 *   dma-direct (swiotlb included) serves the DMA API.
 * On riscv every default domain is IDENTITY whatever the mode (no IOMMU_DMA;
 * see "riscv" below).
 * Untrusted PCI devices get a DMA domain even with passthrough from 5.11
 * (IOMMU_GATES.untrustedDmaDomain, 28b41e2c6aeb: the check moved into
 * iommu_get_def_domain_type; arm-smmu had none before) and never a flush
 * queue from 5.12 (DMA_IOMMU_GATES.untrustedStrict, 82c3cefb9f16 "iommu: Don't
 * use lazy flush for untrusted device").
 * A driver may allocate its own UNMANAGED domain (iommu_domain_alloc), attach
 * the device to it (iommu_attach_device) and choose IOVAs itself (iommu_map):
 * the device's DMA then translates through that domain, while the DMA API
 * keeps using the default domain (iommu_get_dma_domain).
 *
 * The device side (`iommuTranslate`, called by hw/device.ts dmaChunks): each
 * page of an access is looked up in the domain's IOTLB; a miss walks the page
 * table and fills the IOTLB; an empty entry is a translation fault and a
 * write to a read-only (IOMMU_READ without IOMMU_WRITE) leaf a permission
 * fault — on x86 (VT-d) a read of a write-only leaf too. A fault terminates the whole transaction before any byte moves and
 * prints the SMMU's "Unhandled context fault" line (no fault handler is
 * installed, so report_iommu_fault() returns -ENOSYS), or on x86 VT-d's
 * "DRHD: handling fault status reg" and "[DMA Read] Request device [bb:ss.f]
 * … fault addr …" lines. A hit on an entry the
 * page table no longer backs (lazy mode, before the flush) reaches the old
 * physical page.
 *
 * Simplified:
 * - Every IOMMU of arm64 and arm has an io-pgtable-arm stage-1 LPAE table,
 *   48-bit IAS (aperture [0, 2^48)), 4 KiB page-table granule;
 *   `pgsize=16K/64K` changes the IOVA granule (and iommu_map's min_pagesz)
 *   only (riscv: 4K only, see below). On x86 the unit is reported as VT-d in legacy
 *   (non-scalable) mode: its faults in dmar.c's words, its walk as the
 *   second-level table's (the same 4-level, 9-bits-a-level geometry for a
 *   48-bit address width), and its page-table semantics VT-d's
 *   (io-pgtable.ts `vtd`): separate DMA_PTE_READ (bit 0) / DMA_PTE_WRITE
 *   (bit 1), so a device read of a write-only (DMA_FROM_DEVICE) mapping
 *   faults (reason 6); a map without permission is -EINVAL; an unmap is
 *   rounded up to the superpage (or hole) it starts in.
 * - riscv (6.13 on): the RISC-V IOMMU, reported as supporting Sv39 only
 *   (the explorer's choice; riscv_iommu_alloc_paging_domain takes the
 *   largest of Sv57/Sv48/Sv39 the capabilities offer): a paging domain's
 *   table is Sv39 (io-pgtable.ts `riscv`, 3 levels), aperture
 *   [0, DMA_BIT_MASK(38)], page sizes 4K | 2M | 1G. IOMMU_DMA is not built
 *   for RISC-V (drivers/iommu/Kconfig "def_bool ARM64 || X86 || S390"), so
 *   iommu_get_default_domain_type() makes every default domain IDENTITY
 *   (BARE) whatever the mode, the DMA API uses dma-direct, and only a
 *   driver's own domain (iommu_domain_alloc / iommu_map) translates.
 *   iommu_iotlb_sync (riscv_iommu_iotlb_inval): IOTINVAL.VMA per 4 KiB page
 *   below 2 MiB, one whole-PSCID invalidation from 2 MiB, then IOFENCE.C.
 *   A fault is only logged: riscv_iommu_fault() prints "Fault %d devid: 0x%x
 *   iotval: %llx iotval2: %llx" (cause 13 read page fault, 15 write/AMO page
 *   fault; devid is the device's ID, the explorer's stream ID) and never
 *   calls report_iommu_fault(), so a fault handler would not be asked.
 * - x86 devices get a PCI address for the fault line (pciAddress: the
 *   explorer's choice); arm64 and arm keep the SMMU's stream IDs.
 * - Each device is alone in its IOMMU group; its stream ID is its index among
 *   the IOMMU's devices; context bank = the domain's index on its IOMMU.
 * - One IOTLB per domain (no ASID sharing), no walk cache.
 * - No reserved regions (no PCI bridge apertures, no MSI page), no fault handlers, no
 *   stall model, no rate limiting of the fault line.
 * - In the kernel an explicit iommu_flush_iotlb_all() only invalidates the
 *   IOTLB: it does not drain a flush queue (only fq_flush_iotlb advances the
 *   counters). The explorer follows the kernel.
 */
import { kernelCode, type Arch, type MachineConfig } from '../config.ts';
import { ARCH_GATES, ARM_SMMU_GATES, DMA_IOMMU_GATES, INTEL_IOMMU_GATES, IOMMU_GATES, IO_PGTABLE_GATES, kernelFile, kernelName, since, type Gate } from '../kernel-versions.ts';
import { kernelHas, kline, kmsg, who, type LogLine, type Who } from '../kernel-log/catalogue.ts';
import { printk } from '../kernel-log/printk.ts';
import type { SimEvent, Why } from '../events.ts';
import { HANG, type StepOutcome } from '../outcome.ts';
import type { Device, Machine } from '../machine.ts';
import type { DmaChunk } from '../hw/device.ts';
import { ptFormatOf, type PtFormat } from './pt-format.ts';
import { IOMMU_CACHE, createIoPgtable, formatPa, ptIovaToPhys, ptLeafAt, ptMap, ptUnmap, type IoPgtable, type PtLeaf } from './io-pgtable.ts';
import { createIotlb, iotlbInvalidateAll, iotlbInvalidateRange, iotlbTranslate, type Iotlb } from './iotlb.ts';
import { createIovaDomain, freeIovaFast, type IovaDomain } from './iova.ts';
import { createFlushQueue, fqAdvance, type FlushQueue, type FqResult } from './flush-queue.ts';
import type { ArmIommuMapping } from '../arch/arm-dma-iommu-setup.ts';
import { EBUSY, EEXIST, EINVAL, ENODEV, errnoName } from '../errno.ts';
import { hex } from '../format.ts';
import { observe } from '../observe.ts';

const FILE = 'drivers/iommu/iommu.c';
const DMA_FILE = 'drivers/iommu/dma-iommu.c';
const SMMU_FILE = 'drivers/iommu/arm/arm-smmu/arm-smmu.c';
/** VT-d's fault report and page tables (drivers/iommu/dmar.c and intel-iommu.c before 5.8: kernelFile). */
const DMAR_FILE = 'drivers/iommu/intel/dmar.c';
const VTD_FILE = 'drivers/iommu/intel/iommu.c';

/** Input address size of every modelled IOMMU (arm-smmu with a 48-bit IAS), riscv's excepted (RISCV_IAS). */
export const IOMMU_IAS = 48;
/** The RISC-V IOMMU's Sv39 table: 39 bits of IOVA, 3 levels. */
export const RISCV_IAS = 39;
/** riscv_iommu_alloc_paging_domain: aperture_end = DMA_BIT_MASK(va_bits - 1) (Sv39: 2^38 - 1). */
export const RISCV_APERTURE_END = 2 ** (RISCV_IAS - 1) - 1;
const RISCV_FILE = 'drivers/iommu/riscv/iommu.c';
/** iommu-bits.h RISCV_IOMMU_FQ_CAUSE_RD_FAULT_S / _WR_FAULT_S: read page fault, write/AMO page fault. */
const RISCV_CAUSE_RD_S = 13;
const RISCV_CAUSE_WR_S = 15;
/** RISCV_IOMMU_IOTLB_INVAL_LIMIT: from 2 MiB on riscv_iommu_iotlb_inval invalidates the whole PSCID. */
const RISCV_IOTLB_INVAL_LIMIT = 2 * 1024 * 1024;
/** `domain->geometry.aperture_end`. */
export const APERTURE_END = 2 ** IOMMU_IAS - 1;
/** Page-table granule of io-pgtable-arm here. */
const PT_PAGE = 4096;

/** arm-smmu.h: ARM_SMMU_CB_FSR_TF / _PF, ARM_SMMU_CB_FSYNR0_WNR. */
const FSR_TF = 0x2;
const FSR_PF = 0x8;
const FSYNR0_WNR = 0x10;

/** intel-iommu.h: DMA_FSTS_PPF, the fault status register with a primary fault pending (record 0, no overflow). */
const DMA_FSTS_PPF = 0x2;
/** dmar.c dma_remap_fault_reasons[]: the two legacy-mode faults a blocked access gives (the index is the fault reason). */
const DMAR_REASON_WRITE = { code: 0x05, text: 'PTE Write access is not set' } as const;
const DMAR_REASON_READ = { code: 0x06, text: 'PTE Read access is not set' } as const;
/** dma_frcd_page_addr(): the fault record holds the page of the faulting address (VTD_PAGE_SHIFT 12). */
const VTD_PAGE = 4096;

export type DomainType = 'DMA' | 'DMA_FQ' | 'IDENTITY' | 'UNMANAGED';

export interface IommuDomain {
  id: number;
  /** Name used in events: `IOMMU/DEVICE` for default domains, the scenario's name for unmanaged ones. */
  name: string;
  iommu: string;
  type: DomainType;
  /** Context bank index on its IOMMU (the `cb=` of the fault line). */
  cb: number;
  /** IOVA granule (smallest IOMMU page size configured). */
  granule: number;
  /** Paging domains only. */
  pt: IoPgtable | null;
  iotlb: Iotlb | null;
  /** DMA and DMA_FQ domains: dma-iommu's cookie->iovad. */
  iovad: IovaDomain | null;
  /** DMA_FQ domains: the flush queue (cookie->fq_domain != NULL). */
  fq: FlushQueue | null;
  /** Devices currently attached. */
  devices: string[];
}

export interface IommuUnit {
  name: string;
  mode: 'strict' | 'lazy' | 'passthrough';
  pgsize: number;
  nextCb: number;
  nextSid: number;
}

export interface IommuDevice {
  dev: string;
  iommu: string;
  /** Stream ID (the `cbfrsynra=` of the fault line). */
  sid: number;
  /** The group's default domain: what iommu_get_dma_domain() returns. */
  defaultDomain: number;
  /** The domain the device's DMA translates through now. */
  domain: number;
  /** dev->dma_iommu: the DMA API goes through dma-iommu (default domain is DMA or DMA_FQ). */
  dmaIommu: boolean;
  /** dev->iommu->pci_32bit_workaround (PCI devices, until the first failed 32-bit try on ≥ 6.6). */
  pci32bitWorkaround: boolean;
  /**
   * The group has no default domain. arm32 (arch/arm/mm/dma-mapping.c): the
   * arch code attached the device to its ARM_DMA_USE_IOMMU mapping's domain
   * (then `defaultDomain` is that domain: the one the DMA API maps into).
   * arm64 with arm-smmu before 4.9: no domain at all (`defaultDomain` and
   * `domain` -1) until a driver attaches one.
   */
  noDefault: boolean;
  /** to_dma_iommu_mapping(dev): index in armMappings, or -1. */
  armMapping: number;
}

/** A scatterlist mapped through dma-iommu: where each entry went. */
export interface IommuSgMap {
  dev: string;
  /** sg_dma_is_swiotlb(): every entry was mapped on its own (iommu_dma_map_sg_swiotlb). */
  swiotlb: boolean;
  /** Per input entry: its DMA address (IOVA + offset) and bounce slot (-1 if none). */
  addrs: number[];
  tlb: number[];
}

export interface IommuState {
  units: Record<string, IommuUnit>;
  domains: IommuDomain[];
  devs: Record<string, IommuDevice>;
  /** Domains with a flush queue, for the timer. */
  fqDomains: number[];
  /** Mapped scatterlists by sg_table id. */
  sg: Record<number, IommuSgMap>;
  /** The machine's kernel version code (io-pgtable and arm-smmu behave by version). */
  kernel: number;
  /** arm32's dma_iommu_mapping objects (arch/arm-dma-iommu.ts). */
  armMappings: ArmIommuMapping[];
  /**
   * Every IOMMU's page-table format, by architecture (io-pgtable.ts
   * ptFormatOf): x86's are VT-d, riscv's RISC-V IOMMUs (Sv39, the driver's
   * own tables), arm64's and arm's arm-smmu with io-pgtable-arm.
   */
  format: PtFormat;
}

function why(fn: string, rule: string, file = FILE): Why {
  return { fn, file, rule };
}

// ---------------------------------------------------------------------------
// creation

export function newDomain(s: IommuState, unit: IommuUnit, name: string, type: DomainType): IommuDomain {
  const paging = type !== 'IDENTITY';
  const dma = type === 'DMA' || type === 'DMA_FQ';
  const d: IommuDomain = {
    id: s.domains.length,
    name,
    iommu: unit.name,
    type,
    // arm_smmu_init_domain_context(): a bypass (identity) domain takes no context bank
    cb: paging ? unit.nextCb++ : -1,
    granule: unit.pgsize,
    pt: paging ? createIoPgtable({ name, ias: s.format === 'riscv' ? RISCV_IAS : IOMMU_IAS, oas: IOMMU_IAS, kernel: s.kernel, format: s.format }) : null,
    iotlb: paging ? createIotlb(name) : null,
    // iommu_dma_init_domain(): init_iova_domain(iovad, 1UL << __ffs(pgsize_bitmap), base_pfn)
    iovad: dma ? createIovaDomain({ name, granule: unit.pgsize, apertureStart: 0 }) : null,
    // iommu_dma_init_fq(): only for IOMMU_DOMAIN_DMA_FQ
    fq: type === 'DMA_FQ' ? createFlushQueue({ name }) : null,
    devices: [],
  };
  s.domains.push(d);
  if (d.fq) s.fqDomains.push(d.id);
  return d;
}

/**
 * The IOMMU state at boot: one default domain per device behind an IOMMU,
 * typed by iommu_get_def_domain_type() (untrusted PCI → DMA, else the
 * IOMMU's mode).
 */
export function createIommuState(config: MachineConfig): IommuState {
  const s: IommuState = { units: {}, domains: [], devs: {}, fqDomains: [], sg: {}, kernel: kernelCode(config.kernel), armMappings: [], format: ptFormatOf(config.arch) };
  // before 4.20 arm-smmu had no non-strict mode: iommu.strict=0 does not exist and every DMA domain is strict;
  // x86's VT-d deferred its flushes on every modelled version (intel-iommu.c's own deferred-unmap list, 250 entries
  // or 10 ms, then the iova flush queue from 4.14: modelled as the same flush queue)
  const lazyOk = config.arch === 'x86' || s.kernel >= DMA_IOMMU_GATES.lazyFlushQueue.code;
  for (const u of config.iommus) s.units[u.name] = { name: u.name, mode: u.mode === 'lazy' && !lazyOk ? 'strict' : u.mode, pgsize: u.pgsize, nextCb: 0, nextSid: 0 };
  for (const d of config.devices) {
    const unit = d.iommu ? s.units[d.iommu] : undefined;
    if (!unit) continue;
    // arm-smmu before its generic binding gives the DMA API nothing, on arm as on arm64
    const g = smmuOpsGate(config.arch);
    if (g && !since(s.kernel, g)) {
      legacySmmuAtBoot(s, unit, d.name, config.arch === 'arm64');
      continue;
    }
    // arm32 has no dma-iommu: arch_setup_dma_ops() attaches the device to an ARM_DMA_USE_IOMMU mapping (arch/arm-dma-iommu.ts)
    if (config.arch === 'arm' && unit.mode !== 'passthrough') continue;
    const untrusted = d.bus === 'pci' && d.untrusted;
    let type: DomainType;
    // riscv: no IOMMU_DMA, so iommu_get_default_domain_type() forces IDENTITY in every mode (an untrusted device is refused: iommuRefusal)
    if (s.format === 'riscv') type = 'IDENTITY';
    else if (unit.mode === 'passthrough') type = untrusted && since(s.kernel, IOMMU_GATES.untrustedDmaDomain) ? 'DMA' : 'IDENTITY';
    else if (unit.mode === 'lazy') type = untrusted && untrustedFlushedAtOnce(config.arch, s.kernel) ? 'DMA' : 'DMA_FQ';
    else type = 'DMA';
    const dom = newDomain(s, unit, `${unit.name}/${d.name}`, type);
    dom.devices.push(d.name);
    // iommu_dma_set_pci_32bit_workaround(): !iommu_dma_forcedac for PCI devices
    attachAtBoot(s, unit, d.name, dom, { dmaIommu: type === 'DMA' || type === 'DMA_FQ', pci32bitWorkaround: d.bus === 'pci', noDefault: false, armMapping: -1 });
  }
  return s;
}

/**
 * Does an untrusted PCI device in lazy mode get its IOTLB flushed at unmap?
 * dma-iommu: from 5.12 (DMA_IOMMU_GATES.untrustedStrict, no flush queue for
 * it). x86 before 5.11: intel_unmap's own check from 5.2
 * (INTEL_IOMMU_GATES.untrustedStrict); 5.11 itself, the first release on
 * dma-iommu, lets it use the flush queue.
 */
function untrustedFlushedAtOnce(arch: MachineConfig['arch'], kernel: number): boolean {
  if (arch === 'x86' && !since(kernel, INTEL_IOMMU_GATES.dmaIommu)) return since(kernel, INTEL_IOMMU_GATES.untrustedStrict);
  return since(kernel, DMA_IOMMU_GATES.untrustedStrict);
}

/**
 * arm-smmu before ARM_SMMU_GATES.dmaApi (only the legacy "mmu-masters"
 * binding; on arm, ARCH_GATES.armIommuMapping): the device has an IOMMU group
 * but the DMA API treats it as a device without an IOMMU, and its stream
 * bypasses the SMMU. Before ARM_SMMU_GATES.dmaDomains the group has no
 * default domain at all; from it, on arm64, an IOMMU_DOMAIN_DMA default domain
 * that arm-smmu never programs — modelled as an identity domain, which is
 * what the device sees. arm32 has no IOMMU_DMA, so arm-smmu cannot get that
 * domain its DMA cookie and refuses it (`dmaCookie` false): no default domain
 * on any version.
 */
function legacySmmuAtBoot(s: IommuState, unit: IommuUnit, dev: string, dmaCookie: boolean): void {
  if (dmaCookie && s.kernel >= ARM_SMMU_GATES.dmaDomains.code) {
    const dom = newDomain(s, unit, `${unit.name}/${dev}`, 'IDENTITY');
    dom.devices.push(dev);
    attachAtBoot(s, unit, dev, dom, { dmaIommu: false, pci32bitWorkaround: false, noDefault: false, armMapping: -1 });
    return;
  }
  s.devs[dev] = { dev, iommu: unit.name, sid: unit.nextSid++, defaultDomain: -1, domain: -1, dmaIommu: false, pci32bitWorkaround: false, noDefault: true, armMapping: -1 };
}

/** A device attached at boot to `dom` (its default domain), with the next stream ID of its IOMMU. */
export function attachAtBoot(s: IommuState, unit: IommuUnit, dev: string, dom: IommuDomain, how: Pick<IommuDevice, 'dmaIommu' | 'pci32bitWorkaround' | 'noDefault' | 'armMapping'>): void {
  s.devs[dev] = { dev, iommu: unit.name, sid: unit.nextSid++, defaultDomain: dom.id, domain: dom.id, ...how };
}

// ---------------------------------------------------------------------------
// lookups

export function devIommu(m: Machine, dev: Device): IommuDevice | undefined {
  return m.iommu.devs[dev.name];
}

/** use_dma_iommu(dev): the DMA API goes through dma-iommu. */
export function devUsesDmaIommu(m: Machine, dev: Device): boolean {
  const d = m.iommu.devs[dev.name];
  return d !== undefined && d.dmaIommu;
}

/**
 * The gate from which arm-smmu's generic binding gives the DMA API the SMMU's
 * ops on this architecture (arm64: dma-iommu; arm: the ARM_DMA_USE_IOMMU
 * mapping); null where the modelled IOMMU is not arm-smmu's legacy one.
 */
function smmuOpsGate(arch: Arch): Gate | null {
  return arch === 'arm64' ? ARM_SMMU_GATES.dmaApi : arch === 'arm' ? ARCH_GATES.armIommuMapping : null;
}

/**
 * Why the DMA API ignores this device's IOMMU, when it sits behind an SMMU
 * that gives the DMA API nothing (arm-smmu before ARM_SMMU_GATES.dmaApi on
 * arm64, before ARCH_GATES.armIommuMapping on arm) or behind a RISC-V IOMMU
 * in a translating mode (IOMMU_DMA is not built for RISC-V); null otherwise.
 * Says where the device's DMA goes now.
 */
export function dmaApiIgnoresIommu(m: Machine, dev: Device): string | null {
  const d = m.iommu.devs[dev.name];
  if (d && m.iommu.format === 'riscv') {
    const unit = m.iommu.units[d.iommu];
    if (!unit || unit.mode === 'passthrough') return null;
    return `${dev.name} sits behind ${d.iommu} (mode=${unit.mode}), but IOMMU_DMA is not built for RISC-V (drivers/iommu/Kconfig: "def_bool ARM64 || X86 || S390"), so iommu_get_default_domain_type() gives its group an identity domain ("If the common dma ops are not selected in kconfig then we cannot use IOMMU_DOMAIN_DMA at all"): the RISC-V IOMMU passes the device's DMA through untranslated (BARE) and the DMA API hands out physical addresses; only a domain the driver allocates and attaches itself translates`;
  }
  const g = smmuOpsGate(m.arch);
  if (!d || !g || since(m.iommu.kernel, g)) return null;
  const cur = d.domain >= 0 ? m.iommu.domains[d.domain]! : null;
  const now =
    cur && cur.type !== 'IDENTITY'
      ? `a driver attached it to '${cur.name}', so the device's DMA translates through that domain instead and a physical address means whatever the domain maps there`
      : cur
        ? `its default domain is an IOMMU_DOMAIN_DMA that arm-smmu leaves in bypass (no context bank, no S2CR), so the device reaches that physical address`
        : 'its stream bypasses the SMMU (S2CR bypass), so the device reaches that physical address';
  const ops =
    m.arch === 'arm'
      ? ", so arch_setup_dma_ops() creates no ARM_DMA_USE_IOMMU mapping (arm_setup_iommu_dma_ops() needs the ops): the device keeps arm_dma_ops and its DMA address is the buffer's physical address"
      : ": the DMA API keeps arm64's swiotlb_dma_ops and hands out physical addresses (the buffer's, or a swiotlb slot's)";
  return `${dev.name} sits behind ${d.iommu}, but before ${g.from} (${g.commit}) arm-smmu had only the legacy "mmu-masters" binding, which gives of_iommu no ops${ops}; ${now}`;
}

/** iommu_get_dma_domain(dev): the default domain, whatever the device is attached to now. */
export function dmaDomain(m: Machine, dev: Device): IommuDomain {
  return m.iommu.domains[m.iommu.devs[dev.name]!.defaultDomain]!;
}

/** The paging domain the device's DMA translates through now, or null (no IOMMU, or identity). */
export function translatingDomain(m: Machine, dev: Device): IommuDomain | null {
  const d = m.iommu.devs[dev.name];
  if (!d || d.domain < 0) return null;
  const dom = m.iommu.domains[d.domain]!;
  return dom.type === 'IDENTITY' ? null : dom;
}

/** dev_is_untrusted(): pci_dev->untrusted, a PCI property. */
export function devIsUntrusted(dev: Device): boolean {
  return dev.cfg.bus === 'pci' && dev.cfg.untrusted;
}

/** iommu_iova_to_phys(); -1 when nothing maps it (the kernel returns 0). */
export function iommuIovaToPhys(dom: IommuDomain, iova: number): number {
  if (!dom.pt) return iova;
  return ptIovaToPhys(dom.pt, iova);
}

// ---------------------------------------------------------------------------
// the IOMMU API

const WHY_ALLOC = why('iommu_domain_alloc', 'An IOMMU_DOMAIN_UNMANAGED domain: an empty page table the driver fills with iommu_map at IOVAs it chooses; the DMA API never uses it.');

/** iommu_domain_alloc(bus) (today iommu_paging_domain_alloc(dev)): an UNMANAGED paging domain. */
export function iommuDomainAlloc(m: Machine, iommu: string, name: string, o: StepOutcome): IommuDomain | null {
  const unit = m.iommu.units[iommu];
  if (!unit) {
    observe(o, 'iommu/no-such-iommu', `'${iommu}' is not an IOMMU of this machine`);
    return null;
  }
  const d = newDomain(m.iommu, unit, name, 'UNMANAGED');
  // the RISC-V IOMMU has no context banks: a paging domain gets a PSCID (not modelled)
  o.events.push({ kind: 'note', text: m.iommu.format === 'riscv' ? `domain '${name}' (UNMANAGED) on ${iommu}` : `domain '${name}' (UNMANAGED) on ${iommu}, context bank ${d.cb}`, why: WHY_ALLOC });
  return d;
}

function errno(o: StepOutcome, value: number): number {
  o.error = errnoName(value);
  o.result = value;
  o.resultKind = 'status';
  return value;
}

/**
 * iommu_attach_device(domain, dev): -ENODEV without an IOMMU group,
 * -EINVAL for a domain that is not UNMANAGED or lives on another IOMMU,
 * -EBUSY when the group is already attached to a non-default domain
 * (__iommu_attach_group), else the device now translates through `dom`.
 */
export function iommuAttachDevice(m: Machine, dom: IommuDomain, dev: Device, o: StepOutcome): number {
  const d = m.iommu.devs[dev.name];
  if (!d) {
    o.events.push({ kind: 'note', text: 'no IOMMU group', why: why('iommu_attach_device', `${dev.name} is not behind an IOMMU: iommu_group_get() is NULL, -ENODEV`) });
    return errno(o, ENODEV);
  }
  if (dom.type !== 'UNMANAGED') {
    o.events.push({ kind: 'note', text: 'not an unmanaged domain', why: why('iommu_attach_device', 'only IOMMU_DOMAIN_UNMANAGED domains can be attached by a driver: -EINVAL') });
    return errno(o, EINVAL);
  }
  // the RISC-V driver lets one paging domain span IOMMUs (global PSCIDs, a bond per device, riscv_iommu_iotlb_inval
  // invalidates on each IOMMU linked): riscv_iommu_attach_paging_domain only asks whether this IOMMU supports its Sv mode
  if (dom.iommu !== d.iommu && m.iommu.format !== 'riscv') {
    o.events.push({ kind: 'note', text: 'domain on another IOMMU', why: why('arm_smmu_attach_dev', `domain '${dom.name}' was allocated on ${dom.iommu} but ${dev.name} sits behind ${d.iommu}: the IOMMU driver refuses, -EINVAL`, kernelFile(m.iommu.kernel, SMMU_FILE)) });
    return errno(o, EINVAL);
  }
  if (d.noDefault) return attachWithoutDefault(m, d, dom, dev, o);
  if (d.domain !== d.defaultDomain) {
    const cur = m.iommu.domains[d.domain]!;
    o.events.push({ kind: 'note', text: 'group busy', why: why('__iommu_attach_group', `${dev.name}'s group is already attached to '${cur.name}', not to its default domain: -EBUSY (detach first)`) });
    return errno(o, EBUSY);
  }
  const def = m.iommu.domains[d.defaultDomain]!;
  def.devices = def.devices.filter((x) => x !== dev.name);
  dom.devices.push(dev.name);
  d.domain = dom.id;
  o.result = 0;
  o.resultKind = 'status';
  o.events.push({
    kind: 'note',
    text: `${dev.name} attached to '${dom.name}'`,
    why: why('iommu_attach_device', `${dev.name}'s DMA now translates through '${dom.name}'${m.iommu.format === 'riscv' ? '' : ` (context bank ${dom.cb})`}; the DMA API keeps mapping into the default domain '${def.name}' (iommu_get_dma_domain), so DMA-API handles no longer reach memory`),
  });
  return 0;
}

/**
 * __iommu_attach_group() for a group without a default domain (arm32): before
 * 5.19 the check is `group->default_domain && …`, so the group simply moves to
 * the driver's domain — away from the ARM_DMA_USE_IOMMU mapping the DMA API
 * keeps mapping into; from 5.19 `group->domain && …` refuses with -EBUSY.
 */
function attachWithoutDefault(m: Machine, d: IommuDevice, dom: IommuDomain, dev: Device, o: StepOutcome): number {
  const g = IOMMU_GATES.attachBusyWithoutDefault;
  const cur = d.domain >= 0 ? m.iommu.domains[d.domain]! : null;
  if (cur && m.iommu.kernel >= g.code) {
    o.events.push({ kind: 'note', text: 'group busy', why: why('__iommu_attach_group', `${dev.name}'s group is attached to '${cur.name}' and has no default domain: "group->domain && group->domain != group->default_domain" → -EBUSY (from ${g.from}); arm_iommu_detach_device() must come first`) });
    return errno(o, EBUSY);
  }
  if (cur && d.armMapping < 0 && m.iommu.kernel < ARM_SMMU_GATES.dmaDomains.code) {
    // arm-smmu before ARM_SMMU_GATES.dmaDomains: arm_smmu_attach_dev() refuses while dev->archdata.iommu is set
    // (from it, arm_smmu_attach_dev() detaches the old domain first: arm32 before ARCH_GATES.armIommuMapping)
    printk(m, o, 'arm-smmu.already-attached', {}, who(dev.name, dev.cfg.label));
    o.events.push({ kind: 'note', text: 'already attached', why: why('arm_smmu_attach_dev', `${dev.name} is attached to '${cur.name}' and its group has no default domain, so the core lets the call through to the driver, which refuses while dev->archdata.iommu is set: -EEXIST (until ${ARM_SMMU_GATES.dmaDomains.from}, bc7f2ce0a7b5)`, kernelFile(m.iommu.kernel, SMMU_FILE)) });
    return errno(o, EEXIST);
  }
  if (cur) cur.devices = cur.devices.filter((x) => x !== dev.name);
  dom.devices.push(dev.name);
  d.domain = dom.id;
  o.result = 0;
  o.resultKind = 'status';
  const arch = d.armMapping >= 0 && d.defaultDomain === cur?.id;
  o.events.push({
    kind: 'note',
    text: `${dev.name} attached to '${dom.name}'`,
    why: why(
      '__iommu_attach_group',
      cur
        ? `the group has no default domain, so "group->default_domain && …" lets the attach through (before ${g.from}): ${dev.name} leaves '${cur.name}' for '${dom.name}'${arch ? `. The arch's ARM_DMA_USE_IOMMU ops do not know: every DMA-API address of ${dev.name} is still an IOVA in '${cur.name}', which the device no longer translates through` : ''}`
        : `${dev.name}'s group is attached to no domain: it now translates through '${dom.name}'`,
    ),
  });
  if (arch) observe(o, 'iommu/arch-mapping-taken', `${dev.name} was attached to the ARM_DMA_USE_IOMMU mapping by arch_setup_dma_ops(): iommu_attach_device() silently took it away, so DMA-API addresses (dma_map_*, dma_alloc_*) now fault or hit whatever the new domain maps there — the Tegra/nouveau breakage of thread 000`);
  return 0;
}

/**
 * iommu_detach_device(domain, dev): back to the default domain; WARN_ON if not
 * attached to `dom`. A group without a default domain (arm32) is left with
 * none (__iommu_detach_group: group->domain = NULL): its DMA is no longer
 * translated.
 */
export function iommuDetachDevice(m: Machine, dom: IommuDomain, dev: Device, o: StepOutcome): void {
  const d = m.iommu.devs[dev.name];
  if (!d || d.domain !== dom.id) {
    o.events.push({ kind: 'note', text: 'not attached (WARN_ON)', why: why('iommu_detach_device', `${dev.name} is not attached to '${dom.name}': WARN_ON(group->domain != domain), nothing changes`) });
    observe(o, 'iommu/not-attached', `${dev.name} is not attached to '${dom.name}': the kernel WARNs and does nothing`);
    return;
  }
  dom.devices = dom.devices.filter((x) => x !== dev.name);
  if (d.noDefault) {
    d.domain = -1;
    o.events.push({ kind: 'note', text: `${dev.name} on no domain`, why: why('__iommu_detach_group', 'the group has no default domain: the device is detached and group->domain = NULL; its DMA is no longer translated (the SMMU passes it through untranslated)') });
    return;
  }
  const def = m.iommu.domains[d.defaultDomain]!;
  def.devices.push(dev.name);
  d.domain = def.id;
  o.events.push({ kind: 'note', text: `${dev.name} back on '${def.name}'`, why: why('iommu_detach_device', `the group returns to its default domain '${def.name}' (${def.type})`) });
}

/** IOMMU_* names → flags. */
export function protFromNames(names: readonly string[]): number {
  let p = 0;
  for (const n of names) {
    if (n === 'IOMMU_READ') p |= 1;
    else if (n === 'IOMMU_WRITE') p |= 2;
    else if (n === 'IOMMU_CACHE') p |= 4;
    else if (n === 'IOMMU_NOEXEC') p |= 8;
    else if (n === 'IOMMU_MMIO') p |= 16;
    else if (n === 'IOMMU_PRIV') p |= 32;
  }
  return p;
}

function pushAll(o: StepOutcome, evs: SimEvent[]): void {
  for (let i = 0; i < evs.length; i++) o.events.push(evs[i]!);
}

/**
 * iommu_map(domain, iova, paddr, size, prot, gfp): 0, -EINVAL (with the
 * "iommu: unaligned: …" line) or -EEXIST. Logs go to o.warnings.
 */
export function iommuMap(dom: IommuDomain, iova: number, paddr: number, size: number, prot: number, o: StepOutcome): number {
  if (!dom.pt) return EINVAL;
  const min = dom.granule;
  if (dom.granule > PT_PAGE && (iova % min !== 0 || paddr % min !== 0 || size % min !== 0)) {
    // the same check as ptMap's, with this domain's min_pagesz
    const log = kmsg(dom.pt.kernel, 'iommu.unaligned-map', { iova: iova.toString(16), pa: formatPa(paddr).slice(2), size: size.toString(16), min: min.toString(16) });
    o.warnings.push(log);
    o.events.push({ kind: 'log', level: 'err', id: 'iommu.unaligned-map', text: log });
    return EINVAL;
  }
  const r = ptMap(dom.pt, iova, paddr, size, prot);
  pushAll(o, r.events);
  // RISC-V: a replaced table was freed, so riscv_iommu_map_pages invalidated the whole PSCID
  if (r.flushAll && dom.iotlb) pushAll(o, iotlbInvalidateAll(dom.iotlb).events);
  // the unaligned pr_err (r.log), and on VT-d the "DMA PTE … already set" pr_crit
  for (const e of r.events) if (e.kind === 'log') o.warnings.push(e.text);
  if (r.hang) {
    o.error = HANG;
    const fix = IO_PGTABLE_GATES.noProtEinval;
    observe(o, 'iommu/map-hang', `iommu_map never returns: __iommu_map spins because arm_lpae_map_pages mapped 0 bytes and reported success (kernels from ${IO_PGTABLE_GATES.mapPagesHang.from} until ${fix.from}, ${fix.commit}); the explorer stops the run here, where a real machine would report a soft lockup`);
  }
  return r.ret;
}

/**
 * __iommu_unmap (iommu_unmap_fast): clear the PTEs, no IOTLB sync. Returns
 * bytes unmapped. `queued` only changes the event's explanation.
 */
export function iommuUnmapFast(dom: IommuDomain, iova: number, size: number, queued: boolean, o: StepOutcome): number {
  if (!dom.pt) return 0;
  if (dom.granule > PT_PAGE && (iova % dom.granule !== 0 || size % dom.granule !== 0)) {
    // __iommu_unmap's "if (!IS_ALIGNED(iova | size, min_pagesz))" with this domain's min_pagesz, as iommuMap's: nothing unmapped
    const log = kmsg(dom.pt.kernel, 'iommu.unaligned-unmap', { iova: iova.toString(16), size: size.toString(16), min: dom.granule.toString(16) });
    o.warnings.push(log);
    o.events.push({ kind: 'log', level: 'err', id: 'iommu.unaligned-unmap', text: log });
    return 0;
  }
  const r = ptUnmap(dom.pt, iova, size, queued);
  pushAll(o, r.events);
  // the unaligned pr_err and the partial-block WARN_ONCE
  for (const e of r.events) if (e.kind === 'log') o.warnings.push(e.text);
  for (const w of r.walkFlushed) {
    if (!dom.iotlb) break;
    pushAll(o, iotlbInvalidateRange(dom.iotlb, w.iova, w.size).events);
    if (queued) o.events.push({ kind: 'note', text: `walk flushed: ${hex(w.iova)}+${hex(w.size)}`, why: WHY_WALK_FLUSH });
  }
  return r.unmapped;
}

const WHY_WALK_FLUSH = why(
  '__arm_lpae_unmap',
  'The unmap freed a whole last-level table: io_pgtable_tlb_flush_walk() invalidates its range synchronously ("Also flush any partial walks"), whatever the gather says, so this range has no stale IOTLB interval even in lazy mode.',
  'drivers/iommu/io-pgtable-arm.c',
);

/**
 * iommu_iotlb_sync(domain, gather): invalidate the gathered range now. On a
 * RISC-V IOMMU (riscv_iommu_iotlb_inval) a range of 2 MiB or more is one
 * whole-PSCID IOTINVAL.VMA: every translation of the domain goes.
 */
export function iommuIotlbSync(dom: IommuDomain, iova: number, size: number, o: StepOutcome): void {
  if (!dom.iotlb || size <= 0) return;
  if (dom.pt?.format === 'riscv' && size >= RISCV_IOTLB_INVAL_LIMIT) {
    o.events.push({ kind: 'note', text: `${hex(size)} bytes: one whole-PSCID invalidation`, why: WHY_RISCV_INVAL_ALL });
    pushAll(o, iotlbInvalidateAll(dom.iotlb).events);
    return;
  }
  pushAll(o, iotlbInvalidateRange(dom.iotlb, iova, size).events);
}

const WHY_RISCV_INVAL_ALL = why(
  'riscv_iommu_iotlb_inval',
  'A range of RISCV_IOMMU_IOTLB_INVAL_LIMIT (2 MiB) or more is not invalidated page by page: one IOTINVAL.VMA with only the PSCID drops every cached translation of the domain, then IOFENCE.C waits for it.',
  RISCV_FILE,
);

/** iommu_unmap(domain, iova, size): __iommu_unmap then iommu_iotlb_sync, always. */
export function iommuUnmap(dom: IommuDomain, iova: number, size: number, o: StepOutcome): number {
  const unmapped = iommuUnmapFast(dom, iova, size, false, o);
  iommuIotlbSync(dom, iova, unmapped, o);
  return unmapped;
}

/**
 * iommu_flush_iotlb_all(domain): domain->ops->flush_iotlb_all. In the kernel
 * this does not touch dma-iommu's flush queue (fq_flush_start_cnt /
 * fq_flush_finish_cnt only move in fq_flush_iotlb), so queued IOVAs stay held
 * until the queue's own flush.
 */
export function iommuFlushIotlbAll(dom: IommuDomain, o: StepOutcome): void {
  if (!dom.iotlb) return;
  pushAll(o, iotlbInvalidateAll(dom.iotlb).events);
  if (dom.fq && dom.fq.head !== dom.fq.tail) {
    o.events.push({ kind: 'note', text: 'flush queue not drained', why: why('iommu_flush_iotlb_all', 'the IOTLB is clean now, but the IOVAs waiting in the flush queue are only released by the queue\'s own flush (fq_flush_iotlb: timer or full ring)') });
  }
}

// ---------------------------------------------------------------------------
// flush queue: release and time

/**
 * Apply a flush-queue result: a flush invalidates the whole IOTLB
 * (fq_flush_iotlb → flush_iotlb_all), released ranges go to free_iova_fast
 * (fq_ring_free_locked), oldest first.
 */
export function applyFq(dom: IommuDomain, r: FqResult, o: StepOutcome): void {
  pushAll(o, r.events);
  if (r.flushed && dom.iotlb) pushAll(o, iotlbInvalidateAll(dom.iotlb).events);
  if (!dom.iovad) return;
  for (const rel of r.released) {
    const f = freeIovaFast(dom.iovad, rel.pfn, rel.pages);
    for (const e of f.events) {
      if (e.kind === 'iova_free') e.deferred = true;
      o.events.push(e);
    }
  }
}

const WHY_UDELAY = why('udelay', 'time passes; timers whose timeout has expired fire', 'include/linux/delay.h');

/**
 * udelay(us): time passes; each DMA_FQ domain's flush-queue timer fires
 * once its 10 ms timeout has expired (fq_flush_timeout): flush_iotlb_all,
 * then every queued IOVA goes back to the allocator.
 */
export function advanceTime(m: Machine, us: number, o: StepOutcome): void {
  m.timeUs += us;
  o.events.push({ kind: 'note', text: `t = ${m.timeUs} µs`, why: WHY_UDELAY });
  const s = m.iommu;
  for (let i = 0; i < s.fqDomains.length; i++) {
    const dom = s.domains[s.fqDomains[i]!]!;
    if (!dom.fq || !dom.fq.timerOn) continue;
    const r = fqAdvance(dom.fq, m.timeUs);
    if (r.flushed) applyFq(dom, r, o);
  }
}

// ---------------------------------------------------------------------------
// the hardware: translating a device access

/**
 * Why a context fault reads as it does, by version: arm_smmu_context_fault()
 * asks report_iommu_fault() first before fsrLine and again from
 * faultHandlers (5.14), and prints only when no handler took it; in between
 * it calls no handler and prints for every fault.
 */
function whyFault(kernel: number): Why {
  const handler = !since(kernel, ARM_SMMU_GATES.fsrLine) || since(kernel, ARM_SMMU_GATES.faultHandlers);
  return why(
    'arm_smmu_context_fault',
    handler
      ? 'The SMMU terminates the transaction: no byte is read or written. report_iommu_fault() finds no handler (-ENOSYS), so the driver prints "Unhandled context fault".'
      : 'The SMMU terminates the transaction: no byte is read or written. This kernel\'s driver calls no fault handler (report_iommu_fault() is not asked until 5.14): it prints "Unhandled context fault" for every context fault.',
    kernelFile(kernel, SMMU_FILE),
  );
}
/**
 * The walk as VT-d does it on x86: the pt_walk events of the table (whose
 * explanation names the LPAE walk) explain VT-d's second-level table instead;
 * every other event as it is.
 */
function pushVtd(o: StepOutcome, evs: SimEvent[], kernel: number): void {
  for (let i = 0; i < evs.length; i++) {
    const e = evs[i]!;
    o.events.push(e.kind === 'pt_walk' ? { ...e, why: whyVtdWalk(kernel) } : e);
  }
}
const whyVtdWalk = (kernel: number): Why => why(
  'pfn_to_dma_pte',
  'VT-d (legacy mode) walks the domain\'s second-level page table, which the context entry of the device\'s bus:devfn points at: 9 bits of the IOVA index each level (4 levels for a 48-bit address width), down to a 1G/2M superpage or a 4K page. pfn_to_dma_pte() is the driver\'s walk of the same table.',
  kernelFile(kernel, VTD_FILE),
);
/** The walk events of a table explained by `w` instead of the LPAE walk. */
function pushWalkWhy(o: StepOutcome, evs: SimEvent[], w: Why): void {
  for (let i = 0; i < evs.length; i++) {
    const e = evs[i]!;
    o.events.push(e.kind === 'pt_walk' ? { ...e, why: w } : e);
  }
}
const WHY_RISCV_WALK = why(
  'riscv_iommu_pte_fetch',
  'The RISC-V IOMMU walks the first-stage Sv39 table that the device context (iosatp, PSCID) points at: 9 bits of the IOVA index each of 3 levels, down to a 1G/2M superpage or a 4K page; an IOVA above DMA_BIT_MASK(38) is not canonical and faults. riscv_iommu_pte_fetch is the driver\'s walk of the same table.',
  RISCV_FILE,
);
const WHY_RISCV_STALE = why(
  'riscv_iommu_map_pages',
  'The leaf was replaced by a new iommu_map (cmpxchg, no -EEXIST) and the driver sends no IOTLB invalidation for a replaced leaf (only a replaced table triggers the whole-PSCID one): the IOTLB keeps the old translation until an unmap\'s iommu_iotlb_sync or iommu_flush_iotlb_all.',
  RISCV_FILE,
);
const WHY_RISCV_FAULT = why(
  'riscv_iommu_fault',
  'The RISC-V IOMMU aborts the transaction: no byte is read or written. It queues a fault record (cause, device ID, iotval = the IOVA) and riscv_iommu_fltq_process() hands each to riscv_iommu_fault(), a placeholder ("Placeholder for future fault handling implementation, report only") that prints it with dev_warn_ratelimited and never calls report_iommu_fault(): a fault handler set with iommu_set_fault_handler() is not asked.',
  RISCV_FILE,
);

/** VT-d reports a blocked DMA-remapping request without asking any fault handler (dmar_fault). */
const whyDmarFault = (kernel: number): Why => why(
  'dmar_fault',
  'VT-d blocks the request: no byte is read or written. The unit logs it in a fault recording register (source-id, page address, read or write, reason) and raises its fault interrupt; dmar_fault() prints the fault status register and dmar_fault_do_one() each record. No fault handler is asked: report_iommu_fault() is not called for a DMA-remapping fault.',
  kernelFile(kernel, DMAR_FILE),
);

/** Why a stale translation is used, naming the unmap as this kernel does (kernelName). */
const whyStale = (kernel: number): Why => why(
  kernelName(kernel, 'iommuUnmap').fn,
  'Lazy (DMA-FQ) mode: the PTE is already cleared but the IOTLB invalidation waits in the flush queue (up to 10 ms or 255 more unmaps); a cached translation still leads to the old physical page.',
  DMA_FILE,
);

/**
 * The IOMMU's view of a device access of `len` bytes at IOVA `addr`: the
 * physically contiguous chunks it reaches, or null after a fault (o.error =
 * 'FAULT', the SMMU line in o.warnings, an iommu_fault event). Every page is
 * looked up in the IOTLB (hit, or miss + walk + fill); a stale hit is noted.
 */
export function iommuTranslate(m: Machine, dev: Device, dom: IommuDomain, addr: number, len: number, write: boolean, o: StepOutcome): DmaChunk[] | null {
  const pt = dom.pt!;
  const tlb = dom.iotlb!;
  const access = write ? 'write' : 'read';
  const out: DmaChunk[] = [];
  let staleFrom = -1;
  let staleN = 0;
  for (let at = 0; at < len; ) {
    const iova = addr + at;
    const n = Math.min(len - at, PT_PAGE - (iova % PT_PAGE));
    const t = iotlbTranslate(tlb, pt, iova, access);
    if (m.iommu.format === 'vtd') pushVtd(o, t.events, m.iommu.kernel);
    else if (m.iommu.format === 'riscv') pushWalkWhy(o, t.events, WHY_RISCV_WALK);
    else pushAll(o, t.events);
    if (t.fault || t.phys === null) {
      const level = t.hit ? 3 : pt.startLevel + Math.max(0, t.levels.length - 1);
      reportFault(m, dev, dom, iova, write, t.fault === 'permission', level, o);
      return null;
    }
    if (t.stale) {
      if (staleFrom < 0) staleFrom = t.phys;
      staleN += n;
    }
    // RISC-V leaves carry no memory attribute (riscv_iommu_map_pages ignores IOMMU_CACHE): the device's own coherence decides
    const cache = m.iommu.format === 'riscv' ? undefined : (t.prot & IOMMU_CACHE) !== 0;
    const last = out.length ? out[out.length - 1]! : null;
    if (last && last.phys + last.len === t.phys && last.cache === cache) last.len += n;
    else out.push(cache === undefined ? { phys: t.phys, len: n, at } : { phys: t.phys, len: n, at, cache });
    at += n;
  }
  if (staleN) {
    // without a flush queue the stale entry is a PTE changed with no invalidation: on RISC-V, a leaf riscv_iommu_map_pages replaced
    const replaced = m.iommu.format === 'riscv' && !dom.fq;
    const how = replaced
      ? 'already replaced; nothing invalidated it (riscv_iommu_map_pages replaces a leaf without an IOTLB invalidation)'
      : 'already unmapped; the invalidation is still queued (lazy mode)';
    observe(o, 'iommu/stale-iotlb-hit',
      `stale IOTLB hit: ${dev.name} ${write ? 'wrote' : 'read'} ${staleN} byte(s) at IOVA ${hex(addr)} through a translation the kernel ${how}, so the access reached the old physical page ${hex(staleFrom)}, which the kernel may have freed and reused`,
    );
    o.events.push({ kind: 'note', text: 'stale IOTLB translation used', why: replaced ? WHY_RISCV_STALE : whyStale(m.kernel) });
  }
  return out;
}

/**
 * The context-fault report by version (ARM_SMMU_GATES): "iova=…, fsynr=…,
 * cb=…" while the handler still called report_iommu_fault() first (before
 * fsrLine; it does again from faultHandlers, 5.14: whyFault), "fsr=…, iova=…, fsynr=…, cb=…" until 5.2, with "cbfrsynra=…" from
 * 5.2, followed from 6.11 by arm_smmu_print_context_fault_info's decoded FSR
 * and FSYNR0 lines.
 */
function contextFaultLines(kernel: number, dom: IommuDomain, fsr: number, iova: number, fsynr: number, sid: number): LogLine[] {
  const by: Who = { driver: 'arm-smmu', device: dom.iommu };
  const hex8 = (n: number): string => n.toString(16).padStart(8, '0');
  const lines = [kline(kernel, 'arm-smmu.context-fault', { fsr: fsr.toString(16), iova: hex8(iova), fsynr: fsynr.toString(16), sid: sid.toString(16), cb: dom.cb }, by)];
  if (!kernelHas(kernel, 'arm-smmu.fsr')) return lines;
  // arm_smmu_print_context_fault_info(): FSR and FSYNR0 decoded
  const fsrFlags = `Format=${(fsr >> 9) & 3}${fsr & FSR_PF ? ' PF' : ''}${fsr & FSR_TF ? ' TF' : ''}`;
  const fsynrFlags = `S1CBNDX=${(fsynr >> 16) & 0xff}${fsynr & FSYNR0_WNR ? ' WNR' : ''} PLVL=${fsynr & 3}`;
  lines.push(kline(kernel, 'arm-smmu.fsr', { fsr: hex8(fsr), flags: fsrFlags, sid: sid.toString(16) }, by));
  lines.push(kline(kernel, 'arm-smmu.fsynr0', { fsynr: hex8(fsynr), flags: fsynrFlags }, by));
  return lines;
}

/** A PCI address: bus, slot (device) and function, the source-id VT-d records. */
export interface PciAddress {
  bus: number;
  slot: number;
  fn: number;
}

/** Slots on a bus; the explorer's numbering starts at slot 2 of bus 00. */
const PCI_SLOTS = 32;
const FIRST_SLOT = 2;

/**
 * The PCI address of a device on an x86 machine, as VT-d's fault line prints
 * it. A scenario declares no PCI topology, so this is the explorer's choice,
 * stable and derived from the declaration order: a device whose kernel name
 * (`label=`, from a trace) is a PCI address ("0000:03:00.0") keeps it; every
 * other device is function 0 of its own slot on bus 00, the first declared
 * 00:02.0, the next 00:03.0, and so on (slot 31 is followed by bus 01, slot 0).
 * Devices without an IOMMU count too, so adding one never renumbers another.
 */
export function pciAddress(m: Machine, dev: Device): PciAddress {
  const l = dev.cfg.label ? /^(?:[0-9a-fA-F]{4}:)?([0-9a-fA-F]{2}):([0-9a-fA-F]{2})\.([0-7])$/.exec(dev.cfg.label) : null;
  if (l) return { bus: parseInt(l[1]!, 16), slot: parseInt(l[2]!, 16), fn: Number(l[3]) };
  const i = Math.max(0, m.config.devices.findIndex((d) => d.name === dev.name));
  const n = FIRST_SLOT + i;
  return { bus: Math.floor(n / PCI_SLOTS) & 0xff, slot: n % PCI_SLOTS, fn: 0 };
}

/**
 * VT-d's report of one blocked request, by version (INTEL_IOMMU_GATES): dmar_fault()'s
 * "DRHD: handling fault status reg 2", then dmar_fault_do_one()'s record line,
 * "[DMA Read] Request device [00:02.0] fault addr … [fault reason 06] …" (PASID
 * ffffffff from 5.4, "NO_PASID" and hexadecimal reason from 5.14, the bus and
 * slot without 0x again from 5.15). Legacy mode: an unmapped page is reason 6
 * for a read, 5 for a write, and a write to a read-only page is 5 too.
 */
function dmarFaultLines(kernel: number, pci: PciAddress, iova: number, write: boolean): LogLine[] {
  const hex2 = (n: number): string => n.toString(16).padStart(2, '0');
  const reason = write ? DMAR_REASON_WRITE : DMAR_REASON_READ;
  const hexReason = since(kernel, INTEL_IOMMU_GATES.noPasid);
  const record = {
    access: write ? 'Write' : 'Read',
    pciBus: hex2(pci.bus),
    pciSlot: hex2(pci.slot),
    pciFn: pci.fn,
    // a request without PASID: dmar_fault() passes -1, printed with %x
    pasid: 'ffffffff',
    addr: (iova - (iova % VTD_PAGE)).toString(16),
    reason: hexReason ? hex2(reason.code) : String(reason.code).padStart(2, '0'),
    reasonText: reason.text,
  };
  return [kline(kernel, 'dmar.drhd-fault', { status: DMA_FSTS_PPF.toString(16) }), kline(kernel, 'dmar.fault', record)];
}

/**
 * The fault report: on x86 VT-d's (dmarFaultLines), elsewhere
 * arm_smmu_context_fault()'s: FSR, FAR (iova), FSYNR0 (WNR, PLVL), CBFRSYNRA
 * (stream ID), cb.
 */
function reportFault(m: Machine, dev: Device, dom: IommuDomain, iova: number, write: boolean, permission: boolean, level: number, o: StepOutcome): void {
  const vtd = m.iommu.format === 'vtd';
  const riscv = m.iommu.format === 'riscv';
  let lines: LogLine[];
  if (vtd) {
    lines = dmarFaultLines(m.iommu.kernel, pciAddress(m, dev), iova, write);
  } else if (riscv) {
    // riscv_iommu_fault(): cause, devid (the device's ID: the explorer's stream ID), iotval (the IOVA), iotval2 (0: no second stage)
    // printed on the IOMMU the device sits behind (its fault queue), which for a shared domain need not be the one it was allocated on
    const d = m.iommu.devs[dev.name];
    const by: Who = { driver: 'riscv,iommu', device: d ? d.iommu : dom.iommu };
    lines = [kline(m.iommu.kernel, 'riscv-iommu.fault', { cause: write ? RISCV_CAUSE_WR_S : RISCV_CAUSE_RD_S, devid: (d ? d.sid : 0).toString(16), iotval: iova.toString(16), iotval2: '0' }, by)];
  } else {
    const d = m.iommu.devs[dev.name];
    const fsr = permission ? FSR_PF : FSR_TF;
    const fsynr = (write ? FSYNR0_WNR : 0) | (level & 3);
    const sid = d ? d.sid : 0;
    lines = contextFaultLines(m.iommu.kernel, dom, fsr, iova, fsynr, sid);
  }
  for (const line of lines) {
    o.warnings.push(line.text);
    o.events.push({ kind: 'log', ...line });
  }
  o.events.push({ kind: 'iommu_fault', domain: dom.name, dev: dev.name, iova, write, stage: permission ? 'permission' : 'translation', why: vtd ? whyDmarFault(m.iommu.kernel) : riscv ? WHY_RISCV_FAULT : whyFault(m.iommu.kernel) });
  o.error = 'FAULT';
  observe(o, 'iommu/fault',
    permission
      ? write
        ? `permission fault: ${dev.name} wrote IOVA ${hex(iova)}, which '${dom.name}' maps read-only (${riscv ? 'no IOMMU_WRITE: _PAGE_READ only, a write/AMO page fault (cause 15)' : `IOMMU_READ without IOMMU_WRITE: ${vtd ? 'DMA_PTE_READ only' : 'AP_RDONLY'}`}); the transaction is terminated and memory is untouched`
        : `permission fault: ${dev.name} read IOVA ${hex(iova)}, which '${dom.name}' maps write-only (IOMMU_WRITE without IOMMU_READ, a DMA_FROM_DEVICE mapping: DMA_PTE_WRITE only, and VT-d checks the read bit); the transaction is terminated and nothing is read`
      : `translation fault: nothing maps IOVA ${hex(iova)} in '${dom.name}'; the transaction is terminated and memory is untouched`,
  );
}

// ---------------------------------------------------------------------------
// views

/**
 * Where a device access at `addr` would land, read from the page table only:
 * no IOTLB lookup or fill, no events, no fault report (a peek for the
 * explorer's byte views). Identity or no IOMMU: the address itself. Null
 * when a page is not mapped.
 */
const peekLeaf: PtLeaf = { phys: 0, base: 0, iova: 0, size: 0, prot: 0 };

export function iommuPeek(m: Machine, dev: Device, addr: number, len: number): DmaChunk[] | null {
  const dom = translatingDomain(m, dev);
  if (!dom) return [{ phys: addr, len, at: 0 }];
  const out: DmaChunk[] = [];
  for (let at = 0; at < len; ) {
    const iova = addr + at;
    const n = Math.min(len - at, PT_PAGE - (iova % PT_PAGE));
    const phys = ptIovaToPhys(dom.pt!, iova);
    if (phys < 0) return null;
    const cache = ptLeafAt(dom.pt!, iova, peekLeaf) && (peekLeaf.prot & IOMMU_CACHE) !== 0;
    const last = out.length ? out[out.length - 1]! : null;
    if (last && last.phys + last.len === phys && last.cache === cache) last.len += n;
    else out.push({ phys, len: n, at, cache });
    at += n;
  }
  return out;
}

export interface IommuDomainView {
  id: number;
  name: string;
  iommu: string;
  type: DomainType;
  cb: number;
  devices: string[];
  /** Leaf PTEs present. */
  leaves: number;
  iotlbEntries: number;
  /** IOVA ranges queued in the flush queue. */
  fqPending: number;
  fqDeadlineUs: number | null;
}

/** A plain summary of every domain, for the explorer's IOMMU view (details: ptEntries, iotlbEntries, iovaRanges, fqPending). */
export function iommuDomains(m: Machine): IommuDomainView[] {
  return m.iommu.domains.map((d) => ({
    id: d.id,
    name: d.name,
    iommu: d.iommu,
    type: d.type,
    cb: d.cb,
    devices: d.devices.slice(),
    leaves: d.pt ? d.pt.leaves : 0,
    iotlbEntries: d.iotlb ? d.iotlb.entries.size : 0,
    fqPending: d.fq ? (d.fq.tail - d.fq.head + d.fq.size) % d.fq.size : 0,
    fqDeadlineUs: d.fq && d.fq.timerOn ? d.fq.timerDeadlineUs : null,
  }));
}
