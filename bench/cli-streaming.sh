#!/usr/bin/env bash
# Peak RSS (/usr/bin/time -v's maximum resident set) and wall time of CLI commands on large inputs, for two builds
# of embedrt.dll (e.g. a baseline commit built with `git archive C | tar -x -C /tmp/base && dotnet build
# /tmp/base/tools/Cli -c Release -o /tmp/base/out`, and this tree's tools/Cli/bin/Release/net10.0).
# Usage: bench/cli-streaming.sh BEFORE_DLL AFTER_DLL [WORKDIR]; prints one line per run.
set -euo pipefail
before=$1 after=$2 work=${3:-/tmp/cli-streaming}
models="$(cd "$(dirname "$0")/.." && pwd)/tests/fixtures/models"
mkdir -p "$work" && cd "$work"
if [ ! -f short1m.jsonl ]; then
  python3 - <<'PY'
import json, random
random.seed(1)
words = "the quick brown fox jumps over lazy dog 北京 天气 embedding search query passage retrieval model".split()
with open('short1m.jsonl', 'w') as f:
    for i in range(1_000_000):
        f.write(json.dumps(" ".join(random.choice(words) for _ in range(6)) + f" {i}", ensure_ascii=False) + "\n")
with open('big200mb.jsonl', 'w') as f:  # one line, one JSON string of ~235 M ASCII chars (words and spaces)
    f.write(json.dumps(" ".join(random.choice(words[:9]) for _ in range(200_000_000 // 5))) + "\n")
PY
  for i in 1 2 3 4 5; do cat short1m.jsonl; done > short5m.jsonl
  head -200000 short1m.jsonl > short200k.jsonl
fi
run() { # label dll input args...
  local label=$1 dll=$2 input=$3; shift 3
  /usr/bin/time -f "$label: %e s wall, peak RSS %M KB, exit %x" -o time.out dotnet "$dll" "$@" < "$input" > /dev/null 2> stderr.txt || true
  cat time.out
}
# A B B A order, so that drift in machine load weighs on both builds.
run "tokenize 5M lines, before" "$before" short5m.jsonl tokenize --model "$models/bert-tiny-uncased"
run "tokenize 5M lines, after" "$after" short5m.jsonl tokenize --model "$models/bert-tiny-uncased"
run "embed 200k lines, after" "$after" short200k.jsonl embed --model "$models/bert-tiny-uncased"
run "embed 200k lines, before" "$before" short200k.jsonl embed --model "$models/bert-tiny-uncased"
run "embed one 235 MB line, before" "$before" big200mb.jsonl embed --model "$models/bert-tiny-uncased"
run "embed one 235 MB line, after" "$after" big200mb.jsonl embed --model "$models/bert-tiny-uncased"
run "sparse 200k lines, after" "$after" short200k.jsonl sparse --model "$models/xlmr-tiny-m3"
run "sparse 200k lines, before" "$before" short200k.jsonl sparse --model "$models/xlmr-tiny-m3"
