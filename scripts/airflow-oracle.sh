#!/usr/bin/env bash
# Real Airflow reads what platc meant: for the bundled spec and the team specs in tests/specs/,
# render every environment with the official chart (offline, from
# ../shared/conformance/airflow-chart-src/) by helm 4 (PLATC_HELM) and helm 3 (PLATC_HELM3),
# fail on the chart's DEPRECATION notices, require both to render the same objects, validate
# them with `kubernetes-validate --strict` (PLATC_VENV), take airflow.cfg from the rendered
# ConfigMap, and have that environment's Airflow (PLATC_AIRFLOW_<MAJOR>_<MINOR>, a venv from
# .ci/tools.sh) read back every option platc set and `[core] dags_folder`: same value, no
# warning, no interpolation error.
#   scripts/airflow-oracle.sh PATH/TO/platc
set -euo pipefail
platc="$1"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
charts="$root/../shared/conformance/airflow-chart-src"
[ -d "$charts" ] || charts="$root/../../shared/conformance/airflow-chart-src"   # a worktree under wt/
: "${PLATC_HELM:?PLATC_HELM must name a helm 4 binary (.ci/tools.sh helm)}"
: "${PLATC_HELM3:?PLATC_HELM3 must name a helm 3 binary (.ci/tools.sh helm3)}"
: "${PLATC_VENV:?PLATC_VENV must name the venv with kubernetes-validate (.ci/tools.sh venv)}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
status=0
for spec in "$root/platform.yaml" "$root"/tests/specs/*.yaml; do
  name="$(basename "$spec" .yaml)"
  "$platc" compile -q -f "$spec" --out "$work/$name" >/dev/null
  for values in "$work/$name"/*/values.yaml; do
    env="$(basename "$(dirname "$values")")"
    # The environment's chart as the resolved model has it (an environment may override it).
    chart="$("$platc" show "$env" -f "$spec" --format json 2>/dev/null \
      | python3 -c 'import json, sys; print(json.load(sys.stdin)["airflow"]["chart"])')"
    version="$(sed -n 's/^airflowVersion: *"\{0,1\}\([0-9.]*\)"\{0,1\}$/\1/p' "$values")"
    # The chart's NOTES (where it prints DEPRECATION notices, checked below) come from
    # `install --dry-run`; helm 3 wants a cluster for that, so NOTES are read from helm 4 only.
    "$PLATC_HELM" install airflow "$charts/$chart" --namespace airflow --values "$values" \
      --dry-run=client >"$work/rendered.yaml"
    for helm in "$PLATC_HELM" "$PLATC_HELM3"; do
      major="$("$helm" version --template '{{ .Version }}' | cut -d. -f1)"
      "$helm" template airflow "$charts/$chart" --namespace airflow --values "$values" \
        >"$work/objects-$major.yaml"
    done
    if ! cmp -s "$work/objects-v4.yaml" "$work/objects-v3.yaml"; then
      echo "FAIL: $name/$env: helm 3 and helm 4 render different objects"
      diff "$work/objects-v3.yaml" "$work/objects-v4.yaml" | head -20 || true
      status=1
    fi
    if ! "$PLATC_VENV/bin/kubernetes-validate" --strict --quiet "$work/objects-v4.yaml"; then
      echo "FAIL: $name/$env: kubernetes-validate --strict refuses the rendered chart"
      status=1
    fi
    venv_var="PLATC_AIRFLOW_$(echo "$version" | cut -d. -f1)_$(echo "$version" | cut -d. -f2)"
    venv="${!venv_var:-}"
    if [ -z "$venv" ]; then
      if [ -n "${CI:-}" ]; then
        echo "FAIL: $name/$env needs Airflow $version ($venv_var is not set)"
        status=1
      else
        echo "skipped: $name/$env needs Airflow $version ($venv_var is not set)"
      fi
      continue
    fi
    AIRFLOW_HOME="$work/home" "$venv/bin/python" - "$work/rendered.yaml" "$values" "$name/$env" "$chart" <<'PY' || status=1
import os, sys, warnings, yaml
rendered, values_path, label, chart = sys.argv[1:5]
whole = open(rendered).read()
text, _, notes = whole.partition("\nNOTES:")
docs = [d for d in yaml.safe_load_all(text.split("\n", 1)[1] if text.startswith("NAME:") else text) if d]
cfg = next(d["data"]["airflow.cfg"] for d in docs
           if isinstance(d, dict) and d.get("kind") == "ConfigMap" and "airflow.cfg" in d.get("data", {}))
values = yaml.safe_load(open(values_path))

# Every DEPRECATION notice fails, except those a chart prints for its own defaults where no value
# can silence it: chart 1.21.0 prints `ingress.web.tls` and `ingress.flower.tls` whenever an
# Ingress is on (its defaults are non-empty maps, and null breaks NOTES.txt at `.tls.enabled`).
CHART_OWN_NOTICES = {"1.21.0": {"ingress.web.tls", "ingress.flower.tls"}}
deprecated = []
for block in notes.split("DEPRECATION WARNING:")[1:]:
    key = block.split("`")[1] if block.count("`") >= 2 else block.strip().splitlines()[0]
    if key in CHART_OWN_NOTICES.get(chart, set()):
        print(f"note: {label}: chart {chart} prints its own notice for `{key}` (no value silences it)")
    else:
        deprecated.append(f"chart {chart} prints a deprecation notice for `{key}`")

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
# Warnings about configuration, and Airflow's own deprecation warnings (RemovedInAirflow3Warning
# and the like: a setting Airflow wants changed before its next major).
noisy = [f"{w.category.__name__}: {w.message}" for w in caught
         if "config" in str(w.message).lower() or issubclass(w.category, FutureWarning)
         or w.category.__name__.startswith("RemovedInAirflow")]
bad += deprecated
for line in bad + noisy:
    print(f"FAIL: {label}: {line}")
print(f"ok: {label}: Airflow read {len(wanted)} options as intended" if not (bad or noisy) else "")
sys.exit(1 if bad or noisy else 0)
PY
  done
done
exit "$status"
