/**
 * Characters a scenario must not contain raw, anywhere (strings and comments
 * included), because they make text display as something other than what it
 * is: control characters (a terminal acts on ESC and BEL; the editor shows
 * most of them as nothing) and the Unicode bidi embedding, override and
 * isolate characters that reorder what is displayed ("Trojan Source",
 * CVE-2021-42574). Tab is allowed. A string may still hold these bytes
 * through escapes (\x1b), which the printer writes back as escapes.
 *
 * One owner: the lexer rejects them, the printer escapes them, the CLI
 * escapes them in whatever it writes, the editor highlights them.
 */

/** C0 controls but tab, DEL, C1 controls, the bidi embeddings/overrides (U+202A–U+202E) and isolates (U+2066–U+2069). */
export const UNSAFE_CHAR = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;
export const UNSAFE_CHARS = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;
/** The same characters but the line breaks (\n, \r): what a whole scenario text may not contain between them. */
export const UNSAFE_IN_LINES = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

const BIDI_NAMES: Record<number, string> = {
  0x202a: 'LEFT-TO-RIGHT EMBEDDING',
  0x202b: 'RIGHT-TO-LEFT EMBEDDING',
  0x202c: 'POP DIRECTIONAL FORMATTING',
  0x202d: 'LEFT-TO-RIGHT OVERRIDE',
  0x202e: 'RIGHT-TO-LEFT OVERRIDE',
  0x2066: 'LEFT-TO-RIGHT ISOLATE',
  0x2067: 'RIGHT-TO-LEFT ISOLATE',
  0x2068: 'FIRST STRONG ISOLATE',
  0x2069: 'POP DIRECTIONAL ISOLATE',
};

export function isUnsafeCodePoint(cp: number): boolean {
  return (cp < 0x20 && cp !== 9) || (cp >= 0x7f && cp <= 0x9f) || (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069);
}

/** `U+001B`, `U+202E (RIGHT-TO-LEFT OVERRIDE)`. */
export function describeUnsafe(cp: number): string {
  const u = `U+${cp.toString(16).toUpperCase().padStart(4, '0')}`;
  const name = BIDI_NAMES[cp];
  return name ? `${u} (${name})` : u;
}

/** The lexer's message for a raw unsafe character. */
export function unsafeCharMessage(cp: number): string {
  if (BIDI_NAMES[cp]) return `bidi control character ${describeUnsafe(cp)} is not allowed: it makes the text display differently from what runs (write bytes as \\xNN escapes)`;
  return `raw control character ${describeUnsafe(cp)} is not allowed (inside a string write it as an escape: \\x${cp.toString(16).padStart(2, '0')})`;
}

/** `\x1b`, `\u202e`: how an unsafe character is written when text must be shown safely. */
export function escapeUnsafe(s: string): string {
  return s.replace(UNSAFE_CHARS, (c) => {
    const cp = c.codePointAt(0)!;
    return cp <= 0xff ? `\\x${cp.toString(16).padStart(2, '0')}` : `\\u${cp.toString(16).padStart(4, '0')}`;
  });
}

const TERMINAL_UNSAFE = /\x1b\[[0-9;]*m|[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

/**
 * Text made safe for a terminal: every unsafe character but the line break
 * written as `\uXXXX` (also a valid escape inside JSON strings); the colour
 * sequences the CLI paints itself are kept when `keepColor`.
 */
export function terminalSafe(s: string, keepColor: boolean): string {
  return s.replace(TERMINAL_UNSAFE, (c) => (c.length > 1 ? (keepColor ? c : `\\u001b${c.slice(1)}`) : `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`));
}
