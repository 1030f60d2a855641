/**
 * Bytes, three ways: one buffer's bytes as the CPU sees them through its
 * cache, as RAM holds them, and as each device with a live mapping reads them
 * (at its DMA address, or in its swiotlb bounce slot), 16 bytes a group,
 * column-aligned; bytes that differ from the CPU's view are marked, the cache
 * line under each byte is drawn below the group (D dirty, C clean, dashed: not
 * cached), and a verdict says why views disagree. The heart of the explorer.
 *
 * The buffer: the selected one, else the one the current step names, else the
 * last one shown. The frame brings its bytes; another buffer or a later 4 KiB
 * page is asked for with engineClient().bytes().
 */
import { Fragment, useEffect, useMemo, useRef, useState } from 'react';
import type { BufferBytes } from '../../../worker/api.ts';
import type { BufferInfo } from '../../../sim/snapshot.ts';
import type { ViewProps } from '../registry.ts';
import { engineClient } from '../../engine.ts';
import { useStore } from '../../store/store.ts';
import { GROUP, diffStats, hexLayout } from '../../viz/bytes.ts';
import type { HexGroup, HexItem } from '../../viz/bytes.ts';
import { physOf } from '../../viz/machine-lookup.ts';
import { Key, NoSnapshot, useSelect } from './common.tsx';
import { hexGrouped, sizeShort } from '../../../sim/format.ts';
import { OWN_COHERENT, OWN_CPU, OWN_CPU_MAPPED, OWN_DEVICE, OWN_NONE, OWN_WORDS } from '../../../worker/lanes.ts';

const PAGE = 4096;
const MAX_GROUPS = 64;

const STATE_WORD = { I: 'not cached', C: 'clean', D: 'dirty' } as const;

function Group({ g, lineSize, selLine, selAddr, onLine, onByte }: { g: HexGroup; lineSize: number; selLine?: number; selAddr?: number; onLine: (line: number) => void; onByte: (addr: number) => void }) {
  return (
    <>
      {g.rows.map((r, ri) => (
        <Fragment key={ri}>
          <span className={`off${ri === 0 && selAddr !== undefined && g.phys !== null && selAddr >= g.phys && selAddr < g.phys + g.len ? ' sel' : ''}`} title={g.phys !== null ? `buffer offset +${hexGrouped(g.offset)}, physical ${hexGrouped(g.phys)}` : undefined}>
            {ri === 0 ? `+${g.offset.toString(16).padStart(3, '0')}` : ri === 1 && g.phys !== null ? hexGrouped(g.phys) : ''}
          </span>
          <span className={`who ${r.kind}`} title={`${r.who}: ${r.via}`}>
            {r.kind === 'dev' ? `${r.who} sees` : r.kind === 'cpu' ? 'CPU sees' : 'RAM holds'}
          </span>
          <span className="bytes" data-row={r.kind} data-who={r.who}>
            {r.hex.map((h, i) => {
              const addr = g.phys === null ? null : g.phys + i;
              const cls = ['b'];
              if (r.diff[i]) cls.push('d');
              else if (h === '00') cls.push('zero');
              if (r.absent[i]) cls.push('absent');
              if (addr !== null && addr === selAddr) cls.push('selb');
              return (
                <span
                  key={i}
                  className={cls.join(' ')}
                  onClick={addr !== null ? () => onByte(addr) : undefined}
                  title={r.absent[i] ? `${r.who}'s mapping does not cover this byte` : r.diff[i] ? `${r.who}: ${h}, the CPU sees ${g.rows[0]!.hex[i]}` : undefined}
                >
                  {h}
                </span>
              );
            })}
          </span>
          <span className="ascii" data-ascii={r.kind}>
            {r.diff.some(Boolean)
              ? [...r.ascii].map((c, i) => (r.diff[i] ? <span key={i} className="d">{c}</span> : c))
              : r.ascii}
          </span>
        </Fragment>
      ))}
      <span className="off" />
      <span className="who">cache line</span>
      <span className="lines">
        {g.segments.map((s, i) => (
          <span
            key={i}
            className={`seg ${s.state}${s.line !== null && s.line === selLine ? ' selseg' : ''}`}
            style={{ gridColumn: `${s.from + 1} / ${s.to + 1}` }}
            title={`${s.line !== null ? `line ${hexGrouped(s.line)} (${lineSize} B)` : 'line'}: ${STATE_WORD[s.state]} in the CPU cache`}
            onClick={s.line !== null ? () => onLine(s.line!) : undefined}
          >
            {s.to - s.from >= 4 ? `${s.state === 'I' ? 'not cached' : STATE_WORD[s.state]}${s.to - s.from >= 12 && s.line !== null ? ` ${hexGrouped(s.line)}` : ''}` : s.state}
          </span>
        ))}
      </span>
      <span />
      {g.verdict && <span className={`verdict ${g.verdict.tone}`}>⚠ {g.verdict.text}</span>}
      <span className="g-sep" />
    </>
  );
}

function Items({ items, lineSize, all, selLine, selAddr, onLine, onByte }: { items: HexItem[]; lineSize: number; all: boolean; selLine?: number; selAddr?: number; onLine: (l: number) => void; onByte: (a: number) => void }) {
  let groups = 0;
  const out = [];
  for (const it of items) {
    if (it.kind === 'gap') {
      out.push(
        <span key={`gap${it.offset}`} className="gap">
          +{it.offset.toString(16)} … +{(it.offset + it.len - 1).toString(16)} ({sizeShort(it.len)}): {it.note}
        </span>,
      );
      continue;
    }
    if (!all && ++groups > MAX_GROUPS) break;
    out.push(<Group key={it.offset} g={it} lineSize={lineSize} selLine={selLine} selAddr={selAddr} onLine={onLine} onByte={onByte} />);
  }
  return <>{out}</>;
}

function BufferFacts({ b, data, owner }: { b: BufferInfo; data: BufferBytes; owner: string }) {
  const phys = b.pieces.length === 1 ? `phys ${hexGrouped(b.pieces[0]!.phys)}` : `${b.pieces.length} physical pieces`;
  return (
    <div className="dev-list" data-testid="bytes-facts">
      <span>
        <b>{b.name}</b>: {b.kind}, {sizeShort(b.size)}, {phys}
        {b.uncached ? ', CPU uses an uncached alias' : ''}
      </span>
      <span>
        owner: <b>{owner}</b>
      </span>
      {data.devices.map(({ who, via, mapping: w }, i) => (
        <span key={i} title={via} data-testid="bytes-mapping" data-dev={who}>
          <b>{who}</b> {w.api} {w.dir} at {hexGrouped(w.addr)}
          {w.tlbAddr >= 0 ? ` (bounce slot ${hexGrouped(w.tlbAddr)})` : ''} · {w.owner === 'device' ? 'device owns it' : 'given back to the CPU'}
        </span>
      ))}
      {data.devices.length === 0 && <span>no device has it mapped</span>}
    </div>
  );
}

function BytesView({ frame }: ViewProps) {
  const selection = useStore((s) => s.selection);
  const select = useSelect();
  const setSelection = useStore((s) => s.setSelection);
  const snap = frame?.snapshot ?? null;
  const sticky = useRef<string | null>(null);
  const [page, setPage] = useState(0);
  const [all, setAll] = useState(false);
  const [fold, setFold] = useState(true);
  const [fetched, setFetched] = useState<{ key: string; data: BufferBytes | null } | null>(null);

  const buffers = snap?.buffers ?? [];
  const selected = selection.buffer;
  let name: string | null = selected ?? frame?.focus ?? sticky.current ?? buffers[0]?.name ?? null;
  if (name !== null && !buffers.some((b) => b.name === name) && !(frame?.bytes && frame.bytes.buffer === name)) {
    // A buffer that is gone (freed): fall back to the step's, or the first live one.
    name = frame?.focus ?? buffers[0]?.name ?? null;
  }
  const buffer = buffers.find((b) => b.name === name) ?? null;
  const offset = buffer && buffer.size > PAGE ? Math.min(page, Math.floor((buffer.size - 1) / PAGE)) * PAGE : 0;
  const key = `${frame?.runId}:${frame?.step}:${name}:${offset}`;
  const inFrame = frame?.bytes && frame.bytes.buffer === name && frame.bytes.offset === offset ? frame.bytes : null;

  useEffect(() => {
    if (!frame || !name || inFrame || fetched?.key === key) return;
    let live = true;
    engineClient()
      .bytes(frame.step, name, offset)
      .then((d) => {
        if (live) setFetched({ key, data: d });
      })
      .catch(() => {
        if (live) setFetched({ key, data: null });
      });
    return () => {
      live = false;
    };
  }, [key, inFrame, frame, name, offset, fetched?.key]);

  useEffect(() => {
    setPage(0);
  }, [name]);

  // What to show: this step's bytes; while another buffer's bytes are on their way, the last ones (dimmed).
  const last = useRef<BufferBytes | null>(null);
  const data = inFrame ?? (fetched?.key === key ? fetched.data : null);
  if (data) last.current = data;
  const shown = data ?? (last.current && last.current.buffer === name ? last.current : null);
  if (name) sticky.current = name;

  const lineSize = snap?.cache.line ?? 64;
  const items = useMemo(() => {
    if (!shown) return [];
    const b = buffers.find((x) => x.name === shown.buffer);
    const coverage = shown.devices.map(({ mapping: w }) => (i: number) => i >= w.from && i < w.to);
    return hexLayout(shown, (off) => (b ? physOf(b, off) : null), lineSize, { fold, coverage });
  }, [shown, buffers, lineSize, fold]);
  const stats = useMemo(() => diffStats(items), [items]);

  if (!frame) return <NoSnapshot what="the bytes" />;
  if (!snap) return <NoSnapshot what="the bytes" />;
  if (buffers.length === 0 && !shown) {
    return (
      <div className="mv" data-testid="bytes-view" data-step={frame.step}>
        <p className="mv-empty">No live buffers at this step. Allocate one (kmalloc, dma_alloc_coherent…) and its bytes show here, as the CPU, RAM and each device see them.</p>
      </div>
    );
  }
  const owner = OWN_WORDS[(() => {
    if (!buffer) return OWN_NONE;
    const maps = snap.mappings.filter((r) => r.bufId === buffer.id);
    if (maps.length === 0) return OWN_CPU;
    if (maps.some((r) => r.api === 'coherent')) return OWN_COHERENT;
    return maps.some((r) => r.owner === 'device') ? OWN_DEVICE : OWN_CPU_MAPPED;
  })()].name;
  const pages = buffer ? Math.ceil(buffer.size / PAGE) : 1;
  const why = selected !== undefined ? 'selected' : frame.focus === name ? 'named by this step' : 'last shown';

  return (
    <div className="mv" data-testid="bytes-view" data-step={frame.step} data-frame-ms={frame.ms?.toFixed(1)} data-buffer={name ?? ''}>
      <div className="mv-head">
        <label>
          Buffer
          {buffers.length <= 400 ? (
            <select
              value={name ?? ''}
              onChange={(e) => setSelection({ buffer: e.target.value })}
              aria-label="Buffer to show"
              data-testid="bytes-buffer"
            >
              {buffers.map((b) => (
                <option key={b.id} value={b.name}>
                  {b.name} ({sizeShort(b.size)})
                </option>
              ))}
              {name && !buffers.some((b) => b.name === name) && <option value={name}>{name} (freed)</option>}
            </select>
          ) : (
            <>
              <input
                key={name ?? ''}
                list="bytes-buffers"
                defaultValue={name ?? ''}
                aria-label="Buffer to show (type a name, Enter)"
                title="Type a buffer name and press Enter"
                data-testid="bytes-buffer"
                onChange={(e) => buffers.some((b) => b.name === e.target.value) && setSelection({ buffer: e.target.value })}
                onKeyDown={(e) => {
                  if (e.key === 'Enter' && e.currentTarget.value.trim()) setSelection({ buffer: e.currentTarget.value.trim() });
                }}
              />
              <datalist id="bytes-buffers">
                {buffers.slice(0, 300).map((b) => (
                  <option key={b.id} value={b.name} />
                ))}
              </datalist>
            </>
          )}
        </label>
        <span className="muted small">{why}</span>
        {selected !== undefined && (
          <button type="button" className="small-btn" onClick={() => setSelection({})} title="Clear the selection: show the buffer each step names">
            Follow the step
          </button>
        )}
        {pages > 1 && (
          <span className="seg-btns" aria-label="4 KiB page of the buffer">
            <button type="button" disabled={offset === 0} onClick={() => setPage(offset / PAGE - 1)} aria-label="Previous 4 KiB">
              ‹
            </button>
            <button type="button" disabled>
              +{offset.toString(16)}…+{Math.min(buffer!.size, offset + PAGE).toString(16)}
            </button>
            <button type="button" disabled={offset / PAGE >= pages - 1} onClick={() => setPage(offset / PAGE + 1)} aria-label="Next 4 KiB">
              ›
            </button>
          </span>
        )}
        <span className="grow" />
        <label title="Fold runs of identical, uninteresting 16-byte groups (like hexdump's *)">
          <input type="checkbox" checked={fold} onChange={(e) => setFold(e.target.checked)} /> fold
        </label>
      </div>
      {buffer && shown && <BufferFacts b={buffer} data={shown} owner={owner} />}
      <div className="mv-head bytes-sum-row">
        <span className="bytes-sum" aria-live="polite" data-testid="bytes-summary">
          {stats.differing > 0 ? (
            <span className="bad-text">
              {stats.differing} group{stats.differing === 1 ? '' : 's'} where the views disagree
              {stats.staleBytes > 0 ? ` · ${stats.staleBytes} byte${stats.staleBytes === 1 ? '' : 's'} stale in the CPU cache` : ''}
              {stats.dirtyBytes > 0 ? ` · ${stats.dirtyBytes} dirty byte${stats.dirtyBytes === 1 ? '' : 's'} not yet in RAM` : ''}
            </span>
          ) : shown ? (
            <span className="muted">CPU, RAM{shown.devices.length ? ' and every device' : ''} agree on these bytes.</span>
          ) : (
            <span className="muted">Reading the bytes…</span>
          )}
        </span>
        <span className="grow" />
        <span className="legend" aria-label="Legend">
          <Key cls="diff" title="This byte differs from what the CPU sees">differs from CPU</Key>
          <Key cls="dirty" mark="D" title="Cache line holds bytes the CPU wrote that RAM does not have yet">dirty</Key>
          <Key cls="clean" mark="C" title="Cache line matches what RAM held when it was filled or cleaned">clean</Key>
          <Key cls="invalid" title="Not in the cache: the CPU reads RAM">not cached</Key>
          <Key cls="sel" title="The selection, shared with the other views">selected</Key>
        </span>
      </div>
      <div className={`hex${data ? '' : ' stale'}`} data-testid="hex" style={data ? undefined : { opacity: 0.55 }}>
        <Items
          items={items}
          lineSize={lineSize}
          all={all}
          selLine={selection.line}
          selAddr={selection.addr}
          onLine={(line) => select({ buffer: name ?? undefined, line })}
          onByte={(addr) => select({ buffer: name ?? undefined, addr })}
        />
      </div>
      {stats.groups > MAX_GROUPS && !all && (
        <button type="button" className="small-btn" onClick={() => setAll(true)}>
          Show all {stats.groups} groups
        </button>
      )}
      {shown && shown.len < (buffer?.size ?? 0) - offset && pages === 1 && <p className="muted small">Showing the first {shown.len} bytes.</p>}
      <p className="muted small">
        {GROUP} bytes a group. Rows: what the CPU reads (through its cache), what RAM holds, what each device would read through its mapping. Click a byte or a cache line to select it in the other views.
      </p>
    </div>
  );
}

// The view's tab (title, when it shows) is listed in ../views.ts, which loads this module on first open.
export default BytesView;
