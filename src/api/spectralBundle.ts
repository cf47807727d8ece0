/**
 * The spectral generators' weights between our unique parameter names (src/model/fnoGenerators.ts: complex weights
 * f32 with a trailing (re, im) axis, FFNO's gate shape [1]) and the reference's aliased state_dict
 * (spectralStateDictKeys: every key in its order, aliases sharing one storage, complex64 tensors, a 0-d gate).
 */
import { PtychoError } from '../errors';
import { isComplexSpectralParameter, spectralStateDictKeys, type SpectralGeneratorSpec } from '../model/fnoGenerators';
import type { StateDict, StateTensor } from '../pipeline/archive/torchBundle';

/** Parameters that are 0-d tensors in the reference (shape [1] here). */
const isScalarInTorch = (name: string) => name.endsWith('.ffno_stack.shared_gate');

/** Our weights → the reference's state_dict: every key, each alias the same tensor object (written as one storage). */
export function spectralStateDict(
  spec: SpectralGeneratorSpec,
  weights: Map<string, { shape: number[]; data: Float32Array }>,
): StateDict {
  const tensors = new Map<string, StateTensor>();
  const tensorOf = (name: string): StateTensor => {
    let t = tensors.get(name);
    if (t) return t;
    const w = weights.get(name);
    if (!w) throw new Error(`spectralStateDict: weight ${name} is missing`);
    if (isComplexSpectralParameter(name)) t = { shape: [...w.shape], data: w.data, complex: true };
    else t = { shape: isScalarInTorch(name) ? [] : [...w.shape], data: w.data };
    tensors.set(name, t);
    return t;
  };
  return new Map(spectralStateDictKeys(spec).map(([key, name]) => [key, tensorOf(name)]));
}

const sameValues = (a: Float32Array, b: Float32Array) =>
  a === b || (a.length === b.length && a.every((v, i) => Object.is(v, b[i])));

/**
 * The reference's state_dict → our weights: each unique parameter from its own key (complex as stored, a 0-d
 * tensor as shape [1]); every alias the reference lists must be present and hold the same values as its parameter,
 * else the bundle is refused naming the key. Shapes are checked afterwards (checkWeights).
 */
export function spectralWeightsFromStateDict(
  fileName: string,
  spec: SpectralGeneratorSpec,
  stateDict: StateDict,
): Map<string, StateTensor> {
  const bad = (msg: string): never => {
    throw new PtychoError(
      'model-archive',
      `${fileName}: diffraction_to_obj/model.pth: ${msg}`,
      `the bundle does not hold the reference's '${spec.architecture}' model with these settings, or is damaged`,
    );
  };
  const out = new Map<string, StateTensor>();
  for (const name of new Set(spectralStateDictKeys(spec).map(([, n]) => n))) {
    const t = stateDict.get(name);
    if (!t) continue; // reported with its expected shape by checkWeights
    const complex = isComplexSpectralParameter(name);
    if (Boolean(t.complex) !== complex)
      bad(`${name} is stored as ${t.complex ? 'complex64' : 'float32'}, expected ${complex ? 'complex64' : 'float32'}`);
    out.set(name, {
      shape: isScalarInTorch(name) && t.shape.length === 0 ? [1] : [...t.shape],
      data: t.data,
    });
  }
  for (const [key, name] of spectralStateDictKeys(spec)) {
    if (key === name) continue;
    const alias = stateDict.get(key);
    const own = stateDict.get(name);
    if (!own) continue;
    if (!alias) bad(`${key} is missing (the reference lists it as an alias of ${name})`);
    if (alias!.shape.join(',') !== own.shape.join(',') || !sameValues(alias!.data, own.data))
      bad(`${key} differs from ${name}, of which it is an alias in the reference's model`);
  }
  return out;
}
