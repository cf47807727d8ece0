import type { MetricsSummary } from '../api/types';

/** The amplitude and phase metrics lines `reconstruct` and `solve` print (r, SSIM, PSNR, FRC). */
export function metricsLines(m: MetricsSummary): string[] {
  const line = (name: string, q: MetricsSummary['amplitude']) =>
    `${name} r ${q.r?.toFixed(4) ?? 'n/a'}, SSIM ${q.ssim.toFixed(4)}, PSNR ${q.psnr.toFixed(2)} dB, FRC(${m.frcThreshold}) ${q.frcResolutionPx?.toFixed(2) ?? 'n/a'} px`;
  return [line('amplitude:', m.amplitude), line('phase:    ', m.phase)];
}
