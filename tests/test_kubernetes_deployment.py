"""The Kubernetes variant of the deployments (deployments/prefect.kubernetes.yaml), checked as far as it can be
without a cluster.

The pool is created from deployments/kubernetes-job-template.json and the deployments are registered with
`prefect deploy`, both as CONTAINERS.md tells an operator to, on a real Prefect server (which validates the job
variables against the template's schema). Each deployment's flow run is then turned into a Job manifest by the
code the Kubernetes worker runs for it: `KubernetesWorkerJobConfiguration.resolve_for_flow_run`, then the worker's
`_create_job`, whose call to the Kubernetes API is the only thing replaced here. What no test here does: a cluster
accepting that Job, pulling the image, mounting the claims and reading the Secret.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import subprocess
import sys
import uuid
from contextlib import suppress
from pathlib import Path
from typing import ClassVar

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
DEPLOY_FILE = ROOT / "deployments" / "prefect.kubernetes.yaml"
TEMPLATE_FILE = ROOT / "deployments" / "kubernetes-job-template.json"
ADDED_VARIABLES = {"volumes", "volume_mounts", "secret_env"}
SECRET_NAME = re.compile(r"password|secret|token|api_?key|auth", re.IGNORECASE)
IMAGE = "registry.example.org/lms-pipeline:k8s-test"


def deployment_file() -> dict:
    return yaml.safe_load(DEPLOY_FILE.read_text())


def test_the_kubernetes_file_has_the_docker_files_deployments():
    k8s, docker = deployment_file(), yaml.safe_load((ROOT / "deployments" / "prefect.docker.yaml").read_text())
    assert k8s["build"] == docker["build"] and k8s["push"] == docker["push"], "the same image, built the same way"
    assert k8s["pull"] == docker["pull"]
    same = ("name", "entrypoint", "tags", "schedules", "concurrency_limit")
    assert [{k: d.get(k) for k in same} for d in k8s["deployments"]] == [
        {k: d.get(k) for k in same} for d in docker["deployments"]
    ]
    for k8s_deployment, docker_deployment in zip(k8s["deployments"], docker["deployments"], strict=True):
        assert k8s_deployment["work_pool"]["name"] == "lms-kubernetes-pool"
        assert k8s_deployment["parameters"].get("csv_paths") == docker_deployment["parameters"].get("csv_paths")
        # The password is neither a parameter nor a block's: each pod reads it from the Kubernetes Secret.
        assert "database_block" not in k8s_deployment["parameters"]
        assert set(k8s_deployment["parameters"]["database"]) <= {"engine", "server", "port", "dbname", "username"}


def test_no_secret_value_is_written_in_the_kubernetes_file():
    def walk(node, path=""):
        if isinstance(node, dict):
            for key, value in node.items():
                if isinstance(value, (str, int, float)) and SECRET_NAME.search(str(key)):
                    pytest.fail(f"{path}/{key} holds a value: secrets are referenced, never written")
                walk(value, f"{path}/{key}")
        elif isinstance(node, list):
            for index, item in enumerate(node):
                walk(item, f"{path}/{index}")

    document = deployment_file()
    walk(document)
    for deployment in document["deployments"]:
        variables = deployment["work_pool"]["job_variables"]
        assert not [name for name in variables["env"] if SECRET_NAME.search(name)], "env holds literal values only"
        assert variables["secret_env"] == [
            {
                "name": "LMS_DATABASE_PASSWORD",
                "valueFrom": {"secretKeyRef": {"name": "lms-pipeline", "key": "database-password"}},
            }
        ]


def test_the_job_template_is_the_workers_default_with_volumes_and_secret_references():
    """A new prefect-kubernetes whose default template changed shows here: the file is its default plus ours."""
    from prefect_kubernetes.worker import KubernetesWorker

    default = KubernetesWorker.get_default_base_job_template()
    ours = json.loads(TEMPLATE_FILE.read_text())
    ours_variables = dict(ours["variables"]["properties"])
    assert set(ours_variables) == set(default["variables"]["properties"]) | ADDED_VARIABLES
    for name in ADDED_VARIABLES:
        assert ours_variables.pop(name)["default"] == []
    assert ours_variables == default["variables"]["properties"]
    assert {k: v for k, v in ours["variables"].items() if k != "properties"} == {
        k: v for k, v in default["variables"].items() if k != "properties"
    }

    configuration = json.loads(json.dumps(ours["job_configuration"]))
    pod = configuration["job_manifest"]["spec"]["template"]["spec"]
    assert pod.pop("securityContext") == {
        "runAsNonRoot": True,
        "runAsUser": 10001,
        "runAsGroup": 10001,
        "fsGroup": 10001,
    }, "the Dockerfile's numeric user"
    assert pod.pop("volumes") == "{{ volumes }}"
    container = pod["containers"][0]
    assert container.pop("volumeMounts") == "{{ volume_mounts }}"
    # The worker puts its env (a mapping) before the template's list and keeps the list's valueFrom entries.
    assert container["env"] == "{{ secret_env }}"
    container["env"] = "{{ env }}"
    assert configuration == default["job_configuration"]


class Prefect:
    """The prefect CLI on the test's Prefect API, as an operator runs it from the repository root."""

    def __init__(self, api_url: str):
        self.env = {**os.environ, "PREFECT_API_URL": api_url, "LMS_TIMEZONE": "America/Chicago"}

    def __call__(self, *args: str) -> str:
        result = subprocess.run(
            [sys.executable, "-m", "prefect", *args],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=180,
            check=False,
        )
        assert result.returncode == 0, result.stdout + result.stderr
        return result.stdout


@pytest.fixture(scope="module")
def registered(prefect_api, tmp_path_factory):
    """The pool and the five deployments, under names of this module's own. The copy of the file keeps everything
    but the image steps, which need a Docker engine: its image is a fixed name instead of the build's output."""
    suffix = uuid.uuid4().hex[:8]
    pool = f"lms-kubernetes-pool-{suffix}"
    document = deployment_file()
    document["build"] = [step for step in document["build"] if "lms_pipeline.tasks.workspace.deploy_settings" in step]
    document["push"] = None
    for deployment in document["deployments"]:
        deployment["name"] = f"{deployment['name']}-{suffix}"
        assert deployment["work_pool"]["job_variables"]["image"] == "{{ build-image.image }}"
        deployment["work_pool"] = {
            **deployment["work_pool"],
            "name": pool,
            "job_variables": {**deployment["work_pool"]["job_variables"], "image": IMAGE},
        }
    copy = tmp_path_factory.mktemp("k8s") / "prefect.kubernetes.yaml"
    copy.write_text(yaml.safe_dump(document, sort_keys=False))

    prefect = Prefect(prefect_api)
    prefect("work-pool", "create", pool, "--type", "kubernetes", "--base-job-template", str(TEMPLATE_FILE))
    names = [f"lms-pipeline/{d['name']}" for d in document["deployments"]]
    try:
        prefect("deploy", "--all", "--no-prompt", "--prefect-file", str(copy))
        yield pool, names
    finally:
        asyncio.run(remove(pool, names))


async def remove(pool: str, deployments: list[str]) -> None:
    from prefect.client.orchestration import get_client
    from prefect.exceptions import ObjectNotFound

    async with get_client() as client:
        for name in deployments:
            with suppress(ObjectNotFound):
                await client.delete_deployment((await client.read_deployment_by_name(name)).id)
        await client.delete_work_pool(pool)


class JobsApi:
    """Stands in for kubernetes_asyncio's BatchV1Api: keeps the Job the worker would create."""

    created: ClassVar[list[tuple[str, dict]]] = []

    def __init__(self, client):
        pass

    async def create_namespaced_job(self, namespace, body):
        from kubernetes_asyncio.client import V1Job, V1ObjectMeta

        self.created.append((namespace, json.loads(json.dumps(body))))
        return V1Job(metadata=V1ObjectMeta(name=f"{body['metadata']['generateName']}x", namespace=namespace))


async def worker_jobs(pool: str, deployments: list[str], api_key: str) -> dict[str, tuple[str, dict]]:
    """For a flow run of each deployment, the namespace and Job manifest the Kubernetes worker posts. The worker
    holds a Cloud API key, and is told which Secret holds it, as CONTAINERS.md says to start it."""
    from prefect.client.orchestration import get_client
    from prefect.settings import PREFECT_API_KEY, temporary_settings
    from prefect_kubernetes.worker import KubernetesWorker, KubernetesWorkerJobConfiguration

    jobs = {}
    async with get_client() as client:
        work_pool = await client.read_work_pool(pool)
        worker = KubernetesWorker(work_pool_name=pool, name="k8s-test")
        for name in deployments:
            deployment = await client.read_deployment_by_name(name)
            # adhoc has no roots of its own: a run of it names them, as its description says
            roots = {} if "csv_paths" in deployment.parameters else {"csv_paths": ["/extracts/canvas"]}
            flow_run = await client.create_flow_run_from_deployment(deployment.id, parameters=roots)
            try:
                with temporary_settings({PREFECT_API_KEY: api_key}):
                    configuration = await KubernetesWorkerJobConfiguration.resolve_for_flow_run(
                        flow_run, client=client, work_pool=work_pool, worker_name=worker.name
                    )
                JobsApi.created.clear()
                await worker._create_job(configuration, client=None)
                (jobs[name],) = JobsApi.created
            finally:
                await client.delete_flow_run(flow_run.id)
    return jobs


@pytest.mark.prefect
def test_the_worker_renders_jobs_with_the_image_resources_volumes_and_secret_references(registered, monkeypatch):
    pool, deployments = registered
    api_key = f"pnu_not-a-real-key-{uuid.uuid4().hex}"
    monkeypatch.setattr("prefect_kubernetes.worker.BatchV1Api", JobsApi)
    monkeypatch.setenv("PREFECT_INTEGRATIONS_KUBERNETES_WORKER_API_KEY_SECRET_NAME", "lms-pipeline")
    monkeypatch.setenv("PREFECT_INTEGRATIONS_KUBERNETES_WORKER_API_KEY_SECRET_KEY", "prefect-api-key")

    jobs = asyncio.run(worker_jobs(pool, deployments, api_key))

    assert set(jobs) == set(deployments)
    for name, (namespace, job) in jobs.items():
        assert namespace == "lms" and job["metadata"]["namespace"] == "lms", name
        assert job["kind"] == "Job" and job["spec"]["ttlSecondsAfterFinished"] == 86400
        pod = job["spec"]["template"]["spec"]
        (container,) = pod["containers"]
        assert container["image"] == IMAGE and container["imagePullPolicy"] == "IfNotPresent"
        assert container["args"] == ["prefect", "flow-run", "execute"], "the image has no ENTRYPOINT to prepend"
        assert container["resources"] == {
            "requests": {"cpu": "1", "memory": "1Gi"},
            "limits": {"cpu": "2", "memory": "1536Mi"},
        }
        assert pod["securityContext"]["runAsUser"] == 10001 and pod["securityContext"]["runAsNonRoot"] is True
        volumes = {v["name"]: v for v in pod["volumes"]}
        mounts = {m["mountPath"]: m for m in container["volumeMounts"]}
        assert volumes["extracts"]["persistentVolumeClaim"] == {"claimName": "lms-extracts", "readOnly": True}
        assert mounts["/extracts"] == {"name": "extracts", "mountPath": "/extracts", "readOnly": True}
        assert volumes["results"]["persistentVolumeClaim"] == {"claimName": "lms-results"}
        assert mounts["/data/results"]["name"] == "results"

        env = {e["name"]: e for e in container["env"]}
        assert len(env) == len(container["env"]), "each variable once"
        assert env["PREFECT_RESULTS_LOCAL_STORAGE_PATH"]["value"] == "/data/results"
        assert env["PREFECT_HOME"]["value"] == "/data/prefect", "the image's, whatever the worker's is"
        assert env["PREFECT__FLOW_RUN_ID"]["value"], "the worker's own variables are kept"
        assert env["LMS_DATABASE_PASSWORD"] == {
            "name": "LMS_DATABASE_PASSWORD",
            "valueFrom": {"secretKeyRef": {"name": "lms-pipeline", "key": "database-password"}},
        }
        assert env["PREFECT_API_KEY"] == {
            "name": "PREFECT_API_KEY",
            "valueFrom": {"secretKeyRef": {"name": "lms-pipeline", "key": "prefect-api-key"}},
        }
        for entry in container["env"]:
            if SECRET_NAME.search(entry["name"]):
                assert set(entry) == {"name", "valueFrom"} and set(entry["valueFrom"]) == {"secretKeyRef"}, entry
        assert api_key not in json.dumps(job), "the worker's API key reached the manifest as a value"


@pytest.mark.prefect
def test_the_pool_refuses_a_literal_value_among_the_secret_references(registered):
    from prefect.client.orchestration import get_client
    from prefect.exceptions import PrefectHTTPStatusError

    _, deployments = registered

    async def run_with(job_variables: dict):
        async with get_client() as client:
            deployment = await client.read_deployment_by_name(deployments[0])
            flow_run = await client.create_flow_run_from_deployment(deployment.id, job_variables=job_variables)
            await client.delete_flow_run(flow_run.id)

    with pytest.raises(PrefectHTTPStatusError, match=r"422.*secret_env\[0\].*'valueFrom' is a required property"):
        asyncio.run(run_with({"secret_env": [{"name": "LMS_DATABASE_PASSWORD", "value": "hunter2"}]}))
    asyncio.run(
        run_with(
            {
                "secret_env": [
                    {
                        "name": "LMS_DATABASE_PASSWORD",
                        "valueFrom": {"secretKeyRef": {"name": "other-secret", "key": "password"}},
                    }
                ]
            }
        )
    )
