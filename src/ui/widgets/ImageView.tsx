import { useEffect, useRef } from 'react';
import { range, toRgba, type ColormapName } from '../colormaps';
import type { ImagePreview } from '../../worker/protocol';
import { ColorLegend } from './ColorLegend';

/** A scalar image through a colour map, drawn with putImageData and upscaled by CSS (pixelated), with a legend. */
export function ImageView(props: { title: string; image: ImagePreview; colormap: ColormapName; cyclic?: boolean; testId?: string; size?: number }) {
  const ref = useRef<HTMLCanvasElement>(null);
  const { image, colormap, cyclic } = props;
  const [lo, hi] = cyclic ? [-Math.PI, Math.PI] : range(image.data);
  useEffect(() => {
    const c = ref.current;
    if (!c) return;
    c.width = image.width;
    c.height = image.height;
    const ctx = c.getContext('2d');
    if (!ctx) return;
    ctx.putImageData(new ImageData(toRgba(image.data, colormap, lo, hi) as Uint8ClampedArray<ArrayBuffer>, image.width, image.height), 0, 0);
  }, [image, colormap, lo, hi]);
  const size = props.size ?? 220;
  const scale = size / Math.max(image.width, image.height);
  return (
    <figure className="image-view" data-testid={props.testId}>
      <figcaption>{props.title}</figcaption>
      <canvas ref={ref} style={{ width: image.width * scale, height: image.height * scale }} />
      <ColorLegend colormap={colormap} lo={lo} hi={hi} cyclic={cyclic} />
    </figure>
  );
}
