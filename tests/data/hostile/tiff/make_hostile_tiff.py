#!/usr/bin/python3
"""Makes the hostile and corrupt TIFFs of issue 12 (TIFF readers): run from this folder with /usr/bin/python3.

Every file here must make Engine fail with one clean InvalidDataException naming the file (expected.json lists
them with what they exercise). Valid pages are written by tifffile (Deflate via Python's zlib) and tiffcp
(LZW, PackBits); the damage is patched in with struct, so each file is a few hundred bytes.
"""
import json, os, shutil, struct, subprocess, zlib
import numpy as np
import tifffile

HERE = os.path.dirname(os.path.abspath(__file__))
W, H, RPS = 32, 24, 8
expected = {}


def image(seed=0, w=W, h=H):
    y, x = np.mgrid[0:h, 0:w]
    return ((seed * 7919 + y * 131 + x * 17 + (x * y % 97) * 251) & 0xFFFF).astype(np.uint16)


def path(name):
    return os.path.join(HERE, name)


def note(name, what):
    expected[name] = what


def write(name, data=None, **kw):
    tifffile.imwrite(path(name), image() if data is None else data, photometric='minisblack', **kw)
    return bytearray(open(path(name), 'rb').read())


def save(name, data, what):
    open(path(name), 'wb').write(bytes(data))
    note(name, what)


def tags(data):
    """{tag: (entry offset, type, count, value or value offset)} of every page, classic little-endian only."""
    pages, ifd = [], struct.unpack_from('<I', data, 4)[0]
    while ifd and len(pages) < 64:
        n = struct.unpack_from('<H', data, ifd)[0]
        entries = {}
        for i in range(n):
            e = ifd + 2 + 12 * i
            tag, typ, count, value = struct.unpack_from('<HHII', data, e)
            entries[tag] = (e, typ, count, value)
        link = ifd + 2 + 12 * n
        pages.append((ifd, entries, link))
        ifd = struct.unpack_from('<I', data, link)[0]
    return pages


def strips(data, page=0, offsets=273, counts=279):
    _, entries, _ = tags(data)[page]
    def values(tag):
        e, typ, count, value = entries[tag]
        fmt = {3: 'H', 4: 'I'}[typ]
        if count * struct.calcsize(fmt) <= 4:
            return list(struct.unpack_from('<' + fmt * count, data, e + 8))
        return list(struct.unpack_from('<' + fmt * count, data, value))
    return list(zip(values(offsets), values(counts)))


def set_value(data, tag, value, page=0, typ=4):
    e = tags(data)[page][1][tag][0]
    struct.pack_into('<HII', data, e + 2, typ, 1, value)


def set_item(data, tag, index, value, page=0):
    """Sets value [index] of an array tag (StripOffsets, StripByteCounts, …) in its own type, inline or not."""
    e, typ, count, where = tags(data)[page][1][tag]
    fmt = {3: '<H', 4: '<I'}[typ]
    size = struct.calcsize(fmt)
    struct.pack_into(fmt, data, (e + 8 if count * size <= 4 else where) + index * size, value)


def tiffcp(source, name, codec, *extra):
    subprocess.run(['tiffcp', '-c', codec, *extra, path(source), path(name)], check=True)
    return bytearray(open(path(name), 'rb').read())


# 1. Deflate strips with flipped bytes. The seeds kept are ones whose strip inflated to its full length with
# wrong values when only the first block-length bytes were read (what Engine did), plus ones zlib rejects outright.
base = write('_deflate.tif', compression='zlib', rowsperstrip=RPS)
raw = image().tobytes()
silent, loud = [], []
for seed in range(2000):
    rng = np.random.default_rng(seed)
    data = bytearray(base)
    strip = int(rng.integers(0, 3))
    off, count = strips(data)[strip]
    for _ in range(3):
        data[off + 2 + int(rng.integers(0, count - 2))] ^= int(rng.integers(1, 256))
    block = bytes(data[off:off + count])
    want = raw[strip * RPS * W * 2:(strip + 1) * RPS * W * 2]
    try:
        partial = zlib.decompressobj().decompress(block, len(want))
    except zlib.error:
        partial = None
    try:
        whole = zlib.decompress(block)
    except zlib.error:
        whole = None
    if partial is not None and len(partial) == len(want) and partial != want and whole is None and len(silent) < 4:
        silent.append((seed, data))
    elif partial is None and len(loud) < 2:
        loud.append((seed, data))
for seed, data in silent:
    save(f'deflate_flip_silent_{seed}.tif', data, 'Deflate strip with 3 flipped bytes that used to inflate to full length with wrong values (Adler-32 fails)')
for seed, data in loud:
    save(f'deflate_flip_{seed}.tif', data, 'Deflate strip with 3 flipped bytes that zlib rejects')

# The trailer alone: the Adler-32 flipped, and the stream cut by its 4 checksum bytes (the byte count too).
data = bytearray(base); off, count = strips(data)[1]; data[off + count - 1] ^= 0x5A
save('deflate_adler_flipped.tif', data, 'Deflate strip whose Adler-32 trailer is wrong')
data = bytearray(base)
set_item(data, 279, 1, strips(data)[1][1] - 4)
save('deflate_strip_short_count.tif', data, 'Deflate strip byte count 4 short: the stream has no checksum')
set_item(data, 279, 1, strips(base)[1][1] + 40)
save('deflate_strip_long_count.tif', data, 'Deflate strip byte count 40 long: the stream ends before the declared end')

# A strip whose stream holds more rows than the strip: inflates past its length.
data = bytearray(base)
off, count = strips(data)[0]
bigger = zlib.compress(raw[:RPS * W * 2 + W * 2])
data[off:off] = b''  # keep layout; write the longer stream at the end instead
set_item(data, 273, 0, len(data))
set_item(data, 279, 0, len(bigger))
data += bigger
save('deflate_strip_overrun.tif', data, 'Deflate strip 0 inflates to one row more than the strip holds')

tiled = write('_deflate_tiled.tif', compression='zlib', tile=(16, 16))
off, count = strips(tiled, offsets=324, counts=325)[2]
data = bytearray(tiled); data[off + count // 2] ^= 0xFF; data[off + count // 2 + 1] ^= 0x3C
save('deflate_tiled_flip.tif', data, 'Deflate tile with 2 flipped bytes')

# Floating-point predictor with Deflate (decoded by Engine since the fix, not by LibTiff.NET).
write('_float.tif', data=image().astype(np.float32) / 7, rowsperstrip=RPS)
fp = tiffcp('_float.tif', '_float_fp.tif', 'zip:3')
off, count = strips(fp)[1]; data = bytearray(fp); data[off + count - 3] ^= 0x01
save('deflate_fp_predictor_flip.tif', data, 'Deflate + floating-point predictor strip with its checksum flipped')

# 2. LZW and PackBits.
plain = write('_plain.tif', rowsperstrip=RPS)
lzw = tiffcp('_plain.tif', '_lzw.tif', 'lzw')
off, count = strips(lzw)[1]
data = bytearray(lzw); data[off + count // 2] ^= 0xFF
save('lzw_flip.tif', data, 'LZW strip with a flipped byte')
data = bytearray(lzw)
set_item(data, 279, 1, count // 2)
save('lzw_strip_short.tif', data, 'LZW strip byte count halved: decodes short')
packbits = tiffcp('_plain.tif', '_packbits.tif', 'packbits')
off, count = strips(packbits)[0]
data = bytearray(packbits)
data[off] = 0x81  # a run of 128 where a literal header was: runs past the strip's end or shifts every byte
save('packbits_run_overrun.tif', data, 'PackBits strip whose first header became a 128-byte run')
data = bytearray(packbits)
set_item(data, 279, 0, count - 7)
save('packbits_strip_short.tif', data, 'PackBits strip byte count 7 short: decodes short')

# 3. Uncompressed strips shorter than declared, and a strip table pointing past the end.
data = bytearray(plain)
set_item(data, 279, 1, RPS * W * 2 - 10)
save('none_strip_short_count.tif', data, 'Uncompressed strip byte count 10 short')
data = bytearray(plain)
set_item(data, 273, 2, len(data) + 100)
save('none_strip_past_eof.tif', data, 'Uncompressed strip offset past the end of the file')
data = bytearray(base)
set_item(data, 279, 2, 60000)
save('deflate_byte_count_huge.tif', data, 'Deflate strip byte count of 60000 in a 2 KB file')

# 4. Huge declared sizes.
for name, tag, value in [('huge_length.tif', 257, 2**31 - 1), ('huge_width.tif', 256, 2**31 - 1),
                         ('huge_length_2e20.tif', 257, 1 << 20)]:
    data = bytearray(base); set_value(data, tag, value)
    save(name, data, f'tag {tag} = {value} in a {len(data)}-byte Deflate file')
data = bytearray(base); set_value(data, 257, 2**31 - 1); set_value(data, 278, 2**31 - 1)
save('huge_length_one_strip.tif', data, 'ImageLength and RowsPerStrip 2^31-1: one strip of 64 GB declared')
one = write('_one_strip.tif', data=np.zeros((64, 64), np.uint16), compression='zlib', rowsperstrip=64)
data = bytearray(one); set_value(data, 256, 60000); set_value(data, 257, 60000); set_value(data, 278, 60000)
save('huge_ratio.tif', data, '60000 x 60000 declared in one small Deflate strip: more than Deflate can inflate to')
data = bytearray(base)
e = tags(data)[0][1][273][0]; struct.pack_into('<I', data, e + 4, 0x3FFFFFFF)
save('huge_strip_count.tif', data, 'StripOffsets declaring 2^30 values')
data = bytearray(base)
e = tags(data)[0][1][279][0]; struct.pack_into('<I', data, e + 4, 2)
save('strip_table_mismatch.tif', data, 'StripByteCounts with 2 values for 3 strips')
data = bytearray(tiled); set_value(data, 322, 1 << 30)
save('huge_tile_width.tif', data, 'TileWidth 2^30')
data = bytearray(base); set_value(data, 277, 30000, typ=3)
save('huge_samples.tif', data, 'SamplesPerPixel 30000')
data = bytearray(base); struct.pack_into('<H', data, tags(data)[0][0], 60000)
save('huge_entry_count.tif', data, 'first directory declaring 60000 entries')

# 5. Multi-page: truncated (plain and BigTIFF), a loop, a link past the end, a link into garbage.
stack = np.stack([image(s, 16, 12) for s in range(6)])
multi = write('_multi.tif', data=stack)
multi_big = bytearray(tifffile.imwrite(path('_multi_big.tif'), stack, photometric='minisblack', bigtiff=True) or open(path('_multi_big.tif'), 'rb').read())
save('multipage_truncated.tif', multi[:len(multi) * 6 // 10], 'six-page TIFF cut at 60 %')
save('multipage_truncated_bigtiff.tif', multi_big[:len(multi_big) * 6 // 10], 'six-page BigTIFF cut at 60 %')
pages = tags(multi)
data = bytearray(multi); struct.pack_into('<I', data, pages[3][2], pages[1][0])
save('multipage_loop.tif', data, 'page 3 links back to page 1')
data = bytearray(multi); struct.pack_into('<I', data, pages[2][2], len(data) + 4096)
save('multipage_next_past_eof.tif', data, 'page 2 links past the end of the file')
data = bytearray(multi); struct.pack_into('<I', data, pages[2][2], strips(multi, page=1)[0][0] + 1)
save('multipage_next_garbage.tif', data, 'page 2 links into pixel data')

# 6. Slice folders: one slice corrupt, one of another size.
for folder, bad in [('folder_corrupt_slice', 'deflate'), ('folder_other_size', 'size')]:
    shutil.rmtree(path(folder), ignore_errors=True)
    os.makedirs(path(folder))
    for s in range(3):
        data = image(s, 20, 16) if not (bad == 'size' and s == 2) else image(s, 20, 17)
        tifffile.imwrite(path(f'{folder}/{s:02d}.tif'), data, photometric='minisblack', compression='zlib', rowsperstrip=8)
    if bad == 'deflate':
        b = bytearray(open(path(f'{folder}/01.tif'), 'rb').read())
        off, count = strips(b)[1]
        b[off + count - 2] ^= 0x80
        open(path(f'{folder}/01.tif'), 'wb').write(bytes(b))
    note(folder, 'slice 01 has a flipped Adler-32' if bad == 'deflate' else 'slice 02 is 20 x 17, the others 20 x 16')

for scratch in [f for f in os.listdir(HERE) if f.startswith('_')]:
    os.remove(path(scratch))
# fuzz_*.tif are fuzzer findings checked in as they were found (not made here): keep their entries.
if os.path.exists(path('expected.json')):
    expected.update({k: v for k, v in json.load(open(path('expected.json'))).items() if k.startswith('fuzz_')})
json.dump(expected, open(path('expected.json'), 'w'), indent=1, sort_keys=True, ensure_ascii=False)
print(len(expected), 'cases;', sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(HERE) for f in fs), 'bytes')
