"""What Prefect keeps of a run, read back through its API (flow and task runs, parameters, logs, artifacts,
events), and a search of such records for secrets."""

from __future__ import annotations

import asyncio
import json
import logging
import time
import uuid
from dataclasses import dataclass


@dataclass
class RunTree:
    """A flow run and its subflow runs (the parent first), with their task runs, logs and artifacts."""

    runs: list
    task_runs: list
    logs: list
    artifacts: list

    @property
    def ids(self) -> list:
        return [run.id for run in self.runs]


async def read_tree(client, flow_run_id) -> RunTree:
    from prefect.client.schemas.filters import (
        ArtifactFilter,
        ArtifactFilterFlowRunId,
        FlowRunFilter,
        FlowRunFilterId,
        FlowRunFilterParentFlowRunId,
        LogFilter,
        LogFilterFlowRunId,
    )

    runs, todo = [], [uuid.UUID(str(flow_run_id))]
    while todo:
        run = await client.read_flow_run(todo.pop(0))
        runs.append(run)
        children = await client.read_flow_runs(
            flow_run_filter=FlowRunFilter(parent_flow_run_id=FlowRunFilterParentFlowRunId(any_=[run.id]))
        )
        todo += [c.id for c in children]
    ids = [r.id for r in runs]
    logs = []
    while page := await client.read_logs(
        LogFilter(flow_run_id=LogFilterFlowRunId(any_=ids)), limit=200, offset=len(logs)
    ):
        logs += page
    artifacts = await client.read_artifacts(
        artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=ids))
    )
    task_runs = await client.read_task_runs(flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=ids)))
    return RunTree(runs, task_runs, logs, artifacts)


async def read_records(flow_run_id, artifacts_expected: bool) -> dict[str, str]:
    """The flow run and its subflows as the API shows them, as text: parameters and states, task runs, logs,
    artifacts and events."""
    from prefect.client.orchestration import get_client

    async with get_client() as client:
        tree = await read_tree(client, flow_run_id)
        events = await _events(client, tree.ids)
    runs, logs = tree.runs, tree.logs
    assert runs[0].parameters, "the parent flow run was not found"
    assert logs and (tree.artifacts or not artifacts_expected), "nothing read back: the search would prove nothing"
    return {
        "flow run parameters": "\n".join(json.dumps(r.parameters, default=str) for r in runs),
        "flow runs (names, states, messages)": "\n".join(r.model_dump_json() for r in runs),
        "task runs": "\n".join(t.model_dump_json() for t in tree.task_runs),
        "flow run logs": "\n".join(log.model_dump_json() for log in logs),
        "artifacts": "\n".join(a.model_dump_json() for a in tree.artifacts),
        "events": "\n".join(e.model_dump_json() for e in events),
        "_debug_logs": str(sum(1 for log in logs if log.level == logging.DEBUG)),
    }


async def _events(client, flow_run_ids: list, timeout: float = 30) -> list:
    """Every event about the runs, once the server has stored the parent's final state change (events are
    written in batches, a few seconds after they happen)."""
    from prefect.events.filters import EventAnyResourceFilter, EventFilter

    resources = EventAnyResourceFilter(id=[f"prefect.flow-run.{i}" for i in flow_run_ids])
    final = {
        "prefect.flow-run.Completed",
        "prefect.flow-run.Warned",
        "prefect.flow-run.Failed",
        "prefect.flow-run.Crashed",
    }
    deadline = time.monotonic() + timeout
    while True:
        page = await client.read_events(filter=EventFilter(any_resource=resources), limit=50)  # until: now
        events = list(page.events)
        while page.next_page:
            page = await client.read_events_page(page.next_page)
            events += page.events
        parent = f"prefect.flow-run.{flow_run_ids[0]}"
        if any(e.event in final and e.resource.id == parent for e in events) or time.monotonic() > deadline:
            assert events, "no event was read back: the search would prove nothing"
            return events
        await asyncio.sleep(1)


def prefect_records(flow_run_id, artifacts_expected: bool = True) -> dict[str, str]:
    from prefect.logging.handlers import APILogWorker

    APILogWorker.drain_all(timeout=10)
    return asyncio.run(read_records(flow_run_id, artifacts_expected))


def leaks(places: dict[str, str | bytes], secrets: list[str]) -> list[str]:
    """Where any of the secrets appears, as '<secret #> in <place>: ...context...'."""
    found = []
    for where, content in places.items():
        data = content if isinstance(content, bytes) else content.encode("utf-8", "surrogateescape")
        for number, secret in enumerate(secrets):
            at = data.find(secret.encode())
            if at >= 0:
                context = data[max(0, at - 120) : at + len(secret) + 40].decode("utf-8", "replace")
                found.append(f"secret #{number} in {where}: ...{context}...")
    return found
