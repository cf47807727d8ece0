// The solver's monitor: the Fourier error per iteration (the iterative solver's counterpart of the loss chart).
import { useMemo } from 'react';
import type uPlot from 'uplot';
import { UPlotChart } from './UPlotChart';

const sci = (v: number | null) => (v === null ? '' : v.toExponential(0).replace('e+', 'e'));

const OPTIONS: Omit<uPlot.Options, 'width' | 'height'> = {
  scales: { x: { time: false }, y: { distr: 3 } },
  axes: [{ label: 'solver iteration' }, { label: 'solver error', size: 64, values: (_u, splits) => splits.map(sci) }],
  series: [
    { label: 'iteration' },
    { label: 'solver error Σ(|F| − m)² / Σ m²', stroke: '#2b8a3e', width: 2, points: { show: true, size: 5 } },
  ],
  legend: { live: false },
};

/** Error per solver iteration on a log scale ([iteration, error] points, as the store keeps them). */
export function SolverErrorChart(props: { errors: [number, number][]; testId?: string }) {
  const data = useMemo<uPlot.AlignedData>(() => {
    const pts = props.errors.filter(([, e]) => e > 0).sort((a, b) => a[0] - b[0]);
    return [pts.map(([i]) => i), pts.map(([, e]) => e)];
  }, [props.errors]);
  return <UPlotChart options={OPTIONS} data={data} height={180} testId={props.testId} />;
}
