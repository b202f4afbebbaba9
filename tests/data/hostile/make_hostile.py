#!/usr/bin/python3
"""Hostile and corrupt inputs for Engine's PNG, .npy, .fvecs and JSON-boxes readers (issue 12).

    apt-get install python3-numpy        # only to record numpy's own verdict on each .npy
    /usr/bin/python3 tests/data/hostile/make_hostile.py

Writes beside itself, deterministically (no timestamps, no randomness):
  png/*.png     flipped bytes in IDAT (CRC stale, CRC fixed up so only inflate/Adler-32 can tell), in the
                Adler-32 trailer, in a tEXt chunk; truncations; 30,000 x 30,000 and 40,000 x 40,000 declared
                over a few bytes of data; a chunk type holding control bytes; IHDR lies (bit depth, colour
                type, zero width, interlace method, CRC); zlib streams with extra bytes, without the Adler-32
                trailer, inflating to too much or too little; no IDAT; IDAT chunks split by another chunk; a
                preset-dictionary zlib header; and valid files Engine must
                still read (Adam7 interlaced, IDAT split into three chunks, a zero-length IDAT chunk, rows using
                every filter type at 8 and 1 bits) holding the same pixels as valid_gray8.png or stb's decode holding the same pixels as valid_gray8.png.
  npy/*.npy     a repeated 'shape' key, an extra key, a missing key, shape larger than the data, a huge
                shape, bad and escaped descrs, odd fortran_order values, a list or an int as shape, a
                negative dimension, text after the dict, NUL padding, a header length of 4 GiB, a header
                over numpy's 10,000 characters; and valid spellings numpy accepts (keys reordered, double
                quotes, no trailing comma, "((3),)", Python 2 "3L").
  npy/expected.json   per .npy file: what numpy 1.24's np.load does with it ("ok" and the shape, or the
                error), so the tests can check Engine never reads a file differently from numpy.
  fvecs/*.fvecs truncated files, dimension fields that disagree, dimensions 2^31 - 1, 0 and negative.
  json/*.json   scores of 1e308, NaN and Infinity literals, numbers beyond double, huge coordinates and
                weights, wrong types, mismatched lengths, three-value boxes, fractional labels, a raw form
                feed; and boxes out of order / out of range, which ensemble-boxes fixes with a warning.
"""
import json
import os
import struct
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))


def write(folder, name, data):
    os.makedirs(os.path.join(HERE, folder), exist_ok=True)
    with open(os.path.join(HERE, folder, name), "wb") as f:
        f.write(data)


# ---------------------------------------------------------------- PNG

def chunk(kind, data, crc=None):
    if crc is None:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)


def ihdr(width, height, depth=8, color=0, interlace=0, compression=0, filt=0):
    return chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, depth, color, compression, filt, interlace))


SIG = b"\x89PNG\r\n\x1a\n"
W, H = 80, 64
PIXELS = [[(x * 3 + y * 5) % 256 if (x // 8 + y // 8) % 2 else 0 for x in range(W)] for y in range(H)]


def raw_rows(rows):
    return b"".join(b"\x00" + bytes(r) for r in rows)


def png(rows_raw, width=W, height=H, depth=8, color=0, interlace=0, extra=b"", idat_chunks=None):
    z = zlib.compress(rows_raw, 9) if idat_chunks is None else None
    idats = idat_chunks if idat_chunks is not None else [z]
    return SIG + ihdr(width, height, depth, color, interlace) + extra + b"".join(chunk(b"IDAT", d) for d in idats) + chunk(b"IEND", b"")


def chunks_of(data):
    """(offset, type) of each chunk."""
    at, out = 8, []
    while at < len(data):
        n = struct.unpack(">I", data[at:at + 4])[0]
        out.append((at, data[at + 4:at + 8]))
        at += 12 + n
    return out


def fix_crc(data, at):
    n = struct.unpack(">I", data[at:at + 4])[0]
    crc = zlib.crc32(bytes(data[at + 4:at + 8 + n])) & 0xFFFFFFFF
    data[at + 8 + n:at + 12 + n] = struct.pack(">I", crc)


def flipped(data, kind, index_in_data, fix):
    data = bytearray(data)
    at = [a for a, k in chunks_of(bytes(data)) if k == kind][0]
    data[at + 8 + index_in_data] ^= 0x10
    if fix:
        fix_crc(data, at)
    return bytes(data)


def adam7(rows):
    out = b""
    for xs, ys, dx, dy in [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]:
        for y in range(ys, len(rows), dy):
            line = bytes(rows[y][x] for x in range(xs, len(rows[0]), dx))
            if line:
                out += b"\x00" + line
    return out


def make_png():
    raw = raw_rows(PIXELS)
    z = zlib.compress(raw, 9)
    text = chunk(b"tEXt", b"Comment\x00made by make_hostile.py")
    valid = png(raw, extra=text)
    write("png", "valid_gray8.png", valid)
    write("png", "valid_interlaced.png", png(adam7(PIXELS), interlace=1))
    write("png", "valid_split_idat.png", png(raw, idat_chunks=[z[:10], z[10:100], z[100:]]))
    # Valid PNG; StbImageSharp reads a zero-length IDAT chunk as running out of data, Engine's gray decoder reads it.
    write("png", "valid_idat_empty_chunk.png", png(raw, idat_chunks=[z[:10], b"", z[10:]]))

    write("png", "idat_flip_stale_crc.png", flipped(valid, b"IDAT", len(z) // 2, fix=False))
    write("png", "idat_flip_crc_fixed.png", flipped(valid, b"IDAT", len(z) // 2, fix=True))
    write("png", "adler_flip_crc_fixed.png", flipped(valid, b"IDAT", len(z) - 2, fix=True))
    write("png", "text_flip_stale_crc.png", flipped(valid, b"tEXt", 3, fix=False))
    write("png", "ihdr_crc_bad.png", flipped(valid, b"IHDR", 12, fix=False))
    write("png", "truncated_half.png", valid[:len(valid) // 2])
    write("png", "truncated_before_iend.png", valid[:-12])
    write("png", "truncated_in_ihdr.png", valid[:20])

    tiny = zlib.compress(b"\x00" * 1000, 9)
    write("png", "declares_30000x30000_tiny_data.png", png(b"", 30000, 30000, idat_chunks=[tiny]))
    write("png", "declares_40000x40000.png", png(b"", 40000, 40000, idat_chunks=[tiny]))
    write("png", "garbage_chunk_type.png", SIG + ihdr(W, H) + chunk(b"a\x0cb\x1b", b"xyz") + chunk(b"IDAT", z) + chunk(b"IEND", b""))
    write("png", "ihdr_bad_depth.png", png(raw, depth=3))
    write("png", "ihdr_bad_color_type.png", png(raw, color=5))
    write("png", "ihdr_depth16_palette.png", png(raw, depth=16, color=3))
    write("png", "ihdr_zero_width.png", png(raw, width=0))
    write("png", "ihdr_interlace_2.png", png(raw, interlace=2))
    write("png", "zlib_extra_bytes.png", png(raw, idat_chunks=[z + b"JUNK"]))
    write("png", "zlib_no_adler.png", png(raw, idat_chunks=[z[:-4]]))
    write("png", "inflates_too_much.png", png(raw, height=H - 1, idat_chunks=[z]))
    write("png", "inflates_too_little.png", png(raw, height=H + 1, idat_chunks=[z]))
    write("png", "no_idat.png", SIG + ihdr(W, H) + chunk(b"IEND", b""))
    write("png", "idat_not_consecutive.png", SIG + ihdr(W, H) + chunk(b"IDAT", z[:50]) + text + chunk(b"IDAT", z[50:]) + chunk(b"IEND", b""))
    fdict = bytes([0x78, 0xBB]) + z[2:]  # FDICT set, header still a multiple of 31
    assert (fdict[0] * 256 + fdict[1]) % 31 == 0
    write("png", "zlib_preset_dictionary.png", png(raw, idat_chunks=[fdict]))
    write("png", "chunk_length_huge.png", SIG + ihdr(W, H) + struct.pack(">I", 0xFFFFFFF0) + b"IDAT" + z[:100])


# ---------------------------------------------------------------- .npy

def npy(header_text, data, version=(1, 0)):
    text = header_text.encode("latin1")
    if version[0] == 1:
        prefix = b"\x93NUMPY" + bytes(version) + struct.pack("<H", len(text))
    else:
        prefix = b"\x93NUMPY" + bytes(version) + struct.pack("<I", len(text))
    return prefix + text + data


def padded(d):
    # numpy's layout: dict, spaces, newline, total a multiple of 64 bytes
    total = 10 + len(d) + 1
    return d + " " * ((64 - total % 64) % 64) + "\n"


F6 = struct.pack("<6f", 1, 2, 3, 4, 5, 6)


def make_npy():
    cases = {
        "dup_shape.npy": npy(padded("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), 'shape': (3, 2), }"), F6),
        "dup_descr.npy": npy(padded("{'descr': '<f4', 'descr': '<i4', 'fortran_order': False, 'shape': (6,), }"), F6),
        "extra_key.npy": npy(padded("{'descr': '<f4', 'fortran_order': False, 'shape': (6,), 'extra': 1, }"), F6),
        "missing_key.npy": npy(padded("{'descr': '<f4', 'shape': (6,), }"), F6),
        "shape_larger_than_data.npy": npy(padded("{'descr': '<f4', 'fortran_order': False, 'shape': (3, 3), }"), F6),
        "huge_shape.npy": npy(padded("{'descr': '<f4', 'fortran_order': False, 'shape': (100000, 100000, 100000), }"), F6),
        "shape_over_int64.npy": npy(padded("{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999999,), }"), F6),
        "bad_descr.npy": npy(padded("{'descr': '<x9', 'fortran_order': False, 'shape': (6,), }"), F6),
        "descr_control_bytes.npy": npy(padded("{'descr': '<f\x0c4\x1b', 'fortran_order': False, 'shape': (6,), }"), F6),
        "descr_escape.npy": npy(padded("{'descr': '<f\\x34', 'fortran_order': False, 'shape': (6,), }"), F6),
        "descr_int.npy": npy(padded("{'descr': 4, 'fortran_order': False, 'shape': (6,), }"), F6),
        "fortran_zero.npy": npy(padded("{'descr': '<f4', 'fortran_order': 0, 'shape': (6,), }"), F6),
        "fortran_string.npy": npy(padded("{'descr': '<f4', 'fortran_order': 'False', 'shape': (6,), }"), F6),
        "fortran_none.npy": npy(padded("{'descr': '<f4', 'fortran_order': None, 'shape': (6,), }"), F6),
        "fortran_lowercase.npy": npy(padded("{'descr': '<f4', 'fortran_order': false, 'shape': (6,), }"), F6),
        "shape_list.npy": npy(padded("{'descr': '<f4', 'fortran_order': False, 'shape': [2, 3], }"), F6),
        "shape_int.npy": npy(padded("{'descr': '<f4', 'fortran_order': False, 'shape': (6), }"), F6),
        "shape_negative.npy": npy(padded("{'descr': '<f4', 'fortran_order': False, 'shape': (-2, -3), }"), F6),
        "shape_float.npy": npy(padded("{'descr': '<f4', 'fortran_order': False, 'shape': (2.0, 3), }"), F6),
        "shape_bool.npy": npy(padded("{'descr': '<f4', 'fortran_order': False, 'shape': (True, 6), }"), F6),
        "shape_leading_zero.npy": npy(padded("{'descr': '<f4', 'fortran_order': False, 'shape': (06,), }"), F6),
        "text_after_dict.npy": npy(padded("{'descr': '<f4', 'fortran_order': False, 'shape': (6,), } x"), F6),
        "not_a_dict.npy": npy(padded("['descr', '<f4']"), F6),
        "nul_padding.npy": npy("{'descr': '<f4', 'fortran_order': False, 'shape': (6,), }" + "\x00" * 60 + "\n", F6),
        "unterminated.npy": npy("{'descr': '<f4', 'fortran_order': False, 'shape': (6,", F6),
        "header_length_4gib.npy": b"\x93NUMPY\x02\x00" + struct.pack("<I", 0xFFFFFFFF) + b"{'descr'",
        "header_over_10000.npy": npy(padded("{'descr': '<f4', 'fortran_order': False, 'shape': (6,), }" + " " * 10050), F6, version=(2, 0)),
        # Fuzz finding (mutation suite, "field minor version @7 0 -> 255"): numpy reads only minor version 0.
        "version_3_255.npy": npy(padded("{'descr': '<f4', 'fortran_order': False, 'shape': (6,), }"), F6, version=(3, 255)),
        "version_1_1.npy": npy(padded("{'descr': '<f4', 'fortran_order': False, 'shape': (6,), }"), F6, version=(1, 1)),
        "data_longer_than_shape.npy": npy(padded("{'descr': '<f4', 'fortran_order': False, 'shape': (5,), }"), F6),
        # Spellings numpy accepts: Engine must read them as numpy does.
        "valid_reordered.npy": npy(padded("{'shape': (2, 3), 'fortran_order': False, 'descr': '<f4'}"), F6),
        "valid_double_quotes.npy": npy(padded('{"descr": "<f4", "fortran_order": False, "shape": (2, 3)}'), F6),
        "valid_nested_parens.npy": npy(padded("{'descr': '<f4', 'fortran_order': False, 'shape': ((6),), }"), F6),
        "valid_python2_long.npy": npy(padded("{'descr': '<f4', 'fortran_order': False, 'shape': (2L, 3L), }"), F6),
        "valid_tabs_newlines.npy": npy(padded("{'descr':\t'<f4',\n 'fortran_order': False,\n 'shape': (2,\n 3)}"), F6),
    }
    expected = {}
    try:
        import io
        import numpy as np
    except ImportError:
        np = None
    for name, data in cases.items():
        write("npy", name, data)
        if np is None:
            continue
        try:
            a = np.load(io.BytesIO(data), allow_pickle=False)
            expected[name] = {"numpy": "ok", "shape": list(a.shape), "values": [float(v) for v in a.ravel()]}
        except Exception as e:  # noqa: BLE001 - numpy's verdict, whatever it is
            expected[name] = {"numpy": "error", "error": f"{type(e).__name__}: {e}"[:200]}
    if np is not None:
        with open(os.path.join(HERE, "npy", "expected.json"), "w") as f:
            json.dump(expected, f, indent=1, sort_keys=True)
            f.write("\n")


# ---------------------------------------------------------------- .fvecs

def vec(dim, values):
    return struct.pack("<i", dim) + struct.pack(f"<{len(values)}f", *values)


def make_fvecs():
    good = b"".join(vec(8, [r + i / 10 for i in range(8)]) for r in range(3))
    write("fvecs", "valid_3x8.fvecs", good)
    write("fvecs", "truncated.fvecs", good[:-5])
    write("fvecs", "too_short.fvecs", b"\x08\x00\x00")
    write("fvecs", "first_vector_truncated.fvecs", vec(100, [1.0] * 50))
    write("fvecs", "inconsistent_dims.fvecs", vec(8, [1.0] * 8) + vec(8, [2.0] * 8) + vec(4, [3.0] * 4))
    write("fvecs", "inconsistent_same_length.fvecs", vec(8, [1.0] * 8) + vec(9, [2.0] * 8))
    write("fvecs", "dim_int_max.fvecs", vec(2**31 - 1, [1.0] * 16))
    write("fvecs", "dim_zero.fvecs", vec(0, []) + vec(0, []))
    write("fvecs", "dim_negative.fvecs", vec(-5, [1.0] * 5))


# ---------------------------------------------------------------- JSON boxes

def image(boxes, scores, labels, weights=None):
    d = {"models": [{"boxes": boxes, "scores": scores, "labels": labels}]}
    if weights is not None:
        d["weights"] = weights
    return d


def make_json():
    ok = [[0.1, 0.1, 0.4, 0.4]]
    cases = {
        "score_1e308.json": json.dumps([image(ok + ok, [1e308, 1e308], [0, 0])]),
        "nan_literal.json": '[{"models":[{"boxes":[[0.1,0.1,0.4,0.4]],"scores":[NaN],"labels":[0]}]}]',
        "infinity_literal.json": '[{"models":[{"boxes":[[0.1,0.1,0.4,0.4]],"scores":[Infinity],"labels":[0]}]}]',
        "nan_string.json": json.dumps([image(ok, ["NaN"], [0])]),
        "infinity_coordinate_string.json": json.dumps([image([[0.1, 0.1, "Infinity", 0.4]], [0.9], [0])]),
        "number_beyond_double.json": '[{"models":[{"boxes":[[0.1,0.1,0.4,0.4]],"scores":[1e400],"labels":[0]}]}]',
        "coordinate_1e200.json": json.dumps([image([[0.1, 0.1, 1e200, 0.4]], [0.9], [0])]),
        "weight_1e300.json": json.dumps([image(ok, [0.9], [0], weights=[1e300])]),
        "weight_zero.json": json.dumps([image(ok, [0.9], [0], weights=[0])]),
        "score_string.json": json.dumps([image(ok, ["high"], [0])]),
        "boxes_object.json": json.dumps([{"models": [{"boxes": {"x1": 0.1}, "scores": [0.9], "labels": [0]}]}]),
        "mismatched_lengths.json": json.dumps([image(ok, [0.9, 0.8], [0])]),
        "box_three_values.json": json.dumps([image([[0.1, 0.1, 0.4]], [0.9], [0])]),
        "label_fraction.json": json.dumps([image(ok, [0.9], [1.5])]),
        "form_feed.json": '[{"models":[{"boxes":[[0.1,0.1,0.4,0.4]],"scores":[0.9],\x0c"labels":[0]}\x1b]}]',
        "not_an_object.json": "[[1, 2]]",
        # ensemble-boxes fixes these with a warning, and so does Engine: they are not errors.
        "coords_out_of_order.json": json.dumps([image([[0.4, 0.4, 0.1, 0.1]], [0.9], [0])]),
        "coords_out_of_range.json": json.dumps([image([[-0.5, 0.1, 1.5, 0.4]], [0.9], [0])]),
    }
    for name, text in cases.items():
        write("json", name, text.encode("utf-8"))
    # Fuzz finding (mutation suite, "byte flip @382:69->AD"): a byte that is not UTF-8 in a key Engine never
    # reads; Python's json refuses the file, so Engine must too.
    write("json", "invalid_utf8_unread_key.json",
          b'[{"models":[{"boxes":[[0.1,0.1,0.4,0.4]],"scores":[0.9],"labels":[0],"not\xades":1}]}]\n')


make_png()
make_npy()
make_fvecs()
make_json()


# ---------------------------------------------------------------- every PNG filter, for the fast path vs stb

def filtered(rows, depth):
    """Rows packed at `depth` bits, each with filter type y % 5 (None, Sub, Up, Average, Paeth)."""
    def pack(r):
        if depth == 8:
            return bytes(r)
        out = bytearray((len(r) + 7) // 8)
        for x, v in enumerate(r):
            out[x >> 3] |= (1 if v else 0) << (7 - (x & 7))
        return bytes(out)
    prior, out = None, b""
    for y, r in enumerate(rows):
        line = pack(r)
        up = prior or bytes(len(line))
        f = y % 5
        enc = bytearray(len(line))
        for i, v in enumerate(line):
            a = line[i - 1] if i else 0
            b = up[i]
            c = up[i - 1] if i else 0
            if f == 0: p = 0
            elif f == 1: p = a
            elif f == 2: p = b
            elif f == 3: p = (a + b) >> 1
            else:
                q = a + b - c
                pa, pb, pc = abs(q - a), abs(q - b), abs(q - c)
                p = a if pa <= pb and pa <= pc else b if pb <= pc else c
            enc[i] = (v - p) & 0xFF
        out += bytes([f]) + bytes(enc)
        prior = line
    return out


def make_filters():
    noisy = [[(x * 7919 + y * 104729 + (x * y) % 251) % 256 for x in range(37)] for y in range(23)]
    write("png", "valid_filters_gray8.png", png(filtered(noisy, 8), width=37, height=23))
    write("png", "valid_filters_gray1.png", png(filtered(noisy, 1), width=37, height=23, depth=1))
    bad = bytearray(filtered(noisy, 8))
    bad[3 * 38] = 5  # row 3's filter type: PNG has 0 to 4 (zlib data and CRC are valid)
    write("png", "row_filter_5.png", png(bytes(bad), width=37, height=23))


make_filters()
