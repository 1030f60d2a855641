/**
 * While the step on screen has a prediction the learner has not answered, the
 * machine views would give the answer away (they show the machine after the
 * step): they wait behind this note until the learner has picked.
 */
import type { ReactNode } from 'react';
import { useStore } from '../store/store.ts';
import { usePredictionPending } from './teaching.ts';
import './lesson.css';

export default function PredictGate({ children }: { children: ReactNode }) {
  const frame = useStore((s) => s.frame);
  if (!usePredictionPending(frame)) return <>{children}</>;
  return (
    <div className="predict-gate" data-testid="predict-gate">
      <p>
        <b>Predict first.</b> This view shows the machine <i>after</i> the step: make your prediction in the explanation
        panel, and it appears.
      </p>
    </div>
  );
}
