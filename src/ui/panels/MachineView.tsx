/**
 * The machine as the scenario header built it: architecture, memory, cache
 * geometry, devices and IOMMUs. Shown from the header's Machine button
 * (MachineButton.tsx), out of the way of the views that change per step.
 */
import type { ViewProps } from './registry.ts';
import { sizeExact } from '../../sim/format.ts';
import { swiotlbPoolSize } from '../../sim/layout.ts';

export default function MachineView({ frame, summary }: Pick<ViewProps, 'frame' | 'summary'>) {
  const cfg = frame?.config ?? summary?.config ?? null;
  if (!cfg) return <p className="muted">No machine yet: the scenario has not run.</p>;
  const sets = cfg.line > 0 && cfg.ways > 0 ? cfg.cache / cfg.line / cfg.ways : 0;
  const allCoherent = cfg.arch === 'x86';
  return (
    <div className="machine-view">
      <dl className="facts">
        <dt>arch</dt>
        <dd className="mono">{cfg.arch}</dd>
        <dt>kernel</dt>
        <dd className="mono">{cfg.kernel}</dd>
        <dt>RAM</dt>
        <dd className="mono">{sizeExact(cfg.ram)}</dd>
        <dt>data cache</dt>
        <dd className="mono">
          {sizeExact(cfg.cache)}, {cfg.line} B lines, {cfg.ways}-way, {sets} sets
        </dd>
        <dt>swiotlb</dt>
        <dd className="mono">{swiotlbPoolSize(cfg) ? `${sizeExact(cfg.swiotlb)} (${cfg.swiotlb / 2048} slots of 2 KiB)` : cfg.swiotlb ? `none (riscv ${cfg.kernel} has no swiotlb)` : 'none'}</dd>
        <dt>CMA</dt>
        <dd className="mono">{cfg.cma ? sizeExact(cfg.cma) : 'none'}</dd>
      </dl>
      {allCoherent && (
        <p className="note">On x86 every device is cache-coherent as far as the DMA API knows, whatever the scenario says: the kernel hard-wires dev_is_dma_coherent() there. A device declared nosnoop=true still issues non-snooped accesses, which the driver must flush for itself.</p>
      )}
      <table className="grid-table">
        <caption>Devices</caption>
        <thead>
          <tr>
            <th>name</th>
            <th>DMA mask</th>
            <th>coherent</th>
            <th>IOMMU</th>
            <th>bus</th>
            <th>other</th>
          </tr>
        </thead>
        <tbody>
          {cfg.devices.length === 0 && (
            <tr>
              <td colSpan={6} className="muted">
                none declared
              </td>
            </tr>
          )}
          {cfg.devices.map((d) => (
            <tr key={d.name}>
              <td className="mono">
                {d.name}
                {d.label && <span className="muted"> {d.label}</span>}
              </td>
              <td className="mono">{d.dmaMask} bits{d.busLimit ? ` (bus ${d.busLimit})` : ''}</td>
              <td>{(allCoherent || d.coherent) && d.nosnoop ? 'as far as the DMA API knows (No Snoop: RAM only)' : allCoherent || d.coherent ? 'yes (snoops)' : 'no'}</td>
              <td className="mono">{d.iommu ?? '—'}</td>
              <td>{d.bus}</td>
              <td>
                {[d.mmu && 'own MMU', d.untrusted && 'untrusted', d.swiotlb === 'force' && 'swiotlb=force'].filter(Boolean).join(', ') || '—'}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {cfg.iommus.length > 0 && (
        <table className="grid-table">
          <caption>IOMMUs</caption>
          <thead>
            <tr>
              <th>name</th>
              <th>mode</th>
              <th>page size</th>
            </tr>
          </thead>
          <tbody>
            {cfg.iommus.map((i) => (
              <tr key={i.name}>
                <td className="mono">{i.name}</td>
                <td>{i.mode}</td>
                <td className="mono">{sizeExact(i.pgsize)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
