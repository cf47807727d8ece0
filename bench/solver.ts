/**
 * The iterative solver's speed and quality on the benchmark scan (src/solver/solver.ts): N 64, 512 patterns, 1e6
 * photons (the quality benchmark's n64-dose-1e6 family, seed 1), 30 iterations, default options; the float64
 * CPU ePIE of bench/quality/epie.ts on the same scan and iterations as this machine's CPU anchor.
 */
import { Gpu } from '../src/gpu/runtime';
import { toRawData } from '../src/pipeline/contract';
import { evaluateReconstruction } from '../src/pipeline/metrics';
import { PtychoSolver } from '../src/solver/solver';
import { epie, epieMetrics } from './quality/epie';
import { scanFamilies, simulateFamily } from './quality/families';

export interface SolverBench {
  scan: string;
  N: number;
  patterns: number;
  iterations: number;
  /** Wall time of the iterations (after upload and the start's scaling pass). */
  seconds: number;
  /** Including the upload and the start (what a user waits for). */
  total_seconds: number;
  pattern_iterations_per_second: number;
  amplitude: { r: number; ssim: number };
  phase: { r: number; ssim: number };
  cpu_epie?: { seconds: number; pattern_iterations_per_second: number; amplitude_ssim: number; phase_ssim: number };
}

export async function benchSolver(
  gpu: Gpu,
  o: { iterations?: number; cpu?: boolean; family?: string } = {},
  log: (s: string) => void = () => {},
): Promise<SolverBench> {
  const name = o.family ?? 'n64-dose-1e6';
  const f = scanFamilies().find((x) => x.name === name);
  if (!f) throw new Error(`--solver: unknown family ${name}`);
  const raw = toRawData(simulateFamily(f, 1));
  const iterations = o.iterations ?? 30;
  const t0 = performance.now();
  const s = new PtychoSolver(
    gpu,
    {
      N: raw.N,
      diffraction: raw.diffraction.data as Float32Array,
      probe: raw.probeGuess.data as Float32Array,
      x: raw.xcoords,
      y: raw.ycoords,
    },
    { iterations },
  );
  try {
    await s.initialise();
    const t1 = performance.now();
    const r = await s.run();
    const t2 = performance.now();
    const [H, W] = raw.objectGuess!.shape;
    const m = evaluateReconstruction(
      { data: r.image.object, width: r.image.width, height: r.image.height },
      r.image.origin,
      { data: raw.objectGuess!.data as Float32Array, width: W, height: H },
      { weights: r.image.weights },
    );
    const seconds = (t2 - t1) / 1000;
    const out: SolverBench = {
      scan: `${name} seed 1`,
      N: raw.N,
      patterns: raw.nPatterns,
      iterations,
      seconds: +seconds.toFixed(3),
      total_seconds: +((t2 - t0) / 1000).toFixed(3),
      pattern_iterations_per_second: Math.round((raw.nPatterns * iterations) / seconds),
      amplitude: { r: +m.amplitude.r.toFixed(4), ssim: +m.amplitude.ssim.toFixed(4) },
      phase: { r: +m.phase.r.toFixed(4), ssim: +m.phase.ssim.toFixed(4) },
    };
    log(
      `solver: ${name}, ${raw.nPatterns} patterns × ${iterations} iterations in ${seconds.toFixed(2)} s (${out.total_seconds.toFixed(2)} s with upload and start) = ${out.pattern_iterations_per_second} pattern·iterations/s; SSIM amplitude ${out.amplitude.ssim}, phase ${out.phase.ssim}`,
    );
    if (o.cpu !== false) {
      const e = epie(raw, { iterations });
      const em = epieMetrics(raw, e);
      out.cpu_epie = {
        seconds: +e.seconds.toFixed(3),
        pattern_iterations_per_second: Math.round((raw.nPatterns * iterations) / e.seconds),
        amplitude_ssim: +em.amplitude.ssim.toFixed(4),
        phase_ssim: +em.phase.ssim.toFixed(4),
      };
      log(
        `  CPU anchor: float64 ePIE (one core, JavaScript) ${e.seconds.toFixed(2)} s = ${out.cpu_epie.pattern_iterations_per_second} pattern·iterations/s; SSIM ${out.cpu_epie.amplitude_ssim} / ${out.cpu_epie.phase_ssim}`,
      );
    }
    return out;
  } finally {
    s.dispose();
  }
}
