#!/usr/bin/python3
"""The numpy/torch side of the stitching benchmark: the loop the winning ink-detection solutions ran.

    apt-get install python3-numpy python3-torch
    /usr/bin/python3 benchmarks/peers/stitch.py --make-data benchmarks/data/stitch   # once: writes the inputs
    /usr/bin/python3 benchmarks/peers/stitch.py benchmarks/data/stitch               # times the loop, prints JSON

Inputs: an 8,192 × 8,192 map covered by 256 × 256 windows at stride 32 (249 × 249 = 62,001 windows, up to 64 over
each pixel), each predicted as an 8 × 8 map (uniform random float32, fixed seed) to be upsampled ×32:
preds.npy (62001, 8, 8) float32 and coords.npy (62001, 2) int32 (y, x).

PerTileStitch: per batch of 256 windows, torch F.interpolate(scale_factor=32, mode='bilinear', align_corners=True)
(the 2nd place's call), then numpy slice accumulation acc[y:y+256, x:x+256] += p, cnt[...] += 1 in float32, and
acc / cnt at the end. FastStitch: the same accumulation of the 8 × 8 predictions at 1/32 resolution, then one
F.interpolate of the finished 256 × 256 map. torch uses its default thread count (all cores) for interpolate;
numpy's slice additions run on one core, as in the solutions. PerTileStitch takes 40–50 s, so it runs once
(--repeat-per-tile); FastStitch --repeat times after a warm-up. Times in seconds, medians in the JSON.
"""
import argparse
import json
import os
import platform

import numpy as np
import torch
import torch.nn.functional as F

from peer_timing import timed  # the protocol every peer shares

SIZE = 8192
WINDOW = 256
STRIDE = 32
FACTOR = 32
BATCH = 256
SEED = 20261124


def make_data(folder):
    os.makedirs(folder, exist_ok=True)
    starts = range(0, SIZE - WINDOW + 1, STRIDE)
    coords = np.array([(y, x) for y in starts for x in starts], np.int32)
    rng = np.random.default_rng(SEED)
    preds = rng.random((len(coords), WINDOW // FACTOR, WINDOW // FACTOR), dtype=np.float32)
    np.save(os.path.join(folder, "preds.npy"), preds)
    np.save(os.path.join(folder, "coords.npy"), coords)
    print(f"wrote {len(coords):,} windows to {folder}")


def per_tile(preds, coords):
    acc = np.zeros((SIZE, SIZE), np.float32)
    cnt = np.zeros((SIZE, SIZE), np.float32)
    for b in range(0, len(preds), BATCH):
        up = F.interpolate(torch.from_numpy(preds[b:b + BATCH])[:, None], scale_factor=FACTOR, mode="bilinear",
                           align_corners=True).numpy()
        for k in range(up.shape[0]):
            y, x = coords[b + k]
            acc[y:y + WINDOW, x:x + WINDOW] += up[k, 0]
            cnt[y:y + WINDOW, x:x + WINDOW] += 1
    return np.divide(acc, cnt, out=np.zeros_like(acc), where=cnt > 0)


def fast(preds, coords):
    low, w = SIZE // FACTOR, WINDOW // FACTOR
    acc = np.zeros((low, low), np.float32)
    cnt = np.zeros((low, low), np.float32)
    for k in range(len(preds)):
        y, x = coords[k] // FACTOR
        acc[y:y + w, x:x + w] += preds[k]
        cnt[y:y + w, x:x + w] += 1
    mean = np.divide(acc, cnt, out=np.zeros_like(acc), where=cnt > 0)
    return F.interpolate(torch.from_numpy(mean)[None, None], scale_factor=FACTOR, mode="bilinear",
                         align_corners=True).numpy()[0, 0]



def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folder")
    parser.add_argument("--make-data", action="store_true")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--repeat-per-tile", type=int, default=1)
    args = parser.parse_args()
    if args.make_data:
        make_data(args.folder)
        return
    preds = np.load(os.path.join(args.folder, "preds.npy"))
    coords = np.load(os.path.join(args.folder, "coords.npy"))
    results = {
        "numpy": np.__version__,
        "torch": torch.__version__,
        "torch_threads": torch.get_num_threads(),
        "python": platform.python_version(),
        "windows": int(len(preds)),
        "timings": {
            "FastStitch": timed(lambda: fast(preds, coords), args.repeat, warm_up=True),
            "PerTileStitch": timed(lambda: per_tile(preds, coords), args.repeat_per_tile, warm_up=False),
        },
    }
    print(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
