/**
 * Scenario operations of the system IOMMU used directly (iommu_domain_alloc,
 * iommu_attach_device, iommu_map, …), as GPU drivers, Tegra host1x and VFIO
 * do — `drivers/iommu/iommu.c`. The work is in iommu.ts; this table reads the
 * arguments, binds the domain name, and reports results the kernel's way
 * (0 or a negative errno, named in `error`).
 *
 * Simplified: `iommu_domain_alloc` takes the IOMMU's name (the kernel's old
 * API took a bus, today's iommu_paging_domain_alloc a device).
 */
import type { Expr } from '../command.ts';
import type { Handler, OpTable } from '../handler.ts';
import type { Machine } from '../machine.ts';
import type { StepOutcome } from '../outcome.ts';
import { SimError, argDev, argFlags, argInt, argName, argPtr } from '../args.ts';
import { physOf } from '../mm/buffers.ts';
import { PAGE_SIZE } from '../hw/memory.ts';
import { iommuAttachDevice, iommuDetachDevice, iommuDomainAlloc, iommuFlushIotlbAll, iommuMap, iommuUnmap, protFromNames, type IommuDomain } from './iommu.ts';

const ERRNO: Record<number, string> = { [-22]: 'EINVAL', [-17]: 'EEXIST', [-34]: 'ERANGE', [-19]: 'ENODEV', [-16]: 'EBUSY', [-12]: 'ENOMEM' };

/** A domain name bound by iommu_domain_alloc. */
function argDomain(m: Machine, e: Expr | undefined): IommuDomain {
  const name = argName(e, 'an IOMMU domain');
  const v = m.names[name];
  if (!v || v.t !== 'obj' || v.kind !== 'dom') throw new SimError(`'${name}' is not an IOMMU domain`, e!.loc);
  const d = m.iommu.domains[v.id];
  if (!d) throw new SimError(`'${name}' is NULL: its allocation failed`, e!.loc);
  return d;
}

function status(o: StepOutcome, ret: number): void {
  o.result = ret;
  o.resultKind = 'status';
  if (ret < 0) o.error = ERRNO[ret] ?? `E${-ret}`;
}

const domainAlloc: Handler = (m, c, o) => {
  const name = c.targets[0] ?? `${argName(c.args[0], 'an IOMMU')}:unmanaged`;
  const d = iommuDomainAlloc(m, argName(c.args[0], 'an IOMMU'), name, o);
  if (!d) {
    o.error = 'NULL';
    return;
  }
  if (c.targets[0]) m.names[c.targets[0]] = { t: 'obj', kind: 'dom', id: d.id };
};

const mapOp: Handler = (m, c, o) => {
  const dom = argDomain(m, c.args[0]);
  const iova = argInt(m, c.args[1], 'an IOVA');
  const { buf, off } = argPtr(m, c.args[2]);
  const size = argInt(m, c.args[3], 'a size');
  const prot = protFromNames(argFlags(c.args[4]));
  const pa = physOf(m, buf, off);
  if (buf.phys < 0 && (pa % PAGE_SIZE) + size > PAGE_SIZE) {
    o.observations.push(`'${buf.name}' is not physically contiguous: iommu_map maps ${size} bytes of physical memory from 0x${pa.toString(16)}, which runs past the buffer's first page into unrelated memory`);
  }
  status(o, iommuMap(dom, iova, pa, size, prot, o));
};

export const IOMMU_OPS: OpTable = {
  iommu_domain_alloc: domainAlloc,
  iommu_attach_device: (m, c, o) => status(o, iommuAttachDevice(m, argDomain(m, c.args[0]), argDev(m, c.args[1]), o)),
  iommu_detach_device: (m, c, o) => iommuDetachDevice(m, argDomain(m, c.args[0]), argDev(m, c.args[1]), o),
  iommu_map: mapOp,
  iommu_unmap: (m, c, o) => {
    const dom = argDomain(m, c.args[0]);
    o.result = iommuUnmap(dom, argInt(m, c.args[1], 'an IOVA'), argInt(m, c.args[2], 'a size'), o);
    o.resultKind = 'count';
  },
  iommu_flush_iotlb_all: (m, c, o) => iommuFlushIotlbAll(argDomain(m, c.args[0]), o),
};
