/**
 * Narration text with its inline markup: `code`, *emphasis*, and kernel
 * source paths as links to the source (markup.ts parses; this renders, as
 * React text nodes: no HTML from the scenario ever reaches innerHTML).
 */
import { inlineSpans } from '../../scenario/markup.ts';
import { kernelLink } from '../describe.ts';
import { useStore } from '../store/store.ts';

export default function Markup({ text }: { text: string }) {
  const { spans } = inlineSpans(text);
  // Paths link to the source of the kernel version the run models.
  const kernel = useStore((st) => st.frame?.config?.kernel);
  return (
    <>
      {spans.map((s, i) => {
        if (s.k === 'code') return <code key={i}>{s.text}</code>;
        if (s.k === 'em') return <em key={i}>{s.text}</em>;
        if (s.k === 'path') {
          return (
            <a key={i} className="mono" href={kernelLink(s.text, kernel)} target="_blank" rel="noopener noreferrer" title={`Open ${s.text} of Linux ${kernel ?? ''} on Elixir`}>
              {s.text}
            </a>
          );
        }
        return <span key={i}>{s.text}</span>;
      })}
    </>
  );
}
