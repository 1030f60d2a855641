/**
 * Reading a command's arguments against the machine: names to buffers,
 * handles and devices; constants to directions, GFP and attribute flags.
 * The scenario validator has already checked kinds and that names exist;
 * these still fail cleanly (SimError with the argument's location) when a
 * name is bound to something of another kind at run time.
 */
import type { Expr, Loc } from './command.ts';
import { DMA_DIRS, type DmaDir } from './events.ts';
import type { Attrs } from './dma/map-ops.ts';
import type { Buffer, Device, Machine, SgTable } from './machine.ts';
import { sgTableForWrite } from './sg-share.ts';

export class SimError extends Error {
  loc: Loc | null;
  constructor(message: string, loc: Loc | null = null) {
    super(message);
    this.loc = loc;
  }
}

/** How an argument reads in an error message: its name, or what kind of value it is. */
export function exprText(e: Expr): string {
  if (e.k === 'name' || e.k === 'offset') return `'${e.name}'`;
  if (e.k === 'int') return e.raw;
  return `a ${e.k === 'flags' ? 'flags expression' : e.k === 'str' ? 'string' : 'bytes literal'}`;
}

export function argInt(m: Machine, e: Expr | undefined, what = 'an integer'): number {
  if (!e) throw new SimError(`missing ${what}`);
  if (e.k === 'int') return e.value;
  if (e.k === 'name') {
    const v = m.names[e.name];
    if (v?.t === 'int') return v.v;
    if (v?.t === 'dma') return v.addr;
  }
  throw new SimError(`expected ${what}, got ${exprText(e)}`, e.loc);
}

export function argName(e: Expr | undefined, what: string): string {
  if (e?.k === 'name') return e.name;
  throw new SimError(`expected ${what}`, e?.loc ?? null);
}

export function argDev(m: Machine, e: Expr | undefined): Device {
  const name = argName(e, 'a device name');
  const d = m.devices[name];
  if (!d) throw new SimError(`'${name}' is not a device`, e!.loc);
  return d;
}

export function argDir(e: Expr | undefined): DmaDir {
  const name = argName(e, 'a DMA direction');
  // The constant, not the scenario's copy of it: every later comparison of the direction is then one of two identical strings.
  const dir = DMA_DIRS.find((d) => d === name);
  if (dir) return dir;
  throw new SimError(`'${name}' is not a DMA direction`, e!.loc);
}

/** Flags joined with `|` (or 0) as a list of names. */
export function argFlags(e: Expr | undefined): string[] {
  if (!e) return [];
  if (e.k === 'int' && e.value === 0) return [];
  if (e.k === 'name') return [e.name];
  if (e.k === 'flags') return e.items.flatMap((x) => argFlags(x));
  throw new SimError(`expected flags, got ${exprText(e)}`, e.loc);
}

/** No attributes: what almost every call passes, one shared object (no handler writes to an Attrs). */
const NO_ATTRS: Attrs = Object.freeze({ skipCpuSync: false, noWarn: false });

export function argAttrs(e: Expr | undefined): Attrs {
  if (!e || (e.k === 'int' && e.value === 0)) return NO_ATTRS;
  const f = argFlags(e);
  return { skipCpuSync: f.includes('DMA_ATTR_SKIP_CPU_SYNC'), noWarn: f.includes('DMA_ATTR_NO_WARN') };
}

export function argBytes(e: Expr | undefined): Uint8Array {
  if (e?.k === 'str' || e?.k === 'bytes') return e.bytes;
  throw new SimError('expected bytes', e?.loc ?? null);
}

/** A buffer pointer: `name` or `name ± offset`. */
export function argPtr(m: Machine, e: Expr | undefined): { buf: Buffer; off: number } {
  if (!e || (e.k !== 'name' && e.k !== 'offset')) throw new SimError('expected a buffer', e?.loc ?? null);
  const v = m.names[e.name];
  if (!v || v.t !== 'buf') throw new SimError(`'${e.name}' is not a buffer`, e.loc);
  const buf = m.buffers[v.id];
  if (!buf) throw new SimError(`'${e.name}' is NULL: its allocation failed`, e.loc);
  return { buf, off: e.k === 'offset' ? e.offset : 0 };
}

/** A DMA address: a handle name (± offset) or an integer. */
export function argHandle(m: Machine, e: Expr | undefined): number {
  if (!e) throw new SimError('expected a DMA address');
  if (e.k === 'int') return e.value;
  if (e.k === 'name' || e.k === 'offset') {
    const v = m.names[e.name];
    const off = e.k === 'offset' ? e.offset : 0;
    if (v?.t === 'dma') return v.addr === -1 ? -1 : v.addr + off;
    if (v?.t === 'int') return v.v + off;
    throw new SimError(`'${e.name}' is not a DMA address`, e.loc);
  }
  throw new SimError(`expected a DMA address, got ${exprText(e)}`, e.loc);
}

export function argSgt(m: Machine, e: Expr | undefined): SgTable {
  const name = argName(e, 'an sg_table');
  const v = m.names[name];
  if (v?.t !== 'sgt') throw new SimError(`'${name}' is not an sg_table`, e!.loc);
  return sgTableForWrite(m, v.id);
}

export function kwInt(m: Machine, kwargs: ReadonlyArray<{ key: string; value: Expr }>, key: string): number | null {
  const kv = kwargs.find((k) => k.key === key);
  return kv ? argInt(m, kv.value, key) : null;
}

/** A true/false option, or undefined when it is not given. */
export function kwBool(kwargs: ReadonlyArray<{ key: string; value: Expr }>, key: string): boolean | undefined {
  const kv = kwargs.find((k) => k.key === key);
  if (!kv) return undefined;
  if (kv.value.k === 'name' && (kv.value.name === 'true' || kv.value.name === 'false')) return kv.value.name === 'true';
  throw new SimError(`${key}= must be true or false`, kv.value.loc);
}
