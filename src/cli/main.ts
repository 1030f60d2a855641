/**
 * The headless runner: `run FILE [--json] [--arch X] [--kernel V]` and
 * `import FILE [--arch X] [--kernel V] [--check-iova]` (run it with
 * `npm run -s cli -- run FILE`).
 *
 * `run` exit status: 0 when the scenario parsed and every check passed; 1 when
 * a check failed (or the engine threw on a step); 2 when the file cannot be
 * read or parsed, or the command line is wrong (then `FILE:LINE:COL: message`
 * lines or a usage message on stderr, and nothing runs). A kernel trace or a
 * dma-debug dump given to `run` is imported first (detected by its content).
 *
 * `import` prints the scenario made from a trace or dump on stdout, and what
 * it read and every problem (`FILE:LINE: message`) on stderr; exit status 0
 * when it read at least one event or entry, 2 when it read none.
 *
 * The engine is loaded only once the text has parsed, so that reading and
 * parse errors never depend on it.
 */
import { readFileSync } from 'node:fs';
import { checkOverrides } from '../scenario/header.ts';
import type { ConfigOverrides } from '../scenario/header.ts';
import { formatErrors, formatRun } from '../scenario/format.ts';
import { parseScenario } from '../scenario/parser.ts';
import { applySolution } from '../scenario/markup.ts';
import type { RunResult } from '../scenario/result.ts';
import type { Arch } from '../sim/config.ts';
import { terminalSafe } from '../scenario/unsafe-chars.ts';

const USAGE = `usage: dma-explorer run FILE [--json] [--arch arm64|arm|x86|riscv] [--kernel VERSION] [--solution]
       dma-explorer import FILE [--arch ARCH] [--kernel VERSION] [--check-iova]

run: runs a scenario (.dma file) on the simulated machine and reports each step.
A kernel DMA trace or a dma-debug dump is imported first (recognised by its text).

  --json            print the runner's JSON (SCENARIO-LANGUAGE.md) instead of text
  --arch ARCH       run on this architecture, whatever the scenario's machine() says
  --kernel VERSION  model this kernel version (4.4 … 6.18), e.g. --kernel 5.15
  --no-events       text output without the per-step event lines
  --solution        a bug hunt: run it with its reference solution in place of each '# fix:' region
  -h, --help        show this help

import: prints the scenario that replays a kernel DMA trace (the text of
/sys/kernel/tracing/trace, trace_pipe or trace-cmd report, with the dma:*
events) or rebuilds a dma-debug dump (/sys/kernel/debug/dma-api/dump).

  --arch, --kernel  the machine to model (default arm64, the trace's kernel)
  --check-iova      also check IOVAs against the kernel's (they depend on state before the trace)

Exit status: run: 0 all checks passed, 1 a check failed, 2 the file could not be read or parsed;
import: 0 something was imported, 2 nothing could be read.`;

interface Args {
  file: string;
  json: boolean;
  events: boolean;
  solution: boolean;
  overrides: ConfigOverrides;
  checkIova: boolean;
}

type ParsedArgs = { kind: 'help' } | { kind: 'run' | 'import'; args: Args } | { kind: 'usage'; message: string };

export function parseArgs(argv: readonly string[]): ParsedArgs {
  if (argv.includes('-h') || argv.includes('--help') || argv[0] === 'help') return { kind: 'help' };
  if (argv.length === 0) return { kind: 'usage', message: 'missing command (expected: run FILE)' };
  const [command, ...rest] = argv;
  if (command !== 'run' && command !== 'import') return { kind: 'usage', message: `unknown command '${command}' (expected: run FILE or import FILE)` };
  let file: string | undefined;
  let json = false;
  let events = true;
  let checkIova = false;
  let solution = false;
  const overrides: { arch?: string; kernel?: string } = {};
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i]!;
    const [flag, inline] = a.startsWith('--') && a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined];
    if (flag === '--json' && command === 'run') json = true;
    else if (flag === '--no-events' && command === 'run') events = false;
    else if (flag === '--check-iova' && command === 'import') checkIova = true;
    else if (flag === '--solution' && command === 'run') solution = true;
    else if (flag === '--arch' || flag === '--kernel') {
      const value = inline ?? rest[++i];
      if (value === undefined || value === '') return { kind: 'usage', message: `${flag} needs a value` };
      overrides[flag === '--arch' ? 'arch' : 'kernel'] = value;
    } else if (a.startsWith('-') && a !== '-') return { kind: 'usage', message: `unknown option '${a}'` };
    else if (file === undefined) file = a;
    else return { kind: 'usage', message: `unexpected argument '${a}' (one FILE only)` };
  }
  if (file === undefined) return { kind: 'usage', message: `missing FILE (${command} FILE)` };
  const bad = checkOverrides(overrides);
  if (bad) return { kind: 'usage', message: bad };
  return { kind: command, args: { file, json, events, checkIova, solution, overrides: overrides as { arch?: Arch; kernel?: string } } };
}

export interface Io {
  out: (s: string) => void;
  err: (s: string) => void;
  color: boolean;
}

/** Run the CLI; returns the exit status. */
export async function main(argv: readonly string[], io: Io): Promise<number> {
  const parsed = parseArgs(argv);
  if (parsed.kind === 'help') {
    io.out(`${USAGE}\n`);
    return 0;
  }
  if (parsed.kind === 'usage') {
    io.err(`error: ${parsed.message}\n${USAGE}\n`);
    return 2;
  }
  const { file, json, events, solution, overrides } = parsed.args;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
    if (solution) text = applySolution(text);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : e instanceof Error ? e.message : String(e);
    io.err(`error: cannot read ${file}: ${why}\n`);
    return 2;
  }
  if (parsed.kind === 'import') return importCommand(file, text, parsed.args, io);
  const { detectInput } = await import('../import/detect.ts');
  const kind = detectInput(text);
  if (kind !== 'scenario') {
    const imported = await importFile(file, text, parsed.args, io, kind);
    if (imported.report.events === 0) return 2;
    text = imported.scenario;
  }
  const pre = parseScenario(text);
  if (!pre.ok) {
    io.err(`${formatErrors(file, pre.errors).join('\n')}\n`);
    if (json) io.out(`${JSON.stringify(parseFailure(pre.errors), null, 2)}\n`);
    return 2;
  }
  const { runScenario } = await import('../scenario/run.ts');
  const result = runScenario(text, overrides);
  if (json) io.out(`${JSON.stringify(result, null, 2)}\n`);
  else io.out(formatRun(result, { color: io.color, events }));
  for (const s of result.steps) {
    if (s.error === 'EXCEPTION') io.err(`${file}:${s.line}: internal error: ${s.observations.join('; ')}\n`);
  }
  return result.ok ? 0 : 1;
}

/** Import a trace or dump, telling stderr what was read and every problem with its line. */
async function importFile(file: string, text: string, args: Args, io: Io, kind?: 'trace' | 'dump' | 'scenario') {
  const { importText } = await import('../import/index.ts');
  const r = importText(text, { ...args.overrides, checkIova: args.checkIova, source: file }, kind);
  io.err(`${file}: ${r.summary}\n`);
  for (const m of r.report.messages) io.err(`${file}:${m.line}: ${m.text}\n`);
  if (r.report.moreMessages) io.err(`${file}: … and ${r.report.moreMessages} more\n`);
  return r;
}

async function importCommand(file: string, text: string, args: Args, io: Io): Promise<number> {
  const r = await importFile(file, text, args, io);
  io.out(r.scenario);
  return r.report.events > 0 ? 0 : 2;
}

function parseFailure(errors: RunResult['errors']): RunResult {
  return { ok: false, config: null, steps: [], checks: { passed: 0, failed: 0 }, errors };
}

function useColor(): boolean {
  return Boolean(process.stdout.isTTY) && process.env.NO_COLOR === undefined;
}

const isEntry = (() => {
  try {
    return import.meta.url === new URL(`file://${process.argv[1] ?? ''}`).href || /src[\\/]cli[\\/]main\.ts$/.test(process.argv[1] ?? '');
  } catch {
    return false;
  }
})();

if (isEntry) {
  const color = useColor();
  // Whatever reaches the terminal — file names, trace lines, a scenario's text — never carries raw control characters.
  main(process.argv.slice(2), {
    out: (s) => process.stdout.write(terminalSafe(s, color)),
    err: (s) => process.stderr.write(terminalSafe(s, false)),
    color,
  }).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      process.stderr.write(terminalSafe(`internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`, false));
      process.exitCode = 2;
    },
  );
}
