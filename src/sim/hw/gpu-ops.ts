/**
 * Scenario operations of a device's own MMU (gpu_vm_create, gpu_vm_map,
 * gpu_vm_unmap, gpu_read, gpu_write): argument reading and name binding for
 * gpu-mmu.ts, which mirrors `drivers/gpu/drm/panfrost/panfrost_mmu.c`.
 */
import type { Expr } from '../command.ts';
import type { Handler, OpTable } from '../handler.ts';
import type { Machine } from '../machine.ts';
import { SimError, argBytes, argDev, argHandle, argInt, argName, kwBool } from '../args.ts';
import { gpuRead, gpuVmCreate, gpuVmMap, gpuVmUnmap, gpuWrite, type GpuVm } from './gpu-mmu.ts';

/** A GPU VM by the name gpu_vm_create bound. */
export function argVm(m: Machine, e: Expr | undefined): GpuVm {
  const name = argName(e, 'a GPU VM');
  const v = m.names[name];
  if (v?.t === 'obj' && v.kind === 'vm' && v.id >= 0) return m.gpuVms[v.id]!;
  if (v?.t === 'obj' && v.kind === 'vm') throw new SimError(`'${name}' is not a GPU VM: its gpu_vm_create failed`, e!.loc);
  throw new SimError(`'${name}' is not a GPU VM`, e!.loc);
}

const create: Handler = (m, c, o) => {
  const dev = argDev(m, c.args[0]);
  const vm = gpuVmCreate(m, dev, c.targets[0] ?? '(vm)', o);
  if (c.targets[0]) m.names[c.targets[0]] = { t: 'obj', kind: 'vm', id: vm ? vm.id : -1 };
};

const map: Handler = (m, c, o) => {
  const vm = argVm(m, c.args[0]);
  const ret = gpuVmMap(m, vm, argInt(m, c.args[1], 'a GPU VA'), argHandle(m, c.args[2]), argInt(m, c.args[3], 'a size'), o);
  o.result = ret;
  o.resultKind = 'status';
  if (ret === -17) o.error = 'EEXIST';
  else if (ret) o.error = 'EINVAL';
};

export const GPU_OPS: OpTable = {
  gpu_vm_create: create,
  gpu_vm_map: map,
  gpu_vm_unmap: (m, c, o) => {
    gpuVmUnmap(m, argVm(m, c.args[0]), argInt(m, c.args[1], 'a GPU VA'), argInt(m, c.args[2], 'a size'), o);
  },
  gpu_read: (m, c, o) => {
    gpuRead(m, argVm(m, c.args[0]), argInt(m, c.args[1], 'a GPU VA'), argInt(m, c.args[2], 'a length'), o, kwBool(c.kwargs, 'nosnoop'));
  },
  gpu_write: (m, c, o) => {
    gpuWrite(m, argVm(m, c.args[0]), argInt(m, c.args[1], 'a GPU VA'), argBytes(c.args[2]), o, kwBool(c.kwargs, 'nosnoop'));
  },
};
