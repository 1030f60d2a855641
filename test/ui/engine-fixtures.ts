/**
 * Test helpers: run a library scenario with the real engine (tests may import
 * it; the UI may not) and give each step's record and machine snapshot, as a
 * worker frame would carry them.
 */
import { readFileSync } from 'node:fs';
import { prepareScenario, runStep } from '../../src/scenario/run.ts';
import { createMachine } from '../../src/sim/machine.ts';
import { snapshot, type MachineSnapshot } from '../../src/sim/snapshot.ts';
import type { MachineConfig } from '../../src/sim/config.ts';
import type { StepJson } from '../../src/scenario/result.ts';

export function library(name: string): string {
  return readFileSync(new URL(`../../src/scenario/library/${name}.dma`, import.meta.url), 'utf8');
}

export interface SteppedRun {
  config: MachineConfig;
  steps: StepJson[];
  /** snapshots[k]: after step k (0: the machine is built). */
  snapshots: MachineSnapshot[];
}

export function stepped(text: string, opts: { arch?: 'x86' | 'arm64' | 'arm' | 'riscv'; kernel?: string } = {}): SteppedRun {
  const p = prepareScenario(text, opts);
  if (!p.ok) throw new Error(`parse: ${JSON.stringify(p.errors)}`);
  const m = createMachine(p.config);
  const snapshots = [structuredClone(snapshot(m))];
  const steps: StepJson[] = [];
  p.body.forEach((cmd, i) => {
    steps.push(runStep(m, cmd, i + 1).json);
    snapshots.push(structuredClone(snapshot(m)));
  });
  return { config: p.config, steps, snapshots };
}
