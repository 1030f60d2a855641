/**
 * dma-buf sharing, per dma-buf: a graph exporter → dma-buf → attachments.
 * The exporter box names the device and buffer (static or dynamic, whether
 * it caches mappings); the dma-buf box the reservation lock holder, pins and
 * moves; each attachment its importer device (static or dynamic importer),
 * pins, and its mappings with direction, segments, whether the mapping is
 * the attachment's cached one (and the kernel-era rule that cached it) and
 * whether a move left it pointing at old pages. This step's operations are
 * marked where they happened: exporter called (with cache maintenance) vs
 * cached table returned (without), -EBUSY, move_notify delivered.
 */
import type { DmaBufView as DmaBuf } from '../../../sim/dma-buf/dma-buf.ts';
import type { MachineSnapshot } from '../../../sim/snapshot.ts';
import type { ViewProps } from '../registry.ts';
import { useStore } from '../../store/store.ts';
import { resolveSelection } from '../../viz/machine-lookup.ts';
import { cachedWhy, dirShort, dmaKind, dmabufStep, mapEra, opWords } from '../../viz/dmabuf.ts';
import type { DmaBufStep } from '../../viz/dmabuf.ts';
import { NoSnapshot, useSelect } from './common.tsx';
import './engine-views.css';
import { hexGrouped, sizeShort } from '../../../sim/format.ts';

type Attachment = DmaBuf['attachments'][number];

function AttachmentCard({ at, db, step, snap }: { at: Attachment; db: DmaBuf; step: DmaBufStep; snap: MachineSnapshot }) {
  const touched = step.touched.has(at.name);
  const notified = step.moveNotified.has(at.name);
  const exporter = step.exporterCalled.get(at.name);
  const cachedBack = step.cachedReturned.has(at.name);
  const asked = step.cachedReturned.get(at.name) ?? null;
  const refused = step.refused && step.refused.attachment === at.name ? step.refused : null;
  const mismatch = at.dynamic !== db.dynamic;
  return (
    <div className={`ev-att${touched ? ' touched' : ''}${refused ? ' refused' : ''}`} data-testid="dmabuf-attachment" data-attachment={at.name}>
      <div className="ev-att-head">
        <span>
          attachment <b>{at.name}</b> → importer <b>{at.dev}</b>
        </span>
        <span className="muted">{at.dynamic ? 'dynamic importer (gets move_notify)' : 'static importer (no move_notify)'}</span>
        {at.pins > 0 && <span className="badge info">pinned ×{at.pins}</span>}
        {mismatch && db.dynamic && !at.dynamic && db.pinned > 0 && <span className="badge neutral">exporter pinned for it</span>}
      </div>
      <div className="ev-att-step">
        {exporter && (
          <span className="badge good" data-testid="dmabuf-exporter-called">
            {exporter === 'map' ? "exporter's map_dma_buf ran: dma_map_sgtable, with cache maintenance" : "exporter's unmap_dma_buf ran: dma_unmap_sgtable"}
          </span>
        )}
        {cachedBack && (
          <span className="badge warn" data-testid="dmabuf-cached-return">
            {asked && at.cached && asked !== at.cached.dir ? `asked ${dirShort(asked)}, got the cached ${dirShort(at.cached.dir)} table` : 'cached table returned'}: no exporter call, no cache maintenance
          </span>
        )}
        {notified && (
          <span className="badge info" data-testid="dmabuf-move-notify">
            ✉ move_notify delivered: re-map as soon as possible
          </span>
        )}
        {refused && (
          <span className="badge bad" data-testid="dmabuf-ebusy">
            map {refused.dir ? dirShort(refused.dir) : ''} refused: -EBUSY
          </span>
        )}
      </div>
      {at.mappings.length === 0 ? (
        <div className="muted small">not mapped</div>
      ) : (
        <ul className="ev-maps">
          {at.mappings.map((m, i) => {
            const isCached = at.cached !== null && at.cached.sgt === m.sgt;
            return (
              <li key={i} data-testid="dmabuf-mapping" data-dir={m.dir} data-cached={isCached ? 'true' : 'false'} className={isCached ? 'cached' : ''}>
                <span>
                  sg_table <b>{m.sgt}</b> · <span className="dir">{m.dir}</span>
                </span>
                {isCached && <span className="badge warn">cached{at.cached!.atAttach ? ' at attach' : ''}</span>}
                {m.stale && <span className="badge bad">stale: the buffer moved, this still points at the old pages</span>}
                <span className="mono muted small">{m.segments.map((s) => `${hexGrouped(s.dma)} +${sizeShort(s.len)}`).join(', ')}</span>
                {m.segments[0] && <span className="muted small">{dmaKind(m.segments[0].dma, at.dev, snap)}</span>}
                {isCached && (
                  <div className="ev-note" data-testid="dmabuf-cached-why">
                    {cachedWhy(at.cached!.atAttach, at.cached!.dir)}
                  </div>
                )}
              </li>
            );
          })}
        </ul>
      )}
      {refused && <div className="ev-note bad-text">{refused.rule}</div>}
    </div>
  );
}

function DmaBufGraph({ db, step, snap, selected, onSelectBuffer }: { db: DmaBuf; step: DmaBufStep; snap: MachineSnapshot; selected: boolean; onSelectBuffer: () => void }) {
  return (
    <section className={`ev-db${selected ? ' sel' : ''}`} aria-label={`dma-buf ${db.name}`} data-testid="dmabuf" data-name={db.name}>
      {step.refused && (
        <div className="callout ev-fault" role="alert" data-testid="dmabuf-refused">
          <b>
            dma_buf_map_attachment({step.refused.attachment ?? '?'}, {step.refused.dir ?? '?'}) → ERR_PTR(-EBUSY)
          </b>
          : {step.refused.rule}
        </div>
      )}
      <div className="ev-db-graph">
        <div className="ev-box exporter">
          <div className="k">exporter</div>
          <div>
            <b>{db.exporter}</b>
          </div>
          <button type="button" className="ev-link" onClick={onSelectBuffer} aria-label={`select buffer ${db.buffer}`}>
            buffer "{db.buffer}"
          </button>{' '}
          <span className="muted">{sizeShort(db.size)}</span>
          <div className="muted small">{db.dynamic ? 'dynamic: pin/unpin, may move' : 'static: never moves'}</div>
          {db.cacheSgt && <div className="muted small">cache_sgt_mapping</div>}
        </div>
        <div className="ev-edge" aria-hidden="true" />
        <div className={`ev-box dmabuf${step.moved ? ' touched' : ''}`}>
          <div className="k">dma-buf</div>
          <div>
            <b>{db.name}</b>
          </div>
          <div className={`small${step.lock ? ' flash-text' : ''}`} data-testid="dmabuf-lock">
            resv lock: {db.locked ? <b>held by the task</b> : <span className="muted">free</span>}
          </div>
          <div className="small muted">
            {db.pinned > 0 ? `pinned ×${db.pinned}` : 'not pinned'} · moved {db.moves}×
          </div>
          {step.moved && <div className="small warn-text">moved this step</div>}
        </div>
        <div className="ev-edge" aria-hidden="true" />
        <div className="ev-atts">
          {db.attachments.length === 0 ? (
            <div className="muted small ev-att none">no attachments</div>
          ) : (
            db.attachments.map((at) => <AttachmentCard key={at.name} at={at} db={db} step={step} snap={snap} />)
          )}
        </div>
      </div>
      {step.ops.length > 0 && (
        <ol className="ev-db-ops" aria-label="This step" data-testid="dmabuf-ops">
          {step.ops.map((o, i) => (
            <li key={i} title={`${o.fn}: ${o.rule}`}>
              <span className="mono">{o.op}</span>
              {o.attachment ? ` (${o.attachment}${o.dir ? `, ${dirShort(o.dir)}` : ''})` : o.dir ? ` (${dirShort(o.dir)})` : ''}: {opWords(o.op)}
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}

function DmaBufView({ frame }: ViewProps) {
  const snap = frame?.snapshot ?? null;
  const selection = useStore((s) => s.selection);
  const select = useSelect();
  if (!frame || !snap) return <NoSnapshot what="dma-buf sharing" />;
  const era = mapEra(snap.kernel);
  const sel = resolveSelection(snap, selection).buffer?.name;
  if (snap.dmaBufs.length === 0) {
    return (
      <div className="mv ev" data-testid="dmabuf-view" data-step={frame.step}>
        <p className="mv-empty" data-testid="dmabuf-none">
          No dma-buf yet. <code>dma_buf_export(dev, buf, size)</code> shares a buffer; importers join with <code>dma_buf_attach</code> / <code>dma_buf_dynamic_attach</code> and map it for their own device.
        </p>
        <p className="muted small">{era.text}</p>
      </div>
    );
  }
  return (
    <div className="mv ev" data-testid="dmabuf-view" data-step={frame.step}>
      <div className="ev-status" data-testid="dmabuf-era">
        Kernel {era.text}
      </div>
      {snap.dmaBufs.map((db) => (
        <DmaBufGraph key={db.name} db={db} step={dmabufStep(frame.json?.events, db.name, frame.json?.error ?? null)} snap={snap} selected={sel === db.buffer} onSelectBuffer={() => select({ buffer: db.buffer })} />
      ))}
    </div>
  );
}

// The view's tab (title, when it shows) is listed in ../views.ts, which loads this module on first open.
export default DmaBufView;
