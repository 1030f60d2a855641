/**
 * The glossary cites the kernel: every term names the file (and the function,
 * macro or type) where the kernel does what the card says. The arm64 cache
 * maintenance terms are checked against arch/arm64/mm/cache.S (v6.x):
 * dcache_clean_poc() is `dcache_by_line_op cvac`, dcache_clean_inval_poc() is
 * `dcache_by_line_op civac`, and dcache_inval_poc() issues `dc civac` on the
 * partial lines at the ends of its range and `dc ivac` on the rest; the
 * callers are arch_sync_dma_for_device() / arch_sync_dma_for_cpu() in
 * arch/arm64/mm/dma-mapping.c.
 */
import { describe, expect, it } from 'vitest';
import { GLOSSARY, TERM_BY_ID, sourceText } from '../../src/ui/glossary/glossary.ts';

const TREE = /^(arch|kernel|drivers|include|mm|lib|Documentation)\/[\w./-]+\.(c|h|S|rst)$/;

describe('glossary sources', () => {
  it('every term cites at least one file of the kernel tree', () => {
    for (const t of GLOSSARY) {
      expect(t.source.length, t.id).toBeGreaterThan(0);
      for (const s of t.source) expect(s.file, t.id).toMatch(TREE);
    }
  });

  it('the arm64 cache instructions cite the cache.S routine that issues them', () => {
    const fns = (id: string) => TERM_BY_ID.get(id)!.source.map(sourceText);
    expect(fns('dc-cvac')).toContain('arch/arm64/mm/cache.S: dcache_clean_poc()');
    expect(fns('dc-civac')).toEqual(['arch/arm64/mm/cache.S: dcache_clean_inval_poc()', 'arch/arm64/mm/cache.S: dcache_inval_poc()']);
    expect(fns('dc-ivac')).toEqual(['arch/arm64/mm/cache.S: dcache_inval_poc()', 'arch/arm64/mm/dma-mapping.c: arch_sync_dma_for_cpu()']);
    // dcache_inval_poc: civac only at the partial edge lines, ivac for the rest.
    expect(TERM_BY_ID.get('dc-civac')!.def).toMatch(/dcache_inval_poc\(\) only for the partial lines at the two ends/);
    expect(TERM_BY_ID.get('dc-ivac')!.def).toMatch(/partial lines at its ends get dc civac/);
  });
});
