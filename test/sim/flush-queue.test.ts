import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  IOVA_DEFAULT_FQ_SIZE,
  IOVA_SINGLE_FQ_SIZE,
  createFlushQueue,
  fqAdvance,
  fqCount,
  fqFlush,
  fqPending,
  fqQueue,
} from '../../src/sim/iommu/flush-queue.ts';

function fq() {
  return createFlushQueue({ name: 'smmu0' });
}

describe('dma-iommu.c flush queue (queue_iova / fq_flush_timeout)', () => {
  it('queue_iova holds the IOVA and arms the 10 ms timer; fq_flush_timeout flushes and releases it', () => {
    const q = fq();
    const r = fqQueue(q, 0xfffff, 1, 0);
    expect(r.flushed).toBe(false);
    expect(r.released).toEqual([]);
    expect(r.events).toEqual([expect.objectContaining({ kind: 'fq', op: 'queue', entries: 1, domain: 'smmu0' })]);
    expect(q.timerOn).toBe(true);
    expect(q.timerDeadlineUs).toBe(10_000);
    expect(fqAdvance(q, 9_999).flushed).toBe(false);
    const t = fqAdvance(q, 10_000);
    expect(t.flushed).toBe(true);
    expect(t.released).toEqual([{ pfn: 0xfffff, pages: 1 }]);
    expect(t.events[0]).toMatchObject({ kind: 'fq', op: 'flush', entries: 1, why: { fn: 'fq_flush_timeout' } });
    expect(q.timerOn).toBe(false);
    expect(fqCount(q)).toBe(0);
  });

  it('the timer is armed once and not pushed back by later unmaps', () => {
    const q = fq();
    fqQueue(q, 1, 1, 0);
    fqQueue(q, 2, 1, 5_000);
    expect(q.timerDeadlineUs).toBe(10_000);
    expect(fqAdvance(q, 10_000).released.map((e) => e.pfn)).toEqual([1, 2]);
  });

  it('fq_full is (tail + 1) & mask == head: 255 entries fit, the 256th queue_iova flushes first, then queues', () => {
    const q = fq();
    for (let i = 0; i < IOVA_DEFAULT_FQ_SIZE - 1; i++) expect(fqQueue(q, 1000 + i, 1, 0).flushed).toBe(false);
    expect(fqCount(q)).toBe(255);
    const r = fqQueue(q, 5000, 2, 1);
    expect(r.flushed).toBe(true);
    expect(r.released).toHaveLength(255);
    expect(r.released[0]).toEqual({ pfn: 1000, pages: 1 }); // oldest first
    expect(r.events.map((e) => (e.kind === 'fq' ? e.op : e.kind))).toEqual(['flush', 'queue']);
    expect(r.events[0]).toMatchObject({ entries: 255, why: { fn: 'queue_iova' } });
    expect(fqPending(q)).toEqual([{ pfn: 5000, pages: 2, counter: 1 }]);
  });

  it('after a full-ring flush the armed timer still fires later and flushes again (possibly nothing)', () => {
    const q = fq();
    for (let i = 0; i < IOVA_DEFAULT_FQ_SIZE; i++) fqQueue(q, i, 1, 0);
    expect(fqCount(q)).toBe(1);
    const t = fqAdvance(q, 10_000);
    expect(t.flushed).toBe(true);
    expect(t.released).toEqual([{ pfn: 255, pages: 1 }]);
    expect(q.flushes).toBe(2);
    fqQueue(q, 7, 1, 20_000);
    expect(q.timerDeadlineUs).toBe(30_000);
  });

  it('a timer that expired before the next queue_iova runs first', () => {
    const q = fq();
    fqQueue(q, 1, 1, 0);
    const r = fqQueue(q, 2, 1, 25_000);
    expect(r.flushed).toBe(true);
    expect(r.released).toEqual([{ pfn: 1, pages: 1 }]);
    expect(fqPending(q).map((e) => e.pfn)).toEqual([2]);
    expect(q.timerDeadlineUs).toBe(35_000);
  });

  it('fq_flush_iotlb: an explicit flush releases everything queued before it; the timer stays armed', () => {
    const q = fq();
    fqQueue(q, 1, 4, 0);
    fqQueue(q, 5, 1, 0);
    const f = fqFlush(q);
    expect(f.released).toEqual([
      { pfn: 1, pages: 4 },
      { pfn: 5, pages: 1 },
    ]);
    expect(q.timerOn).toBe(true);
  });

  it('single-queue mode (shadow_on_flush): 32768 slots, 1000 ms', () => {
    const q = createFlushQueue({ name: 'vm', single: true });
    expect(q.size).toBe(IOVA_SINGLE_FQ_SIZE);
    fqQueue(q, 1, 1, 0);
    expect(q.timerDeadlineUs).toBe(1_000_000);
  });
});

describe('flush queue properties (fast-check)', () => {
  it('every queued IOVA is released exactly once, in queue order, never before a flush', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 4000 })), { maxLength: 600 }), (steps) => {
        const q = fq();
        let now = 0;
        let next = 1;
        const released: number[] = [];
        for (const [isQueue, dt] of steps) {
          now += dt;
          const r = isQueue ? fqQueue(q, next++, 1, now) : fqAdvance(q, now);
          if (r.released.length) expect(r.flushed).toBe(true);
          for (const e of r.released) released.push(e.pfn);
          expect(fqCount(q)).toBeLessThan(IOVA_DEFAULT_FQ_SIZE);
        }
        for (const e of fqFlush(q).released) released.push(e.pfn);
        expect(released).toEqual(Array.from({ length: next - 1 }, (_, i) => i + 1));
      }),
      { numRuns: 200 },
    );
  });
});
