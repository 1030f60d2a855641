/**
 * The machine views shown in the tabbed area, in one list. Add a view here.
 * (The machine's settings table is not a view: it opens from the header, MachineButton.tsx.)
 */
import { registerView } from './registry.ts';
import { stepJsonView } from './StepJsonView.tsx';
import { machineDiagramView } from './views/MachineDiagram.tsx';
import { machineStateViews } from './views/index.ts';
import { iommuView } from './views/IommuView.tsx';
import { gpuVmView } from './views/GpuVmView.tsx';
import { cmaView } from './views/CmaView.tsx';
import { dmaBufView } from './views/DmaBufView.tsx';

for (const v of [stepJsonView, machineDiagramView, ...machineStateViews]) registerView(v);
for (const v of [iommuView, gpuVmView, cmaView, dmaBufView]) registerView(v);
