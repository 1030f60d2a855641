/**
 * The top of the explanation panel in a lesson: why this step matters (the
 * step's narration), a link to what it asks you to look at (its focus), and
 * its prediction. Before the learner picks, only the question (the first
 * paragraph) shows and the step's result stays hidden; after, the verdict and
 * the explanation (the other paragraphs).
 */
import type { Frame } from '../../worker/api.ts';
import { useLesson } from './lessonStore.ts';
import { narrationFor, predictionOf, shownChoices, useTeaching } from './teaching.ts';
import { applyFocus, focusLabel } from './focus.ts';
import Markup from './Markup.tsx';
import './lesson.css';

function Prediction({ line, choices, expected, rest }: { line: number; choices: string[]; expected: string; rest: string[] }) {
  const picked = useLesson((s) => s.answers[line]);
  const answer = useLesson((s) => s.answer);
  const right = expected.replace(/^=>\s*/, '');
  if (picked === undefined) {
    return (
      <div className="predict" data-testid="predict" role="group" aria-label="Predict the result">
        <span className="predict-label">Your prediction:</span>
        {shownChoices(choices, `${line}`).map((c) => (
          <button key={c} type="button" className="choice mono" onClick={() => answer(line, c)}>
            {c}
          </button>
        ))}
      </div>
    );
  }
  const ok = picked === right;
  return (
    <div className={`predict done ${ok ? 'right' : 'wrong'}`} data-testid="predict-verdict" role="status">
      <p className="verdict">
        {ok ? (
          <>
            <b>Right.</b> It is <code>{right}</code>.
          </>
        ) : (
          <>
            <b>Not quite:</b> you picked <code>{picked}</code>; it is <code>{right}</code>.
          </>
        )}
      </p>
      {rest.map((p, i) => (
        <p key={i}>
          <Markup text={p} />
        </p>
      ))}
    </div>
  );
}

export default function Narration({ frame }: { frame: Frame }) {
  const teaching = useTeaching();
  const narration = narrationFor(teaching, frame.step);
  const prediction = predictionOf(frame.json);
  if (!teaching || (!narration && !prediction)) return null;
  const paragraphs = narration?.paragraphs ?? [];
  const [question, ...rest] = prediction ? paragraphs : [];
  const shown = prediction ? (question ? [question] : []) : paragraphs;
  return (
    <section className="narration" aria-label="Why this matters" data-testid="narration">
      <h3 className="narration-head">Why this matters</h3>
      {shown.map((p, i) => (
        <p key={i}>
          <Markup text={p} />
        </p>
      ))}
      {narration?.focus && (
        <button type="button" className="focus-link" data-testid="focus-link" onClick={() => void applyFocus(narration.focus!, frame)}>
          Look at: {focusLabel(narration.focus)}
        </button>
      )}
      {prediction && frame.json && <Prediction line={frame.json.line} choices={prediction.choices!} expected={prediction.expected} rest={rest} />}
    </section>
  );
}
