/** Scan positions as an SVG scatter (x = column, y = row: y grows downwards as in the object image). */
export function ScanPlot(props: { x: Float32Array; y: Float32Array; width?: number }) {
  const w = props.width ?? 220;
  let x0 = Infinity,
    x1 = -Infinity,
    y0 = Infinity,
    y1 = -Infinity;
  for (let i = 0; i < props.x.length; i++) {
    x0 = Math.min(x0, props.x[i]);
    x1 = Math.max(x1, props.x[i]);
    y0 = Math.min(y0, props.y[i]);
    y1 = Math.max(y1, props.y[i]);
  }
  const span = Math.max(x1 - x0, y1 - y0, 1);
  const s = (w - 20) / span;
  const h = (y1 - y0) * s + 20;
  const pts = [];
  for (let i = 0; i < Math.min(props.x.length, 20000); i++)
    pts.push(<circle key={i} cx={10 + (props.x[i] - x0) * s} cy={10 + (props.y[i] - y0) * s} r={1.5} />);
  return (
    <figure className="image-view">
      <figcaption>scan positions ({props.x.length})</figcaption>
      <svg width={w} height={h} className="scan-plot" role="img" aria-label="scan positions">
        {pts}
      </svg>
    </figure>
  );
}
