#!/usr/bin/env bash
# The whole CUDA check-and-measure on a GPU machine, in under 5 minutes and with no dotnet there.
#
#   On a machine with the .NET SDK:   bench/gpu.sh pack            -> bench/gpu-kit.tar.gz (self-contained apps + fixtures)
#   On the GPU machine:               tar xzf gpu-kit.tar.gz && ./gpu-kit/run.sh [MODEL_DIR...]
#   Or both on one machine with a GPU and the SDK:   bench/gpu.sh [MODEL_DIR...]
#
# run.sh prints, in order: the GPU and driver (nvidia-smi), every kernel checked against the reference at real
# odd shapes (PASS/FAIL, max abs error), the per-kernel timing table (ms, TFLOP/s, % of FP32 peak, cuBLAS Sgemm
# for the same GEMMs), ptxas register / spill / shared-memory figures per kernel if ptxas is there, the CLI on
# --device cuda vs cpu for the fixture model, end-to-end tokens/s of each MODEL_DIR (default: the fixtures)
# against the CPU path, the batch pipeline (batch n+1 staged while n runs) against the sequential walk on
# mixed lengths, and the heads on the device (BGE-M3 dense/sparse/ColBERT, reranker: tokens/s, bytes copied back,
# outputs against the CPU), and two models through one device (second load vs first, device memory of the second,
# both run concurrently on their own streams, outputs bit for bit against each alone).
# M3_MODEL / RERANKER_MODEL name real folders for the head runs (default: the fixtures).
# Commit its output as bench/results/cuda-gpu-<date>.md.
set -euo pipefail
cd "$(dirname "$0")/.."
kit=bench/gpu-kit

pack() {
  rm -rf "$kit" && mkdir -p "$kit"
  dotnet publish bench/Cuda -c Release -r linux-x64 --self-contained -o "$kit/bench" -v quiet -nologo
  dotnet publish tools/Cli -c Release -r linux-x64 --self-contained -p:PublishAot=false -o "$kit/cli" -v quiet -nologo
  "$kit/bench/EmbedRt.Bench.Cuda" ptx "$kit/ptx" > "$kit/ptx-table.md"
  cp -r tests/fixtures/models "$kit/models"
  cat > "$kit/run.sh" <<'RUN'
#!/usr/bin/env bash
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
status=0
echo "## $(date -u +%F) $(hostname)"
nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv || echo "nvidia-smi not found"
echo; echo "## kernel checks (GPU vs reference)"
timeout 120 "$here/bench/EmbedRt.Bench.Cuda" check || status=1
echo; echo "## kernel timings (batch 32 x 128)"
timeout 120 "$here/bench/EmbedRt.Bench.Cuda" kernels || status=1
if command -v ptxas >/dev/null; then
  echo; echo "## ptxas -v (sm_90: registers, spills, shared memory)"
  for f in "$here"/ptx/*.sm_80.ptx; do echo "### $(basename "$f")"; ptxas -arch=sm_90 -v -o /dev/null "$f" 2>&1 | grep -E "registers|spill|smem" ; done
fi
echo; echo "## CLI --device cuda vs cpu (fixture)"
model="$here/models/bert-tiny-uncased"
printf '"hello world"\n"a second, longer line of text"\n' > /tmp/gpu-kit-input.jsonl
"$here/cli/embedrt" embed --model "$model" --device cuda --verbose < /tmp/gpu-kit-input.jsonl > /tmp/gpu-kit-cuda.jsonl || status=1
"$here/cli/embedrt" embed --model "$model" --device cpu < /tmp/gpu-kit-input.jsonl > /tmp/gpu-kit-cpu.jsonl || status=1
paste -d'\n' /tmp/gpu-kit-cuda.jsonl /tmp/gpu-kit-cpu.jsonl | head -c 400; echo
echo; echo "## end to end (tokens/s, GPU vs CPU)"
echo "| model | inputs | device | GPU | CPU | speed-up | check |"; echo "|---|---|---|---|---|---|---|"
models=("$@"); [ ${#models[@]} -gt 0 ] || models=("$here"/models/*/)
for m in "${models[@]}"; do timeout 90 "$here/bench/EmbedRt.Bench.Cuda" e2e --model "$m" --batch 32 --length 128 || status=1; done
echo; echo "## batch pipeline: sequential vs pipelined (mixed lengths 2..128, ABBA in one process)"
echo "| model | inputs | sequential | pipelined | speed-up | vectors | transfers |"; echo "|---|---|---|---|---|---|---|"
for m in "${models[@]}"; do timeout 90 "$here/bench/EmbedRt.Bench.Cuda" overlap --model "$m" --batch 32 --length 128 || status=1; done
echo; echo "## heads on the device (only their rows copied back)"
echo "| model | inputs | GPU | bytes back | vs CPU |"; echo "|---|---|---|---|---|"
timeout 90 "$here/bench/EmbedRt.Bench.Cuda" m3 --model "${M3_MODEL:-$here/models/xlmr-tiny-m3}" --batch 32 --length 128 || status=1
timeout 90 "$here/bench/EmbedRt.Bench.Cuda" reranker --model "${RERANKER_MODEL:-$here/models/xlmr-tiny-reranker}" --batch 32 --length 128 || status=1
echo; echo "## two models on one device (one context, a stream each)"
echo "| models | load | device memory | kernels | throughput | outputs |"; echo "|---|---|---|---|---|---|"
timeout 90 "$here/bench/EmbedRt.Bench.Cuda" share --model "${models[0]}" --with "${models[${#models[@]}-1]}" --batch 32 --length 128 || status=1
exit $status
RUN
  chmod +x "$kit/run.sh"
  tar czf bench/gpu-kit.tar.gz -C bench gpu-kit
  echo "bench/gpu-kit.tar.gz: copy it to the GPU machine, untar, run gpu-kit/run.sh"
}

if [ "${1:-}" = "pack" ]; then pack; exit 0; fi
pack
exec "$kit/run.sh" "$@"
