/**
 * A step's faults in words, from the event fields alone: which unit faulted
 * (the system IOMMU, or a GPU's own MMU), what kind of fault (translation:
 * nothing maps the address; permission: mapped, but not for this access),
 * which stage of a GPU's two-stage translation, and which direction (read or
 * write). The diagram's captions and marks, the IOMMU and GPU VM views and the
 * explanation all say a fault through these functions, so they cannot
 * contradict each other.
 */
import type { SimEvent } from '../sim/events.ts';
import { hex } from '../sim/format.ts';

export type FaultKind = 'translation' | 'permission';

export interface Fault {
  /** Who refused the access: the system IOMMU, or the GPU's own MMU (stage 1). */
  unit: 'iommu' | 'gpu-mmu';
  kind: FaultKind;
  /** The access that faulted; null when the event does not say. */
  op: 'read' | 'write' | null;
  /** The device (IOMMU faults) or GPU VM (GPU faults). */
  who: string;
  /** The faulting address: an IOVA (IOMMU) or a GPU virtual address. */
  addr: number;
  /** The IOMMU domain, for IOMMU faults. */
  domain: string | null;
  /** A GPU access: the stage of its two-stage translation that faulted (1: the GPU MMU, 2: the IOMMU behind it). */
  gpuStage: 1 | 2 | null;
  /** For a stage-2 GPU fault: the DMA address the GPU PTE held. */
  dmaAddr: number | null;
}

function asKind(stage: string): FaultKind {
  return stage === 'permission' ? 'permission' : 'translation';
}

/**
 * The step's faults, in event order. A GPU stage-2 fault and the IOMMU fault it
 * causes are one fault (the GPU's, with the IOMMU's kind and direction).
 */
export function faultsOf(events: readonly SimEvent[] | undefined): Fault[] {
  const out: Fault[] = [];
  const list = events ?? [];
  for (let i = 0; i < list.length; i++) {
    const e = list[i]!;
    if (e.kind === 'iommu_fault') {
      // The GPU's stage-2 fault follows the IOMMU's own event: let the GPU's stand for both.
      const gpu = list.slice(i + 1).find((x) => x.kind === 'gpu_vm' && x.op === 'fault' && x.stage === 'iommu');
      if (gpu) continue;
      out.push({ unit: 'iommu', kind: asKind(e.stage), op: e.write ? 'write' : 'read', who: e.dev, addr: e.iova, domain: e.domain, gpuStage: null, dmaAddr: null });
    } else if (e.kind === 'gpu_vm' && e.op === 'fault') {
      if (e.stage === 'gpu-mmu') {
        out.push({ unit: 'gpu-mmu', kind: 'translation', op: e.write === undefined ? null : e.write ? 'write' : 'read', who: e.vm, addr: e.va, domain: null, gpuStage: 1, dmaAddr: null });
      } else {
        const io = list.slice(0, i).reverse().find((x) => x.kind === 'iommu_fault');
        const op = io?.kind === 'iommu_fault' ? (io.write ? 'write' : 'read') : e.write === undefined ? null : e.write ? 'write' : 'read';
        out.push({ unit: 'iommu', kind: io?.kind === 'iommu_fault' ? asKind(io.stage) : 'translation', op, who: e.vm, addr: e.va, domain: io?.kind === 'iommu_fault' ? io.domain : null, gpuStage: 2, dmaAddr: e.dmaAddr ?? null });
      }
    }
  }
  return out;
}

/** The fault's name: "IOMMU permission fault", "GPU MMU translation fault (stage 1)". */
export function faultTitle(f: Fault): string {
  const unit = f.unit === 'iommu' ? 'IOMMU' : 'GPU MMU';
  return `${unit} ${f.kind} fault${f.gpuStage ? ` (stage ${f.gpuStage})` : ''}`;
}

/** Why the access faulted, in words that follow from the fault's kind and direction. */
export function faultReason(f: Fault): string {
  if (f.unit === 'gpu-mmu') return `GPU VA ${hex(f.addr)} has no GPU page-table entry`;
  const where = f.domain ? ` in ${f.domain}` : '';
  const what = f.gpuStage === 2 && f.dmaAddr !== null ? `DMA address ${hex(f.dmaAddr)} (GPU VA ${hex(f.addr)})` : `IOVA ${hex(f.addr)}`;
  if (f.kind === 'translation') return `nothing maps ${what}${where}`;
  if (f.op === 'write') return `${what} is mapped read-only${where}`;
  if (f.op === 'read') return `${what} is mapped without read permission${where}`;
  return `${what} is mapped${where}, but not for this access`;
}

/** One sentence: who did what, which unit refused it and why, and that nothing moved. */
export function faultSentence(f: Fault): string {
  const verb = f.op === 'write' ? 'write' : f.op === 'read' ? 'read' : 'access';
  const stage = f.gpuStage === 1 ? ' at stage 1' : f.gpuStage === 2 ? ' at stage 2' : '';
  return `${faultTitle(f)}: ${f.who}'s ${verb} is blocked${stage}, because ${faultReason(f)}. No byte moves.`;
}
