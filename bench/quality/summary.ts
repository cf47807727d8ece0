/**
 * The quality benchmark's rows summarised per preset and scan family: how many seeds reconstruct (r of amplitude
 * and phase ≥ 0.8 — the escape rate), how many collapsed, the worst and median r, median SSIM and wall time; and
 * the same as a Markdown table for bench/README.md.
 */
import type { ScanFamily } from './families';

export interface QualityRow {
  preset: string;
  family: string;
  seed: number;
  rAmplitude: number;
  rPhase: number;
  ssimAmplitude: number;
  ssimPhase: number;
  psnrAmplitude: number;
  psnrPhase: number;
  frcAmplitudePx: number | null;
  frcPhasePx: number | null;
  collapsed: boolean;
  reconstructs: boolean;
  /** The network runs' plain stitch (no group phase alignment): r of phase, and whether it reconstructs; null for solvers. */
  plainRPhase?: number | null;
  plainReconstructs?: boolean | null;
  /** The fraction of the group phase corrections kept (src/model/alignedStitch.ts); null for solvers. */
  alignmentKept?: number | null;
  status: string;
  /** The collapse detector's last amplitude contrast (src/model/collapse.ts); null for the ePIE rows. */
  amplitudeContrast: number | null;
  /** The detector said the run collapsed (no truth used). */
  detectorCollapsed: boolean;
  epochs: number;
  finalLoss: number | null;
  trainSeconds: number;
  seconds: number;
}

export interface QualitySummary {
  preset: string;
  family: string;
  varies: string;
  runs: number;
  reconstructs: number;
  /** Runs that reconstruct with the plain stitch (null: no network rows). */
  reconstructsPlain: number | null;
  collapsed: number;
  minRAmplitude: number;
  minRPhase: number;
  medianRAmplitude: number;
  medianRPhase: number;
  medianSsimAmplitude: number;
  medianSsimPhase: number;
  medianSeconds: number;
}

function median(v: number[]): number {
  const s = v.map((x) => (Number.isFinite(x) ? x : -Infinity)).sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** NaN (a constant image has no correlation) counts as the worst. */
const finite = (x: number) => (Number.isFinite(x) ? x : -1);

export function summarize(rows: QualityRow[], families: ScanFamily[]): QualitySummary[] {
  const keys = [...new Set(rows.map((r) => `${r.preset}\u0000${r.family}`))];
  return keys.map((k) => {
    const [preset, family] = k.split('\u0000');
    const rs = rows.filter((r) => r.preset === preset && r.family === family);
    return {
      preset,
      family,
      varies: families.find((f) => f.name === family)?.varies ?? '',
      runs: rs.length,
      reconstructs: rs.filter((r) => r.reconstructs).length,
      reconstructsPlain: rs.some((r) => r.plainReconstructs != null)
        ? rs.filter((r) => r.plainReconstructs).length
        : null,
      collapsed: rs.filter((r) => r.collapsed).length,
      minRAmplitude: Math.min(...rs.map((r) => finite(r.rAmplitude))),
      minRPhase: Math.min(...rs.map((r) => finite(r.rPhase))),
      medianRAmplitude: median(rs.map((r) => r.rAmplitude)),
      medianRPhase: median(rs.map((r) => r.rPhase)),
      medianSsimAmplitude: median(rs.map((r) => r.ssimAmplitude)),
      medianSsimPhase: median(rs.map((r) => r.ssimPhase)),
      medianSeconds: median(rs.map((r) => r.seconds)),
    };
  });
}

/** One Markdown table: a row per preset and family. */
export function summaryTable(s: QualitySummary[]): string {
  const f = (x: number) => (Number.isFinite(x) ? x.toFixed(2) : '—');
  const head =
    '| preset | family | reconstructs (r ≥ 0.8; plain stitch) | collapsed | r amp min / median | r phase min / median | SSIM amp / phase (median) | s per run |\n|---|---|---|---|---|---|---|---|';
  const body = s.map(
    (x) =>
      `| ${x.preset} | ${x.family} | ${x.reconstructs}/${x.runs}${x.reconstructsPlain === null ? '' : ` (${x.reconstructsPlain}/${x.runs})`} | ${x.collapsed} | ${f(x.minRAmplitude)} / ${f(x.medianRAmplitude)} | ${f(x.minRPhase)} / ${f(x.medianRPhase)} | ${f(x.medianSsimAmplitude)} / ${f(x.medianSsimPhase)} | ${x.medianSeconds.toFixed(0)} |`,
  );
  return [head, ...body].join('\n');
}
