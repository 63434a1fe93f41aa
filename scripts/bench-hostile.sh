#!/usr/bin/env bash
# Wall time and peak RSS of `platc validate` on inputs built to be slow (issue 12 §8): each must
# finish in under 2 s on one core. The same inputs run in tests/hostile_files.rs under a
# watchdog; this script measures them with the release build.
#
#   scripts/bench-hostile.sh          # prints a Markdown table; inputs in target/bench-hostile/
#   RUNS=5 scripts/bench-hostile.sh   # best of 5 (default 3)
#
# Needs: cargo, python3 and GNU time (`apt-get install -y time`). Runs platc pinned to one core
# with taskset when it is there.
set -euo pipefail
cd "$(dirname "$0")/.."

RUNS=${RUNS:-3}
WORK=target/bench-hostile
command -v /usr/bin/time >/dev/null || { echo "bench-hostile.sh: GNU time is missing (apt-get install -y time)" >&2; exit 2; }

cargo build --release --quiet --bin platc
PLATC=$PWD/target/release/platc
PIN=()
command -v taskset >/dev/null && PIN=(taskset -c 0)
rm -rf "$WORK" && mkdir -p "$WORK"

# Each case: a folder with .git (a work tree) and platform.yaml, built from the bundled spec.
python3 - "$WORK" <<'EOF'
import os, sys
work = sys.argv[1]
base = open("platform.yaml").read()

def case(name, text, files=None):
    root = os.path.join(work, name)
    os.makedirs(os.path.join(root, ".git"))
    open(os.path.join(root, "platform.yaml"), "w").write(text)
    for rel, content in (files or {}).items():
        open(os.path.join(root, rel), "w").write(content)

with_req_file = base.replace("\n  requirements:\n", "\n  requirementsFile: req.txt\n  requirements:\n", 1)
case("flow-list-1e6", base + "extra: [" + "1," * 999_999 + "1]\n")
case("block-keys-200k", base.replace("platform:\n", "platform:\n" + "".join(f"  k{i}: 1\n" for i in range(200_000)), 1))
case("flow-keys-200k", base + "extra: {" + ", ".join(f"k{i}: 1" for i in range(200_000)) + "}\n")
case("findings-50k", base.replace("\n  requirements:\n", "\n  requirements:\n" + "    - dup==1.0\n" * 50_000, 1))
line = "pandas==2.2.3\n"
case("requirements-file-1MiB", with_req_file, {"req.txt": line * (1024 * 1024 // len(line))})
EOF

echo "| input | spec bytes | exit | findings | wall s (best of $RUNS) | peak RSS MB |"
echo "| --- | --- | --- | --- | --- | --- |"
for dir in "$WORK"/*/; do
  name=$(basename "$dir")
  spec="$dir/platform.yaml"
  best=""
  for _ in $(seq "$RUNS"); do
    set +e
    /usr/bin/time -f "%e %M" -o "$WORK/$name.time" "${PIN[@]}" "$PLATC" validate --format json -f "$spec" >"$WORK/$name.json" 2>/dev/null
    code=$?
    set -e
    read -r wall rss < <(tail -1 "$WORK/$name.time")
    if [ -z "$best" ] || awk -v a="$wall" -v b="$best" 'BEGIN { exit !(a < b) }'; then
      best=$wall
      best_rss=$rss
    fi
  done
  findings=$(python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print(r["errors"] + r["warnings"])' "$WORK/$name.json")
  printf '| %s | %s | %s | %s | %s | %.1f |\n' "$name" "$(wc -c <"$spec")" "$code" "$findings" "$best" "$(awk -v k="$best_rss" 'BEGIN { print k / 1024 }')"
done
