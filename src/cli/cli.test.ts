import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { readNpz } from '../pipeline/npz';
import { main } from './main';
import { memIO } from '../testing/memIO';

describe('ptychopinn CLI (in process)', () => {
  it('inspect --json summarises the bundled example: N, pattern count, verdict, ranges', async () => {
    const m = memIO();
    expect(await main(['inspect', 'public/fixtures/lines-n32.npz', '--json'], m.io)).toBe(0);
    const s = JSON.parse(m.out.join(''));
    expect([s.N, s.nPatterns, s.verdict, s.hasObjectGuess, s.nphotons]).toEqual([32, 256, 'amplitude', true, 1e9]);
    expect(s.coordRanges.x[0]).toBeGreaterThanOrEqual(16);
    expect(s.coordRanges.x[1]).toBeLessThan(80);
  });

  it('inspect exits 2 with the contract message on an invalid file', async () => {
    const bad = (await import('../pipeline/npz')).writeNpz({
      xcoords: { dtype: 'f32', shape: [3], data: new Float32Array(3) },
    });
    const m = memIO({ 'bad.npz': bad });
    expect(await main(['inspect', 'bad.npz'], m.io)).toBe(2);
    expect(m.err.join('\n')).toMatch(/error: bad\.npz: required key "ycoords" is missing[\s\S]*hint:/);
  });

  it('simulate → group round trip: shapes, scales and the written keys', async () => {
    const m = memIO();
    expect(
      await main(
        [
          'simulate',
          '--out',
          's.npz',
          '--N',
          '16',
          '--n-images',
          '24',
          '--object-size',
          '48',
          '--noise',
          'none',
          '--seed',
          '3',
          '--json',
        ],
        m.io,
      ),
    ).toBe(0);
    const sim = readNpz(m.fs.get('s.npz')!);
    expect(sim.diff3d.shape).toEqual([24, 16, 16]);
    expect(sim.xcoords.dtype).toBe('f64');
    expect(
      await main(
        ['group', 's.npz', '--out', 'g.npz', '--gridsize', '2', '--K', '6', '--n-groups', '10', '--json'],
        m.io,
      ),
    ).toBe(0);
    const g = readNpz(m.fs.get('g.npz')!);
    expect(g.nn_indices.shape).toEqual([10, 4]);
    expect(g.coords_relative.shape).toEqual([10, 4, 1, 2]);
    expect(g.X_full.shape).toEqual([10, 4, 16, 16]);
    let e = 0;
    for (const v of g.X_full.data as Float32Array) e += v * v;
    expect(e / 40).toBeCloseTo(64, 2); // (N/2)² per pattern after normalisation
    expect(g.physics_scaling_constant.data[0]).toBeCloseTo(Math.sqrt(1e9) / 8, 0);
  });

  it('unknown options and commands exit 2 naming the valid ones', async () => {
    const m = memIO();
    expect(await main(['simulate', '--out', 'x.npz', '--bogus', '1'], m.io)).toBe(2);
    expect(m.err.join()).toMatch(/unknown option --bogus[\s\S]*--n-images/);
    expect(await main(['frobnicate'], m.io)).toBe(2);
    expect(await main(['group', 's.npz', '--out', 'g.npz', '--K', 'seven'], m.io)).toBe(2);
    expect(m.err.join()).toMatch(/--K expects an integer/);
  });

  it('simulate refuses bad numeric flags with exit 2, naming the flag and the value (no RangeError)', async () => {
    const cases: [string[], RegExp][] = [
      [['--nphotons', '-5'], /--nphotons -5 must be > 0/],
      [['--nphotons', '0'], /--nphotons 0 must be > 0/],
      [['--n-images', '1'], /--n-images 1 must be ≥ 2/],
      [['--N', '20'], /--N 20 is not a supported pattern size/],
      [['--N', '16', '--object-size', '12'], /--object-size 12 is too small for 16×16/],
      [['--grid-step', '0', '--scan', 'grid'], /--grid-step 0 must be > 0/],
      [
        ['--N', '16', '--object-size', '18', '--scan', 'grid', '--grid-step', '4'],
        /--object-size 18 with --grid-step 4 .* single grid position/,
      ],
    ];
    for (const [flags, msg] of cases) {
      const m = memIO();
      expect(await main(['simulate', '--out', 'x.npz', ...flags], m.io)).toBe(2);
      expect(m.err.join('\n')).toMatch(msg);
      expect(m.err.join('\n')).toMatch(/hint: /);
      expect(m.err.join('\n')).not.toMatch(/internal error|RangeError/);
      expect(m.fs.has('x.npz')).toBe(false);
    }
  });

  it('group refuses what train refuses (--K 0, --n-groups 0) with exit 2 naming the field, and writes nothing', async () => {
    for (const [flags, field] of [
      [['--K', '0'], 'neighbor_count'],
      [['--n-groups', '0'], 'n_groups'],
    ] as const) {
      const m = memIO();
      expect(await main(['group', 'public/fixtures/lines-n32.npz', '--out', 'g.npz', ...flags], m.io)).toBe(2);
      expect(m.err.join('\n')).toMatch(new RegExp(`'${field}' has invalid value 0`));
      expect(m.fs.has('g.npz')).toBe(false);
    }
  });

  it('inspect refuses scans that cannot train (all-zero diff3d, one position, zero probe), exit 2 naming the key', async () => {
    const { writeNpz } = await import('../pipeline/npz');
    const N = 4;
    const f = (n: number, d: number, p: number) =>
      writeNpz({
        xcoords: { dtype: 'f64', shape: [n], data: Float64Array.from({ length: n }, (_, i) => i) },
        ycoords: { dtype: 'f64', shape: [n], data: new Float64Array(n) },
        diff3d: { dtype: 'f32', shape: [n, N, N], data: new Float32Array(n * N * N).fill(d) },
        probeGuess: { dtype: 'f32', shape: [N, N], data: new Float32Array(N * N).fill(p) },
      });
    const m = memIO({ 'zero.npz': f(3, 0, 1), 'one.npz': f(1, 1, 1), 'noprobe.npz': f(3, 1, 0) });
    expect(await main(['inspect', 'zero.npz'], m.io)).toBe(2);
    expect(await main(['inspect', 'one.npz'], m.io)).toBe(2);
    expect(await main(['inspect', 'noprobe.npz'], m.io)).toBe(2);
    const e = m.err.join('\n');
    expect(e).toMatch(/zero\.npz: key "diff3d" \(3, 4, 4\) is all zeros/);
    expect(e).toMatch(/one\.npz: "xcoords"\/"ycoords" hold 1 scan position/);
    expect(e).toMatch(/noprobe\.npz: key "probeGuess" \(4, 4\) is all zeros/);
    expect(e).not.toMatch(/Infinity|NaN/);
    expect(m.out.join('')).toBe('');
  });

  it('identical scan positions: inspect warns (text, --json); group warns the same way and still groups', async () => {
    const { writeNpz } = await import('../pipeline/npz');
    const size = (s: number[]) => s.reduce((a, b) => a * b);
    const f32 = (s: number[]) => ({ dtype: 'f32' as const, shape: s, data: new Float32Array(size(s)).fill(1) });
    const f64 = (v: number) => ({ dtype: 'f64' as const, shape: [8], data: new Float64Array(8).fill(v) });
    const same = writeNpz({ xcoords: f64(20), ycoords: f64(30), diff3d: f32([8, 4, 4]), probeGuess: f32([4, 4]) });
    const w = /all 8 scan positions are identical \("xcoords" = 20, "ycoords" = 30\)/;
    const warned = (m: ReturnType<typeof memIO>) => JSON.parse(m.out.join('')).warnings.some((s: string) => w.test(s));
    const grouped = ['group', 'same.npz', '--out', 'g.npz', '--gridsize', '2', '--n-groups', '4'];
    const lines = ['inspect', 'public/fixtures/lines-n32.npz', '--json'];
    const ms = [['inspect', 'same.npz'], ['inspect', 'same.npz', '--json'], grouped, [...grouped, '--json'], lines];
    const [text, json, g, gj, distinct] = ms.map(() => memIO({ 'same.npz': same }));
    for (const [i, m] of [text, json, g, gj, distinct].entries()) expect(await main(ms[i], m.io)).toBe(0);
    const seen = [w.test(text.out.join('\n')), warned(json), warned(gj), warned(distinct)];
    expect(seen).toEqual([true, true, true, false]); // no such warning for distinct positions
    expect(g.err.join('\n')).toMatch(new RegExp(`warning: ${w.source}`));
    expect(readNpz(g.fs.get('g.npz')!).X_full.shape).toEqual([4, 4, 4, 4]);
  });

  it('train --preset small: the preset over the scan (gridsize 2, He init, probe_scale from the scan), --config and --epochs override it (GPU)', async () => {
    const { writeNpz } = await import('../pipeline/npz');
    const { linesScan } = await import('../testing/fixtures');
    const { readModelArchive } = await import('../pipeline/archive/modelArchive');
    const { PRESETS } = await import('../config/presets');
    const { probeScaleForLevel } = await import('../config/amplitudeLevel');
    const scan = linesScan({ nImages: 24, objectSize: 64, seed: 5 });
    const cfg = { n_groups: 8, validation_fraction: 0.25 };
    const m = memIO({ 'scan.npz': writeNpz(scan), 'cfg.json': new TextEncoder().encode(JSON.stringify(cfg)) });
    const args = ['train', 'scan.npz', '--preset', 'small', '--config', 'cfg.json', '--epochs', '1', '--seed', '3'];
    expect(await main([...args, '--out', 'model.zip', '--json'], m.io), m.err.join('\n')).toBe(0);
    const { model, training } = readModelArchive(m.fs.get('model.zip')!, 'model.zip').config;
    const small = PRESETS.small.settings;
    expect(model).toMatchObject({ ...small.model, N: 32 });
    expect(training).toMatchObject({ batch_size: small.batch_size, learning_rate: small.learning_rate });
    expect(training).toMatchObject({ n_groups: 8, validation_fraction: 0.25, nepochs: 1, seed: 3 });
    const level = probeScaleForLevel(scan.probeGuess.data as Float32Array, 32, small.model!.amplitude_level!);
    expect(model.probe_scale as number).toBeCloseTo(level, 5);
    expect(level).not.toBeCloseTo(4, 1); // the table's probe_scale would not pass
  });

  it('reconstruct --product writes a Ptychodus NPZ product: the scan positions, probeGuess, object and the loss history (GPU)', async () => {
    const { writeNpz } = await import('../pipeline/npz');
    const { CI_MODEL, linesScan } = await import('../testing/fixtures');
    const { readPtychodusProduct } = await import('../pipeline/product');
    const scan = linesScan({ nImages: 12, objectSize: 64, seed: 4 });
    const cfg = {
      nepochs: 2,
      batch_size: 4,
      n_groups: 8,
      validation_fraction: 0.25,
      seed: 9,
      model: CI_MODEL,
    };
    const m = memIO({ 'scan.npz': writeNpz(scan), 'cfg.json': new TextEncoder().encode(JSON.stringify(cfg)) });
    expect(
      await main(['train', 'scan.npz', '--config', 'cfg.json', '--out', 'model.zip', '--json'], m.io),
      m.err.join('\n'),
    ).toBe(0);
    expect(
      await main(
        ['reconstruct', 'scan.npz', '--model', 'model.zip', '--out', 'recon.npz', '--product', 'prod.npz', '--json'],
        m.io,
      ),
      m.err.join('\n'),
    ).toBe(0);
    const summary = JSON.parse(m.out[m.out.length - 1]);
    expect(summary.product).toBe('prod.npz');
    const recon = readNpz(m.fs.get('recon.npz')!);
    // The groups' phases were aligned (one group per scan position) and the NPZ says what was kept.
    expect(summary.phaseAlignment).toMatchObject({ groups: 12 });
    expect([0, 0.5, 1]).toContain(summary.phaseAlignment.kept);
    expect(JSON.parse(recon.phase_alignment.text!)).toEqual(summary.phaseAlignment);
    const plain = memIO({ 'scan.npz': m.fs.get('scan.npz')!, 'model.zip': m.fs.get('model.zip')! });
    expect(
      await main(
        ['reconstruct', 'scan.npz', '--model', 'model.zip', '--out', 'p.npz', '--align-phases', 'off'],
        plain.io,
      ),
      plain.err.join('\n'),
    ).toBe(0);
    expect(plain.out.join('\n')).not.toMatch(/group phases/);
    expect(await main(['reconstruct', 'scan.npz', '--model', 'model.zip', '--out', 'a.npz'], plain.io)).toBe(0);
    expect(plain.out.join('\n')).toMatch(
      /group phases: 12 groups aligned by their overlaps \(rms correction [\d.]+ rad\)/,
    );
    expect(readNpz(plain.fs.get('p.npz')!).phase_alignment).toBeUndefined();
    const p = readPtychodusProduct(m.fs.get('prod.npz')!, 'prod.npz');
    expect([p.height, p.width]).toEqual(recon.object.shape);
    expect(Array.from(p.object)).toEqual(Array.from(recon.object.data));
    expect(p.origin).toEqual(Array.from(recon.origin.data));
    expect(p.N).toBe(32);
    expect(Array.from(p.probe)).toEqual(Array.from(scan.probeGuess.data));
    expect(Array.from(p.positionsX)).toEqual(Array.from(scan.xcoords.data));
    expect(Array.from(p.positionsY)).toEqual(Array.from(scan.ycoords.data));
    expect(p.pixelSizeM).toEqual({ x: 1, y: 1 }); // the simulated scan's _metadata gives no pixel size
    expect(p.loss?.epochs).toEqual([0, 1]);
    expect(p.loss?.values.every((v) => Number.isFinite(v) && v > 0)).toBe(true);
    expect(p.name).toBe('scan.npz');

    // The product read back as the start of a new dataset: its object, probe and positions (canvas pixels).
    expect(
      await main(['simulate', '--product', 'prod.npz', '--out', 'again.npz', '--noise', 'none', '--json'], m.io),
      m.err.join('\n'),
    ).toBe(0);
    const again = readNpz(m.fs.get('again.npz')!);
    expect(again.objectGuess.shape).toEqual([p.height, p.width]);
    expect(Array.from(again.objectGuess.data)).toEqual(Array.from(p.object));
    // The same probe up to the simulation's intensity normalisation (one real factor).
    const q = again.probeGuess.data as Float32Array;
    const k = Math.max(...q.map(Math.abs)) / Math.max(...p.probe.map(Math.abs));
    expect(Math.max(...q.map((v, i) => Math.abs(v - k * p.probe[i])))).toBeLessThan(
      1e-6 * Math.max(...q.map(Math.abs)),
    );
    expect(Array.from(again.xcoords.data)).toEqual(Array.from(p.positionsX, (x) => x - p.origin[0]));
    expect(Array.from(again.ycoords.data)).toEqual(Array.from(p.positionsY, (y) => y - p.origin[1]));
    expect(again.diff3d.shape).toEqual([p.positionsX.length, 32, 32]);
    // Refine after PtychoPINN: the solver starts from this model's stitched object.
    expect(
      await main(
        ['solve', 'scan.npz', '--init', 'model.zip', '--iterations', '3', '--out', 'refined.npz', '--json'],
        m.io,
      ),
      m.err.join('\n'),
    ).toBe(0);
    expect(JSON.parse(m.out[m.out.length - 1]).solver).toMatchObject({ init: 'model', iterations: 3 });
    const clash = memIO({ 'prod.npz': m.fs.get('prod.npz')! });
    expect(await main(['simulate', '--product', 'prod.npz', '--object', 'grf', '--out', 'x.npz'], clash.io)).toBe(2);
    expect(clash.err.join('\n')).toMatch(/--product gives the object, probe and positions: drop --object/);
  }, 300_000);

  it('solve: the iterative solver reconstructs a scan without a model; refined probe and positions in the NPZ and the product (GPU)', async () => {
    const { writeNpz } = await import('../pipeline/npz');
    const { linesScan } = await import('../testing/fixtures');
    const { readPtychodusProduct } = await import('../pipeline/product');
    const scan = linesScan({ nImages: 48, objectSize: 64, seed: 4 });
    const m = memIO({ 'scan.npz': writeNpz(scan) });
    expect(await main(['solve', 'scan.npz', '--out', 'r.npz', '--json'], m.io), m.err.join('\n')).toBe(0);
    const summary = JSON.parse(m.out[m.out.length - 1]);
    expect(summary.solver).toMatchObject({
      init: 'flat',
      iterations: 30,
      refinedProbe: false,
      refinedPositions: false,
    });
    expect(summary.metrics.amplitude.r).toBeGreaterThan(0.95);
    expect(summary.metrics.phase.r).toBeGreaterThan(0.95);
    // A progress line per iteration on stderr: iteration, error, ETA.
    expect(m.err.filter((l) => /^iteration \d+\/30 error \d\.\d+e[-+]\d+ .*ETA/.test(l))).toHaveLength(30);
    const r = readNpz(m.fs.get('r.npz')!);
    for (const k of ['object', 'amplitude', 'phase', 'weights', 'origin', 'metrics', 'solver'])
      expect(r).toHaveProperty(k);
    expect(r).not.toHaveProperty('probe');
    expect(r).not.toHaveProperty('positions');

    const flags = ['--refine-probe', '--refine-positions', '--iterations', '4', '--product', 'p.npz', '--json'];
    expect(await main(['solve', 'scan.npz', '--out', 'r2.npz', ...flags], m.io), m.err.join('\n')).toBe(0);
    const s2 = JSON.parse(m.out[m.out.length - 1]).solver;
    expect(s2).toMatchObject({ iterations: 4, refinedProbe: true, refinedPositions: true });
    const r2 = readNpz(m.fs.get('r2.npz')!);
    expect(r2.probe.shape).toEqual([32, 32]);
    expect(r2.positions.shape).toEqual([48, 2]);
    const p = readPtychodusProduct(m.fs.get('p.npz')!, 'p.npz');
    expect(Array.from(p.probe)).toEqual(Array.from(r2.probe.data));
    expect(Array.from(p.positionsX)).toEqual(Array.from({ length: 48 }, (_, i) => r2.positions.data[2 * i]));
    expect(p.loss?.epochs).toEqual([1, 2, 3, 4]);
    expect(s2.positionRms).toBeCloseTo(
      Math.sqrt(
        Array.from(
          { length: 48 },
          (_, i) =>
            (r2.positions.data[2 * i] - scan.xcoords.data[i]) ** 2 +
            (r2.positions.data[2 * i + 1] - scan.ycoords.data[i]) ** 2,
        ).reduce((a, b) => a + b, 0) / 48,
      ),
      3,
    );

    const bad = memIO({ 'scan.npz': writeNpz(scan) });
    expect(await main(['solve', 'scan.npz', '--out', 'x.npz', '--iterations', '0'], bad.io)).toBe(2);
    expect(bad.err.join('\n')).toMatch(/iterations: 0 is not a whole number/);
  }, 300_000);

  it('a command that opens the GPU prints no XDG_RUNTIME_DIR complaint when the variable is unset (spawned CLI)', () => {
    const root = fileURLToPath(new URL('../../', import.meta.url));
    const env: NodeJS.ProcessEnv = { ...process.env };
    delete env.XDG_RUNTIME_DIR;
    // reconstruct opens the GPU (Engine.create) before reading its inputs, then fails on the missing file: exit 2.
    const r = spawnSync(
      process.execPath,
      [
        'bin/ptychopinn.mjs',
        'reconstruct',
        'no-such-scan.npz',
        '--model',
        'no-such-model.zip',
        '--out',
        'no-such-out.npz',
      ],
      { cwd: root, env, encoding: 'utf8', timeout: 60_000 },
    );
    expect(r.status).toBe(2);
    expect(r.stderr).not.toMatch(/XDG_RUNTIME_DIR/);
    expect(r.stderr).toMatch(/error: /);
  }, 90_000);
});

describe('ptychopinn convert', () => {
  const golden = () =>
    new Uint8Array(readFileSync(new URL('../../tests/fixtures/torch/wts_n64_s1_gs1.h5.zip', import.meta.url)));
  const f32 = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

  it('golden wts.h5.zip → native → torch: every tensor byte and every golden params value come back', async () => {
    const { readTorchBundle } = await import('../pipeline/archive/torchBundle');
    const m = memIO({ 'wts.h5.zip': golden() });
    expect(await main(['convert', 'wts.h5.zip', '--to', 'native', '--out', 'model.zip'], m.io)).toBe(0);
    expect(await main(['convert', 'model.zip', '--to', 'torch', '--out', 'back.h5.zip'], m.io)).toBe(0);
    expect(m.out.join('\n')).toMatch(/wrote back\.h5\.zip \(PyTorch wts\.h5\.zip/);
    const g = readTorchBundle(golden(), 'golden');
    const b = readTorchBundle(m.fs.get('back.h5.zip')!, 'back');
    expect([...b.stateDict.keys()]).toEqual([...g.stateDict.keys()]);
    for (const [k, t] of g.stateDict) {
      expect(b.stateDict.get(k)!.shape, k).toEqual(t.shape);
      expect(f32(b.stateDict.get(k)!.data).equals(f32(t.data)), k).toBe(true);
    }
    for (const [k, v] of Object.entries(g.params))
      expect(Object.is(b.params[k], v), `params.${k}: ${String(b.params[k])} vs ${String(v)}`).toBe(true);
    expect(b.manifest).toEqual(g.manifest);
    // the scaling metadata is rebuilt by the config bridge: the golden's four configs, field for field
    const gm = g.scalingMetadata as Record<string, Record<string, unknown>>;
    const bm = b.scalingMetadata as Record<string, Record<string, unknown>>;
    for (const part of ['data_config', 'model_config', 'training_config', 'inference_config']) {
      expect(Object.keys(bm[part]), part).toEqual(Object.keys(gm[part]));
    }
    expect(bm.data_config).toEqual(gm.data_config);
    expect(bm.inference_config).toEqual(gm.inference_config);
  });

  it('refuses missing --to / --out and native → native with exit 2 and the fix', async () => {
    const m = memIO({ 'wts.h5.zip': golden() });
    expect(await main(['convert', 'wts.h5.zip', '--out', 'x.zip'], m.io)).toBe(2);
    expect(m.err.join('\n')).toMatch(
      /missing --to torch\|native[\s\S]*usage: ptychopinn convert MODEL --to torch\|native --out FILE/,
    );
    m.err.length = 0;
    expect(await main(['convert', 'wts.h5.zip', '--to', 'torch'], m.io)).toBe(2);
    expect(m.err.join('\n')).toMatch(/missing --out FILE/);
    expect(await main(['convert', 'wts.h5.zip', '--to', 'native', '--out', 'n.zip'], m.io)).toBe(0);
    m.err.length = 0;
    expect(await main(['convert', 'n.zip', '--to', 'native', '--out', 'n2.zip'], m.io)).toBe(2);
    expect(m.err.join('\n')).toMatch(/already a native model archive[\s\S]*hint: use --to torch/);
    expect(m.fs.has('n2.zip')).toBe(false);
  });

  it('refuses a file that is not a model archive', async () => {
    const m = memIO();
    expect(await main(['convert', 'public/fixtures/lines-n32.npz', '--to', 'torch', '--out', 'x.zip'], m.io)).toBe(2);
    expect(m.err.join('\n')).toMatch(/lines-n32\.npz is not a model archive[\s\S]*hint:/);
    expect(m.fs.has('x.zip')).toBe(false);
  });
});
