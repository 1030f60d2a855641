/**
 * A property over hostile sizes and addresses: whatever size, offset (below
 * zero, past the buffer, past RAM) or order a scenario asks for, the runner
 * answers without throwing, no step reports an internal error, no event
 * carries a negative, non-integer or out-of-RAM physical address (the engine's
 * state never holds one), and no step records more than the events budget.
 * Kernel rules checked on the way: kmalloc above KMALLOC_MAX_SIZE and
 * alloc_pages above MAX_PAGE_ORDER return NULL (mm/page_alloc.c,
 * __alloc_pages: WARN_ON_ONCE_GFP(order > MAX_PAGE_ORDER, gfp)).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { runScenario } from '../../src/scenario/run.ts';
import { BUDGETS } from '../../src/sim/budgets.ts';

const RAM = 1024 ** 3;
const size = fc.oneof(fc.integer({ min: 1, max: 8192 }), fc.constantFrom(4 << 20, (4 << 20) + 1, 1 << 30, 2 ** 40, 2 ** 53 - 1), fc.integer({ min: 1, max: 2 ** 53 - 1 }));
const offset = fc.oneof(fc.integer({ min: -8192, max: 8192 }), fc.constantFrom(-0x300000000, 0x400000000, RAM, -1), fc.integer({ min: -(2 ** 52), max: 2 ** 52 }));
const ptr = (name: string) => offset.map((o) => (o === 0 ? name : o < 0 ? `${name} - ${-o}` : `${name} + ${o}`));

const line = fc.oneof(
  fc.tuple(ptr('p'), size).map(([p, n]) => `cpu_read(${p}, ${n})`),
  ptr('p').map((p) => `cpu_write(${p}, "hostile")`),
  fc.tuple(ptr('v'), size).map(([p, n]) => `memset(${p}, 0x55, ${n})`),
  fc.tuple(ptr('p'), size).map(([p, n]) => `h = dma_map_single(dev, ${p}, ${n}, DMA_BIDIRECTIONAL)`),
  fc.tuple(ptr('v'), size).map(([p, n]) => `cpu_prefetch(${p}, ${n})`),
  size.map((n) => `k = kmalloc(${n}, GFP_KERNEL)`),
  fc.integer({ min: 0, max: 40 }).map((o) => `a = alloc_pages(GFP_KERNEL, ${o})`),
  size.map((n) => `w = vmalloc(${n})`),
  fc.constant('kfree(p)'),
);

describe('hostile sizes and addresses', () => {
  it('never throw, never put a bad physical address in an event, never exceed the events budget', () => {
    fc.assert(
      fc.property(fc.array(line, { minLength: 1, maxLength: 8 }), (lines) => {
        const text = `machine(arch=arm64, ram=1G)\ndevice(dev, coherent=false)\np = kmalloc(64, GFP_KERNEL)\nv = vmalloc(8192)\n${lines.join('\n')}\n`;
        const r = runScenario(text);
        for (const st of r.steps) {
          expect(st.error).not.toBe('EXCEPTION');
          expect(st.events.length).toBeLessThanOrEqual(BUDGETS.eventsPerStep);
          for (const e of st.events) {
            const phys = (e as { phys?: unknown }).phys;
            if (typeof phys === 'number' && e.kind !== 'free') {
              expect(Number.isInteger(phys) && phys >= -1 && phys < RAM, `${e.kind} phys ${phys}`).toBe(true);
            }
          }
        }
      }),
      { numRuns: 150, seed: 14 },
    );
  });

  it('kmalloc above 4 MiB and alloc_pages above order 10 are NULL; at the limits they succeed', () => {
    const r = runScenario('machine(arch=arm64, ram=1G)\na = kmalloc(4M, GFP_KERNEL)\nb = kmalloc(4194305, GFP_KERNEL)\nc = alloc_pages(GFP_KERNEL, 10)\nd = alloc_pages(GFP_KERNEL, 11)\n');
    expect(r.steps.map((s) => s.error)).toEqual([null, 'NULL', null, 'NULL']);
  });
});
