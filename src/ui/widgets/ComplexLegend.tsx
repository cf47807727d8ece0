// The complex view's legend: hue = phase, value = amplitude.
import { useEffect, useRef } from 'react';
import { hsvToRgb } from '../colormaps';

/** Legend of the complex view: hue = phase (−π … π, left to right), value = amplitude (0 at the bottom … max on top). */
export function ComplexLegend(props: { ampMax: number }) {
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const ctx = ref.current?.getContext('2d');
    if (!ctx) return;
    const img = ctx.createImageData(64, 16);
    for (let y = 0; y < 16; y++)
      for (let x = 0; x < 64; x++) img.data.set([...hsvToRgb(x / 64, 1, 1 - y / 15), 255], 4 * (y * 64 + x));
    ctx.putImageData(img, 0, 0);
  }, []);
  const fmt = (v: number) =>
    Math.abs(v) >= 1000 || (Math.abs(v) < 0.01 && v !== 0) ? v.toExponential(1) : v.toFixed(2);
  return (
    <div
      className="legend complex-legend"
      title="hue: phase −π … π (left to right); brightness: amplitude 0 … max (bottom to top)"
    >
      <span>−π</span>
      <canvas ref={ref} width={64} height={16} />
      <span>π</span>
      <span className="muted">|z| 0 … {fmt(props.ampMax)}</span>
    </div>
  );
}
