/**
 * fast-check generators of valid scenario text, with varied spelling (number
 * forms, spacing, comments, escapes, bytes joins), for the printer round-trip
 * and the parser fuzz tests.
 */
import fc from 'fast-check';

/** Some integer spellings of n: decimal, hex, underscores, K/M suffix, binary. */
function intForm(n: number, pick: number): string {
  const forms = [String(n), `0x${n.toString(16)}`, `0x${n.toString(16).replace(/\B(?=(?:[0-9a-f]{4})+$)/g, '_')}`];
  if (n > 0 && n % (1024 * 1024) === 0) forms.push(`${n / 1024 / 1024}M`);
  else if (n > 0 && n % 1024 === 0) forms.push(`${n / 1024}K`);
  if (n < 64) forms.push(`0b${n.toString(2)}`);
  if (n >= 1000) forms.push(String(n).replace(/\B(?=(\d{3})+$)/g, '_'));
  return forms[pick % forms.length]!;
}

const piece = fc.oneof(
  fc.constantFrom('a', 'b', 'z', ' ', 'Q', '0', '#', '/', '=', '>', ',', '(', ')', '+'),
  fc.constantFrom('\\n', '\\t', '\\r', '\\0', '\\\\', '\\"', '\\x00', '\\x7f', '\\xff', '\\xc3\\xa9', '\\x41'),
  fc.constantFrom('é', '€', '😀', 'ü'),
);

/** A string literal as written, with escapes and UTF-8. */
export const stringLit = fc.array(piece, { maxLength: 12 }).map((ps) => `"${ps.join('')}"`);

const hexLit = fc.uint8Array({ maxLength: 8 }).chain((b) =>
  fc.constantFrom(' ', '').map((sep) => `x"${Array.from(b, (x) => x.toString(16).padStart(2, '0')).join(sep)}"`),
);
const fillLit = fc.tuple(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 40 }), fc.nat()).map(
  ([b, c, p]) => `fill(${intForm(b, p)}, ${intForm(c, p + 1)})`,
);

/** A bytes expression: a string, hex, fill, or several joined with +. */
export const bytesLit = fc.array(fc.oneof(stringLit, hexLit, fillLit), { minLength: 1, maxLength: 3 }).map((xs) => xs.join(' + '));

const sp = fc.constantFrom('', ' ', '  ', '\t');
const comment = fc.constantFrom('# a comment', '// another', '#', '# "quoted" => ok', '//x');

/** One body statement, given the names defined so far. */
function statement(seed: number[], st: { bufs: string[]; handles: string[]; sgts: string[]; devs: string[]; k: number }, bytes: string): string {
  const pick = <T,>(xs: T[], i: number): T => xs[seed[i]! % xs.length]!;
  const dev = pick(st.devs, 1);
  const buf = pick(st.bufs, 2);
  const size = pick([1, 4, 64, 4096, 8192, 65536], 3);
  const sizeText = intForm(size, seed[4]!);
  const dir = pick(['DMA_TO_DEVICE', 'DMA_FROM_DEVICE', 'DMA_BIDIRECTIONAL'], 5);
  const off = seed[6]! % 3 === 0 ? ` + ${intForm(seed[7]! % 256, seed[8]!)}` : seed[6]! % 3 === 1 ? ` - ${seed[7]! % 16}` : '';
  const h = st.handles.length ? pick(st.handles, 9) : null;
  switch (seed[0]! % 14) {
    case 0: {
      const name = `b${st.k++}`;
      st.bufs.push(name);
      const gfp = pick(['GFP_KERNEL', 'GFP_DMA32', 'GFP_KERNEL | __GFP_ZERO', 'GFP_ATOMIC|__GFP_NOWARN'], 10);
      return `${name} = kmalloc(${sizeText}, ${gfp}${seed[11]! % 4 === 0 ? `, at=${intForm(0x4000_0000, seed[12]!)}` : ''})`;
    }
    case 1: {
      const name = `h${st.k++}`;
      st.handles.push(name);
      const attrs = seed[10]! % 3 === 0 ? ', DMA_ATTR_SKIP_CPU_SYNC | DMA_ATTR_NO_WARN' : seed[10]! % 3 === 1 ? ', 0' : '';
      const check = pick(['', ' => 0xfffff000', ' => DMA_MAPPING_ERROR', ' => ok', ' => warning "DMA-API"'], 11);
      return `${name} = dma_map_single(${dev}, ${buf}${off}, ${sizeText}, ${dir}${attrs})${check}`;
    }
    case 2:
      return `cpu_write(${buf}${off}, ${bytes})`;
    case 3:
      return `cpu_read(${buf}, ${sizeText}) => ${bytes}`;
    case 4:
      return h ? `dev_read(${dev}, ${h}${off}, ${sizeText}) => ${bytes} => ok` : `udelay(${intForm(size, seed[4]!)})`;
    case 5:
      return h ? `dev_write(${dev}, ${h}, ${bytes})` : `memset(${buf}, ${intForm(seed[7]! % 256, seed[8]!)}, ${sizeText})`;
    case 6:
      return h ? `dma_sync_single_for_cpu(${dev}, ${h}, ${sizeText}, ${dir})` : `cache_evict(${buf}, ${sizeText})`;
    case 7:
      return h ? `dma_mapping_error(${dev}, ${h}) => ${intForm(0, seed[4]!)}` : `cpu_prefetch(${buf}, ${sizeText})`;
    case 8: {
      const name = `s${st.k++}`;
      st.sgts.push(name);
      return `${name} = sg_table(${buf}, ${sizeText}, ${pick(st.bufs, 10)}${off}, 64)`;
    }
    case 9: {
      if (!st.sgts.length) return `kfree(${buf}) => warning ${pick(['"double free"', '"é\\n"', '""'], 10)}`;
      const n = `n${st.k++}`;
      st.handles.push(n);
      return `${n} = dma_map_sg(${dev}, ${pick(st.sgts, 10)}, ${dir}) => ${intForm(seed[4]! % 4, seed[7]!)}`;
    }
    case 10: {
      const c = `c${st.k++}`;
      const d = `d${st.k++}`;
      st.bufs.push(c);
      st.handles.push(d);
      return `${c}, ${d} = dma_alloc_coherent(${dev}, ${sizeText}${seed[10]! % 2 ? ', GFP_KERNEL' : ''})`;
    }
    case 11:
      return `dma_set_mask(${dev}, ${32 + (seed[4]! % 33)}) => ${pick(['0', 'EIO', 'ok'], 10)}`;
    case 12: {
      const name = `p${st.k++}`;
      st.bufs.push(name);
      return `${name} = alloc_pages(GFP_KERNEL, ${seed[4]! % 4}) => NULL`;
    }
    default:
      return h ? `dma_unmap_single(${dev}, ${h}, ${sizeText}, ${dir}) => ok` : `kfree(${buf})`;
  }
}

const seedArb = fc.array(fc.nat({ max: 1_000_000 }), { minLength: 14, maxLength: 14 });

const headerArb = fc.record({
  machine: fc.option(
    fc.record({
      arch: fc.constantFrom('arm64', 'arm', 'x86', 'riscv'),
      kernel: fc.constantFrom('"4.4"', '"5.15"', '"5.19"', '"6.18"'),
      ram: fc.constantFrom('8G', '1G', '0x1_0000_0000', '512M'),
      swiotlb: fc.constantFrom('4M', '0', '64K', '0x40_0000'),
      cma: fc.constantFrom('16M', '0', '32M'),
      keys: fc.subarray(['arch', 'kernel', 'ram', 'swiotlb', 'cma']),
    }),
  ),
  iommus: fc.array(fc.record({ mode: fc.constantFrom('strict', 'lazy', 'passthrough'), pg: fc.constantFrom('4K', '16K', '0x10000') }), { maxLength: 2 }),
  devices: fc.array(
    fc.record({
      mask: fc.integer({ min: 24, max: 64 }),
      coherent: fc.boolean(),
      useIommu: fc.boolean(),
      opts: fc.subarray(['mmu=true', 'bus=pci', 'untrusted=false', 'swiotlb=force', 'bus_limit=40']),
    }),
    { minLength: 1, maxLength: 3 },
  ),
});

/** Narration text with inline markup and the odd character. */
const narrationText = fc
  .array(fc.constantFrom('the', 'cache', '`dma_sync_single_for_cpu()`', '*stale*', 'kernel/dma/swiotlb.c', '2*ARCH_DMA_MINALIGN', 'x86,', '"quoted"', '=>', '#', 'é'), { maxLength: 8 })
  .map((ws) => ws.join(' '));

/** A focus on `buf` (assigned by the first statement), spelled with varied spacing. */
const focusArb = fc.option(
  fc.tuple(fc.constantFrom('bytes', 'cache', 'memmap', 'diagram', 'cma', 'dmabuf', 'gpu', 'swiotlb', 'iommu'), fc.constantFrom(' ', '  '), fc.boolean(), fc.nat({ max: 200 })).map(
    ([view, gap, line, off]) => (line && (view === 'cache' || view === 'memmap') ? `[view=${view}${gap}line=buf+${off}]` : `[view=${view}${gap}buffer=buf]`),
  ),
);

/** Teaching markup around the statements: lesson header, compare presets, hints, narration, predictions, a bug-hunt region. */
const teachArb = fc.record({
  lesson: fc.option(fc.record({ title: fc.constantFrom('"Why syncs matter"', '"é \\"x\\""'), level: fc.constantFrom(1, 2, 3), track: fc.constantFrom('ownership', '"thread-004"') })),
  compare: fc.subarray(['compare(arch=x86)', 'compare(kernel="5.4")', 'compare(arch=arm, kernel="6.1")']),
  hints: fc.array(fc.constantFrom('hint("Look at the cache.")', 'hint( "`code` *em*" )'), { maxLength: 2 }),
  intro: fc.array(narrationText, { maxLength: 3 }),
  narrate: fc.array(fc.record({ at: fc.nat({ max: 30 }), focus: focusArb, text: fc.array(narrationText, { minLength: 1, maxLength: 3 }), lead: fc.constantFrom('#> ', '#>', '#>   ') }), { maxLength: 4 }),
  outro: fc.option(narrationText),
  predict: fc.boolean(),
  fix: fc.option(fc.nat({ max: 30 })),
});

/** Text of a valid scenario, with comments, blank lines and varied spacing, and teaching markup. */
export const scenarioText = fc
  .record({
    header: headerArb,
    body: fc.array(fc.record({ seed: seedArb, bytes: bytesLit, lead: sp, pad: sp, comment: fc.option(comment), blank: fc.nat({ max: 9 }) }), {
      maxLength: 25,
    }),
    topComment: fc.option(comment),
    teach: fc.option(teachArb),
  })
  .map(({ header, body, topComment, teach }) => {
    const lines: string[] = [];
    if (topComment) lines.push(topComment);
    if (teach) {
      for (const t of teach.intro) lines.push(`#> ${t}`);
      if (teach.lesson) lines.push(`lesson(title=${teach.lesson.title}, track=${teach.lesson.track}, level=${teach.lesson.level}, summary="A *short* summary.")`);
      lines.push(...teach.compare, ...teach.hints);
    }
    const m = header.machine;
    // a RISC-V IOMMU needs 6.13 or later and a 4K granule (iommuRefusal): keep a riscv machine with an iommu valid
    if (m && m.keys.includes('arch') && m.arch === 'riscv' && header.iommus.length) {
      m.kernel = '"6.18"';
      for (const io of header.iommus) io.pg = '4K';
    }
    if (m) {
      // arch/riscv exists from 4.15 (config.ts archOldest): a riscv machine says 4.15 where the others say 4.4
      const value = (k: string): string => (k === 'kernel' && m.arch === 'riscv' && m.kernel === '"4.4"' && m.keys.includes('arch') ? '"4.15"' : (m as unknown as Record<string, string>)[k]!);
      const kv = m.keys.map((k) => `${k}=${value(k)}`);
      lines.push(`machine(${kv.join(', ')})`);
    }
    header.iommus.forEach((io, i) => lines.push(`iommu(smmu${i}, mode=${io.mode}, pgsize=${io.pg})`));
    const devs: string[] = [];
    header.devices.forEach((d, i) => {
      const name = `dev${i}`;
      devs.push(name);
      const opts = [`dma_mask=${d.mask}`, `coherent=${d.coherent}`, ...(d.useIommu && header.iommus.length ? [`iommu=smmu0`] : []), ...d.opts];
      lines.push(`device(${name}, ${opts.join(', ')})`);
    });
    lines.push('');
    const st = { bufs: ['buf'], handles: [] as string[], sgts: [] as string[], devs, k: 0 };
    lines.push('buf = kmalloc(8K, GFP_KERNEL)');
    const narrated = new Set<number>();
    body.forEach((b, i) => {
      let s = statement(b.seed, st, b.bytes);
      // A prediction: the statement's bytes and a 9-byte choice no generated bytes literal can equal.
      if (teach?.predict && s.startsWith('cpu_read(')) s = s.replace(' => ', ' =>? ') + ' | x"ff ff ff ff ff ff ff ff ff"';
      const n = teach?.narrate.find((x) => x.at === i);
      if (n && !narrated.has(i)) {
        narrated.add(i);
        n.text.forEach((t, j) => lines.push(`${n.lead}${j === 0 && n.focus ? `${n.focus} ` : ''}${t}`));
      }
      const spaced = s.replace(/, /g, `,${b.pad}`).replace(/\(/, `(${b.pad}`);
      const line = `${b.lead}${spaced}${b.comment ? `${b.pad} ${b.comment}` : ''}`;
      if (teach?.fix === i) lines.push('# fix: begin', line, '# fix: end', `# solution: ${line.trim()}`);
      else lines.push(line);
      if (b.blank === 0) lines.push('');
    });
    if (teach?.outro) lines.push(`#> ${teach.outro}`);
    return lines.join('\n') + '\n';
  });
