// The gfp flags as the slab check prints them (src/sim/mm/gfp.ts): "Unexpected gfp: %#x (%pGg). Fixing up to gfp:
// %#x (%pGg)" in new_slab() / kmalloc_fix_flags(). %pGg is lib/vsprintf.c's flags_string() → format_flags() over
// include/trace/events/mmflags.h's __def_gfpflag_names: composite names first, each taken when all its bits are
// still set; leftover bits in hex; nothing at all for 0 (the loop runs while flags are left). %#x prints 0 as 0x0.
import { describe, expect, it } from 'vitest';
import { gfpNames, gfpValue } from '../../src/sim/mm/gfp.ts';
import { runScenario } from '../../src/scenario/run.ts';
import { kernelCode } from '../../src/sim/config.ts';

const K = kernelCode('6.18');

describe('gfp flags as %pGg names them', () => {
  it('0x4 is "GFP_DMA32" (the table has gfpflag_string(GFP_DMA32), not __GFP_DMA32); 0 is empty', () => {
    expect(gfpNames(K, 0x4)).toBe('GFP_DMA32');
    expect(gfpNames(K, 0)).toBe('');
  });
  it('composites first, then the single bits left over: GFP_KERNEL | GFP_ATOMIC is GFP_KERNEL|__GFP_HIGH (6.3+, no __GFP_ATOMIC bit)', () => {
    expect(gfpNames(K, gfpValue(K, ['GFP_KERNEL', 'GFP_ATOMIC']))).toBe('GFP_KERNEL|__GFP_HIGH');
    expect(gfpNames(K, gfpValue(K, ['GFP_KERNEL', '__GFP_NOWARN', '__GFP_ZERO']))).toBe('GFP_KERNEL|__GFP_NOWARN|__GFP_ZERO');
  });
  it('kmalloc(64, GFP_DMA32) alone: the flags left after the fix-up are 0, printed "0x0 ()"', () => {
    const r = runScenario('machine(arch=x86, ram=8G)\na = kmalloc(64, GFP_DMA32)\n', { kernel: '6.18' });
    expect(r.steps[0]!.warnings).toEqual(['Unexpected gfp: 0x4 (GFP_DMA32). Fixing up to gfp: 0x0 (). Fix your code!']);
  });
  it('at= places memory that exists (an imported trace): no slab check, no log line', () => {
    const r = runScenario('machine(arch=x86, ram=8G)\na = kmalloc(64, GFP_KERNEL | GFP_DMA32, at=0x1fffff000)\n', { kernel: '6.18' });
    expect(r.steps[0]).toMatchObject({ error: null, warnings: [] });
  });
});
