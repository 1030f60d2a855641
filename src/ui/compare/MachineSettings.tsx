/**
 * Pickers for one side's machine settings: architecture, kernel version and
 * (when the header declares an IOMMU) the IOMMU mode. "as in the scenario"
 * is the first choice of each; a choice that differs from the header is
 * highlighted and named in words, with a reset button.
 */
import type { Arch, IommuMode } from '../../sim/config.ts';
import { ARCH_CHOICES, IOMMU_MODES, kernelOptions, overrideNotes, type HeaderFacts, type MachineOverrides } from './settings.ts';
import './compare.css';

export interface MachineSettingsProps {
  value: MachineOverrides;
  onChange(o: Partial<MachineOverrides>): void;
  facts: HeaderFacts;
  /** Names the group for assistive tech and prefixes the pickers' labels ("Run as", "Side B"). */
  label: string;
  /** data-testid prefix, e.g. "ovr" → ovr-arch, ovr-kernel, ovr-iommu. */
  testId: string;
  compact?: boolean;
}

export default function MachineSettings({ value, onChange, facts, label, testId, compact }: MachineSettingsProps) {
  const notes = overrideNotes(value, facts);
  const archDiff = value.arch !== null && value.arch !== facts.arch;
  const kernelDiff = value.kernel !== null && value.kernel !== facts.kernel;
  const iommuDiff = value.iommu !== null && facts.iommus.some((x) => x.mode !== value.iommu);
  const scenarioIommu = [...new Set(facts.iommus.map((x) => x.mode))].join('/');
  return (
    <div
      className={`msettings${compact ? ' compact' : ''}${notes.length ? ' differs' : ''}`}
      role="group"
      aria-label={label}
      data-testid={testId}
      title={notes.length ? `Runs as: ${notes.join('; ')}` : 'Machine settings: as the scenario header says'}
    >
      <span className="ms-lead">{label}</span>
      <label className={`ms-field${archDiff ? ' overridden' : ''}`}>
        <span className="ms-key">arch</span>
        <select
          aria-label={`${label}: architecture`}
          data-testid={`${testId}-arch`}
          value={value.arch === null || value.arch === facts.arch ? '' : value.arch}
          onChange={(e) => onChange({ arch: e.target.value === '' ? null : (e.target.value as Arch) })}
        >
          <option value="">{facts.arch} (scenario)</option>
          {ARCH_CHOICES.filter((a) => a !== facts.arch).map((a) => (
            <option key={a} value={a}>
              {a}
            </option>
          ))}
        </select>
      </label>
      <label className={`ms-field${kernelDiff ? ' overridden' : ''}`}>
        <span className="ms-key">kernel</span>
        <select
          aria-label={`${label}: kernel version`}
          data-testid={`${testId}-kernel`}
          value={value.kernel === null || value.kernel === facts.kernel ? '' : value.kernel}
          onChange={(e) => onChange({ kernel: e.target.value === '' ? null : e.target.value })}
        >
          <option value="">{facts.kernel} (scenario)</option>
          {kernelOptions(value.kernel, facts.kernel)
            .filter((k) => k !== facts.kernel)
            .map((k) => (
              <option key={k} value={k}>
                {k}
              </option>
            ))}
        </select>
      </label>
      {facts.iommus.length > 0 && (
        <label className={`ms-field${iommuDiff ? ' overridden' : ''}`}>
          <span className="ms-key">IOMMU</span>
          <select
            aria-label={`${label}: IOMMU mode`}
            data-testid={`${testId}-iommu`}
            value={value.iommu === null || !iommuDiff ? '' : value.iommu}
            onChange={(e) => onChange({ iommu: e.target.value === '' ? null : (e.target.value as IommuMode) })}
          >
            <option value="">{scenarioIommu} (scenario)</option>
            {IOMMU_MODES.filter((m) => !(facts.iommus.length > 0 && facts.iommus.every((x) => x.mode === m))).map((m) => (
              <option key={m} value={m}>
                {m}
              </option>
            ))}
          </select>
        </label>
      )}
      {notes.length > 0 && (
        <button
          type="button"
          className="ms-reset"
          data-testid={`${testId}-reset`}
          onClick={() => onChange({ arch: null, kernel: null, iommu: null })}
          title={`Overriding the scenario's header: ${notes.join('; ')}. Click to run as the scenario says.`}
          aria-label={`${label}: overriding the scenario (${notes.join('; ')}); reset to the scenario's settings`}
        >
          ≠ scenario <span aria-hidden="true">×</span>
        </button>
      )}
    </div>
  );
}
