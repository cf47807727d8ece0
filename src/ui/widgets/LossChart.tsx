// The loss chart: training and validation loss per epoch, the running training loss and the learning rate.
import { useMemo } from 'react';
import type uPlot from 'uplot';
import type { EpochPoint } from '../store';
import { UPlotChart } from './UPlotChart';

const sci = (v: number | null) => (v === null ? '' : v.toExponential(0).replace('e+', 'e'));

/**
 * Training and validation loss per epoch on a log scale, the running training loss within epochs (thin), and the
 * learning rate on a second (log) axis. x = epochs completed (a point at x = 2 is the end of epoch 2).
 */
export function LossChart(props: { losses: EpochPoint[]; stepLosses: [number, number][]; testId?: string }) {
  const options = useMemo<Omit<uPlot.Options, 'width' | 'height'>>(
    () => ({
      scales: { x: { time: false }, y: { distr: 3 }, lr: { distr: 3 } },
      axes: [
        { label: 'epoch' },
        { label: 'loss', size: 64, values: (_u, splits) => splits.map(sci) },
        {
          label: 'learning rate',
          side: 1,
          scale: 'lr',
          grid: { show: false },
          size: 64,
          values: (_u, splits) => splits.map(sci),
        },
      ],
      series: [
        { label: 'epoch' },
        { label: 'train (running)', stroke: '#9db8e8', width: 1, spanGaps: true, points: { show: false } },
        { label: 'train', stroke: '#2f6fd6', width: 2, spanGaps: true, points: { show: true, size: 6 } },
        { label: 'validation', stroke: '#e8590c', width: 2, spanGaps: true, points: { show: true, size: 6 } },
        {
          label: 'learning rate',
          stroke: '#7a7f87',
          dash: [4, 4],
          width: 1,
          scale: 'lr',
          spanGaps: true,
          points: { show: false },
        },
      ],
      legend: { live: false },
    }),
    [],
  );
  const data = useMemo<uPlot.AlignedData>(() => {
    // One x axis for all series: epoch ends (integers) and the running points (fractions), nulls elsewhere.
    const xs = new Map<number, (number | null)[]>();
    const row = (x: number) => xs.get(x) ?? (xs.set(x, [null, null, null, null]), xs.get(x)!);
    for (const [x, l] of props.stepLosses) if (l > 0) row(x)[0] = l;
    for (const p of props.losses) {
      const r = row(p.epoch);
      r[1] = p.train > 0 ? p.train : null;
      r[2] = p.val !== null && p.val > 0 ? p.val : null;
      r[3] = p.lr;
    }
    const keys = [...xs.keys()].sort((a, b) => a - b);
    return [keys, ...[0, 1, 2, 3].map((i) => keys.map((k) => xs.get(k)![i]))] as uPlot.AlignedData;
  }, [props.losses, props.stepLosses]);
  return (
    <>
      {data[0].length === 0 && (
        <p className="chart-empty">
          The training and validation loss appear here once training starts (log scale; learning rate on the right
          axis).
        </p>
      )}
      <UPlotChart options={options} data={data} height={220} testId={props.testId} />
    </>
  );
}
