#!/usr/bin/env bash
# Telephony load benchmarks, side by side in one run (results → docs/benchmarks.md, Telephony section):
#   A. call setup rate: SIPp UAC → SIPp UAS (direct, the limit); → Kamailio stateful proxy → SIPp UAS;
#      → our B2BUA (call to a registered extension, both legs anchored and recorded) → SIPp UAS.
#   B. concurrent bridged + recorded G.711 calls through the B2BUA with RTP both ways (UAC streams A-law, UAS echoes).
# Usage: run-telephony-bench.sh [rate=1000] [seconds=60] [concurrent=500] [hold_seconds=300]
# Env: ONLY=direct,kamailio,b2bua,media (parts to run); MEDIA_UAS=4 (part B: SIPp UAS echo processes, extensions 8001…800N).
# Only processes this script started are stopped (by PID).
set -uo pipefail
cd "$(dirname "$0")/../../.."
ROOT=$PWD
RATE=${1:-1000}; SECS=${2:-60}; CONC=${3:-500}; HOLD=${4:-300}
MEDIA_UAS=${MEDIA_UAS:-4}; [ "$MEDIA_UAS" -ge 1 ] 2>/dev/null || { echo "MEDIA_UAS must be a positive number"; exit 1; }
HERE=$ROOT/tests/Hotline.Benchmarks/Telephony
OUT=$ROOT/artifacts/bench/telephony/$(date -u +%Y%m%d-%H%M%S); mkdir -p "$OUT"
BENCH=$ROOT/tests/Hotline.Benchmarks/bin/Release/net10.0/Hotline.Benchmarks.dll
[ -f "$BENCH" ] || dotnet build tests/Hotline.Benchmarks/Hotline.Benchmarks.csproj -c Release -nologo -clp:ErrorsOnly
PIDS=()
cleanup() { exec 9>&- 2>/dev/null; sleep 1; for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; }
trap cleanup EXIT
SIPP_COMMON=(-i 127.0.0.1 -nostdin -buff_size 4194304 -max_socket 60000)

# SIPp binds media_port…media_port+3 (audio, video); pick four free ports below the ephemeral range, where the engine's
# pre-opened RTP ports (bound to ephemeral ports) cannot take them.
free_media_port() { python3 -c '
import random, socket
for _ in range(200):
    p = random.randrange(20000, 32000, 4); ok = True
    for q in range(p, p + 4):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try: s.bind(("127.0.0.1", q))
        except OSError: ok = False
        finally: s.close()
    if ok: print(p); break'; }

# UDP datagrams the kernel dropped because a socket's receive buffer was full, summed over one process's sockets
# (/proc/net/udp "drops"): tells whose receive path lost RTP — the engine's, or SIPp's (its echo socket serves every call).
udp_drops() { # pid
  local inodes; inodes=$(ls -l "/proc/$1/fd" 2>/dev/null | grep -o 'socket:\[[0-9]*\]' | grep -o '[0-9]*' | tr '\n' ' ')
  awk -v list="$inodes" 'BEGIN { n = split(list, a, " "); for (i = 1; i <= n; i++) s[a[i]] = 1 }
    FNR > 1 && ($10 in s) { d += $NF } END { print d + 0 }' /proc/net/udp /proc/net/udp6 2>/dev/null
}

free_port() { python3 -c 'import socket;s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM);s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }

start_uas() { # port [extra…]
  local port=$1; shift
  sipp -sn uas -p "$port" "${SIPP_COMMON[@]}" "$@" >"$OUT/uas-$port.log" 2>&1 &
  PIDS+=($!); sleep 0.5
}

start_engine() { # port record
  local port=$1
  mkfifo "$OUT/engine.in"
  # GC as the city host runs it (docs/benchmarks.md, Telephony, session 3): server GC, DATAS off (fixed gen0 budgets
  # instead of the adaptive ones that shrink them), concurrent, 64 MB gen0 budget. Each can be overridden to compare:
  # ENGINE_GC_SERVER=0|1, ENGINE_GC_DATAS=0|1, ENGINE_GC_GEN0=<hex bytes> (empty = runtime default).
  DOTNET_gcServer=${ENGINE_GC_SERVER:-1} DOTNET_GCDynamicAdaptationMode=${ENGINE_GC_DATAS:-0} \
  DOTNET_GCgen0size=${ENGINE_GC_GEN0-0x4000000} dotnet "$BENCH" sip-engine --udp "127.0.0.1:$port" --record "$2" --extensions "$MEDIA_UAS" --data "$OUT/engine-data" <"$OUT/engine.in" >"$OUT/engine-$port.log" 2>&1 &
  PIDS+=($!); ENGINE_PID=$!
  exec 9>"$OUT/engine.in" # the engine runs until this end of its stdin closes
  for _ in $(seq 1 100); do grep -q READY "$OUT/engine-$port.log" 2>/dev/null && return; sleep 0.2; done
  echo "engine did not start"; cat "$OUT/engine-$port.log"; exit 1
}

register_uas() { # engine_port uas_port [extension=8001] (the engine knows 8001…8000+MEDIA_UAS, password "bench")
  local ext=${3:-8001}
  sipp "127.0.0.1:$1" -sf $ROOT/tests/Hotline.Sip.Tests/Scenarios/register.xml -m 1 -p "$2" -s "$ext" -au "$ext" -ap bench \
    "${SIPP_COMMON[@]}" -timeout 10s >"$OUT/register-$ext.log" 2>&1 || { echo "register $ext failed"; cat "$OUT/register-$ext.log"; exit 1; }
}

# Runs the load UAC, prints: name offered_cps achieved_cps successful failed p50_ms p99_ms max_ms
run_uac() { # name target user
  local name=$1 target=$2 user=$3 dir="$OUT/$1"; mkdir -p "$dir"
  local total=$((RATE * SECS)) start end
  start=$(date +%s.%N)
  (cd "$dir" && sipp "$target" -sf "$HERE/bench-uac.xml" -s "$user" -p "$(free_port)" -r "$RATE" -m "$total" \
      -l $((RATE * 2)) -d 0 "${SIPP_COMMON[@]}" -trace_rtt -rtt_freq 100 -trace_stat -fd 5 -timeout $((SECS * 3))s >uac.log 2>&1)
  end=$(date +%s.%N)
  local ok failed
  ok=$(grep -E "Successful call" "$dir/uac.log" | tail -1 | awk -F'|' '{gsub(/ /,"",$3); print $3}')
  failed=$(grep -E "Failed call" "$dir/uac.log" | tail -1 | awk -F'|' '{gsub(/ /,"",$3); print $3}')
  local stats
  stats=$(tail -n +2 "$dir"/*_rtt.csv | awk -F';' '{print $2}' | sort -n | awk '{a[NR]=$1} END {if (NR==0) {print "- - -"; exit}; i=int(NR*0.99); if (i<1) i=1; printf "%.1f/%.1f/%.1f", a[int(NR*0.5)+1], a[i], a[NR]}')
  printf '%-10s offered=%s achieved=%.0f ok=%s failed=%s setup_ms(p50/p99/max)=%s\n' "$name" "$RATE" \
    "$(awk -v ok="${ok:-0}" -v s="$start" -v e="$end" 'BEGIN { print ok / (e - s) }')" "$ok" "$failed" "$stats" | tee -a "$OUT/summary.txt"
}

echo "# $(date -u) rate=$RATE secs=$SECS concurrent=$CONC hold=$HOLD on $(nproc) cores" | tee "$OUT/summary.txt"

ONLY=${ONLY:-direct,kamailio,b2bua,media}

# A1: SIPp → SIPp
if [[ ,$ONLY, == *,direct,* ]]; then
  UAS=$(free_port); start_uas "$UAS"
  run_uac direct "127.0.0.1:$UAS" 8001
  kill "${PIDS[-1]}"; unset 'PIDS[-1]'
fi

# A2: SIPp → Kamailio → SIPp
if [[ ,$ONLY, == *,kamailio,* ]]; then
  UAS=$(free_port); PROXY=$(free_port); start_uas "$UAS"
  sed "s/@PROXY_PORT@/$PROXY/; s/@UAS_PORT@/$UAS/g" "$HERE/kamailio.cfg.template" >"$OUT/kamailio.cfg"
  kamailio -f "$OUT/kamailio.cfg" -DD -E -m 256 -M 32 -Y "$OUT" >"$OUT/kamailio.log" 2>&1 &
  PIDS+=($!); sleep 1.5
  run_uac kamailio "127.0.0.1:$PROXY" 8001
  kill "${PIDS[-1]}" "${PIDS[-2]}"; unset 'PIDS[-1]'; unset 'PIDS[-1]'; sleep 1
fi

# A3: SIPp → our B2BUA (anchored media, recording on) → SIPp UAS registered as extension 8001
ENGINE=$(free_port)
start_engine "$ENGINE" "${RECORD:-true}"
UAS=$(free_port) # after the engine started: its pre-opened RTP ports are bound by then
register_uas "$ENGINE" "$UAS"
start_uas "$UAS"
if [[ ,$ONLY, == *,b2bua,* ]]; then
  # Warm-up (not measured): 3 s at a fifth of the rate so the JIT has tiered up the hot paths, as on a running node.
  (cd "$OUT" && sipp "127.0.0.1:$ENGINE" -sf "$HERE/bench-uac.xml" -s 8001 -p "$(free_port)" -r $((RATE / 5)) -m $((RATE * 3 / 5)) \
    -d 0 "${SIPP_COMMON[@]}" -timeout 60s >warmup.log 2>&1)
  sleep 2
  run_uac b2bua "127.0.0.1:$ENGINE" 8001
  sleep 6
  grep STATS "$OUT/engine-$ENGINE.log" | tail -1 | tee -a "$OUT/summary.txt"
fi

# B: concurrent bridged and recorded calls with RTP both ways. The agent side is MEDIA_UAS SIPp UAS processes, each
# registered as its own extension (8001…800N) with its own RTP echo port; the UAC goes round the extensions (-inf CSV,
# SEQUENTIAL), so each echo socket carries 1/N of the streams (one SIPp echoing 25,000 packets/s on one socket and one
# thread dropped them in the kernel: the load generator, not the engine, was the limit).
if [[ ,$ONLY, == *,media,* && "$CONC" -gt 0 ]]; then
  kill "${PIDS[-1]}"; unset 'PIDS[-1]'
  mkdir -p "$OUT/media"
  echo SEQUENTIAL >"$OUT/media/agents.csv"
  UAS_PIDS=()
  for i in $(seq 1 "$MEDIA_UAS"); do
    UAS=$(free_port); register_uas "$ENGINE" "$UAS" $((8000 + i)); start_uas "$UAS" -rtp_echo -mp "$(free_media_port)"
    UAS_PIDS+=("${PIDS[-1]}"); echo "$((8000 + i));" >>"$OUT/media/agents.csv"
  done
  ENGINE_DROPS0=$(udp_drops "$ENGINE_PID")
  sox -n -r 8000 -c 1 -t al "$OUT/media/caller.al" synth 10 sine 300-900 >/dev/null 2>&1
  (cd "$OUT/media" && sipp "127.0.0.1:$ENGINE" -sf "$HERE/bench-uac-media.xml" -inf agents.csv -p "$(free_port)" \
 -r 50 -l "$CONC" -m "$CONC" -d $((HOLD * 1000)) -mp "$(free_media_port)" \
      "${SIPP_COMMON[@]}" -trace_stat -fd 10 -timeout $((HOLD + 120))s >uac.log 2>&1)
  ok=$(grep -E "Successful call" "$OUT/media/uac.log" | tail -1 | awk -F'|' '{gsub(/ /,"",$3); print $3}')
  failed=$(grep -E "Failed call" "$OUT/media/uac.log" | tail -1 | awk -F'|' '{gsub(/ /,"",$3); print $3}')
  echo "media     concurrent=$CONC hold=${HOLD}s ok=$ok failed=$failed" | tee -a "$OUT/summary.txt"
  echo_sum=0; echo_each=""; i=0
  for p in "${UAS_PIDS[@]}"; do
    i=$((i + 1)); d=$(udp_drops "$p"); echo_sum=$((echo_sum + d)); echo_each="$echo_each${echo_each:+/}$((8000 + i)):$d"
  done
  echo "media     udp drops (socket buffer full): engine=$(( $(udp_drops "$ENGINE_PID") - ENGINE_DROPS0 )) sipp-uas-echo=$echo_sum" \
    "(x$MEDIA_UAS processes: $echo_each) (the UAC does not read the RTP it is sent, so its drops say nothing)" | tee -a "$OUT/summary.txt"
  grep STATS "$OUT/engine-$ENGINE.log" | awk 'NR%6==1' | tee -a "$OUT/summary.txt"
  # Steady state (every call up): engine CPU per call per 20 ms tick from cpuMs deltas, loss from the counters' deltas.
  grep STATS "$OUT/engine-$ENGINE.log" | grep " active=$CONC " | awk -v conc="$CONC" '
    { for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
      split(v["t"], hms, ":"); t = hms[1] * 3600 + hms[2] * 60 + hms[3]
      if (NR == 1) { t0 = t; c0 = v["cpuMs"]; r0 = v["rtpReceived"]; l0 = v["rtpLost"]; a0 = v["rtpLostAgentLegs"]; p0 = v["rtpRecvPasses"] }
      t1 = t; c1 = v["cpuMs"]; r1 = v["rtpReceived"]; l1 = v["rtpLost"]; a1 = v["rtpLostAgentLegs"]; p1 = v["rtpRecvPasses"]; load = load " " v["load"] }
    END { if (t1 <= t0) { print "media     steady state too short to measure"; exit }
      printf "media     steady %d s: engine %.2f cores, %.1f us CPU per call per 20 ms tick, RTP lost %.3f %% (%d of %d expected; %d on the agent legs, i.e. SIPp echo side), receive passes %.0f/s, load%s\n",
        t1 - t0, (c1 - c0) / 1000 / (t1 - t0), (c1 - c0) * 1000 / ((t1 - t0) * 50 * conc), 100 * (l1 - l0) / (r1 - r0 + l1 - l0), l1 - l0, r1 - r0 + l1 - l0, a1 - a0, (p1 - p0) / (t1 - t0), load }' \
    | tee -a "$OUT/summary.txt"
fi
echo "results in $OUT"
