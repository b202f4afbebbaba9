"""Golden data for tests/Engine.Tests/Search: FAISS IndexFlatIP (and IndexIDMap) on small fixed-seed inputs.

Run with Debian's python3-faiss (1.7.3):  /usr/bin/python3 make_golden.py
Writes, per case, the raw inputs and FAISS's normalized copies, scores (D) and ids (I) as .npy files.
"""
import json
import faiss
import numpy as np

faiss.omp_set_num_threads(1)
rng = np.random.default_rng(20261124)
meta = {"faiss": faiss.__version__}


def save(name, **arrays):
    for key, value in arrays.items():
        np.save(f"{name}_{key}.npy", value)


def flat(db, queries, k):
    index = faiss.IndexFlatIP(db.shape[1])
    index.add(db)
    return index.search(queries, k)


# 1. random: unnormalized inputs, normalized by faiss.normalize_L2 (as users do), BLAS path (>= 20 queries).
db = rng.standard_normal((2000, 64)).astype(np.float32)
queries = rng.standard_normal((40, 64)).astype(np.float32)
dbn, qn = db.copy(), queries.copy()
faiss.normalize_L2(dbn)
faiss.normalize_L2(qn)
D, I = flat(dbn, qn, 10)
save("random", db=db, queries=queries, db_normalized=dbn, queries_normalized=qn, scores=D, ids=I)

# 2. few: 5 queries (FAISS's non-BLAS path), k = 50, dimension 37 (not a multiple of any vector width).
db = rng.standard_normal((700, 37)).astype(np.float32)
queries = rng.standard_normal((5, 37)).astype(np.float32)
D, I = flat(db, queries, 50)
save("few", db=db, queries=queries, scores=D, ids=I)

# 3. ties: 150 distinct unit rows, each stored 3 times in shuffled order, so every score appears 3 times.
base = rng.standard_normal((150, 24)).astype(np.float32)
faiss.normalize_L2(base)
db = np.repeat(base, 3, axis=0)[rng.permutation(450)]
queries = rng.standard_normal((21, 24)).astype(np.float32)
faiss.normalize_L2(queries)
D, I = flat(db, queries, 8)
save("ties", db=db, queries=queries, scores=D, ids=I)

# 4. idmap: IndexIDMap with scattered ids, then remove_ids, then search; k larger than what remains for one query set.
db = rng.standard_normal((300, 16)).astype(np.float32)
ids = rng.choice(10**9, size=300, replace=False).astype(np.int64)
removed = ids[rng.choice(300, size=40, replace=False)]
queries = rng.standard_normal((25, 16)).astype(np.float32)
index = faiss.IndexIDMap(faiss.IndexFlatIP(16))
index.add_with_ids(db, ids)
index.remove_ids(removed)
D, I = index.search(queries, 12)
save("idmap", db=db, ids=ids, removed=removed, queries=queries, scores=D, ids_out=I)

# 5. short: fewer rows than k: FAISS pads with (-inf/-3.4e38, -1).
db = rng.standard_normal((3, 8)).astype(np.float32)
queries = rng.standard_normal((2, 8)).astype(np.float32)
D, I = flat(db, queries, 5)
save("short", db=db, queries=queries, scores=D, ids=I)

with open("golden.json", "w") as f:
    json.dump(meta, f)
print(meta)
