#!/usr/bin/env bash
# Start-up benchmark of the demo federation: launcher start → every node and the gateway ready (/health/ready),
# on a fresh data folder each run (first start: migrations, identity seeding; the cities' demo history is filed
# after they are ready, in the background). Usage: federation/Hotline.Launcher/bench-startup.sh [RUNS] [Release|Debug]
set -euo pipefail
runs=${1:-3}
config=${2:-Release}
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
dotnet build federation/Hotline.Launcher/Hotline.Launcher.csproj -c "$config" -nologo -clp:ErrorsOnly >/dev/null
dotnet build federation/Hotline.Launcher/hosts.slnf -c "$config" -nologo -clp:ErrorsOnly >/dev/null
for run in $(seq 1 "$runs"); do
  data=$(mktemp -d /tmp/hotline-bench-XXXXXX)
  load=$(cut -d' ' -f1-3 /proc/loadavg)
  start=$(date +%s.%N)
  dotnet "federation/Hotline.Launcher/bin/$config/net10.0/Hotline.Launcher.dll" --data "$data/data" --no-build \
    --configuration "$config" --random-ports >"$data/out.log" 2>&1 &
  pid=$!
  status=timeout
  for _ in $(seq 1 3000); do
    if grep -q "processes ready in" "$data/out.log"; then status=ready; break; fi
    if ! kill -0 "$pid" 2>/dev/null; then status=exited; break; fi
    sleep 0.1
  done
  end=$(date +%s.%N)
  launcher=$(grep -o "processes ready in [0-9.]* s" "$data/out.log" || true)
  printf 'run %s: %s after %.1f s (launcher: %s; load average before: %s)\n' "$run" "$status" \
    "$(echo "$end - $start" | awk '{print $1 - $3}')" "${launcher:-n/a}" "$load"
  grep "ready after" "$data/out.log" | sed 's/^/    /'
  if [ "$status" != ready ]; then tail -n 15 "$data/out.log" | sed 's/^/    | /'; fi
  kill -TERM "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  rm -rf "$data"
done
