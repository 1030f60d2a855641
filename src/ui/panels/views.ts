/**
 * The machine views shown in the tabbed area, in one list. Add a view here.
 * (The machine's settings table is not a view: it opens from the header, MachineButton.tsx.)
 *
 * The diagram opens first, so it is in the first bundle; every other view is
 * its own chunk, loaded when its tab first opens (ViewsArea shows "Loading
 * view…" meanwhile), so the page's initial JavaScript stays small.
 */
import { lazy } from 'react';
import { registerView, usesOps } from './registry.ts';
import { machineDiagramView } from './views/MachineDiagram.tsx';

registerView(machineDiagramView);
registerView({ id: 'bytes', title: 'Bytes, three ways', order: 5, component: lazy(() => import('./views/BytesView.tsx')) });
registerView({ id: 'cache', title: 'Cache', order: 10, component: lazy(() => import('./views/CacheView.tsx')) });
registerView({ id: 'memmap', title: 'Memory map', order: 20, component: lazy(() => import('./views/MemoryMapView.tsx')) });
registerView({ id: 'swiotlb', title: 'swiotlb', order: 30, component: lazy(() => import('./views/SwiotlbView.tsx')) });
registerView({
  id: 'iommu',
  title: 'IOMMU',
  order: 40,
  component: lazy(() => import('./views/IommuView.tsx')),
  when: (s) => (s?.config?.iommus.length ?? 1) > 0 || usesOps(s, 'iommu_'),
});
registerView({
  id: 'gpuvm',
  title: 'GPU VM',
  order: 45,
  component: lazy(() => import('./views/GpuVmView.tsx')),
  when: (s) => (s?.config?.devices.some((d) => d.mmu) ?? true) || usesOps(s, 'gpu_'),
});
registerView({
  id: 'cma',
  title: 'CMA',
  order: 50,
  component: lazy(() => import('./views/CmaView.tsx')),
  when: (s) => usesOps(s, 'alloc_movable', 'dma_alloc_from_contiguous', 'pin_pages', 'dma_alloc_coherent', 'dma_alloc_noncoherent'),
});
registerView({ id: 'dmabuf', title: 'dma-buf', order: 60, component: lazy(() => import('./views/DmaBufView.tsx')), when: (s) => usesOps(s, 'dma_buf_', 'dma_resv_') });
registerView({ id: 'json', title: 'Step JSON', order: 90, component: lazy(() => import('./StepJsonView.tsx')) });
