// The `# versions:` comment of library scenarios (src/scenario/versions.ts).
import { describe, expect, it } from 'vitest';
import { declaredVersions, inRanges, versionsToRun } from '../../src/scenario/versions.ts';

describe('# versions: comment', () => {
  it('reads one range, several ranges and a pinned version; none is null', () => {
    expect(declaredVersions('# intro\n# versions: 5.10..6.18\nmachine()\n')).toEqual([{ from: '5.10', to: '6.18' }]);
    expect(declaredVersions('# versions: 4.4..6.2, 6.9..6.18\n')).toEqual([
      { from: '4.4', to: '6.2' },
      { from: '6.9', to: '6.18' },
    ]);
    expect(declaredVersions('# versions: 5.16\n')).toEqual([{ from: '5.16', to: '5.16' }]);
    expect(declaredVersions('machine()\n')).toBeNull();
  });

  it('refuses a malformed or reversed range with a message', () => {
    expect(() => declaredVersions('# versions: 6.18..5.10\n')).toThrow(/A ≤ B/);
    expect(() => declaredVersions('# versions: five\n')).toThrow(/bad '# versions:' range 'five'/);
  });

  it('runs each range\'s first version and the start of every era inside it, for the architecture', () => {
    const arm64 = versionsToRun([{ from: '5.15', to: '5.19' }], 'arm64');
    expect(arm64[0]).toBe('5.15');
    expect(arm64).toContain('5.19'); // arm64: c50f11c6196f
    expect(arm64).not.toContain('6.0');
    expect(versionsToRun([{ from: '6.3', to: '6.6' }], 'arm64')).toContain('6.5'); // arm64: 1c1a429efd4e
    expect(versionsToRun([{ from: '6.3', to: '6.6' }], 'x86')).not.toContain('6.5'); // no x86 gate at 6.5
    expect(inRanges([{ from: '4.4', to: '6.2' }, { from: '6.9', to: '6.18' }], '6.6')).toBe(false);
    expect(inRanges([{ from: '4.4', to: '6.2' }, { from: '6.9', to: '6.18' }], '6.9')).toBe(true);
  });
});
