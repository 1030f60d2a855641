/**
 * "Copy as text": the run up to the step on screen as plain text for an
 * email (src/scenario/mail-text.ts, the same text as the CLI's
 * `run FILE --text-until N`), ending with the share link that opens it.
 */
import { formatMailText } from '../scenario/mail-text.ts';
import { runJsonOf } from './compare/trace.ts';
import { engineClient } from './engine.ts';
import { shareUrl } from './share.ts';
import { useStore } from './store/store.ts';

/** The text, or null when the scenario changed while it was being made. */
export async function mailText(): Promise<string | null> {
  const st = useStore.getState();
  const summary = st.summary;
  if (!summary) return null;
  const got = await runJsonOf(engineClient(), summary, () => useStore.getState().summary?.runId === summary.runId);
  if (!got || useStore.getState().summary?.runId !== summary.runId) return null;
  const link = await shareUrl(st.text, st.step);
  return formatMailText(got.result, { text: st.text, upTo: st.step, link });
}
