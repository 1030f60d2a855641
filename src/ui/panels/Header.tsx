/**
 * The header bar: product name, the library (lessons and reference scenarios), machine-setting overrides
 * (arch, kernel, IOMMU mode: the run uses them instead of the header's), the machine's settings table,
 * Compare, Export JSON, Share, theme toggle, help.
 */
import { useMemo, useState } from 'react';
import { toggleTheme } from '../actions.ts';
import { engineClient } from '../engine.ts';
import { shareUrl } from '../share.ts';
import { useStore } from '../store/store.ts';
import SharePopover from './SharePopover.tsx';
import MachineButton from './MachineButton.tsx';
import LibraryButton from '../library/LibraryButton.tsx';
import ExplainButton from '../explain/ExplainButton.tsx';
import MachineSettings from '../compare/MachineSettings.tsx';
import { useCompare } from '../compare/compareStore.ts';
import { contrastFor, effective, headerFacts } from '../compare/settings.ts';
import { runJsonOf, runJsonText, traceFileName } from '../compare/trace.ts';
import { saveFile } from '../import/saveFile.ts';
import { scenarioHead } from '../editor/bigText.ts';

function RunAs() {
  const text = useStore((s) => s.text);
  const big = useStore((s) => s.big);
  const overrides = useStore((s) => s.overrides);
  const setOverrides = useStore((s) => s.setOverrides);
  const facts = useMemo(() => headerFacts(scenarioHead({ text, big })), [text, big]);
  return <MachineSettings value={overrides} onChange={setOverrides} facts={facts} label="Run as" testId="ovr" />;
}

function CompareToggle() {
  const open = useCompare((s) => s.open);
  function toggle() {
    const cmp = useCompare.getState();
    if (cmp.open) {
      cmp.closeCompare();
      return;
    }
    const st = useStore.getState();
    const a = effective(st.overrides, headerFacts(scenarioHead(st)));
    cmp.openCompare(contrastFor(a.arch));
  }
  return (
    <button
      type="button"
      className={`cmp-toggle${open ? ' on' : ''}`}
      onClick={toggle}
      aria-pressed={open}
      data-testid="compare-toggle"
      title={open ? 'Leave compare mode (Esc)' : 'Compare: run the same scenario under two machine settings side by side'}
    >
      {open ? 'Exit compare' : 'Compare'}
    </button>
  );
}

function ExportButton() {
  const hasRun = useStore((s) => s.summary !== null);
  const notify = useStore((s) => s.notify);
  const [busy, setBusy] = useState(false);
  async function onExport() {
    const summary = useStore.getState().summary;
    if (!summary || busy) return;
    setBusy(true);
    try {
      const got = await runJsonOf(engineClient(), summary, () => useStore.getState().summary?.runId === summary.runId);
      if (!got) {
        notify('warn', 'The scenario changed while exporting; press Export JSON again.');
        return;
      }
      saveFile(runJsonText(got.result), traceFileName(got.result), 'application/json');
      if (got.trimmed > 0) {
        notify(
          'warn',
          `Exported, but ${got.trimmed} step${got.trimmed === 1 ? ' has' : 's have'} more events than the explorer fetches per step; those lists are cut. The CLI (run FILE --json) prints them all.`,
        );
      }
    } catch (e) {
      notify('error', `Could not export the run: ${e instanceof Error ? e.message : String(e)}`);
    } finally {
      setBusy(false);
    }
  }
  return (
    <button
      type="button"
      onClick={() => void onExport()}
      disabled={!hasRun || busy}
      aria-busy={busy}
      className="export-btn"
      data-testid="export-json"
      title="Download this run as JSON, as the command-line runner's run FILE --json prints it"
    >
      {busy ? (
        'Exporting…'
      ) : (
        <>
          Export<span className="wide-only"> JSON</span>
        </>
      )}
    </button>
  );
}

export default function Header() {
  const theme = useStore((s) => s.theme);
  const share = useStore((s) => s.share);
  const setShare = useStore((s) => s.setShare);
  const setHelpOpen = useStore((s) => s.setHelpOpen);

  async function onShare() {
    const { text, step } = useStore.getState();
    let url: string;
    try {
      // The link carries the machine settings, the open view and compare mode too (share.ts).
      url = await shareUrl(text, step);
    } catch (e) {
      setShare({ url: null, copied: false, error: `Could not make a link: ${e instanceof Error ? e.message : String(e)}` });
      return;
    }
    let copied = false;
    try {
      await navigator.clipboard.writeText(url);
      copied = true;
    } catch {
      /* no clipboard permission: the popover shows the link to copy by hand */
    }
    setShare({ url, copied, error: null });
  }

  return (
    <header className="topbar">
      <h1 className="brand">
        DMA Explorer <span className="tagline">Linux DMA mapping, step by step</span>
      </h1>
      <LibraryButton />
      <ExplainButton />
      <RunAs />
      <MachineButton />
      <span className="spacer" />
      <CompareToggle />
      <ExportButton />
      <div className="share-wrap">
        <button type="button" onClick={() => (share ? setShare(null) : void onShare())} aria-expanded={!!share} title="Copy a link to this scenario, step, machine settings and view">
          Share
        </button>
        {share && <SharePopover />}
      </div>
      <button
        type="button"
        onClick={toggleTheme}
        aria-label={theme === 'dark' ? 'Switch to light theme' : 'Switch to dark theme'}
        title="Light / dark theme"
      >
        {theme === 'dark' ? '☀' : '☾'}
      </button>
      <button type="button" onClick={() => setHelpOpen(true)} aria-label="Help and keyboard shortcuts" title="Help and keyboard shortcuts (?)">
        ?
      </button>
    </header>
  );
}
