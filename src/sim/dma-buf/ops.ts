/**
 * Scenario operations of dma-buf (dma_buf_export, dma_buf_attach,
 * dma_buf_map_attachment, …): the argument readers and name binding the
 * operation table (operations.ts) uses for dma-buf.ts, which mirrors
 * `drivers/dma-buf/dma-buf.c`.
 */
import type { Expr, KwArg } from '../command.ts';
import type { OpRun } from '../operation.ts';
import type { Machine } from '../machine.ts';
import { SimError, argDev, argDir, argInt, argName, argPtr } from '../args.ts';
import { dmaBufAttach, dmaBufExport, dmaBufMapAttachment, type DmaBuf, type DmaBufAttachment } from './dma-buf.ts';

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

/** A call that returns 0 or a status. */
export function dmaBufStatus(o: { result: number | null; resultKind: 'addr' | 'count' | 'status' | null }, v: number): void {
  o.result = v;
  o.resultKind = 'status';
}

export const dmaBufExportRun: OpRun<'exporter' | 'p' | 'size'> = (m, a, o, c) => {
  const exporter = argDev(m, a.exporter);
  const { buf, off } = argPtr(m, a.p);
  const opts = { dynamic: kwBool(c.kwargs, 'dynamic'), cacheSgt: kwBool(c.kwargs, 'cache_sgt'), gem: kwWord(c.kwargs, 'ops') === 'gem', syncCached: kwWord(c.kwargs, 'proposal') === 'sync_cached' };
  const db = dmaBufExport(m, exporter, buf, off, argInt(m, a.size, 'a size'), opts, c.targets[0] ?? '(dmabuf)', o);
  bindObj(m, c.targets[0], 'dmabuf', db ? db.id : -1);
};

/** dma_buf_attach and dma_buf_dynamic_attach. */
export function dmaBufAttachRun(dynamic: boolean): OpRun<'db' | 'dev'> {
  return (m, a, o, c) => {
    const at = dmaBufAttach(m, argDmaBuf(m, a.db), argDev(m, a.dev), dynamic, c.targets[0] ?? '(attachment)', o);
    bindObj(m, c.targets[0], 'attach', at ? at.id : -1);
  };
}

export const dmaBufMapAttachmentRun: OpRun<'at' | 'dir'> = (m, a, o, c) => {
  const sgt = dmaBufMapAttachment(m, argAttachment(m, a.at), argDir(a.dir), o);
  if (sgt && c.targets[0]) {
    if (sgt.name.includes(':sgt')) sgt.name = c.targets[0];
    m.names[c.targets[0]] = { t: 'sgt', id: sgt.id };
  }
};
