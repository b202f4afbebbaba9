#!/usr/bin/env bash
# Coverage-guided fuzzing of one Engine reader with SharpFuzz + AFL++.
#   fuzz/run.sh READER MINUTES        READER: npy | png | tiff | fvecs | json | index
# Builds the harness, instruments Engine.dll (and the decoders it relies on) with sharpfuzz, writes the seed
# corpus, and runs afl-fuzz at the lowest priority for MINUTES. Results: fuzz/runs/READER/default/{crashes,hangs,queue}
# and fuzz_stats. Needs: afl++ (apt-get install afl++) and the sharpfuzz tool
# (dotnet tool install --global SharpFuzz.CommandLine --version 2.3.0).
set -euo pipefail
reader=${1:?usage: fuzz/run.sh READER MINUTES}
minutes=${2:?usage: fuzz/run.sh READER MINUTES}
here=$(cd "$(dirname "$0")" && pwd)
out="${FUZZ_OUT:-$here/out}"   # FUZZ_OUT: another build folder, to rebuild while a run uses this one
export PATH="$PATH:$HOME/.dotnet/tools"

fresh=
if [[ ! -f "$out/.instrumented" || "$here/Engine.Fuzz/Program.cs" -nt "$out/.instrumented" || -n "${REBUILD:-}" ]]; then
  rm -rf "$out"
  dotnet publish "$here/Engine.Fuzz/Engine.Fuzz.csproj" -c Release -o "$out" --nologo -v quiet
  fresh=1
fi

# The corpus is written by the harness before instrumentation: instrumented code outside afl-fuzz has no
# coverage map to write to and crashes.
if [[ ! -d "$here/corpus/$reader" ]]; then
  if [[ -z "$fresh" ]]; then
    rm -rf "$out" && dotnet publish "$here/Engine.Fuzz/Engine.Fuzz.csproj" -c Release -o "$out" --nologo -v quiet
    fresh=1
  fi
  dotnet "$out/Engine.Fuzz.dll" corpus "$here/corpus"
  cp "$here"/../tests/data/io/npy_*.npy "$here/corpus/npy/" 2>/dev/null || true
  rm -f "$here"/corpus/npy/npy_structured.npy
  cp "$here"/../tests/data/io/png_gray*.png "$here/corpus/png/" 2>/dev/null || true
  for d in "$here"/../tests/data/volumes/*/; do
    [[ -f "$d/00.tif" ]] && cp "$d/00.tif" "$here/corpus/tiff/$(basename "$d").tif"
  done
  cp "$here"/../tests/data/volumes/tifffile_multipage.tif "$here"/../tests/data/io/tiff_u8_two_pages.tif "$here/corpus/tiff/"
fi

if [[ -n "$fresh" ]]; then
  # Engine is what we fuzz; LibTiff.NET and stb_image decide most of the paths through TIFF and PNG input, so
  # they are instrumented too (their coverage guides AFL++ into Engine's handling of what they return).
  for dll in Engine.dll BitMiracle.LibTiff.NET.dll StbImageSharp.dll; do
    sharpfuzz "$out/$dll"
  done
  touch "$out/.instrumented"
fi

mkdir -p "$here/runs/$reader"
# .NET is not an AFL-instrumented binary (the coverage map is written by the instrumented IL): skip that check;
# -m none as the runtime reserves far more address space than AFL's default limit; -t 5000 ms for hangs
# (start-up of a persistent .NET process is slow, a read of a small file is not).
# A heap limit turns a reader that allocates gigabytes for a small hostile file into an OutOfMemoryException (a
# crash AFL++ keeps) instead of a process the kernel kills, which AFL++ cannot tell apart from a broken fork server.
DOTNET_GCHeapHardLimit=${DOTNET_GCHeapHardLimit:-0x20000000} \
AFL_SKIP_BIN_CHECK=1 AFL_NO_UI=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_SKIP_CPUFREQ=1 \
  nice -n 19 afl-fuzz -i "$here/corpus/$reader" -o "$here/runs/$reader" -t 5000 -m none -V $((minutes * 60)) \
  -- dotnet "$out/Engine.Fuzz.dll" "$reader"

stats="$here/runs/$reader/default/fuzzer_stats"
if [[ -f "$stats" ]]; then
  grep -E '^(run_time|execs_done|execs_per_sec|corpus_count|saved_crashes|saved_hangs|unique_crashes|unique_hangs|bitmap_cvg)' "$stats"
fi
