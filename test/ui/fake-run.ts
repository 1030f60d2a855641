/**
 * A tiny stand-in for src/scenario/run.ts, for developing the UI before the
 * engine builds (vite.fake.config.ts swaps it in for the worker). Each
 * statement after the header becomes a step with a few events; `=> …` checks
 * pass unless they say FAILME; a line with unbalanced parentheses is a parse
 * error; a statement `hang()` never returns; `boom()` throws.
 */
import type { RunResult, StepJson } from '../../src/scenario/result.ts';
import { defaultConfig, defaultDevice } from '../../src/sim/config.ts';
import type { Arch } from '../../src/sim/config.ts';

export function runScenario(text: string, opts: { arch?: Arch; kernel?: string } = {}): RunResult {
  const config = defaultConfig();
  if (opts.arch) config.arch = opts.arch;
  const steps: StepJson[] = [];
  const errors: RunResult['errors'] = [];
  const lines = text.split('\n');
  lines.forEach((raw, i) => {
    const line = i + 1;
    const code = raw.replace(/(#|\/\/).*$/, '').trim();
    if (!code) return;
    const open = (code.match(/\(/g) ?? []).length;
    const close = (code.match(/\)/g) ?? []).length;
    if (open !== close) {
      errors.push({ line, col: raw.indexOf(code) + code.length + 1, message: "expected ')'" });
      return;
    }
    const [stmt, ...checks] = code.split('=>').map((s) => s.trim());
    const m = /^(?:([\w, ]+)=\s*)?(\w+)\(/.exec(stmt!);
    const op = m?.[2] ?? 'unknown';
    if (op === 'machine') {
      const a = /arch=(\w+)/.exec(stmt!);
      if (a) config.arch = a[1] as Arch;
      return;
    }
    if (op === 'device') {
      const n = /device\((\w+)/.exec(stmt!);
      config.devices.push({ ...defaultDevice(n?.[1] ?? 'dev'), coherent: /coherent=true/.test(stmt!) });
      return;
    }
    if (op === 'hang') for (;;) {/* spin */}
    if (op === 'boom') throw new Error('fake engine exploded');
    const index = steps.length + 1;
    const why = { fn: `fake_${op}`, file: 'kernel/dma/mapping.c', rule: `the fake runner's rule for ${op}` };
    const s: StepJson = {
      index,
      line,
      source: stmt!,
      op,
      result: op.startsWith('dma_map') ? '0xfffff000' : null,
      data: op === 'cpu_read' ? { hex: '4350552077726f746520746869732e2e', text: 'CPU wrote this..' } : null,
      error: null,
      warnings: op === 'cpu_read' && index === 6 ? ['DMA-API: dev: cpu touching a device-owned buffer [fake]'] : [],
      observations: op === 'cpu_read' && index === 6 ? ['the CPU read stale data: the cache line predates the device write'] : [],
      events: [
        { kind: 'note', text: `fake ${op} ran`, why },
        { kind: 'cache_maint', op: 'clean', start: 0x1_0000_0000, size: 256, instr: 'dc cvac', lines: [{ line: 0x1_0000_0000, before: 'D', after: 'C', wroteBack: true }], why },
      ],
      checks: checks.map((c) => ({ expected: `=> ${c}`, passed: !c.includes('FAILME'), ...(c.includes('FAILME') ? { actual: '1' } : {}) })),
    };
    steps.push(s);
  });
  if (errors.length) return { ok: false, config: null, steps: [], checks: { passed: 0, failed: 0 }, errors };
  const passed = steps.reduce((a, s) => a + s.checks.filter((c) => c.passed).length, 0);
  const failed = steps.reduce((a, s) => a + s.checks.filter((c) => !c.passed).length, 0);
  return { ok: true, config, steps, checks: { passed, failed }, errors: [] };
}
