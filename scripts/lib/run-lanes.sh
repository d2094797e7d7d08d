#!/usr/bin/env bash
# Runs every test project in the solution, one lane each, and prints a closing summary line.
set -uo pipefail
cd "$(dirname "$0")/../.."
mkdir -p artifacts/test-results
total_failed=0; total_passed=0; total_skipped=0; failed_lanes=()
for proj in $(find tests -name '*.csproj' | sort); do
  grep -q '<IsTestProject>true</IsTestProject>' "$proj" || continue
  name=$(basename "$proj" .csproj)
  echo "::lane $name"
  start=$(date +%s)
  out=artifacts/test-results/$name.log
  dotnet test "$proj" -c Release --no-build -nologo --logger "console;verbosity=minimal" >"$out" 2>&1
  rc=$?
  # "Passed!  - Failed:     0, Passed:    12, Skipped:     0, Total:    12"
  line=$(grep -E '(Passed|Failed)! +- Failed:' "$out" | tail -1)
  f=$(sed -E 's/.*Failed: +([0-9]+).*/\1/' <<<"$line"); p=$(sed -E 's/.*Passed: +([0-9]+).*/\1/' <<<"$line"); s=$(sed -E 's/.*Skipped: +([0-9]+).*/\1/' <<<"$line")
  [[ "$f" =~ ^[0-9]+$ ]] || f=0; [[ "$p" =~ ^[0-9]+$ ]] || p=0; [[ "$s" =~ ^[0-9]+$ ]] || s=0
  total_failed=$((total_failed+f)); total_passed=$((total_passed+p)); total_skipped=$((total_skipped+s))
  echo "    $name: $p passed, $f failed, $s skipped in $(( $(date +%s) - start ))s"
  if [ $rc -ne 0 ]; then
    failed_lanes+=("$name"); total_failed=$((total_failed + (f == 0 ? 1 : 0)))
    grep -E 'Failed |Error Message|error ' "$out" | head -40
  fi
done
echo "$total_passed passed, $total_failed failed, $total_skipped skipped"
if ((${#failed_lanes[@]})); then echo "failed lanes: ${failed_lanes[*]}"; exit 1; fi
