/**
 * The machine views shown in the tabbed area, in one list. Add a view here.
 */
import { registerView } from './registry.ts';
import { machineView } from './MachineView.tsx';
import { stepJsonView } from './StepJsonView.tsx';

for (const v of [machineView, stepJsonView]) registerView(v);
