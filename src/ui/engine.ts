/**
 * Keeps the worker in step with the store: the text goes to the worker
 * (debounced) to run, the selected step goes to the worker to fetch its frame,
 * with the selected buffer (the store owns the selection; the frame brings
 * that buffer's bytes).
 * Answers about older texts or steps are dropped; frame requests coalesce, so
 * scrubbing fast asks only for the step the user stopped on.
 */
import { EngineClient, EngineError, type PartialRun } from '../worker/client.ts';
import type { FrameOptions, LoadSummary } from '../worker/api.ts';
import { runOf, type WireSummary } from '../worker/wire-text.ts';
import { framePull, latestLoad } from './engine-loops.ts';
import { useStore } from './store/store.ts';
import { loadArgs } from './compare/settings.ts';
import { useImport } from './import/importStore.ts';
import { useExplain } from './explain/explainStore.ts';
import { detectInput } from '../import/detect.ts';
import { keepIfTyped, markOpened } from './drafts/draftStore.ts';
import { BIG_TEXT_BYTES, BigText, scenarioLoadArgs } from './editor/bigText.ts';
import { StepRows } from '../worker/rows.ts';

const DEBOUNCE_MS = 250;

let client: EngineClient | null = null;
/** The scenario the current run came from (after an import, the scenario it became; a long one as its bytes): the same is not run again. */
let loadedText: string | BigText | null = null;
/**
 * The editor's text before its latest change, and that latest text: a trace pasted over typed text replaces it at
 * once, before the typed text ever ran, so the text to keep as a draft is the one the editor held before the paste.
 */
let editorText: string | null = null;
let editorTextBefore: string | null = null;
/** Runs a dropped trace or dump without putting it in the editor (set while the sync runs). */
let dropped: ((bytes: Uint8Array, file: File) => void) | null = null;

/** A dropped kernel trace or dma-debug dump (its bytes, handed over: transferred to the worker): imported there, the editor then shows the scenario. */
export function importDropped(bytes: Uint8Array, file: File): void {
  dropped?.(bytes, file);
}

/** "Edit whole" on a long scenario: its text, decoded a slice at a time, takes the bytes' place in the store; the run on screen stays (the scenario is the same). */
export async function editWhole(): Promise<void> {
  const big = useStore.getState().big;
  if (!big) return;
  const text = await big.text();
  if (useStore.getState().big !== big) return;
  if (loadedText === big) loadedText = text;
  markOpened(text);
  useStore.getState().replaceText(text, null);
}

/** Where a load's text came from: typed or opened (null), or a dropped file (kept to offer the original back without holding its text). */
type Origin = File | null;

/** What a load sends: the store's text, its long scenario (bytes the page keeps), or a dropped trace's bytes (handed over). */
type Source = string | BigText | Uint8Array;

/** The store's scenario as a load's source. */
function storeSource(): string | BigText {
  const { text, big } = useStore.getState();
  return big ?? text;
}

/** What a frame request asks for besides the step: the selected buffer's bytes come with the frame (no second round trip per step). */
function frameOptions(buffer: string | undefined): FrameOptions {
  return buffer !== undefined ? { buffer } : {};
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

/** A long load's steps are shown at most this often while it runs (the first at once): each is a new summary the page renders. */
const PARTIAL_MS = 1000;
/** ... and at most this share of the page's time goes to showing them (a slow render spaces them further apart), */
const PARTIAL_SHARE = 0.05;
/** ... but never further apart than this: the run on screen keeps growing. */
const PARTIAL_MAX_MS = 5000;

/**
 * Shows a long load's steps while it runs: from its first rows on, a
 * provisional summary (`partial`) of the steps the page has, renewed every
 * PARTIAL_MS, so the run is stepped and seeked as it streams in (the worker
 * answers frames about the steps it has run); an imported scenario is put in
 * the editor as soon as it comes. If the load does not finish (cancelled,
 * failed, errors at the end), the run and text from before come back.
 */
function partialRuns(c: EngineClient, shown: () => void) {
  let from: { text: Source; origin: Origin } | null = null;
  /** What the page showed before the first provisional summary. */
  let before: { summary: ReturnType<typeof useStore.getState>['summary']; text: string; big: BigText | null; loaded: typeof loadedText; step: number } | null = null;
  /** This load's import is in the editor; some load's since `before` (the text to put back if none finishes). */
  let shownImport = false;
  let textReplaced = false;
  let last = 0;
  /** Time between two provisional summaries: PARTIAL_MS, or longer when the last one took long to show. */
  let every = PARTIAL_MS;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let latest: PartialRun | null = null;

  const show = (p: PartialRun) => {
    const st = useStore.getState();
    if (!from) return;
    before ??= { summary: st.summary, text: st.text, big: st.big, loaded: loadedText, step: st.step };
    if (p.imported && !shownImport) {
      shownImport = true;
      textReplaced = true;
      showImported(p.imported, from.text, from.origin, p.rows);
    }
    const n = p.rows.length;
    if (n === 0) return;
    // Findings past the rows the page has wait for their rows.
    let f = p.findings.length;
    while (f > 0 && p.findings[f - 1]! > n) f--;
    const summary: LoadSummary = Object.freeze({
      ok: true,
      errors: [],
      runId: p.runId,
      stepCount: n,
      steps: p.rows,
      findings: Int32Array.from(p.findings.slice(0, f)),
      checks: { passed: 0, failed: 0 },
      config: p.config,
      ms: 0,
      partial: true,
    });
    const t0 = performance.now();
    const firstShown = useStore.getState().summary?.partial !== true;
    useStore.getState().applySummary(summary);
    shown();
    last = t0;
    // React renders the new summary before the next task: the time until then is what showing it cost (the first one
    // also puts an import's scenario in the editor and its report on the page, once: not a cost of the ones to come).
    if (!firstShown) {
      setTimeout(() => {
        every = Math.min(PARTIAL_MAX_MS, Math.max(PARTIAL_MS, (performance.now() - t0) / PARTIAL_SHARE));
      }, 0);
    }
  };
  const off = c.onPartial((p) => {
    latest = p;
    if (timer !== undefined) return;
    const wait = Math.max(0, last + every - performance.now());
    timer = setTimeout(() => {
      timer = undefined;
      if (latest) show(latest);
      latest = null;
    }, wait);
  });
  return {
    begin(text: Source, origin: Origin) {
      // A load that overtook one shown as it went: what to put back is still what came before that one.
      from = { text, origin };
      shownImport = false;
      last = 0;
      every = PARTIAL_MS;
    },
    /** The load answered (finished: true when it ran to its end); says whether its import was already shown. */
    end(finished: boolean): boolean {
      clearTimeout(timer);
      timer = undefined;
      latest = null;
      from = null;
      const was = shownImport;
      const replaced = textReplaced;
      const b = before;
      before = null;
      shownImport = false;
      textReplaced = false;
      if (!finished && b) {
        if (replaced) {
          // The text put back is not run again (as it was not when it was replaced).
          loadedText = b.big ?? b.text;
          if (b.big) useStore.getState().openBig(b.big, null);
          else useStore.getState().replaceText(b.text, null);
        }
        loadedText = b.loaded;
        useStore.setState({ summary: b.summary, step: b.step, pendingStep: null, errors: [] });
      }
      return finished && was;
    },
    stop() {
      off();
      clearTimeout(timer);
    },
  };
}

/** A trace or dump became a scenario: the editor shows it (without running it again) and the report says what happened. */
function showImported(imported: NonNullable<WireSummary['imported']>, text: Source, from: Origin, rows: StepRows | null): void {
  const { scenario, ...report } = imported;
  useImport.getState().show(report, from ?? (text as string), from?.name ?? null);
  // What the editor held before the trace is kept as a draft: for a paste, the editor's text before the paste (else the
  // text that ran last; the editor's text is the trace by now, and the original stays downloadable from the report),
  // for a drop the editor's.
  const before =
    typeof text === 'string' ? (text === editorText ? editorTextBefore : typeof loadedText === 'string' ? loadedText : null) : useStore.getState().text;
  if (before !== null) keepIfTyped(before, 'before importing a trace', useStore.getState().step, 'a trace was imported');
  if (typeof scenario !== 'string' && scenario.length > BIG_TEXT_BYTES) {
    // Kept as the bytes it came in: never one string on the page.
    const big = new BigText(scenario);
    loadedText = big;
    // The worker does not send a long import's sources: the timeline cuts them from these bytes (rows.ts, cut sources).
    rows?.readSourcesFrom((n: number) => big.line(n));
    useStore.getState().openBig(big, 0);
  } else {
    const s = typeof scenario === 'string' ? scenario : new TextDecoder().decode(scenario);
    loadedText = s;
    if (typeof scenario !== 'string') {
      // Long enough to come as bytes, and for the worker to leave its sources out, but shown whole: cut from its lines.
      const lines = s.split('\n');
      rows?.readSourcesFrom((n: number) => lines[n - 1] ?? null);
    }
    useStore.getState().replaceText(s, 0);
    markOpened(s);
  }
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
  let timer: ReturnType<typeof setTimeout> | null = null;
  let stopped = false;

  const partial = partialRuns(c, () => void pullFrame());
  const load = latestLoad(
    // Machine-setting overrides (header selectors, links): arch/kernel as options, IOMMU mode as a header rewrite (a dropped trace's bytes go as they are).
    async (text: Source, from: Origin): Promise<WireSummary> => {
      partial.begin(text, from);
      const overrides = useStore.getState().overrides;
      if (text instanceof Uint8Array) return c.load(text, loadArgs('', overrides).opts);
      const args = await scenarioLoadArgs(typeof text === 'string' ? text : '', text instanceof BigText ? text : null, overrides);
      return c.load(args.text, args.opts, args.keep);
    },
    {
      running: (on) => useStore.getState().setRunning(on),
      loaded(summary, text, from) {
        // A run shown while it loaded that did not finish: the run before it comes back (the worker's did).
        const shownImport = partial.end(summary.ok && !summary.cancelled);
        if (summary.cancelled) {
          if (userCancelled) {
            useStore
              .getState()
              .notify('info', `Run cancelled.${useStore.getState().summary ? ' The last complete run stays on screen.' : ''} Edit the scenario to run it again.`);
          }
          if (!(text instanceof Uint8Array)) loadedText = text;
          return;
        }
        if (summary.imported) {
          if (!shownImport) showImported(summary.imported, text, from, summary.steps instanceof StepRows ? summary.steps : null);
        } else if (summary.ok && !(text instanceof Uint8Array)) loadedText = text;
        useStore.getState().applySummary(runOf(summary));
        askOperations();
        void pullFrame();
      },
      failed(e) {
        partial.end(false);
        if (!(e instanceof EngineError)) useStore.getState().notify('error', `Engine: ${String(e)}`);
        // A worker that died mid-run: show the (replayed) last good trace.
        void pullFrame();
      },
    },
    () => stopped,
  );

  async function runLoad(text: Source, from: Origin = null): Promise<void> {
    if (typeof text === 'string' && detectInput(text) === 'dmesg') {
      // A kernel log pasted into the editor is explained, not run: the dialog takes it, the editor gets its scenario back.
      useExplain.getState().show(text, null);
      if (loadedText instanceof BigText) useStore.getState().openBig(loadedText, null);
      else if (loadedText !== null) useStore.getState().replaceText(loadedText, null);
      return;
    }
    userCancelled = false;
    await load(text, from);
  }

  const pullFrame = framePull(
    c,
    {
      wanted() {
        const { step, summary, selection } = useStore.getState();
        return summary ? { summary, step, options: frameOptions(selection.buffer) } : null;
      },
      show: (frame) => useStore.getState().setFrame(frame),
      fail: (message) => useStore.getState().notify('error', `Engine: ${message}`),
    },
    () => stopped,
  );

  /** A buffer the frame on screen left out (machines with thousands) is selected: fetch this step again with it. */
  function fetchSelected(want: string | undefined): void {
    const f = useStore.getState().frame;
    if (want === undefined || !f?.snapshot || f.snapshot.buffers.some((b) => b.name === want)) return;
    void c
      .frame(f.step, frameOptions(want))
      .then((next) => {
        const now = useStore.getState();
        if (now.frame === f && next.runId === f.runId && now.selection.buffer === want) now.setFrame(next);
      })
      .catch(() => undefined);
  }

  dropped = (bytes, file) => {
    if (timer) clearTimeout(timer);
    timer = null;
    void runLoad(bytes, file);
  };

  const unsub = useStore.subscribe((s, prev) => {
    if (!s.ready) return;
    const same = (s.big ?? s.text) === loadedText && s.overrides === prev.overrides && prev.ready;
    if (!same && (s.text !== prev.text || s.big !== prev.big || (s.ready && !prev.ready) || s.overrides !== prev.overrides)) {
      if (timer) clearTimeout(timer);
      // Text from outside the editor (link, library, first load) and new machine settings run at once.
      const delay = s.textEpoch !== prev.textEpoch || !prev.ready || s.overrides !== prev.overrides ? 0 : DEBOUNCE_MS;
      timer = setTimeout(() => {
        timer = null;
        void runLoad(storeSource());
      }, delay);
    }
    if (s.step !== prev.step && s.summary) void pullFrame();
    if (s.selection.buffer !== prev.selection.buffer) fetchSelected(s.selection.buffer);
  });

  if (useStore.getState().ready) void runLoad(storeSource());

  editorText = useStore.getState().text;
  const unsubText = useStore.subscribe((st) => {
    if (st.text === editorText) return;
    editorTextBefore = editorText;
    editorText = st.text;
  });
  return () => {
    stopped = true;
    unsubText();
    partial.stop();
    dropped = null;
    unsub();
    if (timer) clearTimeout(timer);
  };
}
