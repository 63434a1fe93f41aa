#!/usr/bin/env bash
# Real Airflow reads what platc meant: for the bundled spec and the team specs in tests/specs/,
# render every environment with `helm template` of the official chart (offline, from
# ../shared/conformance/airflow-chart-src/), take airflow.cfg from the rendered ConfigMap, and
# have that environment's Airflow (PLATC_AIRFLOW_<MAJOR>_<MINOR>, a venv from .ci/tools.sh) read
# back every option platc set and `[core] dags_folder`: same value, no warning, no
# interpolation error. Fails on the chart's DEPRECATION notices too.
#   scripts/airflow-oracle.sh PATH/TO/platc
set -euo pipefail
platc="$1"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
charts="$root/../shared/conformance/airflow-chart-src"
[ -d "$charts" ] || charts="$root/../../shared/conformance/airflow-chart-src"   # a worktree under wt/
: "${PLATC_HELM:?PLATC_HELM must name a helm binary (.ci/tools.sh helm)}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
status=0
for spec in "$root/platform.yaml" "$root"/tests/specs/*.yaml; do
  name="$(basename "$spec" .yaml)"
  "$platc" compile -q -f "$spec" --out "$work/$name" >/dev/null
  for values in "$work/$name"/*/values.yaml; do
    env="$(basename "$(dirname "$values")")"
    chart="$(sed -n 's/^  chart: *//p' "$spec" | head -n1)"
    version="$(sed -n 's/^airflowVersion: *"\{0,1\}\([0-9.]*\)"\{0,1\}$/\1/p' "$values")"
    venv_var="PLATC_AIRFLOW_$(echo "$version" | cut -d. -f1)_$(echo "$version" | cut -d. -f2)"
    venv="${!venv_var:-}"
    if [ -z "$venv" ]; then
      echo "skipped: $name/$env needs Airflow $version ($venv_var is not set)"
      continue
    fi
    "$PLATC_HELM" install airflow "$charts/$chart" --namespace airflow --values "$values" \
      --dry-run=client >"$work/rendered.yaml"
    if grep -A2 'DEPRECATION' "$work/rendered.yaml"; then
      echo "FAIL: $name/$env: the chart prints a deprecation notice"
      status=1
    fi
    AIRFLOW_HOME="$work/home" "$venv/bin/python" - "$work/rendered.yaml" "$values" "$name/$env" <<'PY' || status=1
import os, sys, warnings, yaml
rendered, values_path, label = sys.argv[1:4]
text = open(rendered).read().split("\nNOTES:")[0]
docs = [d for d in yaml.safe_load_all(text.split("\n", 1)[1] if text.startswith("NAME:") else text) if d]
cfg = next(d["data"]["airflow.cfg"] for d in docs
           if isinstance(d, dict) and d.get("kind") == "ConfigMap" and "airflow.cfg" in d.get("data", {}))
values = yaml.safe_load(open(values_path))
home = os.environ["AIRFLOW_HOME"]
os.makedirs(home, exist_ok=True)
path = os.path.join(home, "airflow.cfg")
open(path, "w").write(cfg)
os.environ["AIRFLOW_CONFIG"] = path
for key in [k for k in os.environ if k.startswith("AIRFLOW__")]:
    del os.environ[key]
sub = (values["dags"]["gitSync"].get("subPath") or "").strip("/")
wanted = {(s, k): str(v) for s, opts in values.get("config", {}).items() for k, v in opts.items()}
wanted[("core", "dags_folder")] = "/opt/airflow/dags/repo/" + sub
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    from airflow.configuration import conf
    got = {key: conf.get(*key) for key in wanted}
bad = [f"[{s}] {k}: wanted {v!r}, Airflow reads {got[(s, k)]!r}"
       for (s, k), v in wanted.items() if got[(s, k)].rstrip("/") != v.rstrip("/")]
noisy = [f"{w.category.__name__}: {w.message}" for w in caught
         if "config" in str(w.message).lower() or issubclass(w.category, FutureWarning)]
for line in bad + noisy:
    print(f"FAIL: {label}: {line}")
print(f"ok: {label}: Airflow read {len(wanted)} options as intended" if not (bad or noisy) else "")
sys.exit(1 if bad or noisy else 0)
PY
  done
done
exit "$status"
