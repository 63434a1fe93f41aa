#!/usr/bin/env bash
# Whole-process benchmarks of platc: wall time (hyperfine, mean ± σ) and peak RSS
# (/usr/bin/time -v) for validate, compile into an empty folder (cold), compile with nothing to
# change, and check, on the bundled spec and on generated specs with N = 10, 100, 1000
# long-lived environments (plus N/10 previews, from examples/gen_spec.rs).
#
#   scripts/bench.sh            # prints a Markdown table; raw data in target/bench/
#   SIZES="10 100" RUNS=5 scripts/bench.sh
#
# Needs: cargo, hyperfine and GNU time (`apt-get install -y hyperfine time`).
set -euo pipefail
cd "$(dirname "$0")/.."

SIZES=${SIZES:-"10 100 1000"}
RUNS=${RUNS:-10}
WORK=target/bench
for tool in hyperfine /usr/bin/time; do
  command -v "$tool" >/dev/null || { echo "bench.sh: $tool is missing (apt-get install -y hyperfine time)" >&2; exit 2; }
done

cargo build --release --quiet --bin platc --example gen_spec
PLATC=$PWD/target/release/platc
GEN=$PWD/target/release/examples/gen_spec
rm -rf "$WORK" && mkdir -p "$WORK/aside"
# moves a tree out of the way without deleting it (see "Cold" below); emptied at the end
SET_ASIDE="$PWD/scripts/set-aside.sh $PWD/$WORK/aside"
trap 'rm -rf "$PWD/$WORK/aside"' EXIT

specs=("bundled:$PWD/platform.yaml")
for n in $SIZES; do
  "$GEN" "$n" $((n / 10)) > "$WORK/n$n.yaml"
  specs+=("n$n:$PWD/$WORK/n$n.yaml")
done

# peak RSS in MB of one run of "$@"
peak_mb() {
  /usr/bin/time -v "$@" 2>&1 >/dev/null | awk -F: '/Maximum resident set size/ { printf "%.1f", $2 / 1024 }'
}

# mean and stddev in ms from a hyperfine JSON export
mean_ms() {
  python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))["results"][0]; print("%.1f ± %.1f" % (r["mean"]*1e3, r["stddev"]*1e3))' "$1"
}

echo "| spec | envs | bytes | command | wall ms (mean ± σ) | peak RSS MB |"
echo "| --- | --- | --- | --- | --- | --- |"
for entry in "${specs[@]}"; do
  name=${entry%%:*}
  spec=${entry#*:}
  out="$PWD/$WORK/out-$name"
  envs=$("$PLATC" validate -f "$spec" 2>&1 | sed -n 's/.*valid (\([0-9]*\) environment.*/\1/p')
  bytes=$(wc -c < "$spec")
  runs=$RUNS
  [ "$name" = n1000 ] && runs=$(( RUNS < 5 ? RUNS : 5 ))

  hyperfine -N -w 2 -r "$runs" --export-json "$WORK/$name-validate.json" \
    "$PLATC validate -f $spec" >/dev/null 2>&1
  rss=$(peak_mb "$PLATC" validate -f "$spec")
  echo "| $name | $envs | $bytes | validate | $(mean_ms "$WORK/$name-validate.json") | $rss |"

  # Cold: the whole tree into a folder that does not exist. The previous run's tree is moved
  # aside, not deleted: on ext4 without a journal, creating inodes right after thousands were
  # freed is several times slower (the allocator skips recently deleted inodes), whoever
  # creates them; the second row and `cp -r` show that cost separately.
  hyperfine -N -w 1 -r "$runs" --prepare "$SET_ASIDE $out" --export-json "$WORK/$name-cold.json" \
    "$PLATC compile -f $spec --out $out" >/dev/null 2>&1
  $SET_ASIDE "$out"
  rss=$(peak_mb "$PLATC" compile -f "$spec" --out "$out")
  echo "| $name | $envs | $bytes | compile (cold) | $(mean_ms "$WORK/$name-cold.json") | $rss |"
  hyperfine -N -w 1 -r "$runs" --prepare "rm -rf $out" --export-json "$WORK/$name-cold-rm.json" \
    "$PLATC compile -f $spec --out $out" >/dev/null 2>&1
  echo "| $name | $envs | $bytes | compile (cold, right after \`rm -rf\` of the last tree) | $(mean_ms "$WORK/$name-cold-rm.json") | |"
  hyperfine -N -w 1 -r "$runs" --prepare "rm -rf $out.cp" --export-json "$WORK/$name-cp-rm.json" \
    "cp -r $out $out.cp" >/dev/null 2>&1
  rm -rf "$out.cp"
  echo "| $name | $envs | $bytes | \`cp -r\` of that tree (right after \`rm -rf\`), for scale | $(mean_ms "$WORK/$name-cp-rm.json") | |"

  hyperfine -N -w 2 -r "$runs" --export-json "$WORK/$name-nochange.json" \
    "$PLATC compile -f $spec --out $out" >/dev/null 2>&1
  rss=$(peak_mb "$PLATC" compile -f "$spec" --out "$out")
  echo "| $name | $envs | $bytes | compile (no change) | $(mean_ms "$WORK/$name-nochange.json") | $rss |"

  # `check` also compares the schema file named in the spec's first line; exit 1 there is fine.
  hyperfine -N -i -w 2 -r "$runs" --export-json "$WORK/$name-check.json" \
    "$PLATC check -f $spec --out $out" >/dev/null 2>&1
  rss=$(peak_mb "$PLATC" check -f "$spec" --out "$out" || true)
  echo "| $name | $envs | $bytes | check | $(mean_ms "$WORK/$name-check.json") | $rss |"
done
