#!/usr/bin/python3
"""pycocotools' side of the COCO evaluation benchmark (the peer Engine is compared with).

    apt-get install python3-numpy python3-matplotlib cython3 python3-dev
    # pycocotools: the public cocodataset/cocoapi project, unpacked (never committed), its C extension built in place:
    #   cd /tmp/cocoapi/PythonAPI && /usr/bin/python3 setup.py build_ext --inplace
    # PYCOCOTOOLS names that PythonAPI folder (default /tmp/cocoapi/PythonAPI).
    /usr/bin/python3 benchmarks/peers/coco_eval.py benchmarks/data/coco --make-data   # once: writes the inputs
    /usr/bin/python3 benchmarks/peers/coco_eval.py benchmarks/data/coco               # times pycocotools, prints JSON
    /usr/bin/python3 benchmarks/peers/coco_eval.py benchmarks/data/coco --make-tune-data benchmarks/data/coco-tune

The standard workload: 5,000 images x 80 categories (COCO val2017's size), about 7 objects an image (sizes from
tiny to large, 1 % crowds), and 100 detections an image: each object found 1-2 times with jitter (sometimes with a
wrong category), the rest false positives of the image's and random categories; gt.json (COCO instances) and dt.json
(COCO results format), which Engine's benchmark reads too. Timed: "Evaluate" is COCOeval(gt, dt, 'bbox').evaluate()
+ accumulate() on files already loaded; "ReadAndEvaluate" adds COCO(gt.json) and loadRes(dt.json). summarize() is
left out of both (microseconds). --repeat runs after a warm-up; pycocotools is single-threaded Python.
"""
import argparse
import contextlib
import io
import json
import os
import platform
import re
import sys

import numpy as np

from peer_timing import timed  # the protocol every peer shares

IMAGES, CATEGORIES, OBJECTS, DETECTIONS = 5000, 80, 7, 100
SEED = 20261204


def make_data(folder):
    os.makedirs(folder, exist_ok=True)
    rng = np.random.default_rng(SEED)
    gt = {"images": [], "annotations": [], "categories": [{"id": c, "name": f"class{c}"} for c in range(1, CATEGORIES + 1)]}
    dt = []
    ann = 1
    for image in range(1, IMAGES + 1):
        width, height = 640, 480
        gt["images"].append({"id": image, "width": width, "height": height, "file_name": f"{image:012d}.jpg"})
        count = int(rng.poisson(OBJECTS))
        cats = rng.integers(1, CATEGORIES + 1, count)
        image_dets = []
        for c in cats:
            w = float(np.exp(rng.uniform(np.log(4), np.log(400))))
            h = min(w * float(rng.uniform(0.5, 2.0)), height - 1)
            x, y = float(rng.uniform(0, width - w)), float(rng.uniform(0, height - h))
            crowd = int(rng.random() < 0.01)
            gt["annotations"].append({"id": ann, "image_id": image, "category_id": int(c), "bbox": [round(x, 2), round(y, 2), round(w, 2), round(h, 2)],
                                      "area": round(w * h * float(rng.uniform(0.6, 1.0)), 2), "iscrowd": crowd})
            ann += 1
            for _ in range(int(rng.integers(1, 3))):
                s = 0.08 * max(w, h)
                dc = int(c) if rng.random() > 0.1 else int(rng.integers(1, CATEGORIES + 1))
                image_dets.append((dc, [x + rng.normal(0, s), y + rng.normal(0, s), w * np.exp(rng.normal(0, 0.1)), h * np.exp(rng.normal(0, 0.1))],
                                   float(rng.uniform(0.3, 1.0))))
        pool = list(cats) + list(rng.integers(1, CATEGORIES + 1, 5))
        while len(image_dets) < DETECTIONS:
            w = float(np.exp(rng.uniform(np.log(4), np.log(300))))
            h = w * float(rng.uniform(0.5, 2.0))
            image_dets.append((int(pool[int(rng.integers(0, len(pool)))]), [rng.uniform(0, width - w), rng.uniform(0, height - h / 2), w, h],
                               float(rng.uniform(0.0, 0.6))))
        for c, box, score in image_dets[:DETECTIONS]:
            dt.append({"image_id": image, "category_id": c, "bbox": [round(float(v), 2) for v in box], "score": round(score, 5)})
    with open(os.path.join(folder, "gt.json"), "w") as f:
        json.dump(gt, f, separators=(",", ":"))
    with open(os.path.join(folder, "dt.json"), "w") as f:
        json.dump(dt, f, separators=(",", ":"))
    print(f"wrote {IMAGES:,} images, {len(gt['annotations']):,} annotations, {len(dt):,} detections to {folder}")


def version(source):
    with open(os.path.join(source, "setup.py")) as f:
        found = re.search(r"version='([^']+)'", f.read())
    return (found.group(1) if found else "unknown") + " (cocoapi, C extension)"


def make_tune_data(folder, source):
    """The tuner's workload: the first 1,000 images of the evaluation workload and three 'models', each the
    detections with boxes moved by up to ±3 px and scores scaled by 0.5-1 (its own seed)."""
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(source, "gt.json")) as f:
        gt = json.load(f)
    with open(os.path.join(source, "dt.json")) as f:
        dt = json.load(f)
    keep = {img["id"] for img in gt["images"][:1000]}
    gt["images"] = [img for img in gt["images"] if img["id"] in keep]
    gt["annotations"] = [a for a in gt["annotations"] if a["image_id"] in keep]
    dt = [d for d in dt if d["image_id"] in keep]
    with open(os.path.join(folder, "gt.json"), "w") as f:
        json.dump(gt, f, separators=(",", ":"))
    for m in range(3):
        rng = np.random.default_rng(SEED + 1 + m)
        moved = rng.uniform(-3, 3, (len(dt), 4))
        scale = rng.uniform(0.5, 1.0, len(dt))
        out = [{"image_id": d["image_id"], "category_id": d["category_id"],
                "bbox": [round(max(v + e, 1.0) if i >= 2 else v + e, 2) for i, (v, e) in enumerate(zip(d["bbox"], moved[j]))],
                "score": round(d["score"] * scale[j], 5)} for j, d in enumerate(dt)]
        with open(os.path.join(folder, f"model{m + 1}.json"), "w") as f:
            json.dump(out, f, separators=(",", ":"))
    print(f"wrote 1,000 images, {len(gt['annotations']):,} annotations and 3 x {len(dt):,} detections to {folder}")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folder")
    parser.add_argument("--make-data", action="store_true")
    parser.add_argument("--make-tune-data", metavar="OUT", help="write the tuner's workload (3 models on 1,000 images) from FOLDER's data to OUT")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    if args.make_data:
        make_data(args.folder)
        return
    if args.make_tune_data:
        make_tune_data(args.make_tune_data, args.folder)
        return
    if not hasattr(np, "float"):
        np.float = float  # cocoapi's accumulate() still says np.float, which numpy 1.24 removed; the same type.
    source = os.environ.get("PYCOCOTOOLS", "/tmp/cocoapi/PythonAPI")
    sys.path.insert(0, source)
    from pycocotools.coco import COCO
    from pycocotools.cocoeval import COCOeval
    import pycocotools._mask  # noqa: F401  the C extension must be built: bbox IoU runs in it

    gt_path, dt_path = os.path.join(args.folder, "gt.json"), os.path.join(args.folder, "dt.json")
    quiet = contextlib.redirect_stdout(io.StringIO())
    with quiet:
        coco_gt = COCO(gt_path)
        coco_dt = coco_gt.loadRes(dt_path)

    def evaluate():
        with contextlib.redirect_stdout(io.StringIO()):
            e = COCOeval(coco_gt, coco_dt, "bbox")
            e.evaluate()
            e.accumulate()
        return e

    def read_and_evaluate():
        with contextlib.redirect_stdout(io.StringIO()):
            g = COCO(gt_path)
            d = g.loadRes(dt_path)
            e = COCOeval(g, d, "bbox")
            e.evaluate()
            e.accumulate()

    e = evaluate()
    with contextlib.redirect_stdout(io.StringIO()):
        e.summarize()
    results = {
        "pycocotools": version(source),
        "numpy": np.__version__,
        "python": platform.python_version(),
        "images": len(coco_gt.getImgIds()),
        "stats": [float(s) for s in e.stats],
        "timings": {
            "Evaluate": timed(evaluate, args.repeat, warm_up=False),
            "ReadAndEvaluate": timed(read_and_evaluate, max(1, args.repeat - 1), warm_up=False),
        },
    }
    print(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
