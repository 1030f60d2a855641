// dma-buf (src/sim/dma-buf/dma-buf.ts, drivers/dma-buf/dma-buf.c and a
// system-heap style exporter): per-importer mappings through the DMA API, the
// three eras of mapping caching and -EBUSY by kernel version, pin/unpin,
// move_notify, the locking convention, and begin/end_cpu_access.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runScenario } from '../../src/scenario/run.ts';
import type { StepJson } from '../../src/scenario/result.ts';

const LIB = resolve(__dirname, '../../src/scenario/library');
const lib = (f: string) => readFileSync(resolve(LIB, f), 'utf8');

function run(text: string, kernel?: string) {
  const r = runScenario(text, kernel ? { kernel } : {});
  expect(r.errors).toEqual([]);
  return r;
}

function stepAt(steps: StepJson[], source: RegExp): StepJson {
  const s = steps.find((x) => source.test(x.source));
  if (!s) throw new Error(`no step ${source}`);
  return s;
}

const HEAD = (kernel: string) => `machine(arch=arm64, kernel="${kernel}", ram=8G)
device(gpu)
device(isp)
p = alloc_pages(GFP_KERNEL, 0)
`;

describe('dma_buf_map_attachment eras', () => {
  const dirs = (k: string) => `${HEAD(k)}db = dma_buf_export(gpu, p, 4096, cache_sgt=true)
at = dma_buf_attach(db, isp)
dma_resv_lock(db)
tx = dma_buf_map_attachment(at, DMA_TO_DEVICE)
rx = dma_buf_map_attachment(at, DMA_FROM_DEVICE)
`;

  it('5.3–6.14, cache_sgt_mapping: a different direction against a cached TO_DEVICE mapping is -EBUSY', () => {
    for (const k of ['5.4', '5.10', '6.6', '6.14']) expect(stepAt(run(dirs(k)).steps, /^rx =/).error, k).toBe('EBUSY');
  });

  it('6.15+: no caching, no -EBUSY (b72f66f22c0e)', () => {
    for (const k of ['6.15', '6.18']) expect(stepAt(run(dirs(k)).steps, /^rx =/).error, k).toBeNull();
  });

  it('before 5.3 there is no cache_sgt_mapping: every map calls the exporter', () => {
    const r = run(dirs('4.19'));
    expect(stepAt(r.steps, /^rx =/).error).toBeNull();
    expect(stepAt(r.steps, /^rx =/).events.some((e) => e.kind === 'dmabuf' && e.op === 'map_dma_buf')).toBe(true);
  });

  it('a cached DMA_BIDIRECTIONAL mapping serves any direction', () => {
    const r = run(`${HEAD('5.10')}db = dma_buf_export(gpu, p, 4096, cache_sgt=true)
at = dma_buf_attach(db, isp)
bi = dma_buf_map_attachment(at, DMA_BIDIRECTIONAL)
rx = dma_buf_map_attachment(at, DMA_FROM_DEVICE)
`);
    expect(stepAt(r.steps, /^rx =/).error).toBeNull();
    expect(stepAt(r.steps, /^rx =/).events.some((e) => e.kind === 'dmabuf' && e.op === 'map_cached')).toBe(true);
  });

  it('the cached mapping survives dma_buf_unmap_attachment and is unmapped at dma_buf_detach', () => {
    const r = run(`${HEAD('5.10')}db = dma_buf_export(gpu, p, 4096, cache_sgt=true)
at = dma_buf_attach(db, isp)
tx = dma_buf_map_attachment(at, DMA_TO_DEVICE)
dma_buf_unmap_attachment(at, tx, DMA_TO_DEVICE)
dma_buf_detach(db, at)
`);
    expect(stepAt(r.steps, /^dma_buf_unmap/).events.some((e) => e.kind === 'dma_unmap')).toBe(false);
    expect(stepAt(r.steps, /^dma_buf_detach/).events.some((e) => e.kind === 'dma_unmap')).toBe(true);
  });

  it('5.5–6.14: a dynamic/static mismatch pins the exporter and maps DMA_BIDIRECTIONAL at attach; later maps do no cache maintenance (thread 004)', () => {
    const r = run(lib('dmabuf-cached-bidir-no-sync.dma'));
    expect(r.ok).toBe(true);
    const attach = stepAt(r.steps, /^at = dma_buf_attach/);
    expect(attach.events.some((e) => e.kind === 'dmabuf' && e.op === 'map_at_attach' && e.dir === 'DMA_BIDIRECTIONAL')).toBe(true);
    const map = stepAt(r.steps, /^s = dma_buf_map_attachment/);
    expect(map.events.some((e) => e.kind === 'cache_maint' || e.kind === 'dma_map')).toBe(false);
    // on 6.18 the map is an exporter call with a clean, and the importer sees the new frame
    const r18 = run(lib('dmabuf-cached-bidir-no-sync.dma'), '6.18');
    expect(stepAt(r18.steps, /^at = dma_buf_attach/).events.some((e) => e.kind === 'dma_map')).toBe(false);
    expect(stepAt(r18.steps, /^s = dma_buf_map_attachment/).events.some((e) => e.kind === 'cache_maint')).toBe(true);
    expect(stepAt(r18.steps, /^dev_read\(isp, a, 7\)/).data?.text).toBe('frame 2');
  });

  it('the library scenario dmabuf-busy-direction-5.10 passes on 5.10 and its second direction works on 6.18', () => {
    expect(run(lib('dmabuf-busy-direction-5.10.dma')).ok).toBe(true);
    expect(stepAt(run(lib('dmabuf-busy-direction-5.10.dma'), '6.18').steps, /^rx =/).error).toBeNull();
  });

  it('dma_buf_export refuses cache_sgt_mapping together with pin/unpin (WARN, -EINVAL) before 6.15', () => {
    const r = run(`${HEAD('6.6')}db = dma_buf_export(gpu, p, 4096, dynamic=true, cache_sgt=true) => EINVAL
`);
    expect(r.steps[1]!.warnings[0]).toMatch(/dma_buf_export: WARN_ON\(exp_info->ops->cache_sgt_mapping && \(exp_info->ops->pin \|\| exp_info->ops->unpin\)\)/);
    expect(r.ok).toBe(true);
  });
});

describe('per-importer mappings (dma_map_sgtable(attach->dev, …))', () => {
  it('the same page gets a bounce address for a 32-bit importer and its physical address for a 64-bit one', () => {
    const r = run(lib('dmabuf-two-importers.dma'));
    expect(r.ok).toBe(true);
    expect(stepAt(r.steps, /^h_cam =/).result).toBe('0xfec00000');
    expect(stepAt(r.steps, /^h_disp =/).result).toBe('0x1fffff000');
  });

  it('begin_cpu_access syncs only attachments that are currently mapped (system heap a->mapped)', () => {
    const r = run(`${HEAD('6.18')}db = dma_buf_export(gpu, p, 4096)
a1 = dma_buf_attach(db, isp)
a2 = dma_buf_attach(db, gpu)
dma_resv_lock(db)
s1 = dma_buf_map_attachment(a1, DMA_FROM_DEVICE)
dma_resv_unlock(db)
dma_buf_begin_cpu_access(db, DMA_FROM_DEVICE) => 0
dma_buf_end_cpu_access(db, DMA_FROM_DEVICE) => 0
`);
    const begin = stepAt(r.steps, /^dma_buf_begin/);
    const syncs = begin.events.filter((e) => e.kind === 'dma_sync');
    expect(syncs).toHaveLength(1);
    expect(syncs[0]).toMatchObject({ dev: 'isp', forCpu: true });
    expect(stepAt(r.steps, /^dma_buf_end/).events.filter((e) => e.kind === 'dma_sync')[0]).toMatchObject({ dev: 'isp', forCpu: false });
  });
});

describe('pin / unpin and move_notify', () => {
  it('the library scenario dmabuf-move-notify passes: stale mapping reaches the old page, a new map the new one, a pin blocks the move', () => {
    expect(run(lib('dmabuf-move-notify.dma')).ok).toBe(true);
  });

  it('move_notify reaches dynamic attachments only; a static importer of a dynamic exporter is pinned (attach in 5.x, map in 6.15+)', () => {
    const text = (k: string) => `machine(arch=arm64, kernel="${k}", ram=8G)
device(gpu)
device(nic, coherent=true)
device(isp)
p = alloc_pages(GFP_KERNEL, 0)
db = dma_buf_export(gpu, p, 4096, dynamic=true)
dyn = dma_buf_dynamic_attach(db, nic)
st = dma_buf_attach(db, isp)
dma_resv_lock(db)
s = dma_buf_map_attachment(st, DMA_TO_DEVICE)
dma_resv_unlock(db)
dma_buf_move(db)
dma_resv_lock(db)
dma_buf_unmap_attachment(st, s, DMA_TO_DEVICE)
dma_resv_unlock(db)
dma_buf_move(db)
`;
    const r10 = run(text('5.10'));
    const moves10 = r10.steps.filter((s) => s.source === 'dma_buf_move(db)');
    expect(moves10.map((s) => s.error)).toEqual(['EBUSY', 'EBUSY']); // pinned at attach until detach
    const r18 = run(text('6.18'));
    const moves18 = r18.steps.filter((s) => s.source === 'dma_buf_move(db)');
    expect(moves18.map((s) => s.error)).toEqual(['EBUSY', null]); // pinned while mapped (dma_buf_pin_on_map)
    const notified = moves18[1]!.events.filter((e) => e.kind === 'dmabuf' && e.op === 'move_notify').map((e) => (e.kind === 'dmabuf' ? e.attachment : ''));
    expect(notified).toEqual(['dyn']);
  });

  it('a static exporter cannot move; data and the exporter\'s name follow a move', () => {
    const r = run(`${HEAD('6.18')}cpu_write(p, "keep")
db = dma_buf_export(gpu, p, 4096)
dma_buf_move(db) => EINVAL
db2 = dma_buf_export(gpu, p, 4096, dynamic=true)
dma_buf_move(db2)
cpu_read(p, 4) => "keep"
`);
    expect(r.ok).toBe(true);
  });

  it('dma_buf_pin by a dynamic importer logs nothing and blocks moves; unpin without a pin is reported', () => {
    const r = run(`${HEAD('6.18')}db = dma_buf_export(gpu, p, 4096, dynamic=true)
at = dma_buf_dynamic_attach(db, isp)
dma_resv_lock(db)
dma_buf_unpin(at)
dma_buf_pin(at) => 0 => ok
dma_resv_unlock(db)
dma_buf_move(db) => EBUSY
`);
    expect(r.ok).toBe(true);
    expect(stepAt(r.steps, /^dma_buf_unpin/).observations.join(' ')).toMatch(/no dma_buf_pin to undo/);
  });
});

describe('locking convention (dma_resv_assert_held / might_lock)', () => {
  it('the library scenario dmabuf-locking passes on 6.18', () => {
    expect(run(lib('dmabuf-locking.dma')).ok).toBe(true);
  });

  it('before 6.2 a static importer maps without the lock; a dynamic one must hold it', () => {
    const r = run(`${HEAD('5.15')}db = dma_buf_export(gpu, p, 4096)
st = dma_buf_attach(db, isp)
dy = dma_buf_dynamic_attach(db, gpu)
s1 = dma_buf_map_attachment(st, DMA_TO_DEVICE) => ok
s2 = dma_buf_map_attachment(dy, DMA_TO_DEVICE) => warning "lockdep_assert_held"
`);
    expect(r.ok).toBe(true);
  });

  it('6.2+: every importer must hold it, and holding it around attach/detach/cpu access is recursive locking', () => {
    const r = run(`${HEAD('6.2')}db = dma_buf_export(gpu, p, 4096)
st = dma_buf_attach(db, isp)
s1 = dma_buf_map_attachment(st, DMA_TO_DEVICE) => warning "lockdep_assert_held"
dma_resv_lock(db)
dma_buf_detach(db, st) => warning "possible recursive locking detected"
dma_buf_end_cpu_access(db, DMA_TO_DEVICE) => warning "possible recursive locking detected"
dma_resv_unlock(db) => ok
`);
    expect(r.ok).toBe(true);
  });
});

describe('dmaBufViews (the dma-buf panel)', () => {
  it('shows the cached mapping and its direction, pins and per-attachment segments', async () => {
    const { prepareScenario } = await import('../../src/scenario/run.ts');
    const { createMachine } = await import('../../src/sim/machine.ts');
    const { step } = await import('../../src/sim/step.ts');
    const { dmaBufViews } = await import('../../src/sim/dma-buf/dma-buf.ts');
    const p = prepareScenario(`${HEAD('5.10')}db = dma_buf_export(gpu, p, 4096, dynamic=true)
at = dma_buf_attach(db, isp)
`);
    if (!p.ok) throw new Error('parse');
    const m = createMachine(p.config);
    for (const c of p.body) step(m, c);
    const [v] = dmaBufViews(m);
    expect(v).toMatchObject({ name: 'db', exporter: 'gpu', buffer: 'p', dynamic: true, pinned: 1 });
    expect(v!.attachments[0]).toMatchObject({ name: 'at', dev: 'isp', dynamic: false, cached: { dir: 'DMA_BIDIRECTIONAL', atAttach: true } });
    expect(v!.attachments[0]!.mappings[0]!.segments).toEqual([{ dma: 0x1fffff000, len: 4096 }]);
  });
});

describe('state is plain data', () => {
  it('a machine with dma-bufs, GPU VMs and CMA state survives structuredClone and replays identically', async () => {
    const { prepareScenario } = await import('../../src/scenario/run.ts');
    const { createMachine } = await import('../../src/sim/machine.ts');
    const { step } = await import('../../src/sim/step.ts');
    const text = lib('dmabuf-move-notify.dma');
    const p = prepareScenario(text);
    if (!p.ok) throw new Error('parse');
    const straight = createMachine(p.config);
    const a = p.body.map((c) => step(straight, c));
    for (let k = 0; k <= p.body.length; k += 5) {
      let m = createMachine(p.config);
      const b = p.body.slice(0, k).map((c) => step(m, c));
      m = structuredClone(m);
      for (const c of p.body.slice(k)) b.push(step(m, c));
      expect(JSON.stringify(b)).toBe(JSON.stringify(a));
    }
  });
});

// drm_gem_map_dma_buf (drivers/gpu/drm/drm_prime.c, before 5.3) and thread
// 004's never-merged proposal (proposal="sync_cached").
describe('the GEM PRIME helpers before 5.3 (ops=gem)', () => {
  const gem = (k: string, second: string) => `${HEAD(k)}cpu_write(p, "one")
cache_evict(p, 4096)
db = dma_buf_export(gpu, p, 4096, ops=gem)
at = dma_buf_attach(db, isp)
s1 = dma_buf_map_attachment(at, DMA_TO_DEVICE)
dma_buf_unmap_attachment(at, s1, DMA_TO_DEVICE)
cpu_write(p, "two")
s2 = dma_buf_map_attachment(at, ${second})
a = sg_dma_address(s1, 0)
dev_read(isp, a, 3)
dma_buf_detach(db, at)
`;

  it('drm_gem_map_dma_buf returns the cached mapping for the same direction: no dma_map_sg, so the device reads stale RAM', () => {
    const r = run(gem('4.19', 'DMA_TO_DEVICE'));
    const s2 = stepAt(r.steps, /^s2 =/);
    expect(s2.error).toBeNull();
    expect(s2.events.some((e) => e.kind === 'dma_map')).toBe(false);
    expect(s2.events.find((e) => e.kind === 'dmabuf' && e.op === 'map_cached')).toMatchObject({ why: { fn: 'drm_gem_map_dma_buf', file: 'drivers/gpu/drm/drm_prime.c' } });
    expect(stepAt(r.steps, /^dev_read/).data?.text).toBe('one');
  });

  it('the GEM helpers map with DMA_ATTR_SKIP_CPU_SYNC (drm_gem_map_dma_buf): even the first map does no cache maintenance', () => {
    const r = run(gem('4.19', 'DMA_TO_DEVICE'));
    const s1 = stepAt(r.steps, /^s1 =/);
    expect(s1.events.some((e) => e.kind === 'dma_map')).toBe(true);
    expect(s1.events.some((e) => e.kind === 'cache_maint')).toBe(false);
    const heap = stepAt(run(gem('4.19', 'DMA_TO_DEVICE').replace(', ops=gem', '')).steps, /^s1 =/);
    expect(heap.events.some((e) => e.kind === 'cache_maint')).toBe(true);
  });

  it('drm_gem_unmap_dma_buf does nothing; drm_gem_map_detach unmaps', () => {
    const r = run(gem('4.19', 'DMA_TO_DEVICE'));
    expect(stepAt(r.steps, /^dma_buf_unmap_attachment/).events.some((e) => e.kind === 'dma_unmap')).toBe(false);
    expect(stepAt(r.steps, /^dma_buf_detach/).events.some((e) => e.kind === 'dma_unmap')).toBe(true);
  });

  it('another direction: WARN_ON(prime_attach->dir != DMA_NONE) and -EBUSY', () => {
    const s2 = stepAt(run(gem('4.19', 'DMA_FROM_DEVICE')).steps, /^s2 =/);
    expect(s2.error).toBe('EBUSY');
    expect(s2.warnings).toEqual(['WARNING: at drivers/gpu/drm/drm_prime.c: drm_gem_map_dma_buf: WARN_ON(prime_attach->dir != DMA_NONE)']);
  });

  it('a system-heap style exporter caches nothing before 5.3: the second direction maps', () => {
    const r = run(gem('4.19', 'DMA_FROM_DEVICE').replace(', ops=gem', ''));
    expect(stepAt(r.steps, /^s2 =/).error).toBeNull();
    expect(stepAt(r.steps, /^s2 =/).events.some((e) => e.kind === 'dma_map')).toBe(true);
  });

  it('from 5.3 a GEM exporter is cache_sgt_mapping in the core: -EBUSY without the WARN', () => {
    const s2 = stepAt(run(gem('5.4', 'DMA_FROM_DEVICE')).steps, /^s2 =/);
    expect(s2.error).toBe('EBUSY');
    expect(s2.warnings).toEqual([]);
  });
});

describe('thread 004 proposal="sync_cached" (never merged)', () => {
  const mismatch = (proposal: string) => `${HEAD('5.10')}cpu_write(p, "frame 1")
db = dma_buf_export(gpu, p, 4096, dynamic=true${proposal})
at = dma_buf_attach(db, isp)
cpu_write(p, "frame 2")
dma_resv_lock(db)
s = dma_buf_map_attachment(at, DMA_TO_DEVICE)
a = sg_dma_address(s, 0)
dev_read(isp, a, 7)
dev_write(isp, a, "device")
dma_buf_unmap_attachment(at, s, DMA_TO_DEVICE)
`;

  it('the cached table is synced for the device at map (dma_sync_sg_for_device): the importer reads the new frame', () => {
    const without = run(mismatch(''));
    const withP = run(mismatch(', proposal="sync_cached"'));
    expect(stepAt(without.steps, /^dev_read/).data?.text).toBe('frame 1');
    expect(stepAt(withP.steps, /^dev_read/).data?.text).toBe('frame 2');
    const map = stepAt(withP.steps, /^s =/);
    expect(map.events.some((e) => e.kind === 'dma_sync' && !e.forCpu && e.dir === 'DMA_TO_DEVICE')).toBe(true);
  });

  it('every step of the proposal says it is a proposal from thread 004', () => {
    const r = run(mismatch(', proposal="sync_cached"'));
    for (const re of [/^db =/, /^s =/, /^dma_buf_unmap/]) {
      const txt = stepAt(r.steps, re).events.map((e) => ('why' in e && e.why ? e.why.rule : '')).join(' ');
      expect(txt).toContain('PROPOSAL, not in any kernel: thread 004');
    }
  });

  it('unmap syncs the cached table for the CPU (dma_sync_sg_for_cpu)', () => {
    const r = run(mismatch(', proposal="sync_cached"').replace('DMA_TO_DEVICE)\na =', 'DMA_FROM_DEVICE)\na =').replace('dma_buf_unmap_attachment(at, s, DMA_TO_DEVICE)', 'dma_buf_unmap_attachment(at, s, DMA_FROM_DEVICE)'));
    expect(stepAt(r.steps, /^dma_buf_unmap/).events.some((e) => e.kind === 'dma_sync' && e.forCpu)).toBe(true);
  });

  it('a cache_sgt_mapping exporter caches BIDIRECTIONAL under the proposal: no -EBUSY for the other direction', () => {
    const t = (proposal: string) => `${HEAD('5.10')}db = dma_buf_export(gpu, p, 4096, cache_sgt=true${proposal})
at = dma_buf_attach(db, isp)
dma_resv_lock(db)
tx = dma_buf_map_attachment(at, DMA_TO_DEVICE)
rx = dma_buf_map_attachment(at, DMA_FROM_DEVICE)
`;
    expect(stepAt(run(t('')).steps, /^rx =/).error).toBe('EBUSY');
    const r = run(t(', proposal="sync_cached"'));
    expect(stepAt(r.steps, /^tx =/).events.find((e) => e.kind === 'dmabuf' && e.op === 'cache')).toMatchObject({ dir: 'DMA_BIDIRECTIONAL' });
    expect(stepAt(r.steps, /^rx =/).error).toBeNull();
  });

  it('on 6.15+ nothing is cached, so the proposal changes nothing (observation)', () => {
    const r = run(mismatch(', proposal="sync_cached"').replace('kernel="5.10"', 'kernel="6.18"'));
    expect(stepAt(r.steps, /^db =/).observations.join(' ')).toContain('changes nothing on 6.15+');
  });
});
