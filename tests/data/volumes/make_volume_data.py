#!/usr/bin/python3
"""Golden data for tests/Engine.Tests/Volumes, written by software other than LibTiff.NET.

Run from this folder: /usr/bin/python3 make_volume_data.py
Needs python3-numpy, python3-tifffile, python3-torch and libtiff-tools (tiffcp), all Debian 12 packages.

TIFF readers (every variant holds the same three odd-sized 70 x 45 slices, `slices.npy`):
  tifffile_*    written by tifffile (no imagecodecs): strips with a partial last one, Deflate with the
                horizontal predictor, 16 x 16 tiles, BigTIFF, one multi-page file, uint8 and float32
  tiffcp_*      the tifffile_plain slices rewritten by libtiff's tiffcp: LZW, LZW + predictor, Deflate +
                predictor, PackBits, 64 x 64 tiles (partial at both edges), tiled Deflate, BigTIFF (-8),
                big-endian (-B), 7 rows per strip
Tile grid (grid_*.npz): a fragment-like mask and the (y, x) origins the ink-detection solutions' loop keeps.
Normalization (norm_*.npy): uint16 patches and their (x - mean) / (std + 1e-6), mean and unbiased std over
(C, H, W), computed in float64 by numpy and in float32 by torch.
End to end (tiles_*): the tifffile_plain volume and a mask cut into tiles, scaled by 1/65535 and normalized by
the same reference loop in numpy.
"""
import json
import os
import shutil
import subprocess

import numpy as np
import tifffile
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
rng = np.random.default_rng(20261124)
SLICES = rng.integers(0, 65536, size=(3, 45, 70), dtype=np.uint16)
# Smooth structure as well as noise, so predictors and LZW have something to do.
SLICES[:, :, :35] = (np.arange(35, dtype=np.uint16) * 1000)[None, None, :] + rng.integers(0, 50, size=(3, 45, 35), dtype=np.uint16)


def folder(name):
    path = os.path.join(HERE, name)
    shutil.rmtree(path, ignore_errors=True)
    os.makedirs(path)
    return path


def write_slices(name, data, **options):
    path = folder(name)
    for i, page in enumerate(data):
        tifffile.imwrite(os.path.join(path, f"{i:02d}.tif"), page, photometric="minisblack", **options)


def tiffcp(name, *arguments):
    path = folder(name)
    for i in range(len(SLICES)):
        source = os.path.join(HERE, "tifffile_plain", f"{i:02d}.tif")
        subprocess.run(["tiffcp", *arguments, source, os.path.join(path, f"{i:02d}.tif")], check=True)


def readers():
    np.save(os.path.join(HERE, "slices.npy"), SLICES)
    write_slices("tifffile_plain", SLICES, rowsperstrip=16)
    write_slices("tifffile_deflate_predictor", SLICES, compression="zlib", predictor=True, rowsperstrip=8)
    write_slices("tifffile_tiled", SLICES, tile=(16, 16), compression="zlib")
    write_slices("tifffile_bigtiff", SLICES, bigtiff=True, rowsperstrip=10)
    write_slices("tifffile_uint8", (SLICES >> 8).astype(np.uint8), rowsperstrip=16)
    write_slices("tifffile_float32", SLICES.astype(np.float32) / 7, compression="zlib")
    tifffile.imwrite(os.path.join(HERE, "tifffile_multipage.tif"), SLICES, photometric="minisblack", rowsperstrip=16)
    tiffcp("tiffcp_lzw", "-c", "lzw")
    tiffcp("tiffcp_lzw_predictor", "-c", "lzw:2")
    tiffcp("tiffcp_deflate_predictor", "-c", "zip:2")
    tiffcp("tiffcp_packbits", "-c", "packbits")
    tiffcp("tiffcp_tiled", "-t", "-w", "64", "-l", "64")
    tiffcp("tiffcp_tiled_deflate", "-t", "-w", "16", "-l", "32", "-c", "zip")
    tiffcp("tiffcp_bigtiff", "-8", "-c", "lzw")
    tiffcp("tiffcp_bigendian", "-B", "-r", "16")
    tiffcp("tiffcp_strips7", "-r", "7")
    # An RGB image, for the "RGB where grayscale is expected" error.
    tifffile.imwrite(os.path.join(HERE, "rgb.tif"), rng.integers(0, 256, size=(8, 9, 3), dtype=np.uint8), photometric="rgb")


def reference_grid(mask, tile, stride):
    """The tile loop of the ink-detection solutions: pad bottom/right by tile - size % tile, keep any-mask tiles."""
    pad0 = tile - mask.shape[0] % tile
    pad1 = tile - mask.shape[1] % tile
    padded = np.pad(mask, [(0, pad0), (0, pad1)], constant_values=0)
    coords = []
    for y in range(0, padded.shape[0] - tile + 1, stride):
        for x in range(0, padded.shape[1] - tile + 1, stride):
            if not np.all(padded[y:y + tile, x:x + tile] == 0):
                coords.append((y, x))
    return np.array(coords, dtype=np.int32).reshape(-1, 2), padded.shape


def fragment_mask(height, width):
    yy, xx = np.mgrid[0:height, 0:width]
    ellipse = ((yy - height * 0.45) / (height * 0.42)) ** 2 + ((xx - width * 0.5) / (width * 0.38)) ** 2 < 1
    return (ellipse & (rng.random((height, width)) > 0.02)).astype(np.uint8) * 255


def grids():
    cases = []
    for name, (height, width, tile, stride) in {
        "grid_odd": (151, 125, 32, 8),
        "grid_multiple": (128, 96, 32, 16),
        "grid_stride_tile": (100, 167, 25, 25),
    }.items():
        mask = fragment_mask(height, width)
        coords, padded = reference_grid(mask, tile, stride)
        np.save(os.path.join(HERE, f"{name}.mask.npy"), mask)
        np.save(os.path.join(HERE, f"{name}.coords.npy"), coords)
        cases.append({"name": name, "tile": tile, "stride": stride, "padded": list(padded), "tiles": len(coords)})
    return cases


def normalize64(x):
    x = x.astype(np.float64)
    axes = tuple(range(1, x.ndim))
    mean = x.mean(axis=axes, keepdims=True)
    std = x.std(axis=axes, ddof=1, keepdims=True)
    return (x - mean) / (std + 1e-6)


def normalize_torch(x):
    t = torch.from_numpy(x)
    out = torch.empty_like(t)
    for i in range(t.shape[0]):
        out[i] = (t[i] - t[i].mean()) / (t[i].std() + 1e-6)
    return out.numpy()


def normalization():
    cases = []
    shapes = {"norm_small": (3, 5, 16, 16), "norm_odd": (2, 7, 13, 11), "norm_one": (1, 1, 1, 2)}
    for name, shape in shapes.items():
        patches = rng.integers(0, 65536, size=shape, dtype=np.uint16)
        if name == "norm_small":
            patches[1] = 40000 + rng.integers(0, 3, size=shape[1:], dtype=np.uint16)  # large mean, tiny spread
            patches[2] = 1234  # constant: std 0, every output 0
        for scale in ("raw", "65535"):
            x = patches.astype(np.float32)
            if scale == "65535":
                x = x / np.float32(65535.0)
            np.save(os.path.join(HERE, f"{name}.{scale}.float64.npy"), normalize64(x).astype(np.float32))
            np.save(os.path.join(HERE, f"{name}.{scale}.torch.npy"), normalize_torch(x))
        np.save(os.path.join(HERE, f"{name}.patches.npy"), patches)
        cases.append({"name": name, "shape": list(shape)})
    return cases


def end_to_end():
    mask = np.zeros((45, 70), dtype=np.uint8)
    mask[5:30, 10:60] = 1
    tile, stride = 32, 16
    coords, padded_shape = reference_grid(mask, tile, stride)
    volume = np.pad(SLICES, [(0, 0), (0, padded_shape[0] - 45), (0, padded_shape[1] - 70)])
    tiles = np.stack([volume[:, y:y + tile, x:x + tile] for y, x in coords]).astype(np.float32) / np.float32(65535.0)
    np.save(os.path.join(HERE, "tiles_mask.npy"), mask)
    np.save(os.path.join(HERE, "tiles_coords.npy"), coords)
    np.save(os.path.join(HERE, "tiles_normalized.npy"), normalize64(tiles).astype(np.float32))
    return {"tile": tile, "stride": stride, "scale": "65535", "tiles": len(coords)}


if __name__ == "__main__":
    readers()
    expected = {
        "grids": grids(),
        "normalization": normalization(),
        "end_to_end": end_to_end(),
        "versions": {"numpy": np.__version__, "tifffile": tifffile.__version__, "torch": torch.__version__,
                     "tiffcp": subprocess.run(["tiffcp"], capture_output=True, text=True).stderr.splitlines()[0]},
    }
    with open(os.path.join(HERE, "expected.json"), "w") as f:
        json.dump(expected, f, indent=1)
