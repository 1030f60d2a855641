/**
 * One line of a pasted kernel log, taken apart: what dmesg, journalctl,
 * syslog or a serial console put before the kernel's text (log level, time
 * stamp, caller id, "host kernel:"), and the text itself with terminal colour
 * codes removed and other control characters made visible. Pure.
 */

/** Longer than any printk record (LOG_LINE_MAX is 1024 minus the prefix): cut for matching, and said. */
export const MAX_LINE = 4096;

export interface DmesgLine {
  /** 1-based line number in the pasted text. */
  no: number;
  /** The dmesg timestamp in seconds as printed ("12.345678"), when there is one. */
  time: string | null;
  /** The kernel's text: decoration stripped, colour codes removed, control characters as U+FFFD. */
  text: string;
  /** Control characters replaced in this line (colour codes not counted). */
  controls: number;
  /** The line was longer than MAX_LINE characters and was cut. */
  cut: boolean;
}

const ANSI = /\x1b\[[0-9;?]*[ -/]*[@-~]/g;
// C0 controls except tab, DEL, and the C1 range
const CONTROL = /[\x00-\x08\x0b-\x1f\x7f-\x9f]/g;

/**
 * What goes before the kernel's text. In order: a syslog or journalctl
 * prefix ("Dec  6 05:00:00 host kernel: ", ISO time), `dmesg -x`'s
 * "kern  :warn  : ", a raw /dev/kmsg-style "<4>", the time stamp
 * ("[   12.345678]", `dmesg -T`'s "[Sun Dec  6 05:00:00 2026]", `dmesg -d`'s
 * "[  +0.000123]"), a caller id ("[ T123]", "[  C1]") and "kernel: ".
 */
const DECORATION = new RegExp(
  [
    '^(?:(?:[A-Z][a-z]{2} [ \\d]\\d \\d\\d:\\d\\d:\\d\\d|\\d{4}-\\d\\d-\\d\\dT[\\d:.]+(?:[+-]\\d\\d:?\\d\\d|Z)?) \\S+ kernel: ?)?',
    '(?:[a-z]+ *:[a-z]+ *: )?',
    '(?:<\\d+>)?',
    '(?:\\[\\s*(\\d+\\.\\d+)\\] ?|\\[[A-Z][a-z]{2} [A-Z][a-z]{2} [ \\d]\\d \\d\\d:\\d\\d:\\d\\d \\d{4}\\] ?|\\[\\s*[+<]\\s*\\d+\\.\\d+>?\\] ?)?',
    '(?:\\[\\s*[TC]\\d+\\] ?)?',
    '(?:kernel: )?',
  ].join(''),
);

export function readLine(raw: string, no: number): DmesgLine {
  const cut = raw.length > MAX_LINE;
  let s = cut ? raw.slice(0, MAX_LINE) : raw;
  if (s.includes('\x1b')) s = s.replace(ANSI, '');
  let controls = 0;
  s = s.replace(CONTROL, () => {
    controls++;
    return '\uFFFD';
  });
  const m = DECORATION.exec(s)!;
  return { no, time: m[1] ?? null, text: s.slice(m[0].length).replace(/\s+$/, ''), controls, cut };
}
