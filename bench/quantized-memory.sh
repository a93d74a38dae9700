#!/usr/bin/env bash
# Peak resident memory per compute precision on an XLM-R of BGE-M3's shape (hidden 1024, 24 layers, FFN 4096,
# F16 random weights, small vocabulary so linear weights are nearly all of it; bench/xlmr-8k-model.sh): each
# precision in a fresh process loads the model and embeds 32 inputs of 128 tokens (embedrt-e2e memory).
#   bench/quantized-memory.sh [--threads N]     prints a markdown table
set -euo pipefail
cd "$(dirname "$0")/.."
THREADS=$(nproc)
[ "${1:-}" = "--threads" ] && THREADS=$2
. bench/xlmr-8k-model.sh
xlmr_8k_model 1024 24
dotnet build bench/EndToEnd -c Release -v quiet -nologo >&2
echo "| precision | peak RSS MiB | load s |"
echo "|---|---:|---:|"
for engine in embedrt embedrt-bf16 embedrt-int8; do
    read -r name rss load < <(dotnet bench/EndToEnd/bin/Release/net10.0/embedrt-e2e.dll memory --model "$MODEL" \
        --engines "$engine" --threads "$THREADS" --scale 0.25 | tail -n 1)
    echo "| $name | $rss | $load |"
done
