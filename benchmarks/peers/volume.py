#!/usr/bin/python3
"""tifffile's and numpy's side of the TIFF-volume benchmark (the peers Engine is compared with).

    apt-get install python3-numpy python3-tifffile
    /usr/bin/python3 benchmarks/peers/volume.py --make-data benchmarks/data/volume   # once: writes the inputs
    /usr/bin/python3 benchmarks/peers/volume.py benchmarks/data/volume               # times the peers, prints JSON
    /usr/bin/python3 benchmarks/peers/volume.py --make-large /tmp/large              # the 65 x 10,000 x 8,000 volume (10.4 GB)

The inputs are a 65-slice 2048 x 2048 uint16 stack, one file per slice (00.tif ... 64.tif) as the ink-detection
data comes, twice: uncompressed (raw/) and Deflate (deflate/, tifffile's zlib, 64 KB strips), plus a fragment-like
mask (mask.npy). Timed, each --repeat times after one warm-up (median and every time, in seconds):
  ReadRaw, ReadDeflate  tifffile.imread of the 65 files into one (65, 2048, 2048) array (the files are in the page
                        cache after the warm-up, as Engine's are)
  TileNormalize         128 tiles of the middle 35 slices (15..49), 256 x 256 at stride 128 over the mask (the first
                        128 of the solutions' grid), cut from the volume held in memory, x.astype(float32) / 65535,
                        then (x - x.mean()) / (x.std(ddof=1) + 1e-6) per tile: the solutions' dataset in numpy
  TileNormalizeInMemory the same loop (reported again under the name of Engine's in-memory counterpart, which
                        cuts the tiles from the same band held in memory rather than reading it from the files)
  Normalize             the per-patch normalization alone, the issue's measurement: the same 128 tiles, cut and
                        scaled beforehand (128 float32 patches of 35 x 256 x 256, 1.2 GB, in memory), each
                        normalized into a preallocated output
Deflate shrinks the data by only about 15 % (smooth structure plus 9 bits of noise), as it does real scans.
"""
import argparse
import json
import os

import numpy as np
import tifffile

from peer_timing import timed  # the protocol every peer shares

SLICES, SIZE, SEED = 65, 2048, 20261124
TILE, STRIDE, FIRST, LAST, TILES = 256, 128, 15, 49, 128


def fragment_mask(height, width):
    yy, xx = np.mgrid[0:height, 0:width]
    return ((((yy - height * 0.5) / (height * 0.45)) ** 2 + ((xx - width * 0.5) / (width * 0.42)) ** 2) < 1).astype(np.uint8)


def make_slice(rng, index, height, width):
    """Smooth ridges plus sensor noise, so Deflate has something to compress, as in real scans."""
    y = np.arange(height, dtype=np.float32)[:, None]
    x = np.arange(width, dtype=np.float32)[None, :]
    smooth = 20000 + 8000 * np.sin(x / 97.0 + index / 5.0) + 6000 * np.cos(y / 131.0 - index / 7.0)
    noise = rng.integers(0, 512, size=(height, width), dtype=np.uint16)
    return (smooth.astype(np.uint16) + noise).astype(np.uint16)


def make_data(folder):
    rng = np.random.default_rng(SEED)
    for name in ("raw", "deflate"):
        os.makedirs(os.path.join(folder, name), exist_ok=True)
    for i in range(SLICES):
        page = make_slice(rng, i, SIZE, SIZE)
        tifffile.imwrite(os.path.join(folder, "raw", f"{i:02d}.tif"), page, photometric="minisblack")
        tifffile.imwrite(os.path.join(folder, "deflate", f"{i:02d}.tif"), page, photometric="minisblack",
                         compression="zlib", rowsperstrip=16)
    np.save(os.path.join(folder, "mask.npy"), fragment_mask(SIZE, SIZE))
    print(f"wrote {SLICES} slices of {SIZE} x {SIZE} twice to {folder}")


def make_large(folder, slices=65, height=10_000, width=8_000):
    """The fragment-sized volume for the memory check: 65 x 10,000 x 8,000 uint16 (10.4 GB), uncompressed."""
    rng = np.random.default_rng(SEED)
    os.makedirs(folder, exist_ok=True)
    for i in range(slices):
        tifffile.imwrite(os.path.join(folder, f"{i:02d}.tif"), make_slice(rng, i, height, width), photometric="minisblack")
    np.save(os.path.join(folder, "mask.npy"), fragment_mask(height, width))
    print(f"wrote {slices} slices of {height} x {width} to {folder}")


def grid(mask):
    """The solutions' tile loop: pad by tile - size % tile, origins every stride, keep tiles touching the mask."""
    padded = np.pad(mask, [(0, TILE - mask.shape[0] % TILE), (0, TILE - mask.shape[1] % TILE)])
    return [(y, x)
            for y in range(0, padded.shape[0] - TILE + 1, STRIDE)
            for x in range(0, padded.shape[1] - TILE + 1, STRIDE)
            if padded[y:y + TILE, x:x + TILE].any()]


def files(folder, name):
    return [os.path.join(folder, name, f"{i:02d}.tif") for i in range(SLICES)]


def tile_normalize(volume, origins):
    padded = np.pad(volume, [(0, 0), (0, TILE), (0, TILE)])
    out = np.empty((len(origins), LAST - FIRST + 1, TILE, TILE), dtype=np.float32)
    for n, (y, x) in enumerate(origins):
        t = padded[:, y:y + TILE, x:x + TILE].astype(np.float32) / np.float32(65535.0)
        out[n] = (t - t.mean()) / (t.std(ddof=1) + 1e-6)
    return out


def cut_scaled(volume, origins):
    """The tiles of tile_normalize before normalization: Normalize's input, built the same way by Engine's suite."""
    padded = np.pad(volume, [(0, 0), (0, TILE), (0, TILE)])
    out = np.empty((len(origins), LAST - FIRST + 1, TILE, TILE), dtype=np.float32)
    for n, (y, x) in enumerate(origins):
        out[n] = padded[:, y:y + TILE, x:x + TILE].astype(np.float32) / np.float32(65535.0)
    return out


def normalize(patches, out):
    for n in range(len(patches)):
        x = patches[n]
        out[n] = (x - x.mean()) / (x.std(ddof=1) + 1e-6)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("folder")
    parser.add_argument("--make-data", action="store_true")
    parser.add_argument("--make-large", action="store_true")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    if args.make_data:
        make_data(args.folder)
        return
    if args.make_large:
        make_large(args.folder)
        return

    timings = {
        "ReadRaw": timed(lambda: tifffile.imread(files(args.folder, "raw")), args.repeat),
        "ReadDeflate": timed(lambda: tifffile.imread(files(args.folder, "deflate")), args.repeat),
    }
    middle = tifffile.imread(files(args.folder, "raw")[FIRST:LAST + 1])
    origins = grid(np.load(os.path.join(args.folder, "mask.npy")))[:TILES]
    timings["TileNormalize"] = timed(lambda: tile_normalize(middle, origins), args.repeat)
    # numpy's TileNormalize already cuts from the volume in memory: the like-for-like peer of Engine's in-memory row.
    timings["TileNormalizeInMemory"] = timings["TileNormalize"]
    patches = cut_scaled(middle, origins)
    del middle
    normalized = np.empty_like(patches)
    timings["Normalize"] = timed(lambda: normalize(patches, normalized), args.repeat)
    print(json.dumps({"tifffile": f"{tifffile.__version__} (numpy {np.__version__})", "timings": timings}))


if __name__ == "__main__":
    main()
