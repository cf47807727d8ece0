// The reconstruction (specs/app.md): amplitude, phase, complex and overlap weights in linked viewers, objectGuess
// and the metrics when the scan has it, the pixel read-out, line profiles and the exports.
import { useEffect, useMemo, useState } from 'react';
import type uPlot from 'uplot';
import { amplitudePhase, complexToRgba, range, toRgba, type ColormapName } from '../colormaps';
import type { Controller } from '../controller';
import { sampleLine } from '../profile';
import { isRunning, useStore } from '../store';
import { ColorLegend } from '../widgets/ColorLegend';
import { ComplexLegend } from '../widgets/ComplexLegend';
import { fitView, ImageViewer, type ImageViewerProps, type Line, type ViewState } from '../widgets/ImageViewer';
import { UPlotChart } from '../widgets/UPlotChart';
import { ResultChoice } from './ResultChoice';
import type { ResultImage } from '../../worker/protocol';

const fmt = (v: number | null | undefined, d = 3) =>
  v === null || v === undefined || !Number.isFinite(v) ? '—' : v.toFixed(d);

/** Amplitude / phase / complex / weights images of a complex canvas, computed once per result. */
function useImages(z: Float32Array | undefined, w: number, h: number, ampMap: ColormapName) {
  return useMemo(() => {
    if (!z) return null;
    const { amplitude, phase } = amplitudePhase(z);
    const ar = range(amplitude);
    return {
      amplitude,
      phase,
      ampRange: ar,
      amp: toRgba(amplitude, ampMap, ar[0], ar[1]),
      ph: toRgba(phase, 'twilight', -Math.PI, Math.PI),
      cx: complexToRgba(z, ar[1]),
    };
  }, [z, w, h, ampMap]);
}

const PROFILE_OPTIONS: Omit<uPlot.Options, 'width' | 'height'> = {
  scales: { x: { time: false }, ph: { range: [-Math.PI, Math.PI] } },
  axes: [
    { label: 'distance along the line (px)' },
    { label: 'amplitude', size: 60 },
    { label: 'phase (rad)', side: 1, scale: 'ph', grid: { show: false }, size: 60 },
  ],
  series: [
    { label: 'px' },
    { label: 'amplitude', stroke: '#2f6fd6', width: 2 },
    { label: 'phase', stroke: '#b04fc8', width: 2, scale: 'ph' },
    { label: 'objectGuess amplitude', stroke: '#2f6fd6', dash: [5, 4], width: 1 },
    { label: 'objectGuess phase', stroke: '#b04fc8', dash: [5, 4], width: 1, scale: 'ph' },
  ],
};

/** The stitched object: amplitude, phase, complex and weights, side by side with objectGuess, linked zoom/pan, read-out, profile, metrics. */
export function ResultView({ ctl }: { ctl: Controller }) {
  const r = useStore((s) => s.result);
  const stitch = useStore((s) => s.stitch);
  const busy = useStore((s) => s.busy);
  const status = useStore((s) => s.status);
  // The training run's collapse speaks of the network's result only (the solver's object is its own).
  const runCollapse = useStore((s) => s.collapse);
  const [ampMap, setAmpMap] = useState<ColormapName>('gray');
  const collapse = r?.stitch === 'solver' ? null : runCollapse;
  if (!r) {
    return (
      <section className="panel" data-testid="result">
        <h2>Reconstruction</h2>
        <p className="muted">
          The stitched object appears here when training ends, when you reconstruct with an opened model, or when the
          iterative solver finishes.
        </p>
      </section>
    );
  }
  return (
    <section className="panel" data-testid="result">
      <h2>Reconstruction</h2>
      <ResultChoice ctl={ctl} r={r} />
      {(collapse || r.metrics?.collapsed) && (
        <p className="notice warning" data-testid="result-collapsed">
          This reconstruction&apos;s amplitude is flat
          {r.metrics?.collapsed ? " (its std is under 1 % of objectGuess's)" : ''}: the model collapsed
          {collapse ? ` at epoch ${collapse.epoch + 1}` : ''}. Train again with the fix the Training panel offers.
        </p>
      )}
      <div className="row controls">
        <label>
          stitching{' '}
          <select
            data-testid="stitch-method"
            value={stitch}
            disabled={!!busy || isRunning(status) || r.stitch === 'solver'}
            title={r.stitch === 'solver' ? "the solver's object is one image: no patches to stitch" : ''}
            onChange={(e) => ctl.setStitch(e.target.value as 'barycentric' | 'position')}
          >
            <option value="barycentric">barycentric (|P|² weights)</option>
            <option value="position">position (Ptychodus)</option>
          </select>
        </label>
        <label>
          amplitude colours{' '}
          <select data-testid="amp-colormap" value={ampMap} onChange={(e) => setAmpMap(e.target.value as ColormapName)}>
            <option value="gray">gray</option>
            <option value="viridis">viridis</option>
          </select>
        </label>
        <button type="button" data-testid="export-recon" onClick={ctl.exportRecon}>
          Export reconstruction (.npz)
        </button>
        <button
          type="button"
          data-testid="export-product"
          onClick={ctl.exportProduct}
          title="Ptychodus NPZ product: object, probe, positions, pixel sizes, loss history"
        >
          Export for Ptychodus (.npz)
        </button>
        <span className="muted small-text" data-testid="result-caption">
          {r.width}×{r.height} px from {r.patches} {r.stitch === 'solver' ? 'scan positions' : 'patches'} ({r.stitch}
          {alignmentNote(r.phaseAlignment)}); origin x {r.origin[0]}, y {r.origin[1]}. Wheel: zoom · drag: pan ·
          double-click: fit · shift + drag: line profile
        </span>
      </div>
      <ResultImages r={r} ampMap={ampMap} />
    </section>
  );
}

/** The caption's word on the group phase alignment (specs/reconstruction.md §2). */
function alignmentNote(a: ResultImage['phaseAlignment']): string {
  if (!a) return '';
  if (a.skipped) return `; group phases not aligned: ${a.skipped}`;
  if (a.kept === 0) return '; group phases as predicted: aligning them did not fit the data better';
  return `; group phases aligned by their overlaps, rms ${a.rmsCorrection.toFixed(2)} rad${a.kept < 1 ? ' (half kept)' : ''}`;
}

type Rec = NonNullable<ReturnType<typeof useImages>>;
type Metrics = NonNullable<ResultImage['metrics']>;
/** The props every viewer of the result shares (one linked view, hover, line profile and region box). */
type ViewerCommon = Omit<ImageViewerProps, 'title' | 'pixels'>;

/** Reconstruction vs objectGuess on the scanned region: Pearson r, SSIM, PSNR and FRC resolution of amplitude and phase. */
function MetricsTable({ m }: { m: Metrics }) {
  return (
    <table className="metrics" data-testid="metrics">
      <caption>vs objectGuess on the scanned region (dashed box), global phase removed, amplitude scale fitted</caption>
      <thead>
        <tr>
          <th />
          <th title="Pearson correlation with objectGuess on the well-lit pixels: ≥ 0.8 reconstructs">r</th>
          <th>SSIM</th>
          <th>PSNR (dB)</th>
          <th>FRC resolution (px)</th>
        </tr>
      </thead>
      <tbody>
        {(['amplitude', 'phase'] as const).map((part) => (
          <tr key={part}>
            <th>{part}</th>
            <td data-testid={`metric-${part === 'amplitude' ? 'amp' : 'phase'}-r`}>{fmt(m[part].r)}</td>
            <td data-testid={`metric-${part === 'amplitude' ? 'amp' : 'phase'}-ssim`}>{fmt(m[part].ssim)}</td>
            <td>{fmt(m[part].psnr, 2)}</td>
            <td>{fmt(m[part].frcResolutionPx, 1)}</td>
          </tr>
        ))}
      </tbody>
      <tfoot>
        <tr>
          <td colSpan={5} className="muted">
            FRC threshold {m.frcThreshold === 'half-bit' ? '½-bit' : '0.5'}; phase offset {fmt(m.phaseOffset)} rad;
            amplitude × {fmt(m.amplitudeScale)}; region {m.region.width}×{m.region.height} px
          </td>
        </tr>
      </tfoot>
    </table>
  );
}

/** The values under the pointer (reconstruction, overlap weight, and objectGuess when the scan has one). */
function PixelReadout({
  r,
  rec,
  truth,
  hover,
}: {
  r: ResultImage;
  rec: Rec;
  truth: Rec | null;
  hover: { x: number; y: number } | null;
}) {
  const i = hover ? hover.y * r.width + hover.x : -1;
  return (
    <p className="readout" data-testid="pixel-readout">
      {hover && i >= 0 ? (
        <>
          x {hover.x + r.origin[0]}, y {hover.y + r.origin[1]} (object px): amplitude {fmt(rec.amplitude[i], 4)}, phase{' '}
          {fmt(rec.phase[i], 3)} rad, weight {fmt(r.weights[i], 3)}
          {truth ? ` · objectGuess: amplitude ${fmt(truth.amplitude[i], 4)}, phase ${fmt(truth.phase[i], 3)} rad` : ''}
        </>
      ) : (
        <span className="muted">Point at an image for the pixel values.</span>
      )}
    </p>
  );
}

/** The line profile's end points (object pixels), a clear button and the chart. */
function LineProfile({
  r,
  line,
  profile,
  onClear,
}: {
  r: ResultImage;
  line: Line;
  profile: uPlot.AlignedData;
  onClear: () => void;
}) {
  return (
    <div className="profile" data-testid="profile-chart">
      <p className="small-text">
        Line profile from ({fmt(line.x0 + r.origin[0], 1)}, {fmt(line.y0 + r.origin[1], 1)}) to (
        {fmt(line.x1 + r.origin[0], 1)}, {fmt(line.y1 + r.origin[1], 1)}){' '}
        <button type="button" className="small" onClick={onClear}>
          clear
        </button>
      </p>
      <UPlotChart options={PROFILE_OPTIONS} data={profile} height={200} />
    </div>
  );
}

/** Amplitude, phase and complex view of one complex image (the reconstruction or objectGuess) in linked viewers. */
function ComplexViews(props: {
  images: Rec;
  common: ViewerCommon;
  ampMap: ColormapName;
  /** Before each viewer's title, test id and PNG file name ('objectGuess ', 'truth', 'objectGuess'). */
  title: string;
  testId: string;
  fileName: string;
}) {
  const { images: z, common, ampMap, title, testId, fileName } = props;
  const views = [
    {
      part: 'amplitude',
      pixels: z.amp,
      legend: <ColorLegend colormap={ampMap} lo={z.ampRange[0]} hi={z.ampRange[1]} />,
    },
    { part: 'phase', pixels: z.ph, legend: <ColorLegend colormap="twilight" lo={-Math.PI} hi={Math.PI} cyclic /> },
    { part: 'complex', pixels: z.cx, legend: <ComplexLegend ampMax={z.ampRange[1]} /> },
  ];
  return (
    <>
      {views.map(({ part, pixels, legend }) => (
        <ImageViewer
          key={part}
          {...common}
          title={`${title}${part}`}
          testId={`${testId}-${part}`}
          pixels={pixels}
          fileName={`${fileName}-${part}.png`}
          legend={legend}
        />
      ))}
    </>
  );
}

/** objectGuess (the scan's true object) beside the reconstruction, with the metrics that compare them. */
function TruthImages({
  truth,
  common,
  ampMap,
  m,
}: {
  truth: Rec;
  common: ViewerCommon;
  ampMap: ColormapName;
  m: ResultImage['metrics'];
}) {
  return (
    <div className="images truth">
      <ComplexViews
        images={truth}
        common={common}
        ampMap={ampMap}
        title="objectGuess "
        testId="truth"
        fileName="objectGuess"
      />
      {m && <MetricsTable m={m} />}
    </div>
  );
}

function ResultImages({ r, ampMap }: { r: ResultImage; ampMap: ColormapName }) {
  const { width: w, height: h } = r;
  const [view, setView] = useState<ViewState>(fitView(w, h));
  const [hover, setHover] = useState<{ x: number; y: number } | null>(null);
  const [line, setLine] = useState<Line | null>(null);
  useEffect(() => {
    setView(fitView(w, h));
    setLine(null);
  }, [w, h]);
  const rec = useImages(r.object, w, h, ampMap)!;
  const truth = useImages(r.truth, w, h, ampMap);
  const weights = useMemo(() => {
    const wr = range(r.weights);
    return { px: toRgba(r.weights, 'viridis', wr[0], wr[1]), r: wr };
  }, [r.weights]);
  const region = r.metrics
    ? { x: r.metrics.region.x0, y: r.metrics.region.y0, width: r.metrics.region.width, height: r.metrics.region.height }
    : null;
  const common: ViewerCommon = {
    width: w,
    height: h,
    view,
    onView: setView,
    onHover: setHover,
    line,
    onLine: setLine,
    rect: region,
    size: 200,
  };
  const profile = useMemo<uPlot.AlignedData | null>(() => {
    if (!line) return null;
    const a = sampleLine(rec.amplitude, w, h, line),
      p = sampleLine(rec.phase, w, h, line);
    const ta = truth ? sampleLine(truth.amplitude, w, h, line).values : a.values.map(() => null);
    const tp = truth ? sampleLine(truth.phase, w, h, line).values : a.values.map(() => null);
    return [a.distance, a.values, p.values, ta, tp] as uPlot.AlignedData;
  }, [line, rec, truth, w, h]);
  const m = r.metrics;
  return (
    <>
      <div className="images">
        <ComplexViews images={rec} common={common} ampMap={ampMap} title="" testId="recon" fileName="reconstruction" />
        <ImageViewer
          {...common}
          title="overlap weights"
          testId="recon-weights"
          pixels={weights.px}
          fileName="reconstruction-weights.png"
          legend={<ColorLegend colormap="viridis" lo={weights.r[0]} hi={weights.r[1]} />}
        />
      </div>
      {truth && <TruthImages truth={truth} common={common} ampMap={ampMap} m={m} />}
      <PixelReadout r={r} rec={rec} truth={truth} hover={hover} />
      {profile && line && <LineProfile r={r} line={line} profile={profile} onClear={() => setLine(null)} />}
    </>
  );
}
