/**
 * The header bar: product name, library picker, Share, theme toggle, help.
 */
import { useState } from 'react';
import { toggleTheme } from '../actions.ts';
import { shareUrl } from '../share.ts';
import { useStore } from '../store/store.ts';
import SharePopover from './SharePopover.tsx';

// Built-in scenarios (src/scenario/library/*.dma), fetched only when picked.
const LIBRARY = import.meta.glob('../../scenario/library/*.dma', { query: '?raw', import: 'default' }) as Record<
  string,
  () => Promise<string>
>;
const LIBRARY_NAMES = Object.keys(LIBRARY)
  .map((p) => ({ path: p, name: p.replace(/^.*\//, '').replace(/\.dma$/, '') }))
  .sort((a, b) => a.name.localeCompare(b.name));

function LibraryPicker() {
  const replaceText = useStore((s) => s.replaceText);
  const notify = useStore((s) => s.notify);
  const [value, setValue] = useState('');
  return (
    <select
      className="library"
      aria-label="Scenario library"
      value={value}
      disabled={LIBRARY_NAMES.length === 0}
      title={LIBRARY_NAMES.length === 0 ? 'The scenario library is not built yet' : 'Open a built-in scenario (replaces the editor text; Ctrl+Z undoes)'}
      onChange={(e) => {
        const entry = LIBRARY_NAMES.find((x) => x.path === e.target.value);
        setValue('');
        if (!entry) return;
        LIBRARY[entry.path]!().then(
          (text) => replaceText(text, 0),
          (err: unknown) => notify('error', `Could not load ${entry.name}: ${String(err)}`),
        );
      }}
    >
      <option value="">{LIBRARY_NAMES.length ? 'Library…' : 'Library (coming soon)'}</option>
      {LIBRARY_NAMES.map((x) => (
        <option key={x.path} value={x.path}>
          {x.name}
        </option>
      ))}
    </select>
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
      <LibraryPicker />
      <span className="spacer" />
      <div className="share-wrap">
        <button type="button" onClick={() => (share ? setShare(null) : void onShare())} aria-expanded={!!share} title="Copy a link to this scenario and step">
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
