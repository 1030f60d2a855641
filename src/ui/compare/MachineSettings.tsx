/**
 * Pickers for one side's machine settings: architecture, kernel version and
 * (when the header declares an IOMMU) the IOMMU mode. "as in the scenario"
 * is the first choice of each; a choice that differs from the header is
 * highlighted and named in words, with a reset button. The kernel picker
 * offers the versions the engine distinguishes for the architecture, and the
 * era button next to it lists what changes at the chosen version.
 */
import { useState } from 'react';
import type { Arch, IommuMode } from '../../sim/config.ts';
import { ARCH_CHOICES, IOMMU_MODES, eraChanges, kernelOptions, machineRefusal, machineRefusalLabel, overrideNotes, withArch, type HeaderFacts, type MachineOverrides } from './settings.ts';
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
          onChange={(e) => {
            // a kernel the new architecture's port predates (riscv before 4.15) is not kept: withArch
            const next = withArch(value, e.target.value === '' ? null : (e.target.value as Arch), facts);
            onChange({ arch: next.arch, kernel: next.kernel });
          }}
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
          <option value="" disabled={machineRefusal(value.arch ?? facts.arch, facts.kernel, facts) !== null}>
            {facts.kernel} (scenario)
          </option>
          {kernelOptions(value.kernel, facts.kernel, value.arch ?? facts.arch)
            .filter((k) => k !== facts.kernel)
            .map((k) => {
              // a version the engine refuses this header's machine on (a RISC-V IOMMU before 6.13, iommu_off from 5.0) is shown, not offered
              const refused = machineRefusal(value.arch ?? facts.arch, k, facts);
              return (
                <option key={k} value={k} disabled={refused !== null} title={refused ?? undefined}>
                  {refused ? `${k} (${machineRefusalLabel(value.arch ?? facts.arch, k, facts)})` : k}
                </option>
              );
            })}
        </select>
      </label>
      <KernelEra kernel={value.kernel ?? facts.kernel} arch={value.arch ?? facts.arch} label={label} testId={testId} />
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

/** "5.19–6.1 · 2 changes": the era of the chosen kernel, with the behaviours that change at its start in a popover. */
function KernelEra({ kernel, arch, label, testId }: { kernel: string; arch: string; label: string; testId: string }) {
  const [open, setOpen] = useState(false);
  const era = eraChanges(kernel, arch);
  if (!era) return null;
  const span = era.to === null ? `${era.from}+` : era.from === era.to ? era.from : `${era.from}–${era.to}`;
  const n = era.changes.length;
  const summary = n === 0 ? `${span}: the oldest behaviour the engine models` : `${span}: ${n} change${n > 1 ? 's' : ''} at ${era.from}`;
  return (
    <span className="ms-era">
      <button
        type="button"
        className="ms-era-btn"
        data-testid={`${testId}-era`}
        aria-expanded={open}
        aria-label={`${label}: kernel ${kernel} behaves as ${summary}; show what changes`}
        title={`kernel ${kernel} behaves as every version ${span} on ${arch}`}
        onClick={() => setOpen(!open)}
      >
        {span}
        {n > 0 && <span className="ms-era-n"> · {n}Δ</span>}
      </button>
      {open && (
        <div className="ms-era-pop" role="dialog" aria-label={`What changes at ${era.from}`} data-testid={`${testId}-era-pop`}>
          <div className="ms-era-head">
            {arch} · kernel {kernel} behaves as {span}
          </div>
          {n === 0 ? (
            <p className="ms-era-none">The oldest version the engine models: every later change is off.</p>
          ) : (
            <ul>
              {era.changes.map((g) => (
                <li key={g.id}>
                  <div className="ms-era-what">
                    <span className="ms-era-sub">{g.subsystem}</span> {g.after}
                  </div>
                  <div className="ms-era-was">before {era.from}: {g.before}</div>
                  <div className="ms-era-src">
                    {g.commit ? <code>{g.commit}</code> : null} {g.subject} <span className="ms-era-file">({g.file})</span>
                  </div>
                </li>
              ))}
            </ul>
          )}
        </div>
      )}
    </span>
  );
}
