#!/usr/bin/env python3
"""The cluster's fixed cost per kNN query batch, two builds side by side (e.g. before and after a change).

Starts three `engine serve` silos (localhost membership) for each build, loads DB into each as 1 shard and as
3 shards, then runs `engine knn --cluster` ROUNDS times per index, alternating the builds, plus the
single-machine `engine knn --database` in every round. Prints per run the search seconds from --json, the wall
seconds of the client process, and the CPU seconds (user + system) of the client and of the build's three silos
over the run. Every cluster answer is compared byte for byte with the single machine's.

Usage: knn-batch-overhead.py OLD_ENGINE NEW_ENGINE DB.npy QUERIES.npy WORKDIR [ROUNDS]
(ENGINE: the built CLI, e.g. src/Engine.Cli/bin/Release/net10.0/Engine.Cli; manual, not run by CI)
"""
import json, os, resource, shutil, statistics, subprocess, sys, time

old, new, db, queries, work = sys.argv[1:6]
rounds = int(sys.argv[6]) if len(sys.argv) > 6 else 8
shutil.rmtree(work, ignore_errors=True)
os.makedirs(work)
tick = os.sysconf("SC_CLK_TCK")


def cpu(pid):
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / tick


def children_cpu():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def start(engine, name, base):
    silos = []
    for i in range(3):
        args = [engine, "serve", "--port", str(base + i), "--gateway-port", str(base + 100 + i), "--data", f"{work}/{name}-d{i}"]
        if i:
            args += ["--primary", f"127.0.0.1:{base}"]
        log = open(f"{work}/{name}-s{i}.log", "w")
        silos.append(subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT))
        for _ in range(240):
            if "is up" in open(f"{work}/{name}-s{i}.log").read():
                break
            time.sleep(0.5)
        else:
            sys.exit(f"{name} silo {i} did not start")
    return silos, f"127.0.0.1:{base + 100}"


def knn(engine, args, out, silos=()):
    before = children_cpu(), sum(cpu(p.pid) for p in silos)
    clock = time.monotonic()
    result = subprocess.run([engine, "knn", *args, "--queries", queries, "-k", "10", "--json",
                             "--out-ids", f"{out}-ids.npy", "--out-scores", f"{out}-scores.npy"], capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"engine knn {' '.join(args)} failed: {result.stderr}")
    wall = time.monotonic() - clock
    return json.loads(result.stdout)["seconds"], wall, children_cpu() - before[0], sum(cpu(p.pid) for p in silos) - before[1]


builds = {"old": start(old, "old", 22311), "new": start(new, "new", 22611)}
try:
    for name, (silos, cluster) in builds.items():
        engine = old if name == "old" else new
        for shards in (1, 3):
            loaded = subprocess.run([engine, "cluster", "index", "--cluster", cluster, "--name", f"s{shards}", "--database", db,
                                     "--shards", str(shards)], capture_output=True, text=True)
            if loaded.returncode != 0:
                sys.exit(f"{name}: engine cluster index failed: {loaded.stderr}")
    runs = {}
    for r in range(rounds):
        runs.setdefault("single", []).append(knn(new, ["--database", db], f"{work}/single"))
        expected = [open(f"{work}/single-{f}.npy", "rb").read() for f in ("ids", "scores")]
        for shards in (1, 3):
            for name in (("old", "new") if r % 2 == 0 else ("new", "old")):
                silos, cluster = builds[name]
                engine = old if name == "old" else new
                out = f"{work}/{name}-s{shards}"
                runs.setdefault(f"{name} {shards} shard(s)", []).append(knn(engine, ["--cluster", cluster, "--index", f"s{shards}"], out, silos))
                assert [open(f"{out}-{f}.npy", "rb").read() for f in ("ids", "scores")] == expected, f"{name} s{shards} differs"
    print(f"{rounds} rounds, load average {os.getloadavg()[0]:.1f} at the end; medians: search s, client wall s, client CPU s, silos' CPU s")
    for key, values in runs.items():
        columns = [statistics.median(v[i] for v in values) for i in range(4)]
        print(f"{key:>16}: " + ", ".join(f"{c:.3f}" for c in columns))
    print("every cluster answer equal to the single machine's, byte for byte")
finally:
    for silos, _ in builds.values():
        for p in silos:
            p.kill()
            p.wait()
