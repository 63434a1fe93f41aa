#!/usr/bin/env bash
# The upstream linters as oracles on what platc generates: compiles the bundled spec, the specs in
# tests/specs/ and tests/lint/ and every corpus spec that validates, each into a temporary folder,
# and runs on each tree
#   actionlint (with shellcheck on PATH) and check-jsonschema (GitHub's workflow schema) on the DAG
#   repository's workflow and the GitOps repository's image workflow,
#   hadolint --failure-threshold style on the Dockerfile,
#   detect-secrets over the whole tree,
# then shellcheck on the run: steps of action.yml and actionlint on examples/github/. Any finding
# fails.
# Usage: scripts/lint-outputs.sh [PLATC_BINARY]   (tools from $PLATC_VENV, default .venv)
set -euo pipefail
cd "$(dirname "$0")/.."
platc="$(realpath "${1:-${CARGO_TARGET_DIR:-target}/debug/platc}")"
venv="$(realpath "${PLATC_VENV:-.venv}")"
for bin in actionlint shellcheck hadolint detect-secrets check-jsonschema; do
  [ -x "$venv/bin/$bin" ] || { echo "lint-outputs: $venv/bin/$bin is missing (run .ci/tools.sh venv)" >&2; exit 2; }
done
export PATH="$venv/bin:$PATH"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

trees=0
for spec in platform.yaml tests/specs/*.yaml tests/lint/*.yaml tests/corpus/*.yaml; do
  out="$tmp/tree-$trees"
  if ! "$platc" -f "$spec" validate >/dev/null 2>&1; then
    continue
  fi
  "$platc" -f "$spec" compile --out "$out" >/dev/null 2>&1 || {
    echo "lint-outputs: $spec validates but does not compile" >&2
    "$platc" -f "$spec" compile --out "$out" >&2
    exit 1
  }
  trees=$((trees + 1))
  echo "lint-outputs: $spec"
  for workflow in "$out/dag-repo/.github/workflows/dags.yml" "$out/.github/workflows/platc-image.yml"; do
    if [ -f "$workflow" ]; then
      actionlint "$workflow"
      check-jsonschema --builtin-schema vendor.github-workflows "$workflow" >/dev/null
    fi
  done
  hadolint --failure-threshold style "$out/image/Dockerfile"
  # The manifest holds content hashes, which look like secrets to the entropy plugins. Lines
  # that name a Kubernetes Secret or key (`fernetKeySecretName: airflow-fernet-key`) hold a
  # Kubernetes object or key name, not a secret: only those are excluded, by the shape of the value
  # (detect-secrets reads YAML values quoted). A Workload Identity Federation provider's resource
  # name (`projects/NUMBER/locations/global/workloadIdentityPools/…`) is a public identifier whose
  # length looks like entropy.
  findings="$(cd "$out" && detect-secrets scan --all-files --exclude-files '^\.platc-manifest\.json$' \
    --exclude-lines '^\s*workload_identity_provider: "?projects/[0-9]+/locations/global/workloadIdentityPools/[a-z0-9-]+/providers/[a-z0-9-]+"?\s*$' \
    --exclude-lines '^\s*(- )?[A-Za-z]*([sS]ecret[A-Za-z]*|[kK]ey):\s*"?[A-Za-z0-9]([-A-Za-z0-9._]*[A-Za-z0-9])?"?\s*$' . \
    | "$venv/bin/python" -c 'import json, sys; r = json.load(sys.stdin)["results"]; print("\n".join("%s:%s: %s" % (p, f["line_number"], f["type"]) for p, fs in r.items() for f in fs))')"
  if [ -n "$findings" ]; then
    echo "detect-secrets found secrets in the output of $spec:" >&2
    echo "$findings" >&2
    exit 1
  fi
done
[ "$trees" -gt 0 ] || { echo "lint-outputs: no spec compiled" >&2; exit 1; }

# action.yml: each run: step as a bash script (inputs reach them only through env:).
"$venv/bin/python" - "$tmp/action" <<'PY'
import os, sys
from ruamel.yaml import YAML
out = sys.argv[1]
os.makedirs(out)
action = YAML(typ="safe").load(open("action.yml"))
for i, step in enumerate(action["runs"]["steps"]):
    if "run" in step:
        if "${{" in step["run"]:
            sys.exit(f"action.yml step {step.get('name', i)}: an expression inside run:")
        with open(f"{out}/step-{i}.sh", "w") as f:
            # What `shell: bash` runs: bash --noprofile --norc -eo pipefail
            f.write("#!/usr/bin/env bash\nset -eo pipefail\n" + step["run"])
PY
shellcheck "$tmp"/action/step-*.sh
# The example workflows users copy.
actionlint examples/github/*.yml
echo "lint-outputs: $trees trees and action.yml: no findings"
