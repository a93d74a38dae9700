#!/usr/bin/env bash
# Builds everything once (Release) and runs every test project, then reruns the kernel tests with AVX-512,
# AVX2, AVX-VNNI and all hardware intrinsics switched off so each SIMD tier is exercised on any machine.
# Ends with the line "N passed, N failed"; exits non-zero on any failure.
set -uo pipefail
cd "$(dirname "$0")"
results="$(pwd)/.ci/out"
rm -rf "$results" && mkdir -p "$results"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

if ! dotnet build Runtime.sln -c Release -v quiet -nologo; then
  echo "build failed"
  echo "0 passed, 1 failed"
  exit 1
fi

status=0
run_tests() { # name, project, extra env...
  local name=$1 project=$2; shift 2
  echo "== $name"
  env "$@" dotnet test "$project" -c Release --no-build -nologo \
    --logger "trx;LogFileName=$results/$name.trx" --logger "console;verbosity=minimal" || status=1
}

for project in tests/*.Tests/*.csproj; do
  run_tests "$(basename "$project" .csproj)" "$project"
done
kernels=tests/Kernels.Tests/EmbedRt.Kernels.Tests.csproj
run_tests kernels-no-avx512 "$kernels" DOTNET_EnableAVX512F=0 DOTNET_EnableAVX512=0  # .NET 10 reads the latter
run_tests kernels-no-avx2 "$kernels" DOTNET_EnableAVX2=0
run_tests kernels-no-vnni "$kernels" DOTNET_EnableAVXVNNI=0  # int8 on vpmaddwd at 512 and 256 bits
run_tests kernels-scalar "$kernels" DOTNET_EnableHWIntrinsic=0

passed=0 failed=0 runs=0
for trx in "$results"/*.trx; do
  [ -f "$trx" ] || continue
  runs=$((runs + 1))
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -n 1)
  p=$(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$counters")
  f=$(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<<"$counters")
  passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0}))
done
expected_runs=$(( $(ls tests/*.Tests/*.csproj | wc -l) + 4 ))
if [ "$runs" -ne "$expected_runs" ]; then
  echo "only $runs of $expected_runs test runs left results"
  failed=$((failed + expected_runs - runs))
fi
[ "$failed" -eq 0 ] || status=1
echo "$passed passed, $failed failed"
exit $status
