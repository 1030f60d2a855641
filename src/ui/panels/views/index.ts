/**
 * The machine views of this folder, and the one link they need to the
 * worker: every frame request carries the selected buffer, so the frame
 * brings that buffer's bytes three ways (no second round trip per step).
 */
import { engineClient } from '../../engine.ts';
import { useStore } from '../../store/store.ts';
import { bytesView } from './BytesView.tsx';
import { cacheView } from './CacheView.tsx';
import { memoryMapView } from './MemoryMapView.tsx';
import { swiotlbView } from './SwiotlbView.tsx';

export const machineStateViews = [bytesView, cacheView, memoryMapView, swiotlbView];

let synced = false;
/** Keeps the client's frame defaults in step with the selection (once per page). */
export function syncSelectionToEngine(): void {
  if (synced) return;
  synced = true;
  const apply = (buffer: string | undefined) => engineClient().setFrameDefaults(buffer !== undefined ? { buffer } : {});
  apply(useStore.getState().selection.buffer);
  useStore.subscribe((s, prev) => {
    if (s.selection.buffer === prev.selection.buffer) return;
    apply(s.selection.buffer);
    // A buffer the frame on screen left out (machines with thousands): fetch this step again with it.
    const want = s.selection.buffer;
    const f = s.frame;
    if (want === undefined || !f?.snapshot || f.snapshot.buffers.some((b) => b.name === want)) return;
    void engineClient()
      .frame(f.step)
      .then((next) => {
        const now = useStore.getState();
        if (now.frame === f && next.runId === f.runId && now.selection.buffer === want) now.setFrame(next);
      })
      .catch(() => undefined);
  });
}
