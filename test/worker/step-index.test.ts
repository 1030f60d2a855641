/**
 * StepIndex (src/worker/step-index.ts): a loaded run keeps its text and
 * where each step's line starts, and reads a step's statement back from its
 * line — the same command the load ran — and an imported step's origin from
 * the line's comment.
 */
import { describe, expect, it } from 'vitest';
import { StepIndex } from '../../src/worker/step-index.ts';
import { realCore } from '../../src/worker/core.ts';
import { parseScenario } from '../../src/scenario/parser.ts';

function indexed(text: string): StepIndex {
  const index = new StepIndex(realCore, text);
  const it = realCore.scan(text, {});
  for (let r = it.next(); !r.done; r = it.next()) index.add(r.value.line, r.value.lineStart);
  return index;
}

describe('StepIndex', () => {
  it('reads every step back as the parse gave it, past its first growth, across \\n and \\r\\n lines', () => {
    const lines = ['machine(arch=arm64)', 'device(cam, dma_mask=64)'];
    for (let i = 0; i < 1500; i++) lines.push(`b${i % 7} = kmalloc(${64 + (i % 5) * 64}, GFP_KERNEL)`, '# between', `kfree(b${i % 7})`);
    const text = lines.join('\r\n').replace(/# between\r\n/g, '# between\n') + '\n';
    const parsed = parseScenario(text);
    if (!parsed.ok) throw new Error('bad scenario');
    const index = indexed(text);
    expect(index.count).toBe(3000);
    for (const k of [1, 2, 1024, 1025, 2048, 2999, 3000]) expect(index.command(k)).toEqual(parsed.scenario.body[k - 1]);
    expect(index.origin(5)).toBeNull();
    expect(() => index.command(0)).toThrow(RangeError);
    expect(() => index.command(3001)).toThrow(RangeError);
  });

  it("gives an imported step's trace line from its comment, and null for any other comment", () => {
    const text = 'machine(arch=arm64)\ndevice(cam, dma_mask=64)\nb = kmalloc(64, GFP_KERNEL) # trace line 12 · 5.000001 swapper/0-1\nkfree(b) # just a comment\n';
    const index = indexed(text);
    expect(index.origin(1)).toBe('trace line 12 · 5.000001 swapper/0-1');
    expect(index.origin(2)).toBeNull();
    expect(index.command(2).source).toBe('kfree(b)');
  });
});

describe('load, parsing and running together', () => {
  it('a text whose error comes after steps have run changes nothing: the errors, and the previous run still answers', async () => {
    const { createEngineApi } = await import('../../src/worker/engine-api.ts');
    const api = createEngineApi(realCore);
    const head = 'machine(arch=arm64)\ndevice(cam, dma_mask=64)\n';
    const good = await api.load(`${head}a = kmalloc(64, GFP_KERNEL)\nkfree(a)\n`, { runId: 3 });
    expect(good).toMatchObject({ ok: true, runId: 3, stepCount: 2 });
    const bad = await api.load(`${head}b = kmalloc(64, GFP_KERNEL)\ncpu_write(b, "x")\nkfree(b)\nkfree(nope)\n`, { runId: 4 });
    expect(bad).toMatchObject({ ok: false, runId: 3, stepCount: 2 });
    expect(bad.steps.length).toBe(0);
    expect(bad.errors[0]).toMatchObject({ line: 6 });
    expect(api.frame(2)).toMatchObject({ runId: 3, step: 2, stepCount: 2, json: { source: 'kfree(a)' } });
  });
});
