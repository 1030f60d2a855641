// A long load is steppable while it runs: from its first progress with rows,
// frame() answers about the new run for the steps run so far (between the
// load's slices), with the same records and machines the finished run gives;
// a load that does not finish (cancelled, or errors at the end) leaves the
// run before it answering, as if nothing had happened.
import { describe, expect, it } from 'vitest';
import type { Frame, LoadProgress } from '../../src/worker/api.ts';
import { createEngineApi } from '../../src/worker/engine-api.ts';
import { realCore } from '../../src/worker/core.ts';

const HEAD = 'machine(arch=arm64)\ndevice(cam, dma_mask=64)\n';

function loop(n: number, tail = ''): string {
  const lines = [HEAD.trim(), 'a = kmalloc(4096, GFP_KERNEL)'];
  for (let i = 0; lines.length < n; i++) {
    lines.push(`cpu_write(a + ${(i * 16) % 200}, "w${i % 10}")`, 'h = dma_map_single(cam, a, 256, DMA_BIDIRECTIONAL)', `dev_write(cam, h + ${(i * 8) % 128}, "d${i % 10}")`, 'dma_unmap_single(cam, h, 256, DMA_BIDIRECTIONAL)');
  }
  return `${lines.join('\n')}\n${tail}`;
}

/** What a frame shows, without the worker's timing and the parts' ids (they number what was sent before). */
function seen(f: Frame) {
  return { step: f.step, json: f.json, snapshot: f.snapshot, focus: f.focus, bytes: f.bytes };
}

/** A load whose slices end every few steps (a clock of 10 ms a call), with `between` called at each yield. */
function slicedApi(between: (progress: LoadProgress[]) => void) {
  const progress: LoadProgress[] = [];
  let clock = 0;
  const api = createEngineApi(realCore, {
    post: (p) => progress.push(p),
    now: () => (clock += 10),
    yieldNow: async () => between(progress),
  });
  return { api, progress };
}

describe('a run steppable while it loads', () => {
  it('answers frames of the steps run so far, the same as the finished run', async () => {
    const text = loop(3000);
    const during: Frame[] = [];
    let api!: ReturnType<typeof createEngineApi>;
    const sliced = slicedApi((progress) => {
      const sent = progress.filter((p) => p.rows).reduce((n, p) => n + p.rows!.count, 0);
      if (sent === 0 || during.length >= 6) return;
      // A frame of the last step posted, and of one far back (a seek from a checkpoint).
      const f = api.frame(sent, { buffer: 'a' });
      expect(f.runId).toBe(7);
      expect(f.stepCount).toBeGreaterThanOrEqual(sent);
      during.push(f, api.frame(Math.ceil(sent / 3), { buffer: 'a' }));
    });
    api = sliced.api;
    const s = await api.load(text, { runId: 7 });
    expect(s.ok).toBe(true);
    expect(during.length).toBeGreaterThanOrEqual(4);
    // The configuration comes with the first rows, the findings with theirs.
    expect(sliced.progress.find((p) => p.rows)?.config?.arch).toBe('arm64');
    const whole = createEngineApi(realCore);
    await whole.load(text);
    for (const f of during) expect(seen(f)).toEqual(seen(whole.frame(f.step, { buffer: 'a' })));
    // After the load: its step count, every step.
    expect(api.frame(s.stepCount).stepCount).toBe(s.stepCount);
  });

  it('a load that is cancelled or ends in errors leaves the run before it answering', async () => {
    let api!: ReturnType<typeof createEngineApi>;
    let asked: Frame | null = null;
    const sliced = slicedApi((progress) => {
      if (!asked && progress.some((p) => p.rows && p.rows.count > 0)) asked = api.frame(1);
    });
    api = sliced.api;
    const first = await api.load(loop(50), { runId: 1 });
    expect(first.ok).toBe(true);
    asked = null;
    // An error on the last line: the steps before it ran (and answered) while it loaded.
    const bad = await api.load(loop(3000, 'dma_map_single(cam, a, 256, NOT_A_DIRECTION'), { runId: 2 });
    expect(bad.ok).toBe(false);
    expect(asked!.runId).toBe(2);
    expect(api.frame(3).runId).toBe(1);
    expect(api.frame(10_000).stepCount).toBe(first.stepCount);

    asked = null;
    const pending = api.load(loop(3000), { runId: 3 });
    api.cancel();
    expect(await pending).toMatchObject({ cancelled: true, runId: 1 });
    expect(api.frame(2).runId).toBe(1);
  });
});
