#!/usr/bin/env bash
# Builds the engine for a GPU machine, which has the NVIDIA driver but no .NET and no network: a self-contained
# linux-x64 publish, packed as .carry/engine.tar.xz (under 64 MiB, the most a device run carries).
#
# libtorch's native libraries (~500 MB of libtorch-cpu) are left out: with them the archive is well over the
# limit, and the check needs none of them (its ink row runs the engine's stages with a non-TorchSharp predictor;
# TorchSharp loads libtorch only when a model is built). Any command that builds a model fails there.
set -euo pipefail
cd "$(dirname "$0")/.."
rm -rf .carry/engine .carry/engine.tar.xz
dotnet publish src/Engine.Cli -c Release -r linux-x64 --self-contained -o .carry/engine
# The files of the libtorch-cpu-linux-x64 package and TorchSharp's native bridge.
for lib in libaoti_custom_ops.so libbackend_with_compiler.so libc10.so libgomp-98b21ff3.so.1 libjitbackend_test.so \
    libnnapi_backend.so libshm.so libtorch.so libtorch_cpu.so libtorch_global_deps.so libtorch_python.so \
    libtorchbind_test.so libLibTorchSharp.so; do
    rm -f ".carry/engine/$lib"
done
tar -C .carry -cf - engine | xz -T0 > .carry/engine.tar.xz
bytes=$(stat -c %s .carry/engine.tar.xz)
echo "wrote .carry/engine.tar.xz: $((bytes / 1048576)) MiB ($bytes bytes)"
if [ "$bytes" -gt $((64 * 1048576)) ]; then
    echo "engine: error: .carry/engine.tar.xz is over 64 MiB" >&2
    exit 1
fi
