// @vitest-environment happy-dom
/**
 * The IOMMU, GPU VM, CMA and dma-buf views render every step of every
 * library scenario (frames built from real runs, as the worker sends them)
 * without throwing, say why they are empty when the machine lacks their
 * part, and show the facts the e2e spec checks in the browser.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { act, cleanup, fireEvent, render, screen } from '@testing-library/react';
import type { Frame } from '../../src/worker/api.ts';
import type { ComponentType } from 'react';
import type { ViewProps } from '../../src/ui/panels/registry.ts';
import IommuView from '../../src/ui/panels/views/IommuView.tsx';
import GpuVmView from '../../src/ui/panels/views/GpuVmView.tsx';
import CmaView from '../../src/ui/panels/views/CmaView.tsx';
import DmaBufView from '../../src/ui/panels/views/DmaBufView.tsx';
import { useStore } from '../../src/ui/store/store.ts';
import { stepped } from './engine-fixtures.ts';

// happy-dom replaces URL, so the library is found from the project root (vitest's cwd).
const LIB = join(process.cwd(), 'src/scenario/library');
const library = (name: string) => readFileSync(join(LIB, `${name}.dma`), 'utf8');

type View = ComponentType<ViewProps>;

const VIEWS: View[] = [IommuView, GpuVmView, CmaView, DmaBufView];

function frames(name: string): Frame[] {
  const run = stepped(library(name));
  return run.snapshots.map((snapshot, k) => ({
    runId: 1,
    step: k,
    stepCount: run.steps.length,
    json: k === 0 ? null : run.steps[k - 1]!,
    omitted: { events: 0, lines: 0, dataBytes: 0 },
    config: run.config,
    snapshot,
  }));
}

function show(V: View, frame: Frame | null) {
  return render(<V frame={frame} summary={null} step={frame?.step ?? 0} />);
}

function stepWith(fs: Frame[], source: string, from = 0): Frame {
  const f = fs.find((x) => x.step > from && x.json?.source.includes(source));
  if (!f) throw new Error(`no step with ${source}`);
  return f;
}

afterEach(() => {
  cleanup();
  useStore.getState().setSelection({});
});

describe('every library scenario, every step', () => {
  const names = readdirSync(LIB)
    .filter((f) => f.endsWith('.dma'))
    .map((f) => f.replace(/\.dma$/, ''));
  for (const name of names) {
    it(name, () => {
      const fs = frames(name);
      for (const View of VIEWS) {
        const r = show(View, fs[0]!);
        for (const f of fs) r.rerender(<View frame={f} summary={null} step={f.step} />);
        r.unmount();
      }
    });
  }
  it('without a frame or a snapshot', () => {
    for (const view of VIEWS) {
      show(view, null).unmount();
      const f = frames('swiotlb-force')[1]!;
      show(view, { ...f, snapshot: null }).unmount();
    }
  });
});

describe('empty machines say why', () => {
  const f = frames('swiotlb-force').at(-1)!;
  it('no IOMMU, no GPU VM, no dma-buf', () => {
    show(IommuView, f);
    expect(screen.getByTestId('iommu-none').textContent).toMatch(/No system IOMMU/);
    cleanup();
    show(GpuVmView, f);
    expect(screen.getByTestId('gpu-none').textContent).toMatch(/own MMU/);
    cleanup();
    show(DmaBufView, f);
    expect(screen.getByTestId('dmabuf-none').textContent).toMatch(/No dma-buf/);
  });
});

describe('iommu-lazy-stale-iotlb', () => {
  const fs = frames('iommu-lazy-stale-iotlb');
  it('after the lazy unmap the IOTLB entry is stale, after the flush it is gone', () => {
    const unmap = stepWith(fs, 'dma_unmap_single(nic, h,');
    show(IommuView, unmap);
    const e = screen.getByTestId('iotlb-entry');
    expect(e.dataset.stale).toBe('true');
    expect(e.textContent).toMatch(/stale: the PTE is gone but the IOTLB still translates/);
    expect(screen.getByTestId('fq-pending').textContent).toBe('1');
    cleanup();
    show(IommuView, stepWith(fs, 'udelay(1)'));
    expect(screen.queryByTestId('iotlb-entry')).toBeNull();
    expect(screen.getByTestId('iommu-iotlb-empty').textContent).toMatch(/flushed this step/);
  });
  it('a fault is shown with its stage and the SMMU line', () => {
    show(IommuView, stepWith(fs, 'dev_read(nic, h2, 8)'));
    const c = screen.getByTestId('iommu-fault');
    expect(c.textContent).toMatch(/translation fault/);
    expect(c.textContent).toMatch(/Unhandled context fault/);
    expect(screen.getByTestId('iommu-pt-empty').textContent).toMatch(/empty/);
  });
  it('clicking a leaf selects its physical address, its buffer and its IOVA (what a share link carries)', () => {
    const f = stepWith(fs, 'dev_read(nic, h, 8)');
    show(IommuView, f);
    const pte = screen.getAllByTestId('iommu-pte').find((x) => x.dataset.iova === '0xffff_f000')!;
    act(() => fireEvent.click(pte));
    const sel = useStore.getState().selection;
    const leaf = f.snapshot!.iommu[0]!.entries.find((x) => x.iova === 0xfffff000)!;
    expect(sel).toEqual({ addr: leaf.phys, buffer: 'buf', iova: 0xfffff000 });
    expect(pte.className).toMatch(/\bsel\b/);
  });
});

describe('riscv-iommu-api-only', () => {
  const fs = frames('riscv-iommu-api-only');
  it('the domain is the RISC-V IOMMU\'s Sv39 table: no context bank, no MAIR tag, a prot of no flag shown R*, and the fault is riscv_iommu_fault\'s line', () => {
    show(IommuView, stepWith(fs, 'dev_read(gpu, 0x100000, 8)'));
    const panel = screen.getAllByTestId('iommu-domain').find((x) => x.dataset.domain === 'dom')!;
    expect(panel.textContent).toMatch(/RISC-V IOMMU, Sv39/);
    expect(panel.textContent).toMatch(/RISC-V IOMMU first stage, Sv39/);
    expect(panel.textContent).not.toMatch(/context bank|io-pgtable-arm/);
    expect(screen.queryAllByTestId('iommu-attr')).toEqual([]);
    expect(screen.getAllByTestId('iommu-pte')[0]!.textContent).toMatch(/R\*/);
    cleanup();
    show(IommuView, stepWith(fs, 'dev_write(gpu, 0x200000'));
    const c = screen.getByTestId('iommu-fault');
    expect(c.textContent).toMatch(/permission fault/);
    expect(c.textContent).toMatch(/Fault 15 devid: 0x0 iotval: 200000/);
  });
  it('the IOTLB entry of a replaced leaf is stale with the PTE still present: the note names the new page, not a cleared PTE', () => {
    const f = stepWith(fs, 'IOMMU_READ | IOMMU_WRITE)');
    show(IommuView, f);
    const dom = f.snapshot!.iommu.find((x) => x.name === 'dom')!;
    const leaf = dom.entries.find((x) => x.iova === 0x100000)!;
    const e = screen.getAllByTestId('iotlb-entry').find((x) => x.dataset.stale === 'true')!;
    expect(e.textContent).toContain(`stale: the PTE now maps 0x${leaf.phys.toString(16).replace(/(?=(?:[0-9a-f]{4})+$)(?!^)/g, '_')}, but the IOTLB still translates to the old page`);
    expect(e.textContent).not.toMatch(/the PTE is gone/);
  });
});

describe('gpu-two-stage-fault', () => {
  const fs = frames('gpu-two-stage-fault');
  it('marks the stage that faulted', () => {
    show(GpuVmView, stepWith(fs, 'gpu_read(vm, 0x2001000, 4)'));
    expect(screen.getByTestId('gpu-walk').dataset.faultedStage).toBe('gpu-mmu');
    expect(screen.getByTestId('gpu-stage1').dataset.fault).toBe('true');
    cleanup();
    show(GpuVmView, stepWith(fs, 'gpu_read(vm, 0x2000000, 6)', stepWith(fs, 'dma_unmap_sg(gpu,').step));
    expect(screen.getByTestId('gpu-walk').dataset.faultedStage).toBe('iommu');
    expect(screen.getByTestId('gpu-stage2').dataset.fault).toBe('true');
    expect(screen.getByTestId('gpu-chain-broken')).toBeTruthy();
  });
});

describe('dmabuf-busy-direction-5.10', () => {
  const fs = frames('dmabuf-busy-direction-5.10');
  it('shows the cached mapping, its direction and the -EBUSY', () => {
    show(DmaBufView, stepWith(fs, 'rx = dma_buf_map_attachment'));
    const m = screen.getByTestId('dmabuf-mapping');
    expect(m.dataset.cached).toBe('true');
    expect(m.dataset.dir).toBe('DMA_TO_DEVICE');
    expect(screen.getByTestId('dmabuf-cached-why').textContent).toMatch(/cache_sgt_mapping/);
    expect(screen.getByTestId('dmabuf-refused').textContent).toMatch(/-EBUSY/);
  });
});
