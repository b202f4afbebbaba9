#!/usr/bin/env bash
# The GPU check in one go, from the repository root of a machine with an NVIDIA GPU (driver, no .NET, no network):
#
#   gpu/check.sh [--out gpu-check.md]                                   # CUDA, the full sizes; under 8 minutes on an H100/H200
#   ENGINE="dotnet src/Engine.Cli/bin/Release/net10.0/Engine.Cli.dll" gpu/check.sh --small --backend ilgpu-cpu
#
# It runs `engine verify` (every kernel against the CPU SIMD path, exit 1 on a difference beyond its tolerance),
# then times each operation at the sizes where a GPU matters on both paths, and writes both tables as Markdown.
# The engine is ENGINE, or the build gpu/build.sh packed into .carry/engine.tar.xz, unpacked to a temporary folder.
set -euo pipefail
cd "$(dirname "$0")/.."

backend=cuda timings=gpu size=8192 out=gpu-check.md
# The whole check must end within 8 minutes on the GPU machine; the emulator (--small) is not held to it.
limit=470
# Each CPU reference row stops at this many seconds and scales up a prefix of the work instead (five rows).
cpu_seconds=25
while [ $# -gt 0 ]; do
    case "$1" in
        --small) timings=small size=16 limit=0 ;;
        --backend) backend=$2; shift ;;
        --out) out=$2; shift ;;
        *) echo "engine: error: unknown argument $1 (use --small, --backend B, --out FILE)" >&2; exit 1 ;;
    esac
    shift
done

if [ -z "${ENGINE:-}" ]; then
    if [ ! -f .carry/engine.tar.xz ]; then
        echo "engine: error: .carry/engine.tar.xz is missing: run gpu/build.sh on a machine with .NET first, or set ENGINE" >&2
        exit 1
    fi
    unpacked=$(mktemp -d)
    trap 'rm -rf "$unpacked"' EXIT
    tar -xJf .carry/engine.tar.xz -C "$unpacked"
    ENGINE="$unpacked/engine/Engine.Cli"
fi

# NVIDIA's datasheet figures: FP32 (non-tensor) TFLOP/s and memory bandwidth in GB/s; 0 0 leaves the share blank.
name=$(nvidia-smi --query-gpu=name --format=csv,noheader 2>/dev/null | head -n 1 || true)
case "$name" in
    *H200*NVL*) peaks="60 4800" ;;
    *H200*) peaks="67 4800" ;;
    *H100*NVL*) peaks="60 3900" ;;
    *H100*PCIe*) peaks="51 2000" ;;
    *H100*) peaks="67 3350" ;;
    *) peaks="0 0" ;;
esac
read -r tflops bandwidth <<< "$peaks"
echo "device: ${name:-no nvidia-smi}; peaks used: $tflops TFLOP/s FP32, $bandwidth GB/s"

# A timeout leaves no partial table: the file is written whole at the end.
timeout "$limit" $ENGINE verify --backend "$backend" --size "$size" --timings "$timings" --cpu-seconds "$cpu_seconds" \
    --peak-tflops "$tflops" --peak-bandwidth "$bandwidth" --markdown "$out"
echo "wrote $out"
