#!/usr/bin/env bash
# Validates deploy/ without Docker: the compose file (docker-compose config -q, with the example env
# files), the Prometheus rules (promtool check rules), the Grafana dashboard (JSON, and every metric it
# or the rules name is one /metrics serves), and the systemd unit's essentials. Its tools come from
# scripts/install-deps.sh --deploy-check (ctest fixture "deploy").
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
deploy="$root/deploy"
fail() { echo "deploy_test: $*" >&2; exit 1; }

env_dir="$(mktemp -d)"
trap 'rm -rf "$env_dir"' EXIT
cp "$deploy/clickstream.env.example" "$env_dir/clickstream.env"
cp "$deploy/postgres.env.example" "$env_dir/postgres.env"
echo example-token > "$env_dir/http-token"
CLICKSTREAM_ENV_DIR="$env_dir" docker-compose -f "$deploy/docker-compose.yml" config -q ||
  fail "docker-compose.yml is invalid"
services="$(CLICKSTREAM_ENV_DIR="$env_dir" docker-compose -f "$deploy/docker-compose.yml" config --services | sort | tr '\n' ' ')"
[ "$services" = "kafka pipeline postgres producer topics " ] || fail "unexpected services: $services"
if grep -nE '(PASSWORD|TOKEN)[A-Z_]*[:=] *[^ $/]' "$deploy/docker-compose.yml"; then
  fail "a secret is inline in docker-compose.yml: put it in an env file"
fi

promtool check rules "$deploy/prometheus-alerts.yml" || fail "prometheus-alerts.yml is invalid"

jq -e '.panels | length > 0' "$deploy/grafana-dashboard.json" >/dev/null || fail "grafana-dashboard.json does not parse"
served="$(grep -o '"clickstream_[a-z_]*"' "$root/src/observability/metric_family.cc" | tr -d '"' | sort -u)"
named="$( (jq -r '.. | .expr? // empty' "$deploy/grafana-dashboard.json"; cat "$deploy/prometheus-alerts.yml") |
  grep -o 'clickstream_[a-z_]*' | sed -E 's/_(bucket|sum|count)$//' | sort -u)"
[ -n "$named" ] || fail "the dashboard names no metric"
missing="$(comm -23 <(echo "$named") <(echo "$served"))"
[ -z "$missing" ] || fail "named but not declared in src/observability/metric_family.cc: $missing"
for m in clickstream_events_consumed_total clickstream_consumer_lag_records clickstream_commit_duration_seconds \
         clickstream_events_rejected_total clickstream_sink_errors_total; do
  jq -r '.. | .expr? // empty' "$deploy/grafana-dashboard.json" | grep -q "$m" || fail "the dashboard lacks $m"
done

for line in EnvironmentFile= Restart=on-failure NoNewPrivileges=yes ProtectSystem=strict ReadWritePaths= User=; do
  grep -q "^$line" "$deploy/clickstream.service" || fail "clickstream.service lacks $line"
done
echo "deploy_test: compose, rules, dashboard ($(echo "$named" | wc -l) metrics) and unit OK"
