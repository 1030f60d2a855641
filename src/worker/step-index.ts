/**
 * Where each step of a loaded run is in its text: the start of the
 * statement's line and the line's number, two typed arrays (8 bytes a step).
 * A run keeps its text (one string, or a long one's bytes: text-bytes.ts) and this index instead of every parsed
 * statement: a 1,000,000-step run's statements, parsed, hold ~640 bytes
 * each (scripts/memory-long-run.ts --parse-only), the index 8. A step needed again (replay from a checkpoint, the step
 * a frame shows) is read back from its line, as the load read it.
 */
import type { Command } from '../sim/command.ts';
import type { EngineCore } from './api.ts';
import { grown } from './grown.ts';
import type { TextBytes } from './text-bytes.ts';

export class StepIndex {
  private starts: Int32Array = new Int32Array(1024);
  private lines: Int32Array = new Int32Array(1024);
  /** Steps indexed (steps 1…count). */
  count = 0;
  /** The last step read back, kept: a frame reads its step twice (the replay's last step, then its focus). */
  private last: { k: number; cmd: Command; origin: string | null } | null = null;

  constructor(
    private readonly core: Pick<EngineCore, 'statementAt'>,
    readonly text: string | TextBytes,
  ) {}

  /** The next step's line: its 1-based number and where it starts in the text. */
  add(line: number, lineStart: number): void {
    if (this.count === this.starts.length) {
      this.starts = grown(this.starts, this.starts.length * 2);
      this.lines = grown(this.lines, this.lines.length * 2);
    }
    this.starts[this.count] = lineStart;
    this.lines[this.count] = line;
    this.count++;
  }

  /** Step k's statement (1 ≤ k ≤ count). */
  command(k: number): Command {
    return this.read(k).cmd;
  }

  /** Where an imported step k came from: its `# trace line …` comment (null for a written scenario). */
  origin(k: number): string | null {
    return this.read(k).origin;
  }

  private read(k: number): { k: number; cmd: Command; origin: string | null } {
    if (this.last?.k === k) return this.last;
    if (!(k >= 1 && k <= this.count)) throw new RangeError(`no step ${k} (the run has ${this.count})`);
    const { text } = this;
    const at = this.starts[k - 1]!;
    const r = typeof text === 'string' ? this.core.statementAt(text, at, this.lines[k - 1]!) : this.readSpan(text, at, this.lines[k - 1]!);
    this.last = { k, cmd: r.cmd, origin: r.origin };
    return this.last;
  }

  /** A statement of a text kept as bytes, read from the span that holds its line. */
  private readSpan(text: TextBytes, at: number, line: number): { cmd: Command; origin: string | null } {
    const l = text.lineAt(at);
    return this.core.statementAt(l.text, l.start, line);
  }
}

