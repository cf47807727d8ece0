// A uPlot chart as a React component, updated in place and resized with its container.
import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

/**
 * A uPlot chart in React: created once per `options` identity, data replaced in place on updates (cheap, so live
 * training updates stay well inside a frame), resized with its container.
 */
export function UPlotChart(props: {
  options: Omit<uPlot.Options, 'width' | 'height'>;
  data: uPlot.AlignedData;
  height?: number;
  testId?: string;
}) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const height = props.height ?? 220;
  useEffect(() => {
    const el = box.current!;
    const u = new uPlot({ ...props.options, width: Math.max(200, el.clientWidth), height }, props.data, el);
    plot.current = u;
    const ro = new ResizeObserver(() => u.setSize({ width: Math.max(200, el.clientWidth), height }));
    ro.observe(el);
    return () => {
      ro.disconnect();
      u.destroy();
      plot.current = null;
    };
    // Data go through setData below; the chart is recreated only when the options change.
  }, [props.options, height]);
  useEffect(() => {
    plot.current?.setData(props.data);
  }, [props.data]);
  return <div ref={box} className="uplot-box" data-testid={props.testId} />;
}
