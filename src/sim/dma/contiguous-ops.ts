/** Scenario operations of CMA (dma_alloc_from_contiguous, alloc_movable, pin_pages, …). */
import type { OpTable } from '../handler.ts';

export const CMA_OPS: OpTable = {};
