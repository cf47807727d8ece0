/** Tests of Adam and gradient clipping (adam.ts) vs a float64 torch.optim.Adam reference. */
import { describe, expect, it } from 'vitest';
import { compare, getTestGpu, randomArray } from '../../testing/gpu';
import { TensorArena } from '../arena';
import { Adam, clipByGlobalNorm, sumOfSquares } from './adam';
import { adamStepRef } from './loss.ref';

describe('Adam and gradient clipping (GPU vs float64 torch.optim.Adam reference)', () => {
  it('5 steps with weight decay and changing gradients match the float64 reference to 1e-6', async () => {
    const gpu = await getTestGpu();
    const n = 300;
    const p0 = randomArray(n, 21);
    const grads = [1, 2, 3, 4, 5].map((s) => randomArray(n, 30 + s, -s, s));
    const o = { lr: 1e-2, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01 };
    const p = gpu.keep(gpu.tensor([n], 'f32', p0));
    const adam = new Adam(gpu, [p], o);
    const pr = Float64Array.from(p0);
    const m = new Float64Array(n);
    const v = new Float64Array(n);
    for (let t = 1; t <= 5; t++) {
      gpu.tidy(() => adam.step([gpu.tensor([n], 'f32', grads[t - 1])]));
      adamStepRef(pr, grads[t - 1], m, v, t, o);
    }
    const got = await gpu.read(p);
    expect(compare(got, pr, { atol: 1e-6, rtol: 1e-6 }, 'params after 5 steps')).toBe('');
    adam.dispose();
    p.dispose();
  });

  it('global norm and clip factor match float64; a clipped step equals the reference with scaled grads', async () => {
    const gpu = await getTestGpu();
    const a = randomArray(5000, 41, -2, 2);
    const b = randomArray(77, 42, -2, 2);
    let ss = 0;
    for (const x of [...a, ...b]) ss += x * x;
    const norm = Math.sqrt(ss);
    const maxNorm = 3;
    const factor = Math.min(1, maxNorm / (norm + 1e-6));
    const [got, sq] = await gpu.tidyAsync(async () => {
      const ta = gpu.tensor([5000], 'f32', a);
      const tb = gpu.tensor([77], 'f32', b);
      return [await gpu.read(clipByGlobalNorm(gpu, [ta, tb], maxNorm)), await gpu.read(sumOfSquares(gpu, [ta, tb]))];
    });
    expect(Math.abs(sq[0] - ss) / ss).toBeLessThan(1e-6);
    expect(Math.abs(got[0] - norm) / norm).toBeLessThan(1e-6);
    expect(Math.abs(got[1] - factor) / factor).toBeLessThan(1e-6);

    const o = { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0 };
    const pa0 = randomArray(5000, 44);
    const p0 = randomArray(77, 43);
    const pa = gpu.keep(gpu.tensor([5000], 'f32', pa0));
    const p = gpu.keep(gpu.tensor([77], 'f32', p0));
    const adam = new Adam(gpu, [pa, p], o);
    gpu.tidy(() => adam.step([gpu.tensor([5000], 'f32', a), gpu.tensor([77], 'f32', b)], maxNorm));
    const pr = Float64Array.from(p0);
    adamStepRef(
      pr,
      Array.from(b, (x) => x * factor),
      new Float64Array(77),
      new Float64Array(77),
      1,
      o,
    );
    expect(compare(await gpu.read(p), pr, { atol: 1e-6, rtol: 1e-6 }, 'clipped step')).toBe('');
    adam.dispose();
    p.dispose();
    pa.dispose();
  });

  it('parameters in an arena: one dispatch per step, clipped over all of them, equal to the float64 reference; gaps stay 0; snapshot/load round-trips', async () => {
    const gpu = await getTestGpu();
    // Sizes that do not fill the alignment, so the arena has gaps between views.
    const shapes = [[3, 5], [1], [7, 2, 3], [130]];
    const arena = new TensorArena(gpu, shapes);
    const sizes = shapes.map((s) => s.reduce((x, y) => x * y, 1));
    const p0 = sizes.map((n, i) => randomArray(n, 50 + i));
    arena.views.forEach((t, i) => gpu.upload(t, p0[i]));
    const o = { lr: 1e-2, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01 };
    const adam = new Adam(gpu, arena.views, o, arena);
    const pr = p0.map((x) => Float64Array.from(x));
    const m = sizes.map((n) => new Float64Array(n));
    const v = sizes.map((n) => new Float64Array(n));
    const maxNorm = 2;
    let dispatches = 0;
    for (let t = 1; t <= 4; t++) {
      const g = sizes.map((n, i) => randomArray(n, 100 * t + i, -t, t));
      let ss = 0;
      for (const gi of g) for (const x of gi) ss += x * x;
      const f = Math.min(1, maxNorm / (Math.sqrt(ss) + 1e-6));
      const d0 = gpu.dispatches;
      gpu.tidy(() =>
        adam.step(
          g.map((gi, i) => gpu.tensor(shapes[i], 'f32', gi)),
          t % 2 ? maxNorm : undefined,
        ),
      );
      if (t === 2) dispatches = gpu.dispatches - d0;
      g.forEach((gi, i) => adamStepRef(pr[i], t % 2 ? Array.from(gi, (x) => x * f) : gi, m[i], v[i], t, o));
    }
    expect(dispatches).toBe(1);
    for (let i = 0; i < sizes.length; i++)
      expect(compare(await gpu.read(arena.views[i]), pr[i], { atol: 1e-6, rtol: 1e-6 }, `parameter ${i}`)).toBe('');
    const flat = await gpu.read(arena.base);
    const inView = new Uint8Array(flat.length);
    arena.layout.offsets.forEach((off, i) => inView.fill(1, off, off + sizes[i]));
    expect(flat.every((x, j) => inView[j] || x === 0)).toBe(true);
    const snap = await adam.snapshot();
    expect(compare(snap.m[2], m[2], { atol: 1e-6, rtol: 1e-5 }, 'first moment')).toBe('');
    const other = new Adam(gpu, arena.views, o, arena);
    other.load(snap);
    const again = await other.snapshot();
    snap.v.forEach((x, i) => expect(Array.from(again.v[i])).toEqual(Array.from(x)));
    expect(() => new Adam(gpu, arena.views.slice(1), o, arena)).toThrow(/arena/);
    other.dispose();
    adam.dispose();
    arena.dispose();
  });
});
