#!/usr/bin/python3
"""Golden data for Engine's Threshold, FBeta and BestPercentile, from numpy and scikit-learn.

    apt-get install python3-numpy python3-sklearn
    /usr/bin/python3 tests/data/segmentation/make_segmentation_golden.py

Writes beside itself (deterministic, fixed seed):
  map.probs.npy (float32 H×W), map.truth.npy, map.mask.npy (uint8 0/1) — a synthetic ink map;
  sweep.json — per candidate q, with and without the mask: numpy.quantile threshold, ink count of
      probs > threshold (compared in float64, as numpy >= 2 does), the confusion counts, scikit-learn's
      precision / recall / fbeta_score(beta=0.5) and Dice = 2TP / (2TP + FP + FN);
  map.ink93.npy — the ink mask (uint8) at q = 0.93 inside the mask.
"""
import json
import os

import numpy as np
import sklearn
from sklearn.metrics import fbeta_score, precision_score, recall_score

HERE = os.path.dirname(os.path.abspath(__file__))
CANDIDATES = [round(0.80 + 0.01 * i, 2) for i in range(20)]


def synthetic_map(rng, height=203, width=317):
    y, x = np.mgrid[0:height, 0:width]
    truth = np.zeros((height, width), dtype=bool)
    for _ in range(12):  # strokes: thick line segments
        y0, x0 = rng.integers(0, height), rng.integers(0, width)
        angle = rng.uniform(0, np.pi)
        length, thickness = rng.uniform(20, 90), rng.uniform(2, 6)
        dy, dx = np.sin(angle), np.cos(angle)
        t = np.clip((y - y0) * dy + (x - x0) * dx, 0, length)
        distance = np.hypot(y - (y0 + t * dy), x - (x0 + t * dx))
        truth |= distance < thickness
    logits = np.where(truth, 1.5, -1.5) + rng.standard_normal((height, width)) * 1.6
    probs = (1.0 / (1.0 + np.exp(-logits))).astype(np.float32)
    mask = ((y - height / 2) / (0.48 * height)) ** 2 + ((x - width / 2) / (0.47 * width)) ** 2 <= 1.0
    return probs, truth.astype(np.uint8), mask.astype(np.uint8)


def scores(truth, pred):
    tp = int(np.sum((pred == 1) & (truth == 1)))
    fp = int(np.sum((pred == 1) & (truth == 0)))
    fn = int(np.sum((pred == 0) & (truth == 1)))
    tn = int(np.sum((pred == 0) & (truth == 0)))
    dice = 0.0 if 2 * tp + fp + fn == 0 else float(np.float64(2 * tp) / np.float64(2 * tp + fp + fn))
    return {
        "tp": tp, "fp": fp, "fn": fn, "tn": tn,
        "precision": float(precision_score(truth, pred, zero_division=0)),
        "recall": float(recall_score(truth, pred, zero_division=0)),
        "fbeta": float(fbeta_score(truth, pred, beta=0.5, zero_division=0)),
        "dice": dice,
    }


def sweep(probs, truth, mask):
    selected = mask.astype(bool)
    p, t = probs[selected], truth[selected]
    rows = []
    for q in CANDIDATES:
        threshold = np.quantile(p, q)
        pred = (p.astype(np.float64) > threshold).astype(np.uint8)
        row = {"q": q, "threshold": float(threshold), "positives": int(pred.sum())}
        row.update(scores(t, pred))
        rows.append(row)
    return rows


def main():
    rng = np.random.default_rng(7)
    probs, truth, mask = synthetic_map(rng)
    np.save(os.path.join(HERE, "map.probs.npy"), probs)
    np.save(os.path.join(HERE, "map.truth.npy"), truth)
    np.save(os.path.join(HERE, "map.mask.npy"), mask)
    threshold = np.quantile(probs[mask.astype(bool)], 0.93)
    ink = ((probs.astype(np.float64) > threshold) & mask.astype(bool)).astype(np.uint8)
    np.save(os.path.join(HERE, "map.ink93.npy"), ink)
    everything = np.ones_like(mask)
    result = {
        "numpy": np.__version__, "sklearn": sklearn.__version__, "beta": 0.5,
        "candidates": CANDIDATES,
        "masked": sweep(probs, truth, mask),
        "unmasked": sweep(probs, truth, everything),
        "empty_prediction": scores(truth.ravel(), np.zeros(truth.size, dtype=np.uint8)),
        "perfect_prediction": scores(truth.ravel(), truth.ravel()),
    }
    with open(os.path.join(HERE, "sweep.json"), "w") as f:
        json.dump(result, f, indent=1)
        f.write("\n")
    print("written with numpy", np.__version__, "and scikit-learn", sklearn.__version__)


if __name__ == "__main__":
    main()
