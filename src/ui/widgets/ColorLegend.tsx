// A colour bar with its value range, under an image.
import { useEffect, useRef } from 'react';
import { lut, type ColormapName } from '../colormaps';

/** Horizontal colour bar with its value range (−π … π for cyclic phase maps). */
export function ColorLegend(props: { colormap: ColormapName; lo: number; hi: number; cyclic?: boolean }) {
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const c = ref.current;
    const ctx = c?.getContext('2d');
    if (!c || !ctx) return;
    const t = lut(props.colormap);
    const img = ctx.createImageData(256, 1);
    for (let i = 0; i < 256; i++) img.data.set([t[3 * i], t[3 * i + 1], t[3 * i + 2], 255], 4 * i);
    ctx.putImageData(img, 0, 0);
  }, [props.colormap]);
  const fmt = (v: number) =>
    props.cyclic
      ? v < 0
        ? '−π'
        : 'π'
      : Math.abs(v) >= 1000 || (Math.abs(v) < 0.01 && v !== 0)
        ? v.toExponential(1)
        : v.toFixed(2);
  return (
    <div className="legend">
      <span>{fmt(props.lo)}</span>
      <canvas ref={ref} width={256} height={1} />
      <span>{fmt(props.hi)}</span>
    </div>
  );
}
