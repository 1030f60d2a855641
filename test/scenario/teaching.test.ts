/**
 * Teaching markup (docs/scenario-language.md, "Teaching markup"): narration
 * and focus, the lesson header, compare presets, hints, predictions and bug
 * hunts. None of it changes what runs; every error carries LINE:COL.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseScenario } from '../../src/scenario/parser.ts';
import { printScenario } from '../../src/scenario/printer.ts';
import { runScenario } from '../../src/scenario/run.ts';
import { formatRun } from '../../src/scenario/format.ts';
import { applySolution, inlineSpans, lockedSkeleton, predictionRange, scanFixRegions } from '../../src/scenario/markup.ts';
import { isEmptyTeaching } from '../../src/scenario/teaching.ts';
import { expectError, ok, stripLocs } from './helpers.ts';

const HEAD = 'machine(arch=arm64)\ndevice(cam)\n';

describe('narration', () => {
  it('attaches to the next statement; before the first statement, and between header lines, to step 0', () => {
    const s = ok(['#> Intro, part one.', 'machine(arch=arm64)', '#> Intro, part two.', 'device(cam)', '', '#> Allocate.', 'buf = kmalloc(64, GFP_KERNEL)', 'cpu_write(buf, "x")', '#> Read it back.', 'cpu_read(buf, 1) => "x"'].join('\n'));
    expect(s.teaching.narration.map((n) => [n.step, n.line, n.paragraphs])).toEqual([
      [0, 1, ['Intro, part one.', 'Intro, part two.']],
      [1, 6, ['Allocate.']],
      [3, 9, ['Read it back.']],
    ]);
  });

  it('joins lines into paragraphs; an empty #> line separates them; narration after the last statement goes to the last step', () => {
    const s = ok(`${HEAD}buf = kmalloc(64, GFP_KERNEL)\n#> one\n#> two\n#>\n#> three\ncpu_read(buf, 1)\n#> What you learned.\n`);
    expect(s.teaching.narration).toEqual([{ step: 2, line: 4, paragraphs: ['one two', 'three', 'What you learned.'], focus: null }]);
  });

  it('is markup only: the body, the checks and the run are those of the file without it', () => {
    const plain = `${HEAD}buf = kmalloc(64, GFP_KERNEL)\ncpu_write(buf, "x")\ncpu_read(buf, 1) => "x"\n`;
    const taught = `#> Hello.\n${HEAD}#> [view=bytes buffer=buf] Here.\nbuf = kmalloc(64, GFP_KERNEL)\ncpu_write(buf, "x")\ncpu_read(buf, 1) => "x"\n`;
    expect(stripLocs(ok(taught).body)).toEqual(stripLocs(ok(plain).body));
    const a = runScenario(plain);
    const b = runScenario(taught);
    expect(b.steps.map((x) => [x.source, x.result, x.data, x.checks])).toEqual(a.steps.map((x) => [x.source, x.result, x.data, x.checks]));
    expect(a.teaching).toBeUndefined();
    expect(b.teaching?.narration.map((n) => n.step)).toEqual([0, 1]);
  });

  it('inline markup: `code`, *emphasis*, kernel paths; a lone asterisk stays text', () => {
    expect(inlineSpans('call `dma_sync_single_for_cpu()` *before* reading; see kernel/dma/direct.c, 2*ARCH_DMA_MINALIGN').spans).toEqual([
      { k: 'text', text: 'call ' },
      { k: 'code', text: 'dma_sync_single_for_cpu()' },
      { k: 'text', text: ' ' },
      { k: 'em', text: 'before' },
      { k: 'text', text: ' reading; see ' },
      { k: 'path', text: 'kernel/dma/direct.c' },
      { k: 'text', text: ', 2*ARCH_DMA_MINALIGN' },
    ]);
  });

  it('a `code` span may wrap across narration lines; an error points at its line', () => {
    expect(ok(`${HEAD}#> call \`dma_sync_single_for_cpu(dev,\n#> h, size, dir)\` first\nbuf = kmalloc(64, GFP_KERNEL)\n`).teaching.narration[0]!.paragraphs).toEqual([
      'call `dma_sync_single_for_cpu(dev, h, size, dir)` first',
    ]);
    expectError(`${HEAD}#> fine \`code\` here\n#> but \`not here\nbuf = kmalloc(64, GFP_KERNEL)\n`, 4, 8, 'unclosed `');
  });

  it('an unclosed backtick is an error at its column', () => {
    expectError(`${HEAD}#> call \`dma_map_single( first\nbuf = kmalloc(64, GFP_KERNEL)\n`, 3, 9, 'unclosed `');
  });
});

describe('focus', () => {
  it('opens a view and selects a buffer, a cache line, a slot or an IOVA', () => {
    const s = ok(
      [
        'machine(arch=x86)',
        'iommu(smmu)',
        'device(nic, dma_mask=32)',
        '#> [view=bytes buffer=buf] a',
        'buf = kmalloc(4096, GFP_KERNEL)',
        '#> [view=cache line=buf+0x40] b',
        'h = dma_map_single(nic, buf, 4096, DMA_TO_DEVICE)',
        '#> [view=swiotlb slot=h] c',
        'dma_mapping_error(nic, h)',
        '#> [view=iommu iova=0xfffff000] d',
        'dev_read(nic, h, 4)',
        '#> [view=swiotlb slot=3] e',
        'dma_unmap_single(nic, h, 4096, DMA_TO_DEVICE)',
      ].join('\n'),
    );
    expect(s.teaching.narration.map((n) => n.focus)).toEqual([
      { view: 'bytes', buffer: 'buf' },
      { view: 'cache', line: { buffer: 'buf', offset: 64 } },
      { view: 'swiotlb', slot: { handle: 'h', step: 2 } },
      { view: 'iommu', iova: 0xfffff000 },
      { view: 'swiotlb', slot: 3 },
    ]);
  });

  it('a name the step assigns counts (the focus applies after the step has run)', () => {
    expect(ok(`${HEAD}#> [view=memmap buffer=buf] here\nbuf = kmalloc(64, GFP_KERNEL)\n`).teaching.narration[0]!.focus).toEqual({ view: 'memmap', buffer: 'buf' });
  });

  it('unknown views, keys and names are parse errors with LINE:COL', () => {
    expectError(`${HEAD}#> [view=byte buffer=buf] x\nbuf = kmalloc(64, GFP_KERNEL)\n`, 3, 5, "unknown view 'byte'", 'did you mean bytes');
    expectError(`${HEAD}#> [view=bytes buf=buf] x\nbuf = kmalloc(64, GFP_KERNEL)\n`, 3, 16, "unknown focus key 'buf'", 'expected view, buffer, line, slot or iova');
    expectError(`${HEAD}#> [buffer=buf] x\nbuf = kmalloc(64, GFP_KERNEL)\n`, 3, 4, 'needs a view');
    expectError(`${HEAD}#> [view=bytes buffer=rxbf] x\nrxbuf = kmalloc(64, GFP_KERNEL)\n`, 3, 4, "'rxbf' in the focus is not defined", 'did you mean rxbuf');
    expectError(`${HEAD}#> [view=bytes buffer=later] x\nbuf = kmalloc(64, GFP_KERNEL)\nlater = kmalloc(64, GFP_KERNEL)\n`, 3, 4, "'later' in the focus is not defined by this step");
    expectError(`${HEAD}buf = kmalloc(64, GFP_KERNEL)\n#> [view=cache slot=1] x\ncpu_read(buf, 1)\n`, 4, 16, 'the cache view cannot select slot=', 'buffer= or line=');
    expectError(`${HEAD}buf = kmalloc(64, GFP_KERNEL)\nh = dma_map_single(cam, buf, 64, DMA_TO_DEVICE)\n#> [view=bytes buffer=h] x\ncpu_read(buf, 1)\n`, 5, 4, "'h' in the focus is not a buffer");
    expectError(`${HEAD}#> [view=bytes buffer=buf x\nbuf = kmalloc(64, GFP_KERNEL)\n`, 3, 4, "unclosed '['");
    expectError(`${HEAD}buf = kmalloc(64, GFP_KERNEL)\n#> [view=bytes buffer=buf] a\n#> [view=cache buffer=buf] b\ncpu_read(buf, 1)\n`, 5, 4, 'already has a focus');
  });
});

describe('lesson header, compare presets, hints', () => {
  const LESSON = 'lesson(title="Why syncs matter", track=ownership, level=2, thread="004", summary="On *arm64*.")';
  it('are read from the header and are neither header nor steps', () => {
    const s = ok(`${LESSON}\ncompare(arch=x86)\ncompare(kernel="5.4", iommu=lazy)\nhint("Look at the cache.")\nmachine(arch=arm64)\niommu(smmu)\nhint("Then at RAM.")\ndevice(cam, iommu=smmu)\nbuf = kmalloc(64, GFP_KERNEL)\n`);
    expect(s.teaching.lesson).toEqual({ title: 'Why syncs matter', track: 'ownership', level: 2, thread: '004', summary: 'On *arm64*.' });
    expect(s.teaching.compare).toEqual([
      { arch: 'x86', line: 2 },
      { kernel: '5.4', iommu: 'lazy', line: 3 },
    ]);
    expect(s.teaching.hints).toEqual(['Look at the cache.', 'Then at RAM.']);
    expect(s.header.map((c) => c.op)).toEqual(['machine', 'iommu', 'device']);
    expect(s.body.map((c) => c.op)).toEqual(['kmalloc']);
  });

  it('errors with LINE:COL', () => {
    expectError(`machine()\n${LESSON}\n`, 2, 1, 'lesson(…) must come before machine(…)');
    expectError(`${LESSON}\n${LESSON}\n`, 2, 1, 'lesson(…) is given twice');
    expectError('lesson(track=x)\n', 1, 1, 'needs a title');
    expectError('lesson(title="t", level=4)\n', 1, 25, 'level must be 1, 2 or 3');
    expectError('lesson(title="t", author="me")\n', 1, 19, "unknown key 'author'");
    expectError('lesson(title="t", thread="4")\n', 1, 26, 'three-digit');
    expectError('lesson(title="`unclosed")\n', 1, 14, 'unclosed `');
    expectError('compare()\n', 1, 1, 'needs a machine setting');
    expectError('compare(arch=mips)\n', 1, 14, 'arch must be one of');
    expectError('compare(kernel="9.9")\n', 1, 16, 'kernel must be between');
    expectError('compare(iommu=lazy)\nmachine()\n', 1, 9, 'needs an iommu(…) in the header');
    expectError('hint()\n', 1, 1, 'hint takes one non-empty string');
    expectError(`${HEAD}buf = kmalloc(64, GFP_KERNEL)\nhint("late")\n`, 4, 1, 'must come before the first operation (line 3)');
    expectError('x = hint("a")\n', 1, 1, 'cannot be assigned');
  });
});

describe('predictions', () => {
  const TEXT = `${HEAD}buf = kmalloc(64, GFP_KERNEL)\ncpu_write(buf, "old")\ncpu_read(buf, 3) =>? "old" | "new" | x"00 00 00"\n`;
  it('check their first choice like an ordinary check and list every choice', () => {
    const r = runScenario(TEXT);
    expect(r.ok).toBe(true);
    expect(r.steps[2]!.checks).toEqual([{ expected: '=> "old"', passed: true, choices: ['"old"', '"new"', 'x"00 00 00"'] }]);
    const wrong = runScenario(TEXT.replace('=>? "old" | "new"', '=>? "new" | "old"'));
    expect(wrong.ok).toBe(false);
    expect(wrong.steps[2]!.checks[0]).toMatchObject({ expected: '=> "new"', passed: false, actual: '"old"' });
  });

  it('take integers, errnos, warnings and ok as choices, beside ordinary checks', () => {
    const r = runScenario(`machine(arch=x86, swiotlb=0)\ndevice(nic, dma_mask=32)\nbuf = kmalloc(4096, GFP_KERNEL)\nh = dma_map_single(nic, buf, 4096, DMA_TO_DEVICE) =>? DMA_MAPPING_ERROR | 0xfec00000 => warning "overflow"\ndma_mapping_error(nic, h) =>? ENOMEM | 0\n`);
    expect(r.checks).toEqual({ passed: 3, failed: 0 });
  });

  it('print back as written, and the CLI shows the choices', () => {
    expect(printScenario(ok(TEXT).doc)).toContain('cpu_read(buf, 3) =>? "old" | "new" | x"00 00 00"');
    expect(formatRun(runScenario(TEXT), { events: false })).toContain('✓ => "old"  (predict: "old" | "new" | x"00 00 00")');
  });

  it('errors with LINE:COL', () => {
    expectError(`${HEAD}buf = kmalloc(64, GFP_KERNEL)\ncpu_read(buf, 1) =>? "a"\n`, 4, 18, 'two or more choices');
    expectError(`${HEAD}buf = kmalloc(64, GFP_KERNEL)\ncpu_read(buf, 1) =>? "a" | "a"\n`, 4, 28, 'given twice');
    expectError(`${HEAD}buf = kmalloc(64, GFP_KERNEL)\ncpu_read(buf, 1) =>? "a" |\n`, 4, 27, 'expected a choice');
    expectError(`${HEAD}buf = kmalloc(64, GFP_KERNEL)\ncpu_read(buf, 1) =>? "a" | "b" =>? "c" | "d"\n`, 4, 32, 'one prediction per statement');
    expectError(`${HEAD}buf = kmalloc(64, GFP_KERNEL)\ncpu_read(buf, 1) =>? "a" | 7\n`, 4, 28, 'the choice 7 is an integer');
  });

  it('the editor finds the prediction on a line, up to its comment or next check', () => {
    const line = 'cpu_read(buf, 3) =>? "a # b" | "c" => ok  # why';
    const r = predictionRange(line)!;
    expect(line.slice(r.from, r.to)).toBe('=>? "a # b" | "c"');
    expect(predictionRange('cpu_read(buf, 3) => "a"')).toBeNull();
  });
});

const HUNT = `lesson(title="Find the missing sync", track=ownership)
hint("The CPU reads while the device owns the buffer.")
${HEAD}buf = kmalloc(64, GFP_KERNEL)
h = dma_map_single(cam, buf, 64, DMA_FROM_DEVICE)
dma_mapping_error(cam, h)           => 0
dev_write(cam, h, "new")
# fix: begin
# fix: end
# solution: dma_sync_single_for_cpu(cam, h, 64, DMA_FROM_DEVICE)
cpu_read(buf, 3)                    => "new"
dma_unmap_single(cam, h, 64, DMA_FROM_DEVICE)
`;

describe('bug hunts', () => {
  it('regions and solutions: the unsolved form fails, the solution passes', () => {
    const s = ok(HUNT);
    expect(s.teaching.fixes).toEqual([{ begin: 9, end: 10, solution: ['dma_sync_single_for_cpu(cam, h, 64, DMA_FROM_DEVICE)'], solutionLines: [11, 11] }]);
    expect(runScenario(HUNT).ok).toBe(false);
    const solved = applySolution(HUNT);
    expect(solved).toContain('# fix: begin\ndma_sync_single_for_cpu(cam, h, 64, DMA_FROM_DEVICE)\n# fix: end');
    expect(runScenario(solved).ok).toBe(true);
  });

  it('the locked skeleton ignores the regions only', () => {
    const base = lockedSkeleton(HUNT);
    expect(base).not.toBeNull();
    expect(lockedSkeleton(applySolution(HUNT))).toBe(base);
    expect(lockedSkeleton(HUNT.replace('# fix: begin\n', '# fix: begin\nanything at all\n'))).toBe(base);
    expect(lockedSkeleton(HUNT.replace('=> "new"', '=> "old"'))).not.toBe(base);
    expect(lockedSkeleton(HUNT.replace('# fix: end\n', ''))).toBeNull();
  });

  it('marker errors with LINE:COL', () => {
    expectError(`${HEAD}# fix: begin\n# fix: begin\n# fix: end\n# solution:\n`, 4, 1, 'inside the region opened on line 3');
    expectError(`${HEAD}# fix: end\n`, 3, 1, "'# fix: end' without a '# fix: begin'");
    expectError(`${HEAD}# fix: begin\n`, 3, 1, 'never closed');
    expectError(`${HEAD}# fix: begin\n# fix: end\n`, 4, 1, 'needs its reference solution');
  });

  it('a solution that does not parse is reported at its solution line', () => {
    expectError(HUNT.replace('# solution: dma_sync_single_for_cpu(cam, h,', '# solution: dma_sync_single_for_cpu(cam, hx,'), 11, 1, "in the solution: 'hx' is not defined");
  });

  it('a "# solution:" comment elsewhere stays a plain comment (v1 files keep their meaning)', () => {
    const s = ok(`# solution: use GFP_DMA32\n${HEAD}`);
    expect(isEmptyTeaching(s.teaching)).toBe(true);
    expect(scanFixRegions('# solution: x\n').regions).toEqual([]);
  });

  it('the CLI prints the lesson and its narration, and --json carries the teaching', () => {
    const text = HUNT.replace('dev_write(cam', '#> The device writes *behind* the cache.\ndev_write(cam');
    const out = formatRun(runScenario(text), { events: false });
    expect(out).toContain('lesson: Find the missing sync (ownership, level 1)');
    expect(out).toMatch(/» The device writes \*behind\* the cache\.\nL\d+ {2}dev_write/);
    const json = runScenario(text);
    expect(json.teaching?.hints).toEqual(['The CPU reads while the device owns the buffer.']);
    expect(json.teaching?.narration[0]).toMatchObject({ step: 4, paragraphs: ['The device writes *behind* the cache.'] });
  });
});

describe('v1 files keep their meaning', () => {
  const DIR = resolve(__dirname, '../../src/scenario/library');
  it.each(readdirSync(DIR).filter((f) => f.endsWith('.dma')))('%s has no teaching markup', (f) => {
    expect(isEmptyTeaching(ok(readFileSync(resolve(DIR, f), 'utf8')).teaching)).toBe(true);
  });

  it('a plain "#" comment that is not markup stays a comment', () => {
    for (const c of ['# fix: the bug', '#fixme', '# solution: x', '#>']) {
      const r = parseScenario(`${c}\n${HEAD}`);
      expect(r.ok, c).toBe(true);
    }
  });
});
