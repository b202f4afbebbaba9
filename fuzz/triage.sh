#!/usr/bin/env bash
# Replays AFL++'s crashes and hangs of one reader with the uninstrumented harness, keeps one file per distinct
# failure (numbers and the file's name blanked to group them) and writes DEST/INDEX.txt, a line per kept file.
#   fuzz/triage.sh READER DEST
set -euo pipefail
reader=${1:?usage: fuzz/triage.sh READER DEST}
dest=${2:?usage: fuzz/triage.sh READER DEST}
here=$(cd "$(dirname "$0")" && pwd)
dotnet build "$here/Engine.Fuzz/Engine.Fuzz.csproj" -c Release --nologo -v quiet > /dev/null
harness="$here/Engine.Fuzz/bin/Release/net10.0/Engine.Fuzz.dll"
mkdir -p "$dest"
declare -A seen
index="$dest/INDEX.txt"
: > "$index"
n=0
for kind in crashes hangs; do
  for f in "$here/runs/$reader/default/$kind"/id*; do
    [[ -f "$f" ]] || continue
    rc=0
    output=$(DOTNET_GCHeapHardLimit=0x20000000 timeout 20 dotnet "$harness" "$reader" "$f" 2>&1) || rc=$?
    if [[ $rc == 124 ]]; then
      line="no answer in 20 s (hang)"
    else
      line=$(echo "$output" | grep -a -m1 -E 'Exception|FuzzFinding|no failure' | cat -v || true)
      # The runtime's own fatal errors ("Out of memory." under the heap limit) are one bare line.
      [[ -z "$line" ]] && line="$(echo "$output" | head -1 | cat -v) (exit $rc)"
    fi
    line=${line//$f/<file>}
    key=x$(echo "$line" | sed -E 's/[0-9]+/#/g; s/\\u[0-9A-F#]{4}/~/g' | cut -c1-110)
    [[ -n "${seen[$key]:-}" ]] && continue
    seen[$key]=1
    name="afl-$reader-$(printf %03d $n)"
    cp "$f" "$dest/$name"
    printf "%s\t[%s] %s\n" "$name" "$kind" "$(echo "$line" | cut -c1-300)" >> "$index"
    n=$((n + 1))
  done
done
echo "$n distinct findings in $index"
