"""The flow's typed parameters: what a deployment file or the UI may give, and what is refused before a run."""

from __future__ import annotations

import pytest
import yaml
from pydantic import ValidationError

from lms_pipeline.harmonization import LMS_NAMES
from lms_pipeline.options import LOAD_PHASES, BatchLimits, Notifications, NotifyOn, Phase, RunOptions, Thresholds


@pytest.mark.parametrize("model", [RunOptions, BatchLimits, Thresholds, Notifications])
def test_a_misspelt_key_is_refused_not_ignored(model):
    with pytest.raises(ValidationError, match="Extra inputs are not permitted"):
        model.model_validate({"lock_wait_second": 5})
    assert model.model_json_schema()["additionalProperties"] is False


def test_the_defaults_are_what_a_nightly_load_needs():
    options, thresholds = RunOptions(), Thresholds()
    assert options.phases == list(LOAD_PHASES) and tuple(options.lms) == LMS_NAMES
    assert (options.lock_wait_seconds, options.statement_timeout_minutes, options.allow_mass_delete) == (0, 60, False)
    assert options.batches == BatchLimits(max_files=2000, max_bytes=64 << 20, large_file_bytes=32 << 20)
    assert (thresholds.quarantine_alert_rows, thresholds.stale_after_hours, thresholds.volume_drift_percent) == (
        100,
        36,
        50,
    )
    assert Notifications().when is NotifyOn.WARNING


def test_values_arrive_as_a_deployment_file_writes_them():
    document = yaml.safe_load(
        """
        options:
          phases: [discovery, migrations, validation]
          lock_wait_seconds: 1800
          statement_timeout_minutes: null
          batches: {max_files: 500}
        thresholds: {stale_after_hours: null}
        notifications: {block: custom-webhook/lms-alerts, when: failure}
        """
    )
    options = RunOptions.model_validate(document["options"])
    assert options.phases == [Phase.DISCOVERY, Phase.MIGRATIONS, Phase.VALIDATION]
    assert (options.lock_wait_seconds, options.statement_timeout_minutes) == (1800, None)
    assert options.batches.max_files == 500 and options.batches.max_bytes == BatchLimits().max_bytes
    assert Thresholds.model_validate(document["thresholds"]).stale_after_hours is None
    assert Notifications.model_validate(document["notifications"]).when is NotifyOn.FAILURE


@pytest.mark.parametrize(
    "bad",
    [
        {"lms": ["moodle"]},
        {"phases": ["loading"]},
        {"lock_wait_seconds": -1},
        {"statement_timeout_minutes": -5},
        {"batches": {"max_files": 0}},
    ],
)
def test_a_value_out_of_range_is_refused_with_its_field_named(bad):
    with pytest.raises(ValidationError) as refused:
        RunOptions.model_validate(bad)
    assert next(iter(bad)) in str(refused.value)


def test_the_options_are_frozen_so_one_default_serves_every_run():
    with pytest.raises(ValidationError):
        RunOptions().allow_mass_delete = True  # type: ignore[misc]


@pytest.mark.parametrize(
    "path", ["prefect.yaml", "deployments/prefect.docker.yaml", "deployments/prefect.kubernetes.yaml"]
)
def test_every_deployment_files_parameters_are_valid_flow_parameters(path):
    from pathlib import Path

    from lms_pipeline.flows.pipeline import lms_pipeline

    document = yaml.safe_load((Path(__file__).parent.parent / path).read_text())
    for deployment in document["deployments"]:
        parameters = {"csv_paths": ["/extracts/canvas"], **deployment.get("parameters", {})}
        validated = lms_pipeline.validate_parameters(parameters)
        assert validated["notifications"].block == "custom-webhook/lms-alerts", deployment["name"]
        assert validated["options"].lock_wait_seconds == 1800, deployment["name"]
