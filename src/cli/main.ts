/**
 * The headless runner: `run FILE [--json | --text-until N] [--arch X] [--kernel V]`,
 * `import FILE [--arch X] [--kernel V] [--check-iova]` and
 * `explain FILE [--json] [--all]` (run it with `npm run -s cli -- run FILE`).
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
 * `explain` explains the kernel DMA messages in a dmesg text (src/explain):
 * exit status 0 when it recognised at least one, 1 when none, 2 when the file
 * cannot be read.
 *
 * The engine is loaded only once the text has parsed, so that reading and
 * parse errors never depend on it.
 */
import { readFileSync, statSync, writeSync } from 'node:fs';
import { checkOverrides, configFromHeader } from '../scenario/header.ts';
import type { ConfigOverrides } from '../scenario/header.ts';
import { formatErrors, formatSummary, runText } from '../scenario/format.ts';
import type { FormatOptions } from '../scenario/format.ts';
import { mailTextParts } from '../scenario/mail-text.ts';
import type { MailTextOptions } from '../scenario/mail-text.ts';
import { scanScenario } from '../scenario/parser.ts';
import { teachingField } from '../scenario/teaching.ts';
import { applySolution } from '../scenario/markup.ts';
import type { RunResult, StepJson } from '../scenario/result.ts';
import type { Arch } from '../sim/config.ts';
import type { Catalog } from '../scenario/lessons/catalog.ts';
import type { Finding } from '../explain/explain.ts';
import { terminalSafe } from '../scenario/unsafe-chars.ts';
import { inputTooLong } from '../sim/budgets.ts';

const USAGE = `usage: dma-explorer run FILE [--json | --text | --text-until N] [--arch arm64|arm|x86|riscv] [--kernel VERSION] [--solution]
       dma-explorer import FILE [--arch ARCH] [--kernel VERSION] [--check-iova]
       dma-explorer explain FILE [--json] [--all]

run: runs a scenario (.dma file) on the simulated machine and reports each step.
A kernel DMA trace or a dma-debug dump is imported first (recognised by its text).

  --json            print the runner's JSON (SCENARIO-LANGUAGE.md) instead of text
  --text            a plain-text summary for an email (72 columns): machine, statements, every step
  --text-until N    the same, with the steps up to step N (what "Copy as text" gives at step N)
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

explain: explains every kernel DMA message in a kernel log (dmesg, journalctl -k,
a serial console; WARN blocks included): who printed it and why, its fields,
the versions that word it so, and the lessons that reproduce it. Lines it does
not know are listed as not recognised.

  --json            print the explanation as JSON
  --all             list every finding and every line not recognised (default: the first 100 findings, 500 lines)

Exit status: run: 0 all checks passed, 1 a check failed, 2 the file could not be read or parsed;
import: 0 something was imported, 2 nothing could be read;
explain: 0 a message was recognised, 1 none, 2 the file could not be read.`;

interface Args {
  file: string;
  json: boolean;
  /** Plain-text summary up to this step (Infinity: every step); null: the normal output. */
  textUntil: number | null;
  events: boolean;
  solution: boolean;
  overrides: ConfigOverrides;
  checkIova: boolean;
  /** explain: list every line not recognised. */
  all?: boolean;
}

type Command = 'run' | 'import' | 'explain';

type ParsedArgs = { kind: 'help' } | { kind: Command; args: Args } | { kind: 'usage'; message: string };

export function parseArgs(argv: readonly string[]): ParsedArgs {
  if (argv.includes('-h') || argv.includes('--help') || argv[0] === 'help') return { kind: 'help' };
  if (argv.length === 0) return { kind: 'usage', message: 'missing command (expected: run FILE)' };
  const [command, ...rest] = argv;
  if (command !== 'run' && command !== 'import' && command !== 'explain') return { kind: 'usage', message: `unknown command '${command}' (expected: run FILE, import FILE or explain FILE)` };
  let file: string | undefined;
  let json = false;
  let textUntil: number | null = null;
  let events = true;
  let checkIova = false;
  let solution = false;
  let all = false;
  const overrides: { arch?: string; kernel?: string } = {};
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i]!;
    const [flag, inline] = a.startsWith('--') && a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined];
    if (flag === '--json' && (command === 'run' || command === 'explain')) json = true;
    else if (flag === '--all' && command === 'explain') all = true;
    else if (flag === '--text' && command === 'run') textUntil = Infinity;
    else if (flag === '--text-until' && command === 'run') {
      const value = inline ?? rest[++i];
      if (value === undefined || !/^\d+$/.test(value)) return { kind: 'usage', message: '--text-until needs a step number (0 or more)' };
      textUntil = Number(value);
    } else if (flag === '--no-events' && command === 'run') events = false;
    else if (flag === '--check-iova' && command === 'import') checkIova = true;
    else if (flag === '--solution' && command === 'run') solution = true;
    else if ((flag === '--arch' || flag === '--kernel') && command !== 'explain') {
      const value = inline ?? rest[++i];
      if (value === undefined || value === '') return { kind: 'usage', message: `${flag} needs a value` };
      overrides[flag === '--arch' ? 'arch' : 'kernel'] = value;
    } else if (a.startsWith('-') && a !== '-') return { kind: 'usage', message: `unknown option '${a}'` };
    else if (file === undefined) file = a;
    else return { kind: 'usage', message: `unexpected argument '${a}' (one FILE only)` };
  }
  if (file === undefined) return { kind: 'usage', message: `missing FILE (${command} FILE)` };
  if (json && textUntil !== null) return { kind: 'usage', message: '--json and --text are two outputs: choose one' };
  const bad = checkOverrides(overrides);
  if (bad) return { kind: 'usage', message: bad };
  return { kind: command, args: { file, json, textUntil, events, checkIova, solution, ...(command === 'explain' ? { all } : {}), overrides: overrides as { arch?: Arch; kernel?: string } } };
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
  const { file, json, textUntil, events, solution, overrides } = parsed.args;
  let text: string;
  try {
    // Past the input budget a file is refused before it is read (a pipe's size is not known: read).
    const st = statSync(file);
    const tooLong = st.isFile() ? inputTooLong(file, st.size) : null;
    if (tooLong) {
      io.err(`error: ${tooLong}\n`);
      return 2;
    }
    text = readFileSync(file, 'utf8');
    if (solution) text = applySolution(text);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : e instanceof Error ? e.message : String(e);
    io.err(`error: cannot read ${file}: ${why}\n`);
    return 2;
  }
  if (parsed.kind === 'import') return importCommand(file, text, parsed.args, io);
  if (parsed.kind === 'explain') return explainCommand(file, text, parsed.args, io);
  const { detectInput } = await import('../import/detect.ts');
  const kind = detectInput(text);
  if (kind === 'dmesg') {
    io.err(`${file}: a kernel log, not a scenario: explaining it (the same as: explain ${file})\n`);
    return explainCommand(file, text, parsed.args, io);
  }
  if (kind !== 'scenario') {
    const imported = await importFile(file, text, parsed.args, io, kind);
    if (imported.report.events === 0) return 2;
    text = imported.scenario;
  }
  const { runScenario } = await import('../scenario/run.ts');
  const threw: string[] = [];
  const noteThrow = (s: StepJson) => {
    if (s.error === 'EXCEPTION') threw.push(`${file}:${s.line}: internal error: ${s.observations.join('; ')}\n`);
  };
  const refuse = (errors: RunResult['errors']): number => {
    io.err(`${formatErrors(file, errors).join('\n')}\n`);
    if (json) io.out(`${JSON.stringify(parseFailure(errors), null, 2)}\n`);
    return 2;
  };
  let result: RunResult;
  if (json) {
    // Streamed, so any length of run fits: a first run keeping no step gives what comes before and after the steps (a text that does not parse gives its errors and no configuration), a second prints the steps as they run.
    result = runScenario(text, { ...overrides, keepSteps: false, onStep: noteThrow });
    if (result.config === null && result.errors.length > 0) return refuse(result.errors);
    printJson(result, (onStep) => runScenario(text, { ...overrides, keepSteps: false, onStep }), io);
  } else if (textUntil !== null) {
    const pre = prescan(text, overrides);
    if (!pre.ok) return refuse(pre.errors);
    result = printMailText(text, pre, { text, ...(Number.isFinite(textUntil) ? { upTo: textUntil } : {}) }, overrides, io, noteThrow, runScenario);
  } else {
    // Printed as the steps run, so checked whole first, keeping no statement: a text with an error prints no step, and the lines before the first step need the teaching, which only the end of the text completes.
    const pre = prescan(text, overrides);
    if (!pre.ok) return refuse(pre.errors);
    result = printRun(text, pre.head, overrides, { color: io.color, events }, io, noteThrow, runScenario);
  }
  // errors found only by running (the machine could not be built: createMachine refused it, e.g. after --kernel)
  if (!json && result.errors.length > 0) io.err(`${formatErrors(file, result.errors).join('\n')}\n`);
  for (const t of threw) io.err(t);
  return result.ok ? 0 : 1;
}

/**
 * The runner's JSON (`JSON.stringify(result, null, 2)`, byte for byte)
 * printed with its steps as they run: `result` is the run without its steps,
 * `rerun` runs it again calling back with each step. Nothing holds more than
 * a few thousand steps' text at once.
 */
export function printJson(result: RunResult, rerun: (onStep: (s: StepJson) => void) => void, io: Pick<Io, 'out'>): void {
  const whole = JSON.stringify({ ...result, steps: [] }, null, 2);
  const at = whole.indexOf('\n  "steps": [],\n');
  if (at < 0) throw new Error('printJson: the result has no steps list');
  let out: string[] = [whole.slice(0, at + '\n  "steps": ['.length)];
  let first = true;
  rerun((s) => {
    out.push(`${first ? '' : ','}\n    ${JSON.stringify(s, null, 2).replace(/\n/g, '\n    ')}`);
    first = false;
    if (out.length >= 4096) {
      io.out(out.join(''));
      out = [];
    }
  });
  out.push(first ? ']' : '\n  ]', whole.slice(at + '\n  "steps": []'.length), '\n');
  io.out(out.join(''));
}

/**
 * The text checked whole before anything runs, keeping no statement (for
 * the outputs printed as the steps run): its errors, or what the lines
 * before the steps need (the configuration, and the teaching, which only
 * the end of the text completes) and how many steps it has.
 */
function prescan(text: string, overrides: ConfigOverrides): { ok: false; errors: RunResult['errors'] } | { ok: true; head: Pick<RunResult, 'config' | 'teaching'>; steps: number } {
  const scan = scanScenario(text);
  let steps = 0;
  let pre = scan.next();
  for (; !pre.done; pre = scan.next()) steps++;
  if (!pre.value.ok) return { ok: false, errors: pre.value.errors };
  const { header, teaching } = pre.value.scenario;
  // an override against the header's other half (--kernel 4.9 on a riscv scenario): refused before anything prints
  const clash = checkOverrides(overrides, configFromHeader(header));
  if (clash) return { ok: false, errors: [{ line: 1, col: 1, message: clash }] };
  return { ok: true, head: { config: configFromHeader(header, overrides), ...teachingField(teaching) }, steps };
}

/**
 * The plain-text summary (`--text`, `--text-until N`: formatMailText's text,
 * byte for byte) printed as the steps run, keeping no record. Its opening
 * lines name the number of steps, which is the text's when the machine is
 * built and none when the engine cannot build it (then no step runs): they
 * wait for the first step, or for the end of a run that had none.
 */
export function printMailText(
  text: string,
  pre: { head: Pick<RunResult, 'config' | 'teaching'>; steps: number },
  opts: MailTextOptions,
  overrides: ConfigOverrides,
  io: Pick<Io, 'out'>,
  onStep: (s: StepJson) => void,
  runScenario: typeof import('../scenario/run.ts').runScenario,
): RunResult {
  const parts = mailTextParts(pre.head, opts);
  let out: string[] = [];
  const flush = () => {
    io.out(`${out.join('\n')}\n`);
    out = [];
  };
  const head = (steps: number) => {
    for (const l of parts.head(steps)) {
      out.push(l);
      if (out.length >= 4096) flush();
    }
  };
  let started = false;
  const result = runScenario(text, {
    ...overrides,
    keepSteps: false,
    onStep: (s) => {
      onStep(s);
      if (!started) head(pre.steps);
      started = true;
      for (const l of parts.step(s)) out.push(l);
      if (out.length >= 4096) flush();
    },
  });
  if (!started) head(0);
  for (const l of parts.end()) out.push(l);
  flush();
  return result;
}

/** The default text output (formatRun's), printed as the steps run: no record is kept, so any length of run fits. */
function printRun(
  text: string,
  head: Pick<RunResult, 'config' | 'teaching'>,
  overrides: ConfigOverrides,
  opts: FormatOptions,
  io: Io,
  onStep: (s: StepJson) => void,
  runScenario: typeof import('../scenario/run.ts').runScenario,
): RunResult {
  const parts = runText(head, opts);
  let out = parts.head();
  const result = runScenario(text, {
    ...overrides,
    keepSteps: false,
    onStep: (s) => {
      onStep(s);
      for (const l of parts.step(s)) out.push(l);
      if (out.length >= 4096) {
        io.out(`${out.join('\n')}\n`);
        out = [];
      }
    },
  });
  out.push(formatSummary(result, opts));
  io.out(`${out.join('\n')}\n`);
  return result;
}

/** Import a trace or dump, telling stderr what was read and every problem with its line. */
async function importFile(file: string, text: string, args: Args, io: Io, kind?: 'trace' | 'dump') {
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

async function explainCommand(file: string, text: string, args: Args, io: Io): Promise<number> {
  const { explainLog } = await import('../explain/explain.ts');
  const { formatExplanation } = await import('../explain/format.ts');
  const { reproducersFor } = await import('../explain/reproducers.ts');
  const catalog = JSON.parse(readFileSync(new URL('../scenario/lessons/index.json', import.meta.url), 'utf8')) as Catalog;
  const e = explainLog(text, { maxUnknown: args.all ? Infinity : 500, maxFindings: args.all ? Infinity : undefined });
  const reproducers = (f: Finding) => reproducersFor(catalog, f.entries.map((x) => x.id));
  if (args.json) {
    const items = e.items.map((it) =>
      it.kind === 'finding' ? { ...it, reproducers: reproducers(it).map((r) => ({ id: r.entry.id, kind: r.entry.kind, title: r.entry.title, file: `src/scenario/${r.entry.file}`, kernel: r.kernel })) } : it,
    );
    io.out(`${JSON.stringify({ ...e, items }, null, 2)}\n`);
  } else io.out(formatExplanation(e, { source: file, color: io.color, reproducers }));
  return e.findings > 0 ? 0 : 1;
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

/**
 * Write to a file descriptor before returning. process.stdout.write on a
 * pipe queues what the reader has not taken yet, and a run is one synchronous
 * loop, so the queue would hold a long run's whole output (a 1,000,000-step
 * --json ran out of memory behind `| wc -c`). A full non-blocking pipe
 * (EAGAIN) is waited on; a reader gone (EPIPE, as `| head` does) ends the
 * output quietly.
 */
function writeFully(fd: number, s: string): void {
  const buf = Buffer.from(s, 'utf8');
  let off = 0;
  while (off < buf.length) {
    try {
      off += writeSync(fd, buf, off);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EAGAIN') Atomics.wait(PAUSE, 0, 0, 2);
      else if (code === 'EPIPE') process.exit(process.exitCode ?? 0);
      else throw e;
    }
  }
}
const PAUSE = new Int32Array(new SharedArrayBuffer(4));

if (isEntry) {
  const color = useColor();
  // Whatever reaches the terminal — file names, trace lines, a scenario's text — never carries raw control characters.
  main(process.argv.slice(2), {
    out: (s) => writeFully(1, terminalSafe(s, color)),
    err: (s) => writeFully(2, terminalSafe(s, false)),
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
