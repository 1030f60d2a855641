/**
 * Scenario operations of a device's own MMU (gpu_vm_create, gpu_vm_map,
 * gpu_vm_unmap, gpu_read, gpu_write): the argument readers and name binding
 * the operation table (operations.ts) uses for gpu-mmu.ts, which mirrors
 * `drivers/gpu/drm/panfrost/panfrost_mmu.c`.
 */
import type { Expr } from '../command.ts';
import type { OpRun } from '../operation.ts';
import type { Machine } from '../machine.ts';
import { SimError, argDev, argHandle, argInt, argName } from '../args.ts';
import { gpuVmCreate, gpuVmMap, type GpuVm } from './gpu-mmu.ts';
import { EEXIST } from '../errno.ts';

/** A GPU VM by the name gpu_vm_create bound. */
export function argVm(m: Machine, e: Expr | undefined): GpuVm {
  const name = argName(e, 'a GPU VM');
  const v = m.names[name];
  if (v?.t === 'obj' && v.kind === 'vm' && v.id >= 0) return m.gpuVms[v.id]!;
  if (v?.t === 'obj' && v.kind === 'vm') throw new SimError(`'${name}' is not a GPU VM: its gpu_vm_create failed`, e!.loc);
  throw new SimError(`'${name}' is not a GPU VM`, e!.loc);
}

export const gpuVmCreateRun: OpRun<'dev'> = (m, a, o, c) => {
  const dev = argDev(m, a.dev);
  const vm = gpuVmCreate(m, dev, c.targets[0] ?? '(vm)', o);
  if (c.targets[0]) m.names[c.targets[0]] = { t: 'obj', kind: 'vm', id: vm ? vm.id : -1 };
};

export const gpuVmMapRun: OpRun<'vm' | 'va' | 'dma_addr' | 'size'> = (m, a, o) => {
  const vm = argVm(m, a.vm);
  const ret = gpuVmMap(m, vm, argInt(m, a.va, 'a GPU VA'), argHandle(m, a.dma_addr), argInt(m, a.size, 'a size'), o);
  o.result = ret;
  o.resultKind = 'status';
  // mmu_map_sg's callers see -EEXIST or -EINVAL (an io-pgtable -ERANGE reads as EINVAL here)
  if (ret) o.error = ret === EEXIST ? 'EEXIST' : 'EINVAL';
};
