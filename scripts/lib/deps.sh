# Sourced by scripts/test.sh. Installs Debian packages and starts loopback servers, idempotently and quietly.

# Debian packages the tests use: SIP peers, prompt synthesis, the browser, the scale-mode servers.
APT_PACKAGES=(
  sip-tester baresip twinkle kamailio
  espeak-ng sox
  chromium fonts-noto-cjk
  postgresql rabbitmq-server
  wrk hyperfine
  curl ca-certificates procps iproute2
)

ensure_apt_packages() {
  local missing=()
  for p in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if ((${#missing[@]})); then
    echo "[deps] installing: ${missing[*]}"
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
  # npm packages (front-end libraries, Playwright driver) are restored by the build from package-lock.json files.
}

start_services() {
  start_postgres
  start_rabbitmq
}

# PostgreSQL on loopback for the integration lane: user hotline/hotline, database hotline_test.
start_postgres() {
  if ! command -v pg_lsclusters >/dev/null; then return; fi
  local ver cluster
  ver=$(pg_lsclusters -h | awk 'NR==1{print $1}')
  cluster=$(pg_lsclusters -h | awk 'NR==1{print $2}')
  if [ -z "$ver" ]; then return; fi
  if ! pg_lsclusters -h | awk 'NR==1{print $4}' | grep -q online; then
    pg_ctlcluster "$ver" "$cluster" start >/dev/null 2>&1 || true
  fi
  for _ in $(seq 1 30); do
    su postgres -c "psql -qtAc 'select 1'" >/dev/null 2>&1 && break
    sleep 1
  done
  su postgres -c "psql -qtAc \"select 1 from pg_roles where rolname='hotline'\"" | grep -q 1 ||
    su postgres -c "psql -qc \"create role hotline login superuser password 'hotline'\"" >/dev/null
  export HOTLINE_TEST_POSTGRES="Host=127.0.0.1;Port=$(pg_lsclusters -h | awk 'NR==1{print $3}');Username=hotline;Password=hotline;Database=postgres"
  echo "[deps] postgres ready"
}

# RabbitMQ on loopback for the scale-mode lane (guest/guest is allowed from loopback).
start_rabbitmq() {
  if ! command -v rabbitmq-server >/dev/null && [ ! -x /usr/sbin/rabbitmq-server ]; then return; fi
  if ! rabbitmqctl -q status >/dev/null 2>&1; then
    (RABBITMQ_NODE_IP_ADDRESS=127.0.0.1 nohup /usr/sbin/rabbitmq-server >/tmp/rabbitmq.log 2>&1 &)
    for _ in $(seq 1 60); do
      rabbitmqctl -q status >/dev/null 2>&1 && break
      sleep 1
    done
  fi
  export HOTLINE_TEST_RABBITMQ="amqp://guest:guest@127.0.0.1:5672"
  echo "[deps] rabbitmq ready"
}
