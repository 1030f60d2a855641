/**
 * Keeps the worker in step with the store: the text goes to the worker
 * (debounced) to run, the selected step goes to the worker to fetch its frame.
 * Answers about older texts or steps are dropped; frame requests coalesce, so
 * scrubbing fast asks only for the step the user stopped on.
 */
import { EngineClient, EngineError } from '../worker/client.ts';
import { useStore } from './store/store.ts';
import { loadArgs } from './compare/settings.ts';
import { useImport } from './import/importStore.ts';
import { useExplain } from './explain/explainStore.ts';
import { detectInput } from '../import/detect.ts';
import { keepIfTyped, markOpened } from './drafts/draftStore.ts';

const DEBOUNCE_MS = 250;

let client: EngineClient | null = null;
/** The scenario text the current run came from (after an import, the scenario it became): the same text is not run again. */
let loadedText: string | null = null;
/** Runs a dropped trace or dump without putting it in the editor (set while the sync runs). */
let dropped: ((text: string, fileName: string) => void) | null = null;

/** A dropped kernel trace or dma-debug dump: imported by the worker, the editor then shows the scenario. */
export function importDropped(text: string, fileName: string): void {
  dropped?.(text, fileName);
}

export function engineClient(): EngineClient {
  if (!client) {
    client = new EngineClient({
      onNotice: (n) => useStore.getState().notify(n.kind === 'failed' ? 'error' : 'warn', n.message),
    });
  }
  return client;
}

/** Set by Cancel / Esc: the load in progress is stopped at the next step boundary. */
let userCancelled = false;

/** Cancel the run in progress (the Cancel button, Esc). The last good run stays on screen. */
export function cancelRun(): void {
  if (!useStore.getState().running) return;
  userCancelled = true;
  engineClient().cancel();
}

/** Starts syncing; returns a function that stops it. */
export function startEngineSync(): () => void {
  const c = engineClient();
  // The operation list, signatures and doc lines live in the engine's table: ask once (again after a run, if a restarting worker lost the answer).
  let asking = false;
  const askOperations = () => {
    if (asking || useStore.getState().operations.length > 0) return;
    asking = true;
    c.operations().then(
      (ops) => {
        asking = false;
        useStore.getState().setOperations(ops);
      },
      () => {
        asking = false;
      },
    );
  };
  askOperations();
  let loadSeq = 0;
  let timer: ReturnType<typeof setTimeout> | null = null;
  let frameInFlight = false;
  let stopped = false;

  async function runLoad(text: string, fileName: string | null = null): Promise<void> {
    if (detectInput(text) === 'dmesg') {
      // A kernel log pasted into the editor is explained, not run: the dialog takes it, the editor gets its scenario back.
      useExplain.getState().show(text, fileName);
      if (loadedText !== null) useStore.getState().replaceText(loadedText, null);
      return;
    }
    const seq = ++loadSeq;
    userCancelled = false;
    const st = useStore.getState();
    st.setRunning(true);
    try {
      // Machine-setting overrides (header selectors, links): arch/kernel as options, IOMMU mode as a header rewrite.
      const args = loadArgs(text, st.overrides);
      const summary = await c.load(args.text, args.opts);
      if (stopped || seq !== loadSeq) return;
      if (summary.cancelled) {
        if (userCancelled) {
          useStore
            .getState()
            .notify('info', `Run cancelled.${useStore.getState().summary ? ' The last complete run stays on screen.' : ''} Edit the scenario to run it again.`);
        }
        loadedText = text;
        return;
      }
      if (summary.imported) {
        // A trace or dump became a scenario: the editor shows it (without running it again) and the report says what happened.
        loadedText = summary.imported.scenario;
        useImport.getState().show(summary.imported, text, fileName);
        // What the editor held (typed text, or a pasted trace) is kept as a draft.
        keepIfTyped(useStore.getState().text, 'before importing a trace', useStore.getState().step, 'a trace was imported');
        useStore.getState().replaceText(summary.imported.scenario, 0);
        markOpened(summary.imported.scenario);
      } else if (summary.ok) loadedText = text;
      useStore.getState().applySummary(summary);
      askOperations();
      void pullFrame();
    } catch (e) {
      if (stopped || seq !== loadSeq) return;
      // The client already restarted the worker and told the user what happened.
      if (!(e instanceof EngineError)) useStore.getState().notify('error', `Engine: ${String(e)}`);
      // A worker that died mid-run: show the (replayed) last good trace.
      void pullFrame();
    } finally {
      if (seq === loadSeq) useStore.getState().setRunning(false);
    }
  }

  async function pullFrame(): Promise<void> {
    if (frameInFlight || stopped) return;
    frameInFlight = true;
    try {
      for (;;) {
        const { step, summary } = useStore.getState();
        if (!summary) return;
        const frame = await c.frame(step);
        if (stopped) return;
        const now = useStore.getState();
        if (frame.runId === now.summary?.runId) now.setFrame(frame);
        if (now.step === step && now.summary === summary) return;
        // The step or the run changed while we waited: ask again for the latest.
      }
    } catch (e) {
      if (!(e instanceof EngineError)) useStore.getState().notify('error', `Engine: ${String(e)}`);
    } finally {
      frameInFlight = false;
    }
  }

  dropped = (text, fileName) => {
    if (timer) clearTimeout(timer);
    timer = null;
    void runLoad(text, fileName);
  };

  const unsub = useStore.subscribe((s, prev) => {
    if (!s.ready) return;
    const same = s.text === loadedText && s.overrides === prev.overrides && prev.ready;
    if (!same && (s.text !== prev.text || (s.ready && !prev.ready) || s.overrides !== prev.overrides)) {
      if (timer) clearTimeout(timer);
      // Text from outside the editor (link, library, first load) and new machine settings run at once.
      const delay = s.textEpoch !== prev.textEpoch || !prev.ready || s.overrides !== prev.overrides ? 0 : DEBOUNCE_MS;
      timer = setTimeout(() => {
        timer = null;
        void runLoad(useStore.getState().text);
      }, delay);
    }
    if (s.step !== prev.step && s.summary) void pullFrame();
  });

  if (useStore.getState().ready) void runLoad(useStore.getState().text);

  return () => {
    stopped = true;
    dropped = null;
    unsub();
    if (timer) clearTimeout(timer);
  };
}
