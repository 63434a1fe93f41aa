#!/usr/bin/env bash
# The distribution as a user gets it: build the platc wheel (maturin, `bin` bindings), install it into a fresh venv with no index (so nothing but the wheel is
# installed), run it, start a GitOps repository with `platc init`, compile and check it, then run
# this repository's pre-commit hooks against it with `pre-commit try-repo`. Network: only PyPI,
# once, for maturin and pre-commit (.ci/tools.sh packaging caches them).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
packaging="$(.ci/tools.sh packaging)"
cache="${PLATC_CI_CACHE:-$HOME/.cache/platc-ci}"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
# The dev profile reuses the binary `cargo test` just built: a cold release build takes over a
# quarter of an hour on two cores. The packaging is the same; release.yml builds with --release.
"$packaging/bin/maturin" build --profile "${PLATC_WHEEL_PROFILE:-dev}" --locked --quiet \
  --out "$work/wheels"
wheel="$(ls "$work"/wheels/platc-*.whl)"

python3 -m venv "$work/venv"
"$work/venv/bin/pip" install --quiet --disable-pip-version-check --no-index "$wheel"
platc="$work/venv/bin/platc"
version="$("$platc" --version)"
expected="platc $(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -n 1)"
[ "$version" = "$expected" ] || { echo "wheel: '$version', expected '$expected'" >&2; exit 1; }

sample="$work/gitops"
mkdir -p "$sample"
git -C "$sample" init -q -b main
(cd "$sample" && "$platc" init --quiet --cloud aws && "$platc" compile --quiet && "$platc" check --quiet)
git -C "$sample" add -A
git -C "$sample" -c user.email=ci@platc.invalid -c user.name=ci commit -q -m "platc init"

# The hooks are `language: system`: they run the wheel's platc, found on PATH.
(cd "$sample" && PATH="$work/venv/bin:$PATH" PRE_COMMIT_HOME="$cache/pre-commit" \
  "$packaging/bin/pre-commit" try-repo "$root" --all-files)
# Once installed, a hook run is the binary's own time: measure it.
start=$(date +%s%N)
(cd "$sample" && "$platc" check --quiet)
echo "wheel: $version installs and runs; platc check on the sample repo took $(( ($(date +%s%N) - start) / 1000000 )) ms"
