#!/usr/bin/python3
"""Writes src/ui/colormapData.ts (viridis, twilight LUTs) from matplotlib (Debian python3-matplotlib)."""
import numpy as np
from matplotlib import colormaps
lines = ["/**", " * 256-entry colour tables (RGB bytes) generated from matplotlib 3.6 by scripts/make_colormaps.py:", " * viridis (amplitude; perceptually uniform) and twilight (phase; cyclic, perceptually uniform).", " */"]
for name in ['viridis', 'twilight']:
    c = (colormaps[name](np.linspace(0, 1, 256))[:, :3] * 255).round().astype(int).ravel().tolist()
    lines.append(f"export const {name.upper()}_LUT = new Uint8Array({c});")
open('src/ui/colormapData.ts', 'w').write('\n'.join(lines) + '\n')
