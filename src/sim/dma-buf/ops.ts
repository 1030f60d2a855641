/**
 * Scenario operations of dma-buf (dma_buf_export, dma_buf_attach,
 * dma_buf_map_attachment, …): argument reading and name binding for
 * dma-buf.ts, which mirrors `drivers/dma-buf/dma-buf.c`.
 */
import type { Expr, KwArg } from '../command.ts';
import type { Handler, OpTable } from '../handler.ts';
import type { Machine } from '../machine.ts';
import { SimError, argDev, argDir, argInt, argName, argPtr, argSgt } from '../args.ts';
import {
  dmaBufAttach,
  dmaBufCpuAccess,
  dmaBufDetach,
  dmaBufExport,
  dmaBufMapAttachment,
  dmaBufMove,
  dmaBufPin,
  dmaBufUnmapAttachment,
  dmaBufUnpin,
  dmaResvLock,
  dmaResvUnlock,
  type DmaBuf,
  type DmaBufAttachment,
} from './dma-buf.ts';

export function argDmaBuf(m: Machine, e: Expr | undefined): DmaBuf {
  const name = argName(e, 'a dma-buf');
  const v = m.names[name];
  if (v?.t === 'obj' && v.kind === 'dmabuf' && v.id >= 0) return m.dmaBufs[v.id]!;
  if (v?.t === 'obj' && v.kind === 'dmabuf') throw new SimError(`'${name}' is not a dma-buf: its dma_buf_export failed`, e!.loc);
  throw new SimError(`'${name}' is not a dma-buf`, e!.loc);
}

export function argAttachment(m: Machine, e: Expr | undefined): DmaBufAttachment {
  const name = argName(e, 'a dma-buf attachment');
  const v = m.names[name];
  if (v?.t === 'obj' && v.kind === 'attach' && v.id >= 0) return m.dmaBufAttachments[v.id]!;
  if (v?.t === 'obj' && v.kind === 'attach') throw new SimError(`'${name}' is not an attachment: its attach failed`, e!.loc);
  throw new SimError(`'${name}' is not a dma-buf attachment`, e!.loc);
}

function kwBool(kwargs: readonly KwArg[], key: string): boolean {
  const kv = kwargs.find((k) => k.key === key);
  if (!kv) return false;
  if (kv.value.k === 'name' && (kv.value.name === 'true' || kv.value.name === 'false')) return kv.value.name === 'true';
  throw new SimError(`${key}= must be true or false`, kv.value.loc);
}

/** A name or string option (`ops=gem`, `proposal="sync_cached"`), '' when absent. */
function kwWord(kwargs: readonly KwArg[], key: string): string {
  const kv = kwargs.find((k) => k.key === key);
  if (!kv) return '';
  return kv.value.k === 'name' ? kv.value.name : kv.value.k === 'str' ? kv.value.text : '';
}

function bindObj(m: Machine, target: string | undefined, kind: 'dmabuf' | 'attach', id: number): void {
  if (target) m.names[target] = { t: 'obj', kind, id };
}

function status(o: { result: number | null; resultKind: 'addr' | 'count' | 'status' | null }, v: number): void {
  o.result = v;
  o.resultKind = 'status';
}

const exportOp: Handler = (m, c, o) => {
  const exporter = argDev(m, c.args[0]);
  const { buf, off } = argPtr(m, c.args[1]);
  const opts = { dynamic: kwBool(c.kwargs, 'dynamic'), cacheSgt: kwBool(c.kwargs, 'cache_sgt'), gem: kwWord(c.kwargs, 'ops') === 'gem', syncCached: kwWord(c.kwargs, 'proposal') === 'sync_cached' };
  const db = dmaBufExport(m, exporter, buf, off, argInt(m, c.args[2], 'a size'), opts, c.targets[0] ?? '(dmabuf)', o);
  bindObj(m, c.targets[0], 'dmabuf', db ? db.id : -1);
};

function attachOp(dynamic: boolean): Handler {
  return (m, c, o) => {
    const at = dmaBufAttach(m, argDmaBuf(m, c.args[0]), argDev(m, c.args[1]), dynamic, c.targets[0] ?? '(attachment)', o);
    bindObj(m, c.targets[0], 'attach', at ? at.id : -1);
  };
}

const mapOp: Handler = (m, c, o) => {
  const sgt = dmaBufMapAttachment(m, argAttachment(m, c.args[0]), argDir(c.args[1]), o);
  if (sgt && c.targets[0]) {
    if (sgt.name.includes(':sgt')) sgt.name = c.targets[0];
    m.names[c.targets[0]] = { t: 'sgt', id: sgt.id };
  }
};

export const DMABUF_OPS: OpTable = {
  dma_buf_export: exportOp,
  dma_buf_attach: attachOp(false),
  dma_buf_dynamic_attach: attachOp(true),
  dma_buf_detach: (m, c, o) => dmaBufDetach(m, argDmaBuf(m, c.args[0]), argAttachment(m, c.args[1]), o),
  dma_buf_map_attachment: mapOp,
  dma_buf_unmap_attachment: (m, c, o) => dmaBufUnmapAttachment(m, argAttachment(m, c.args[0]), argSgt(m, c.args[1]), argDir(c.args[2]), o),
  dma_buf_pin: (m, c, o) => status(o, dmaBufPin(m, argAttachment(m, c.args[0]), o)),
  dma_buf_unpin: (m, c, o) => dmaBufUnpin(m, argAttachment(m, c.args[0]), o),
  dma_buf_move: (m, c, o) => {
    const r = dmaBufMove(m, argDmaBuf(m, c.args[0]), o);
    if (r) status(o, r);
  },
  dma_resv_lock: (m, c, o) => status(o, dmaResvLock(m, argDmaBuf(m, c.args[0]), o)),
  dma_resv_unlock: (m, c, o) => dmaResvUnlock(m, argDmaBuf(m, c.args[0]), o),
  dma_buf_begin_cpu_access: (m, c, o) => status(o, dmaBufCpuAccess(m, argDmaBuf(m, c.args[0]), argDir(c.args[1]), true, o)),
  dma_buf_end_cpu_access: (m, c, o) => status(o, dmaBufCpuAccess(m, argDmaBuf(m, c.args[0]), argDir(c.args[1]), false, o)),
};
