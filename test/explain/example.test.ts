/**
 * "Try an example" in the Explain dialog explains EXAMPLE_LOG: it is the
 * fixture the explainer's own tests read (so it stays a log the explainer
 * recognises), and it explains to dma-debug's check_sync complaint with the
 * driver's frame and one line not recognised.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { EXAMPLE_LOG } from '../../src/ui/explain/example.ts';
import { explainLog, type Finding } from '../../src/explain/explain.ts';

describe('the Explain dialog\'s example log', () => {
  it('is test/fixtures/dmesg/stmmac-sync-after-unmap.6.15.log', () => {
    expect(EXAMPLE_LOG).toBe(readFileSync(join(__dirname, '../fixtures/dmesg/stmmac-sync-after-unmap.6.15.log'), 'utf8'));
  });

  it('explains to check_sync in kernel/dma/debug.c, called from stmmac_rx', () => {
    const r = explainLog(EXAMPLE_LOG);
    const found = r.items.filter((i): i is Finding => i.kind === 'finding');
    expect(found).toHaveLength(1);
    const f = found[0]!;
    expect(f.entries[0]).toMatchObject({ id: 'dma-debug.sync-not-allocated', fn: 'check_sync', file: 'kernel/dma/debug.c' });
    expect(f.warn!.caller).toMatchObject({ fn: 'stmmac_rx', module: 'stmmac' });
    expect(r.unknownLines).toBe(1);
  });
});
