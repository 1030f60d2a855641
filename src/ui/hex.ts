/**
 * An address or value in hex, as the explanation and the fault captions
 * write it (a negative offset keeps its sign). Its own module so that both
 * describe.ts and faults.ts read it without importing each other.
 */
export function hex(n: number): string {
  return n < 0 ? `-0x${(-n).toString(16)}` : `0x${n.toString(16)}`;
}
