"""Retries for transient database failures: exponential backoff with jitter, never for bad data.

LMS_DB_RETRIES (default 4) and LMS_DB_RETRY_DELAY_SECONDS (default 2: waits of 2, 4, 8, 16 s, each with up to
50 % jitter) set them.
"""

from __future__ import annotations

import os

from prefect import task
from prefect.cache_policies import NO_CACHE
from prefect.tasks import exponential_backoff

from lms_pipeline.store.connections import is_transient


def retry_settings() -> tuple[int, float]:
    return int(os.environ.get("LMS_DB_RETRIES", "4")), float(os.environ.get("LMS_DB_RETRY_DELAY_SECONDS", "2"))


def _transient(task_, task_run, state) -> bool:
    error = state.result(raise_on_failure=False)
    return isinstance(error, BaseException) and is_transient(error)


def database_task(fn, name: str, **options):
    """A Prefect task around a database step, retried only when the failure is transient."""
    retries, delay = retry_settings()
    options.setdefault("cache_policy", NO_CACHE)  # a database step has effects; it is never skipped as cached
    options.setdefault("task_run_name", name)  # its runs are told apart by their flow run, not a random suffix
    return task(
        fn,
        name=name,
        retries=retries,
        retry_delay_seconds=exponential_backoff(backoff_factor=delay) if retries else 0,
        retry_jitter_factor=0.5,
        retry_condition_fn=_transient,
        **options,
    )
