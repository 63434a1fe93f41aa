from datetime import datetime, timedelta

try:
    from airflow.sdk import DAG, TaskGroup
    from airflow.providers.standard.operators.python import PythonOperator
except ImportError:
    from airflow import DAG
    from airflow.utils.task_group import TaskGroup
    from airflow.operators.python import PythonOperator


def ok():
    return None


def boom():
    raise RuntimeError("flaky fails on purpose")


with DAG(
    "etl.daily", start_date=datetime(2024, 1, 1), schedule="@daily", catchup=False
) as dag:
    extract = PythonOperator(task_id="extract", python_callable=ok)
    with TaskGroup("load"):
        upsert = PythonOperator(task_id="upsert", python_callable=ok)
    flaky = PythonOperator(
        task_id="flaky",
        python_callable=boom,
        retries=1,
        retry_delay=timedelta(seconds=0),
    )
    extract >> upsert
