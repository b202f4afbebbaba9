#!/usr/bin/env bash
# The packages as a user gets them: packs the library, the TorchSharp bridge and the tool into a local folder
# feed (artifacts/feed), installs the tool from it into a temporary tool path and runs `engine --version`, then
# copies the samples to a temporary folder outside the repository and builds and runs both against the feed.
# Each step checks its result and the script stops at the first failure.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
feed="$root/artifacts/feed"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

version=$(dotnet msbuild "$root/src/Engine/Engine.csproj" -getProperty:Version)
echo "== packing $version into $feed"
rm -rf "$feed"
dotnet pack "$root/Engine.sln" -c Release -o "$feed" -nologo -v:q
for package in Papyrus.Engine Papyrus.Engine.Torch Papyrus.Engine.Tool Papyrus.Engine.Tool.linux-x64; do
    test -f "$feed/$package.$version.nupkg" || { echo "missing $package.$version.nupkg in $feed" >&2; exit 1; }
done
test -f "$feed/Papyrus.Engine.$version.snupkg" || { echo "missing the symbols package of Papyrus.Engine" >&2; exit 1; }

# A package of this version restored before (an earlier run) would be taken from the cache instead of the feed.
packages=$(dotnet nuget locals global-packages --list | sed 's/^global-packages: //')
rm -rf "$packages"/papyrus.engine*

echo "== installing the tool from the feed"
dotnet tool install Papyrus.Engine.Tool --version "$version" --tool-path "$work/tools" --add-source "$feed"
printed=$("$work/tools/engine" --version)
echo "engine --version: $printed"
[[ "$printed" == "$version"* ]] || { echo "engine --version printed '$printed', expected $version" >&2; exit 1; }

echo "== building and running the samples from the feed"
cp -r "$root/samples" "$work/samples"
cat > "$work/samples/NuGet.config" <<CONFIG
<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <packageSources>
    <add key="engine-local-feed" value="$feed" />
  </packageSources>
</configuration>
CONFIG
for sample in KnnSearch InkTraining; do
    echo "-- $sample"
    dotnet run --project "$work/samples/$sample" -c Release -p:EngineVersion="$version"
done
echo "== packages, tool and samples: OK"
