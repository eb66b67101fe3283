#!/usr/bin/env bash
# The observability stack on one machine, in one command: the demo gateway, a Prometheus that scrapes
# it with every rules file of k8s/prometheus/ loaded (recording rules and alerts), demo traffic, and,
# where Grafana is installed, Grafana with the datasource and the dashboards of dashboards/ provisioned.
# Everything runs in the foreground; Ctrl-C stops it all and removes the temporary data.
#
#   scripts/local-stack.sh                 # ports: gateway 8080, admin 9901, Prometheus 9090, Grafana 3000
#   PROMETHEUS_PORT=9091 GRAFANA_PORT=3001 TRAFFIC_RPS=0 scripts/local-stack.sh
#
# Needs: node (npm run build has produced dist/), prometheus and promtool (Debian: apt-get install
# prometheus); grafana-server optional. Explained in docs/observability.md ("Local stack").
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
GATEWAY_PORT=${GATEWAY_PORT:-8080}
ADMIN_PORT=${ADMIN_PORT:-9901}
MODEL_PORT=${MODEL_PORT:-9001}
PROMETHEUS_PORT=${PROMETHEUS_PORT:-9090}
GRAFANA_PORT=${GRAFANA_PORT:-3000}
TRAFFIC_RPS=${TRAFFIC_RPS:-20}          # 0: no generated traffic
TRAFFIC_DRIFT=${TRAFFIC_DRIFT:-0}       # 0-1: share of drifted songs, to make the drift panels move
PROMETHEUS=${PROMETHEUS:-prometheus}
GRAFANA=${GRAFANA:-grafana-server}
GRAFANA_HOME=${GRAFANA_HOME:-/usr/share/grafana}

need () { command -v "$1" >/dev/null 2>&1 || { echo "local-stack: $1 not found ($2)" >&2; exit 1; }; }
need node 'Node.js >= 20.19'
need "$PROMETHEUS" 'Debian package "prometheus"'
need promtool 'Debian package "prometheus"'
[ -f "$ROOT/dist/main.js" ] || { echo "local-stack: dist/ is missing: run npm run build" >&2; exit 1; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/headliner-stack.XXXXXX")
PIDS=()
cleanup () {
  # Stop what this script started, newest first, then remove its data.
  for ((i=${#PIDS[@]}-1; i>=0; i--)); do kill "${PIDS[$i]}" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

RULES=("$ROOT"/k8s/prometheus/*.rules.yaml)
promtool check rules "${RULES[@]}"

# Waits up to $2 seconds for URL $1 to answer 2xx.
wait_http () {
  for _ in $(seq 1 "$(( $2 * 5 ))"); do
    if node -e "fetch(process.argv[1]).then(r => process.exit(r.ok ? 0 : 1), () => process.exit(1))" "$1"; then return 0; fi
    sleep 0.2
  done
  echo "local-stack: $1 did not answer within $2 s" >&2
  exit 1
}

node "$ROOT/bin/headliner.js" demo --port "$GATEWAY_PORT" --admin-port "$ADMIN_PORT" --model-port "$MODEL_PORT" >"$WORK/gateway.log" 2>&1 &
PIDS+=($!)
wait_http "http://127.0.0.1:$ADMIN_PORT/metrics" 30

{
  echo 'global: { scrape_interval: 5s, evaluation_interval: 5s }'
  echo 'rule_files:'
  for f in "${RULES[@]}"; do echo "  - '$f'"; done
  echo 'scrape_configs:'
  echo "  - job_name: headliner"
  echo "    static_configs: [{ targets: ['127.0.0.1:$ADMIN_PORT'], labels: { namespace: local } }]"
} >"$WORK/prometheus.yml"
"$PROMETHEUS" --config.file="$WORK/prometheus.yml" --storage.tsdb.path="$WORK/tsdb" \
  --web.listen-address="127.0.0.1:$PROMETHEUS_PORT" --enable-feature=exemplar-storage >"$WORK/prometheus.log" 2>&1 &
PIDS+=($!)
wait_http "http://127.0.0.1:$PROMETHEUS_PORT/-/ready" 30

if command -v "$GRAFANA" >/dev/null 2>&1; then
  mkdir -p "$WORK/grafana/provisioning/datasources" "$WORK/grafana/provisioning/dashboards" "$WORK/grafana/dashboards"
  cp "$ROOT"/dashboards/*.json "$WORK/grafana/dashboards/"
  sed -e "s#http://prometheus:9090#http://127.0.0.1:$PROMETHEUS_PORT#" -e 's#timeInterval: 15s#timeInterval: 5s#' \
    "$ROOT/dashboards/provisioning/datasources.yaml" >"$WORK/grafana/provisioning/datasources/headliner.yaml"
  sed -e "s#/var/lib/grafana/dashboards/headliner#$WORK/grafana/dashboards#" \
    "$ROOT/dashboards/provisioning/dashboards.yaml" >"$WORK/grafana/provisioning/dashboards/headliner.yaml"
  GF_PATHS_PROVISIONING="$WORK/grafana/provisioning" GF_PATHS_DATA="$WORK/grafana/data" GF_PATHS_LOGS="$WORK/grafana" \
  GF_SERVER_HTTP_ADDR=127.0.0.1 GF_SERVER_HTTP_PORT="$GRAFANA_PORT" GF_AUTH_ANONYMOUS_ENABLED=true GF_AUTH_ANONYMOUS_ORG_ROLE=Viewer \
    "$GRAFANA" --homepath "$GRAFANA_HOME" >"$WORK/grafana.log" 2>&1 &
  PIDS+=($!)
  GRAFANA_URL="http://127.0.0.1:$GRAFANA_PORT/d/headliner (admin/admin, or anonymous viewer)"
else
  GRAFANA_URL="not started ($GRAFANA not installed; import dashboards/*.json by hand)"
fi

if [ "$TRAFFIC_RPS" != 0 ]; then
  node "$ROOT/bin/headliner.js" demo traffic --url "http://127.0.0.1:$GATEWAY_PORT" --rps "$TRAFFIC_RPS" --duration 1440m --drift "$TRAFFIC_DRIFT" >"$WORK/traffic.log" 2>&1 &
  PIDS+=($!)
fi

cat <<INFO
Headliner local stack (logs in $WORK):
  gateway     http://127.0.0.1:$GATEWAY_PORT  (metrics: http://127.0.0.1:$ADMIN_PORT/metrics)
  prometheus  http://127.0.0.1:$PROMETHEUS_PORT  (alerts: /alerts, rules: /rules)
  grafana     $GRAFANA_URL
  traffic     ${TRAFFIC_RPS} requests/s, drift ${TRAFFIC_DRIFT}
Ctrl-C stops everything.
INFO
wait -n "${PIDS[@]}"
echo "local-stack: a process exited; see the logs above" >&2
