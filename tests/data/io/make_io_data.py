#!/usr/bin/python3
"""Reference files for Engine.IO, written by numpy, tifffile, libtiff's tiffcp and a tiny PNG writer.

    apt-get install python3-numpy python3-tifffile libtiff-tools
    /usr/bin/python3 tests/data/io/make_io_data.py

Writes beside itself (deterministic: fixed seed, no timestamps):
  npy_*.npy   — numpy's np.save / np.lib.format.write_array: every dtype Engine reads, a 0-d array,
                a 1-element array, an empty array, odd shapes, format versions 2.0 and 3.0, and the files
                Engine must refuse (Fortran order, big-endian, complex, structured);
  png_*.png   — grayscale 1/4/8/16-bit, gray+alpha, RGB with equal channels, RGB with colour, a gray
                palette; written by the writer below (zlib + struct) so every bit depth and colour type
                is exactly what the file name says;
  tiff_*.tif  — tifffile: uint8, uint16, float32, deflate, deflate + predictor, several strips, tiled,
                big-endian, two pages, and the refused RGB and int16; tiffcp: LZW and LZW with the
                floating-point predictor;
  expected.json — per file: shape (npy) or width/height (png, tiff) and the values Engine must return,
                row-major. Non-finite floats are the strings "NaN", "Infinity", "-Infinity" because JSON
                has no numbers for them. For PNGs these are what stb_image gives: 1/2/4-bit gray scaled
                to 0..255 (× 255, × 85, × 17), 16-bit reduced to its high byte (v >> 8), alpha dropped.
"""
import json
import math
import os
import struct
import subprocess
import zlib

import numpy as np
import tifffile

HERE = os.path.dirname(os.path.abspath(__file__))
expected = {}


def path(name):
    return os.path.join(HERE, name)


def json_values(a):
    """Row-major values as JSON numbers; non-finite floats as strings .NET's double.Parse reads."""
    out = []
    for v in np.asarray(a).reshape(-1).tolist():
        if isinstance(v, float) and not math.isfinite(v):
            v = "NaN" if math.isnan(v) else ("Infinity" if v > 0 else "-Infinity")
        out.append(v)
    return out


# ---------------------------------------------------------------- npy
def save_npy(name, a, version=None, values=None):
    """Saves a with numpy; records shape and the values Engine's float reader must give (float32 of each)."""
    with open(path(name), "wb") as f:
        if version is None:
            np.save(f, a)
        else:
            np.lib.format.write_array(f, a, version=version)
    if values is not None:
        expected[name] = {"shape": list(np.shape(a)), "values": json_values(values)}


def npy_files(rng):
    f4 = np.array([[0.0, -0.0, 1.0, -1.5],
                   [np.float32(0.1), 1e-45, np.finfo(np.float32).max, np.finfo(np.float32).tiny],
                   [np.nan, np.inf, -np.inf, 3.25]], dtype=np.float32)
    save_npy("npy_f4_3x4.npy", f4, values=f4)
    f8 = rng.standard_normal((2, 3, 5))
    f8[0, 0, 0] = 5e-324
    save_npy("npy_f8_2x3x5.npy", f8, values=f8)
    i4 = np.array([0, 1, -1, 2**31 - 1, -2**31, 16777217, 123456], dtype=np.int32)
    save_npy("npy_i4_7.npy", i4, values=i4)
    i8 = np.array([[2**63 - 1, -2**63], [2**53 + 1, -42]], dtype=np.int64)
    save_npy("npy_i8_2x2.npy", i8, values=i8)
    u1 = rng.integers(0, 256, (5, 3), dtype=np.uint8)
    u1[0, 0], u1[0, 1] = 0, 255
    save_npy("npy_u1_5x3.npy", u1, values=u1)
    b1 = rng.random((4, 5)) < 0.5
    save_npy("npy_b1_4x5.npy", b1, values=b1.astype(np.uint8))
    u2 = np.array([[0, 1, 255], [256, 32768, 65535], [1000, 4095, 12345]], dtype="<u2")
    save_npy("npy_u2_3x3.npy", u2, values=u2)
    f2 = np.array([[0.0, 0.1, -2.5, 65504.0, 6e-8], [np.nan, np.inf, -np.inf, 1.0 / 3.0, -0.0]], dtype="<f2")
    save_npy("npy_f2_2x5.npy", f2, values=f2.astype(np.float32))
    save_npy("npy_f8_scalar.npy", np.array(2.718281828459045), values=[2.718281828459045])
    save_npy("npy_f4_one.npy", np.array([7.5], dtype=np.float32), values=[7.5])
    save_npy("npy_u1_empty.npy", np.zeros((0, 3), dtype=np.uint8), values=[])
    v2 = np.arange(6, dtype=np.float32).reshape(2, 3) / 4
    save_npy("npy_f4_v2.npy", v2, version=(2, 0), values=v2)
    save_npy("npy_f4_v3.npy", v2, version=(3, 0), values=v2)
    save_npy("npy_f4_fortran.npy", np.asfortranarray(np.arange(12, dtype=np.float32).reshape(3, 4)))
    save_npy("npy_f4_bigendian.npy", np.arange(4, dtype=">f4"))
    save_npy("npy_c8.npy", np.zeros(3, dtype=np.complex64))
    save_npy("npy_structured.npy", np.zeros(3, dtype=[("x", "<f4"), ("y", "<i4")]))


# ---------------------------------------------------------------- png
def png_chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def write_png(name, width, rows, bit_depth, color_type, palette=None):
    """rows: list of bytes, each one scanline already packed; filter type 0 on every line."""
    height = len(rows)
    raw = b"".join(b"\x00" + r for r in rows)
    body = png_chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, bit_depth, color_type, 0, 0, 0))
    if palette is not None:
        body += png_chunk(b"PLTE", bytes(palette))
    body += png_chunk(b"IDAT", zlib.compress(raw, 9)) + png_chunk(b"IEND", b"")
    with open(path(name), "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + body)


def pack_bits(values, bit_depth):
    """Packs one row of small integers MSB first, padding the last byte with zeros, as PNG does."""
    bits = "".join(format(v, "0%db" % bit_depth) for v in values)
    bits += "0" * (-len(bits) % 8)
    return bytes(int(bits[i:i + 8], 2) for i in range(0, len(bits), 8))


def record_png(name, gray):
    expected[name] = {"width": int(gray.shape[1]), "height": int(gray.shape[0]), "values": json_values(gray)}


def png_files(rng):
    gray8 = rng.integers(0, 256, (5, 7), dtype=np.uint8)
    gray8[0, :2] = [0, 255]
    write_png("png_gray8.png", 7, [r.tobytes() for r in gray8], 8, 0)
    record_png("png_gray8.png", gray8)

    gray1 = (rng.random((3, 9)) < 0.5).astype(np.uint8)  # width 9: the last byte of each row is padded
    write_png("png_gray1.png", 9, [pack_bits(r, 1) for r in gray1], 1, 0)
    record_png("png_gray1.png", gray1 * 255)

    gray4 = np.arange(16, dtype=np.uint8).reshape(2, 8)
    write_png("png_gray4.png", 8, [pack_bits(r, 4) for r in gray4], 4, 0)
    record_png("png_gray4.png", gray4 * 17)

    gray16 = np.array([[0, 1, 255, 256], [257, 32768, 65535, 0x12FF], [0xABCD, 1000, 60000, 511]], dtype=">u2")
    write_png("png_gray16.png", 4, [r.tobytes() for r in gray16], 16, 0)
    record_png("png_gray16.png", (gray16 >> 8).astype(np.uint8))

    alpha = rng.integers(0, 256, gray8.shape, dtype=np.uint8)
    write_png("png_gray_alpha.png", 7, [np.stack([g, a], -1).tobytes() for g, a in zip(gray8, alpha)], 8, 4)
    record_png("png_gray_alpha.png", gray8)

    rgb = np.repeat(gray8[..., None], 3, axis=-1)
    write_png("png_rgb_gray.png", 7, [r.tobytes() for r in rgb], 8, 2)
    record_png("png_rgb_gray.png", gray8)

    rgba = np.concatenate([rgb, alpha[..., None]], axis=-1)
    write_png("png_rgba_gray.png", 7, [r.tobytes() for r in rgba], 8, 6)
    record_png("png_rgba_gray.png", gray8)

    color = rgb.copy()
    color[3, 4] = [200, 10, 10]  # one red pixel among grays
    write_png("png_rgb_color.png", 7, [r.tobytes() for r in color], 8, 2)

    levels = np.array([0, 40, 128, 255], dtype=np.uint8)
    index = rng.integers(0, 4, (3, 6), dtype=np.uint8)
    write_png("png_palette_gray.png", 6, [r.tobytes() for r in index], 8, 3,
              palette=np.repeat(levels[:, None], 3, axis=1).reshape(-1).tolist())
    record_png("png_palette_gray.png", levels[index])


# ---------------------------------------------------------------- tiff
def save_tiff(name, a, values=None, **kwargs):
    # software=False, no metadata: nothing in the file depends on the tifffile version or the clock
    tifffile.imwrite(path(name), a, software=False, metadata=None, photometric="minisblack", **kwargs)
    if values is not None:
        expected[name] = {"width": int(a.shape[-1]), "height": int(a.shape[-2]), "values": json_values(values)}


def tiff_files(rng):
    u8 = rng.integers(0, 256, (7, 13), dtype=np.uint8)
    save_tiff("tiff_u8.tif", u8, values=u8)
    u16 = rng.integers(0, 65536, (9, 11), dtype=np.uint16)
    u16[0, :3] = [0, 1, 65535]
    save_tiff("tiff_u16.tif", u16, values=u16)
    f32 = rng.standard_normal((6, 10)).astype(np.float32)
    f32[0, :4] = [np.nan, np.inf, -np.inf, -0.0]
    save_tiff("tiff_f32.tif", f32, values=f32)
    probs = (1 / (1 + np.exp(-rng.standard_normal((15, 21)) * 3))).astype(np.float32)
    save_tiff("tiff_f32_deflate.tif", probs, values=probs, compression="zlib")
    save_tiff("tiff_u16_deflate_predictor.tif", u16, values=u16, compression="zlib", predictor=True)
    save_tiff("tiff_f32_strips.tif", probs, values=probs, rowsperstrip=4)  # 15 rows: last strip is short
    tiled = rng.standard_normal((20, 33)).astype(np.float32)  # 16×16 tiles: edge tiles are partial
    save_tiff("tiff_f32_tiled.tif", tiled, values=tiled, tile=(16, 16))
    save_tiff("tiff_u16_bigendian.tif", u16, values=u16, byteorder=">")
    pages = np.stack([u8, 255 - u8])
    save_tiff("tiff_u8_two_pages.tif", pages, values=u8)
    tifffile.imwrite(path("tiff_rgb.tif"), rng.integers(0, 256, (4, 5, 3), dtype=np.uint8),
                     software=False, metadata=None, photometric="rgb")
    save_tiff("tiff_i16.tif", rng.integers(-100, 100, (4, 5), dtype=np.int16))

    # Different software: libtiff's own LZW encoder, with and without the floating-point predictor.
    subprocess.run(["tiffcp", "-c", "lzw", path("tiff_u8.tif"), path("tiff_u8_lzw_tiffcp.tif")], check=True)
    expected["tiff_u8_lzw_tiffcp.tif"] = expected["tiff_u8.tif"]
    subprocess.run(["tiffcp", "-c", "lzw:3", path("tiff_f32_deflate.tif"), path("tiff_f32_lzw_fp_tiffcp.tif")],
                   check=True)
    expected["tiff_f32_lzw_fp_tiffcp.tif"] = expected["tiff_f32_deflate.tif"]


def main():
    rng = np.random.default_rng(20240611)
    npy_files(rng)
    png_files(rng)
    tiff_files(rng)
    with open(path("expected.json"), "w") as f:
        # one file per line: small, and a diff shows which file's values changed
        f.write("{\n" + ",\n".join("%s: %s" % (json.dumps(k), json.dumps(v, separators=(",", ":")))
                                     for k, v in sorted(expected.items())) + "\n}\n")


if __name__ == "__main__":
    main()
