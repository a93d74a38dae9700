#!/usr/bin/env bash
# Coverage-guided fuzzing of the loaders with AFL++ and SharpFuzz (issue 9): builds fuzz/, instruments the EmbedRt
# assemblies, runs each target from its committed corpus (fuzz/corpus/<target>) until it has done EXECS executions
# or SECONDS seconds have passed, and writes the counts to bench/results/fuzz-<date>.md. Crashes and hangs are copied
# to $WORK/findings/<target>/: replay one with `dotnet $WORK/bin/EmbedRt.Fuzz.dll <target> <file>`, then add it
# to fuzz/corpus/<target>/ with the fix (the CI replay test keeps it fixed).
#   bench/fuzz.sh [target...]      (default: every target)    env: EXECS (1000000), SECONDS_PER_TARGET (3600), WORK
set -euo pipefail
cd "$(dirname "$0")/.."
EXECS=${EXECS:-1000000}
SECONDS_PER_TARGET=${SECONDS_PER_TARGET:-3600}
WORK=${WORK:-/tmp/embedrt-fuzz}
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

command -v afl-fuzz >/dev/null || { apt-get update -qq && apt-get install -y -qq afl++ >/dev/null; }
SHARPFUZZ="$WORK/tools/sharpfuzz"
[ -x "$SHARPFUZZ" ] || dotnet tool install SharpFuzz.CommandLine --version 2.3.0 --tool-path "$WORK/tools" >/dev/null

rm -rf "$WORK/bin" && dotnet build fuzz/EmbedRt.Fuzz.csproj -c Release -o "$WORK/bin" -v quiet -nologo >/dev/null
for assembly in EmbedRt.Loader EmbedRt.Runtime embedrt; do "$SHARPFUZZ" "$WORK/bin/$assembly.dll" >/dev/null; done

targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=($(ls fuzz/corpus))
date=$(date -u +%Y-%m-%d)
report=bench/results/fuzz-$date.md
cpu="$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //') (family $(grep -m1 'cpu family' /proc/cpuinfo | cut -d: -f2 | tr -d ' '))"
{
  echo "# Fuzzing the loaders — $date"
  echo
  echo "Machine: $cpu, $(nproc) cores, load average $(cut -d' ' -f1 /proc/loadavg) at the start. Commit $(git rev-parse --short HEAD)."
  echo "AFL++ $(dpkg-query -W -f='${Version}' afl++ 2>/dev/null || echo '?') with SharpFuzz 2.3.0 (persistent in-process loop), EmbedRt.Loader, EmbedRt.Runtime and the CLI (embedrt.dll) instrumented."
  echo "Command: \`EXECS=$EXECS SECONDS_PER_TARGET=$SECONDS_PER_TARGET bench/fuzz.sh ${*:-}\`; each target stops at EXECS executions or SECONDS_PER_TARGET seconds."
  echo
  echo "| target | executions | exec/s | seconds | corpus (paths) | crashes | hangs |"
  echo "|---|---:|---:|---:|---:|---:|---:|"
} > "$report.tmp"

for target in "${targets[@]}"; do
  out="$WORK/out/$target"
  rm -rf "$out" && mkdir -p "$WORK/out"
  echo "== $target" >&2
  AFL_SKIP_BIN_CHECK=1 AFL_NO_UI=1 AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_AFFINITY=1 \
    timeout $((SECONDS_PER_TARGET + 120)) afl-fuzz -i "fuzz/corpus/$target" -o "$out" -t 10000 -m none \
    -E "$EXECS" -V "$SECONDS_PER_TARGET" -- dotnet "$WORK/bin/EmbedRt.Fuzz.dll" "$target" >"$WORK/$target.log" 2>&1 || true
  stats="$out/default/fuzzer_stats"
  if [ ! -f "$stats" ]; then
    echo "| $target | did not start (see $WORK/$target.log) | | | | | |" >> "$report.tmp"
    continue
  fi
  stat() { sed -n "s/^$1 *: *//p" "$stats"; }
  echo "| $target | $(stat execs_done) | $(stat execs_per_sec) | $(( $(stat last_update) - $(stat start_time) )) | $(stat corpus_count) | $(stat saved_crashes) | $(stat saved_hangs) |" >> "$report.tmp"
  mkdir -p "$WORK/findings/$target"
  cp "$out"/default/crashes/id* "$out"/default/hangs/id* "$WORK/findings/$target/" 2>/dev/null || true
done
mv "$report.tmp" "$report"
cat "$report"
