/**
 * Compare mode: the same scenario under two machine settings, side by side.
 *
 *   head:     A settings  vs  B settings · "N of M steps differ" · ◀ ▶ difference · Exit
 *   timeline: one row per step, aligned: source, A's badges, B's badges, "differs"
 *   strip:    the current statement and what differs at it
 *   sides:    A's and B's explanation (or machine diagram) of the current step
 *
 * Side A is the main run (the header's "Run as" settings), side B runs in a
 * second worker (compareEngine.ts). The step controls and their keys step
 * both sides together; `d` / `Shift+D` go to the next / previous difference,
 * Esc leaves compare mode.
 */
import { useEffect, useMemo, useRef, useState } from 'react';
import type { ReactNode } from 'react';
import type { Frame, LoadSummary, StepInfo } from '../../worker/api.ts';
import { eventTone, opExplain } from '../describe.ts';
import { useStore } from '../store/store.ts';
import { MachineDiagram } from '../panels/views/MachineDiagram.tsx';
import { StepChecks, StepResult } from '../panels/StepDetail.tsx';
import { StepBadges, stepListStyle, useClientHeight } from '../panels/StepRows.tsx';
import { useCompare } from './compareStore.ts';
import { startCompareSync } from './compareEngine.ts';
import Narration from '../lesson/Narration.tsx';
import MachineSettings from './MachineSettings.tsx';
import { FIELD_LABEL, countDifferences, diffStepJson, differs, nextDifference, prevDifference, type DiffField, type StepDiff } from './diff.ts';
import { headerFacts, settingsLabel } from './settings.ts';
import './compare.css';
import { sizeExact } from '../../sim/format.ts';
import { swiotlbPoolSize } from '../../sim/layout.ts';
import { describeEvent } from '../../scenario/event-words.ts';
import { scenarioHead } from '../editor/bigText.ts';

const ROW = 24;
const OVERSCAN = 6;

function goTo(step: number): void {
  const s = useStore.getState();
  s.setPlaying(false);
  s.setStep(step);
}

export function nextDiff(): void {
  const { step } = useStore.getState();
  const k = nextDifference(useCompare.getState().diffs, step);
  if (k === null) useStore.getState().setHint(`no difference after step ${step}`);
  else goTo(k);
}

export function prevDiff(): void {
  const { step } = useStore.getState();
  const k = prevDifference(useCompare.getState().diffs, step);
  if (k === null) useStore.getState().setHint(`no difference before step ${step}`);
  else goTo(k);
}

function isTyping(el: EventTarget | null): boolean {
  if (!(el instanceof Element)) return false;
  if (el.closest('.cm-editor')) return true;
  if (el instanceof HTMLTextAreaElement || el instanceof HTMLSelectElement) return true;
  if (el instanceof HTMLInputElement) return !['range', 'checkbox', 'radio', 'button', 'submit'].includes(el.type);
  return el instanceof HTMLElement && el.isContentEditable;
}

function useCompareKeys(): void {
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.isComposing) return;
      const st = useStore.getState();
      if (st.helpOpen || st.share) return;
      const typing = isTyping(e.target);
      if (e.key === 'Escape' && !typing) {
        e.preventDefault();
        useCompare.getState().closeCompare();
        return;
      }
      if (e.code !== 'KeyD' || (typing && !e.altKey)) return;
      e.preventDefault();
      if (e.shiftKey) prevDiff();
      else nextDiff();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
}

function MiniBadges({ s }: { s: StepInfo | undefined }) {
  if (!s) return <span className="cmp-mini muted">—</span>;
  return <StepBadges s={s} className="cmp-mini" titles={false} />;
}

function diffTitle(d: StepDiff | undefined): string {
  if (!d) return '';
  const parts: string[] = [];
  if (d.fields.length) parts.push(`differs: ${d.fields.map((f) => FIELD_LABEL[f]).join(', ')}`);
  if (d.eventsDiffer) parts.push('the machine did different work (cache maintenance, bounce, snoop…)');
  if (!d.exact) parts.push('(from the step counts; the full records are still being compared)');
  return parts.join('; ');
}

function CompareTimeline({ a, b, diffs, step }: { a: LoadSummary; b: LoadSummary | null; diffs: StepDiff[]; step: number }) {
  const box = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const height = useClientHeight(box, 240);
  const total = a.steps.length + 1;

  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const top = step * ROW;
    if (top < el.scrollTop) el.scrollTop = top;
    else if (top + ROW > el.scrollTop + el.clientHeight) el.scrollTop = top + ROW - el.clientHeight;
  }, [step, a, height]);

  const first = Math.max(0, Math.floor(scrollTop / ROW) - OVERSCAN);
  const last = Math.min(total, Math.ceil((scrollTop + height) / ROW) + OVERSCAN);
  const rows: ReactNode[] = [];
  for (let i = first; i < last; i++) {
    const sa = i === 0 ? null : a.steps.at(i - 1)!;
    const sb = i === 0 ? null : b?.steps.at(i - 1);
    const d = i === 0 ? undefined : diffs[i - 1];
    const dif = differs(d);
    rows.push(
      <li
        key={i}
        role="option"
        aria-selected={i === step}
        data-step={i}
        data-differs={dif || undefined}
        className={`cmp-row${i === step ? ' current' : ''}${dif ? ' differs' : ''}`}
        style={{ top: i * ROW }}
        onClick={() => goTo(i)}
        title={sa ? `step ${i}, line ${sa.line}: ${sa.source}${d ? `\n${diffTitle(d)}` : ''}` : 'step 0: the machines are built'}
      >
        <span className="tl-idx mono">{i}</span>
        <span className="tl-line mono">{sa ? `L${sa.line}` : ''}</span>
        <span className="tl-src mono">{sa ? sa.source : <span className="muted">machines built</span>}</span>
        <span className="cmp-col-a">{sa && <MiniBadges s={sa} />}</span>
        <span className="cmp-col-b">{sa && <MiniBadges s={sb ?? undefined} />}</span>
        <span className="cmp-col-d">
          {dif ? (
            <span className="badge cmp-differs" data-testid="differs-badge">
              ≠ differs
            </span>
          ) : d?.eventsDiffer ? (
            <span className="badge neutral cmp-work" title="same outcome, but the machine did different work (cache maintenance, bounce, snoop…)">events ≠</span>
          ) : null}
        </span>
      </li>,
    );
  }
  return (
    <div className="cmp-tl">
      <div className="cmp-tl-head" aria-hidden="true">
        <span className="tl-idx mono">#</span>
        <span className="tl-line mono" />
        <span className="tl-src">statement</span>
        <span className="cmp-col-a">A</span>
        <span className="cmp-col-b">B</span>
        <span className="cmp-col-d">outcome</span>
      </div>
      <div className="cmp-tl-scroll" ref={box} onScroll={(e) => setScrollTop(e.currentTarget.scrollTop)} data-testid="compare-timeline">
        <ul
          role="listbox"
          aria-label="Steps of both runs, aligned"
          className="tl-list"
          style={stepListStyle(total, a.steps.length > 0 ? a.steps.line(a.steps.length - 1) : 0, ROW)}
        >
          {rows}
        </ul>
      </div>
    </div>
  );
}

function Block({ on, children, label }: { on: boolean; children: ReactNode; label?: string }) {
  return (
    <div className={`cmp-block${on ? ' cmp-diff' : ''}`}>
      {on && <span className="cmp-diff-tag">differs{label ? `: ${label}` : ''}</span>}
      {children}
    </div>
  );
}

function SideDetail({ frame, fields, eventsDiffer }: { frame: Frame | null; fields: Set<DiffField>; eventsDiffer: boolean }) {
  if (!frame) return <p className="muted">Running…</p>;
  const json = frame.json;
  const cfg = frame.config;
  if (!json) {
    return cfg ? (
      <p>
        <b>{cfg.arch}</b>, kernel {cfg.kernel}, {sizeExact(cfg.ram)} RAM, {swiotlbPoolSize(cfg) ? `${sizeExact(cfg.swiotlb)} swiotlb` : 'no swiotlb'}
        {cfg.iommus.length ? `, IOMMU ${cfg.iommus.map((i) => `${i.name} (${i.mode})`).join(', ')}` : ''}. Devices:{' '}
        {cfg.devices.length === 0
          ? 'none'
          : cfg.devices.map((d, i) => (
              <span key={d.name}>
                {i ? ', ' : ''}
                <code>{d.name}</code> {cfg.arch === 'x86' || d.coherent ? 'coherent' : 'non-coherent'}
              </span>
            ))}
        .
      </p>
    ) : (
      <p className="muted">No machine.</p>
    );
  }
  const outcome = fields.has('result') || fields.has('error') || fields.has('data');
  return (
    <>
      <Block on={outcome} label={[...fields].filter((f) => f === 'result' || f === 'error' || f === 'data').map((f) => FIELD_LABEL[f]).join(', ')}>
        <StepResult json={json} maxHex={96} />
      </Block>
      {json.checks.length > 0 && (
        <Block on={fields.has('checks')} label="checks">
          <StepChecks checks={json.checks} />
        </Block>
      )}
      {(json.warnings.length > 0 || fields.has('warnings')) && (
        <Block on={fields.has('warnings')} label="kernel log">
          {!fields.has('warnings') && <h3 className="cmp-h">Kernel log</h3>}
          {json.warnings.length ? <pre className="dmesg mono">{json.warnings.join('\n')}</pre> : <p className="muted">nothing logged</p>}
        </Block>
      )}
      {(json.observations.length > 0 || fields.has('observations')) && (
        <Block on={fields.has('observations')} label="observed">
          {!fields.has('observations') && <h3 className="cmp-h">Observed</h3>}
          {json.observations.length ? (
            <ul className="observations">
              {json.observations.map((o, i) => (
                <li key={i}>{o}</li>
              ))}
            </ul>
          ) : (
            <p className="muted">nothing observed</p>
          )}
        </Block>
      )}
      <Block on={eventsDiffer} label="what happened (events)">
        {!eventsDiffer && <h3 className="cmp-h">What happened</h3>}
        {json.events.length === 0 ? (
          <p className="muted">No events.</p>
        ) : (
          <ol className="cmp-events">
            {json.events.map((e, i) => (
              <li key={i} className={eventTone(e) ?? ''}>
                {describeEvent(e)}
              </li>
            ))}
          </ol>
        )}
      </Block>
    </>
  );
}

function Side({ name, label, frame, summary, fields, eventsDiffer, running, errors, view, step }: {
  name: 'A' | 'B';
  label: string;
  frame: Frame | null;
  summary: LoadSummary | null;
  fields: Set<DiffField>;
  eventsDiffer: boolean;
  running: boolean;
  errors: { line: number; col: number; message: string }[];
  view: 'explain' | 'diagram';
  step: number;
}) {
  const cfg = frame?.config ?? summary?.config ?? null;
  return (
    <section className={`cmp-side cmp-side-${name.toLowerCase()}`} aria-label={`Side ${name}: ${label}`} data-testid={`compare-side-${name.toLowerCase()}`} data-step={frame?.step ?? -1}>
      <header className="head-bar cmp-side-head">
        <span className={`cmp-tag cmp-tag-${name.toLowerCase()}`}>{name}</span>
        <b className="mono">{cfg ? `${cfg.arch} · ${cfg.kernel}${cfg.iommus.length ? ` · ${cfg.iommus.map((i) => i.mode).join('/')}` : ''}` : label}</b>
        {running && <span className="muted small">running…</span>}
      </header>
      {errors.length > 0 && (
        <p className="bad-text small mono">
          {errors[0]!.line}:{errors[0]!.col}: {errors[0]!.message}
        </p>
      )}
      <div className="cmp-side-body">
        {view === 'diagram' ? (
          <MachineDiagram frame={frame} summary={summary} step={step} />
        ) : (
          <SideDetail frame={frame} fields={fields} eventsDiffer={eventsDiffer} />
        )}
      </div>
    </section>
  );
}

export default function ComparePanel() {
  const text = useStore((s) => s.text);
  const big = useStore((s) => s.big);
  const step = useStore((s) => s.step);
  const summaryA = useStore((s) => s.summary);
  const frameA = useStore((s) => s.frame);
  const runningA = useStore((s) => s.running);
  const overrides = useStore((s) => s.overrides);
  const setOverrides = useStore((s) => s.setOverrides);
  const cmp = useCompare();
  const facts = useMemo(() => headerFacts(scenarioHead({ text, big })), [text, big]);

  useEffect(() => startCompareSync(), []);
  useCompareKeys();

  const n = summaryA?.stepCount ?? 0;
  const count = countDifferences(cmp.diffs);
  const here: StepDiff | undefined = useMemo(() => {
    if (frameA?.json && cmp.frameB?.json && frameA.step === step && cmp.frameB.step === step) return diffStepJson(frameA.json, cmp.frameB.json);
    return step > 0 ? cmp.diffs[step - 1] : undefined;
  }, [frameA, cmp.frameB, cmp.diffs, step]);
  const fields = new Set(here?.fields ?? []);
  const source = summaryA?.steps.at(step - 1);
  const opDoc = useStore((s) => opExplain(s.operations, source?.op));
  const comparing = cmp.exact < cmp.exactTarget;

  return (
    <section className="panel compare" aria-label="Compare two machine settings" data-testid="compare">
      <header className="cmp-head">
        <h2>Compare</h2>
        <span className="cmp-tag cmp-tag-a">A</span>
        <MachineSettings value={overrides} onChange={setOverrides} facts={facts} label="Side A" testId="cmp-a" compact />
        <span className="muted">vs</span>
        <span className="cmp-tag cmp-tag-b">B</span>
        <MachineSettings value={cmp.b} onChange={cmp.setB} facts={facts} label="Side B" testId="cmp-b" compact />
      </header>
      <div className="cmp-bar">
        <span className="cmp-count" role="status" aria-live="polite" data-testid="compare-count">
          {!cmp.aligned ? (
            <span className="bad-text">the two runs have different statements: steps cannot be aligned</span>
          ) : cmp.summaryB === null ? (
            'running side B…'
          ) : (
            <>
              <b>{count}</b> of {n} step{n === 1 ? '' : 's'} differ in outcome
              {comparing && (
                <span className="muted">
                  {' '}
                  (comparing records {cmp.exact}/{cmp.exactTarget}…)
                </span>
              )}
              {!comparing && cmp.exactTarget < n && <span className="muted"> (first {cmp.exactTarget} compared in full, the rest by counts)</span>}
            </>
          )}
        </span>
        <span className="spacer" />
        <div className="cmp-view-switch" role="radiogroup" aria-label="What each side shows">
          {(['explain', 'diagram'] as const).map((v) => (
            <label key={v} className={cmp.sideView === v ? 'on' : ''}>
              <input type="radio" name="cmp-view" value={v} checked={cmp.sideView === v} onChange={() => cmp.setSideView(v)} />
              {v === 'explain' ? 'Explanation' : 'Diagram'}
            </label>
          ))}
        </div>
        <button type="button" onClick={prevDiff} disabled={count === 0} title="Previous difference (Shift+D)" data-testid="prev-diff">
          ◀ Previous difference
        </button>
        <button type="button" onClick={nextDiff} disabled={count === 0} title="Next difference (D)" data-testid="next-diff">
          Next difference ▶
        </button>
        <button type="button" onClick={() => cmp.closeCompare()} title="Back to the single view (Esc)" data-testid="exit-compare">
          Exit compare
        </button>
      </div>
      {summaryA ? (
        <div className={`cmp-body${cmp.sideView === 'diagram' ? ' diagram-mode' : ''}`}>
          <CompareTimeline a={summaryA} b={cmp.summaryB} diffs={cmp.diffs} step={step} />
          <div className="cmp-mid">
            <div className="cmp-strip" data-testid="compare-strip">
              <span className="step-no mono">
                Step {step} / {n}
              </span>
              {source ? (
                <>
                  <code className="cmp-src">{source.source}</code>
                  {opDoc && <span className="muted cmp-opdoc">{opDoc}</span>}
                </>
              ) : (
                <span className="muted">the machines are built: step forward (→) to run both</span>
              )}
              <span className="cmp-verdict">
                {step === 0 ? null : differs(here) ? (
                  <span className="badge cmp-differs">≠ differs: {here!.fields.map((f) => FIELD_LABEL[f]).join(', ')}</span>
                ) : here ? (
                  <span className="badge good">same outcome{here.eventsDiffer ? ', different work' : ''}</span>
                ) : null}
              </span>
            </div>
            {/* A lesson's narration stays with its step when the learner compares. */}
            {frameA && frameA.step === step && (
              <div className="cmp-narration">
                <Narration frame={frameA} />
              </div>
            )}
          </div>
          <div className="cmp-sides">
            <Side name="A" label={settingsLabel(overrides, facts)} frame={frameA} summary={summaryA} fields={fields} eventsDiffer={!!here?.eventsDiffer} running={runningA} errors={[]} view={cmp.sideView} step={step} />
            <Side name="B" label={settingsLabel(cmp.b, facts)} frame={cmp.frameB} summary={cmp.summaryB} fields={fields} eventsDiffer={!!here?.eventsDiffer} running={cmp.runningB} errors={cmp.errorsB} view={cmp.sideView} step={step} />
          </div>
        </div>
      ) : (
        <p className="muted cmp-empty">Running the scenario…</p>
      )}
    </section>
  );
}
