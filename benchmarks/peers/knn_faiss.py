#!/usr/bin/python3
"""FAISS's side of the cosine top-k benchmark: IndexFlatIP at its best on this machine.

    apt-get install python3-faiss libopenblas0-openmp
    update-alternatives --set libblas.so.3-x86_64-linux-gnu /usr/lib/x86_64-linux-gnu/openblas-openmp/libblas.so.3
    /usr/bin/python3 benchmarks/peers/knn_faiss.py benchmarks/data/knn --make-data   # once: writes the inputs
    /usr/bin/python3 benchmarks/peers/knn_faiss.py benchmarks/data/knn               # times FAISS, prints JSON
    /usr/bin/python3 benchmarks/peers/knn_faiss.py benchmarks/data/knn --check       # compares Engine's ids (ours_*.npy)

Shapes (random unit vectors, fixed seeds, float32 .npy read by both sides):
  ShapeA: database 100,000 x 512, 10,000 queries, k = 5
  ShapeB: database 1,000,000 x 128, 1,000 queries, k = 10

"At its best": Debian's FAISS calls sgemm through libblas.so.3, which is netlib's reference BLAS unless OpenBLAS
is the alternative (about 60x slower); OPENBLAS_CORETYPE=Haswell (if the environment sets it) pins AVX2 kernels
on an AVX-512 CPU. So this script drops OPENBLAS_CORETYPE and re-executes itself before anything loads BLAS, sets
OpenMP threads (FAISS and the OpenMP flavour of OpenBLAS) to the core count, prints the BLAS library and OpenBLAS
core it actually loaded to stderr, and refuses to time against netlib. Each shape: one warm-up, then --repeat
timed searches; the JSON has every time and the median, in seconds. FAISS's ids and scores are saved as
faiss_ids_*.npy / faiss_scores_*.npy for --check.
"""
import argparse
import ctypes
import json
import os
import sys

if "OPENBLAS_CORETYPE" in os.environ or os.environ.get("OMP_NUM_THREADS") != str(os.cpu_count()):
    os.environ.pop("OPENBLAS_CORETYPE", None)
    os.environ["OMP_NUM_THREADS"] = str(os.cpu_count())
    os.execv(sys.executable, [sys.executable] + sys.argv)

import numpy as np  # noqa: E402
import faiss  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from peer_timing import timed  # noqa: E402  (the protocol every peer shares)

SHAPES = {"ShapeA": (100_000, 512, 10_000, 5, 1), "ShapeB": (1_000_000, 128, 1_000, 10, 2)}
NEAR_TIE = 1e-5


def unit_rows(rng, rows, dim):
    out = np.empty((rows, dim), dtype=np.float32)
    for start in range(0, rows, 100_000):
        block = rng.standard_normal((min(100_000, rows - start), dim)).astype(np.float32)
        block /= np.linalg.norm(block, axis=1, keepdims=True)
        out[start:start + len(block)] = block
    return out


def make_data(folder):
    os.makedirs(folder, exist_ok=True)
    for name, (rows, dim, queries, _, seed) in SHAPES.items():
        rng = np.random.default_rng(20261124 + seed)
        np.save(os.path.join(folder, f"db_{name}.npy"), unit_rows(rng, rows, dim))
        np.save(os.path.join(folder, f"queries_{name}.npy"), unit_rows(rng, queries, dim))
        print(f"wrote {name}: {rows:,} x {dim} database, {queries:,} queries to {folder}", file=sys.stderr)


def loaded_blas():
    """The BLAS shared libraries mapped into this process, and OpenBLAS's core and config if it is one."""
    with open("/proc/self/maps") as maps:
        paths = sorted({line.split()[-1] for line in maps if "blas" in line.split()[-1]})
    info = {"libraries": paths}
    for path in paths:
        try:
            lib = ctypes.CDLL(path)
            lib.openblas_get_corename.restype = ctypes.c_char_p
            lib.openblas_get_config.restype = ctypes.c_char_p
            info["openblas_core"] = lib.openblas_get_corename().decode()
            info["openblas_config"] = lib.openblas_get_config().decode()
            break
        except (OSError, AttributeError):
            continue
    return info


def run(folder, repeat):
    faiss.omp_set_num_threads(os.cpu_count())
    timings = {}
    blas = None
    for name, (_, dim, _, k, _) in SHAPES.items():
        db = np.load(os.path.join(folder, f"db_{name}.npy"))
        queries = np.load(os.path.join(folder, f"queries_{name}.npy"))
        index = faiss.IndexFlatIP(dim)
        index.add(db)
        if blas is None:
            index.search(queries[:64], k)  # loads BLAS
            blas = loaded_blas()
            print(f"BLAS: {blas}", file=sys.stderr)
            if "openblas_core" not in blas:
                sys.exit("refusing to time FAISS on netlib's reference BLAS: install libopenblas0-openmp and make it libblas.so.3")
        timings[name] = timed(lambda: index.search(queries, k), repeat)
        scores, ids = index.search(queries, k + 1)
        np.save(os.path.join(folder, f"faiss_ids_{name}.npy"), ids)
        np.save(os.path.join(folder, f"faiss_scores_{name}.npy"), scores)
        print(f"{name}: median {timings[name]['median']:.3f} s", file=sys.stderr)
    print(json.dumps({"faiss": faiss.__version__, "blas": blas, "threads": os.cpu_count(), "timings": timings}))


def check(folder):
    """Engine's ids (ours_ids_NAME.npy from `engine knn --out-ids`) against FAISS's: lists every query that differs
    and whether its k-th and (k+1)-th FAISS scores are within 1e-5 (a near tie, where the order is the last bits')."""
    for name, (_, _, _, k, _) in SHAPES.items():
        path = os.path.join(folder, f"ours_ids_{name}.npy")
        if not os.path.exists(path):
            print(f"{name}: no {path}")
            continue
        ours = np.load(path)
        theirs = np.load(os.path.join(folder, f"faiss_ids_{name}.npy"))[:, :k]
        scores = np.load(os.path.join(folder, f"faiss_scores_{name}.npy"))
        differ = np.nonzero((np.sort(ours, axis=1) != np.sort(theirs, axis=1)).any(axis=1))[0]
        ties = [int(q) for q in differ if scores[q, k - 1] - scores[q, k] <= NEAR_TIE]
        other = [int(q) for q in differ if q not in ties]
        order = int(((ours != theirs).any(axis=1)).sum())
        print(json.dumps({"shape": name, "queries": len(ours), "idSetsDiffer": len(differ), "nearTieQueries": ties,
                          "differWithoutNearTie": other, "orderDiffers": order}))


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("folder")
    parser.add_argument("--make-data", action="store_true")
    parser.add_argument("--check", action="store_true")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    if args.make_data:
        make_data(args.folder)
    elif args.check:
        check(args.folder)
    else:
        run(args.folder, args.repeat)
