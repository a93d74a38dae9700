#!/usr/bin/env bash
# NativeAOT binaries against the JIT: binary size, cold start (process start to first vector on stdout) and
# throughput of each x86-64 flavour, the JIT build (dotnet embedrt.dll) and a self-contained single-file JIT build,
# on a bge-small-shaped model (random weights from tools/modelgen; 12 layers, hidden 384). Runs are interleaved
# (each round visits the variants forward, the next round backward) so drift in machine load hits all alike.
#
#   bench/aot.sh [--texts 200] [--rounds 4] [--starts 15] [--skip-publish]
# Writes bench/results/aot-<date>.md.
set -euo pipefail
cd "$(dirname "$0")/.."
TEXTS=200 ROUNDS=4 STARTS=15 PUBLISH=1
while [ $# -gt 0 ]; do
  case "$1" in
    --texts) TEXTS=$2; shift 2;; --rounds) ROUNDS=$2; shift 2;; --starts) STARTS=$2; shift 2;;
    --skip-publish) PUBLISH=0; shift;;
    *) echo "unknown option $1" >&2; exit 64;;
  esac
done
PYTHON=/usr/bin/python3
"$PYTHON" -c 'import numpy' 2>/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-numpy >&2; }
MODEL=bench/.cache/models/bge-small-aot
[ -f "$MODEL/config.json" ] || "$PYTHON" tools/modelgen/make_model.py --out "$MODEL" --preset bge-small --pooling mean >&2

AOT=artifacts/publish/linux-x64
SINGLE=artifacts/publish/single-file-jit
if [ "$PUBLISH" = 1 ]; then
  tools/publish.sh linux-x64 >&2
  dotnet publish tools/Cli/EmbedRt.Cli.csproj -c Release -r linux-x64 --self-contained -p:PublishSingleFile=true \
    -nologo -v quiet -o "$SINGLE" >&2
fi
dotnet build tools/Cli -c Release -nologo -v quiet >&2
JIT="dotnet tools/Cli/bin/Release/net10.0/embedrt.dll"

# name|command|environment
VARIANTS=(
  "aot-v2|$AOT/embedrt|EMBEDRT_FLAVOUR=v2"  # the v2 build is the launcher itself: EMBEDRT_FLAVOUR=v2 keeps it
  "aot-v3|$AOT/embedrt-x86-64-v3|EMBEDRT_FLAVOUR=v3"  # each flavour hands over to the best one beside it unless pinned
  "aot-v4|$AOT/embedrt-x86-64-v4|EMBEDRT_FLAVOUR=v4"
  "aot-launcher|$AOT/embedrt|"
  "jit|$JIT|"
  "single-file-jit|$SINGLE/embedrt|"
)


# Variants whose binary is missing (a partial --skip-publish run) are left out of the table.
present=()
for v in "${VARIANTS[@]}"; do
  IFS='|' read -r _ cmd _ <<<"$v"; file=${cmd##* }
  if [ -f "$file" ]; then present+=("$v"); else echo "skipping ${v%%|*}: $file not found" >&2; fi
done
VARIANTS=("${present[@]}")

SHORT='"what is retrieval augmented generation"'
INPUT=$(mktemp)
"$PYTHON" -c "
import json
for i in range($TEXTS): print(json.dumps(' '.join(['dense retrieval of long documents, item %d' % i] * 6)))" > "$INPUT"

now() { date +%s%N; }
run() { # variant, input file -> wall ms
  IFS='|' read -r _ cmd envs <<<"$1"
  local start end
  start=$(now)
  env $envs $cmd embed --model "$MODEL" <"$2" >/dev/null
  end=$(now)
  echo $(( (end - start) / 1000000 ))
}
TINY=tests/fixtures/models/bert-tiny-uncased
first_vector() { # variant, model -> ms from process start to the first output line
  IFS='|' read -r _ cmd envs <<<"$1"
  local start end
  start=$(now)
  echo "$SHORT" | env $envs $cmd embed --model "$2" | head -c 1 >/dev/null
  end=$(now)
  echo $(( (end - start) / 1000000 ))
}
median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : int((a[NR/2] + a[NR/2+1]) / 2)}'; }

declare -A COLD COLD_TINY THROUGHPUT TIER
for v in "${VARIANTS[@]}"; do
  name=${v%%|*}; IFS='|' read -r _ cmd envs <<<"$v"
  TIER[$name]=$(env $envs $cmd --version)
  COLD[$name]=""; COLD_TINY[$name]=""; THROUGHPUT[$name]=""
  env $envs $cmd embed --model "$MODEL" <<<"$SHORT" >/dev/null # warm the page cache
done
order=("${VARIANTS[@]}")
for ((s = 0; s < STARTS; s++)); do
  for v in "${order[@]}"; do
    COLD[${v%%|*}]+="$(first_vector "$v" "$MODEL") "
    COLD_TINY[${v%%|*}]+="$(first_vector "$v" "$TINY") "
  done
  mapfile -t order < <(printf '%s\n' "${order[@]}" | tac)
done
for ((r = 0; r < ROUNDS; r++)); do
  for v in "${order[@]}"; do THROUGHPUT[${v%%|*}]+="$(run "$v" "$INPUT") "; done
  mapfile -t order < <(printf '%s\n' "${order[@]}" | tac)
  echo "round $((r + 1))/$ROUNDS done" >&2
done

size() { du -b "$1" | cut -f1; }
out=bench/results/aot-$(date -u +%F).md
{
  echo "# NativeAOT flavours vs JIT — $(date -u +%F)"
  echo
  echo "- Machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB; CPU flags include avx512f: $(grep -qw avx512f /proc/cpuinfo && echo yes || echo no)"
  echo "- Commit: $(git rev-parse --short HEAD); .NET $(dotnet --version)"
  echo "- Command: \`bench/aot.sh --texts $TEXTS --rounds $ROUNDS --starts $STARTS\`"
  echo "- Model: bge-small shape (BERT, 12 layers, hidden 384, random weights, tools/modelgen preset bge-small), float32"
  echo "- Cold start: process start to the first byte of the first vector on stdout, one short text, median of $STARTS, on the bge-small-shaped model (133 MB, load included) and on the tiny fixture model $TINY"
  echo "- Throughput: $TEXTS texts of ~60 tokens, whole process (load included), median of $ROUNDS interleaved rounds"
  echo
  echo "| variant | --version | file size | cold start, tiny model (ms) | cold start, bge-small (ms) | $TEXTS texts (ms) | texts/s | vs JIT |"
  echo "| --- | --- | --- | --- | --- | --- | --- | --- |"
  jit_ms=$(echo ${THROUGHPUT[jit]} | tr ' ' '\n' | median)
  for v in "${VARIANTS[@]}"; do
    name=${v%%|*}; IFS='|' read -r _ cmd _ <<<"$v"
    file=${cmd##* }; [ "$name" = jit ] && file="(framework-dependent: embedrt.dll + deps, $(du -cb tools/Cli/bin/Release/net10.0/*.dll | tail -1 | cut -f1) bytes of dlls, needs the .NET runtime)"
    [ -f "$file" ] && file="$(awk -v b="$(size "$file")" 'BEGIN {printf "%.1f MB", b / 1e6}')"
    cold=$(echo ${COLD[$name]} | tr ' ' '\n' | median)
    cold_tiny=$(echo ${COLD_TINY[$name]} | tr ' ' '\n' | median)
    ms=$(echo ${THROUGHPUT[$name]} | tr ' ' '\n' | median)
    echo "| $name | ${TIER[$name]#embedrt } | $file | $cold_tiny | $cold | $ms | $(awk -v n=$TEXTS -v t=$ms 'BEGIN {printf "%.1f", n * 1000 / t}') | $(awk -v a=$jit_ms -v b=$ms 'BEGIN {printf "%.2f×", a / b}') |"
  done
  echo
  echo "Raw runs (ms), in variant order: cold starts tiny / cold starts bge-small / throughput"
  echo
  for v in "${VARIANTS[@]}"; do name=${v%%|*}; echo "- $name: ${COLD_TINY[$name]}/ ${COLD[$name]}/ ${THROUGHPUT[$name]}"; done
} > "$out"
rm -f "$INPUT"
cat "$out"
echo "$out"
