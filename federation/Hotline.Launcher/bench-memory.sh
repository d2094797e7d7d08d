#!/usr/bin/env bash
# Memory benchmark of the demo federation: each process's resident memory (VmRSS) and proportional share (Pss) after
# start, during and after mixed load, and each node's start time. Usage:
#   federation/Hotline.Launcher/bench-memory.sh [LOAD_SECONDS] [Release|Debug]
# Load, per city at once: SIPp callers to 12328 (2 calls/s, each picks 2, waits 3 s in the queue and hangs up),
# citizens filing cases through the public API (3/s, each reported up to the province and the ministry: the relay),
# and one 交办 a minute from the province. Needs sipp, curl, jq; hosts published (dotnet publish hosts.slnf).
set -euo pipefail
load_seconds=${1:-600}
config=${2:-Release}
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
data=$(mktemp -d /tmp/hotline-mem-XXXXXX)
scenario=$root/tests/Hotline.Browser.Tests/Launched/Scenarios/hotline-caller.xml
dotnet "federation/Hotline.Launcher/bin/$config/net10.0/Hotline.Launcher.dll" --data "$data/data" --no-build \
  --configuration "$config" --random-ports >"$data/out.log" 2>&1 &
launcher=$!
trap 'kill -TERM $launcher 2>/dev/null || true; wait $launcher 2>/dev/null || true; rm -rf "$data"' EXIT
for _ in $(seq 1 3000); do grep -q "processes ready in" "$data/out.log" && break; sleep 0.1; done
grep -E "ready after|processes ready in" "$data/out.log"
F=$data/data/federation.json

sample() {
  echo "== $1 (load average $(cut -d' ' -f1-3 /proc/loadavg))"
  for pid in $(pgrep -P "$launcher"); do
    local node rss pss
    node=$(tr '\0' '\n' < /proc/$pid/environ | sed -n 's/^Node__Id=//p')
    rss=$(awk '/VmRSS/{print int($2/1024)}' /proc/$pid/status)
    pss=$(awk '/^Pss:/{print int($2/1024)}' /proc/$pid/smaps_rollup)
    printf '  %-8s rss %4d MiB  pss %4d MiB\n' "${node:-gateway}" "$rss" "$pss"
  done | sort
}

sleep 30
sample "after start (+30 s)"

token() { curl -s "$1/connect/token" -d grant_type=client_credentials \
  -d client_id="$(jq -r ".demo.clients[] | select(.node==\"$2\") | .clientId" "$F")" \
  -d client_secret="$(jq -r ".demo.clients[] | select(.node==\"$2\") | .clientSecret" "$F")" | jq -r .access_token; }
pids=()
end=$(( $(date +%s) + load_seconds ))
for city in $(jq -r '.nodes[] | select(.sip) | .id' "$F"); do
  sip=$(jq -r ".nodes[] | select(.id==\"$city\") | .sip.udp" "$F")
  http=$(jq -r ".nodes[] | select(.id==\"$city\") | .http" "$F")
  (cd "$data" && sipp "$sip" -sf "$scenario" -key caller 13900000000 -key digit 2 -d 3000 -r 2 -l 20 \
     -m $(( load_seconds * 2 )) -t u1 -i 127.0.0.1 -p $(( 30000 + RANDOM % 20000 )) -mp $(( 20000 + RANDOM % 20000 )) -nostdin -bg >/dev/null 2>&1 || true) 
  ( while [ "$(date +%s)" -lt "$end" ]; do
      for _ in 1 2 3; do
        curl -s -o /dev/null -X POST "$http/api/v1/cases" -H 'content-type: application/json' \
          -d '{"type":"complaint","description":"内存测试：出租车司机拒载，态度恶劣","phone":"13800138000"}' &
      done
      wait; sleep 1
    done ) & pids+=($!)
done
gd=$(jq -r '.nodes[] | select(.id=="440000") | .http' "$F")
( while [ "$(date +%s)" -lt "$end" ]; do
    t=$(token "$gd" 440000)
    curl -s -o /dev/null -X POST -H "authorization: Bearer $t" -H 'content-type: application/json' "$gd/api/v1/assignments" \
      -d '{"targetNode":"440300","type":"complaint","description":"内存测试交办：请核查机场出租车拒载问题"}'
    sleep 60
  done ) & pids+=($!)
sleep $(( load_seconds / 2 ))
sample "during load (+$(( load_seconds / 2 )) s)"
wait "${pids[@]}" || true
pkill -f "sipp .*hotline-caller.xml" || true
sample "after ${load_seconds} s of load"
sleep 120
sample "2 min after the load stopped"
