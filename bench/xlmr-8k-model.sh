# Sourced by the bench scripts that run an XLM-R of BGE-M3's shape (8194 positions, F16 random weights from
# tools/modelgen, the xlmr-tiny-m3 vocabulary): installs what they need (time, python3-numpy) and generates
# the model once into the cache. Usage: xlmr_8k_model HIDDEN LAYERS — sets MODEL and PYTHON.
PYTHON=/usr/bin/python3

xlmr_8k_model() {
    local hidden=$1 layers=$2
    MODEL="${E2E_CACHE:-bench/.cache}/models/xlmr-8k-h${hidden}-l${layers}"
    command -v /usr/bin/time >/dev/null || { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y time; }
    "$PYTHON" -c 'import numpy' 2>/dev/null || { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y python3-numpy; }
    [ -f "$MODEL/config.json" ] && return
    echo "== generating $MODEL" >&2
    "$PYTHON" tools/modelgen/make_model.py --out "$MODEL" --model-type xlm-roberta --hidden "$hidden" --layers "$layers" \
        --heads $((hidden / 64)) --intermediate $((hidden * 4)) --max-positions 8192 --dtype F16 --pooling cls \
        --max-seq-length 8192 --tokenizer-dir tests/fixtures/models/xlmr-tiny-m3 >&2
}
