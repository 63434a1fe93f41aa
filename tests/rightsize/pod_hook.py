"""Builds KubernetesExecutor worker pods with the cncf-kubernetes provider's own pod generator,
running the cluster policy platc generated (airflow_local_settings.py on sys.path), and prints
the `base` container's resources per task as JSON. Arguments: dag_id.task_id pairs."""
import json
import sys

from kubernetes.client import models as k8s

from airflow.providers.cncf.kubernetes.pod_generator import PodGenerator

# Importing airflow loaded airflow_local_settings from sys.path and registered its hook.

template = k8s.V1Pod(
    metadata=k8s.V1ObjectMeta(name="template"),
    spec=k8s.V1PodSpec(
        containers=[
            k8s.V1Container(
                name="base",
                resources=k8s.V1ResourceRequirements(
                    requests={"cpu": "500m", "memory": "1Gi"}, limits={"memory": "1Gi"}
                ),
            )
        ]
    ),
)

out = {}
for key in sys.argv[1:]:
    dag_id, task_id = key.split(":", 1)
    pod = PodGenerator.construct_pod(
        dag_id=dag_id,
        task_id=task_id,
        pod_id="worker",
        try_number=1,
        kube_image="apache/airflow:3.2.2",
        date=None,
        args=["airflow", "tasks", "run"],
        pod_override_object=None,
        base_worker_pod=template,
        namespace="airflow",
        scheduler_job_id="1",
        run_id="manual__2026-12-01",
        with_mutation_hook=True,
    )
    base = next(c for c in pod.spec.containers if c.name == "base")
    out[dag_id + "." + task_id] = {
        "requests": base.resources.requests,
        "limits": base.resources.limits,
    }
print(json.dumps(out, sort_keys=True))
