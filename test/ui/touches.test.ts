// What every library scenario and lesson touches, step by step, as the
// explorer reads it: the ownership lanes (OwnershipTracker, from each step's
// outcome.touches) and the buffer each step is about (focusOf, the views'
// focus). The golden file was written when the touched sets replaced the
// tracker's own indexes and the focus guessed from the statement's names;
// against that guess the lanes were identical everywhere, and the focus
// differed only where the guess was wrong: an unmap, a dma-buf attach, map,
// detach or CPU access, a GPU VM map or access, and a device access through
// a handle from sg_dma_address now name the buffer they acted on (the guess
// found none), and a device access that reached no mapping of its device (another
// device's handle, an IOMMU fault, bytes past the mapping) or a sync outside
// any mapping names none (the guess named the handle's buffer).
// Update with `npx vitest run test/ui/touches.test.ts -u` and review the diff.
import { readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { prepareScenario, runStep } from '../../src/scenario/run.ts';
import { createMachine } from '../../src/sim/machine.ts';
import { OWN_WORDS, OwnershipTracker, ownershipByScan, type OwnState } from '../../src/worker/ownership.ts';
import { focusOf } from '../../src/worker/frames.ts';

const ROOT = resolve(__dirname, '../../src/scenario');

function scenarios(): string[] {
  const library = readdirSync(resolve(ROOT, 'library')).filter((f) => f.endsWith('.dma')).map((f) => `library/${f}`);
  const lessons = readdirSync(resolve(ROOT, 'lessons'), { recursive: true })
    .map(String)
    .filter((f) => f.endsWith('.dma'))
    .map((f) => `lessons/${f}`);
  return [...library, ...lessons].sort();
}

/** The scenario's lanes and per-step focus, one line each, with the tracker checked against a full scan at every step. */
function touchedText(file: string): string {
  const p = prepareScenario(readFileSync(resolve(ROOT, file), 'utf8'));
  if (!p.ok) throw new Error(`${file}: ${p.errors[0]!.message}`);
  const m = createMachine(p.config);
  const tracker = new OwnershipTracker();
  const focus: string[] = [];
  p.body.forEach((cmd, i) => {
    const { outcome } = runStep(m, cmd, i + 1);
    tracker.afterStep(m, i + 1, outcome.touches);
    expect(tracker.current(), `${file} after step ${i + 1}: ${cmd.source}`).toEqual(ownershipByScan(m));
    const id = focusOf(m, outcome.touches);
    focus.push(`  ${i + 1} ${id >= 0 ? m.buffers[id]!.name : '-'}  ${cmd.source}`);
  });
  const l = tracker.lanes();
  const lanes = l.names.map((n, b) => {
    const changes: string[] = [];
    for (let j = l.offsets[b]!; j < l.offsets[b + 1]!; j++) changes.push(`${l.steps[j]}:${OWN_WORDS[l.states[j]! as OwnState].name}`);
    return `  ${n} (${l.kinds[b]}) ${changes.join(', ')}`;
  });
  return [`## ${file}`, 'lanes:', ...lanes, 'focus:', ...focus, ''].join('\n');
}

describe('touched sets', () => {
  it('give the lanes and the focus of every library scenario and lesson (golden file)', async () => {
    const text = scenarios().map(touchedText).join('\n');
    await expect(text).toMatchFileSnapshot('../fixtures/touches/lanes-and-focus.txt');
  });
});
