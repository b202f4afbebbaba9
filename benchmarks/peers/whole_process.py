#!/usr/bin/python3
"""Whole-process timings: `engine wbf` and `engine quantile` started as a user starts them (process start, read,
compute, write), beside the peers' in-memory work on the same files, on the same machine at the same time.

    /usr/bin/python3 benchmarks/peers/whole_process.py ENGINE benchmarks/data [--repeat 5] [--peer-repeat 3]

ENGINE is the engine executable as a user runs it: the installed tool, which is ReadyToRun (docs/packages.md), e.g.
    dotnet tool install Papyrus.Engine.Tool --tool-path /tmp/engine-tool --add-source artifacts/feed  # after samples/run.sh
    /usr/bin/python3 benchmarks/peers/whole_process.py /tmp/engine-tool/engine benchmarks/data
or the same publish without packing (dotnet publish src/Engine.Cli -c Release -r linux-x64 -o /tmp/engine-publish,
ENGINE /tmp/engine-publish/Engine.Cli). The build output (src/Engine.Cli/bin/Release/net10.0/Engine.Cli) is not
ReadyToRun and starts slower. The inputs are the ones wbf.py and quantile.py write with --make-data
(benchmarks/data/wbf, benchmarks/data/quantile). Peers:
- wbf: ensemble-boxes' weighted_boxes_fusion over every image with the arrays already in memory (wbf.py's
  timing, run here as a subprocess; ENSEMBLE_BOXES names its folder), so the peer is not charged for JSON;
- quantile: numpy's np.quantile(np.load(probs.npy), 0.93) in this process (the file in the page cache after the
  warm-up, as it is for Engine), not charged for starting Python.
Prints JSON: every time, the medians, and peer ÷ engine (how many times faster the whole engine process is); the
engine's CPU seconds per run beside its wall times (on a loaded machine the CPU seconds are the steadier figure).
"""
import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np

from peer_timing import timed


def children_cpu():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_timed(command, repeat):
    """Wall times as peer_timing takes them, and each run's CPU seconds (user + sys, every thread), which a loaded
    machine changes far less than the wall."""
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)  # warm-up: page cache, disk cache of the binary
    cpu = []

    def once():
        before = children_cpu()
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
        cpu.append(children_cpu() - before)
    result = timed(once, repeat, warm_up=False)
    result["cpu median"] = statistics.median(cpu)
    result["cpu"] = cpu
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("engine")
    parser.add_argument("data")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--peer-repeat", type=int, default=3, help="wbf.py's --repeat (ensemble-boxes takes minutes)")
    args = parser.parse_args()
    here = os.path.dirname(os.path.abspath(__file__))
    results = {}
    with tempfile.TemporaryDirectory() as scratch:
        preds = os.path.join(args.data, "wbf", "preds.jsonl")
        if os.path.exists(preds):
            engine = run_timed([args.engine, "wbf", "--input", preds, "--out", os.path.join(scratch, "fused.jsonl")], args.repeat)
            peer = json.loads(subprocess.run([sys.executable, os.path.join(here, "wbf.py"), os.path.join(args.data, "wbf"), "--repeat", str(args.peer_repeat)],
                                             check=True, capture_output=True, text=True).stdout)
            peer_median = peer["timings"]["WeightedBoxesFusion"]["median"]
            results["wbf"] = {"bytes": os.path.getsize(preds), "engine process": engine,
                              "ensemble-boxes in-memory": peer_median, "peer / engine": peer_median / engine["median"]}
        probs = os.path.join(args.data, "quantile", "probs.npy")
        if os.path.exists(probs):
            engine = run_timed([args.engine, "quantile", "--input", probs, "-q", "0.93"], args.repeat)
            cpu_before = time.process_time()
            peer = timed(lambda: np.quantile(np.load(probs), 0.93), args.repeat)
            peer["cpu per run"] = (time.process_time() - cpu_before) / (args.repeat + 1)  # the warm-up too
            results["quantile"] = {"bytes": os.path.getsize(probs), "engine process": engine,
                                   "numpy load + quantile": peer, "peer / engine": peer["median"] / engine["median"]}
    results["load average"] = os.getloadavg()
    print(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
