#!/bin/sh
# Records what one Airflow version sends over StatsD for the DAG etl_daily.py (a dotted DAG id,
# a task group, a task that fails, is retried and fails again), with the [metrics] options
# platc's values set. tests/data/statsd/README.md says how the committed files were made.
#
#   record.sh VERSION OUT_FILE      (as root: it needs a network namespace of its own)
#
# Everything runs inside a new network namespace holding only loopback (unshare --net), so the
# servers Airflow starts (API server, log servers on all addresses) are reachable from nowhere
# else and any free port will do. The Airflow is the CI venv from .ci/tools.sh (with the statsd
# client from the lock), on a fresh AIRFLOW_HOME with SQLite that is removed at the end.
set -eu
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../../../../.." && pwd)"
version="$1"
out="$2"

if [ -z "${RECORD_VENV:-}" ]; then
    RECORD_VENV="$("$root/.ci/tools.sh" airflow "$version")"
    export RECORD_VENV
    exec unshare --net "$0" "$@"
fi
ip link set lo up

home="$(mktemp -d)"
trap 'rm -rf "$home"' EXIT
mkdir -p "$home/dags"
cp "$here/etl_daily.py" "$home/dags/"
export PATH="$RECORD_VENV/bin:$PATH"
export AIRFLOW_HOME="$home" AIRFLOW__CORE__DAGS_FOLDER="$home/dags"
export AIRFLOW__CORE__LOAD_EXAMPLES=False AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION=False
export AIRFLOW__DATABASE__SQL_ALCHEMY_CONN="sqlite:///$home/airflow.db"
export AIRFLOW__METRICS__STATSD_ON=True AIRFLOW__METRICS__STATSD_HOST=127.0.0.1
export AIRFLOW__METRICS__STATSD_PORT=8125 AIRFLOW__METRICS__STATSD_PREFIX=airflow
export AIRFLOW__METRICS__STATSD_INFLUXDB_ENABLED=True
case "$version" in
    2.*) export AIRFLOW__CORE__EXECUTOR=SequentialExecutor ;;
    *)
        export AIRFLOW__METRICS__LEGACY_NAMES_ON=False AIRFLOW__CORE__EXECUTOR=LocalExecutor
        export AIRFLOW__API__HOST=127.0.0.1 AIRFLOW__API__PORT=8080
        export AIRFLOW__CORE__EXECUTION_API_SERVER_URL=http://127.0.0.1:8080/execution/
        ;;
esac

airflow db migrate >"$home/migrate.log" 2>&1
# The listener stops itself after 420 s at the latest; it is killed once Airflow is done.
python3 "$here/listener.py" 8125 "$out" 420 &
listener=$!
sleep 1
# The DAG's tasks in-process: starts, the retry, the failure, durations.
timeout 150 airflow dags test etl.daily 2024-06-01 >"$home/dagstest.log" 2>&1 || true
airflow dags unpause etl.daily >/dev/null 2>&1 || true
# Then every component for up to 180 s: the scheduler creates the DAG's latest run and runs it
# (schedule delay, queueing, run duration), plus the heartbeats, pools, executor and parsing.
timeout 180 airflow standalone >"$home/standalone.log" 2>&1 || true
sleep 2
kill "$listener"
wc -l "$out"
