#!/bin/sh
# usage: rec.sh VERSION PORT
set -u
V=$1; PORT=$2
VENV=$(/work/main/.ci/tools.sh airflow $V)
H=/tmp/srec/home-$V; mkdir -p $H/dags; cp /tmp/srec/etl_daily.py $H/dags/
export PYTHONPATH=/tmp/srec/statsd-lib
case $V in 3.*) export PYTHONPATH=/tmp/srec/pyd-lib:$PYTHONPATH;; esac
export AIRFLOW_HOME=$H AIRFLOW__CORE__DAGS_FOLDER=$H/dags AIRFLOW__CORE__LOAD_EXAMPLES=False
export AIRFLOW__DATABASE__SQL_ALCHEMY_CONN=sqlite:///$H/airflow.db AIRFLOW__CORE__EXECUTOR=LocalExecutor
export AIRFLOW__METRICS__STATSD_ON=True AIRFLOW__METRICS__STATSD_HOST=127.0.0.1 AIRFLOW__METRICS__STATSD_PORT=$PORT
export AIRFLOW__METRICS__STATSD_PREFIX=airflow AIRFLOW__METRICS__STATSD_INFLUXDB_ENABLED=True
case $V in 3.*) export AIRFLOW__METRICS__LEGACY_NAMES_ON=False;; esac
export AIRFLOW__CORE__EXECUTOR=SequentialExecutor
case $V in 3.*) export AIRFLOW__CORE__EXECUTOR=LocalExecutor;; esac
[ -f $H/airflow.db ] || $VENV/bin/airflow db migrate > $H/migrate.log 2>&1 || { echo migrate failed; tail $H/migrate.log; }
python3 /tmp/srec/listener.py $PORT /tmp/srec/raw-$V.txt 240 & LP=$!
sleep 1
timeout 120 $VENV/bin/airflow dags test etl.daily 2024-06-01 > $H/dagstest.log 2>&1; echo "dags test rc=$?"
timeout 45 $VENV/bin/airflow scheduler > $H/sched.log 2>&1; echo "scheduler rc=$?"
sleep 2; kill $LP
wc -l /tmp/srec/raw-$V.txt
