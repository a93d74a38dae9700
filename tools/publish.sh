#!/usr/bin/env bash
# Publishes the embedrt CLI as NativeAOT single-file native binaries; prints the binary to run on its last line.
#
#   tools/publish.sh [RID] [FLAVOURS]      RID: linux-x64 (default), linux-arm64, win-x64, osx-arm64, ...
#
# NativeAOT compiles for one instruction set level and never uses AVX2 / AVX-512 above it, so for x86-64 RIDs
# three flavours are built (FLAVOURS, default "v2 v3 v4"): embedrt (x86-64-v2, runs anywhere, scalar kernels),
# embedrt-x86-64-v3 (AVX2 kernels) and embedrt-x86-64-v4 (AVX-512 kernels). Each is one self-contained file;
# started as embedrt, the binary replaces itself with the best flavour the machine takes that lies beside it
# (EMBEDRT_FLAVOUR=v2|v3|v4 overrides). Copy the folder, or only the flavour your machines need.
# Output: artifacts/publish/RID/ (or $PUBLISH_OUT). Fails on any AOT or trimming warning. Installs clang and zlib1g-dev with
# apt-get when they are missing (the native link step needs them).
set -euo pipefail
cd "$(dirname "$0")/.."
rid=${1:-linux-x64}
flavours=${2:-v2 v3 v4}
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

ensure_linux_toolchain() {
  local missing=()
  command -v clang >/dev/null || missing+=(clang)
  [ -f /usr/include/zlib.h ] || missing+=(zlib1g-dev)
  [ ${#missing[@]} -eq 0 ] && return
  echo "installing ${missing[*]} (needed to link NativeAOT binaries)" >&2
  local sudo=""; [ "$(id -u)" -eq 0 ] || sudo=sudo
  $sudo apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >&2
}
[ "$(uname -s)" = Linux ] && ensure_linux_toolchain

out=$(realpath -m "${PUBLISH_OUT:-artifacts/publish/$rid}")
work="$out.work"
rm -rf "$out" && mkdir -p "$out" "$work"
ext=""; [[ $rid == win-* ]] && ext=".exe"

publish() { # instruction set ("" for the RID's default), output file name
  local isa=$1 name=$2 log="$work/$2.log"
  local args=(publish tools/Cli/EmbedRt.Cli.csproj -c Release -r "$rid" -nologo -p:PublishAot=true
              -o "$work/$name" "-p:NativeIntermediateOutputPath=$work/native-$name/")
  [ -n "$isa" ] && args+=("-p:IlcInstructionSet=$isa")
  if ! dotnet "${args[@]}" >"$log" 2>&1; then
    cat "$log" >&2; echo "publish of $name for $rid failed (log: $log)" >&2; exit 1
  fi
  if grep -Eq 'warning (IL[0-9]+|CS[0-9]+|NETSDK[0-9]+)' "$log"; then
    grep -E 'warning' "$log" | sort -u >&2; echo "publish of $name produced warnings (log: $log)" >&2; exit 1
  fi
  cp "$work/$name/embedrt$ext" "$out/$name$ext"
  echo "$name$ext: $(du -k "$out/$name$ext" | cut -f1) KiB ($isa)" >&2
}

if [[ $rid == *-x64 ]]; then
  for flavour in $flavours; do
    case $flavour in
      v2) publish x86-64-v2 embedrt ;;
      v3|v4) publish "x86-64-$flavour" "embedrt-x86-64-$flavour" ;;
      *) echo "unknown flavour $flavour (v2, v3 or v4)" >&2; exit 2 ;;
    esac
  done
else
  publish "" embedrt
fi
main="$out/embedrt$ext"
[ -f "$main" ] || main="$out/$(ls "$out" | sort | head -n 1)"
echo "$main"
