#!/usr/bin/python3
"""ensemble-boxes' side of the Weighted Boxes Fusion benchmark (the peer Engine is compared with).

    apt-get install python3-numpy python3-numba
    # ensemble-boxes: the public ZFTurbo/Weighted-Boxes-Fusion project, unpacked (never committed), e.g. in
    # /tmp/ensemble-boxes; ENSEMBLE_BOXES names the folder (default /tmp/ensemble-boxes).
    /usr/bin/python3 benchmarks/peers/wbf.py benchmarks/data/wbf --make-data   # once: writes the inputs
    /usr/bin/python3 benchmarks/peers/wbf.py benchmarks/data/wbf               # times ensemble-boxes, prints JSON

The standard workload: 1,000 images x 5 models x 100 boxes (30 objects jittered per model + 70 low-score false
positives), 10 labels, normalized coordinates, written as JSON Lines in `engine wbf`'s input format (preds.jsonl),
which Engine's benchmark reads too. Timed: weighted_boxes_fusion(iou_thr=0.55, skip_box_thr=0.0, conf_type='avg')
over every image, one after the other (the peer is single-threaded Python), --repeat times after a warm-up;
the inputs are numpy arrays built before the clock starts.
"""
import argparse
import json
import os
import platform
import re
import sys

import numpy as np

from peer_timing import timed  # the protocol every peer shares

IMAGES, MODELS, OBJECTS, FALSE_POSITIVES, LABELS = 1000, 5, 30, 70, 10
SEED = 20261124


def make_data(folder):
    os.makedirs(folder, exist_ok=True)
    rng = np.random.default_rng(SEED)
    with open(os.path.join(folder, "preds.jsonl"), "w") as f:
        for _ in range(IMAGES):
            centres = rng.random((OBJECTS, 2)) * 0.8 + 0.1
            sizes = rng.random((OBJECTS, 2)) * 0.2 + 0.03
            labels = rng.integers(0, LABELS, OBJECTS)
            models = []
            for _ in range(MODELS):
                c = centres + rng.normal(0, 0.01, (OBJECTS, 2))
                s = sizes * (1 + rng.normal(0, 0.05, (OBJECTS, 2)))
                boxes = np.concatenate([c - s / 2, c + s / 2], axis=1)
                scores = rng.random(OBJECTS) * 0.5 + 0.5
                fc = rng.random((FALSE_POSITIVES, 2))
                fs = rng.random((FALSE_POSITIVES, 2)) * 0.1 + 0.01
                boxes = np.clip(np.concatenate([boxes, np.concatenate([fc - fs / 2, fc + fs / 2], axis=1)]), 0, 1)
                scores = np.concatenate([scores, rng.random(FALSE_POSITIVES) * 0.3])
                labs = np.concatenate([labels, rng.integers(0, LABELS, FALSE_POSITIVES)])
                order = rng.permutation(len(boxes))
                models.append({"boxes": np.round(boxes[order], 6).tolist(), "scores": np.round(scores[order], 6).tolist(),
                               "labels": labs[order].astype(int).tolist()})
            f.write(json.dumps({"models": models}, separators=(",", ":")) + "\n")
    print(f"wrote {IMAGES:,} images to {folder}")


def version(source):
    with open(os.path.join(source, "setup.py")) as f:
        found = re.search(r"version='([^']+)'", f.read())
    return found.group(1) if found else "unknown"



def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folder")
    parser.add_argument("--make-data", action="store_true")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    if args.make_data:
        make_data(args.folder)
        return
    source = os.environ.get("ENSEMBLE_BOXES", "/tmp/ensemble-boxes")
    sys.path.insert(0, source)
    from ensemble_boxes import weighted_boxes_fusion, nms

    images = []
    with open(os.path.join(args.folder, "preds.jsonl")) as f:
        for line in f:
            image = json.loads(line)
            images.append(([np.array(m["boxes"], dtype=np.float64) for m in image["models"]],
                           [np.array(m["scores"], dtype=np.float64) for m in image["models"]],
                           [np.array(m["labels"], dtype=np.int64) for m in image["models"]]))

    def fuse_all():
        for boxes, scores, labels in images:
            weighted_boxes_fusion(boxes, scores, labels, iou_thr=0.55, skip_box_thr=0.0, conf_type="avg")

    def nms_all():
        for boxes, scores, labels in images:
            nms(boxes, [s.copy() for s in scores], labels, iou_thr=0.5)

    for boxes, scores, labels in images[:20]:  # warm-up, numba's compilation included
        weighted_boxes_fusion(boxes, scores, labels)
        nms(boxes, scores, labels)
    results = {
        "ensemble-boxes": version(source),
        "numpy": np.__version__,
        "python": platform.python_version(),
        "images": len(images),
        "timings": {
            "WeightedBoxesFusion": timed(fuse_all, args.repeat, warm_up=False),
            "Nms": timed(nms_all, args.repeat, warm_up=False),
        },
    }
    print(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
