/**
 * The scenario header → MachineConfig.
 *
 * `machine(…)`, `iommu(…)` and `device(…)` statements (already validated)
 * become the plain MachineConfig the engine is built from, with the defaults
 * of src/sim/config.ts for every option not given. Overrides (the CLI's
 * --arch and --kernel, the explorer's "compare architectures") apply last.
 */
import type { Command, Expr } from '../sim/command.ts';
import { ARCHES, KERNEL_RANGE, archKernelProblem, defaultConfig, defaultDevice, defaultIommu, kernelCode } from '../sim/config.ts';
import type { Arch, DeviceConfig, IommuConfig, IommuMode, MachineConfig } from '../sim/config.ts';

export interface ConfigOverrides {
  arch?: Arch;
  kernel?: string;
}

/** Build the machine configuration from validated header commands, then apply overrides. */
export function configFromHeader(header: readonly Command[], overrides: ConfigOverrides = {}): MachineConfig {
  const config = defaultConfig();
  for (const cmd of header) {
    if (cmd.op === 'machine') applyMachine(config, cmd);
    else if (cmd.op === 'iommu') config.iommus.push(iommuFrom(cmd));
    else if (cmd.op === 'device') config.devices.push(deviceFrom(cmd));
  }
  if (overrides.arch !== undefined) config.arch = overrides.arch;
  if (overrides.kernel !== undefined) config.kernel = overrides.kernel;
  return config;
}

/**
 * What is wrong with the overrides, or null when they are usable. With
 * `scenario` (the configuration the header gives), an override is also
 * checked against the header's other half: --kernel 4.9 on a riscv scenario,
 * or --arch riscv on a 4.9 one, names a kernel without that architecture's
 * port (config.ts archKernelProblem).
 */
export function checkOverrides(o: { arch?: string; kernel?: string }, scenario?: { arch: Arch; kernel: string }): string | null {
  if (o.arch !== undefined && !(ARCHES as readonly string[]).includes(o.arch)) {
    return `unknown arch '${o.arch}' (expected ${ARCHES.join(', ')})`;
  }
  if (o.kernel !== undefined) {
    const code = /^\d+\.\d+$/.test(o.kernel) ? kernelCode(o.kernel) : NaN;
    if (Number.isNaN(code)) return `kernel must be a version MAJOR.MINOR such as 6.18, got '${o.kernel}'`;
    if (code < kernelCode(KERNEL_RANGE.oldest) || code > kernelCode(KERNEL_RANGE.newest)) {
      return `kernel must be between ${KERNEL_RANGE.oldest} and ${KERNEL_RANGE.newest}, got '${o.kernel}'`;
    }
  }
  const arch = (o.arch as Arch | undefined) ?? scenario?.arch;
  const kernel = o.kernel ?? scenario?.kernel;
  if ((o.arch !== undefined || o.kernel !== undefined) && arch !== undefined && kernel !== undefined) return archKernelProblem(arch, kernel);
  return null;
}

function word(e: Expr): string {
  return e.k === 'name' ? e.name : e.k === 'str' ? e.text : '';
}

function int(e: Expr): number {
  return e.k === 'int' ? e.value : 0;
}

function applyMachine(config: MachineConfig, cmd: Command): void {
  for (const { key, value } of cmd.kwargs) {
    switch (key) {
      case 'arch':
        config.arch = word(value) as Arch;
        break;
      case 'kernel':
        config.kernel = word(value);
        break;
      case 'ram':
      case 'cache':
      case 'line':
      case 'ways':
      case 'swiotlb':
      case 'cma':
        config[key] = int(value);
        break;
      case 'imported':
        config.imported = word(value) === 'true';
        break;
      case 'dmabuf_move_notify':
        config.dmabufMoveNotify = word(value) === 'true';
        break;
      case 'iommu_off':
        config.iommuOff = word(value) === 'true';
        break;
    }
  }
}

function iommuFrom(cmd: Command): IommuConfig {
  const iommu = defaultIommu(word(cmd.args[0]!));
  for (const { key, value } of cmd.kwargs) {
    if (key === 'mode') iommu.mode = word(value) as IommuMode;
    else if (key === 'pgsize') iommu.pgsize = int(value);
  }
  return iommu;
}

function deviceFrom(cmd: Command): DeviceConfig {
  const dev = defaultDevice(word(cmd.args[0]!));
  for (const { key, value } of cmd.kwargs) {
    switch (key) {
      case 'dma_mask':
        dev.dmaMask = int(value);
        break;
      case 'bus_limit':
        dev.busLimit = int(value);
        break;
      case 'coherent':
      case 'mmu':
      case 'untrusted':
        dev[key] = word(value) === 'true';
        break;
      case 'nosnoop':
        if (word(value) === 'true') dev.nosnoop = true;
        break;
      case 'iommu':
        dev.iommu = word(value);
        break;
      case 'bus':
        dev.bus = word(value) as DeviceConfig['bus'];
        break;
      case 'swiotlb':
        dev.swiotlb = word(value) as DeviceConfig['swiotlb'];
        break;
      case 'dma_ops':
        dev.dmaOps = word(value) as DeviceConfig['dmaOps'];
        break;
      case 'label':
        if (word(value)) dev.label = word(value);
        break;
    }
  }
  return dev;
}
