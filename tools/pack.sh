#!/usr/bin/env bash
# Packs every NuGet package into one folder: the libraries under src/ (each project there is packable, see
# src/Directory.Build.props) and the embedrt .NET tool. Extra arguments go to `dotnet pack`
# (e.g. --no-build after a Release build, -p:PackageVersion=1.2.3). Prints the folder on its last line.
#   tools/pack.sh [OUT]            default OUT: artifacts/packages
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=$(realpath -m "${1:-$root/artifacts/packages}")
shift || true
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# One solution filter, one dotnet pack: a single evaluation and build of the shared projects.
{
  printf '{"solution":{"path":"%s","projects":[' "$root/Runtime.sln"
  (cd "$root" && find src -name '*.csproj' | sort; echo tools/Cli/EmbedRt.Cli.csproj) | sed 's/.*/"&"/' | paste -sd, -
  printf ']}}\n'
} > "$work/packages.slnf"
dotnet pack "$work/packages.slnf" -c Release -o "$out" --nologo -v quiet "$@" >&2
echo "$out"
