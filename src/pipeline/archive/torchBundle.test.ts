/**
 * Reading the reference PyTorch bundle (src/pipeline/archive/torchBundle.ts; specs/model_archive.md): tensors,
 * manifest, params and scaling metadata against the golden fixture.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { golden } from '../../testing/fixtures';
import { readTorchBundle } from './torchBundle';
import { PtychoError } from '../../errors';

const bundleBytes = new Uint8Array(
  readFileSync(new URL('../../../tests/fixtures/torch/wts_n64_s1_gs1.h5.zip', import.meta.url)),
);

describe('reading the reference PyTorch bundle (golden torch_bundle_n64_s1_gs1/wts.h5.zip)', () => {
  const b = readTorchBundle(bundleBytes);
  const g = golden('model_gs1_weights');

  it('manifest and params.dill decode to the reference values', () => {
    expect(b.manifest).toEqual({ models: ['diffraction_to_obj', 'autoencoder'], version: '2.0-pytorch' });
    expect(b.params.N).toBe(64);
    expect(b.params.gridsize).toBe(1);
    expect(b.params.n_filters_scale).toBe(1);
    expect(b.params['object.big']).toBe(true);
    expect(b.params.intensity_scale).toBe(988.21173095703125);
    expect(b.params.train_data_file_path).toBe('golden_scan.npz');
    expect(b.scalingMetadata?.schema_version).toBe('ci-entrypoints-v1');
  });

  it('state_dict: 63 tensors, shapes and values bit-identical to model_n64_s1_gs1.npz, 586 794 parameters', () => {
    expect(b.stateDict.size).toBe(63);
    for (const key of [
      'model.autoencoder.encoder.blocks.0.conv1.weight',
      'model.autoencoder.decoder_phase.phase.conv2.bias',
      'model.forward_model.alpha',
    ]) {
      const t = b.stateDict.get(key)!;
      expect(t.shape).toEqual(g(key).shape);
      expect(Array.from(t.data)).toEqual(Array.from(g(key).data));
    }
    let count = 0;
    for (const t of b.stateDict.values()) count += t.data.length;
    expect(count).toBe((g('param_count').data as Int32Array)[0]);
  });

  it('a damaged archive is refused with a model-archive error naming the file', () => {
    const cut = bundleBytes.slice(0, 1000);
    expect(() => readTorchBundle(cut, 'broken.zip')).toThrow(PtychoError);
    try {
      readTorchBundle(cut, 'broken.zip');
    } catch (e) {
      expect((e as PtychoError).code).toBe('model-archive');
      expect((e as PtychoError).message).toContain('broken.zip');
    }
  });
});
