/**
 * WGSL generator for the direct conv2d of software adapters (src/gpu/ops/conv2dDirect.ts): fully unrolled
 * forward and weight-gradient entry points for one kernel size K and block shape (PX pixels × OC channels).
 */
/**
 * The store epilogue of both kernels: for each output channel o = 4q + l of the block (lane l of the vec4
 * accumulators of quad q), the lines `store` emits, guarded by o0 + o < u.Cout (the last block's spare channels).
 */
function eachChannel(e: (s: string) => void, Q: number, store: (o: number, q: number, l: number) => void): void {
  for (let q = 0; q < Q; q++) {
    for (let l = 0; l < 4; l++) {
      const o = q * 4 + l;
      e(`  if (o0 + ${o}u < u.Cout) {`);
      store(o, q, l);
      e('  }');
    }
  }
}

/** What both generators need: the sizes, derived counts and the line emitter. */
interface Gen {
  K: number;
  PX: number;
  /** Padding (K − 1)/2, input columns per block PX + K − 1, vec4 quads of output channels, taps K². */
  P: number;
  NX: number;
  Q: number;
  KK: number;
  e: (s: string) => void;
}

/** `fwd_u` / `fwd_u_bias`: the same straight-line body, the epilogue with or without the bias. */
function emitForward({ K, PX, P, NX, Q, e }: Gen, hasBias: boolean): void {
  e('@compute @workgroup_size(WG)');
  e(
    `fn ${hasBias ? 'fwd_u_bias' : 'fwd_u'}(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {`,
  );
  e('  let i = global_index(gid, nwg);');
  e('  let nXB = (u.W + PX - 1u) / PX; let nOB = (u.Cout + OC - 1u) / OC;');
  e('  if (i >= u.B * nOB * u.H * nXB) { return; }');
  e('  let xb = i % nXB; var r = i / nXB; let y = r % u.H; r = r / u.H; let ob = r % nOB; let b = r / nOB;');
  e('  let x0 = xb * PX; let o0 = ob * OC; let Wi = i32(u.W); let Hm = i32(u.H) - 1; let HW = u.H * u.W;');
  e('  let CQ = u.CP / 4u;');
  for (let ky = 0; ky < K; ky++) {
    e(
      `  let iy${ky} = i32(y) + ${ky - P}; let ro${ky} = clamp(iy${ky}, 0, Hm) * Wi; let rm${ky} = select(0.0, 1.0, iy${ky} >= 0 && iy${ky} <= Hm);`,
    );
  }
  for (let j = 0; j < NX; j++) {
    e(
      `  let ix${j} = i32(x0) + ${j - P}; let co${j} = clamp(ix${j}, 0, Wi - 1); let cm${j} = select(0.0, 1.0, ix${j} >= 0 && ix${j} < Wi);`,
    );
  }
  for (let p = 0; p < PX; p++) for (let q = 0; q < Q; q++) e(`  var a${p}_${q} = vec4<f32>(0.0);`);
  e('  for (var c = 0u; c < u.Cin; c++) {');
  e('    let xb0 = i32((b * u.Cin + c) * HW); let wb = c * KK * CQ + ob * OC / 4u;');
  for (let ky = 0; ky < K; ky++) {
    e('    {');
    e(`      let rb = xb0 + ro${ky};`);
    for (let j = 0; j < NX; j++) e(`      let x${j} = vec4<f32>(X[rb + co${j}] * (cm${j} * rm${ky}));`);
    for (let kx = 0; kx < K; kx++) {
      const t = ky * K + kx;
      for (let q = 0; q < Q; q++) {
        e(`      let w${kx}_${q} = W4[wb + ${t}u * CQ + ${q}u];`);
        for (let p = 0; p < PX; p++) e(`      a${p}_${q} = fma(x${p + kx}, w${kx}_${q}, a${p}_${q});`);
      }
    }
    e('    }');
  }
  e('  }');
  e('  let relu = (u.flags & 1u) != 0u;');
  eachChannel(e, Q, (o, q, l) => {
    e(
      `    let n = o0 + ${o}u; let bv = ${hasBias ? 'bias[n]' : '0.0'}; let ob0 = ((b * u.Cout + n) * u.H + y) * u.W + x0;`,
    );
    for (let p = 0; p < PX; p++) {
      e(
        `    if (x0 + ${p}u < u.W) { var v = a${p}_${q}[${l}] + bv; if (relu) { v = max(v, 0.0); } out[ob0 + ${p}u] = v; }`,
      );
    }
  });
  e('}');
}

/** `wgrad_u`: invocation (s, ob, c), vec4 accumulators over quads of output channels per tap. */
function emitWeightGrad({ K, PX, P, NX, Q, KK, e }: Gen): void {
  const OC = 4 * Q;
  e('@compute @workgroup_size(WG)');
  e('fn wgrad_u(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {');
  e('  let i = global_index(gid, nwg);');
  e('  let nOB = (u.Cout + OC - 1u) / OC; let per = nOB * u.Cin;');
  e('  if (i >= u.splits * per) { return; }');
  e('  let s = i / per; let rem = i % per; let c = rem % u.Cin; let ob = rem / u.Cin; let o0 = ob * OC;');
  e('  let Wi = i32(u.W); let Hm = i32(u.H) - 1; let HW = u.H * u.W;');
  for (let o = 0; o < OC; o++) e(`  let go${o} = min(o0 + ${o}u, u.Cout - 1u) * HW;`);
  for (let t = 0; t < KK; t++) for (let q = 0; q < Q; q++) e(`  var a${t}_${q} = vec4<f32>(0.0);`);
  e('  let r0 = s * u.rows; let r1 = min(r0 + u.rows, u.B * u.H);');
  e('  for (var r = r0; r < r1; r++) {');
  e(
    '    let b = r / u.H; let y = r % u.H; let gBase = b * u.Cout * HW + y * u.W; let xb0 = i32((b * u.Cin + c) * HW);',
  );
  for (let ky = 0; ky < K; ky++) {
    e(
      `    let iy${ky} = i32(y) + ${ky - P}; let ro${ky} = xb0 + clamp(iy${ky}, 0, Hm) * Wi; let rm${ky} = select(0.0, 1.0, iy${ky} >= 0 && iy${ky} <= Hm);`,
    );
  }
  e('    for (var x0 = 0u; x0 < u.W; x0 += PX) {');
  for (let p = 0; p < PX; p++) {
    e(`      let gx${p} = min(x0 + ${p}u, u.W - 1u) + gBase; let gm${p} = select(0.0, 1.0, x0 + ${p}u < u.W);`);
    for (let q = 0; q < Q; q++) {
      const ld = [0, 1, 2, 3].map((l) => `G[gx${p} + go${q * 4 + l}]`).join(', ');
      e(`      let g${p}_${q} = vec4<f32>(${ld}) * gm${p};`);
    }
  }
  for (let j = 0; j < NX; j++) {
    e(
      `      let ix${j} = i32(x0) + ${j - P}; let co${j} = clamp(ix${j}, 0, Wi - 1); let cm${j} = select(0.0, 1.0, ix${j} >= 0 && ix${j} < Wi);`,
    );
  }
  for (let ky = 0; ky < K; ky++) {
    e('      {');
    for (let j = 0; j < NX; j++) e(`        let x${j} = X[ro${ky} + co${j}] * (cm${j} * rm${ky});`);
    for (let kx = 0; kx < K; kx++) {
      const t = ky * K + kx;
      for (let q = 0; q < Q; q++)
        for (let p = 0; p < PX; p++) e(`        a${t}_${q} = fma(g${p}_${q}, vec4<f32>(x${p + kx}), a${t}_${q});`);
    }
    e('      }');
  }
  e('    }');
  e('  }');
  eachChannel(e, Q, (o, q, l) => {
    e(`    let base = s * u.n + ((o0 + ${o}u) * u.Cin + c) * KK;`);
    for (let t = 0; t < KK; t++) e(`    out[base + ${t}u] = a${t}_${q}[${l}];`);
  });
  e('}');
}

/**
 * Fully unrolled variants (SwiftShader's Subzero backend neither unrolls loops nor keeps small local arrays in
 * registers): generated straight-line WGSL with scalar/vec4 locals for a given K, PX, OC (OC a multiple of 4),
 * appended to conv2d_direct.wgsl. Only the loop over input channels (forward) or image rows (weight grad) remains.
 * `fwd_u` (and `fwd_u_bias`, the same plus the bias) reads the weight packed by `pack_w` as vec4 quads of output
 * channels; `wgrad_u` accumulates vec4 quads of output channels per tap.
 */
export function generateUnrolled(K: number, PX: number, OC: number): string {
  if (OC % 4 !== 0) throw new Error(`conv2dDirect: unrolled kernels need OC % 4 == 0, got ${OC}`);
  const L: string[] = [];
  const gen: Gen = { K, PX, P: (K - 1) / 2, NX: PX + K - 1, Q: OC / 4, KK: K * K, e: (s) => L.push(s) };
  gen.e('@group(0) @binding(7) var<storage, read> W4: array<vec4<f32>>;');
  for (const hasBias of [false, true]) emitForward(gen, hasBias);
  emitWeightGrad(gen);
  return L.join('\n');
}
