"""Golden data for Engine.Torch.Ink.LabelDownsampling: torch's own F.interpolate on label tiles.

Run with /usr/bin/python3 (torch 1.13, numpy) from this folder:  python3 make_label_downsampling.py
Writes labels.npy (float32 (3, 1, 96, 128): two soft tiles, as after a bilinear rotation, and one binary tile)
and, for each factor f in (32, 8), bilinear_f{f}.npy (align_corners=True, the 2nd-place solution's call) and
area_f{f}.npy (mode='area'), each (3, 1, 96 / f, 128 / f) float32.
"""
import numpy as np
import torch
import torch.nn.functional as F

torch.set_num_threads(1)
rng = np.random.default_rng(20260124)
soft = rng.random((2, 1, 96, 128), dtype=np.float32)
binary = (rng.random((1, 1, 96, 128)) < 0.3).astype(np.float32)
labels = np.concatenate([soft, binary])
np.save("labels.npy", labels)
x = torch.from_numpy(labels)
for f in (32, 8):
    size = (96 // f, 128 // f)
    np.save(f"bilinear_f{f}.npy", F.interpolate(x, size=size, mode="bilinear", align_corners=True).numpy())
    np.save(f"area_f{f}.npy", F.interpolate(x, size=size, mode="area").numpy())
print("torch", torch.__version__, "numpy", np.__version__)
