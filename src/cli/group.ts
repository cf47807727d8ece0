import { PtychoError } from '../errors';
import { makeTrainingConfig, validateTrainingConfig } from '../config/schema';
import { groupScan } from '../pipeline/container';
import { toRawData } from '../pipeline/contract';
import type { NdArray } from '../pipeline/ndarray';
import { readArrayFile, writeNpz } from '../pipeline/npz';
import { parseArgs, type OptionSpec } from './args';
import { fileNameOf, type CliIO } from './io';

const OPTIONS: Record<string, OptionSpec> = {
  out: { type: 'string', help: 'output .npz with nn_indices, coords_offsets, coords_relative, X_full and the scales' },
  gridsize: { type: 'int', help: 'group side: C = gridsize² patterns per group (default 1)' },
  K: { type: 'int', help: 'neighbour count K (default 4)' },
  'n-groups': { type: 'int', help: 'number of groups (default 512)' },
  seed: { type: 'int', help: 'seed for the group draw (default 42)' },
  nphotons: { type: 'number', help: "for the physics scale (default: the file's _metadata, else 1e9)" },
  sequential: { type: 'boolean', help: 'seeds 0, 1, 2, … instead of a random draw' },
  oversample: { type: 'boolean', help: 'allow more groups than scan points (gridsize > 1)' },
  json: { type: 'boolean', help: 'print one JSON object on stdout' },
};

/** `ptychopinn group FILE --out F …`: the model-ready container, channels-first (torch layout). */
export async function run(argv: string[], io: CliIO): Promise<number> {
  const { positionals, options: o } = parseArgs('group', argv, OPTIONS, 1);
  const path = positionals[0];
  if (!path || !o.out)
    throw new PtychoError(
      'cli-usage',
      'group: FILE and --out are required',
      'usage: ptychopinn group FILE --out grouped.npz [--gridsize g] [--K k] [--n-groups n] [--seed s]',
    );
  // The same checks as a training config's (neighbor_count ≥ 1, gridsize, n_groups, nphotons, seed), with their
  // messages naming the field: `group --K 0` must not write a file train would refuse.
  validateTrainingConfig(
    makeTrainingConfig({
      model: { gridsize: (o.gridsize as number) ?? 1 },
      neighbor_count: (o.K as number) ?? 4,
      n_groups: (o['n-groups'] as number) ?? 512,
      ...(o.nphotons !== undefined ? { nphotons: o.nphotons as number } : {}),
      seed: (o.seed as number) ?? 42,
    }),
  );
  const fileName = fileNameOf(path);
  const raw = toRawData(readArrayFile(io.readFile(path), { fileName }), { fileName });
  const gridsize = (o.gridsize as number) ?? 1;
  const nphotons = (o.nphotons as number) ?? raw.nphotons ?? 1e9;
  const g = groupScan(raw, {
    gridsize,
    K: (o.K as number) ?? 4,
    nGroups: (o['n-groups'] as number) ?? 512,
    seed: (o.seed as number) ?? 42,
    sequential: !!o.sequential,
    enableOversampling: !!o.oversample,
    nphotons,
  });
  const { B, C, N } = g;
  const arrays: Record<string, NdArray> = {
    nn_indices: { dtype: 'i32', shape: [B, C], data: g.nnIndices },
    coords_offsets: { dtype: 'f64', shape: [B, 1, 1, 2], data: g.coordsOffsets },
    coords_relative: { dtype: 'f32', shape: [B, C, 1, 2], data: g.coordsRelative },
    coords_start_offsets: { dtype: 'f64', shape: [B, 1, 1, 2], data: g.coordsStartOffsets },
    coords_start_relative: { dtype: 'f32', shape: [B, C, 1, 2], data: g.coordsStartRelative },
    X_full: { dtype: 'f32', shape: [B, C, N, N], data: g.X },
    normalize_scale: { dtype: 'f32', shape: [], data: new Float32Array([g.normScale]) },
    physics_scaling_constant: { dtype: 'f64', shape: [], data: new Float64Array([g.physicsScale]) },
    nphotons: { dtype: 'f64', shape: [], data: new Float64Array([nphotons]) },
  };
  if (g.Y) arrays.Y = { dtype: 'c64', shape: [B, C, N, N], data: g.Y };
  io.writeFile(o.out as string, writeNpz(arrays, { compress: true }));
  const summary = {
    out: o.out,
    groups: B,
    C,
    N,
    normalize_scale: g.normScale,
    physics_scaling_constant: g.physicsScale,
    nphotons,
    warnings: [...raw.warnings, ...g.warnings],
  };
  if (o.json) io.out(JSON.stringify(summary));
  else {
    io.out(
      `wrote ${o.out}: ${B} groups of C=${C} (N=${N}); normalize_scale ${g.normScale.toPrecision(6)}, physics scale S ${g.physicsScale.toPrecision(6)}`,
    );
    for (const w of summary.warnings) io.err(`warning: ${w}`);
  }
  return 0;
}
