"""Golden data for Engine.Ensembling: scikit-learn's metrics and scipy's rankdata on random probabilities.

Usage: /usr/bin/python3 make_golden.py [OUT_JSON]   (Debian 12: python3-sklearn 1.2.1, python3-scipy 1.10.1)
Writes cases.json: per case, two models' N x C probabilities (rows of a softmax, some exact ties), labels, and
accuracy_score, log_loss, f1_score(average='macro') of the equal-weight mean, plus rankdata(average)/N per class of
model 0 (ClassEnsemble's rank method on one model).
"""
import json
import sys

import numpy as np
import scipy
import sklearn
from scipy.stats import rankdata
from sklearn.metrics import accuracy_score, f1_score, log_loss

out = sys.argv[1] if len(sys.argv) > 1 else "cases.json"
rng = np.random.default_rng(20261204)


def softmax(x):
    e = np.exp(x - x.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


cases = []
for i, (n, c) in enumerate([(20, 2), (50, 3), (100, 5), (37, 4), (200, 10), (8, 3)]):
    models = [np.round(softmax(rng.normal(0, 2, (n, c))), 4) for _ in range(2)]
    if i % 2 == 1:
        models[0][: n // 4] = models[0][0]  # exact ties for the ranks
    y = rng.integers(0, c, n)
    if i == 5:
        y[:] = 0  # classes that occur only as predictions
    mean = (models[0] + models[1]) / 2
    pred = mean.argmax(axis=1)
    cases.append({
        "classes": c,
        "models": [m.ravel().tolist() for m in models],
        "labels": y.tolist(),
        "accuracy": float(accuracy_score(y, pred)),
        "logLoss": float(log_loss(y, mean, labels=list(range(c)))),
        "macroF1": float(f1_score(y, pred, average="macro")),
        "ranks": np.stack([rankdata(models[0][:, k]) / n for k in range(c)], axis=1).ravel().tolist(),
    })
with open(out, "w") as f:
    json.dump({"sklearn": sklearn.__version__, "scipy": scipy.__version__, "cases": cases}, f, separators=(",", ":"))
print(len(cases), "cases")
