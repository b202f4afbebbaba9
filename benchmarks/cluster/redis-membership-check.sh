#!/usr/bin/env bash
# Manual check of Redis membership (not run by CI, which has no Redis): three `engine serve --clustering redis=…`
# silos on this host, an index loaded with 2 replicas, one silo killed, the search compared byte for byte with the
# single-machine `engine knn --database`. Needs a Redis server on 127.0.0.1:6379 with nothing else in it
# (e.g. `redis-server --bind 127.0.0.1 --port 6379 --save '' --daemonize yes`); the script empties it (FLUSHALL).
# Usage: redis-membership-check.sh ENGINE DB.npy QUERIES.npy WORKDIR   (ENGINE: e.g. src/Engine.Cli/bin/Release/net10.0/Engine.Cli)
set -euo pipefail
engine=$1 db=$2 queries=$3 work=$4
rm -rf "$work" && mkdir -p "$work"
redis-cli -h 127.0.0.1 -p 6379 flushall > /dev/null
pids=()
trap 'kill "${pids[@]}" 2>/dev/null; wait 2>/dev/null || true' EXIT
for i in 0 1 2; do
  "$engine" serve --port $((21211 + i)) --gateway-port $((31100 + i)) --clustering redis=127.0.0.1:6379 --data "$work/d$i" > "$work/s$i.log" 2>&1 &
  pids+=($!)
done
for _ in $(seq 1 120); do grep -q "is up" "$work/s0.log" && grep -q "is up" "$work/s1.log" && grep -q "is up" "$work/s2.log" && break; sleep 1; done
cluster=127.0.0.1:31100,127.0.0.1:31101,127.0.0.1:31102
echo "membership table in Redis: $(redis-cli -h 127.0.0.1 -p 6379 --scan | tr '\n' ' ')"
"$engine" knn --database "$db" --normalize --queries "$queries" -k 10 --out-ids "$work/ids.npy" --out-scores "$work/scores.npy" > /dev/null
"$engine" cluster index --cluster "$cluster" --name rnd --database "$db" --normalize --shards 3 --replicas 2
"$engine" cluster status --cluster "$cluster"
kill "${pids[2]}"
echo "killed the third silo (pid ${pids[2]})"
start=$(date +%s.%N)
"$engine" knn --cluster "$cluster" --index rnd --queries "$queries" -k 10 --out-ids "$work/c-ids.npy" --out-scores "$work/c-scores.npy"
echo "search after the kill: $(echo "$(date +%s.%N) - $start" | bc) s"
cmp "$work/ids.npy" "$work/c-ids.npy" && cmp "$work/scores.npy" "$work/c-scores.npy" && echo "ids and scores equal the single-machine search's, byte for byte"
sleep 40
"$engine" cluster status --cluster "$cluster"
