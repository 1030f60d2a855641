/**
 * Flush queue of lazy (DMA-FQ) domains — mirrors `queue_iova`,
 * `fq_ring_free_locked`, `fq_flush_iotlb` and `fq_flush_timeout` in
 * `drivers/iommu/dma-iommu.c`.
 *
 * What it is for: in lazy mode `__iommu_dma_unmap` clears the PTEs but does
 * not invalidate the IOTLB; it queues the IOVA range here instead. The IOVA
 * (and the freed page-table pages) are held back until a full IOTLB flush has
 * completed since they were queued, so the stale translation can never point
 * into a *reused* IOVA — but it can still reach the old physical page.
 *
 * Kernel behaviour kept:
 * - Ring of `IOVA_DEFAULT_FQ_SIZE` = 256 slots (single-queue mode, used when
 *   `shadow_on_flush`: `IOVA_SINGLE_FQ_SIZE` = 32768). `fq_full()` is
 *   `((tail + 1) & mod_mask) == head`, so the ring holds at most 255 entries:
 *   the 256th `queue_iova` finds it full.
 * - `queue_iova` order: first `fq_ring_free_locked` (entries already flushed),
 *   then, if full, `fq_flush_iotlb` and `fq_ring_free_locked` again, then add
 *   the entry with `counter = fq_flush_start_cnt`, then arm the timer if it is
 *   not armed (`fq_timer_on`): it is not pushed back by later queueing.
 * - `fq_flush_iotlb`: `start_cnt++`, `flush_iotlb_all`, `finish_cnt++`;
 *   `fq_ring_free_locked` releases the entries (from the head, oldest first)
 *   whose counter is below `finish_cnt`, calling `free_iova_fast` on each.
 * - `fq_flush_timeout` (10 ms, single queue 1000 ms): clears `fq_timer_on`,
 *   flushes once (even if the ring is empty), then frees the ring.
 *
 * Simplified:
 * - One CPU, so one ring. Time is in microseconds, given by the caller; the
 *   timer fires exactly `timeoutUs` after it was armed (the kernel rounds to
 *   jiffies).
 * - Freed page-table pages (`freelist`) are not modelled.
 * - The queue does not call the IOTLB or the IOVA allocator: each result says
 *   whether a flush happened (the caller runs `flush_iotlb_all` on its IOTLB)
 *   and which ranges were released (the caller passes them to
 *   `free_iova_fast`, in the order given).
 * - Note: in the kernel an explicit `iommu_flush_iotlb_all()` does not drain
 *   this queue (only `fq_flush_iotlb` advances the counters). `fqFlush` is
 *   what the timer or a full ring does, for callers that want it.
 */
import type { SimEvent, Why } from '../events.ts';

const FILE = 'drivers/iommu/dma-iommu.c';

export const IOVA_DEFAULT_FQ_SIZE = 256;
export const IOVA_DEFAULT_FQ_TIMEOUT_US = 10_000;
export const IOVA_SINGLE_FQ_SIZE = 32768;
export const IOVA_SINGLE_FQ_TIMEOUT_US = 1_000_000;

export interface FlushQueue {
  /** Domain name used in events. */
  name: string;
  /** `IOMMU_DMA_OPTS_SINGLE_QUEUE`. */
  single: boolean;
  size: number;
  timeoutUs: number;
  pfn: Float64Array;
  pages: Float64Array;
  counter: Float64Array;
  head: number;
  tail: number;
  /** `fq_flush_start_cnt`, `fq_flush_finish_cnt`. */
  startCnt: number;
  finishCnt: number;
  /** `fq_timer_on` and when the armed timer fires. */
  timerOn: boolean;
  timerDeadlineUs: number;
  /** Flushes done so far (full ring, timer, explicit). */
  flushes: number;
}

export interface FqReleased {
  pfn: number;
  pages: number;
}

export interface FqResult {
  /** `flush_iotlb_all` ran: the caller invalidates its whole IOTLB. */
  flushed: boolean;
  /** Ranges to hand to `free_iova_fast`, oldest first. */
  released: FqReleased[];
  events: SimEvent[];
}

export interface FqOptions {
  name: string;
  /** Single-queue mode (`shadow_on_flush`): 32768 entries, 1000 ms. */
  single?: boolean;
}

const WHY_QUEUE: Why = {
  fn: 'queue_iova',
  file: FILE,
  rule: 'Lazy mode: the PTEs are already cleared but the IOTLB is not invalidated; the IOVA is held in the flush queue until a full flush has completed.',
};
const WHY_FULL: Why = {
  fn: 'queue_iova',
  file: FILE,
  rule: 'The flush queue is full (255 entries in a 256-slot ring): flush the whole IOTLB now (fq_flush_iotlb), then release every queued IOVA.',
};
const WHY_TIMEOUT: Why = {
  fn: 'fq_flush_timeout',
  file: FILE,
  rule: 'The flush-queue timer armed at the first queued unmap expired: flush the whole IOTLB, then release every queued IOVA.',
};
const WHY_EXPLICIT: Why = {
  fn: 'fq_flush_iotlb',
  file: FILE,
  rule: 'Flush the whole IOTLB (flush_iotlb_all), then release every IOVA queued before the flush.',
};

export function createFlushQueue(opts: FqOptions): FlushQueue {
  const single = opts.single ?? false;
  const size = single ? IOVA_SINGLE_FQ_SIZE : IOVA_DEFAULT_FQ_SIZE;
  return {
    name: opts.name,
    single,
    size,
    timeoutUs: single ? IOVA_SINGLE_FQ_TIMEOUT_US : IOVA_DEFAULT_FQ_TIMEOUT_US,
    pfn: new Float64Array(size),
    pages: new Float64Array(size),
    counter: new Float64Array(size),
    head: 0,
    tail: 0,
    startCnt: 0,
    finishCnt: 0,
    timerOn: false,
    timerDeadlineUs: 0,
    flushes: 0,
  };
}

/** Entries queued now. */
export function fqCount(fq: FlushQueue): number {
  return (fq.tail - fq.head + fq.size) % fq.size;
}

/** `fq_full()`. */
export function fqFull(fq: FlushQueue): boolean {
  return (fq.tail + 1) % fq.size === fq.head;
}

/** `fq_ring_free_locked`: release entries flushed since they were queued. */
function ringFree(fq: FlushQueue, out: FqReleased[]): void {
  const counter = fq.finishCnt;
  while (fq.head !== fq.tail) {
    const idx = fq.head;
    if (fq.counter[idx] >= counter) break;
    out.push({ pfn: fq.pfn[idx], pages: fq.pages[idx] });
    fq.head = (idx + 1) % fq.size;
  }
}

/** `fq_flush_iotlb`: the flush itself (the caller performs `flush_iotlb_all`). */
function flushIotlb(fq: FlushQueue): void {
  fq.startCnt++;
  fq.flushes++;
  fq.finishCnt++;
}

/** Run the timer if it has expired by `nowUs` (`fq_flush_timeout`). */
function runTimer(fq: FlushQueue, nowUs: number, res: FqResult): void {
  if (!fq.timerOn || nowUs < fq.timerDeadlineUs) return;
  fq.timerOn = false;
  flushIotlb(fq);
  const before = res.released.length;
  ringFree(fq, res.released);
  res.flushed = true;
  res.events.push({ kind: 'fq', domain: fq.name, op: 'flush', entries: res.released.length - before, why: WHY_TIMEOUT });
}

/**
 * `queue_iova(cookie, pfn, pages, freelist)` at time `nowUs`. A timer that
 * expired before `nowUs` is run first.
 */
export function fqQueue(fq: FlushQueue, pfn: number, pages: number, nowUs: number): FqResult {
  const res: FqResult = { flushed: false, released: [], events: [] };
  runTimer(fq, nowUs, res);
  // First remove all entries from the flush queue that have already been flushed out.
  ringFree(fq, res.released);
  if (fqFull(fq)) {
    flushIotlb(fq);
    const before = res.released.length;
    ringFree(fq, res.released);
    res.flushed = true;
    res.events.push({ kind: 'fq', domain: fq.name, op: 'flush', entries: res.released.length - before, why: WHY_FULL });
  }
  const idx = fq.tail;
  fq.tail = (idx + 1) % fq.size;
  fq.pfn[idx] = pfn;
  fq.pages[idx] = pages;
  fq.counter[idx] = fq.startCnt;
  if (!fq.timerOn) {
    fq.timerOn = true;
    fq.timerDeadlineUs = nowUs + fq.timeoutUs;
  }
  res.events.push({ kind: 'fq', domain: fq.name, op: 'queue', entries: fqCount(fq), why: WHY_QUEUE });
  return res;
}

/** Time passes to `nowUs`: the flush-queue timer fires if it is due. */
export function fqAdvance(fq: FlushQueue, nowUs: number): FqResult {
  const res: FqResult = { flushed: false, released: [], events: [] };
  runTimer(fq, nowUs, res);
  return res;
}

/**
 * `fq_flush_iotlb` followed by `fq_ring_free`: flush now and release every
 * queued IOVA. The timer, if armed, stays armed (as after a full-ring flush).
 */
export function fqFlush(fq: FlushQueue): FqResult {
  const res: FqResult = { flushed: true, released: [], events: [] };
  flushIotlb(fq);
  ringFree(fq, res.released);
  res.events.push({ kind: 'fq', domain: fq.name, op: 'flush', entries: res.released.length, why: WHY_EXPLICIT });
  return res;
}

/** Queued entries, oldest first, for the view. */
export function fqPending(fq: FlushQueue): Array<{ pfn: number; pages: number; counter: number }> {
  const out: Array<{ pfn: number; pages: number; counter: number }> = [];
  for (let i = fq.head; i !== fq.tail; i = (i + 1) % fq.size) {
    out.push({ pfn: fq.pfn[i], pages: fq.pages[i], counter: fq.counter[i] });
  }
  return out;
}
