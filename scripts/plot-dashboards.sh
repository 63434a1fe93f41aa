#!/usr/bin/env bash
# Regenerates docs/monitoring-dashboard.png: runs the monitoring test that evaluates every
# dashboard panel against a real Prometheus, saving the answers, and plots them with matplotlib
# from a scratch virtualenv (not a dependency of platc or its tests).
set -euo pipefail
cd "$(dirname "$0")/.."
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
PLATC_MONITORING_PLOT="$tmp/panels.json" cargo test --quiet --test monitoring \
  every_panel_and_rule_expression_returns_data_from_a_real_prometheus
test -s "$tmp/panels.json" || { echo "no panel data written (is prometheus installed?)" >&2; exit 1; }
python3 -m venv "$tmp/venv"
"$tmp/venv/bin/pip" install --quiet --disable-pip-version-check "matplotlib>=3.8"
"$tmp/venv/bin/python" scripts/plot_dashboards.py "$tmp/panels.json" docs/monitoring-dashboard.png
echo "wrote docs/monitoring-dashboard.png"
