#!/usr/bin/env bash
# Long inputs: embeds one input of 1024 … 8192 tokens with an XLM-R model of BGE-M3's shape and position table
# (8194 positions; random weights from tools/modelgen) through the embedrt CLI, and records wall time and peak
# memory (max RSS from /usr/bin/time) per length. Memory should grow linearly with length: no seq × seq buffer.
#
#   bench/long-input.sh [--layers N] [--hidden N] [--threads N]      (defaults: 24 layers, hidden 1024, all cores)
# Writes bench/results/long-input-<date>.md.
set -euo pipefail
cd "$(dirname "$0")/.."

LAYERS=24 HIDDEN=1024 THREADS=$(nproc)
while [ $# -gt 0 ]; do
    case "$1" in
        --layers) LAYERS=$2; shift 2;;
        --hidden) HIDDEN=$2; shift 2;;
        --threads) THREADS=$2; shift 2;;
        *) echo "unknown option $1" >&2; exit 64;;
    esac
done
HEADS=$((HIDDEN / 64)) FFN=$((HIDDEN * 4))
. bench/xlmr-8k-model.sh
xlmr_8k_model "$HIDDEN" "$LAYERS"

echo "== building embedrt (Release)" >&2
dotnet build tools/Cli -c Release -v quiet -nologo >&2
CLI="dotnet tools/Cli/bin/Release/net10.0/embedrt.dll"
# A text well over 8192 tokens; each run cuts it to exactly N tokens with --max-length.
TEXT=$("$PYTHON" -c 'import json; print(json.dumps(" ".join(["retrieval augmented generation with long documents"] * 3000)))')

date=$(date -u +%Y-%m-%d)
out=bench/results/long-input-$date.md
{
    echo "# Long inputs: one input of N tokens, XLM-R of BGE-M3's shape"
    echo
    echo "- Date: $(date -u '+%Y-%m-%d %H:%M UTC'); commit $(git rev-parse --short=12 HEAD)"
    echo "- Machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) cores; load average at start $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "- Model: xlm-roberta, hidden $HIDDEN, $LAYERS layers, $HEADS heads, FFN $FFN, 8194 positions, F16 weights (widened to F32 at load), random (tools/modelgen)"
    echo "- Command: \`bench/long-input.sh --layers $LAYERS --hidden $HIDDEN --threads $THREADS\` — each row: \`embedrt embed --model MODEL --max-length N --threads $THREADS\` on one text cut to N tokens, under \`/usr/bin/time -v\`"
    echo
    echo "| tokens | wall s | peak RSS MiB | RSS over the 1024-token run, MiB |"
    echo "|---:|---:|---:|---:|"
} > "$out"
base=""
for n in 1024 2048 4096 8192; do
    echo "== $n tokens" >&2
    log=$(mktemp)
    echo "$TEXT" | /usr/bin/time -v $CLI embed --model "$MODEL" --max-length "$n" --threads "$THREADS" 2>"$log" >/dev/null
    rss=$(awk -F: '/Maximum resident set size/ {gsub(/ /, "", $2); print int($2 / 1024)}' "$log")
    wall=$(awk '/Elapsed \(wall clock\)/ {print $NF}' "$log" | awk -F: '{ if (NF == 3) print $1*3600 + $2*60 + $3; else print $1*60 + $2 }')
    [ -n "$base" ] || base=$rss
    echo "| $n | $wall | $rss | $((rss - base)) |" >> "$out"
    rm -f "$log"
done
echo >> "$out"
cat "$out"
