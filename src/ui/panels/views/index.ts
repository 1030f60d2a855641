/**
 * The machine views of this folder. (Every frame request carries the
 * selected buffer, so the frame brings its bytes three ways: engine.ts.)
 */
import { bytesView } from './BytesView.tsx';
import { cacheView } from './CacheView.tsx';
import { memoryMapView } from './MemoryMapView.tsx';
import { swiotlbView } from './SwiotlbView.tsx';

export const machineStateViews = [bytesView, cacheView, memoryMapView, swiotlbView];
