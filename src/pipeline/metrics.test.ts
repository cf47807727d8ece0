import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Rng } from '../numerics/random';
import { frc } from './frc';
import { evaluateReconstruction, pearson, psnr, ssim } from './metrics';

const fx = JSON.parse(
  readFileSync(new URL('../../tests/fixtures/metrics/ssim_psnr.json', import.meta.url), 'utf8'),
) as {
  H: number;
  W: number;
  truth: number[];
  cases: { name: string; image: number[]; ssim: number; psnr: number }[];
};

describe('metrics', () => {
  for (const c of fx.cases) {
    it(`SSIM and PSNR equal scikit-image's on the "${c.name}" image (to 1e-9)`, () => {
      expect(Math.abs(ssim(c.image, fx.truth, fx.W, fx.H) - c.ssim)).toBeLessThan(1e-9);
      expect(Math.abs(psnr(c.image, fx.truth) - c.psnr)).toBeLessThan(1e-9);
    });
  }

  it('FRC of an image with itself is 1 at every ring (no cutoff); of independent noise it crosses the half-bit curve', () => {
    const S = 32;
    const rng = new Rng(3);
    const a = Array.from({ length: S * S }, () => rng.normal());
    const b = Array.from({ length: S * S }, () => rng.normal());
    const same = frc(a, a, S, S);
    expect(same.curve.every((v) => Math.abs(v - 1) < 1e-12)).toBe(true);
    expect(same.resolutionPx).toBeNull();
    const indep = frc(a, b, S, S);
    expect(indep.cutoffFrequency).not.toBeNull();
    // 0.5 threshold variant is flat
    expect(frc(a, b, S, S, 0.5).threshold.every((t) => t === 0.5)).toBe(true);
  });

  it('FRC finds the band limit of shared content: images equal below ring 8, independent above (S = 32)', () => {
    const S = 32,
      R0 = 8;
    const rng = new Rng(5);
    // Real images from random Fourier coefficients: a cosine per frequency with random amplitude and phase.
    const coef = () => Array.from({ length: S * S }, () => [rng.normal(), rng.range(0, 2 * Math.PI)] as const);
    const shared = coef(),
      own1 = coef(),
      own2 = coef();
    const synth = (own: typeof shared) => {
      const img = new Float64Array(S * S);
      for (let v = 0; v < S; v++)
        for (let u = 0; u < S; u++) {
          const fy = v <= S / 2 ? v : v - S,
            fx = u <= S / 2 ? u : u - S;
          const [a, ph] = Math.hypot(fx, fy) < R0 ? shared[v * S + u] : own[v * S + u];
          for (let y = 0; y < S; y++)
            for (let x = 0; x < S; x++) img[y * S + x] += a * Math.cos((2 * Math.PI * (u * x + v * y)) / S + ph);
        }
      return img;
    };
    const r = frc(synth(own1), synth(own2), S, S);
    expect(r.curve[2]).toBeGreaterThan(0.9);
    expect(r.cutoffFrequency! * S).toBeGreaterThanOrEqual(R0 - 1);
    expect(r.cutoffFrequency! * S).toBeLessThanOrEqual(R0 + 1);
    expect(r.resolutionPx).toBeCloseTo(1 / r.cutoffFrequency!, 12);
  });

  it('evaluateReconstruction removes a global phase and amplitude scale, and aligns by the canvas origin', () => {
    const TH = 48,
      TW = 56;
    const rng = new Rng(9);
    const truth = new Float32Array(2 * TH * TW);
    for (let y = 0; y < TH; y++)
      for (let x = 0; x < TW; x++) {
        const a = 0.5 + 0.4 * Math.sin(x / 4) * Math.cos(y / 6) + 0.05 * rng.uniform();
        const p = 1.2 * Math.sin(x / 9 + y / 11);
        truth[2 * (y * TW + x)] = a * Math.cos(p);
        truth[2 * (y * TW + x) + 1] = a * Math.sin(p);
      }
    // Recon canvas 30×34 whose pixel (0,0) is object pixel (10, 7); recon = 2·truth·e^{0.7i} there.
    const RW = 34,
      RH = 30,
      ox = 10,
      oy = 7;
    const recon = new Float32Array(2 * RW * RH);
    const c = Math.cos(0.7),
      s = Math.sin(0.7);
    for (let y = 0; y < RH; y++)
      for (let x = 0; x < RW; x++) {
        const ti = 2 * ((y + oy) * TW + (x + ox));
        const re = truth[ti],
          im = truth[ti + 1];
        recon[2 * (y * RW + x)] = 2 * (re * c - im * s);
        recon[2 * (y * RW + x) + 1] = 2 * (re * s + im * c);
      }
    const m = evaluateReconstruction({ data: recon, width: RW, height: RH }, [ox, oy], {
      data: truth,
      width: TW,
      height: TH,
    });
    expect(m.phaseOffset).toBeCloseTo(-0.7, 6);
    expect(m.amplitudeScale).toBeCloseTo(0.5, 6);
    expect(m.amplitude.ssim).toBeGreaterThan(0.999999);
    expect(m.phase.ssim).toBeGreaterThan(0.999999);
    expect(m.amplitude.psnr).toBeGreaterThan(100);
    // Misaligned origin by one pixel must score clearly lower.
    const bad = evaluateReconstruction({ data: recon, width: RW, height: RH }, [ox + 1, oy], {
      data: truth,
      width: TW,
      height: TH,
    });
    expect(bad.amplitude.ssim).toBeLessThan(0.99);
  });

  /** A 40×40 truth with amplitude and phase ramps (phase near +π on the right), on a canvas at origin [0, 0]. */
  function rampTruth() {
    const S = 40;
    const t = new Float32Array(2 * S * S);
    for (let y = 0; y < S; y++)
      for (let x = 0; x < S; x++) {
        const a = 0.4 + 0.5 * (y / S),
          p = 2 + 1.1 * (x / S);
        t[2 * (y * S + x)] = a * Math.cos(p);
        t[2 * (y * S + x) + 1] = a * Math.sin(p);
      }
    return { S, t };
  }

  it('compares phase on the branch nearest the truth: a small error across ±π is small, not 2π', () => {
    const { S, t } = rampTruth();
    // recon = truth·e^{0.1 i}: pixels near +π wrap to −π; after the global phase fit they match.
    const rec = new Float32Array(t.length);
    for (let i = 0; i < S * S; i++) {
      const c = Math.cos(0.1),
        s = Math.sin(0.1);
      rec[2 * i] = t[2 * i] * c - t[2 * i + 1] * s;
      rec[2 * i + 1] = t[2 * i] * s + t[2 * i + 1] * c;
    }
    const m = evaluateReconstruction({ data: rec, width: S, height: S }, [0, 0], { data: t, width: S, height: S });
    expect(m.phase.r).toBeGreaterThan(0.999999);
    expect(m.amplitude.r).toBeGreaterThan(0.999999);
    expect(m.collapsed).toBe(false);
    expect(m.amplitudeStdRatio).toBeCloseTo(1, 6);
  });

  it('r looks at the well-lit pixels only; a flat amplitude is "collapsed"', () => {
    const { S, t } = rampTruth();
    // Weights: bright inside [8, 32)², dim (5 % of the peak) outside, where the reconstruction is garbage.
    const weights = new Float32Array(S * S);
    const rec = Float32Array.from(t);
    for (let y = 0; y < S; y++)
      for (let x = 0; x < S; x++) {
        const lit = x >= 8 && x < 32 && y >= 8 && y < 32;
        weights[y * S + x] = lit ? 1 : 0.05;
        if (!lit) rec[2 * (y * S + x)] = rec[2 * (y * S + x) + 1] = ((x * 7 + y * 13) % 5) - 2;
      }
    const opts = { weights, weightFraction: 0.1 };
    const truth = { data: t, width: S, height: S };
    const m = evaluateReconstruction({ data: rec, width: S, height: S }, [0, 0], truth, opts);
    expect(m.amplitude.r).toBeGreaterThan(0.999);
    expect(m.phase.r).toBeGreaterThan(0.999);
    // The garbage would count without the weights.
    expect(evaluateReconstruction({ data: rec, width: S, height: S }, [0, 0], truth).amplitude.r).toBeLessThan(0.5);
    // A flat amplitude with the right phase: collapsed, amplitude r that of float32 round-off, phase still right.
    const flat = new Float32Array(t.length);
    for (let i = 0; i < S * S; i++) {
      const p = Math.atan2(t[2 * i + 1], t[2 * i]);
      flat[2 * i] = 0.5 * Math.cos(p);
      flat[2 * i + 1] = 0.5 * Math.sin(p);
    }
    const f = evaluateReconstruction({ data: flat, width: S, height: S }, [0, 0], truth, opts);
    expect(f.collapsed).toBe(true);
    expect(f.amplitudeStdRatio).toBeLessThan(1e-6);
    expect(Math.abs(f.amplitude.r)).toBeLessThan(0.2);
    expect(f.phase.r).toBeGreaterThan(0.999);
  });
});

describe('pearson', () => {
  it('is 1 for an increasing affine map, −1 for a decreasing one, and 0 for an orthogonal pattern', () => {
    const a = [1, 2, 3, 4, 5];
    expect(
      pearson(
        a,
        a.map((v) => 3 * v - 7),
      ),
    ).toBeCloseTo(1, 12);
    expect(
      pearson(
        a,
        a.map((v) => -2 * v),
      ),
    ).toBeCloseTo(-1, 12);
    expect(pearson([1, -1, 1, -1], [1, 1, -1, -1])).toBeCloseTo(0, 12);
  });
});
