/**
 * The editor's help while typing: where the cursor is in a statement, what is
 * offered there (operations, declared names of the right type, constants,
 * option keys, check words), and that every operation of the language has
 * hover docs and a signature from the same table as the language reference.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { EditorState } from '@codemirror/state';
import { contextAt, declaredNames } from '../../src/ui/editor/scenario-context.ts';
import { completeLine } from '../../src/ui/editor/completions.ts';
import { allOps, opInfo } from '../../src/ui/editor/op-info.ts';
import { scenarioCompletions } from '../../src/ui/editor/help.ts';
import { signatureText } from '../../src/scenario/ops.ts';
import { OPERATIONS as OPS } from '../../src/sim/operations.ts';
import { opsSection } from '../../scripts/ops-reference.ts';
import { NEW_SCENARIO } from '../../src/ui/editor/template.ts';
import { parseScenario } from '../../src/scenario/parser.ts';
import { useStore } from '../../src/ui/store/store.ts';
import { createEngineApi } from '../../src/worker/engine-api.ts';
import { realCore } from '../../src/worker/core.ts';

// The editor knows the operations the worker sends from the engine's table (src/ui/engine.ts asks once).
beforeAll(() => useStore.getState().setOperations(createEngineApi(realCore).operations()));

const TEXT = `machine(arch=arm64)
iommu(smmu, mode=strict)
device(nic, coherent=false)
device(gpu, iommu=smmu)
buf = kmalloc(4096, GFP_KERNEL)
cpu, dh = dma_alloc_coherent(nic, 4096)
h = dma_map_single(nic, buf, 4096, DMA_TO_DEVICE)
t = sg_table(buf, 64, buf + 64, 64)
`;

const labels = (before: string, text = TEXT, explicit = false) => completeLine(before, text, explicit)?.options.map((o) => o.label) ?? [];

describe('cursor context', () => {
  it('knows the statement start, the argument index and an option value', () => {
    expect(contextAt('dma_ma')).toMatchObject({ kind: 'op', prefix: 'dma_ma', assigned: false });
    expect(contextAt('h = dma_ma')).toMatchObject({ kind: 'op', prefix: 'dma_ma', assigned: true });
    const c = contextAt('h = dma_map_single(nic, buf, 4096, DMA_');
    expect(c).toMatchObject({ kind: 'arg', index: 3, prefix: 'DMA_', option: null });
    expect(c.kind === 'arg' && c.param?.kind).toBe('dir');
    expect(contextAt('device(nic, dma_mask=3')).toMatchObject({ kind: 'arg', option: 'dma_mask' });
    expect(contextAt('cpu_read(buf, 4) => EN')).toMatchObject({ kind: 'check', prefix: 'EN' });
  });
  it('offers nothing inside comments and strings', () => {
    expect(contextAt('# dma_ma').kind).toBe('none');
    expect(contextAt('cpu_write(buf, "dma_ma').kind).toBe('none');
    expect(contextAt('cpu_write(buf, "x") # see dma_').kind).toBe('none');
  });
  it('reads declared names with their types', () => {
    const d = declaredNames(TEXT);
    expect(d.devices).toEqual(['nic', 'gpu']);
    expect(d.iommus).toEqual(['smmu']);
    expect([...d.values]).toEqual([
      ['buf', 'buf'],
      ['cpu', 'buf'],
      ['dh', 'handle'],
      ['h', 'handle'],
      ['t', 'sgt'],
    ]);
  });
});

describe('completion', () => {
  it('details an operation by its arguments, options with their "=" included', () => {
    const detail = (before: string, label: string) => completeLine(before, TEXT, true)?.options.find((o) => o.label === label)?.detail;
    expect(detail('dma_sync_sg_for_d', 'dma_sync_sg_for_device')).toBe('(dev, sgt, dir[, nents=NENTS])');
    expect(detail('h = dma_map_si', 'dma_map_single')).toBe('(dev, p, size, dir[, attrs])');
    expect(detail('cpu, h = dma_alloc_co', 'dma_alloc_coherent')).toBe('(dev, size[, gfp])');
    expect(detail('dev_wr', 'dev_write')).toBe("(dev, addr, bytes[, nosnoop=the device's])");
  });
  it('offers operations by prefix, header statements only on a bare line', () => {
    expect(labels('dma_map_s')).toContain('dma_map_single');
    expect(labels('dma_map_s')).toContain('dma_map_sg');
    expect(labels('dev')).toContain('device');
    expect(labels('x = dev')).not.toContain('device');
    // Only operations with a result after `name =`.
    expect(labels('x = k')).toContain('kmalloc');
    expect(labels('x = k')).not.toContain('kfree');
  });
  it('offers the names and constants each argument takes', () => {
    expect(labels('h2 = dma_map_single(')).toEqual(['nic', 'gpu']);
    expect(labels('h2 = dma_map_single(nic, ')).toEqual(['buf', 'cpu']);
    expect(labels('h2 = dma_map_single(nic, buf, 64, ')).toEqual(['DMA_BIDIRECTIONAL', 'DMA_TO_DEVICE', 'DMA_FROM_DEVICE', 'DMA_NONE']);
    expect(labels('dma_unmap_single(nic, ')).toEqual(['dh', 'h']);
    expect(labels('b = kmalloc(64, GFP_KERNEL | __')).toContain('__GFP_ZERO');
    expect(labels('dma_map_sg(nic, ')).toEqual(['t']);
    expect(labels('h2 = dma_map_single(nic, buf, 64, DMA_TO_DEVICE, ')).toContain('DMA_ATTR_SKIP_CPU_SYNC');
  });
  it('offers header keys and their values', () => {
    expect(labels('device(x, ')).toEqual(expect.arrayContaining(['dma_mask=', 'coherent=', 'iommu=', 'bus=']));
    expect(labels('machine(')).toEqual(expect.arrayContaining(['arch=', 'kernel=', 'swiotlb=']));
    expect(labels('machine(arch=')).toEqual(['arm64', 'arm', 'x86', 'riscv']);
    expect(labels('device(x, iommu=')).toEqual(['smmu']);
    expect(labels('device(x, coherent=')).toEqual(['true', 'false']);
  });
  it('offers check words after =>', () => {
    expect(labels('h2 = dma_map_single(nic, buf, 64, DMA_TO_DEVICE) => ')).toEqual(expect.arrayContaining(['ok', 'warning', 'ENOMEM', 'DMA_MAPPING_ERROR']));
  });
  it('works as a CodeMirror completion source (absolute positions)', () => {
    const doc = `${TEXT}dma_sync_single_for_cpu(nic, h, 64, DMA_FR`;
    const state = EditorState.create({ doc });
    const r = scenarioCompletions({ state, pos: doc.length, explicit: false });
    expect(r?.from).toBe(doc.length - 'DMA_FR'.length);
    expect(r?.options.map((o) => o.label)).toContain('DMA_FROM_DEVICE');
  });
});

describe('operation docs', () => {
  it('every operation has a signature and docs from the table the reference is generated from', () => {
    expect(allOps().length).toBe(OPS.size);
    const reference = opsSection();
    for (const sig of OPS.values()) {
      const info = opInfo(sig.name)!;
      expect(info.signature).toBe(signatureText(sig));
      expect(info.doc.length).toBeGreaterThan(10);
      expect(reference).toContain(info.doc);
      for (const p of info.params) expect(p.describe.length, `${sig.name} ${p.name}`).toBeGreaterThan(3);
    }
  });
});

describe('the New scenario template', () => {
  it('parses and exercises a map, a device access and a sync', () => {
    const r = parseScenario(NEW_SCENARIO);
    expect(r.ok).toBe(true);
    expect(NEW_SCENARIO).toMatch(/dma_map_single/);
  });
});
