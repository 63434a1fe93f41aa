#!/usr/bin/env bash
# set-aside.sh STORE PATH: moves PATH (if it exists) into STORE under a fresh name instead of
# deleting it. Used by bench.sh as a hyperfine --prepare step.
set -euo pipefail
[ -e "$2" ] || exit 0
mv "$2" "$1/$(date +%s%N)-$$"
