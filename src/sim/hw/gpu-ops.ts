/** Scenario operations of a device's own MMU (gpu_vm_create, gpu_vm_map, gpu_read, …). */
import type { OpTable } from '../handler.ts';

export const GPU_OPS: OpTable = {};
