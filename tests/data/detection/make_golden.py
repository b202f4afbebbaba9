"""Golden data for Engine.Detection: runs the real ensemble-boxes on random and edge-case images.

Usage: /usr/bin/python3 make_golden.py PATH_TO_ENSEMBLE_BOXES_CHECKOUT [OUT_JSON]
(the checkout of the public ZFTurbo/Weighted-Boxes-Fusion project; never committed here).
Writes cases.json: a list of {name, method, params, image, expected}; `image` has the CLI's input shape
({"models": [{"boxes", "scores", "labels"}], "weights"}), `expected` the peer's output and, for the
methods that warn per box (wbf, nmw), how many warnings it raised.
"""
import json
import sys
import warnings

import numpy as np

sys.path.insert(0, sys.argv[1])
from ensemble_boxes import weighted_boxes_fusion, nms, soft_nms, non_maximum_weighted  # noqa: E402

out_path = sys.argv[2] if len(sys.argv) > 2 else "cases.json"
rng = np.random.default_rng(20261124)


def r6(a):
    # Six decimals keep the file small; every value is still an exact float64 that both sides read alike.
    return np.round(np.asarray(a, dtype=np.float64), 6)


def random_image(models, objects, false_positives, labels, jitter=0.03, outside=False, bad=False):
    centres = rng.random((objects, 2)) * 0.8 + 0.1
    sizes = rng.random((objects, 2)) * 0.3 + 0.05
    object_labels = rng.integers(0, labels, objects)
    image = []
    for _ in range(models):
        kept = rng.random(objects) < 0.85
        c = centres[kept] + rng.normal(0, jitter, (kept.sum(), 2))
        s = sizes[kept] * (1 + rng.normal(0, 0.1, (kept.sum(), 2)))
        boxes = np.concatenate([c - s / 2, c + s / 2], axis=1)
        scores = rng.random(kept.sum()) * 0.5 + 0.5
        labs = object_labels[kept]
        fc = rng.random((false_positives, 2))
        fs = rng.random((false_positives, 2)) * 0.2 + 0.01
        boxes = np.concatenate([boxes, np.concatenate([fc - fs / 2, fc + fs / 2], axis=1)])
        scores = np.concatenate([scores, rng.random(false_positives) * 0.4])
        labs = np.concatenate([labs, rng.integers(0, labels, false_positives)])
        if not outside:
            boxes = np.clip(boxes, 0, 1)
        if bad and len(boxes) > 0:
            n = len(boxes)
            swap = rng.random(n) < 0.2
            boxes[swap] = boxes[swap][:, [2, 3, 0, 1]]
            zero = rng.random(n) < 0.1
            boxes[zero, 2] = boxes[zero, 0]
        order = rng.permutation(len(boxes))
        image.append({"boxes": r6(boxes[order]).tolist(), "scores": r6(scores[order]).tolist(), "labels": labs[order].astype(int).tolist()})
    return image


def identical_image(models, boxes_count, labels):
    boxes = rng.random((boxes_count, 4))
    boxes = np.concatenate([np.minimum(boxes[:, :2], boxes[:, 2:]), np.maximum(boxes[:, :2], boxes[:, 2:])], axis=1)
    scores = rng.random(boxes_count)
    labs = rng.integers(0, labels, boxes_count)
    m = {"boxes": r6(boxes).tolist(), "scores": r6(scores).tolist(), "labels": labs.astype(int).tolist()}
    return [dict(m) for _ in range(models)]


def arrays(image):
    return ([np.array(m["boxes"], dtype=np.float64).reshape(-1, 4) for m in image],
            [np.array(m["scores"], dtype=np.float64) for m in image],
            [np.array(m["labels"], dtype=np.int64) for m in image])


def run(method, image, weights, params):
    boxes, scores, labels = arrays(image)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        if method == "wbf":
            b, s, l = weighted_boxes_fusion(boxes, scores, labels, weights=weights, **params)
        elif method == "nmw":
            b, s, l = non_maximum_weighted(boxes, scores, labels, weights=weights, **params)
        elif method == "nms":
            b, s, l = nms(boxes, scores, labels, weights=weights, **params)
        else:
            b, s, l = soft_nms(boxes, scores, labels, weights=weights, method=1 if method == "soft-nms-linear" else 2, **params)
    result = {"boxes": np.asarray(b, dtype=np.float64).reshape(-1, 4).tolist(),
              "scores": np.asarray(s, dtype=np.float64).tolist(),
              "labels": np.asarray(l).astype(np.int64).tolist()}
    if method in ("wbf", "nmw"):
        result["warnings"] = sum(1 for w in caught if issubclass(w.category, UserWarning))
    return result


cases = []


def add(name, method, image, weights, params):
    entry = {"models": image}
    if weights is not None:
        entry["weights"] = [float(w) for w in weights]
    cases.append({"name": name, "method": method, "params": params, "image": entry, "expected": run(method, image, weights, params)})


def random_weights(models):
    choice = rng.integers(0, 3)
    if choice == 0:
        return None
    if choice == 1:
        return [float(w) for w in rng.integers(1, 4, models)]
    return [float(w) for w in r6(rng.random(models) * 2 + 0.1)]


conf_types = ["avg", "max", "box_and_model_avg", "absent_model_aware_avg"]
n = 0
for conf in conf_types:
    for overflow in (False, True):
        for k in range(22):
            models = int(rng.integers(1, 6))
            image = random_image(models, int(rng.integers(0, 12)), int(rng.integers(0, 15)), int(rng.integers(1, 4)),
                                 outside=k % 4 == 1, bad=k % 4 == 2)
            params = {"iou_thr": float(rng.choice([0.3, 0.4, 0.5, 0.55, 0.7])), "skip_box_thr": float(rng.choice([0.0, 0.0, 0.01, 0.1, 0.3])),
                      "conf_type": conf, "allows_overflow": overflow}
            add(f"wbf_{conf}_{'overflow' if overflow else 'clip'}_{k}", "wbf", image, random_weights(models), params)
# Larger images (over 16 boxes per label: numpy's argsort leaves insertion sort) and the published ensemble's settings.
for k in range(12):
    models = int(rng.integers(2, 6))
    image = random_image(models, 30, 40, 4)
    add(f"wbf_large_{k}", "wbf", image, [2.0, 1.0] + [1.0] * (models - 2) if k % 2 else None,
        {"iou_thr": 0.4 if k % 2 else 0.55, "skip_box_thr": 0.01 if k % 2 else 0.0, "conf_type": conf_types[k % 4], "allows_overflow": False})
for k in range(8):
    models = int(rng.integers(2, 5))
    add(f"wbf_identical_{k}", "wbf", identical_image(models, int(rng.integers(1, 10)), 2), None if k % 2 else [1.0] * models,
        {"iou_thr": 0.55, "skip_box_thr": 0.0, "conf_type": conf_types[k % 4], "allows_overflow": k % 3 == 0})
empty_models = random_image(3, 5, 3, 2)
empty_models[1] = {"boxes": [], "scores": [], "labels": []}
for conf in conf_types:
    add(f"wbf_empty_model_{conf}", "wbf", empty_models, [1.0, 3.0, 2.0], {"iou_thr": 0.55, "skip_box_thr": 0.0, "conf_type": conf, "allows_overflow": False})
add("wbf_all_empty", "wbf", [{"boxes": [], "scores": [], "labels": []}] * 2, None, {"iou_thr": 0.55, "skip_box_thr": 0.0, "conf_type": "avg", "allows_overflow": False})
add("wbf_all_skipped", "wbf", random_image(2, 3, 3, 2), None, {"iou_thr": 0.55, "skip_box_thr": 1.5, "conf_type": "avg", "allows_overflow": False})

# IoU exactly at the threshold (0.25 / 0.5): a match needs strictly greater.
edge = [{"boxes": [[0.0, 0.0, 0.5, 1.0]], "scores": [0.9], "labels": [1]}, {"boxes": [[0.0, 0.0, 0.25, 1.0]], "scores": [0.8], "labels": [1]}]
for thr in (0.5, 0.49):
    add(f"wbf_iou_at_threshold_{thr}", "wbf", edge, None, {"iou_thr": thr, "skip_box_thr": 0.0, "conf_type": "avg", "allows_overflow": False})
    add(f"nmw_iou_at_threshold_{thr}", "nmw", edge, None, {"iou_thr": thr, "skip_box_thr": 0.0})
    add(f"nms_iou_at_threshold_{thr}", "nms", edge, None, {"iou_thr": thr})
    add(f"soft-nms-linear_iou_at_threshold_{thr}", "soft-nms-linear", edge, None, {"iou_thr": thr, "sigma": 0.5, "thresh": 0.45})

for method in ("nms", "soft-nms-linear", "soft-nms-gaussian", "nmw"):
    for k in range(30):
        models = int(rng.integers(1, 5))
        big = k >= 26
        image = random_image(models, 25 if big else int(rng.integers(0, 10)), 30 if big else int(rng.integers(0, 12)), int(rng.integers(1, 4)),
                             outside=k % 4 == 1, bad=k % 4 == 2)
        if method != "nmw" and all(len(m["boxes"]) == 0 for m in image):
            # ensemble-boxes' nms_method cannot take an image without boxes (numpy.concatenate of nothing).
            image[0] = random_image(1, 2, 2, 1)[0]
        iou = float(rng.choice([0.3, 0.5, 0.55, 0.7]))
        if method == "nms":
            params = {"iou_thr": iou}
        elif method == "nmw":
            params = {"iou_thr": iou, "skip_box_thr": float(rng.choice([0.0, 0.05, 0.2]))}
        else:
            params = {"iou_thr": iou, "sigma": float(rng.choice([0.1, 0.5, 1.0])), "thresh": float(rng.choice([0.001, 0.05, 0.3]))}
        add(f"{method}_{k}", method, image, random_weights(models), params)
    add(f"{method}_identical", method, identical_image(3, 6, 2), None,
        {"iou_thr": 0.5} if method == "nms" else {"iou_thr": 0.5, "skip_box_thr": 0.0} if method == "nmw" else {"iou_thr": 0.5, "sigma": 0.5, "thresh": 0.001})

with open(out_path, "w") as f:
    json.dump({"generator": "ensemble-boxes (ZFTurbo/Weighted-Boxes-Fusion) via make_golden.py", "numpy": np.__version__, "cases": cases}, f, separators=(",", ":"))
print(len(cases), "cases")
