#!/usr/bin/env bash
# Per-work-item overhead of `engine ink infer --cluster`: two silos (engine serve) on this host, two copies of one
# fragment, three jobs; for each item, the coordinator's seconds from handing it out to seeing it done, less the
# inference's own seconds on the silo. Every output is compared with a single-machine run's, byte for byte.
# Usage: ink-work-item-overhead.sh ENGINE FRAGMENT MODEL WORKDIR   (ENGINE: the built engine, e.g. src/Engine.Cli/bin/Release/net10.0/Engine.Cli)
set -euo pipefail
engine=$1 fragment=$2 model=$3 work=$4
rm -rf "$work" && mkdir -p "$work"
for f in frag1 frag2; do cp -r "$fragment" "$work/$f"; done
source "$(dirname "$0")/two-silos.sh"
start_two_silos "$engine" "$work" 21111 31000
"$engine" ink infer --fragment "$work/frag1" --model "$model" --out "$work/single" --json > "$work/single.json"
python3 -c "import json; d = json.load(open('$work/single.json')); print('single machine: total', round(d['seconds']['total'], 2), 's, model', round(d['seconds']['model'], 2), 's,', d['tiles'], 'windows')"
for run in 1 2 3; do
  "$engine" ink infer --cluster 127.0.0.1:31000,127.0.0.1:31001 --fragment "$work/frag1" --fragment "$work/frag2" --model "$model" --out "$work/cluster$run" --json > "$work/cluster$run.json"
  python3 -c "
import json; d = json.load(open('$work/cluster$run.json'))
for f in d['fragments']:
    print('job $run', f['name'], 'on', f['silo'], 'attempt', f['attempts'], ': item', round(f['seconds'], 3), 's, inference', round(f['inferenceSeconds'], 3), 's, overhead', round(f['seconds'] - f['inferenceSeconds'], 3), 's')
print('job $run: job', round(d['seconds'], 3), 's, longest item', round(max(f['seconds'] for f in d['fragments']), 3), 's')"
  for f in frag1 frag2; do for o in prob.npy prob.tif prob.png ink.png overlay.png; do cmp "$work/single/$o" "$work/cluster$run/$f/$o"; done; done
done
echo "all outputs equal the single-machine run's"
