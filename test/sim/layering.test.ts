// The DMA layering, as kernel/dma/mapping.c has it: the front door
// (src/sim/dma/mapping.ts) checks, chooses the back end, calls it, then calls
// the dma-debug hook and records the mapping (dma_map_page_attrs → back end →
// debug_dma_map_page; dma_alloc_attrs → back end → debug_dma_alloc_coherent).
// The back ends never call back up, and the engine has no runtime import
// cycle: read from the sources, so a new import that closes a loop fails here.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const SIM = resolve(__dirname, '../../src/sim');

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}

/**
 * The modules a file loads at run time. With verbatimModuleSyntax only
 * `import type` / `export type` are erased: `import { type A } from` still
 * loads its module, so it counts.
 */
function runtimeImports(text: string, from: string): string[] {
  const specs = [...text.matchAll(/^\s*(import|export)\s+(?!type\s)[^'";]*?\bfrom\s+'(\.[^']+)'/gm)].map((m) => m[2]!);
  const bare = [...text.matchAll(/^\s*import\s+'(\.[^']+)'/gm)].map((m) => m[1]!);
  return [...specs, ...bare].map((s) => resolve(dirname(from), s));
}

/** Every cycle found by a depth-first walk, as `a.ts → b.ts → a.ts`. */
function cycles(graph: Map<string, string[]>, name: (f: string) => string = (f) => f): string[] {
  const found: string[] = [];
  const stack: string[] = [];
  const done = new Set<string>();
  const visit = (n: string): void => {
    stack.push(n);
    for (const d of graph.get(n) ?? []) {
      const at = stack.indexOf(d);
      if (at >= 0) found.push([...stack.slice(at), d].map(name).join(' → '));
      else if (!done.has(d)) visit(d);
    }
    stack.pop();
    done.add(n);
  };
  for (const n of graph.keys()) if (!done.has(n)) visit(n);
  return found;
}

const graph = new Map(files(SIM).map((f) => [f, runtimeImports(readFileSync(f, 'utf8'), f)]));
const rel = (f: string) => relative(SIM, f);

describe('the engine layering', () => {
  it('reads imports the way the build loads them', () => {
    const text = ["import type { A } from './a.ts';", "import { type B } from './b.ts';", "import { c } from './c.ts';", "export { d } from './d.ts';", "export type { E } from './e.ts';", "import './f.ts';"].join('\n');
    expect(runtimeImports(text, '/x/y.ts')).toEqual(['/x/b.ts', '/x/c.ts', '/x/d.ts', '/x/f.ts']);
  });

  it('finds a cycle when there is one (and names it)', () => {
    const g = new Map([
      ['a', ['b']],
      ['b', ['c']],
      ['c', ['a']],
      ['d', ['a']],
    ]);
    expect(cycles(g)).toEqual(['a → b → c → a']);
    expect(cycles(new Map([['a', ['b']], ['b', []]]))).toEqual([]);
  });

  it('has no runtime import cycle in src/sim', () => {
    expect(graph.size).toBeGreaterThan(40);
    expect(cycles(graph, rel)).toEqual([]);
  });

  it('keeps dma-debug and the mapping records in the front door: no back end loads them, or the front door', () => {
    const backEnds = ['dma/direct.ts', 'dma/coherent.ts', 'dma/swiotlb.ts', 'iommu/dma-iommu.ts', 'arch/arm-dma-iommu.ts', 'hw/device-dma-ops.ts'];
    for (const b of backEnds) {
      const deps = (graph.get(join(SIM, b)) ?? []).map(rel);
      expect(deps, b).not.toContain('dma/debug.ts');
      expect(deps, b).not.toContain('dma/tracking.ts');
      expect(deps, b).not.toContain('dma/mapping.ts');
    }
  });

  it('chooses the back end in one place (dmaBackEnd in dma/mapping.ts)', () => {
    const callers = [...graph.keys()].filter((f) => /\b(devUsesDmaIommu|armIommuMapping)\(/.test(readFileSync(f, 'utf8').replace(/^.*\bexport function\b.*$/gm, ''))).map(rel).sort();
    // mapping.ts asks; arm-dma-iommu.ts looks its own mapping up inside its ops and arm_iommu_detach_device
    expect(callers).toEqual(['arch/arm-dma-iommu.ts', 'dma/mapping.ts']);
  });
});
