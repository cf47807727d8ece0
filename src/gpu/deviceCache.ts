/**
 * Per-device memo of values built once per key (persistent tensors: FFT twiddles in src/gpu/ops/fft.ts, the probe
 * border mask in src/model/network.ts). Keyed weakly by the device, so a dropped Gpu takes its entries with it.
 */
import type { Gpu } from './runtime';

/** A cache `(gpu, key, make)`: the value for (gpu, key), made by `make()` the first time it is asked for. */
export function perDevice<K, V>(): (gpu: Gpu, key: K, make: () => V) => V {
  const byDevice = new WeakMap<Gpu, Map<K, V>>();
  return (gpu, key, make) => {
    let m = byDevice.get(gpu);
    if (!m) byDevice.set(gpu, (m = new Map()));
    if (!m.has(key)) m.set(key, make());
    return m.get(key) as V;
  };
}
