#!/usr/bin/env bash
# 上级调阅 latency benchmark: the ministry's REST detail endpoint reads a 深圳 case over gRPC along the tree
# (100000 → 440000 → 440300, h2c hops with peer tokens, masked read + audit row at the city).
# Starts the demo federation on a fresh data folder (random ports), files one case at 深圳, then times N sequential
# reads and N reads at concurrency C with curl. Usage:
#   federation/Hotline.Launcher/bench-detail.sh [N=300] [C=8] [Release|Debug]
set -euo pipefail
n=${1:-300}
conc=${2:-8}
config=${3:-Release}
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
dotnet build federation/Hotline.Launcher/Hotline.Launcher.csproj -c "$config" -nologo -clp:ErrorsOnly >/dev/null
dotnet build federation/Hotline.Launcher/hosts.slnf -c "$config" -nologo -clp:ErrorsOnly >/dev/null
work=$(mktemp -d /tmp/hotline-bench-detail-XXXXXX)
dotnet "federation/Hotline.Launcher/bin/$config/net10.0/Hotline.Launcher.dll" --data "$work/data" --no-build \
  --configuration "$config" --random-ports >"$work/out.log" 2>&1 &
pid=$!
trap 'kill -TERM $pid 2>/dev/null || true; wait $pid 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 1 6000); do
  if grep -q "processes ready in" "$work/out.log"; then break; fi
  if ! kill -0 "$pid" 2>/dev/null; then tail -n 30 "$work/out.log"; exit 1; fi
  sleep 0.1
done
grep -q "processes ready in" "$work/out.log" || { echo "federation not ready"; tail -n 30 "$work/out.log"; exit 1; }
fed="$work/data/federation.json"
url() { jq -r --arg id "$1" '.nodes[] | select(.id == $id) | .http' "$fed"; }
token() {
  local id=$1 cid secret
  cid=$(jq -r --arg id "$id" '.demo.clients[] | select(.node == $id) | .clientId' "$fed")
  secret=$(jq -r --arg id "$id" '.demo.clients[] | select(.node == $id) | .clientSecret' "$fed")
  curl -sf -d grant_type=client_credentials -d "client_id=$cid" --data-urlencode "client_secret=$secret" "$(url "$id")/connect/token" | jq -r .access_token
}
case=$(curl -sf -H 'content-type: application/json' \
  -d '{"type":"complaint","description":"基准测试：出租车在深圳北站拒载，车牌粤B00001。","phone":"13800138000"}' \
  "$(url 440300)/api/v1/cases" | jq -r .caseNumber)
tok=$(token 100000)
target="$(url 100000)/api/v1/federation/cases/$case/detail?reason=bench"
# Warm-up: tokens between nodes, channels, JIT.
for _ in $(seq 1 20); do curl -sf -o /dev/null -H "authorization: Bearer $tok" "$target"; done
stats() { sort -n | awk '{a[NR]=$1} END {printf "n=%d p50=%.1f ms p95=%.1f ms p99=%.1f ms max=%.1f ms\n", NR, a[int(NR*0.5)]*1000, a[int(NR*0.95)]*1000, a[int(NR*0.99)]*1000, a[NR]*1000}'; }
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo -n "sequential: "
for _ in $(seq 1 "$n"); do curl -s -o /dev/null -w '%{http_code} %{time_total}\n' -H "authorization: Bearer $tok" "$target"; done >"$work/seq.txt"
awk '$1 != 200 {bad++} END {if (bad) printf "(%d non-200) ", bad}' "$work/seq.txt"
awk '{print $2}' "$work/seq.txt" | stats
start=$(date +%s.%N)
seq 1 "$n" | xargs -P "$conc" -I{} curl -s -o /dev/null -w '%{http_code} %{time_total}\n' -H "authorization: Bearer $tok" "$target" >"$work/par.txt"
end=$(date +%s.%N)
echo -n "concurrency $conc: "
awk '$1 != 200 {bad++} END {if (bad) printf "(%d non-200) ", bad}' "$work/par.txt"
awk '{print $2}' "$work/par.txt" | stats
awk -v s="$start" -v e="$end" -v n="$n" 'BEGIN {printf "throughput: %.0f reads/s\n", n / (e - s)}'
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
