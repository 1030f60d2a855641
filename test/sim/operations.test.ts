// DESIGN §2.9: one table of operations (src/sim/operations.ts) — signature,
// doc lines, section, budgets and handler per statement — that the
// validator, the generated language reference, the explorer (through the
// worker), the budgets and the ownership lanes all read. These tests fail if
// a second list of operations appears anywhere in src/.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { HEADER_OPS, OPERATIONS } from '../../src/sim/operations.ts';
import { SECTION_TITLES } from '../../src/sim/operation.ts';
import { createEngineApi } from '../../src/worker/engine-api.ts';
import { realCore } from '../../src/worker/core.ts';
import { parseScenario } from '../../src/scenario/parser.ts';
import { runStep, prepareScenario } from '../../src/scenario/run.ts';
import { createMachine } from '../../src/sim/machine.ts';
import { opsSection } from '../../scripts/ops-reference.ts';

const SRC = resolve(__dirname, '../../src');
const TABLE = 'sim/operations.ts';

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? files(p) : /\.tsx?$/.test(p) ? [p] : [];
  });
}

const names = [...OPERATIONS.keys()];

/** The event kinds (src/sim/events.ts): some are also operation names (iommu_map, cache_evict), so a switch over event kinds is no list of operations. */
const EVENT_KINDS = new Set([...readFileSync(join(SRC, 'sim/events.ts'), 'utf8').matchAll(/\bkind: '(\w+)'/g)].map((m) => m[1]!));
/** Names a dispatch may not spell out: not event kinds, nor the header statements, which build the machine (scenario/header.ts) instead of having a handler. */
const DISPATCHED = names.filter((n) => !EVENT_KINDS.has(n) && !HEADER_OPS.has(n));

/** Regex literals in code: after `(`, `,`, `=`, `:`, `!`, `&`, `|`, `?`, `[`, `{`, `;` or `return`. */
function regexLiterals(text: string): RegExp[] {
  const out: RegExp[] = [];
  for (const m of text.matchAll(/(?:[(,=:!&|?[{;]|\breturn)\s*\/((?:\\.|\[(?:\\.|[^\]\\\n])*\]|[^/\\\n[])+)\/([dgimsuy]*)/g)) {
    try {
      out.push(new RegExp(m[1]!, m[2]!.replace('g', '')));
    } catch {
      // not a regex (a division that looked like one)
    }
  }
  return out;
}

/**
 * A regex picks operation `n` out when it matches `n` but not every name
 * shaped like it: `n` with one of its words after the first (or its only
 * word) replaced. So /^dma_free_(attrs|pages)$/ picks dma_free_attrs, while
 * /^(dma_|iommu_)/ (kernel function prefixes) or /[A-Za-z0-9_]+/ pick nothing.
 */
function picks(re: RegExp, n: string): boolean {
  if (!re.test(n)) return false;
  const words = n.split('_');
  const decoys = words.length === 1 ? ['zzz'] : words.slice(1).map((_, i) => words.map((w, k) => (k === i + 1 ? 'zzz' : w)).join('_'));
  return decoys.some((d) => !re.test(d));
}

/** Where `text` lists three or more operation names: as object keys, in one bracketed list, in one regex, as case labels or as comparisons with `.op`. */
function opLists(text: string): string[] {
  const found: string[] = [];
  // `dma_map_single: …` as an object key (a per-operation table)
  const keys = names.filter((n) => new RegExp(`^\\s+['"]?${n}['"]?\\s*:`, 'm').test(text));
  if (keys.length >= 3) found.push(`keys ${keys.join(', ')}`);
  // ['kmalloc', 'kfree', …] or new Set([…]): a list of names (three or more in one bracket);
  // not the kernel functions a catalogue message's WARN site names (`fns: […]`), which share the kernel's names
  for (const m of text.matchAll(/\[([^\][]*)\]/g)) {
    if (/fns:\s*$/.test(text.slice(Math.max(0, m.index - 10), m.index))) continue;
    const inside = names.filter((n) => new RegExp(`['"\`]${n}['"\`]`).test(m[1]!));
    if (inside.length >= 3) found.push(`list ${m[0].slice(0, 80)}`);
  }
  // sig('kmalloc', 'memory', …): a second table of entries, an operation name with its section
  const sections = Object.keys(SECTION_TITLES).join('|');
  const entries = names.filter((n) => new RegExp(`\\(\\s*['"]${n}['"]\\s*,\\s*['"](${sections})['"]`).test(text));
  if (entries.length >= 3) found.push(`entries ${entries.slice(0, 5).join(', ')}`);
  // switch (cmd.op) { case 'dma_map_single': … }: a dispatch on operation names (event kinds that share a name do not count)
  const cases = DISPATCHED.filter((n) => new RegExp(`\\bcase\\s+['"]${n}['"]\\s*:`).test(text));
  if (cases.length >= 3) found.push(`cases ${cases.slice(0, 5).join(', ')}`);
  // cmd.op === 'dma_map_single' || cmd.op === 'dma_map_page' …: the same, as comparisons
  const compared = DISPATCHED.filter((n) => new RegExp(`\\.op\\s*[!=]==?\\s*['"]${n}['"]`).test(text));
  if (compared.length >= 3) found.push(`comparisons ${compared.slice(0, 5).join(', ')}`);
  // /^(dma_buf|iommu|…)/, /^dma_free_(coherent|attrs|pages)$/: a regex whose alternatives pick three or more operations out
  for (const re of regexLiterals(text)) {
    if (!re.source.includes('|')) continue;
    const picked = names.filter((n) => picks(re, n));
    if (picked.length >= 3) found.push(`regex ${re.source} (${picked.slice(0, 5).join(', ')})`);
  }
  return [...new Set(found)];
}

describe('the operation table', () => {
  it('is the only list of operations in src/: no other file keys an object, fills a list, writes a regex, switches or compares with operation names', () => {
    const offenders: string[] = [];
    for (const f of files(SRC)) {
      const rel = relative(SRC, f);
      if (rel === TABLE) continue;
      for (const what of opLists(readFileSync(f, 'utf8'))) offenders.push(`${rel}: ${what}`);
    }
    expect(offenders).toEqual([]);
  });

  it('the scan finds the lists this table replaced (it can fail)', () => {
    expect(opLists(`const RESCAN_OPS = /^(dma_buf|iommu|gpu|sg_table)/;`)).toHaveLength(1);
    expect(opLists(`export const OP_DOCS = {\n  kmalloc: 'a',\n  kfree: 'b',\n  vmalloc: 'c',\n};`)).toHaveLength(1);
    expect(opLists(`const CPU_ACCESS_OPS = new Set(['cpu_write', 'cpu_read', 'memset']);`)).toHaveLength(1);
    expect(opLists(`const SIGS = [\n  sig('kmalloc', 'memory', {}),\n  sig('kfree', 'memory', {}),\n  sig('vmalloc', 'memory', {}),\n];`).some((f) => f.startsWith('entries'))).toBe(true);
    expect(opLists(`if (e.kind === 'iommu_map') x();`)).toEqual([]);
    expect(opLists(`site: { fns: ['dma_buf_map_attachment', 'dma_buf_unmap_attachment', 'dma_buf_pin'] }`)).toEqual([]);
    // the trace writer's second list: a switch over operation names, comparisons, regexes of names
    expect(opLists(`switch (cmd.op) {\n  case 'dma_map_single':\n  case 'dma_map_page':\n    return;\n  case 'dma_unmap_single':\n    return;\n}`)).toEqual([expect.stringMatching(/^cases dma_map_single, dma_unmap_single, dma_map_page/)]);
    expect(opLists(`const coherent = cmd.op === 'dma_alloc_coherent' || cmd.op === 'dma_alloc_attrs';\nif (cmd.op !== 'dma_free_coherent') x();`)).toHaveLength(1);
    expect(opLists(`if (/^dma_free_(coherent|noncoherent|attrs|pages)$/.test(cmd.op)) x();`)).toEqual([expect.stringMatching(/^regex /)]);
    expect(opLists(`if (/^dma_(unmap_(single|page)|sync_single_for_)/.test(cmd.op)) x();`)).toHaveLength(1);
    // not lists: a switch over event kinds that share names with operations, a dma-buf event's op, one comparison, a path
    expect(opLists(`switch (e.kind) {\n  case 'iommu_map':\n  case 'iommu_unmap':\n  case 'cache_evict':\n  case 'alloc':\n}`)).toEqual([]);
    expect(opLists(`switch (e.op) {\n  case 'map':\n  case 'attach':\n  case 'pin':\n}`)).toEqual([]);
    expect(opLists(`if (c.op === 'sg_table' || c.op === 'machine') x(a / b, 'kernel/dma/mapping.c');`)).toEqual([]);
  });

  it('is what the validator, the reference and the explorer (through the worker) read', () => {
    expect([...HEADER_OPS]).toEqual(['machine', 'iommu', 'device']);
    const sent = createEngineApi(realCore).operations();
    expect(sent.map((o) => o.name)).toEqual(names);
    // plain data: it crosses the worker boundary (structured clone) whole
    expect(structuredClone(sent)).toEqual(sent);
    expect(sent.find((o) => o.name === 'dma_map_single')!.explain).toBe(OPERATIONS.get('dma_map_single')!.explain);
    const reference = opsSection();
    for (const o of OPERATIONS.values()) {
      expect(reference, o.name).toContain(`${o.name}(`);
      expect(reference).toContain(`### ${SECTION_TITLES[o.section]}`);
    }
    // the validator knows exactly the table's operations
    const unknown = parseScenario('machine(arch=arm64)\nfoo_bar_baz(1)\n');
    expect(unknown.ok).toBe(false);
  });

  it('has a handler for every statement but the header, and each handler sees the names its signature declares', () => {
    for (const o of OPERATIONS.values()) {
      expect(o.run === undefined, o.name).toBe(o.section === 'header');
      expect(o.names).toEqual([...o.args, ...o.optional].map((x) => x.name));
      expect(new Set(o.names).size, `${o.name}: argument names are unique`).toBe(o.names.length);
    }
  });

  it('says in each step\'s outcome which buffers and mappings the step touched (what the ownership lanes and the focus read)', () => {
    const p = prepareScenario(`machine(arch=arm64)
device(nic)
buf = kmalloc(4096, GFP_KERNEL)
h = dma_map_single(nic, buf, 4096, DMA_TO_DEVICE)
t = sg_table(buf, 64)
`);
    if (!p.ok) throw new Error(p.errors[0]!.message);
    const m = createMachine(p.config);
    const touches = p.body.map((c, i) => runStep(m, c, i + 1).outcome.touches);
    const h = m.names.h!.t === 'dma' ? m.names.h.addr : -1;
    expect(touches).toEqual([
      { buffers: [0], mappings: [] },
      { buffers: [0], mappings: [{ dev: 'nic', addr: h }] },
      { buffers: [0], mappings: [] },
    ]);
  });
});
