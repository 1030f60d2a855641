/** The runner: parse errors, StepJson shape, check evaluation, overrides, exceptions. */
import { describe, expect, it } from 'vitest';
import type { Check, Command } from '../../src/sim/command.ts';
import type { Machine } from '../../src/sim/machine.ts';
import { emptyOutcome } from '../../src/sim/outcome.ts';
import type { StepOutcome } from '../../src/sim/outcome.ts';
import { asText, evaluateCheck, prepareScenario, runScenario, runStep, stepJson } from '../../src/scenario/run.ts';
import { ok } from './helpers.ts';

const EXAMPLE = `machine(arch=x86, ram=8G, swiotlb=4M)
device(nic, dma_mask=32)

buf = kmalloc(4096, GFP_KERNEL)
cpu_write(buf, "hello")
h = dma_map_single(nic, buf, 4096, DMA_TO_DEVICE)
dma_mapping_error(nic, h)                => 0
dev_read(nic, h, 5)                      => "hello"
dma_unmap_single(nic, h, 4096, DMA_TO_DEVICE) => ok
`;

const outcome = (o: Partial<StepOutcome>): StepOutcome => ({ ...emptyOutcome(), ...o });
const checksOf = (line: string): Check[] => ok(`device(nic)\nb = kmalloc(64, GFP_KERNEL)\nh = dma_map_single(nic, b, 64, DMA_TO_DEVICE)\n${line}\n`).body[2]!.checks;

describe('runScenario', () => {
  it('returns parse errors and runs nothing', () => {
    const r = runScenario('device(nic)\nkfree(p)\n');
    expect(r).toMatchObject({ ok: false, config: null, steps: [], checks: { passed: 0, failed: 0 } });
    expect(r.errors).toEqual([{ line: 2, col: 7, message: expect.stringContaining("'p' is not defined") }]);
  });

  it('runs the contract example: one StepJson per statement after the header', () => {
    const r = runScenario(EXAMPLE);
    expect(r.errors).toEqual([]);
    expect(r.steps.map((s) => [s.index, s.line, s.op])).toEqual([
      [1, 4, 'kmalloc'], [2, 5, 'cpu_write'], [3, 6, 'dma_map_single'], [4, 7, 'dma_mapping_error'], [5, 8, 'dev_read'], [6, 9, 'dma_unmap_single'],
    ]);
    const map = r.steps[2]!;
    expect(map.source).toBe('h = dma_map_single(nic, buf, 4096, DMA_TO_DEVICE)');
    expect(map.result).toMatch(/^0x[0-9a-f]+$/);
    expect(r.steps[4]!.data).toEqual({ hex: '68656c6c6f', text: 'hello' });
    expect(r.steps[4]!.checks).toEqual([{ expected: '=> "hello"', passed: true }]);
    expect(r.checks).toEqual({ passed: 3, failed: 0 });
    expect(r.ok).toBe(true);
    expect(r.config?.arch).toBe('x86');
  });

  it('a failed check is reported with what the step gave, and the run goes on', () => {
    const r = runScenario(EXAMPLE.replace('=> "hello"', '=> "hellp"'));
    expect(r.ok).toBe(false);
    expect(r.checks).toEqual({ passed: 2, failed: 1 });
    expect(r.steps[4]!.checks[0]).toEqual({ expected: '=> "hellp"', passed: false, actual: '"hello"' });
    expect(r.steps).toHaveLength(6);
  });

  it('applies --arch / --kernel overrides after the header', () => {
    const r = runScenario(EXAMPLE, { arch: 'arm64', kernel: '5.4' });
    expect(r.config).toMatchObject({ arch: 'arm64', kernel: '5.4' });
    expect(prepareScenario(EXAMPLE, { arch: 'riscv' })).toMatchObject({ ok: true, config: { arch: 'riscv', ram: 8 * 1024 ** 3 } });
  });

  it('is deterministic', () => {
    expect(JSON.stringify(runScenario(EXAMPLE))).toBe(JSON.stringify(runScenario(EXAMPLE)));
  });
});

describe('runStep', () => {
  it('records an engine exception as error EXCEPTION and does not throw', () => {
    const cmd = ok('device(nic)\nb = kmalloc(64, GFP_KERNEL)\n').body[0]!;
    const { json } = runStep({} as Machine, cmd, 1);
    expect(json.error).toBe('EXCEPTION');
    expect(json.observations[0]).toMatch(/^the engine threw: /);
  });
});

describe('stepJson', () => {
  const cmd: Command = ok('device(nic)\nb = kmalloc(64, GFP_KERNEL)\n').body[0]!;

  it('addresses as lowercase hex strings, counts as numbers', () => {
    expect(stepJson(cmd, 1, outcome({ result: 0xfffff000, resultKind: 'addr' })).result).toBe('0xfffff000');
    expect(stepJson(cmd, 1, outcome({ result: 3, resultKind: 'count' })).result).toBe(3);
    expect(stepJson(cmd, 1, outcome({})).result).toBeNull();
  });

  it('data as hex, and as text only when printable', () => {
    expect(stepJson(cmd, 1, outcome({ data: new Uint8Array([0x68, 0x69, 0x0a]) })).data).toEqual({ hex: '68690a', text: 'hi\n' });
    expect(stepJson(cmd, 1, outcome({ data: new Uint8Array([0x68, 0x00]) })).data).toEqual({ hex: '6800', text: null });
    expect(asText(new Uint8Array([0x09, 0x0d, 0x20, 0x7e]))).toBe('\t\r ~');
    expect(asText(new Uint8Array([0x7f]))).toBeNull();
    expect(asText(new Uint8Array([0xc3, 0xa9]))).toBeNull();
  });
});

describe('evaluateCheck', () => {
  it('bytes', () => {
    const [c] = checksOf('dev_read(nic, h, 2) => "hi"');
    expect(evaluateCheck(c!, outcome({ data: new TextEncoder().encode('hi') }))).toEqual({ expected: '=> "hi"', passed: true });
    expect(evaluateCheck(c!, outcome({ data: new Uint8Array([0, 1]) }))).toEqual({ expected: '=> "hi"', passed: false, actual: 'x"00 01"' });
    expect(evaluateCheck(c!, outcome({ error: 'FAULT' }))).toMatchObject({ passed: false, actual: 'FAULT' });
  });

  it('int', () => {
    const [c] = checksOf('dma_mapping_error(nic, h) => 0');
    expect(evaluateCheck(c!, outcome({ result: 0, resultKind: 'status' })).passed).toBe(true);
    expect(evaluateCheck(c!, outcome({ result: 0x1000, resultKind: 'addr' }))).toMatchObject({ passed: false, actual: '0x1000' });
    expect(evaluateCheck(c!, outcome({ error: 'ENOMEM' }))).toMatchObject({ passed: false, actual: 'ENOMEM' });
  });

  it('error', () => {
    const [c] = checksOf('dma_mapping_error(nic, h) => ENOMEM');
    expect(evaluateCheck(c!, outcome({ error: 'ENOMEM' })).passed).toBe(true);
    expect(evaluateCheck(c!, outcome({ result: 0, resultKind: 'status' }))).toMatchObject({ passed: false, actual: '0' });
  });

  it('warning: a substring of any kernel log line', () => {
    const [c] = checksOf('dma_mapping_error(nic, h) => warning "failed to check"');
    expect(evaluateCheck(c!, outcome({ warnings: ['x', 'DMA-API: nic: device driver failed to check map error'] })).passed).toBe(true);
    expect(evaluateCheck(c!, outcome({}))).toMatchObject({ passed: false, actual: 'no warning' });
  });

  it('ok: no error and no warning (observations do not count)', () => {
    const [c] = checksOf('dma_mapping_error(nic, h) => ok');
    expect(evaluateCheck(c!, outcome({ observations: [{ rule: 'cpu/stale-read', text: 'stale read' }] })).passed).toBe(true);
    expect(evaluateCheck(c!, outcome({ warnings: ['DMA-API: boom'] }))).toMatchObject({ passed: false, actual: 'warning "DMA-API: boom"' });
    expect(evaluateCheck(c!, outcome({ error: 'EIO' }))).toMatchObject({ passed: false, actual: 'EIO' });
  });
});

describe('machine(imported=true): calls a trace cannot show are unknown, not absent', () => {
  // kernel/dma/debug.c check_unmap(): an entry made by dma_map_page/phys that no
  // dma_mapping_error() marked is reported at unmap ("failed to check map
  // error"). A replayed trace never contains dma_mapping_error(), so an imported
  // scenario must not report it; the other checks still run.
  const body = (imported: boolean) => `machine(arch=x86, imported=${imported})
device(nic)
b = kmalloc(4096, GFP_KERNEL)
h = dma_map_single(nic, b, 4096, DMA_TO_DEVICE)
dma_unmap_single(nic, h, 2048, DMA_TO_DEVICE)
`;

  it('without imported=true the unchecked map error is reported at unmap', () => {
    const w = runScenario(body(false)).steps[2]!.warnings;
    expect(w.some((x) => x.includes('failed to check map error'))).toBe(true);
    expect(w.some((x) => x.includes('different size'))).toBe(true);
  });

  it('with imported=true it is not, and the size mismatch still is', () => {
    const r = runScenario(body(true));
    expect(r.config?.imported).toBe(true);
    const w = r.steps[2]!.warnings;
    expect(w.some((x) => x.includes('failed to check map error'))).toBe(false);
    expect(w.some((x) => x.includes('different size'))).toBe(true);
  });
});
