#!/usr/bin/python3
"""Compares two builds of benchmarks/Engine.Benchmarks suite by suite with BenchmarkDotNet.

    benchmarks/compare-builds.py OLD_DLL NEW_DLL [SUITE ...]      # e.g. Quantile Stitch; default: every suite
    benchmarks/compare-builds.py OLD_DLL NEW_DLL Quantile,Stitch  # both suites in one BenchmarkDotNet run
    benchmarks/compare-builds.py OLD_DLL NEW_DLL --list           # which benchmarks compare, without running

Every suite in about 25 minutes on the 2-core machine when it is quiet (an estimate; the int8 searches are skipped:
they run another kernel in issue 18's baseline, 09298c1, and take minutes; ENGINE_SEARCH_EXACT=1 makes the new
build's Search the exact scan, as the baseline's is):

    ENGINE_SEARCH_EXACT=1 benchmarks/compare-builds.py OLD_DLL NEW_DLL Quantile,Stitch,Volume CosineTopK,IdentitySearch \\
        WeightedBoxesFusion,CocoEvaluation,DetectionJson --skip CosineTopK.ShapeAInt8 --skip CosineTopK.ShapeBInt8

A suite is a benchmark class named without "Benchmarks" (Quantile, Stitch, Volume, CosineTopK, ...). Each suite runs
old, new, old, new (--rounds 2), so load that drifts during the run hits both builds alike. Only the benchmarks both
builds have (same class, method and parameters) run; the others are listed as not compared. Each benchmark's median
pools the measured iterations of every round of its build, so one slow round moves it less; the table gives
new / old per benchmark and job, and marks where every new round was slower than every old round.

Every BenchmarkDotNet run starts by building a copy of the benchmark project from the source tree above its DLL (the
folder holding Engine.sln), so each DLL must sit in the bin folder of the checkout it was built from; suites joined
by commas share one run and its build. The suites read the inputs that benchmarks/peers/*.py --make-data write, from
ENGINE_BENCHMARK_DATA (default: NEW's benchmarks/data); the script checks them before it starts and prints the
command for any that are missing. Runs wait for /tmp/engine-bench.lock, the lock every benchmark on the shared
machine takes (two BenchmarkDotNet runs in one checkout at once overwrite each other's build). Logs and
BenchmarkDotNet's reports go to --out; the tables are also written there as comparison.md.
"""
import argparse
import fcntl
import json
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

# The short job both builds run, applied to each suite's own jobs (all cores and one core) so that the command above
# fits in about 25 minutes: no warm-up iteration (BenchmarkDotNet's jitting and pilot calls run first anyway), three
# measured iterations of at least 250 ms.
DEFAULT_JOB = "--warmupCount 0 --iterationCount 3 --iterationTime 250"

# Per suite: its folder under the data folder, the files it reads there, and the peer script that writes them.
INPUTS = {
    "Quantile": ("quantile", ["probs.npy", "truth.npy", "mask.npy"], "quantile.py"),
    "Stitch": ("stitch", ["preds.npy", "coords.npy"], "stitch.py"),
    "Volume": ("volume", ["raw", "deflate", "mask.npy"], "volume.py"),
    "CosineTopK": ("knn", ["db_ShapeA.npy", "queries_ShapeA.npy", "db_ShapeB.npy", "queries_ShapeB.npy"], "knn_faiss.py"),
    "IdentitySearch": ("identity", ["db.npy", "queries.npy", "labels.npy"], "identity_faiss.py"),
    "WeightedBoxesFusion": ("wbf", ["preds.jsonl"], "wbf.py"),
    "DetectionJson": ("wbf", ["preds.jsonl"], "wbf.py"),
    "CocoEvaluation": ("coco", ["gt.json", "dt.json"], "coco_eval.py"),
}

BENCHMARK_NAME = re.compile(r"^(?P<namespace>[\w.]+)\.(?P<suite>\w+)Benchmarks\.(?P<method>\w+)$")


def fail(message):
    print(f"compare-builds: error: {message}", file=sys.stderr)
    sys.exit(1)


def repository_root(dll):
    for folder in dll.parents:
        if (folder / "Engine.sln").exists():
            return folder
    fail(f"{dll}: no Engine.sln above it; give the DLL in the bin folder of the checkout it was built from")


class Build:
    def __init__(self, label, dll):
        self.label = label
        self.dll = Path(dll).resolve()
        if not self.dll.is_file():
            fail(f"{dll}: no such file")
        self.root = repository_root(self.dll)
        self.benchmarks = self._list()

    def _list(self):
        """Suite → method → full name, as BenchmarkDotNet lists them."""
        listed = subprocess.run(["dotnet", str(self.dll), "--list", "flat"], cwd=self.root, capture_output=True, text=True)
        if listed.returncode != 0:
            fail(f"{self.dll}: --list failed: {listed.stderr.strip() or listed.stdout.strip()}")
        suites = {}
        for line in listed.stdout.splitlines():
            if match := BENCHMARK_NAME.match(line.strip()):
                suites.setdefault(match["suite"], {})[match["method"]] = line.strip()
        if not suites:
            fail(f"{self.dll}: lists no benchmarks")
        return suites


def missing_inputs(suites, data):
    """The make-data command of every suite whose inputs are not all in the data folder."""
    commands = {}
    for suite in suites:
        if suite not in INPUTS:
            continue
        folder, files, peer = INPUTS[suite]
        if not all((data / folder / name).exists() for name in files):
            commands[suite] = f"/usr/bin/python3 benchmarks/peers/{peer} {data / folder} --make-data"
    return commands


def run(build, names, artifacts, data, job_args):
    """One BenchmarkDotNet run of the named benchmarks: (wall seconds, {(suite, method, job): [ns per op, ...]})."""
    artifacts.parent.mkdir(parents=True, exist_ok=True)
    # BenchmarkDotNet's own build timeout (120 s) kills its build on a loaded machine, which then measures nothing.
    command = ["dotnet", str(build.dll), "--filter", *names, "--exporters", "json", "--artifacts", str(artifacts),
               "--buildTimeout", "900", *job_args]
    start = time.monotonic()
    with open(f"{artifacts}.log", "w") as log:
        subprocess.run(command, cwd=build.root, env={**os.environ, "ENGINE_BENCHMARK_DATA": str(data)}, stdout=log,
                       stderr=subprocess.STDOUT, check=False)
    wall = time.monotonic() - start
    measured = {}
    for report in (artifacts / "results").glob("*-report-full-compressed.json"):
        for benchmark in json.loads(report.read_text())["Benchmarks"]:
            suite = benchmark["Type"].removesuffix("Benchmarks")
            job = benchmark["DisplayInfo"].split(": ", 1)[1].split("(", 1)[0]
            job = "default" if re.fullmatch(r"Job-\w+", job) else job  # a job without an id gets a generated one
            times = [m["Nanoseconds"] / m["Operations"] for m in benchmark["Measurements"]
                     if m["IterationMode"] == "Workload" and m["IterationStage"] == "Result"]
            if times:  # benchmarks with parameters are one row per job and parameter set
                measured[(suite, benchmark["Method"], f"{job} {benchmark['Parameters']}".strip())] = times
    return wall, measured


def duration(nanoseconds):
    for unit, scale in (("s", 1e9), ("ms", 1e6), ("µs", 1e3)):
        if nanoseconds >= scale:
            return f"{nanoseconds / scale:.3g} {unit}"
    return f"{nanoseconds:.3g} ns"


def table(rows):
    header = ["suite", "benchmark", "job", "old median", "new median", "new ÷ old", "old rounds", "new rounds", "every new round slower"]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def compare(suite, methods, results):
    """Table rows of one suite's methods from {build label: [per round {(suite, method, job): times}]}."""
    rows = []
    keys = {key for label in results for measured in results[label] for key in measured if key[0] == suite}
    for method in methods:
        if not any(key[1] == method for key in keys):
            rows.append([suite, method, "", "", "", "failed", "no result in any run (see the logs)", "", ""])
    for _, method, job in sorted(keys):
        per_round = {label: [measured.get((suite, method, job)) for measured in results[label]] for label in results}
        if any(times is None for label in per_round for times in per_round[label]):
            failed = ", ".join(f"{label} {r + 1}" for label in per_round for r, t in enumerate(per_round[label]) if t is None)
            rows.append([suite, method, job, "", "", "failed", f"no result in {failed} (see its log)", "", ""])
            continue
        pooled = {label: statistics.median([t for times in per_round[label] for t in times]) for label in per_round}
        medians = {label: [statistics.median(times) for times in per_round[label]] for label in per_round}
        slower = min(medians["new"]) > max(medians["old"])
        rows.append([suite, method, job, duration(pooled["old"]), duration(pooled["new"]), f"{pooled['new'] / pooled['old']:.3f}",
                     " / ".join(duration(m) for m in medians["old"]), " / ".join(duration(m) for m in medians["new"]),
                     "yes" if slower else "no"])
    return rows


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("old", metavar="OLD_DLL", help="Engine.Benchmarks.dll of the baseline")
    parser.add_argument("new", metavar="NEW_DLL", help="Engine.Benchmarks.dll of the build compared with it")
    parser.add_argument("groups", metavar="SUITE", nargs="*",
                        help="suites to run (default: every suite both builds have); suites joined by commas share one run")
    parser.add_argument("--rounds", type=int, default=2, help="old-then-new rounds of each run (default 2)")
    parser.add_argument("--job", default=DEFAULT_JOB, help=f'BenchmarkDotNet options for both builds (default "{DEFAULT_JOB}")')
    parser.add_argument("--out", type=Path, default=Path(f"BenchmarkDotNet.Artifacts/compare-{time.strftime('%Y%m%d-%H%M%S')}"),
                        help="folder for logs, reports and comparison.md")
    parser.add_argument("--skip", metavar="SUITE.METHOD", action="append", default=[],
                        help="a benchmark not to run (repeatable), e.g. CosineTopK.ShapeAInt8")
    parser.add_argument("--list", action="store_true", help="print which benchmarks compare and exit")
    args = parser.parse_args()

    builds = {"old": Build("old", args.old), "new": Build("new", args.new)}
    old, new = builds["old"].benchmarks, builds["new"].benchmarks
    groups = [group.split(",") for group in args.groups] or [[suite] for suite in sorted(new)]
    unknown = [suite for group in groups for suite in group if suite not in new]
    if unknown:
        fail(f"no suite {', '.join(unknown)} in {args.new}; it has {', '.join(sorted(new))}")
    for suite in sorted(set(old) - set(new)):
        print(f"{suite}: gone from the new build")
    unknown = [name for name in args.skip if name.partition(".")[2] not in new.get(name.partition(".")[0], {})]
    if unknown:
        fail(f"--skip {', '.join(unknown)}: no such benchmark in {args.new} (give SUITE.METHOD, e.g. CosineTopK.FmaPeak)")
    compared = {}
    for suite in (suite for group in groups for suite in group):
        skipped = [m for m in new[suite] if f"{suite}.{m}" in args.skip]
        if skipped:
            print(f"{suite}: skips {', '.join(skipped)}")
        compared[suite] = [m for m in new[suite] if m in old.get(suite, {}) and m not in skipped]
        only_new = [m for m in new[suite] if m not in old.get(suite, {})]
        only_old = [m for m in old.get(suite, {}) if m not in new[suite]]
        if only_new:
            print(f"{suite}: no baseline for {', '.join(only_new)}")
        if only_old:
            print(f"{suite}: gone from the new build: {', '.join(only_old)}")
        if compared[suite]:
            print(f"{suite}: compares {', '.join(compared[suite])}")
    groups = [kept for kept in ([suite for suite in group if compared[suite]] for group in groups) if kept]
    if args.list:
        return

    data = Path(os.environ.get("ENGINE_BENCHMARK_DATA") or builds["new"].root / "benchmarks" / "data").resolve()
    if missing := missing_inputs([suite for group in groups for suite in group], data):
        for suite, command in missing.items():
            print(f"{suite} needs its inputs in {data}: run {command}", file=sys.stderr)
        fail(f"inputs missing in {data} (ENGINE_BENCHMARK_DATA); make them once with the commands above")

    out = args.out.resolve()  # BenchmarkDotNet runs in each build's checkout
    job_args = args.job.split()
    with open("/tmp/engine-bench.lock", "a") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            print("waiting for /tmp/engine-bench.lock (another benchmark is running)", flush=True)
            fcntl.flock(lock, fcntl.LOCK_EX)
        rows, timings, start = [], [], time.monotonic()
        for group in groups:
            name = ",".join(group)
            results = {"old": [], "new": []}
            walls = []
            for round_number in range(1, args.rounds + 1):
                for label in ("old", "new"):
                    print(f"{time.strftime('%H:%M:%S')} {name}: {label} build, round {round_number}", flush=True)
                    names = [builds[label].benchmarks[suite][method] for suite in group for method in compared[suite]]
                    artifacts = out / "+".join(group) / f"{label}-{round_number}"
                    wall, measured = run(builds[label], names, artifacts, data, job_args)
                    results[label].append(measured)
                    walls.append(wall)
            group_rows = [row for suite in group for row in compare(suite, compared[suite], results)]
            print(table(group_rows), flush=True)
            rows += group_rows
            timings.append(f"| {name} | {' / '.join(f'{w:.0f}' for w in walls)} | {sum(walls):.0f} |")

    load = os.getloadavg()
    report = "\n\n".join([
        f"Old: {builds['old'].dll}\nNew: {builds['new'].dll}\nJob: {args.job}, {args.rounds} rounds of old then new; "
        f"load average at the end {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f}",
        table(rows),
        "| suites of one run | seconds per run (old, new, old, new, ...; each with BenchmarkDotNet's build) | total |\n"
        "|---|---|---|\n" + "\n".join(timings) + f"\n| all | | {time.monotonic() - start:.0f} |",
    ])
    (out / "comparison.md").write_text(report + "\n")
    print("\n" + report + f"\n\nWritten to {out / 'comparison.md'}")


if __name__ == "__main__":
    main()
