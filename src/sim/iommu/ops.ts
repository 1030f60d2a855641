/**
 * Scenario operations of the system IOMMU used directly (iommu_domain_alloc,
 * iommu_attach_device, iommu_map, …), as GPU drivers, Tegra host1x and VFIO
 * do — `drivers/iommu/iommu.c`. The work is in iommu.ts; these handlers of
 * the operation table (operations.ts) read the arguments, bind the domain
 * name, and report results the kernel's way (0 or a negative errno, named in
 * `error`).
 *
 * Simplified: `iommu_domain_alloc` takes the IOMMU's name (the kernel's old
 * API took a bus, today's iommu_paging_domain_alloc a device).
 */
import type { Expr } from '../command.ts';
import type { OpRun } from '../operation.ts';
import type { Machine } from '../machine.ts';
import { touchBuffer, type StepOutcome } from '../outcome.ts';
import { SimError, argFlags, argInt, argName, argPtr } from '../args.ts';
import { physOf } from '../mm/buffers.ts';
import { PAGE_SIZE } from '../hw/memory.ts';
import { iommuDomainAlloc, iommuMap, protFromNames, type IommuDomain } from './iommu.ts';
import { errnoName } from '../errno.ts';
import { hex } from '../format.ts';
import { observe } from '../observe.ts';

/** A domain name bound by iommu_domain_alloc. */
export function argDomain(m: Machine, e: Expr | undefined): IommuDomain {
  const name = argName(e, 'an IOMMU domain');
  const v = m.names[name];
  if (!v || v.t !== 'obj' || v.kind !== 'dom') throw new SimError(`'${name}' is not an IOMMU domain`, e!.loc);
  const d = m.iommu.domains[v.id];
  if (!d) throw new SimError(`'${name}' is NULL: its allocation failed`, e!.loc);
  return d;
}

/** 0 or a negative errno, named in `error`. */
export function iommuStatus(o: StepOutcome, ret: number): void {
  o.result = ret;
  o.resultKind = 'status';
  if (ret < 0) o.error = errnoName(ret);
}

export const iommuDomainAllocRun: OpRun<'iommu'> = (m, a, o, c) => {
  const name = c.targets[0] ?? `${argName(a.iommu, 'an IOMMU')}:unmanaged`;
  const d = iommuDomainAlloc(m, argName(a.iommu, 'an IOMMU'), name, o);
  if (!d) {
    o.error = 'NULL';
    return;
  }
  if (c.targets[0]) m.names[c.targets[0]] = { t: 'obj', kind: 'dom', id: d.id };
};

/** iommu_map(dom, iova, p, size, prot): the explorer notes a range that runs past a vmalloc buffer's page. */
export const iommuMapRun: OpRun<'dom' | 'iova' | 'p' | 'size' | 'prot'> = (m, a, o) => {
  const dom = argDomain(m, a.dom);
  const iova = argInt(m, a.iova, 'an IOVA');
  const { buf, off } = argPtr(m, a.p);
  touchBuffer(o, buf.id);
  const size = argInt(m, a.size, 'a size');
  const prot = protFromNames(argFlags(a.prot));
  const pa = physOf(m, buf, off);
  if (buf.phys < 0 && (pa % PAGE_SIZE) + size > PAGE_SIZE) {
    observe(o, 'iommu/map-past-buffer', `'${buf.name}' is not physically contiguous: iommu_map maps ${size} bytes of physical memory from ${hex(pa)}, which runs past the buffer's first page into unrelated memory`);
  }
  iommuStatus(o, iommuMap(dom, iova, pa, size, prot, o));
};
