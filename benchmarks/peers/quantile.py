#!/usr/bin/python3
"""numpy's side of the percentile-threshold benchmark (the peer Engine is compared with).

    apt-get install python3-numpy
    /usr/bin/python3 benchmarks/peers/quantile.py --make-data benchmarks/data/quantile   # once: writes the inputs
    /usr/bin/python3 benchmarks/peers/quantile.py benchmarks/data/quantile      # times numpy, prints JSON

The inputs are a probability-like float32 map of 100,000,000 values (sigmoid of a scaled normal, fixed seed),
a uint8 truth and a uint8 fragment mask of the same length, as .npy files that Engine's benchmark reads too.
Each operation is timed --repeat times after one warm-up; the JSON has every time and the median, in seconds.
numpy.quantile is single-threaded (introselect); BLAS plays no part, so OPENBLAS_* settings do not matter.
"""
import argparse
import json
import os
import platform

import numpy as np

from peer_timing import timed  # the protocol every peer shares

N = 100_000_000
SEED = 20261123
CANDIDATES = [round(0.80 + 0.01 * i, 2) for i in range(20)]


def make_data(folder):
    os.makedirs(folder, exist_ok=True)
    rng = np.random.default_rng(SEED)
    probs = np.empty(N, dtype=np.float32)
    chunk = 10_000_000
    for start in range(0, N, chunk):
        z = rng.standard_normal(chunk).astype(np.float32) * 3.0 - 2.0
        probs[start:start + chunk] = 1.0 / (1.0 + np.exp(-z))
    truth = (probs > rng.random(N, dtype=np.float32) * 1.5).astype(np.uint8)
    mask = (rng.random(N, dtype=np.float32) < 0.8).astype(np.uint8)
    np.save(os.path.join(folder, "probs.npy"), probs)
    np.save(os.path.join(folder, "truth.npy"), truth)
    np.save(os.path.join(folder, "mask.npy"), mask)
    print(f"wrote {N:,} values to {folder}")



def fbeta(ink, truth, mask, beta=0.5):
    selected = mask.astype(bool)
    pred, t = ink.astype(bool) & selected, truth.astype(bool) & selected
    tp = np.count_nonzero(pred & t)
    fp = np.count_nonzero(pred) - tp
    fn = np.count_nonzero(t) - tp
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    denominator = beta * beta * precision + recall
    return (1 + beta * beta) * precision * recall / denominator if denominator else 0.0


def sweep(probs, truth, mask):
    selected = mask.astype(bool)
    p, t = probs[selected], truth[selected].astype(bool)
    thresholds = np.quantile(p, CANDIDATES)
    best = -1.0
    for threshold in thresholds:
        pred = p > threshold
        tp = np.count_nonzero(pred & t)
        fp = np.count_nonzero(pred) - tp
        fn = np.count_nonzero(t) - tp
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        denominator = 0.25 * precision + recall
        best = max(best, 1.25 * precision * recall / denominator if denominator else 0.0)
    return best


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folder")
    parser.add_argument("--make-data", action="store_true")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    if args.make_data:
        make_data(args.folder)
        return
    probs = np.load(os.path.join(args.folder, "probs.npy"))
    truth = np.load(os.path.join(args.folder, "truth.npy"))
    mask = np.load(os.path.join(args.folder, "mask.npy"))
    selected = mask.astype(bool)
    threshold = float(np.quantile(probs[selected], 0.93))
    ink = ((probs > threshold) & selected).astype(np.uint8)
    results = {
        "numpy": np.__version__,
        "python": platform.python_version(),
        "values": int(probs.size),
        "quantile_0.93": float(np.quantile(probs, 0.93)),
        "masked_quantile_0.93": threshold,
        "timings": {
            "Quantile": timed(lambda: np.quantile(probs, 0.93), args.repeat),
            "MaskedQuantile": timed(lambda: np.quantile(probs[selected], 0.93), args.repeat),
            "Threshold": timed(lambda: (probs > threshold) & selected, args.repeat),
            "FBeta": timed(lambda: fbeta(ink, truth, mask), args.repeat),
            "BestPercentile": timed(lambda: sweep(probs, truth, mask), max(1, args.repeat // 2)),
        },
    }
    print(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
