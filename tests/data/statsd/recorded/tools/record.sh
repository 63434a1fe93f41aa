#!/bin/sh
# Records the StatsD lines of one Airflow version (tests/data/statsd/README.md says how it was
# run). Usage: record.sh VERSION PORT; lines land in /tmp/srec/raw-VERSION.txt.
set -u
V=$1
PORT=$2
VENV=$(/work/main/.ci/tools.sh airflow "$V")
H=/tmp/srec/home-$V
mkdir -p "$H/dags"
cp /tmp/srec/etl_daily.py "$H/dags/"
# The statsd client only (pip install --target /tmp/srec/statsd-lib statsd==4.0.1).
export PYTHONPATH=/tmp/srec/statsd-lib
export AIRFLOW_HOME="$H" AIRFLOW__CORE__DAGS_FOLDER="$H/dags" AIRFLOW__CORE__LOAD_EXAMPLES=False
export AIRFLOW__DATABASE__SQL_ALCHEMY_CONN="sqlite:///$H/airflow.db"
export AIRFLOW__METRICS__STATSD_ON=True AIRFLOW__METRICS__STATSD_HOST=127.0.0.1
export AIRFLOW__METRICS__STATSD_PORT="$PORT"
export AIRFLOW__METRICS__STATSD_PREFIX=airflow AIRFLOW__METRICS__STATSD_INFLUXDB_ENABLED=True
export AIRFLOW__CORE__EXECUTOR=SequentialExecutor
case $V in 3.*)
    export AIRFLOW__METRICS__LEGACY_NAMES_ON=False
    export AIRFLOW__CORE__EXECUTOR=LocalExecutor
    ;;
esac
[ -f "$H/airflow.db" ] || "$VENV/bin/airflow" db migrate >"$H/migrate.log" 2>&1
python3 /tmp/srec/listener.py "$PORT" "/tmp/srec/raw-$V.txt" 240 &
LP=$!
sleep 1
timeout 120 "$VENV/bin/airflow" dags test etl.daily 2024-06-01 >"$H/dagstest.log" 2>&1
echo "dags test rc=$?"
timeout 45 "$VENV/bin/airflow" scheduler >"$H/sched.log" 2>&1
echo "scheduler rc=$?"
sleep 2
kill "$LP"
wc -l "/tmp/srec/raw-$V.txt"
