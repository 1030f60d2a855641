/** Scenario operations of dma-buf (dma_buf_export, dma_buf_attach, dma_buf_map_attachment, …). */
import type { OpTable } from '../handler.ts';

export const DMABUF_OPS: OpTable = {};
