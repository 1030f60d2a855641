/**
 * Copies of a machine for checkpoints and seeks that share the scenario's
 * names instead of copying them. A run imported from a kernel trace binds a
 * new name at every mapping (`h<line> = dma_map_page(…)`), so a 1,000,000-line
 * trace ends with ~330,000 names: structuredClone of that one object took
 * ~5 s on the project's shared machine, and a checkpoint (and every seek,
 * which restores one) cost as much.
 *
 * A name's value is never changed in place (a binding is replaced by a new
 * object), so the names are layers: a copy's names object is a new, empty
 * layer whose prototype is the frozen layer below it (plain keyed reads —
 * `m.names[x]` — see through it; nothing in the engine enumerates names).
 * A layer below another is never written again. Past MAX_DEPTH layers the
 * top layers are merged into one new layer, as many as are not much smaller
 * than the one below them (the big old layers are left as they are: copying
 * 330,000 names costs seconds), so a lookup walks at most MAX_DEPTH + 1
 * layers and each name is copied a few times over a run, not once a copy.
 */
import type { Machine } from '../sim/machine.ts';
import { shareSgTables } from '../sim/sg-share.ts';
import { copyDebugBuckets } from '../sim/dma/debug.ts';

/** Layers a lookup may walk before the chain is flattened. */
export const MAX_DEPTH = 16;

type Names = Machine['names'];

/** Layers that other names objects are built on: never written again. */
const frozen = new WeakSet<Names>();
/** How many layers lie below a names object (absent: none). */
const depths = new WeakMap<Names, number>();

/** Names a layer binds itself. */
const sizes = new WeakMap<Names, number>();
const sizeOf = (n: Names): number => sizes.get(n) ?? Object.keys(n).length;

/** The layers under `names` and names itself, nearest first (the root layer has no prototype: sim/machine.ts). */
function chainOf(names: Names): Names[] {
  const chain: Names[] = [];
  for (let n: Names | null = names; n && n !== Object.prototype; n = Object.getPrototypeOf(n) as Names | null) chain.push(n);
  return chain;
}

/**
 * The same bindings in fewer layers: the nearest layers merged into one new
 * layer while what is merged is at least half the size of the next layer
 * below (then that one joins too).
 */
function merge(names: Names): Names {
  const chain = chainOf(names);
  let k = 2;
  let size = sizeOf(chain[0]!) + sizeOf(chain[1]!);
  while (k < chain.length && 2 * size >= sizeOf(chain[k]!)) size += sizeOf(chain[k++]!);
  const below = chain[k];
  const merged = Object.create(below ?? null) as Names;
  for (let j = k - 1; j >= 0; j--) Object.assign(merged, chain[j]);
  depths.set(merged, below ? (depths.get(below) ?? 0) + 1 : 0);
  sizes.set(merged, Object.keys(merged).length);
  return merged;
}

/** A new, empty layer over `base` (frozen from now on). */
function layerOver(base: Names): Names {
  frozen.add(base);
  if (!sizes.has(base)) sizes.set(base, Object.keys(base).length);
  const child = Object.create(base) as Names;
  depths.set(child, (depths.get(base) ?? 0) + 1);
  return child;
}

/** The names object a copy may be built on: `names` itself, or the chain merged when it is too deep. */
function baseOf(names: Names): Names {
  let n = names;
  while ((depths.get(n) ?? 0) >= MAX_DEPTH) n = merge(n);
  return n;
}

/**
 * Everything but the names, sg_tables and dma-debug's hash buckets copied
 * whole (structuredClone: machines are plain data, Maps and typed arrays
 * included); the sg_tables shared until either machine changes one
 * (sim/sg-share.ts); only the hash buckets in use copied, and a copy that is
 * not stepped (a checkpoint) keeps no slot for the others
 * (copyDebugBuckets: structuredClone of the 16,384 slots was most of a small
 * machine's copy, in time and in memory).
 */
function cloneRest(m: Machine, names: Names, forStepping: boolean): Machine {
  const copy = structuredClone({ ...m, names: null, sgts: [], debug: { ...m.debug, buckets: [] } }) as unknown as Machine;
  copy.names = names;
  copy.debug.buckets = copyDebugBuckets(m.debug.buckets, forStepping);
  shareSgTables(m, copy);
  return copy;
}

/**
 * A copy of a machine that is not stepped again (a checkpoint read or
 * restored later) while `m` goes on stepping: the copy keeps m's names as
 * they are now (frozen), and m writes its next names into a new layer.
 */
export function keepMachine(m: Machine): Machine {
  const base = baseOf(m.names);
  frozen.add(base);
  m.names = layerOver(base);
  return cloneRest(m, base, false);
}

/**
 * A copy of a machine to step on from (a seek's cursor), the original left
 * as it is: the copy writes its names into a new layer over the original's,
 * which is frozen from now on (the original must not be stepped again —
 * true of checkpoints).
 */
export function copyMachine(m: Machine): Machine {
  if (!frozen.has(m.names)) {
    // Not a kept copy (the machine after the last step, kept without a copy): it is not stepped again either.
    m.names = baseOf(m.names);
    frozen.add(m.names);
  }
  return cloneRest(m, layerOver(m.names), true);
}
