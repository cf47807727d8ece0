/** Float64 references: naive 2-D DFT (O(N⁴)) over the last two axes of interleaved complex data, and fftshift. */

/** exp(∓2πik/N) for k < N (− forward, + inverse) as float64 cos and sin tables. */
function twiddlesRef(N: number, inverse: boolean): { cos: Float64Array; sin: Float64Array } {
  const sgn = inverse ? 1 : -1;
  const cos = new Float64Array(N);
  const sin = new Float64Array(N);
  for (let k = 0; k < N; k++) {
    cos[k] = Math.cos((2 * Math.PI * k) / N);
    sin[k] = sgn * Math.sin((2 * Math.PI * k) / N);
  }
  return { cos, sin };
}

export function dft2Ref(x: ArrayLike<number>, N: number, inverse = false): Float64Array {
  const images = x.length / (2 * N * N);
  const out = new Float64Array(x.length);
  const { cos, sin } = twiddlesRef(N, inverse);
  const scale = inverse ? 1 / (N * N) : 1;
  for (let b = 0; b < images; b++) {
    const o = b * 2 * N * N;
    for (let u = 0; u < N; u++)
      for (let v = 0; v < N; v++) {
        let re = 0;
        let im = 0;
        for (let r = 0; r < N; r++)
          for (let c = 0; c < N; c++) {
            const k = (u * r + v * c) % N;
            const xr = x[o + 2 * (r * N + c)];
            const xi = x[o + 2 * (r * N + c) + 1];
            re += xr * cos[k] - xi * sin[k];
            im += xr * sin[k] + xi * cos[k];
          }
        out[o + 2 * (u * N + v)] = re * scale;
        out[o + 2 * (u * N + v) + 1] = im * scale;
      }
  }
  return out;
}

/** Separable float64 DFT (O(N³) per image) — fast enough for N = 128, 256 references. */
export function dft2SeparableRef(x: ArrayLike<number>, N: number, inverse = false): Float64Array {
  const images = x.length / (2 * N * N);
  const { cos, sin } = twiddlesRef(N, inverse);
  const out = Float64Array.from(x as ArrayLike<number>);
  const tmp = new Float64Array(2 * N);
  const pass = (base: number, stride: number) => {
    for (let u = 0; u < N; u++) {
      let re = 0;
      let im = 0;
      for (let j = 0; j < N; j++) {
        const k = (u * j) % N;
        const xr = out[base + 2 * j * stride];
        const xi = out[base + 2 * j * stride + 1];
        re += xr * cos[k] - xi * sin[k];
        im += xr * sin[k] + xi * cos[k];
      }
      tmp[2 * u] = re;
      tmp[2 * u + 1] = im;
    }
    for (let u = 0; u < N; u++) {
      out[base + 2 * u * stride] = tmp[2 * u];
      out[base + 2 * u * stride + 1] = tmp[2 * u + 1];
    }
  };
  for (let b = 0; b < images; b++) {
    const o = b * 2 * N * N;
    for (let r = 0; r < N; r++) pass(o + 2 * r * N, 1);
    for (let c = 0; c < N; c++) pass(o + 2 * c, N);
  }
  if (inverse) for (let i = 0; i < out.length; i++) out[i] /= N * N;
  return out;
}

/** fftshift of the last two axes; comps = 1 (real) or 2 (interleaved complex). */
export function fftshift2Ref(x: ArrayLike<number>, H: number, W: number, comps: number): Float64Array {
  const out = new Float64Array(x.length);
  const plane = H * W;
  const images = x.length / (plane * comps);
  const sh = Math.floor(H / 2);
  const sw = Math.floor(W / 2);
  for (let b = 0; b < images; b++)
    for (let r = 0; r < H; r++)
      for (let c = 0; c < W; c++) {
        const i = b * plane + r * W + c;
        const j = b * plane + ((r + sh) % H) * W + ((c + sw) % W);
        for (let k = 0; k < comps; k++) out[j * comps + k] = x[i * comps + k];
      }
  return out;
}

/** A = fftshift(|DFT ψ|)/N (float64). */
export function padAndDiffractRef(psi: ArrayLike<number>, N: number): Float64Array {
  const F = dft2SeparableRef(psi, N);
  const A = new Float64Array(F.length / 2);
  for (let i = 0; i < A.length; i++) A[i] = Math.hypot(F[2 * i], F[2 * i + 1]) / N;
  return fftshift2Ref(A, N, N, 1);
}
