/**
 * Device-internal MMUs (a GPU's own page tables), per VM: every GPU mapping
 * as the chain GPU VA → DMA address (what the driver wrote in the GPU PTE:
 * an IOVA when the GPU sits behind a system IOMMU) → physical (through the
 * IOMMU domain's page table, or the same address without one), with the
 * links that no longer hold marked. This step's gpu_read / gpu_write is
 * drawn through both stages: stage 1 the GPU MMU walk, stage 2 the system
 * IOMMU (IOTLB, table walk), with the stage that faulted marked and the
 * kernel's line for it. Clicking a mapping selects its physical address.
 */
import type { GpuVmView as GpuVm } from '../../../sim/hw/gpu-mmu.ts';
import type { MachineSnapshot } from '../../../sim/snapshot.ts';
import type { ViewProps } from '../registry.ts';
import { useStore } from '../../store/store.ts';
import { bufferAt, resolveSelection } from '../../viz/machine-lookup.ts';
import { domainOfDevice, gpuChains, gpuWalks, overlaps } from '../../viz/iommu.ts';
import type { GpuWalk } from '../../viz/iommu.ts';
import { NoSnapshot, useSelect } from './common.tsx';
import './engine-views.css';
import { hexGrouped, sizeShort } from '../../../sim/format.ts';
import { logLines } from '../../../sim/events.ts';
import { isIommuFaultLine } from '../../../sim/kernel-log/catalogue.ts';

function levelsText(levels: readonly number[], start = 0): string {
  return levels.map((x, i) => `L${start + i}[${x}]`).join(' ');
}

/** The step's fault lines: panfrost's page fault (stage 1) and the SMMU's context fault (stage 2). */
interface FaultLines {
  gpu: string | undefined;
  /** Every line of the system IOMMU's report (VT-d prints a status line before the record; arm-smmu from 6.11 decodes FSR and FSYNR0 after it). */
  smmu: string[];
}

function WalkChain({ w, lines, snap, stepOp }: { w: GpuWalk; lines: FaultLines; snap: MachineSnapshot; stepOp: string | undefined }) {
  const s1Bad = w.faulted === 'gpu-mmu';
  const s2Bad = w.faulted === 'iommu';
  const { gpu: gpuLine, smmu: smmuLines } = lines;
  const vm = snap.gpuVms.find((v) => v.name === w.vm);
  const s2Kind = w.s2.kind === 'not-reached' ? (vm && domainOfDevice(snap, vm.dev) ? 'iommu' : 'direct') : w.s2.kind;
  return (
    <div className={`ev-chain${w.faulted ? ' faulted' : ''}`} data-testid="gpu-walk" data-faulted-stage={w.faulted ?? 'none'}>
      <div className="ev-sub">
        This step: GPU {w.op ?? (stepOp === 'gpu_write' ? 'write' : stepOp === 'gpu_read' ? 'read' : 'access')} of {sizeShort(w.len)} at VA {hexGrouped(w.va)} in {w.vm}
        {w.as !== null ? ` (AS${w.as})` : ''}
      </div>
      <div className="ev-chain-row">
        <div className="ev-node">
          <div className="k">GPU VA</div>
          <div className="mono">{hexGrouped(w.va)}</div>
        </div>
        <div className={`ev-stage${s1Bad ? ' bad' : ' good'}`} data-testid="gpu-stage1" data-fault={s1Bad ? 'true' : 'false'}>
          <div className="k">stage 1 · GPU MMU{w.as !== null ? ` AS${w.as}` : ''}</div>
          <div className="mono small">{levelsText(w.s1.levels)}</div>
          <div className="verdict">{s1Bad ? `✗ FAULT: no GPU PTE${w.s1.levels.length ? ` at L${w.s1.levels.length - 1}[${w.s1.levels[w.s1.levels.length - 1]}]` : ''}` : '✓ GPU PTE found'}</div>
        </div>
        <div className={`ev-node${s1Bad ? ' dim' : ''}`}>
          <div className="k">DMA address</div>
          <div className="mono">{w.s1.dmaAddr !== null ? hexGrouped(w.s1.dmaAddr) : '—'}</div>
        </div>
        <div className={`ev-stage${s1Bad ? ' dim' : s2Bad ? ' bad' : ' good'}`} data-testid="gpu-stage2" data-fault={s2Bad ? 'true' : 'false'}>
          <div className="k">stage 2 · {s2Kind === 'direct' ? 'no system IOMMU' : 'system IOMMU'}</div>
          {s2Kind !== 'direct' && w.s2.domain && <div className="small">{w.s2.domain}</div>}
          {s1Bad ? (
            <div className="small muted">not reached</div>
          ) : s2Kind === 'direct' ? (
            <div className="small">dma-direct: DMA address = physical</div>
          ) : (
            <div className="mono small">
              {w.s2.tlb ? `IOTLB ${w.s2.tlb}` : ''}
              {w.s2.levels ? ` · ${levelsText(w.s2.levels)}` : ''}
            </div>
          )}
          {!s1Bad && <div className="verdict">{s2Bad ? `✗ FAULT: ${w.s2.fault?.stage ?? 'translation'} fault in the SMMU` : w.s2.tlb === 'stale-hit' ? '⚠ stale IOTLB hit' : '✓ translated'}</div>}
        </div>
        <div className={`ev-node${w.faulted ? ' dim' : ''}`}>
          <div className="k">physical</div>
          <div className="mono">{w.faulted ? '—' : w.s2.phys !== null ? hexGrouped(w.s2.phys) : '—'}</div>
        </div>
      </div>
      {w.faulted && (
        <div className="callout ev-fault" role="alert" data-testid="gpu-fault">
          <b>{w.faulted === 'gpu-mmu' ? 'Stage 1 faulted: the GPU MMU has no PTE for this VA' : w.s2.fault?.stage === 'permission' ? 'Stage 2 faulted: the GPU PTE is there, but the system IOMMU maps its DMA address read-only' : 'Stage 2 faulted: the GPU PTE is there, but the system IOMMU has no mapping for its DMA address'}</b>
          {w.faulted === 'gpu-mmu' ? ' — a GPU driver bug (unmapped VA); panfrost disables the address space, killing its jobs.' : w.s2.fault?.stage === 'permission' ? ' — the GPU wrote through a mapping made for the device to read; the SMMU terminates the access, memory untouched.' : ' — the DMA API already unmapped the IOVA the GPU PTE still holds; the SMMU terminates the access, memory untouched.'}
          {(w.faulted === 'gpu-mmu' ? (gpuLine ? [gpuLine] : []) : smmuLines).map((l, i) => (
            <div key={i} className="mono ev-log">
              {l}
            </div>
          ))}
        </div>
      )}
    </div>
  );
}

function VmCard({ vm, snap, range, onPick }: { vm: GpuVm; snap: MachineSnapshot; range: { start: number; end: number } | null; onPick: (phys: number) => void }) {
  const chains = gpuChains(snap, vm);
  const dom = domainOfDevice(snap, vm.dev);
  return (
    <section className="ev-card" aria-label={`GPU VM ${vm.name}`} data-testid="gpu-vm" data-vm={vm.name}>
      <div className="mv-facts">
        <b>{vm.name}</b> on <b>{vm.dev}</b> · AS{vm.as} · {vm.faults} unhandled fault{vm.faults === 1 ? '' : 's'}
        {vm.faulty && <span className="badge bad">AS disabled by a fault</span>} · stage 2: {dom ? `${dom.name} (${dom.type})` : 'none (DMA address = physical)'}
      </div>
      {chains.length === 0 ? (
        <div className="muted">no GPU mappings</div>
      ) : (
        <table className="ev-table">
          <thead>
            <tr>
              <th scope="col">GPU VA</th>
              <th scope="col">size</th>
              <th scope="col">→ DMA address</th>
              <th scope="col">→ physical</th>
            </tr>
          </thead>
          <tbody>
            {chains.map((c, i) => {
              const sel = c.phys !== null && overlaps(range, c.phys, c.size);
              return (
                <tr key={i} className={sel ? 'sel' : ''} data-testid="gpu-chain">
                  <td className="mono">
                    <button type="button" className="ev-link" disabled={c.phys === null} onClick={() => c.phys !== null && onPick(c.phys)} aria-label={`select GPU mapping at ${hexGrouped(c.va)}`}>
                      {hexGrouped(c.va)}
                    </button>
                  </td>
                  <td>{sizeShort(c.size)}</td>
                  <td className="mono">
                    {hexGrouped(c.dmaAddr)} <span className="muted">{c.stage2 === 'iommu' ? 'IOVA' : 'bus = phys'}</span>
                  </td>
                  <td className="mono">
                    {c.phys === null ? (
                      <span className="bad-text" data-testid="gpu-chain-broken">
                        ✗ no SMMU PTE: stale GPU PTE
                      </span>
                    ) : (
                      <>
                        {hexGrouped(c.phys)} <span className="muted">{c.stage2 === 'iommu' ? `via ${c.domain}` : c.stage2 === 'identity' ? 'identity domain' : 'no IOMMU'}</span>
                      </>
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </section>
  );
}

function GpuVmView({ frame }: ViewProps) {
  const snap = frame?.snapshot ?? null;
  const selection = useStore((s) => s.selection);
  const select = useSelect();
  if (!frame || !snap) return <NoSnapshot what="the GPU MMU" />;
  const withMmu = frame.config?.devices.filter((d) => d.mmu) ?? [];
  const walks = gpuWalks(frame.json?.events);
  const range = resolveSelection(snap, selection).range;
  const events = frame.json?.events ?? [];
  const lines: FaultLines = { gpu: logLines(events, (id) => id === 'panfrost.page-fault')[0], smmu: logLines(events, isIommuFaultLine) };
  const pick = (phys: number) => {
    const hit = bufferAt(snap, phys);
    select(hit ? { addr: phys, buffer: hit.buffer.name } : { addr: phys });
  };
  if (snap.gpuVms.length === 0) {
    return (
      <div className="mv ev" data-testid="gpu-view" data-step={frame.step}>
        <p className="mv-empty" data-testid="gpu-none">
          {withMmu.length === 0 ? (
            <>
              No device with its own MMU here. A GPU (<code>device(gpu, mmu=true)</code>) translates GPU VA → DMA address in its own tables, then the system IOMMU (if any) translates the DMA address → physical.
            </>
          ) : (
            <>
              {withMmu.map((d) => d.name).join(', ')} {withMmu.length === 1 ? 'has' : 'have'} an MMU but no VM yet: <code>gpu_vm_create({withMmu[0]!.name})</code> makes one.
            </>
          )}
        </p>
      </div>
    );
  }
  return (
    <div className="mv ev" data-testid="gpu-view" data-step={frame.step}>
      <div className="ev-walk-slot">
        {walks.length === 0 ? (
          <div className="ev-status">This step made no GPU access. GPU VA → (stage 1: GPU MMU) → DMA address → (stage 2: system IOMMU) → physical.</div>
        ) : (
          walks.map((w, i) => <WalkChain key={i} w={w} lines={lines} snap={snap} stepOp={frame.json?.op} />)
        )}
      </div>
      {snap.gpuVms.map((vm) => (
        <VmCard key={vm.name} vm={vm} snap={snap} range={range} onPick={pick} />
      ))}
    </div>
  );
}

// The view's tab (title, when it shows) is listed in ../views.ts, which loads this module on first open.
export default GpuVmView;
