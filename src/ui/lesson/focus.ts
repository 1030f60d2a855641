/**
 * Narration focus in the explorer: a step whose narration says
 * `[view=cache line=buf+64]` opens that view and selects that thing once the
 * step is on screen. Steps of a lesson without a focus show the machine
 * diagram, unless the learner picked another view by hand.
 *
 * Also keeps the learner's progress: a lesson (or reference scenario) is done
 * when its last step is reached, a bug hunt when it is solved.
 */
import type { FocusJson, FocusView } from '../../scenario/teaching.ts';
import { lockedSkeleton } from '../../scenario/markup.ts';
import type { Frame } from '../../worker/api.ts';
import type { Selection } from '../store/store.ts';
import { useStore } from '../store/store.ts';
import { engineClient } from '../engine.ts';
import { physOf } from '../viz/machine-lookup.ts';
import { useLesson } from './lessonStore.ts';
import { narrationFor } from './teaching.ts';
import { entryForTitle, loadCatalog } from '../library/catalog.ts';
import { followedView, following } from '../panels/follow.ts';

/** The explorer's view id for each focus view of the language. */
export const VIEW_IDS: Record<FocusView, string> = {
  diagram: 'diagram',
  bytes: 'bytes',
  cache: 'cache',
  memmap: 'memmap',
  swiotlb: 'swiotlb',
  iommu: 'iommu',
  gpu: 'gpuvm',
  cma: 'cma',
  dmabuf: 'dmabuf',
};

const VIEW_NAMES: Record<FocusView, string> = {
  diagram: 'the machine diagram',
  bytes: 'the bytes',
  cache: 'the CPU cache',
  memmap: 'the memory map',
  swiotlb: 'the swiotlb slots',
  iommu: 'the IOMMU',
  gpu: 'the GPU MMU',
  cma: 'the CMA area',
  dmabuf: 'the dma-buf',
};

export function focusLabel(f: FocusJson): string {
  const what = f.line ? `, line of ${f.line.buffer}${f.line.offset ? `+${f.line.offset}` : ''}` : f.buffer ? `, ${f.buffer}` : '';
  return `${VIEW_NAMES[f.view]}${what}`;
}

const SLOT = 2048;

/** The address a DMA handle held after the step that assigned it (its result), or null. */
async function handleValue(step: number): Promise<number | null> {
  const f = await engineClient().frame(step, { snapshot: false });
  const r = f.json?.result;
  return typeof r === 'string' && /^0x[0-9a-f]+$/i.test(r) ? Number.parseInt(r, 16) : typeof r === 'number' ? r : null;
}

/** What a focus selects, in the frame's machine. */
async function selectionFor(f: FocusJson, frame: Frame): Promise<Selection> {
  const snap = frame.snapshot;
  const sel: Selection = {};
  if (f.buffer) sel.buffer = f.buffer;
  if (f.line && snap) {
    const b = snap.buffers.find((x) => x.name === f.line!.buffer);
    const phys = b ? physOf(b, f.line.offset) : null;
    sel.buffer = f.line.buffer;
    if (phys !== null) sel.line = phys - (phys % snap.cache.line);
  }
  const addrOf = async (v: number | { step: number }): Promise<number | null> => (typeof v === 'number' ? v : handleValue(v.step));
  if (f.slot !== undefined) {
    const v = typeof f.slot === 'number' && snap?.swiotlb ? snap.swiotlb.start + f.slot * SLOT : typeof f.slot === 'number' ? null : await addrOf(f.slot);
    if (v !== null) sel.addr = v;
  }
  if (f.iova !== undefined && snap) {
    const iova = await addrOf(f.iova);
    const map = iova === null ? undefined : snap.mappings.find((r) => iova >= r.addr && iova < r.addr + r.size);
    if (map) {
      sel.addr = map.phys + (iova! - map.addr);
      sel.buffer ??= snap.buffers.find((b) => b.id === map.bufId)?.name;
    }
  }
  return sel;
}

let applying = false;

/** Opens the focused view and selects what the focus names. */
export async function applyFocus(f: FocusJson, frame: Frame): Promise<void> {
  const st = useStore.getState();
  applying = true;
  st.setActiveView(VIEW_IDS[f.view]);
  applying = false;
  useLesson.getState().setViewByFocus(true);
  const sel = await selectionFor(f, frame);
  // The learner may have moved on while the handle's value was fetched.
  if (useStore.getState().frame?.step === frame.step) useStore.getState().setSelection(sel);
}

/** A step without a focus: the view it changed most when following the step, else the diagram. */
function showStepView(frame: Frame): void {
  applying = true;
  useStore.getState().setActiveView(following(true) ? followedView(frame) : 'diagram');
  applying = false;
  useLesson.getState().setViewByFocus(false);
}

/**
 * The catalogue id of what is on screen: a lesson (the one opened, or the one
 * with this title), or a reference scenario opened from the library and not
 * edited since.
 */
async function catalogId(): Promise<string | null> {
  const st = useStore.getState();
  const opened = useLesson.getState().opened;
  const title = st.summary?.teaching?.lesson?.title;
  if (!title) return opened && opened.text === st.text ? opened.id : null;
  if (opened && opened.text.includes(title)) return opened.id;
  return entryForTitle(await loadCatalog(), title)?.id ?? null;
}

async function trackProgress(): Promise<void> {
  const st = useStore.getState();
  const t = st.summary?.teaching;
  if (!st.summary || st.errors.length > 0 || st.running) return;
  const hunt = (t?.fixes.length ?? 0) > 0;
  const finished = hunt ? st.summary.checks.failed === 0 && st.summary.checks.passed > 0 : st.summary.stepCount > 0 && st.step >= st.summary.stepCount;
  if (!finished) return;
  const id = await catalogId();
  if (id) useLesson.getState().markDone(id);
}

/** Longer texts are never the lesson that was opened (a lesson is a page or two). */
const LESSON_MAX_CHARS = 1_000_000;

/** Starts following focus and progress; returns a function that stops it. */
export function startLessonSync(): () => void {
  let lastKey = '';
  const unsub = useStore.subscribe((s, prev) => {
    // A view picked by hand stays, until the next focus.
    if (s.activeView !== prev.activeView && !applying) useLesson.getState().setViewByFocus(false);
    if (s.textEpoch !== prev.textEpoch) {
      // Keep the opened lesson (and its progress id) across Reset and "show solution"; anything else is a new text.
      const opened = useLesson.getState().opened;
      // (A text of megabytes is no learner's answer: its skeleton is not worth splitting it for.)
      const same = opened && (opened.text === s.text || (s.text.length < LESSON_MAX_CHARS && lockedSkeleton(opened.text) !== null && lockedSkeleton(opened.text) === lockedSkeleton(s.text)));
      useLesson.getState().reset(same ? opened : null);
    }
    if (s.step !== prev.step || s.summary !== prev.summary || s.running !== prev.running) void trackProgress();
    const frame = s.frame;
    const t = s.summary?.teaching;
    if (!frame || frame === prev.frame || !t?.lesson || frame.runId !== s.summary?.runId) return;
    const key = `${frame.runId}:${frame.step}`;
    if (key === lastKey) return;
    const newRun = !lastKey.startsWith(`${frame.runId}:`);
    lastKey = key;
    const focus = narrationFor(t, frame.step)?.focus;
    if (focus) void applyFocus(focus, frame);
    // The lesson's default view is the diagram; following the step, the view the step changed.
    else if (following(true) || useLesson.getState().viewByFocus || (newRun && frame.step === 0) || s.activeView === '') showStepView(frame);
  });
  return unsub;
}
