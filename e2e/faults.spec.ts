/**
 * Nothing on screen contradicts the explanation: for each kind of fault (an
 * IOMMU permission fault, an IOMMU translation fault, a GPU stage-1 fault in
 * its own MMU, a GPU stage-2 fault in the IOMMU behind it) the diagram's
 * caption says the same fault as the explanation, in the same words, and both
 * agree with the kernel's fault status in the log and the engine's observation.
 */
import { expect, goToStep, loadLibrary, onePage, test } from './fixtures.ts';
import type { Page } from '@playwright/test';

// One page for the four faults: each test shows its scenario and goes to its step.
const shared = onePage({ viewport: { width: 1280, height: 720 } });

async function faultWords(page: Page): Promise<{ caption: string; explanation: string; log: string; explanationText: string }> {
  await page.locator('#tab-diagram').click();
  const caption = page.getByTestId('diagram-captions').locator('.dg-cap-bad', { hasText: 'fault' });
  await expect(caption).toHaveCount(1);
  const explanation = page.getByTestId('explanation-fault');
  await expect(explanation).toHaveCount(1);
  return {
    caption: ((await caption.locator('.dg-cap-text').textContent()) ?? '').trim(),
    explanation: ((await explanation.textContent()) ?? '').trim(),
    log: (await page.getByTestId('kernel-log').textContent()) ?? '',
    explanationText: (await page.getByTestId('explanation').textContent()) ?? '',
  };
}

test('IOMMU permission fault: a write to a read-only mapping is never called "not mapped"', async () => {
  const page = shared();
  await loadLibrary(page, 'iommu-strict-unmap-fault');
  await goToStep(page, 'dev_write(nic, h');
  const w = await faultWords(page);
  expect(w.caption).toBe(w.explanation);
  expect(w.caption).toContain('IOMMU permission fault');
  expect(w.caption).toContain("nic's write is blocked");
  expect(w.caption).toContain('mapped read-only');
  expect(w.caption).not.toMatch(/not mapped|nothing maps/);
  expect(w.log).toContain('fsr=0x8'); // FSR.PF
  expect(w.explanationText).toContain('permission fault: nic wrote IOVA 0xfffff000');
  // The arrow for it: the device's write stops at the IOMMU.
  await expect(page.getByTestId('machine-diagram').locator('[data-arrow=blocked]')).toHaveCount(1);
});

test('IOMMU translation fault: a read after a strict unmap finds nothing mapped', async () => {
  const page = shared();
  await loadLibrary(page, 'iommu-strict-unmap-fault');
  const rows = page.locator('[data-testid=timeline] .tl-row', { hasText: 'dev_read(nic, h, 6)' });
  await rows.nth(2).click();
  await expect(page.getByTestId('explanation')).toHaveAttribute('data-step', (await rows.nth(2).getAttribute('data-step'))!);
  const w = await faultWords(page);
  expect(w.caption).toBe(w.explanation);
  expect(w.caption).toContain('IOMMU translation fault');
  expect(w.caption).toContain("nic's read is blocked");
  expect(w.caption).toContain('nothing maps IOVA 0xfffff000');
  expect(w.log).toContain('fsr=0x2'); // FSR.TF
  expect(w.explanationText).toContain('translation fault: nothing maps IOVA 0xfffff000');
  // The IOTLB is hardware: its lookup is named, not called like a function.
  await expect(page.getByTestId('explanation').locator('.why .fn', { hasText: 'IOTLB (hardware)' }).first()).toHaveText('IOTLB (hardware)');
  await expect(page.getByTestId('explanation')).not.toContainText('(hardware)()');
});

test('GPU stage-1 fault: the GPU MMU has no PTE for the VA', async () => {
  const page = shared();
  await loadLibrary(page, 'gpu-two-stage-fault');
  await goToStep(page, 'gpu_read(vm, 0x2001000');
  const w = await faultWords(page);
  expect(w.caption).toBe(w.explanation);
  expect(w.caption).toContain('GPU MMU translation fault (stage 1)');
  expect(w.caption).toContain('GPU VA 0x2001000 has no GPU page-table entry');
  expect(w.log).toContain('Unhandled Page fault in AS0');
  expect(w.explanationText).toContain('stage 1: no GPU PTE for VA 0x2001000');
});

test('GPU stage-2 fault: the GPU PTE holds an IOVA the IOMMU no longer maps (one fault, not two)', async () => {
  const page = shared();
  await loadLibrary(page, 'gpu-two-stage-fault');
  const rows = page.locator('[data-testid=timeline] .tl-row', { hasText: 'gpu_read(vm, 0x2000000' });
  await rows.nth(1).click();
  await expect(page.getByTestId('explanation')).toHaveAttribute('data-step', (await rows.nth(1).getAttribute('data-step'))!);
  const w = await faultWords(page);
  expect(w.caption).toBe(w.explanation);
  expect(w.caption).toContain('IOMMU translation fault (stage 2)');
  expect(w.caption).toContain('nothing maps DMA address 0xfffffffff000');
  expect(w.log).toContain('fsr=0x2');
  expect(w.explanationText).toContain('stage 2 fault: GPU VA 0x2000000 → DMA address 0xfffffffff000');
});
