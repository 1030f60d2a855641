/**
 * The explanation of the current step: the statement, what the call does, its
 * result or error, the checks, the kernel log lines (dmesg style), what the
 * explorer observed beyond the log, and every event in words with the kernel
 * rule, function and file behind it.
 */
import { useEffect, useRef } from 'react';
import type { LoadSummary } from '../../worker/api.ts';
import type { SimEvent } from '../../sim/events.ts';
import type { MachineConfig } from '../../sim/config.ts';
import { swiotlbPoolSize } from '../../sim/layout.ts';
import { opExplain, eventTone, kernelFunctionLink, kernelLink } from '../describe.ts';
import { useStore } from '../store/store.ts';
import { StepChecks, StepResult } from './StepDetail.tsx';
import Narration from '../lesson/Narration.tsx';
import { usePredictionPending } from '../lesson/teaching.ts';
import { faultSentence, faultsOf } from '../../scenario/faults.ts';
import './ExplanationPanel.css';
import Glossed from '../glossary/Glossed.tsx';
import { sizeExact } from '../../sim/format.ts';
import { describeEvent } from '../../scenario/event-words.ts';

function Why({ e }: { e: SimEvent }) {
  if (!('why' in e) || !e.why) return null;
  const { rule, fn, file } = e.why;
  // Links are pinned to the kernel version the run models.
  const kernel = useStore.getState().frame?.config?.kernel;
  const fnHref = fn ? kernelFunctionLink(fn, kernel) : null;
  return (
    <div className="why">
      {rule && (
        <span className="rule">
          <Glossed text={rule} />
        </span>
      )}
      {(fn || file) && (
        <span className="where mono">
          {fn &&
            (fnHref ? (
              <a className="fn" href={fnHref} target="_blank" rel="noopener noreferrer" title={`Where ${fn}() is defined and used in Linux ${kernel ?? ''}, on Elixir`}>
                {fn}()
              </a>
            ) : (
              <span className="fn">{/^[A-Za-z_]\w*$/.test(fn) ? `${fn}()` : fn}</span>
            ))}
          {file && (
            <>
              {' '}
              <a href={kernelLink(file, kernel)} target="_blank" rel="noopener noreferrer" title={`Open ${file} of Linux ${kernel ?? ''} on Elixir`}>
                {file}
              </a>
            </>
          )}
        </span>
      )}
    </div>
  );
}

function MachineBuilt({ config, summary }: { config: MachineConfig | null; summary: LoadSummary | null }) {
  const first = summary?.steps.at(0);
  return (
    <>
      <h2 className="step-title">
        <span className="step-no">Step 0</span> <span className="muted">·</span> the machine is built
      </h2>
      {config ? (
        <p>
          An <b>{config.arch}</b> machine (kernel {config.kernel}) with {sizeExact(config.ram)} of RAM, a {sizeExact(config.cache)}{' '}
          data cache of {config.line}-byte lines, {swiotlbPoolSize(config) ? `a ${sizeExact(config.swiotlb)} swiotlb pool` : 'no swiotlb'}
          {config.iommus.length ? `, ${config.iommus.length} IOMMU${config.iommus.length > 1 ? 's' : ''}` : ''} and{' '}
          {config.devices.length} device{config.devices.length === 1 ? '' : 's'}
          {config.devices.length ? ': ' : '.'}
          {config.devices.map((d, i) => (
            <span key={d.name}>
              {i > 0 ? ', ' : ''}
              <code>{d.name}</code>
              {d.label ? ` (${d.label})` : ''} ({config.arch === 'x86' || d.coherent ? 'coherent' : 'non-coherent'}, {d.dmaMask}-bit
              {d.iommu ? `, behind ${d.iommu}` : ''})
            </span>
          ))}
          {config.devices.length ? '.' : ''}
        </p>
      ) : (
        <p className="muted">No machine yet.</p>
      )}
      {first && (
        <p className="next">
          Next: <code>{first.source}</code> <span className="muted">(line {first.line}; press → to run it)</span>
        </p>
      )}
    </>
  );
}

export default function ExplanationPanel() {
  const frame = useStore((s) => s.frame);
  // The summary only where it is shown (step 0, or nothing run yet): a loading run's provisional summaries render nothing here at a step.
  const summary = useStore((s) => (s.frame?.json ? null : s.summary));
  const running = useStore((s) => s.running);
  // After a failed first run there is no last good run to show: say so instead of "Running…" forever.
  const engineFailed = useStore((s) => s.notices.some((n) => n.kind === 'error'));
  const box = useRef<HTMLElement>(null);
  /** The panel was scrolled since the last step (kept by onScroll: reading scrollTop would lay the page out too). */
  const scrolled = useRef(false);
  const onScroll = (e: React.UIEvent<HTMLElement>) => {
    scrolled.current = e.currentTarget.scrollTop > 0;
  };
  const shownStep = frame?.step ?? -1;
  const opDoc = useStore((s) => opExplain(s.operations, frame?.json?.op));
  // A prediction the learner has not answered keeps the step's result hidden.
  const pending = usePredictionPending(frame);

  // Each step's explanation starts at its top.
  useEffect(() => {
    // Only when scrolled: writing scrollTop lays the page out at once, and most steps find the panel at its top.
    if (box.current && scrolled.current) box.current.scrollTop = 0;
    scrolled.current = false;
  }, [shownStep]);

  if (!frame) {
    return (
      <section ref={box} onScroll={onScroll} className="panel explanation" aria-label="Explanation" data-testid="explanation">
        <p className="muted">{!running && !summary && engineFailed ? 'Nothing has run: the engine could not run this scenario (see the message above). Edit the text to try again.' : running || !summary ? 'Running the scenario…' : 'Loading…'}</p>
      </section>
    );
  }
  const json = frame.json;
  return (
    <section ref={box} onScroll={onScroll} className="panel explanation" aria-label="Explanation" data-testid="explanation" data-step={frame.step}>
      <Narration frame={frame} />
      {!json ? (
        <MachineBuilt config={frame.config} summary={summary} />
      ) : (
        <>
          <h2 className="step-title">
            <span className="step-no">
              Step {frame.step} / {frame.stepCount}
            </span>{' '}
            <span className="muted">line {json.line}</span>
            {frame.origin && (
              <span className="trace-origin" data-testid="trace-origin" title="Where this step comes from in the imported trace">
                {frame.origin}
              </span>
            )}
          </h2>
          <pre className="source mono">{json.source}</pre>
          {opDoc && (
            <p className="opdoc">
              <Glossed text={opDoc} />
            </p>
          )}
          {pending ? (
            <p className="hidden-result" data-testid="result-hidden">
              What the kernel did stays hidden until you make your prediction above.
            </p>
          ) : (
            <>
              <StepResult json={json} />
              {faultsOf(json.events).map((f, i) => (
                <p key={i} className="fault-line bad" data-testid="explanation-fault">
                  <Glossed text={faultSentence(f)} />
                </p>
              ))}
              {json.checks.length > 0 && <StepChecks checks={json.checks} imported={frame.config?.imported ?? false} bug={json.warnings.length > 0 || json.observations.length > 0 || json.error !== null} />}
              {json.warnings.length > 0 && (
                <div className="block">
                  <h3>
                    <Glossed text="Findings" />: the kernel's log
                  </h3>
                  <pre className="dmesg mono" data-testid="kernel-log">
                    {json.warnings.join('\n')}
                  </pre>
                </div>
              )}
              {json.observations.length > 0 && (
                <div className="block">
                  <h3>
                    <Glossed text="Observations" />: what the explorer saw (the kernel did not report it)
                  </h3>
                  <ul className="observations">
                    {json.observations.map((o, i) => (
                      <li key={i}>
                        <Glossed text={o} />
                      </li>
                    ))}
                  </ul>
                </div>
              )}
              <div className="block">
                <h3>
                  What happened{' '}
                  <span className="count">
                    ({json.events.length + frame.omitted.events} event{json.events.length + frame.omitted.events === 1 ? '' : 's'})
                  </span>
                </h3>
                {json.events.length === 0 ? (
                  <p className="muted">No events.</p>
                ) : (
                  <ol className="events">
                    {json.events.map((e, i) => (
                      <li key={i} className={`ev ev-${e.kind} ${eventTone(e) ?? ''}`}>
                        <span className="ev-kind mono">{e.kind}</span>
                        <div className="ev-body">
                          <div className="ev-text">
                            <Glossed text={describeEvent(e)} />
                          </div>
                          <Why e={e} />
                        </div>
                      </li>
                    ))}
                  </ol>
                )}
                {frame.omitted.events > 0 && <p className="muted">…and {frame.omitted.events} more events (see the CLI for all).</p>}
              </div>
            </>
          )}
        </>
      )}
    </section>
  );
}
