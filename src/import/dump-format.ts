/**
 * The text of a dma-debug dump line (kernel/dma/debug.c dump_show(), and
 * debug_dma_dump_mappings() in dmesg); the versions are in dump-import.ts.
 * Kept apart from the importer so that recognising a dump costs the page
 * nothing of the engine.
 */
const TYPE_NAMES = 'single|page|phy|scatter-gather|scather-gather|coherent|noncoherent|resource';
const STATE = 'dma map error (?:check not applicable|not checked|checked)';
/** The fields after the two names: the same in every version (N=, cln= and attrs= optional). */
const FIELDS = `(${TYPE_NAMES}) idx (\\d+) P=(\\S+)(?: N=(\\S+))? D=(\\S+) L=(\\S+)(?: cln=(\\S+))? (DMA_[A-Z_]+) (${STATE})(?: attrs=(\\S+))?\\s*$`;
/** debugfs: `<a> <b> <fields>`; dmesg: `[time] <driver> <dev>: <fields>`. */
export const DEBUGFS = new RegExp(`^(\\S+) (\\S+) ${FIELDS}`);
export const DMESG = new RegExp(`^(?:\\[\\s*\\d+\\.\\d+\\]\\s*)?(\\S+) (\\S+): ${FIELDS}`);

/** Does this line look like a dump line? (for detection) */
export function isDumpLine(line: string): boolean {
  return DEBUGFS.test(line) || DMESG.test(line);
}

