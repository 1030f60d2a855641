// The CPU cache model of KERNEL-FACTS "Modelling decisions": one level,
// set-associative, write-back, write-allocate, LRU, lines holding bytes.
import { describe, expect, it } from 'vitest';
import { cacheRead, cacheWrite, createCache, lineState, maintainLine, snoopRead, snoopWrite, evictRange } from '../../src/sim/hw/cpu-cache.ts';
import { createRam, ramRead, ramWrite } from '../../src/sim/hw/memory.ts';

const enc = (s: string) => new TextEncoder().encode(s);

function setup() {
  return { c: createCache(4096, 64, 2), ram: createRam(1 << 30) };
}

function ramText(ram: ReturnType<typeof createRam>, addr: number, len: number): string {
  const out = new Uint8Array(len);
  ramRead(ram, addr, len, out);
  return new TextDecoder().decode(out);
}

describe('cpu-cache', () => {
  it('is write-back: a store dirties the line and leaves RAM alone', () => {
    const { c, ram } = setup();
    cacheWrite(c, ram, 0x1000, enc('abc'), null);
    expect(lineState(c, 0x1000)).toBe('D');
    expect(ramText(ram, 0x1000, 3)).toBe('\0\0\0');
  });

  it('is write-allocate: a store to a missing line first fills it from RAM', () => {
    const { c, ram } = setup();
    ramWrite(ram, 0x1000, enc('0123456789'));
    cacheWrite(c, ram, 0x1002, enc('xy'), null);
    const out = new Uint8Array(10);
    cacheRead(c, ram, 0x1000, 10, out, null);
    expect(new TextDecoder().decode(out)).toBe('01xy456789');
  });

  it('evicts the least recently used way of a full set and writes it back if dirty', () => {
    const { c, ram } = setup(); // 32 sets × 2 ways: addresses 2 KiB apart share a set
    const ev: Parameters<typeof cacheWrite>[4] = [];
    cacheWrite(c, ram, 0x0000, enc('A'), ev);
    cacheWrite(c, ram, 0x0800, enc('B'), ev);
    cacheRead(c, ram, 0x0000, 1, new Uint8Array(1), ev); // 0x0000 is now most recent
    cacheWrite(c, ram, 0x1000, enc('C'), ev); // evicts 0x0800
    expect(lineState(c, 0x0800)).toBe('I');
    expect(ramText(ram, 0x0800, 1)).toBe('B');
    expect(ev!.some((e) => e.kind === 'cache_evict' && e.line === 0x0800 && e.dirty)).toBe(true);
  });

  it('an invalidate of a dirty line discards its bytes and reports them', () => {
    const { c, ram } = setup();
    cacheWrite(c, ram, 0x2010, enc('lost'), null);
    const a = maintainLine(c, ram, 0x2000, 'inval');
    expect(a).toMatchObject({ before: 'D', after: 'I', wroteBack: false, lostHex: '6c6f7374', lostOffset: 16 });
    expect(ramText(ram, 0x2010, 4)).toBe('\0\0\0\0');
  });

  it('clean writes back and keeps the line; clean+invalidate writes back and drops it', () => {
    const { c, ram } = setup();
    cacheWrite(c, ram, 0x3000, enc('k'), null);
    expect(maintainLine(c, ram, 0x3000, 'clean')).toMatchObject({ before: 'D', after: 'C', wroteBack: true });
    cacheWrite(c, ram, 0x3000, enc('m'), null);
    expect(maintainLine(c, ram, 0x3000, 'clean_inval')).toMatchObject({ before: 'D', after: 'I', wroteBack: true });
    expect(ramText(ram, 0x3000, 1)).toBe('m');
  });

  it('a coherent device read sees dirty lines; a coherent write keeps the CPU\'s other bytes of the line', () => {
    const { c, ram } = setup();
    cacheWrite(c, ram, 0x4000, enc('cpu-data'), null);
    const out = new Uint8Array(8);
    snoopRead(c, ram, 0x4000, 8, out);
    expect(new TextDecoder().decode(out)).toBe('cpu-data');
    snoopWrite(c, ram, 0x4004, enc('DEV!'), []);
    expect(lineState(c, 0x4000)).toBe('I');
    expect(ramText(ram, 0x4000, 8)).toBe('cpu-DEV!');
  });

  it('cache_evict writes dirty lines back before they leave', () => {
    const { c, ram } = setup();
    cacheWrite(c, ram, 0x5000, enc('zz'), null);
    evictRange(c, ram, 0x5000, 64, []);
    expect(lineState(c, 0x5000)).toBe('I');
    expect(ramText(ram, 0x5000, 2)).toBe('zz');
  });
});

describe('cpu-cache bookkeeping', () => {
  it('a CPU memcpy through the cache fills source lines clean and leaves destination lines dirty', async () => {
    const { cacheCopy } = await import('../../src/sim/hw/cpu-cache.ts');
    const { c, ram } = setup();
    ramWrite(ram, 0x6000, enc('source bytes'));
    cacheCopy(c, ram, 0x7000, 0x6000, 12, null);
    expect(lineState(c, 0x6000)).toBe('C');
    expect(lineState(c, 0x7000)).toBe('D');
    const out = new Uint8Array(12);
    cacheRead(c, ram, 0x7000, 12, out, null);
    expect(new TextDecoder().decode(out)).toBe('source bytes');
    expect(ramText(ram, 0x7000, 6)).toBe('\0\0\0\0\0\0');
  });

  it('maintenance finds the lines present in a range, in address order, by walking the lines (skipping pages with none) or scanning the slots (property)', async () => {
    const fc = (await import('fast-check')).default;
    const { cacheCopy, cacheLines, maintainRange } = await import('../../src/sim/hw/cpu-cache.ts');
    const { LineRuns } = await import('../../src/sim/hw/line-actions.ts');
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom('r', 'w', 'x', 'i', 'e'), fc.integer({ min: 0, max: 0x7fff }), fc.integer({ min: 1, max: 300 })), { maxLength: 40 }),
        fc.integer({ min: 0, max: 0xffff }),
        fc.integer({ min: 1, max: 0x10000 }),
        (ops, start, size) => {
          const { c, ram } = setup();
          for (const [op, a, n] of ops) {
            if (op === 'r') cacheRead(c, ram, a, n, new Uint8Array(n), null);
            else if (op === 'w') cacheWrite(c, ram, a, new Uint8Array(n).fill(7), null);
            else if (op === 'x') cacheCopy(c, ram, (a + 0x9000) & 0xffff, a, n, null);
            else if (op === 'i') maintainLine(c, ram, a - (a % 64), 'inval');
            else evictRange(c, ram, a, n, []);
          }
          const first = start - (start % 64);
          const last = start + size - 1 - ((start + size - 1) % 64);
          const want = cacheLines(c)
            .filter((l) => l.line >= first && l.line <= last)
            .map((l) => l.line)
            .sort((a, b) => a - b);
          // a clean leaves every line present: the lines it records are the lines it visited
          const runs = new LineRuns(first, 64);
          maintainRange(c, ram, start, size, 'clean', false, runs);
          expect(runs.actions().map((a) => a.line)).toEqual(want);
          // the page buckets that let it skip a page count exactly the lines present
          const buckets = new Int32Array(c.pageBuckets.length);
          for (const l of cacheLines(c)) buckets[Math.floor(l.line / 4096) % buckets.length]!++;
          expect([...c.pageBuckets]).toEqual([...buckets]);
        },
      ),
    );
  });

  // A maintenance range (dcache_clean_poc, dcache_inval_poc, …) is each
  // present line's instruction on its own, in address order; maintainRange
  // gathers the write-backs into runs and records the lines as runs of
  // outcomes: it must leave the cache and RAM, and list the lines' actions,
  // exactly as one maintainLine per present line does (an edge line only
  // partly inside an invalidated range is cleaned first when edges are
  // promoted, as arm64's dcache_inval_poc does with dc civac).
  it('a maintenance range leaves the cache and RAM, and lists the actions, of one instruction per present line (property)', async () => {
    const fc = (await import('fast-check')).default;
    const { cacheCopy, lineState: stateOf, maintainRange } = await import('../../src/sim/hw/cpu-cache.ts');
    const { LineRuns } = await import('../../src/sim/hw/line-actions.ts');
    type Op = [string, number, number];
    const run = (geom: [number, number, number], ops: Op[], range: [number, number, string, boolean], byLine: boolean) => {
      const [line, ways, sets] = geom;
      const c = createCache(line * ways * sets, line, ways);
      const ram = createRam(1 << 30);
      for (const [op, a, n] of ops) {
        if (op === 'r') cacheRead(c, ram, a, n, new Uint8Array(n), null);
        else if (op === 'w') cacheWrite(c, ram, a, new Uint8Array(n).fill((a + n) & 0xff), null);
        else if (op === 'x') cacheCopy(c, ram, (a + 0x9000) & 0xffff, a, n, null);
        else maintainLine(c, ram, a - (a % line), 'inval');
      }
      const [start, size, op, promote] = range as [number, number, 'clean' | 'inval' | 'clean_inval', boolean];
      const first = start - (start % line);
      let actions: unknown[];
      if (byLine) {
        actions = [];
        for (let l = first; l < start + size; l += line) {
          if (stateOf(c, l) === 'I') continue;
          const edge = l < start || l + line > start + size;
          actions.push(maintainLine(c, ram, l, op === 'inval' && promote && edge ? 'clean_inval' : op));
        }
      } else {
        const runs = new LineRuns(first, line);
        maintainRange(c, ram, start, size, op, promote, runs);
        actions = runs.actions();
      }
      const ramBytes = new Uint8Array(0x12000);
      ramRead(ram, 0, ramBytes.length, ramBytes);
      const b64 = (a: ArrayBufferView) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');
      return { tags: [...c.tags], state: b64(c.state), dirty: b64(c.dirty), buckets: b64(c.pageBuckets), ram: b64(ramBytes), actions: JSON.stringify(actions) };
    };
    fc.assert(
      fc.property(
        fc.constantFrom<[number, number, number]>([16, 1, 8], [64, 4, 8], [64, 4, 64], [32, 2, 128], [128, 2, 16]),
        fc.array(fc.tuple(fc.constantFrom('r', 'w', 'w', 'x', 'i'), fc.integer({ min: 0, max: 0xffff }), fc.integer({ min: 1, max: 2048 })), { maxLength: 30 }),
        fc.tuple(fc.integer({ min: 0, max: 0xffff }), fc.integer({ min: 1, max: 0x3000 }), fc.constantFrom('clean', 'inval', 'clean_inval'), fc.boolean()),
        (geom, ops, range) => {
          expect(run(geom, ops, range, false)).toEqual(run(geom, ops, range, true));
        },
      ),
      { numRuns: 400 },
    );
  });

  // swiotlb_bounce() is a memcpy: each line of the source is loaded (filling
  // it), then the destination line is stored (filling it unless the store
  // covers it whole, then dirtying it). cacheCopy does this inside the cache
  // — line by line when it records events, else, where the lines' sets allow,
  // by runs (bookkeeping first, then the bytes with native copies); here it
  // must leave exactly what a load and a store of each line through
  // cacheRead/cacheWrite leave: the same bytes in cache and RAM, the same
  // tags, states, LRU order and dirty bytes, the same fill and eviction
  // events, on any geometry (one way included: there the store's fill evicts
  // the line just loaded; 64 sets: runs long enough for a native copy).
  it('a line-aligned CPU memcpy leaves the same cache, RAM and events as a load and a store of each line (property)', async () => {
    const fc = (await import('fast-check')).default;
    const { cacheCopy } = await import('../../src/sim/hw/cpu-cache.ts');
    type Op = [string, number, number, number];
    type Mode = 'by-line' | 'copy' | 'copy-no-events';
    const run = (geom: [number, number, number], ops: Op[], copy: [number, number, number], mode: Mode) => {
      const [line, ways, sets] = geom;
      const c = createCache(line * ways * sets, line, ways);
      const ram = createRam(1 << 30);
      const ev: import('../../src/sim/events.ts').SimEvent[] = [];
      for (const [op, a, n, b] of ops) {
        if (op === 'r') cacheRead(c, ram, a, n, new Uint8Array(n), ev);
        else if (op === 'w') cacheWrite(c, ram, a, new Uint8Array(n).fill(b), ev);
        else if (op === 'm') ramWrite(ram, a, new Uint8Array(n).fill(b));
        else if (op === 'i') maintainLine(c, ram, a - (a % line), 'inval');
        else if (op === 'x') cacheCopy(c, ram, (a + b * line) & 0xffff, a, n, null);
        else evictRange(c, ram, a, n, ev);
      }
      const [src, lines, len] = copy;
      const dst = (src + lines * line) & 0xffff;
      if (mode === 'copy') cacheCopy(c, ram, dst, src, len, ev);
      else if (mode === 'copy-no-events') cacheCopy(c, ram, dst, src, len, null);
      else {
        for (let done = 0; done < len; ) {
          const take = Math.min(len - done, line - ((src + done) % line));
          const tmp = new Uint8Array(take);
          cacheRead(c, ram, src + done, take, tmp, mode === 'by-line' ? ev : null);
          cacheWrite(c, ram, dst + done, tmp, mode === 'by-line' ? ev : null);
          done += take;
        }
      }
      const ramBytes = new Uint8Array(0x12000);
      ramRead(ram, 0, ramBytes.length, ramBytes);
      const b64 = (a: ArrayBufferView) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');
      return { tags: [...c.tags], state: b64(c.state), lru: [...c.lru], data: b64(c.data), dirty: b64(c.dirty), clock: c.clock, ram: b64(ramBytes), ev: JSON.stringify(ev) };
    };
    fc.assert(
      fc.property(
        fc.constantFrom<[number, number, number]>([16, 1, 8], [32, 2, 8], [64, 1, 8], [64, 4, 8], [128, 2, 8], [64, 4, 64], [32, 2, 128], [16, 4, 64]),
        fc.array(fc.tuple(fc.constantFrom('r', 'w', 'm', 'i', 'e', 'x'), fc.integer({ min: 0, max: 0xffff }), fc.integer({ min: 1, max: 300 }), fc.integer({ min: 1, max: 255 })), {
          maxLength: 30,
        }),
        fc.tuple(fc.integer({ min: 0, max: 0xffff }), fc.integer({ min: -128, max: 128 }), fc.integer({ min: 1, max: 4096 })),
        (geom, ops, copy) => {
          const want = run(geom, ops, copy, 'by-line');
          expect(run(geom, ops, copy, 'copy')).toEqual(want);
          // without events the events before the copy are the same, and the copy adds none
          const before = JSON.stringify(JSON.parse(run(geom, ops, [copy[0], copy[1], 0], 'copy').ev));
          expect(run(geom, ops, copy, 'copy-no-events')).toEqual({ ...want, ev: before });
        },
      ),
      { numRuns: 500 },
    );
  });
});
