#!/usr/bin/env bash
# 16-bit weights kept 16-bit vs widened to float32: peak memory and time of `embedrt embed` on an F16 XLM-R of
# BGE-M3's layer shape (hidden 1024, 24 layers, FFN 4096; random weights from tools/modelgen, the small
# xlmr-tiny-m3 vocabulary, so the linear weights are nearly all of the checkpoint). Each precision embeds one
# short text (load + one call) and 64 texts of ~128 tokens; the difference of the two runs is the embedding
# time of 63 texts.
#
#   bench/half-weights.sh [--threads N]     (default: all cores)
# Writes bench/results/half-weights-<date>.md.
set -euo pipefail
cd "$(dirname "$0")/.."

THREADS=$(nproc)
while [ $# -gt 0 ]; do
    case "$1" in
        --threads) THREADS=$2; shift 2;;
        *) echo "unknown option $1" >&2; exit 64;;
    esac
done
. bench/xlmr-8k-model.sh
xlmr_8k_model 1024 24

echo "== building embedrt (Release)" >&2
dotnet build tools/Cli -c Release -v quiet -nologo >&2
CLI="dotnet tools/Cli/bin/Release/net10.0/embedrt.dll"
SHORT=$("$PYTHON" -c 'import json; print(json.dumps("what is retrieval augmented generation"))')
MANY=$("$PYTHON" -c 'import json
for i in range(64): print(json.dumps(" ".join(["dense retrieval with long documents number %d" % i] * 14)))')

measure() { # $1 = input, rest = extra CLI options; prints "wall-seconds rss-MiB"
    local input=$1; shift
    local log; log=$(mktemp)
    echo "$input" | /usr/bin/time -v $CLI embed --model "$MODEL" --max-length 128 --threads "$THREADS" "$@" 2>"$log" >/dev/null
    local rss wall
    rss=$(awk -F: '/Maximum resident set size/ {gsub(/ /, "", $2); print int($2 / 1024)}' "$log")
    wall=$(awk '/Elapsed \(wall clock\)/ {print $NF}' "$log" | awk -F: '{ if (NF == 3) print $1*3600 + $2*60 + $3; else print $1*60 + $2 }')
    rm -f "$log"
    echo "$wall $rss"
}

date=$(date -u +%Y-%m-%d)
out=bench/results/half-weights-$date.md
{
    echo "# F16 weights: kept 16-bit (--keep-16bit) vs widened to float32 at load"
    echo
    echo "- Date: $(date -u '+%Y-%m-%d %H:%M UTC'); commit $(git rev-parse --short=12 HEAD)"
    echo "- Machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) cores; load average at start $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "- Model: xlm-roberta, hidden 1024, 24 layers, 16 heads, FFN 4096, F16 checkpoint of $(du -m "$MODEL/model.safetensors" | cut -f1) MiB (random weights, tools/modelgen; small vocabulary, so the linear weights are nearly all of it)"
    echo "- Command: \`bench/half-weights.sh --threads $THREADS\`: \`embedrt embed --model MODEL --max-length 128 --threads $THREADS [--keep-16bit]\` under \`/usr/bin/time -v\`, once with 1 short text and once with 64 texts of 128 tokens"
    echo
    echo "| weights in memory | peak RSS MiB, 1 text | wall s, 1 text (load + 1 call) | peak RSS MiB, 64 texts | wall s, 64 texts | 63 texts, s |"
    echo "|---|---:|---:|---:|---:|---:|"
} > "$out"
for precision in float32 16-bit; do
    flag=(); [ "$precision" = 16-bit ] && flag=(--keep-16bit)
    echo "== $precision" >&2
    read -r wall1 rss1 < <(measure "$SHORT" "${flag[@]}")
    read -r wall64 rss64 < <(measure "$MANY" "${flag[@]}")
    delta=$(awk -v a="$wall64" -v b="$wall1" 'BEGIN { printf "%.2f", a - b }')
    echo "| $precision | $rss1 | $wall1 | $rss64 | $wall64 | $delta |" >> "$out"
done
echo "wrote $out" >&2
cat "$out"
