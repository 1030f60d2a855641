/**
 * Above the editor while it shows a window of a long scenario: how long the
 * text is, which lines are shown and why, that a text this long is not kept
 * in the browser (its file keeps it), and the two ways to the whole text:
 * download it, or load it whole into the editor to edit it (slow at this
 * size: the user asks for it knowingly).
 */
import { useStore } from '../store/store.ts';
import { saveFile } from '../import/saveFile.ts';
import { useImport } from '../import/importStore.ts';
import './big-text.css';

export interface BigTextInfo {
  /** The text's size in UTF-8 bytes. */
  bytes: number;
  /** Null until the whole text is indexed. */
  lines: number | null;
  from: number;
  to: number;
}

const MB = 1_000_000;

/** "scenario.dma" next to an imported file's name ("long.trace" → "long.dma"). */
function scenarioName(): string {
  const f = useImport.getState().fileName;
  return f ? `${f.replace(/\.[^.]*$/, '')}.dma` : 'scenario.dma';
}

function download(): void {
  const big = useStore.getState().big;
  if (big) saveFile(big.blob(), big.file instanceof File ? big.file.name : scenarioName());
}

export default function BigTextBar({ info, onEditWhole }: { info: BigTextInfo; onEditWhole: (() => void) | null }) {
  const size = `${(info.bytes / MB).toLocaleString('en-US', { maximumFractionDigits: 1 })} MB`;
  const count = info.lines !== null ? `${info.lines.toLocaleString('en-US')} lines, ${size}` : size;
  return (
    <div className="big-text-bar" role="note" data-testid="big-text-bar">
      <span title="A text this long is not loaded into the editor whole: the lines around the current step are, and they follow the steps">
        Long scenario ({count}): lines {info.from.toLocaleString('en-US')}–{info.to.toLocaleString('en-US')}, read-only
      </span>
      {' · '}
      <span data-testid="big-text-not-kept" title="The browser keeps about 5 MB for the explorer: your text and drafts. What you had before this scenario is kept.">
        not kept in this browser:
      </span>{' '}
      <button type="button" className="link" onClick={download} data-testid="big-text-download">
        download it to keep it
      </button>
      {onEditWhole && (
        <>
          {' · '}
          <button type="button" className="link" onClick={onEditWhole} data-testid="big-text-edit" title={`Loads all ${size} into the editor: the page may stop for several seconds, and again on each change`}>
            edit whole (slow)
          </button>
        </>
      )}
    </div>
  );
}
