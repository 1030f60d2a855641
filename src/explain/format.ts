/**
 * The explanation as text, for the CLI (`explain FILE`): a summary line, then
 * each finding (what printed it and why, the fields, where the WARN fired and
 * who called, the lessons that reproduce it), then the lines not recognised.
 */
import { eraText, moreCount, type Explanation, type Finding, type Unknown } from './explain.ts';
import type { Reproducer } from './reproducers.ts';

export interface FormatOptions {
  source: string;
  color: boolean;
  reproducers: (f: Finding) => Reproducer[];
}

function frame(f: { fn: string; module: string | null }): string {
  return `${f.fn}()${f.module ? ` [${f.module}]` : ''}`;
}

function lines(a: number, b: number): string {
  return a === b ? `line ${a}` : `lines ${a}–${b}`;
}

export function summaryOf(e: Explanation): string {
  const parts = [`${e.lines} line${e.lines === 1 ? '' : 's'} read`, `${e.findings} kernel message${e.findings === 1 ? '' : 's'} explained`, `${e.unknownLines} line${e.unknownLines === 1 ? '' : 's'} not recognised`];
  if (e.kernel) parts.push(`kernel ${e.kernel.version} (line ${e.kernel.line})`);
  return parts.join(', ');
}

function formatFinding(f: Finding, o: FormatOptions, bold: (s: string) => string): string[] {
  const out: string[] = [];
  const ids = f.entries.map((e) => e.id).join(' or ');
  out.push(`${o.source}:${f.line}: ${bold(ids)}${f.warn ? ` (WARN block, ${lines(f.warn.line, f.endLine)})` : f.endLine > f.line ? ` (${lines(f.line, f.endLine)})` : ''}`);
  for (const t of f.text.split('\n')) out.push(`    ${t}`);
  for (const e of f.entries) {
    if (f.entries.length > 1) out.push(`  ${e.id}:`);
    out.push(`  printed by ${e.fn}() in ${e.file} (${e.source}, ${e.level})`);
    out.push(`  why: ${e.why}`);
    out.push(`  rule: ${e.rule}`);
  }
  out.push(`  wording: ${f.bySite ? 'a WARN with no text, recognised by its site' : `printed like this ${eraText(f.era)}`}`);
  if (f.fields.length) out.push(`  fields: ${f.fields.map((x) => `${x.label} ${x.value}`).join(' · ')}`);
  const w = f.warn;
  if (w) {
    if (w.site) out.push(`  fired at: ${w.site.file ?? '?'}${w.site.line ? `:${w.site.line}` : ''} ${w.site.fn}()${w.confirms === false ? ' (not the function the catalogue names: another kernel version?)' : ''}`);
    if (w.caller) out.push(`  called from: ${frame(w.caller)}`);
    if (w.mappedBy) out.push(`  mapped at: ${frame(w.mappedBy)}`);
  }
  for (const n of f.notes) out.push(`  note: ${n}`);
  const reps = o.reproducers(f);
  if (reps.length === 0) out.push('  reproduced by: no lesson or library scenario logs it yet');
  else {
    out.push('  reproduced by:');
    for (const r of reps.slice(0, 6)) {
      const as = r.kernel ? ` --kernel ${r.kernel}` : '';
      out.push(`    ${r.entry.kind === 'lesson' ? 'lesson' : 'scenario'} “${r.entry.title}”: npm run -s cli -- run src/scenario/${r.entry.file}${as}`);
    }
    if (reps.length > 6) out.push(`    … and ${reps.length - 6} more`);
  }
  return out;
}

function formatUnknown(u: Unknown, o: FormatOptions): string {
  return `${o.source}:${u.line}: ${u.note ? `${u.note}: ` : ''}${u.text.length > 160 ? `${u.text.slice(0, 159)}…` : u.text}`;
}

export function formatExplanation(e: Explanation, o: FormatOptions): string {
  const bold = (s: string) => (o.color ? `\x1b[1m${s}\x1b[22m` : s);
  const out: string[] = [`${o.source}: ${summaryOf(e)}`];
  for (const p of e.problems) out.push(`${o.source}:${p.line || ''}${p.line ? ':' : ''} ${p.text}`);
  if (e.moreProblems) out.push(`${o.source}: … and ${e.moreProblems} more problems`);
  for (const it of e.items) if (it.kind === 'finding') out.push('', ...formatFinding(it, o, bold));
  if (e.moreFindings.length > 0) {
    out.push('', bold(`… and ${moreCount(e).toLocaleString('en-US')} more not listed (--all lists every one):`));
    for (const m of e.moreFindings) out.push(`  ${m.ids} ×${m.count.toLocaleString('en-US')} (the first at line ${m.line})`);
  }
  const unknown = e.items.filter((i): i is Unknown => i.kind === 'unknown');
  if (unknown.length) {
    out.push('', bold(`not recognised (${e.unknownLines} line${e.unknownLines === 1 ? '' : 's'}; never guessed at):`));
    for (const u of unknown) out.push(formatUnknown(u, o));
    if (e.moreUnknown) out.push(`… and ${e.moreUnknown} more lines not recognised`);
  }
  if (e.findings === 0) out.push('', 'No kernel DMA message the explorer knows is in this text.');
  return `${out.join('\n')}\n`;
}
