// Line profiles: an image sampled along a line for the line-profile chart (src/ui/views/ResultView.tsx).
import type { Line } from './widgets/ImageViewer';

/**
 * Values of a (height × width) image sampled along a line at unit steps (nearest pixel), with the distance from
 * the start: what the line-profile chart plots. Points outside the image are NaN (gaps in the plot).
 */
export function sampleLine(
  data: ArrayLike<number>,
  width: number,
  height: number,
  l: Line,
): { distance: number[]; values: number[] } {
  const len = Math.hypot(l.x1 - l.x0, l.y1 - l.y0);
  const n = Math.max(2, Math.ceil(len) + 1);
  const distance: number[] = [],
    values: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = i / (n - 1);
    const x = Math.floor(l.x0 + t * (l.x1 - l.x0)),
      y = Math.floor(l.y0 + t * (l.y1 - l.y0));
    distance.push(t * len);
    values.push(x >= 0 && y >= 0 && x < width && y < height ? data[y * width + x] : NaN);
  }
  return { distance, values };
}
