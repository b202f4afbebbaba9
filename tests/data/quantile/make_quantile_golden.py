#!/usr/bin/python3
"""Golden data for Engine's Quantile: what numpy.quantile / numpy.nanquantile return.

Run from anywhere with Debian's numpy (apt-get install python3-numpy):
    /usr/bin/python3 tests/data/quantile/make_quantile_golden.py
It rewrites the .npy files and cases.json beside itself. Deterministic (fixed seeds).

Each case has <name>.values.npy (float32 or float64), optionally <name>.mask.npy (uint8, 1 = selected),
and <name>.expected.npy: float64 results of numpy.quantile(values[mask], qs) (or nanquantile), which the
C# tests compare bit for bit. cases.json lists the cases with their qs and options.
"""
import json
import os

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
STANDARD_QS = [0.0, 1.0, 0.5, 0.93, 0.25, 0.75, 0.999, 1e-9, 1 / 3, 0.1, 0.9, 0.99999]


def values_of(kind, n, dtype, rng):
    if kind == "uniform":
        v = rng.random(n)
    elif kind == "normal":
        v = rng.standard_normal(n) * 1000.0
    elif kind == "duplicates":
        v = rng.integers(0, 6, n).astype(np.float64) / 4.0
    elif kind == "rounded":
        v = np.round(rng.random(n), 2)
    elif kind == "signed_zeros":
        v = rng.choice(np.array([-0.0, 0.0, -1.5, 2.25, -3e-5, 7.0]), n)
    elif kind == "probabilities":
        # Sigmoid outputs piled up near 0 and 1, like an ink model's map.
        v = 1.0 / (1.0 + np.exp(-rng.standard_normal(n) * 6.0 + 2.0))
    elif kind == "tiny":
        v = rng.random(n) * 1e-40 - 5e-41  # float32 subnormals
    elif kind == "wide":
        v = rng.standard_normal(n) * np.power(10.0, rng.integers(-30, 30, n))
    elif kind == "constant":
        v = np.full(n, 0.7)
    elif kind == "infinities":
        v = rng.random(n)
        v[rng.integers(0, n, max(1, n // 10))] = np.inf
        v[rng.integers(0, n, max(1, n // 10))] = -np.inf
    else:
        raise ValueError(kind)
    return v.astype(dtype)


def main():
    rng = np.random.default_rng(20261123)
    cases = []

    def add(name, values, qs, mask=None, ignore_nan=False):
        selected = values if mask is None else values[mask.astype(bool)]
        fn = np.nanquantile if ignore_nan else np.quantile
        expected = np.asarray(fn(selected, np.asarray(qs, dtype=np.float64)), dtype=np.float64)
        # Single-q calls go through numpy's scalar path; record them too so both agree.
        for i, q in enumerate(qs):
            single = np.float64(fn(selected, q))
            assert single.tobytes() == expected[i].tobytes() or (np.isnan(single) and np.isnan(expected[i])), (name, q)
        np.save(os.path.join(HERE, f"{name}.values.npy"), values)
        if mask is not None:
            np.save(os.path.join(HERE, f"{name}.mask.npy"), mask.astype(np.uint8))
        np.save(os.path.join(HERE, f"{name}.expected.npy"), expected)
        cases.append({"name": name, "dtype": str(values.dtype), "qs": [float(q) for q in qs],
                      "mask": mask is not None, "ignore_nan": ignore_nan})

    for dtype in (np.float32, np.float64):
        short = "f4" if dtype == np.float32 else "f8"
        for n in (1, 2, 3, 7, 100, 1001):
            add(f"uniform_{short}_n{n}", values_of("uniform", n, dtype, rng), STANDARD_QS)
        for kind in ("normal", "duplicates", "rounded", "signed_zeros", "probabilities", "tiny", "wide",
                     "constant", "infinities"):
            add(f"{kind}_{short}", values_of(kind, 2049, dtype, rng), STANDARD_QS)
        random_qs = sorted(rng.random(20).tolist())
        add(f"random_qs_{short}", values_of("normal", 2049, dtype, rng), random_qs)
        values = values_of("probabilities", 3000, dtype, rng)
        add(f"masked_{short}", values, STANDARD_QS, mask=rng.random(3000) < 0.3)
        one = np.zeros(3000, dtype=np.uint8)
        one[1234] = 1
        add(f"mask_one_{short}", values, STANDARD_QS, mask=one)
        with_nan = values_of("uniform", 1000, dtype, rng)
        with_nan[rng.integers(0, 1000, 50)] = np.nan
        add(f"nan_ignored_{short}", with_nan, STANDARD_QS, ignore_nan=True)
        add(f"nan_masked_out_{short}", with_nan, STANDARD_QS, mask=~np.isnan(with_nan))
    # One case large enough to span several SIMD chunks of work in the C# path.
    add("probabilities_f4_large", values_of("probabilities", 65537, np.float32, rng), STANDARD_QS)

    with open(os.path.join(HERE, "cases.json"), "w") as f:
        json.dump({"numpy": np.__version__, "cases": cases}, f, indent=1)
        f.write("\n")
    print(f"{len(cases)} cases written with numpy {np.__version__}")


if __name__ == "__main__":
    main()
