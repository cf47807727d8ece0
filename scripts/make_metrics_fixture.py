#!/usr/bin/python3
"""Reference values for src/pipeline/metrics.test.ts, computed with scikit-image (Debian python3-skimage).

Seeded images; writes tests/fixtures/metrics/ssim_psnr.json. Run with Debian's /usr/bin/python3.
"""
import json, os
import numpy as np
from skimage.metrics import structural_similarity, peak_signal_noise_ratio

rng = np.random.default_rng(2026)
H, W = 40, 52
yy, xx = np.mgrid[0:H, 0:W]
truth = np.sin(xx / 5.0) * np.cos(yy / 7.0) + 0.3 * (xx > 25)
noisy = truth + 0.2 * rng.standard_normal((H, W))
blurred = 0.5 * truth + 0.5 * np.roll(truth, 2, axis=1)
out = {'H': H, 'W': W, 'truth': truth.ravel().tolist(), 'cases': []}
for name, img in [('noisy', noisy), ('blurred', blurred)]:
    rng_ = truth.max() - truth.min()
    s = structural_similarity(img, truth, data_range=rng_, gaussian_weights=True, sigma=1.5, use_sample_covariance=False)
    p = peak_signal_noise_ratio(truth, img, data_range=rng_)
    out['cases'].append({'name': name, 'image': img.ravel().tolist(), 'ssim': float(s), 'psnr': float(p)})
path = os.path.join(os.path.dirname(__file__), '..', 'tests', 'fixtures', 'metrics', 'ssim_psnr.json')
json.dump(out, open(path, 'w'))
print({c['name']: (c['ssim'], c['psnr']) for c in out['cases']})
