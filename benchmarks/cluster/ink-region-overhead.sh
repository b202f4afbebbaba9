#!/usr/bin/env bash
# What splitting a fragment into regions costs on `engine ink infer --cluster`: two silos (engine serve) on this host,
# one fragment inferred whole (--region-rows 0) and in regions (--region-rows ROWS), twice each; per item, the
# coordinator's seconds from handing it out to seeing it done less the silo's own seconds (scheduling), and the
# windows the regions predicted against the whole run's (the halo recomputed). Every output is compared with a
# single-machine run's, byte for byte.
# Usage: ink-region-overhead.sh ENGINE FRAGMENT MODEL WORKDIR [ROWS]   (ENGINE: the built engine, e.g. src/Engine.Cli/bin/Release/net10.0/Engine.Cli)
set -euo pipefail
engine=$1 fragment=$2 model=$3 work=$4 rows=${5:-256}
rm -rf "$work" && mkdir -p "$work"
source "$(dirname "$0")/two-silos.sh"
start_two_silos "$engine" "$work" 21121 31010
"$engine" ink infer --fragment "$fragment" --model "$model" --out "$work/single" --json > "$work/single.json"
python3 -c "import json; d = json.load(open('$work/single.json')); print('single machine: total', round(d['seconds']['total'], 2), 's,', d['tiles'], 'windows')"
name=$(basename "$fragment")
for run in 1 2; do
  for split in 0 "$rows"; do
    out="$work/run$run-rows$split"
    "$engine" ink infer --cluster 127.0.0.1:31010,127.0.0.1:31011 --fragment "$fragment" --model "$model" --out "$out" --region-rows "$split" --json > "$out.json"
    python3 -c "
import json; d = json.load(open('$out.json')); f = d['fragments'][0]
if not f['regions']:
    print('run $run whole: item', round(f['seconds'], 2), 's, inference', round(f['inferenceSeconds'], 2), 's, overhead', round(f['seconds'] - f['inferenceSeconds'], 2), 's;', f['tiles'], 'windows; job', round(d['seconds'], 2), 's')
else:
    for i, r in enumerate(f['regions']):
        print('run $run region', i + 1, 'on', r['silo'], ': item', round(r['seconds'], 2), 's, inference', round(r['inferenceSeconds'], 2), 's, overhead', round(r['seconds'] - r['inferenceSeconds'], 2), 's,', r['windows'], 'windows')
    merge = f['inferenceSeconds'] - sum(r['inferenceSeconds'] for r in f['regions'])
    print('run $run merge on', f['silo'], ': item', round(f['seconds'], 2), 's, merge', round(merge, 2), 's, overhead', round(f['seconds'] - merge, 2), 's; regions predicted', sum(r['windows'] for r in f['regions']), 'windows of', f['tiles'], '; job', round(d['seconds'], 2), 's')"
    for o in prob.npy prob.tif prob.png ink.png overlay.png; do cmp "$work/single/$o" "$out/$name/$o"; done
  done
done
echo "all outputs equal the single-machine run's"
