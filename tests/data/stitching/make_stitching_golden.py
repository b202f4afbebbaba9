#!/usr/bin/python3
"""Golden data for Engine's SlidingWindowStitcher: the numpy/torch loop that ink-detection solutions ran.

Run with Debian's torch and numpy (apt-get install python3-torch python3-numpy):
    /usr/bin/python3 tests/data/stitching/make_stitching_golden.py
It rewrites the .npy files and cases.json beside itself. Deterministic (fixed seeds).

The reference (`stitch` below) is the loop of the winning ink-detection solutions, in float32:
  * upsampling by torch.nn.functional.interpolate(preds[:, None], scale_factor=f, mode=..., align_corners=...)
    on the (N, 1, h, w) batch, as the 2nd place did (per-tile mode), or once on the finished low-resolution
    map (fast mode);
  * weights: MONAI's compute_importance_map (constant, or Gaussian with sigma_scale × patch size and the clamp
    of the smallest weight to max(min, 1e-3)), restricted to the centre inner × inner block when trimming;
  * accumulation acc[y:y+P, x:x+Q] += w * p and cnt[...] += w in float32, window after window in input order;
  * the count zeroed outside the mask, then acc / cnt where cnt > 0, `fill` (0 or NaN) where no window landed,
    0 outside the mask; the sigmoid by torch.sigmoid before upsampling or after averaging.
Each case: <name>.preds.npy (float32 N×h×w), <name>.coords.npy (int32 N×2, (y, x) at full resolution),
optional <name>.mask.npy (uint8 H×W), <name>.expected.npy (float32 H×W); gaussian cases also
<name>.weights.npy, the importance map the reference used. Upsampling alone: up_<name>.input.npy / .expected.npy;
torch.flip / torch.rot90 of (N, C, h, w) batches: tta_<name>.input.npy / .expected.npy.
"""
import json
import os

import numpy as np
import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))


def importance_map(p, q, mode, sigma_scale=0.125):
    """MONAI's compute_importance_map for a 2-D patch (monai.data.utils), re-typed here."""
    if mode == "constant":
        m = torch.ones((p, q), dtype=torch.float)
    else:
        m = None
        for i, size in enumerate((p, q)):
            sigma = size * sigma_scale
            x = torch.arange(start=-(size - 1) / 2.0, end=(size - 1) / 2.0 + 1, dtype=torch.float)
            x = torch.exp(x ** 2 / (-2 * sigma ** 2))
            m = m.unsqueeze(-1) * x[(None,) * i] if i > 0 else x
    min_non_zero = max(torch.min(m).item(), 1e-3)
    return torch.clamp_(m.to(torch.float), min=min_non_zero).numpy()


def upsample(x, factor, mode, align_corners):
    t = torch.from_numpy(np.ascontiguousarray(x))[:, None]
    if mode == "nearest":
        return F.interpolate(t, scale_factor=factor, mode="nearest").numpy()[:, 0]
    return F.interpolate(t, scale_factor=factor, mode="bilinear", align_corners=align_corners).numpy()[:, 0]


def window_rows(y, p, inner, keep_edges, size):
    """The rows [a, b) of a window at y that count: all, or the centre inner block (+ the full side at an edge)."""
    if inner is None:
        return 0, p
    a = (p - inner) // 2
    b = a + inner
    if keep_edges and y <= 0:
        a = 0
    if keep_edges and y + p >= size:
        b = p
    return a, b


def stitch(preds, coords, H, W, factor, mode, align_corners, upsample_mode, weights, inner, keep_edges,
           mask, fill, activation, sigma_scale=0.125):
    preds = preds.astype(np.float32)
    if activation == "before":
        preds = torch.sigmoid(torch.from_numpy(preds)).numpy()
    n, h, w = preds.shape
    if upsample_mode == "per-tile":
        tiles = upsample(preds, factor, mode, align_corners) if factor > 1 else preds
        P, Q = h * factor, w * factor
        AH, AW, scale, cinner = H, W, 1, inner
    else:
        tiles = preds
        P, Q = h, w
        AH, AW, scale = -(-H // factor), -(-W // factor), factor
        cinner = None if inner is None else inner // factor
    wmap = importance_map(P, Q, weights, sigma_scale)
    acc = np.zeros((AH + 2 * P, AW + 2 * Q), np.float32)
    cnt = np.zeros((AH + 2 * P, AW + 2 * Q), np.float32)
    for k in range(n):
        y, x = int(coords[k, 0]) // scale, int(coords[k, 1]) // scale
        r0, r1 = window_rows(y, P, cinner, keep_edges, AH)
        c0, c1 = window_rows(x, Q, cinner, keep_edges, AW)
        wk = np.zeros((P, Q), np.float32)
        wk[r0:r1, c0:c1] = wmap[r0:r1, c0:c1]
        # Offset by (P, Q) so that windows hanging over any edge still fit; cropped below.
        acc[P + y:P + y + P, Q + x:Q + x + Q] += wk * tiles[k]
        cnt[P + y:P + y + P, Q + x:Q + x + Q] += wk
    acc = acc[P:P + AH, Q:Q + AW]
    cnt = cnt[P:P + AH, Q:Q + AW]
    if upsample_mode == "per-tile":
        if mask is not None:
            cnt[mask == 0] = 0
        covered = cnt > 0
        out = np.where(covered, acc / np.where(covered, cnt, 1), np.float32(0)).astype(np.float32)
    else:
        covered_low = cnt > 0
        low = np.where(covered_low, acc / np.where(covered_low, cnt, 1), np.float32(0)).astype(np.float32)
        out = upsample(low[None], factor, mode, align_corners)[0][:H, :W] if factor > 1 else low
        covered = np.repeat(np.repeat(covered_low, factor, 0), factor, 1)[:H, :W]
        if mask is not None:
            covered = covered & (mask != 0)
    if activation == "after":
        out = torch.sigmoid(torch.from_numpy(np.ascontiguousarray(out))).numpy()
    out = np.where(covered, out, np.float32(fill)).astype(np.float32)
    if mask is not None:
        out[mask == 0] = 0
    return out, wmap


def grid(H, W, P, Q, stride, overhang):
    """Window origins at `stride`, plus windows that hang over the bottom/right edge when `overhang`."""
    ys = list(range(0, max(H - P, 0) + 1, stride))
    xs = list(range(0, max(W - Q, 0) + 1, stride))
    if overhang:
        ys.append(ys[-1] + stride)
        xs.append(xs[-1] + stride)
    return np.array([(y, x) for y in ys for x in xs], np.int32)


def main():
    rng = np.random.default_rng(20261124)
    cases = []

    def add(name, H, W, h, w, factor, stride, mode="bilinear", align_corners=True, upsample_mode="per-tile",
            weights="constant", inner=None, keep_edges=False, masked=False, fill=0.0, activation="none",
            overhang=True, shuffle=False, logits=False):
        coords = grid(H, W, h * factor, w * factor, stride, overhang)
        if shuffle:
            coords = coords[rng.permutation(len(coords))]
        preds = (rng.standard_normal((len(coords), h, w)) * 3 if logits else rng.random((len(coords), h, w)))
        preds = preds.astype(np.float32)
        mask = None
        if masked:
            yy, xx = np.mgrid[0:H, 0:W]
            mask = (((yy - H / 2) / (H / 2.2)) ** 2 + ((xx - W / 2) / (W / 2.4)) ** 2 < 1).astype(np.uint8)
        out, wmap = stitch(preds, coords, H, W, factor, mode, align_corners, upsample_mode, weights, inner,
                           keep_edges, mask, fill, activation)
        np.save(os.path.join(HERE, f"{name}.preds.npy"), preds)
        np.save(os.path.join(HERE, f"{name}.coords.npy"), coords)
        np.save(os.path.join(HERE, f"{name}.expected.npy"), out)
        if mask is not None:
            np.save(os.path.join(HERE, f"{name}.mask.npy"), mask)
        if weights == "gaussian":
            np.save(os.path.join(HERE, f"{name}.weights.npy"), wmap)
        cases.append(dict(name=name, height=H, width=W, tile_height=h, tile_width=w, factor=factor,
                          upsampling=mode, align_corners=align_corners, upsample_mode=upsample_mode,
                          weights=weights, inner=inner, keep_edges=keep_edges, mask=masked,
                          fill="nan" if np.isnan(fill) else fill, activation=activation))

    # Per-tile bilinear (the 2nd place's parity mode) on odd sizes with windows hanging over the edges.
    add("bilinear_ac_x4", 29, 31, 3, 3, 4, 5)
    add("bilinear_x4", 29, 31, 3, 3, 4, 5, align_corners=False)
    add("bilinear_ac_x8_shuffled", 53, 47, 4, 4, 8, 8, shuffle=True)
    add("bilinear_x3_rect", 25, 34, 3, 5, 3, 4, align_corners=False)
    add("bilinear_ac_x32", 300, 290, 8, 8, 32, 32, overhang=True)
    add("nearest_x4", 29, 31, 3, 3, 4, 5, mode="nearest")
    add("nearest_x3", 25, 26, 3, 4, 3, 4, mode="nearest")
    add("full_size_tiles", 37, 41, 12, 12, 1, 7)
    # Weights and trimming.
    add("gaussian_full", 37, 41, 12, 12, 1, 5, weights="gaussian")
    add("gaussian_ac_x4", 29, 31, 3, 3, 4, 5, weights="gaussian")
    add("inner_x4", 45, 43, 4, 4, 4, 6, inner=10, overhang=False)
    add("inner_keep_edges_x4", 45, 43, 4, 4, 4, 6, inner=10, keep_edges=True, overhang=False)
    add("inner_keep_edges_overhang", 45, 43, 4, 4, 4, 6, inner=8, keep_edges=True)
    add("gaussian_inner_edges", 45, 43, 4, 4, 4, 6, weights="gaussian", inner=10, keep_edges=True)
    # Masks and uncovered pixels.
    add("masked_x4", 29, 31, 3, 3, 4, 5, masked=True)
    add("uncovered_nan", 40, 40, 3, 3, 4, 16, fill=float("nan"), overhang=False)
    add("uncovered_nan_masked", 40, 40, 3, 3, 4, 16, fill=float("nan"), masked=True, overhang=False)
    # Activation placement on logits.
    add("sigmoid_before", 29, 31, 3, 3, 4, 5, activation="before", logits=True)
    add("sigmoid_after", 29, 31, 3, 3, 4, 5, activation="after", logits=True, masked=True)
    # Fast mode: accumulate at low resolution, upsample the finished map once.
    add("fast_ac_x4", 30, 34, 3, 3, 4, 4, upsample_mode="fast")
    add("fast_x4_masked", 29, 31, 3, 3, 4, 4, upsample_mode="fast", align_corners=False, masked=True)
    add("fast_nearest_nan", 40, 40, 3, 3, 4, 16, mode="nearest", upsample_mode="fast", fill=float("nan"), overhang=False)

    # torch's interpolate alone, on shapes and factors beyond the stitching cases.
    ups = []
    for (n, h, w, f) in [(3, 5, 7, 4), (2, 8, 8, 32), (2, 1, 3, 5), (2, 4, 1, 3), (1, 6, 9, 7), (2, 3, 3, 1), (1, 5, 5, 2)]:
        x = (rng.standard_normal((n, h, w)) * 10).astype(np.float32)
        for mode, ac in [("bilinear", True), ("bilinear", False), ("nearest", None)]:
            name = f"up_{mode}{'' if ac is None else ('_ac' if ac else '')}_{n}x{h}x{w}_f{f}"
            np.save(os.path.join(HERE, f"{name}.input.npy"), x)
            np.save(os.path.join(HERE, f"{name}.expected.npy"), upsample(x, f, mode, ac))
            ups.append(dict(name=name, factor=f, upsampling=mode, align_corners=bool(ac)))

    # Test-time transforms as torch applies them to (N, C, h, w) batches.
    tta = []
    ops = {"FlipHorizontal": lambda t: torch.flip(t, [-1]), "FlipVertical": lambda t: torch.flip(t, [-2]),
           "Rotate90": lambda t: torch.rot90(t, 1, [-2, -1]), "Rotate180": lambda t: torch.rot90(t, 2, [-2, -1]),
           "Rotate270": lambda t: torch.rot90(t, 3, [-2, -1])}
    for shape in [(2, 3, 5, 5), (2, 3, 4, 6)]:
        x = rng.standard_normal(shape).astype(np.float32)
        for op, fn in ops.items():
            if shape[2] != shape[3] and op in ("Rotate90", "Rotate270"):
                continue
            name = f"tta_{op}_{'x'.join(map(str, shape))}"
            np.save(os.path.join(HERE, f"{name}.input.npy"), x)
            np.save(os.path.join(HERE, f"{name}.expected.npy"), fn(torch.from_numpy(x)).numpy())
            tta.append(dict(name=name, transform=op))

    with open(os.path.join(HERE, "cases.json"), "w") as fh:
        json.dump({"generator": f"torch {torch.__version__}, numpy {np.__version__}", "cases": cases,
                   "upsampling": ups, "tta": tta}, fh, indent=1)


if __name__ == "__main__":
    main()
