/**
 * The system IOMMU, per domain (a tab each; the view follows the domain the
 * step touched): this step's faults first, with their stage and the SMMU's
 * log line; the io-pgtable-arm tree (present tables and leaves only, runs of
 * leaves folded) with the path this step's walk took lit level by level and
 * the entry where it stopped; leaf permissions as stage 1 can express them;
 * the IOTLB with stale entries called out; the flush queue against the
 * machine's clock; and the IOVA space from 0 to the domain's limit on a log
 * scale, with a linear zoom on the part in use. Clicking a leaf, an IOTLB
 * entry or an IOVA range selects its physical address in every view.
 */
import { useEffect, useMemo, useState } from 'react';
import type { KeyboardEvent } from 'react';
import type { IommuDomainDetail, MachineSnapshot } from '../../../sim/snapshot.ts';
import type { MachineConfig } from '../../../sim/config.ts';
import { logLines, type SimEvent } from '../../../sim/events.ts';
import { isIommuFaultLine } from '../../../sim/kernel-log/catalogue.ts';
import type { PtEntryView } from '../../../sim/iommu/io-pgtable.ts';
import type { ViewProps } from '../registry.ts';
import { useStore } from '../../store/store.ts';
import { bufferAt, resolveSelection } from '../../viz/machine-lookup.ts';
import {
  buildPtTree,
  domainLimit,
  fqTiming,
  granuleOf,
  iovaSegments,
  levelBits,
  addrPos,
  addrTicks,
  overlaps,
  protInfo,
  ptFormatOf,
  ptRows,
  stepDomain,
  stepIommu,
  usText,
  walkStopLevel,
  zoomWindows,
} from '../../viz/iommu.ts';
import type { IovaSeg, PtFormat, PtRow, StepIommu } from '../../viz/iommu.ts';
import { NoSnapshot, useSelect, useWidth } from './common.tsx';
import './engine-views.css';
import { hexGrouped, sizeShort } from '../../../sim/format.ts';

const TYPE_WORDS: Record<string, string> = {
  DMA: 'IOMMU_DOMAIN_DMA (strict): dma-iommu owns it; an unmap invalidates the IOTLB before it returns',
  DMA_FQ: 'IOMMU_DOMAIN_DMA_FQ (lazy): an unmap clears the PTE now and queues the IOTLB invalidation (flush queue)',
  IDENTITY: 'IOMMU_DOMAIN_IDENTITY (passthrough): DMA address = physical address, dma-direct serves the DMA API',
  UNMANAGED: 'IOMMU_DOMAIN_UNMANAGED: the driver picks IOVAs itself (iommu_map); the DMA API does not use it',
};

type Range = { start: number; end: number } | null;

const PERM_TITLE: Record<PtFormat, Record<'R' | 'W' | 'RW', string>> = {
  lpae: { R: 'read-only (AP_RDONLY): a device write gets a permission fault', W: 'the device may read and write', RW: 'the device may read and write' },
  vtd: {
    R: 'DMA_PTE_READ only: a device write faults (reason 5, PTE Write access is not set)',
    W: 'DMA_PTE_WRITE only (write-only, DMA_FROM_DEVICE): a device read faults (reason 6, PTE Read access is not set)',
    RW: 'DMA_PTE_READ | DMA_PTE_WRITE: the device may read and write',
  },
  riscv: {
    R: '_PAGE_READ only (no IOMMU_WRITE): a device write faults (cause 15, write/AMO page fault)',
    W: 'the device may read and write',
    RW: '_PAGE_READ | _PAGE_WRITE (with _PAGE_DIRTY unless the IOMMU updates A/D itself): the device may read and write',
  },
};

/** What RW* means: the format cannot express write-only. */
const PROMOTED: Record<PtFormat, string> = {
  lpae: 'stage-1 LPAE cannot express write-only',
  vtd: 'VT-d keeps write-only',
  riscv: 'riscv_iommu_map_pages sets _PAGE_READ on every leaf',
};

function permText(prot: number, fmt: PtFormat): { text: string; title: string } {
  const p = protInfo(prot, fmt);
  const flags = p.flags.length ? ` · also ${p.flags.map((f) => `IOMMU_${f}`).join(', ')}` : '';
  if (p.promoted) return { text: 'RW*', title: `asked IOMMU_WRITE only (DMA_FROM_DEVICE); ${PROMOTED[fmt]}, so the device can read it too${flags}` };
  if (p.readOnlyAnyway) return { text: 'R*', title: `asked neither IOMMU_READ nor IOMMU_WRITE; riscv_iommu_map_pages refuses nothing and maps it _PAGE_READ: the device can read it${flags}` };
  return { text: p.effective === 'none' ? '—' : p.effective, title: `${p.effective === 'none' ? 'no access' : PERM_TITLE[fmt][p.effective]}${flags}` };
}

const ATTR_TITLE: Record<'WB' | 'NC' | 'DEV', string> = {
  WB: 'IOMMU_CACHE: cacheable, inner shareable (io-pgtable-arm MAIR index CACHE): accesses through this leaf snoop the CPU cache',
  NC: 'no IOMMU_CACHE: Non-cacheable (MAIR index NC): accesses through this leaf do not snoop, even from a coherent device; dma_info_to_prot() leaves it out only for non-coherent devices',
  DEV: 'IOMMU_MMIO: device memory',
};

function AttrTag({ prot, fmt }: { prot: number; fmt: PtFormat }) {
  // VT-d's leaves carry no memory attribute: an x86 device snoops whatever the PTE says (IOMMU_CACHE only asks for DMA_PTE_SNP);
  // nor do RISC-V's (riscv_iommu_map_pages ignores IOMMU_CACHE and IOMMU_MMIO: no MAIR, the device's coherence decides)
  if (fmt !== 'lpae') return null;
  const a = protInfo(prot).attr;
  return (
    <span className={`attr attr-${a.toLowerCase()}`} title={ATTR_TITLE[a]} data-testid="iommu-attr">
      {a}
    </span>
  );
}

function onKeyActivate(fn: () => void) {
  return (e: KeyboardEvent) => {
    if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      fn();
    }
  };
}

// ---------------------------------------------------------------------------

/** arm-smmu's context bank of a domain; VT-d and the RISC-V IOMMU have none, nor does a bypass domain. */
function contextBank(d: IommuDomainDetail, config: MachineConfig | null): string | null {
  return d.cb >= 0 && config?.arch !== 'x86' && config?.arch !== 'riscv' ? `context bank ${d.cb}` : null;
}

/** What the IOMMU is, where there is no context bank to name. */
function unitWords(config: MachineConfig | null): string {
  return config?.arch === 'x86' ? 'VT-d' : config?.arch === 'riscv' ? 'RISC-V IOMMU, Sv39' : 'no context bank';
}

/** The top table's input size: arm-smmu's 48-bit IAS, VT-d's 4-level (48-bit) address width, Sv39's 39-bit IOVA. */
const PT_ROOT_WORDS: Record<PtFormat, string> = {
  lpae: '48-bit IAS',
  vtd: '48-bit address width',
  riscv: 'Sv39: 39-bit IOVA',
};

const PT_FORMAT_WORDS: Record<PtFormat, string> = {
  lpae: 'io-pgtable-arm stage 1',
  vtd: 'VT-d second-level, legacy mode',
  riscv: 'RISC-V IOMMU first stage, Sv39: 3 levels, R/W bits, no memory attributes',
};

function FaultCallout({ step, d, events, startLevel, config }: { step: StepIommu; d: IommuDomainDetail; events: readonly SimEvent[]; startLevel: number; config: MachineConfig | null }) {
  if (step.faults.length === 0) {
    const stale = step.tlb.filter((t) => t.op === 'hit' && t.stale);
    return (
      <>
        {stale.map((t, i) => (
          <div key={i} className="callout ev-warn" role="status" data-testid="iommu-stale-hit">
            <b>Stale IOTLB hit at IOVA {hexGrouped(t.iova)}</b>
            {t.phys !== undefined ? <> → {hexGrouped(t.phys)}</> : null}: its PTE is gone (unmapped, invalidation still queued in the flush queue) but the IOTLB still translates, so the device reached the old physical page — which the kernel may have freed and reused.
          </div>
        ))}
        <div className="ev-status" data-testid="iommu-step">
          {stepSummary(step)}
        </div>
      </>
    );
  }
  const lines = logLines(events, (id) => isIommuFaultLine(id) || id === 'panfrost.page-fault');
  return (
    <div className="callout ev-fault" role="alert" data-testid="iommu-fault">
      {step.faults.map((f, i) => {
        const w = step.walks.find((x) => x.iova === f.iova);
        // a permission fault on a read can only be VT-d's write-only leaf (LPAE stage 1 always lets a read through)
        const leaf = f.write ? 'read-only leaf' : 'write-only leaf';
        const where = w ? `the walk stopped at L${walkStopLevel(w, startLevel)}[${w.levels[w.levels.length - 1]}]: ${f.stage === 'translation' ? 'no entry' : leaf}` : f.stage === 'permission' ? leaf : 'no translation';
        return (
          <div key={i}>
            <b>IOMMU {f.stage} fault ({[d.iommu, contextBank(d, config)].filter(Boolean).join(', ')})</b>: {f.dev} {f.write ? 'write' : 'read'} at IOVA <span className="mono">{hexGrouped(f.iova)}</span> — {where}. The transaction is terminated; no byte moves.
          </div>
        );
      })}
      {lines.map((l, i) => (
        <div key={`w${i}`} className="mono ev-log">
          {l}
        </div>
      ))}
    </div>
  );
}

function stepSummary(s: StepIommu): string {
  const parts: string[] = [];
  for (const a of s.allocs) parts.push(`IOVA ${hexGrouped(a.iova)} allocated (${sizeShort(a.size)})`);
  for (const m of s.maps) parts.push(`mapped ${hexGrouped(m.iova)} → ${hexGrouped(m.phys)} ${m.prot}`);
  for (const u of s.unmaps) parts.push(`unmapped ${hexGrouped(u.iova)}: PTE cleared${u.queued ? ', IOTLB invalidation queued' : ''}`);
  for (const t of s.tlb) {
    if (t.op === 'hit') parts.push(t.stale ? `STALE IOTLB hit at ${hexGrouped(t.iova)}` : `IOTLB hit at ${hexGrouped(t.iova)}`);
    else if (t.op === 'miss') parts.push(`IOTLB miss at ${hexGrouped(t.iova)} → table walk`);
    else if (t.op === 'fill') parts.push('IOTLB filled');
    else if (t.op === 'flush') parts.push('IOTLB flushed (every entry)');
    else parts.push(`IOTLB invalidated at ${hexGrouped(t.iova)}`);
  }
  for (const q of s.fq) parts.push(q.op === 'queue' ? `flush queue: ${q.entries} pending` : `flush queue flushed ${q.entries} entr${q.entries === 1 ? 'y' : 'ies'}`);
  for (const f of s.frees) parts.push(`IOVA ${hexGrouped(f.iova)} freed${f.deferred ? ' (after the flush)' : ''}`);
  return parts.length ? `This step: ${parts.join(' · ')}.` : 'This step did not touch this domain.';
}

// ---------------------------------------------------------------------------

function WalkStrip({ step, startLevel }: { step: StepIommu; startLevel: number }) {
  if (step.walks.length === 0) return null;
  return (
    <div className="ev-walks" data-testid="iommu-walk">
      {step.walks.map((w, i) => (
        <div key={i} className="ev-walk" aria-label={`page-table walk for IOVA ${hexGrouped(w.iova)}`}>
          <span className="mono">{hexGrouped(w.iova)}</span>
          {w.levels.map((idx, k) => {
            const last = k === w.levels.length - 1;
            const bad = last && w.phys === null;
            return (
              <span key={k} className={`lvl${bad ? ' bad' : last ? ' good' : ''}`} style={{ animationDelay: `${k * 90}ms` }} title={`L${startLevel + k}: IOVA bits ${levelBits(startLevel + k)} = ${idx}`}>
                L{startLevel + k}[{idx}]
              </span>
            );
          })}
          <span className={w.phys === null ? 'res bad' : 'res good'} style={{ animationDelay: `${w.levels.length * 90}ms` }}>
            {w.phys === null ? '✗ empty: translation fault' : `→ ${hexGrouped(w.phys)}`}
          </span>
        </div>
      ))}
    </div>
  );
}

function PtTree({ d, rows, startLevel, range, onPick, fmt }: { d: IommuDomainDetail; rows: PtRow[]; startLevel: number; range: Range; onPick: (e: PtEntryView) => void; fmt: PtFormat }) {
  if (d.type === 'IDENTITY') return <p className="mv-empty">Identity domain: no page table; the device's DMA addresses are physical addresses.</p>;
  return (
    <div className="ev-pt" data-testid="iommu-pt">
      <div className="ev-pt-row ev-pt-root">
        <span className="lvl-tag">L{startLevel}</span> top table <span className="muted">({PT_ROOT_WORDS[fmt]}, 4 KiB tables, 512 entries)</span>
      </div>
      {rows.length === 0 && <div className="ev-pt-row muted">no leaf entries (tables left empty by unmaps are not drawn)</div>}
      {rows.map((r, i) => {
        const pad = { paddingLeft: 8 + (r.depth + 1) * 14 };
        if (r.kind === 'table')
          return (
            <div key={i} className={`ev-pt-row${r.walked ? ' walked' : ''}`} style={{ ...pad, animationDelay: `${(r.level - startLevel) * 90}ms` }} data-walked={r.walked || undefined}>
              <span className="lvl-tag">L{r.level}</span>[{r.index}] → L{r.level + 1} table <span className="muted">({r.leaves} lea{r.leaves === 1 ? 'f' : 'ves'} below)</span>
            </div>
          );
        if (r.kind === 'empty')
          return (
            <div key={i} className="ev-pt-row walked bad" style={{ ...pad, animationDelay: `${(r.level - startLevel) * 90}ms` }} data-testid="iommu-pt-empty">
              <span className="lvl-tag">L{r.level}</span>[{r.index}] <b>empty</b> <span className="muted">IOVA {hexGrouped(r.iova)}: the walk stops here</span>
            </div>
          );
        if (r.kind === 'run') {
          const sel = overlaps(range, r.first.phys, r.last.phys + r.last.size - r.first.phys);
          const perm = permText(r.first.prot, fmt);
          return (
            <div
              key={i}
              className={`ev-pt-row leaf${sel ? ' sel' : ''}`}
              style={pad}
              role="button"
              tabIndex={0}
              aria-label={`${r.count} leaves L${r.level}[${r.from}–${r.to}], IOVA ${hexGrouped(r.first.iova)} to physical ${hexGrouped(r.first.phys)}`}
              onClick={() => onPick(r.first)}
              onKeyDown={onKeyActivate(() => onPick(r.first))}
            >
              <span className="lvl-tag">L{r.level}</span>[{r.from}–{r.to}] <span className="mono">{hexGrouped(r.first.iova)}</span> → <span className="mono">{hexGrouped(r.first.phys)}</span>{' '}
              <span className="muted" title={`${r.count} leaves of ${sizeShort(r.first.size)}, contiguous`}>
                {sizeShort(r.count * r.first.size)}
              </span>{' '}
              <span className="perm" title={perm.title}>
                {perm.text}
              </span>{' '}
              <AttrTag prot={r.first.prot} fmt={fmt} />
            </div>
          );
        }
        const e = r.entry;
        const sel = overlaps(range, e.phys, e.size);
        const perm = permText(e.prot, fmt);
        return (
          <div
            key={i}
            className={`ev-pt-row leaf${r.walked ? ' walked good' : ''}${sel ? ' sel' : ''}`}
            style={{ ...pad, animationDelay: `${(r.level - startLevel) * 90}ms` }}
            role="button"
            tabIndex={0}
            data-testid="iommu-pte"
            data-iova={hexGrouped(e.iova)}
            aria-label={`leaf L${r.level}[${r.index}]: IOVA ${hexGrouped(e.iova)} to physical ${hexGrouped(e.phys)}, ${sizeShort(e.size)}, ${perm.text}`}
            onClick={() => onPick(e)}
            onKeyDown={onKeyActivate(() => onPick(e))}
          >
            <span className="lvl-tag">L{r.level}</span>[{r.index}] <span className="mono">{hexGrouped(e.iova)}</span> → <span className="mono">{hexGrouped(e.phys)}</span> <span className="muted">{sizeShort(e.size)}</span>{' '}
            <span className="perm" title={perm.title}>
              {perm.text}
            </span>{' '}
            <AttrTag prot={e.prot} fmt={fmt} />
          </div>
        );
      })}
      {rows.some((r) => (r.kind === 'leaf' ? protInfo(r.entry.prot, fmt).promoted : r.kind === 'run' ? protInfo(r.first.prot, fmt).promoted : false)) && (
        <div className="ev-note">RW*: asked write-only (DMA_FROM_DEVICE); {PROMOTED[fmt]}, so the device may read it too.</div>
      )}
      {d.truncated && <div className="ev-note">Only the first 512 leaves are shown.</div>}
    </div>
  );
}

/** Why an IOTLB entry is stale: its PTE was cleared (a lazy unmap), or replaced by one to another page (a map over a live leaf, as riscv_iommu_map_pages allows). */
function staleNote(d: IommuDomainDetail, iova: number): string {
  const now = d.entries.find((p) => iova >= p.iova && iova < p.iova + p.size);
  return now ? `stale: the PTE now maps ${hexGrouped(now.phys + (iova - now.iova))}, but the IOTLB still translates to the old page` : 'stale: the PTE is gone but the IOTLB still translates';
}

function Iotlb({ d, step, range, onPick, fmt }: { d: IommuDomainDetail; step: StepIommu; range: Range; onPick: (phys: number) => void; fmt: PtFormat }) {
  const flushed = step.tlb.some((t) => t.op === 'flush');
  const invals = step.tlb.filter((t) => t.op === 'inval');
  return (
    <div className="ev-tlb" data-testid="iommu-iotlb">
      <div className="ev-sub">
        IOTLB <span className="muted">({d.iotlb.length} entr{d.iotlb.length === 1 ? 'y' : 'ies'})</span>
      </div>
      {d.iotlb.length === 0 ? (
        <div className="muted ev-tlb-empty" data-testid="iommu-iotlb-empty">
          empty{flushed ? ': flushed this step (every cached translation dropped)' : invals.length ? `: ${hexGrouped(invals[0]!.iova)} invalidated this step` : ''}
        </div>
      ) : (
        <ul className="ev-tlb-list">
          {d.iotlb.map((e, i) => {
            const ops = step.tlb.filter((t) => t.iova >= e.iova && t.iova < e.iova + e.size && t.op !== 'miss');
            const sel = overlaps(range, e.phys, e.size);
            const perm = permText(e.prot, fmt);
            return (
              <li key={i} className={`${e.stale ? 'stale' : ''}${sel ? ' sel' : ''}`} data-testid="iotlb-entry" data-stale={e.stale ? 'true' : 'false'}>
                <button type="button" className="ev-row-btn" onClick={() => onPick(e.phys)} aria-label={`IOTLB entry ${hexGrouped(e.iova)} to ${hexGrouped(e.phys)}${e.stale ? ', stale' : ''}`}>
                  <span className="mono">{hexGrouped(e.iova)}</span> → <span className="mono">{hexGrouped(e.phys)}</span> <span className="muted">{sizeShort(e.size)}</span>{' '}
                  <span className="perm" title={perm.title}>
                    {perm.text}
                  </span>
                  {ops.map((o, k) => (
                    <span key={k} className={`badge ${o.op === 'hit' && o.stale ? 'bad' : 'info'}`}>
                      {o.op === 'hit' && o.stale ? 'stale hit' : o.op}
                    </span>
                  ))}
                  {e.stale && <span className="badge bad">stale</span>}
                </button>
                {e.stale && <div className="ev-stale-note">{staleNote(d, e.iova)}</div>}
              </li>
            );
          })}
        </ul>
      )}
      {step.tlb
        .filter((t) => t.op === 'miss')
        .map((t, i) => (
          <div key={`m${i}`} className="muted ev-tlb-miss">
            miss at {hexGrouped(t.iova)}: walked the table
          </div>
        ))}
    </div>
  );
}

function FlushQueue({ d, timeUs, step }: { d: IommuDomainDetail; timeUs: number; step: StepIommu }) {
  if (d.type !== 'DMA_FQ') {
    return (
      <div className="ev-fq muted" data-testid="iommu-fq">
        {d.type === 'DMA' ? 'Strict: no flush queue; each unmap invalidates the IOTLB before it returns.' : 'No flush queue.'}
      </div>
    );
  }
  const t = fqTiming(d, timeUs);
  const flushed = step.fq.find((q) => q.op === 'flush');
  return (
    <div className="ev-fq" data-testid="iommu-fq">
      <div className="ev-sub">Flush queue</div>
      <div>
        <b data-testid="fq-pending">{t.pending}</b> IOVA range{t.pending === 1 ? '' : 's'} pending <span className="muted">(held back until a full IOTLB flush completes)</span>
      </div>
      <div>
        {t.deadlineUs === null ? (
          <span className="muted">timer not armed</span>
        ) : (
          <>
            timer fires at <b>{usText(t.deadlineUs)}</b> · now <b>{usText(timeUs)}</b> ·{' '}
            <span className={t.leftUs === 0 ? 'bad-text' : 'warn-text'}>{t.leftUs === 0 ? 'due' : `${usText(t.leftUs!)} left`}</span>
          </>
        )}
      </div>
      {flushed && <div className="good-text">flushed this step: {flushed.entries} entr{flushed.entries === 1 ? 'y' : 'ies'} released, IOTLB invalidated (fq_flush_timeout)</div>}
    </div>
  );
}

// ---------------------------------------------------------------------------

/** The arm32 arch mapping's domain is UNMANAGED, but the DMA API is what fills it. */
function typeWords(d: IommuDomainDetail): string {
  return d.armBitmap
    ? 'IOMMU_DOMAIN_UNMANAGED, owned by 32-bit ARM\'s ARM_DMA_USE_IOMMU mapping: arch_setup_dma_ops() attached the device, and the DMA API fills it with IOVAs from the mapping\'s bitmap (arch/arm/mm/dma-mapping.c).'
    : TYPE_WORDS[d.type];
}

const SEG_WORDS: Record<IovaSeg['state'], string> = {
  allocated: 'allocated',
  cached: 'free, parked in the rcache (still "allocated" in the tree)',
  reserved: 'reserved',
  mapped: 'mapped by the driver',
};

function IovaSpace({ d, segs, limit, granule, range, width, onPick }: { d: IommuDomainDetail; segs: IovaSeg[]; limit: number; granule: number; range: Range; width: number; onPick: (s: IovaSeg) => void }) {
  const W = Math.max(320, width);
  const L = 8;
  const R = 8;
  const iw = W - L - R;
  const ticks = addrTicks(limit, 64 / iw, (hexGrouped(limit).length * 6.2 + 34) / iw);
  const zooms = zoomWindows(segs, limit, granule);
  const lx = (a: number) => L + addrPos(a, limit) * iw;
  const iovaSel = useStore((st) => st.selection.iova);
  const selected = (s: IovaSeg) => (iovaSel !== undefined && iovaSel >= s.lo && iovaSel < s.hi) || s.mapped.some((m) => overlaps(range, m.phys, m.hi - m.lo));
  const OV = 16; // overview bar top
  const ZH = 24; // zoom bar height
  const Z0 = 66; // first zoom bar top
  const ZSTEP = 56;
  const H = Z0 + zooms.length * ZSTEP - 10;
  const segTitle = (s: IovaSeg) =>
    `${hexGrouped(s.lo)}–${hexGrouped(s.hi - 1)} (${sizeShort(s.hi - s.lo)}): ${SEG_WORDS[s.state]}${s.mapped.length ? `; mapped ${s.mapped.map((m) => `${hexGrouped(m.lo)}+${sizeShort(m.hi - m.lo)} → ${hexGrouped(m.phys)}`).join(', ')}` : s.state === 'allocated' ? '; no PTE' : ''}${s.changed ? ` · ${s.changed === 'alloc' ? 'allocated' : 'freed'} this step` : ''}`;
  return (
    <div className="ev-iova" data-testid="iommu-iova">
      <div className="ev-sub">
        IOVA space <span className="muted">0 – {hexGrouped(limit)} ({d.armBitmap ? `arm32 ARM_DMA_USE_IOMMU mapping: __alloc_iova fills its bitmap first fit from 0, bottom-up; ${d.armBitmap.nrBitmaps} of ${d.armBitmap.extensions} bitmaps of ${d.armBitmap.bitsPerBitmap} pages` : d.type === 'UNMANAGED' ? 'IOVAs the driver chose' : `${d.devices.join(', ')}'s limit; the allocator fills top-down`})</span>
      </div>
      <svg width={W} height={H} className="ev-iova-svg" role="group" aria-label={`IOVA space of ${d.name}`}>
        <defs>
          <pattern id={`hatch-${d.id}`} width="4" height="4" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">
            <rect width="4" height="4" className="iova-unmapped-bg" />
            <line x1="0" y1="0" x2="0" y2="4" className="iova-hatch" strokeWidth="2" />
          </pattern>
        </defs>
        <text x={L} y={11} className="ev-axis-label">
          whole space, log scale of the address
        </text>
        <rect x={L} y={OV} width={iw} height={12} className="iova-free" />
        {segs.map((s, i) => {
          const x = lx(s.lo);
          return (
            <rect key={i} x={Math.min(x, L + iw - 3)} y={OV} width={Math.max(3, lx(s.hi) - x)} height={12} className={`iova-${s.state}${selected(s) ? ' sel' : ''}`}>
              <title>{segTitle(s)}</title>
            </rect>
          );
        })}
        {ticks.map((t, i) => (
          <g key={i} transform={`translate(${lx(t.addr)},${OV + 12})`}>
            <line y2={4} className="ev-tick" />
            <text y={14} textAnchor={t.pos >= 0.99 ? 'end' : t.pos <= 0.01 ? 'start' : 'middle'} className="ev-axis">
              {t.label}
            </text>
          </g>
        ))}
        {zooms.map((z, k) => {
          const top = Z0 + k * ZSTEP;
          const zx = (a: number) => L + ((a - z.lo) / Math.max(1, z.hi - z.lo)) * iw;
          const zt = [z.lo, z.hi].map((a) => Math.round(a / granule) * granule);
          return (
            <g key={k} data-testid="iova-zoom">
              <path d={`M${lx(z.lo)},${OV + 12} L${L},${top} M${Math.max(lx(z.lo) + 2, lx(z.hi))},${OV + 12} L${L + iw},${top}`} className="ev-guide" />
              <text x={L + iw / 2} y={top - 3} textAnchor="middle" className="ev-axis-label zoom-label">
                linear zoom: {sizeShort(z.hi - z.lo)}
              </text>
              <rect x={L} y={top} width={iw} height={ZH} className="iova-free" />
              {z.segs.map((i) => {
                const s = segs[i]!;
                const x0 = zx(s.lo);
                const w = Math.max(2, zx(s.hi) - x0);
                const sel = selected(s);
                const pick = () => onPick(s);
                return (
                  <g
                    key={i}
                    role="button"
                    tabIndex={0}
                    aria-label={segTitle(s)}
                    className={`iova-seg${s.changed ? ` changed-${s.changed}` : ''}${sel ? ' sel' : ''}`}
                    data-testid="iova-range"
                    data-lo={hexGrouped(s.lo)}
                    data-state={s.state}
                    onClick={pick}
                    onKeyDown={onKeyActivate(pick)}
                  >
                    <title>{segTitle(s)}</title>
                    <rect x={x0} y={top} width={w} height={ZH} className={s.state === 'allocated' || s.state === 'mapped' ? 'iova-unmapped' : `iova-${s.state}`} style={s.state === 'allocated' ? { fill: `url(#hatch-${d.id})` } : undefined} />
                    {s.mapped.map((m, j) => (
                      <rect key={j} x={zx(m.lo)} y={top} width={Math.max(1, zx(m.hi) - zx(m.lo))} height={ZH} className="iova-mapped" />
                    ))}
                    <rect x={x0} y={top} width={w} height={ZH} className="iova-outline" />
                    {w > 62 && (
                      <text x={x0 + 3} y={top + 16} className="ev-seg-label">
                        {hexGrouped(s.lo)}
                      </text>
                    )}
                  </g>
                );
              })}
              {zt.map((a, i) => (
                <g key={i} transform={`translate(${zx(a)},${top + ZH})`}>
                  <line y2={4} className="ev-tick" />
                  <text y={14} textAnchor={i === 0 ? 'start' : 'end'} className="ev-axis">
                    {hexGrouped(a)}
                  </text>
                </g>
              ))}
            </g>
          );
        })}
      </svg>
      <div className="legend">
        <span className="key">
          <span className="sw iova-key-mapped" aria-hidden="true" />
          allocated, mapped
        </span>
        <span className="key">
          <span className="sw iova-key-unmapped" aria-hidden="true" />
          allocated, no PTE (rounded-up tail, or unmapped and not yet freed)
        </span>
        <span className="key">
          <span className="sw iova-key-cached" aria-hidden="true" />
          freed to the rcache
        </span>
        <span className="key">
          <span className="sw iova-key-reserved" aria-hidden="true" />
          reserved
        </span>
      </div>
      <ul className="ev-iova-list" aria-label="IOVA ranges">
        {segs.map((s, i) => (
          <li key={i} className={`${s.changed ? `changed-${s.changed}` : ''}${selected(s) ? ' sel' : ''}`} data-testid="iova-row" data-lo={hexGrouped(s.lo)}>
            <span className="mono">{hexGrouped(s.lo)}</span>–<span className="mono">{hexGrouped(s.hi - 1)}</span> <span className="muted">{sizeShort(s.hi - s.lo)}</span> {SEG_WORDS[s.state]}
            {s.state === 'allocated' && s.mapped.length > 0 && s.mapped.reduce((n, m) => n + m.hi - m.lo, 0) < s.hi - s.lo && (
              <span className="muted"> · {sizeShort(s.mapped.reduce((n, m) => n + m.hi - m.lo, 0))} mapped</span>
            )}
            {s.state === 'allocated' && s.mapped.length === 0 && (
              <span className="muted"> · no PTE{d.type === 'DMA_FQ' && d.fqPending > 0 ? ': unmapped, held back until the flush queue flushes the IOTLB' : ''}</span>
            )}
            {s.changed && <span className={`badge ${s.changed === 'alloc' ? 'info' : 'neutral'}`}>{s.changed === 'alloc' ? 'allocated this step' : 'freed this step'}</span>}
          </li>
        ))}
        {segs.length === 0 && <li className="muted">{d.type === 'UNMANAGED' ? 'no mappings yet' : 'no IOVA allocated yet'}</li>}
      </ul>
    </div>
  );
}

// ---------------------------------------------------------------------------

function DomainPanel({ d, snap, config, events, width }: { d: IommuDomainDetail; snap: MachineSnapshot; config: MachineConfig | null; events: readonly SimEvent[] | undefined; width: number }) {
  const selection = useStore((s) => s.selection);
  const select = useSelect();
  const step = useMemo(() => stepIommu(events, d.name), [events, d.name]);
  const { root, startLevel } = useMemo(() => buildPtTree(d.entries, step.walks), [d.entries, step.walks]);
  const range = resolveSelection(snap, selection).range;
  const rows = useMemo(() => ptRows(root, step.walks.map((w) => w.levels), (e) => overlaps(range, e.phys, e.size)), [root, step.walks, range?.start, range?.end]);
  const granule = granuleOf(d, config);
  const fmt = ptFormatOf(config?.arch);
  const limit = domainLimit(d, snap, config);
  const segs = useMemo(() => iovaSegments(d, granule, step), [d, granule, step]);
  const pickPhys = (phys: number, iova?: number) => {
    const hit = bufferAt(snap, phys);
    const at = iova !== undefined ? { iova } : {};
    select(hit ? { addr: phys, buffer: hit.buffer.name, ...at } : { addr: phys, ...at });
  };
  const pickSeg = (s: IovaSeg) => {
    const m = s.mapped[0];
    if (m) return pickPhys(m.phys, m.lo);
    const rec = snap.mappings.find((r) => r.addr >= s.lo && r.addr < s.hi);
    if (rec) pickPhys(rec.phys, rec.addr);
  };
  const twoCol = width >= 640;
  const iova = (w: number) => (d.type !== 'IDENTITY' ? <IovaSpace d={d} segs={segs} limit={limit} granule={granule} range={range} width={w} onPick={pickSeg} /> : null);
  return (
    <div className="ev-domain" id="iommu-domain-panel" role="tabpanel" aria-label={`IOMMU domain ${d.name}`} data-testid="iommu-domain" data-domain={d.name} data-type={d.type}>
      <div className="mv-facts ev-domain-facts">
        <b>{d.name}</b> · <span title={typeWords(d)}>{d.type}</span> · {contextBank(d, config) ?? unitWords(config)} · devices <b>{d.devices.join(', ') || 'none'}</b> · <b>{d.leaves}</b> lea{d.leaves === 1 ? 'f' : 'ves'} · granule {sizeShort(granule)}
        <div className="ev-type-words">{typeWords(d)}</div>
      </div>
      <FaultCallout step={step} d={d} events={events ?? []} startLevel={startLevel} config={config} />
      <div className={twoCol ? 'ev-cols' : 'ev-rows'}>
        <section aria-label="Page table">
          <div className="ev-sub">
            Page table <span className="muted">({PT_FORMAT_WORDS[fmt]}; present entries only)</span>
          </div>
          <WalkStrip step={step} startLevel={startLevel} />
          <PtTree d={d} rows={rows} startLevel={startLevel} range={range} onPick={(e) => pickPhys(e.phys, e.iova)} fmt={fmt} />
        </section>
        <section aria-label="IOTLB, flush queue and IOVA space">
          <Iotlb d={d} step={step} range={range} onPick={pickPhys} fmt={fmt} />
          <FlushQueue d={d} timeUs={snap.timeUs} step={step} />
          {twoCol && iova(Math.floor(((width - 12) * 1) / 2.3) - 4)}
        </section>
      </div>
      {!twoCol && iova(width)}
    </div>
  );
}

function IommuView({ frame }: ViewProps) {
  const snap = frame?.snapshot ?? null;
  const [box, width] = useWidth(700);
  const [picked, setPicked] = useState<string | null>(null);
  const events = frame?.json?.events;
  const touched = stepDomain(events);
  useEffect(() => {
    if (touched) setPicked(touched);
  }, [frame?.runId, frame?.step, touched]);
  if (!frame || !snap) return <NoSnapshot what="the IOMMU" />;
  const domains = snap.iommu;
  if (domains.length === 0) {
    return (
      <div className="mv ev" data-testid="iommu-view" data-step={frame.step}>
        <p className="mv-empty" data-testid="iommu-none">
          No system IOMMU in this machine: devices use dma-direct (DMA address = physical address, swiotlb when they cannot reach). Add <code>iommu(smmu, mode=strict)</code> and{' '}
          <code>device(…, iommu=smmu)</code> to see page tables, the IOTLB and the IOVA space.
        </p>
      </div>
    );
  }
  const active = domains.find((d) => d.name === picked) ?? domains[0]!;
  const faultDomains = new Set(iommuFaultDomains(events));
  return (
    <div className="mv ev" ref={box} data-testid="iommu-view" data-step={frame.step}>
      {domains.length > 1 && (
        <div className="seg-btns ev-domain-tabs" role="tablist" aria-label="IOMMU domains">
          {domains.map((d) => (
            <button key={d.id} type="button" role="tab" aria-selected={d === active} aria-controls="iommu-domain-panel" className={d === active ? 'on' : ''} onClick={() => setPicked(d.name)}>
              {d.name} <span className="muted">{d.type}</span>
              {faultDomains.has(d.name) && <span className="badge bad">fault</span>}
            </button>
          ))}
        </div>
      )}
      <DomainPanel d={active} snap={snap} config={frame.config} events={events} width={width} />
    </div>
  );
}

function iommuFaultDomains(events: readonly SimEvent[] | undefined): string[] {
  return (events ?? []).flatMap((e) => (e.kind === 'iommu_fault' ? [e.domain] : []));
}

// The view's tab (title, when it shows) is listed in ../views.ts, which loads this module on first open.
export default IommuView;
