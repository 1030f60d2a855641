/**
 * The view choices a share link carries after `s=` and `step=` (share.ts):
 * read and checked, pure. Unknown values are dropped with a message in words.
 */
import { overridesFromExtra, type MachineOverrides } from './settings.ts';

export interface LinkChoices {
  overrides: MachineOverrides;
  view: string | null;
  compare: MachineOverrides | null;
  /** Values that were ignored, in words. */
  problems: string[];
}

/** Reads and checks a link's view choices. `knownView` says whether a view id exists. */
export function linkChoices(extra: Record<string, string>, knownView: (id: string) => boolean): LinkChoices {
  const main = overridesFromExtra(extra);
  const problems = [...main.problems];
  let view: string | null = null;
  if (extra.view !== undefined) {
    if (knownView(extra.view)) view = extra.view;
    else problems.push(`unknown view '${extra.view.slice(0, 24).replace(/[^\x20-\x7e]/g, '?')}' ignored`);
  }
  let compare: MachineOverrides | null = null;
  if (extra.cmp !== undefined) {
    if (extra.cmp === '1') {
      const b = overridesFromExtra(extra, 'b.');
      compare = b.overrides;
      problems.push(...b.problems);
    } else problems.push(`compare field '${extra.cmp.slice(0, 8).replace(/[^\x20-\x7e]/g, '?')}' ignored (expected cmp=1)`);
  }
  return { overrides: main.overrides, view, compare, problems };
}

