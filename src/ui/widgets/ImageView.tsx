// A scalar image through a colour map in an ImageViewer (ImageViewer.tsx) with its legend.
import { useMemo } from 'react';
import { range, toRgba, type ColormapName } from '../colormaps';
import type { ImagePreview } from '../../worker/protocol';
import { ColorLegend } from './ColorLegend';
import { ImageViewer } from './ImageViewer';

/** A scalar image through a colour map (zoom, pan, PNG) with its legend; cyclic maps span −π … π. */
export function ImageView(props: {
  title: string;
  image: ImagePreview;
  colormap: ColormapName;
  cyclic?: boolean;
  testId?: string;
  size?: number;
}) {
  const { image, colormap, cyclic } = props;
  const [lo, hi] = useMemo(() => (cyclic ? [-Math.PI, Math.PI] : range(image.data)), [image, cyclic]);
  const pixels = useMemo(() => toRgba(image.data, colormap, lo, hi), [image, colormap, lo, hi]);
  return (
    <ImageViewer
      title={props.title}
      testId={props.testId}
      width={image.width}
      height={image.height}
      pixels={pixels}
      size={props.size ?? 220}
      legend={<ColorLegend colormap={colormap} lo={lo} hi={hi} cyclic={cyclic} />}
    />
  );
}
