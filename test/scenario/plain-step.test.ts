/**
 * The parser's fast path (src/scenario/validate-line.ts): parseScenario and
 * scanScenario check a step straight from the lexer's tokens, without
 * validating its Command (parseScenario without building it), and send
 * anything the check does not see as plainly valid through the full parser
 * and validator; scanScenario with `fullPath` takes the full path for every
 * line. So on any text the three must say the same: the same errors at the
 * same line:col, or the same steps (each with its line and where it starts),
 * names and types (a name given a wrong type by the fast path shows as a
 * difference in a later line's errors). Texts: every library scenario and
 * lesson and an imported trace's scenario, edited at random with pieces
 * aimed at what the fast path reads — targets, arguments of each kind,
 * offsets, flags, options, literals and checks.
 */
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseScenario, scanScenario } from '../../src/scenario/parser.ts';
import type { ScanOptions, ScanResult, ScannedStep } from '../../src/scenario/parser.ts';
import { syntheticScenario } from '../../src/cli/bench-import.ts';
import { HEAD, scenarioFiles } from './helpers.ts';
import { OPERATIONS } from '../../src/sim/operations.ts';
import type { ArgKind } from '../../src/sim/operation.ts';

function scanAll(text: string, opts?: ScanOptions): { steps: ScannedStep[]; result: ScanResult } {
  const it = scanScenario(text, opts);
  const steps: ScannedStep[] = [];
  let r = it.next();
  for (; !r.done; r = it.next()) steps.push(r.value);
  return { steps, result: r.value };
}

/** parseScenario and scanScenario (fast path) agree with scanScenario taking the full path on `text`. */
function agree(text: string): void {
  const whole = parseScenario(text);
  const { steps, result } = scanAll(text, { fullPath: true });
  const fast = scanAll(text);
  expect(fast.result).toEqual(result);
  expect(fast.steps).toEqual(steps);
  if (!whole.ok) {
    expect(result).toEqual(whole);
    return;
  }
  expect(result.ok ? null : result.errors).toBeNull();
  if (!result.ok) return;
  expect(whole.scenario.body).toEqual(steps.map((s) => s.cmd));
  expect(result.scenario).toEqual({ header: whole.scenario.header, config: whole.scenario.config, teaching: whole.scenario.teaching, steps: whole.scenario.body.length });
}

/** What an edit puts in: forms the fast path accepts, and near misses it must send the long way. */
const PIECES = [
  '+', '-', '|', ',', '=', '(', ')', '=>', '=>?', ' => ok', ' => EINVAL', ' => EBUSY => ok', ' => 5', ' => "ab"', ' => x"00"', ' => warning "x"', ' => nope', ' => fill(0, 2)',
  'fill(1, 2)', '"ab" + "c"', '0', '0x0', '65', '256', '0b101', '2G', '99999999999', 'DMA_TO_DEVICE', 'DMA_NONE', 'DMA_TO_DEVICE | DMA_FROM_DEVICE', 'GFP_KERNEL',
  'GFP_KERNEL | __GFP_ZERO', '0 | GFP_KERNEL', 'GFP_KERNEL | 0', 'DMA_ATTR_SKIP_CPU_SYNC', 'IOMMU_READ | IOMMU_WRITE', 'true', 'false', 'EBUSY', 'NULL', 'a', 'h', 'nic', 'p + 64',
  'h - 8', 'x"0"', 'x"00 11"', '"s"', '"é"', '"a\\n"', ', ', 'at=', 'dir=', 'size=4K', 'h, h = ', 'q = ', 'key=1, key=2', 'a, b = ', 'DMA_TO_DEVICE = ',
];

const texts = [...scenarioFiles().map((f) => readFileSync(f, 'utf8')), syntheticScenario(400), `${HEAD}a = kmalloc(64, GFP_KERNEL)\nh = dma_map_single(nic, a, 64, DMA_TO_DEVICE)\ndma_unmap_single(nic, h, 64, DMA_TO_DEVICE)\n`];

describe('parseScenario and scanScenario checking steps from their tokens', () => {
  it('says what the full parser and validator say, on every library scenario and lesson and an imported trace', () => {
    for (const text of texts) agree(text);
  });

  it('says what the full parser and validator say on edited texts (a character, a piece, or a word replaced)', () => {
    fc.assert(
      fc.property(fc.nat(), fc.nat(), fc.constantFrom(...PIECES), fc.nat(3), (which, at, piece, kind) => {
        const base = texts[which % texts.length]!;
        const i = at % (base.length + 1);
        let text: string;
        if (kind === 0) text = base.slice(0, i) + base.slice(i + 1);
        else if (kind === 1) text = base.slice(0, i) + piece + base.slice(i);
        else if (kind === 2) text = base.slice(0, i) + piece + base.slice(i + 1);
        else {
          // The word at or after i (a name, a number, a constant) replaced.
          const m = /[\w"]+/g;
          m.lastIndex = i;
          const w = m.exec(base);
          text = w ? base.slice(0, w.index) + piece + base.slice(w.index + w[0].length) : base + piece;
        }
        agree(text);
      }),
      { numRuns: 1500 },
    );
    // Three reads of each text (parse, scan, scan the long way): minutes on a loaded 2-core machine.
  }, 240_000);

  it('says what the full parser and validator say on step lines made at random from the operation table', () => {
    const ops = [...OPERATIONS.values()].filter((o) => o.section !== 'header');
    // Per kind: values it takes in this context first, then near misses.
    const BY_KIND: Partial<Record<ArgKind, string[]>> = {
      dev: ['nic', 'iommu0', 'a'],
      iommu: ['iommu0', 'nic'],
      ptr: ['a', 'a + 64', 'a - 8', 'h', 'a | a', '0'],
      buf: ['a', 'a + 64', 'h'],
      handle: ['h', 'h + 8', '4096', 'a', 'zz'],
      size: ['64', '4096', '0', '2G', '99999999999', '0x10 | GFP_KERNEL'],
      size0: ['0', '64', 'a'],
      int: ['0', '7', '"7"'],
      byte: ['255', '0', '256'],
      bits: ['64', '1', '0', '65'],
      bits0: ['0', '64', '65'],
      dir: ['DMA_TO_DEVICE', 'DMA_NONE', 'DMA_TO_DEVICE | DMA_FROM_DEVICE', 'GFP_KERNEL', 'dma_to_device'],
      gfp: ['GFP_KERNEL', 'GFP_KERNEL | __GFP_ZERO', '0', '0 | GFP_KERNEL', 'GFP_KERNEL | 0', '1', 'DMA_TO_DEVICE'],
      attrs: ['0', 'DMA_ATTR_SKIP_CPU_SYNC', 'DMA_ATTR_SKIP_CPU_SYNC | DMA_ATTR_NO_WARN', '2', 'GFP_KERNEL'],
      prot: ['IOMMU_READ | IOMMU_WRITE', 'IOMMU_READ', '0', 'IOMMU_READ | 0'],
      bytes: ['"ab"', 'x"00 11"', '"é"', '"a\\n"', 'fill(1, 2)', '"a" + "b"', 'a', '5'],
      sgt: ['a', 'zz'],
      bool: ['true', 'false', '1'],
    };
    const valueOf = (kind: ArgKind, pick: number): string => {
      const pool = BY_KIND[kind] ?? ['a', '0', '"x"'];
      // Half the time the first value (valid here), else any.
      return pool[pick % 2 === 0 ? 0 : (pick >> 1) % pool.length]!;
    };
    const CHECKS = ['', '', ' => ok', ' => EINVAL', ' => EBUSY => ok', ' => EBUSY => EBUSY', ' => EBUSY => EIO', ' => 5', ' => "ab"', ' => x"00"', ' => warning "x"', ' => nope', ' => ok => 5', ' => 5 => ENOMEM', ' =>? ok | EBUSY'];
    const line = fc
      .tuple(fc.constantFrom(...ops), fc.array(fc.nat(), { minLength: 8, maxLength: 8 }), fc.nat(5), fc.constantFrom(...CHECKS), fc.nat(7))
      .map(([op, picks, arity, check, target]) => {
        const specs = op.repeat ? [...op.repeat, ...op.repeat] : [...op.args, ...op.optional];
        // Mostly as many arguments as the operation takes; sometimes one fewer or more.
        const n = arity === 0 ? Math.max(0, specs.length - 1) : arity === 1 ? specs.length + 1 : op.repeat ? specs.length : op.args.length + (arity % (op.optional.length + 1));
        const args = Array.from({ length: n }, (_, i) => (i < specs.length ? valueOf(specs[i]!.kind, picks[i]!) : '0'));
        const keys = Object.keys(op.options);
        if (keys.length > 0 && picks[7]! % 3 === 0) {
          const key = keys[picks[7]! % keys.length]!;
          args.push(`${key}=${valueOf(op.options[key]!.kind, picks[6]!)}`);
        }
        const names = op.results.length === 2 ? ['q, r = ', 'q, q = '] : ['q = ', 'a = ', 'nic = ', 'NULL = ', 'q, r = '];
        const assign = op.results.length > 0 && target > 1 ? names[target % names.length]! : target === 1 ? 'q = ' : '';
        return `${assign}${op.name}(${args.join(', ')})${check}`;
      });
    const context = `${HEAD}iommu(iommu0)\na = kmalloc(64, GFP_KERNEL)\nh = dma_map_single(nic, a, 64, DMA_TO_DEVICE)\n`;
    fc.assert(
      fc.property(fc.array(line, { minLength: 1, maxLength: 4 }), (lines) => agree(`${context}${lines.join('\n')}\n`)),
      { numRuns: 3000 },
    );
    // Three reads of each text (parse, scan, scan the long way): minutes on a loaded 2-core machine.
  }, 240_000);

  it('reports the same error for a step line the fast path reads up to its last token', () => {
    const lines = [
      'h = dma_map_single(nic, a, 64, DMA_TO_DEVICE) => 0x1000 => EBUSY',
      'h = dma_map_single(nic, a, 64, DMA_TO_DEVICE, 1)',
      'h = dma_map_single(nic, a, 0, DMA_TO_DEVICE)',
      'h = dma_map_single(nic, a + 8, 64, DMA_TO_DEVICE) => "x"',
      'cpu_write(a, "hi") => ok => EIO',
      'b = kmalloc(64, GFP_KERNEL | DMA_TO_DEVICE)',
      'b = kmalloc(64, GFP_KERNEL, GFP_KERNEL)',
      'b, c = kmalloc(64, GFP_KERNEL)',
      'nic = kmalloc(64, GFP_KERNEL)',
      'kfree(h)',
      'kfree(a) => 3',
    ];
    for (const l of lines) {
      const text = `${HEAD}a = kmalloc(64, GFP_KERNEL)\nh = dma_map_single(nic, a, 64, DMA_TO_DEVICE)\n${l}\n`;
      const r = parseScenario(text);
      expect(r.ok, l).toBe(false);
      agree(text);
    }
  });
});
