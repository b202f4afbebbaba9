"""Golden data for Engine.Detection.CocoEvaluation: runs the real pycocotools COCOeval (iouType 'bbox').

Usage: /usr/bin/python3 make_golden.py PATH_TO_COCOAPI_PYTHONAPI [OUT_DIR]
PATH_TO_COCOAPI_PYTHONAPI is the PythonAPI folder of a checkout of the public cocodataset/cocoapi project with its
C extension built in place (`python3 setup.py build_ext --inplace`; never committed here), so box IoUs come from
the C source's bbIou. Writes one folder per case: gt.json (COCO ground truth), dt.json (COCO results format) and
summary.txt: the 12 lines summarize() prints; expected.json: the 12 numbers of summarize() and, per category, AP = mean of precision[:, :, k, area all,
maxDets 100] over values > -1 (-1 when none), as Detectron and mmdetection report it; full float64 precision.
"""
import contextlib
import io
import json
import os
import sys

import numpy as np

if not hasattr(np, "float"):
    np.float = float  # cocoapi's accumulate() still says np.float, which numpy 1.24 removed; the same type.
sys.path.insert(0, sys.argv[1])
from pycocotools.coco import COCO  # noqa: E402
from pycocotools.cocoeval import COCOeval  # noqa: E402

out_dir = sys.argv[2] if len(sys.argv) > 2 else os.path.dirname(os.path.abspath(__file__))
rng = np.random.default_rng(20261204)


def r2(x):
    return float(np.round(x, 2))


def make_case(images=10, cats=(1, 2, 3), objects=(0, 6), crowd=0.0, fp=(0, 4), miss=0.15, jitter=0.08,
              size=(4, 200), img=(640, 480), score_levels=None, area_scale=False, dt_extra_cats=(),
              empty_images=0, dets_only_images=0, many=0, round_coords=True, gt_zero_id=False, dup=0.0):
    image_ids = list(rng.choice(np.arange(1, 10 * (images + empty_images + dets_only_images) + 10),
                                images + empty_images + dets_only_images, replace=False).astype(int))
    gt = {"images": [], "annotations": [], "categories": [{"id": int(c), "name": f"c{c}"} for c in cats]}
    dt = []
    ann_id = 0 if gt_zero_id else 1
    for n, image_id in enumerate(image_ids):
        gt["images"].append({"id": int(image_id), "width": img[0], "height": img[1], "file_name": f"{image_id}.jpg"})
        has_gt = n < images
        has_dt = n < images or n >= images + empty_images
        count = int(rng.integers(objects[0], objects[1] + 1)) if has_gt else 0
        objs = []
        for _ in range(count):
            w = float(np.exp(rng.uniform(np.log(size[0]), np.log(size[1]))))
            h = w * float(rng.uniform(0.5, 2.0))
            x = float(rng.uniform(0, max(1, img[0] - w)))
            y = float(rng.uniform(0, max(1, img[1] - h)))
            c = int(rng.choice(cats))
            is_crowd = int(rng.random() < crowd)
            box = [r2(x), r2(y), r2(w), r2(h)] if round_coords else [x, y, w, h]
            area = box[2] * box[3]
            if area_scale:
                area *= float(rng.uniform(0.4, 1.0))
            gt["annotations"].append({"id": ann_id, "image_id": int(image_id), "category_id": c, "bbox": box,
                                      "area": area, "iscrowd": is_crowd})
            ann_id += 1
            objs.append((box, c, is_crowd))
        if not has_dt:
            continue
        for box, c, is_crowd in objs:
            copies = 1 + (rng.random() < dup) + (3 if is_crowd else 0)
            for _ in range(copies):
                if rng.random() < miss:
                    continue
                x, y, w, h = box
                s = max(w, h) * jitter
                d = [x + rng.normal(0, s), y + rng.normal(0, s), w * np.exp(rng.normal(0, jitter)), h * np.exp(rng.normal(0, jitter))]
                if is_crowd:
                    d = [x + rng.uniform(0, w * 0.7), y + rng.uniform(0, h * 0.7), w * 0.25, h * 0.25]
                dc = c if rng.random() > 0.05 else int(rng.choice(cats))
                dt.append({"image_id": int(image_id), "category_id": dc, "bbox": d, "score": float(rng.uniform(0.3, 1.0))})
        nfp = int(rng.integers(fp[0], fp[1] + 1)) + (many if n == 0 else 0)
        for _ in range(nfp):
            w = float(np.exp(rng.uniform(np.log(size[0]), np.log(size[1]))))
            h = w * float(rng.uniform(0.5, 2.0))
            c = int(rng.choice(list(cats) + list(dt_extra_cats)))
            dt.append({"image_id": int(image_id), "category_id": c,
                       "bbox": [rng.uniform(0, img[0] - w / 2), rng.uniform(0, img[1] - h / 2), w, h], "score": float(rng.uniform(0.0, 0.7))})
    for d in dt:
        d["bbox"] = [r2(v) for v in d["bbox"]] if round_coords else [float(v) for v in d["bbox"]]
        if score_levels:
            d["score"] = float(np.floor(d["score"] * score_levels) / score_levels)
    order = rng.permutation(len(dt))
    dt = [dt[i] for i in order]
    order = rng.permutation(len(gt["annotations"]))
    gt["annotations"] = [gt["annotations"][i] for i in order]
    return gt, dt


def evaluate(gt, dt):
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        coco_gt = COCO()
        coco_gt.dataset = json.loads(json.dumps(gt))
        coco_gt.createIndex()
        coco_dt = coco_gt.loadRes(json.loads(json.dumps(dt)))
        e = COCOeval(coco_gt, coco_dt, "bbox")
        e.evaluate()
        e.accumulate()
        e.summarize()
    precision = e.eval["precision"]
    per_cat = []
    for k, cat in enumerate(e.params.catIds):
        p = precision[:, :, k, 0, -1]
        p = p[p > -1]
        per_cat.append({"id": int(cat), "ap": float(np.mean(p)) if p.size else -1.0})
    summary = "".join(line + "\n" for line in printed.getvalue().splitlines() if line.startswith(" Average"))
    return {"stats": [float(s) for s in e.stats], "categories": per_cat}, summary


def boundary_case():
    # Areas exactly on the small/medium/large limits (32², 96²: both ranges include them) and gts whose 'area'
    # field differs from w·h, with detections of every size.
    gt = {"images": [{"id": 1}, {"id": 2}], "categories": [{"id": 7}], "annotations": []}
    dt = []
    sides = [(32, 32), (16, 64), (96, 96), (48, 192), (31.99, 32), (96, 96.01), (2, 2), (300, 200)]
    a = 1
    for image in (1, 2):
        for i, (w, h) in enumerate(sides):
            x, y = 10 + 200 * (i % 4), 10 + 300 * (i // 4)
            area = w * h if image == 1 else [1024.0, 1024.0, 9216.0, 9216.0, 1023.99, 9216.01, 4.0, 60000.0][i] * 0.5
            gt["annotations"].append({"id": a, "image_id": image, "category_id": 7, "bbox": [x, y, w, h], "area": area, "iscrowd": 0})
            a += 1
            dt.append({"image_id": image, "category_id": 7, "bbox": [x + 0.5, y, w, h], "score": 0.9 - 0.01 * i})
            dt.append({"image_id": image, "category_id": 7, "bbox": [x + 2 * w, y, w, h], "score": 0.5})
    return gt, dt


def crowd_only_case():
    # A category whose only gts are crowds (npig = 0: -1), overlapping crowds matched many times, a det whose
    # best match is a crowd after a normal gt (the break on ignored gts), zero-size and touching boxes.
    gt = {"images": [{"id": 3}, {"id": 1}], "categories": [{"id": 1}, {"id": 2}, {"id": 5}], "annotations": [
        {"id": 10, "image_id": 3, "category_id": 2, "bbox": [0, 0, 100, 100], "area": 10000, "iscrowd": 1},
        {"id": 11, "image_id": 3, "category_id": 1, "bbox": [0, 0, 100, 100], "area": 10000, "iscrowd": 1},
        {"id": 12, "image_id": 3, "category_id": 1, "bbox": [10, 10, 40, 40], "area": 1600, "iscrowd": 0},
        {"id": 13, "image_id": 3, "category_id": 1, "bbox": [50, 50, 40, 40], "area": 1600, "iscrowd": 0},
        {"id": 14, "image_id": 1, "category_id": 1, "bbox": [0, 0, 10, 10], "area": 100, "iscrowd": 0},
        {"id": 15, "image_id": 1, "category_id": 5, "bbox": [5, 5, 10, 10], "area": 100, "iscrowd": 0},
    ]}
    dt = [
        {"image_id": 3, "category_id": 2, "bbox": [5, 5, 20, 20], "score": 0.9},
        {"image_id": 3, "category_id": 2, "bbox": [50, 5, 20, 20], "score": 0.8},
        {"image_id": 3, "category_id": 1, "bbox": [10, 10, 40, 40], "score": 0.7},
        {"image_id": 3, "category_id": 1, "bbox": [12, 10, 40, 40], "score": 0.7},
        {"image_id": 3, "category_id": 1, "bbox": [60, 60, 20, 20], "score": 0.6},
        {"image_id": 3, "category_id": 1, "bbox": [50, 50, 40, 40], "score": 0.6},
        {"image_id": 1, "category_id": 1, "bbox": [10, 0, 10, 10], "score": 0.95},
        {"image_id": 1, "category_id": 1, "bbox": [0, 0, 0, 10], "score": 0.85},
        {"image_id": 1, "category_id": 1, "bbox": [0, 0, 10, 10], "score": 0.5},
        {"image_id": 1, "category_id": 5, "bbox": [5, 5, 10, 10], "score": 0.5},
        {"image_id": 1, "category_id": 5, "bbox": [5, 5, 10, 10], "score": 0.5},
    ]
    return gt, dt


cases = {
    "basic": make_case(images=12),
    "crowds": make_case(images=15, crowd=0.3, objects=(1, 8)),
    "empty_images": make_case(images=8, empty_images=4, dets_only_images=4),
    "categories_without_gt": make_case(images=10, cats=(3, 90, 17, 4), dt_extra_cats=(), objects=(0, 2)),
    "dets_of_unknown_categories": make_case(images=6, cats=(1, 2), dt_extra_cats=(8, 9)),
    "score_ties": make_case(images=20, score_levels=4, fp=(2, 10)),
    "score_ties_fine": make_case(images=30, score_levels=20, dup=0.5, crowd=0.1),
    "over_100_dets": make_case(images=3, many=180, fp=(110, 130), cats=(1,)),
    "over_100_dets_cats": make_case(images=4, many=150, fp=(50, 150), cats=(1, 2)),
    "areas_tiny_to_large": make_case(images=25, size=(2, 400), objects=(2, 10), crowd=0.05),
    "area_field": make_case(images=15, area_scale=True, size=(10, 150)),
    "full_precision_coords": make_case(images=10, round_coords=False, jitter=0.05),
    "duplicates": make_case(images=10, dup=0.8, miss=0.0, jitter=0.02),
    "no_false_positives": make_case(images=8, fp=(0, 0), miss=0.0, jitter=0.01),
    "gt_id_zero": make_case(images=5, gt_zero_id=True, objects=(1, 4)),
    "boundaries": boundary_case(),
    "crowd_only": crowd_only_case(),
    "many_images": make_case(images=120, cats=tuple(range(1, 11)), objects=(0, 8), crowd=0.05, size=(3, 300)),
}

for name, (gt, dt) in cases.items():
    folder = os.path.join(out_dir, name)
    os.makedirs(folder, exist_ok=True)
    expected, summary = evaluate(gt, dt)
    for file, value in (("gt.json", gt), ("dt.json", dt), ("expected.json", expected)):
        with open(os.path.join(folder, file), "w") as f:
            json.dump(value, f, separators=(",", ":"))
    with open(os.path.join(folder, "summary.txt"), "w") as f:
        f.write(summary)
    print(name, len(gt["annotations"]), "gts", len(dt), "dts", [round(s, 4) for s in expected["stats"]])
