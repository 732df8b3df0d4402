"""What a run is asked to do, as the parent flow's typed parameters: the run's options, the batch limits, the
warning thresholds and the notifications.

Each model is frozen and forbids unknown fields, so a misspelt key in a deployment file is refused when the run is
created, not silently ignored; the field descriptions are what the Prefect UI shows beside each field.
"""

from __future__ import annotations

from datetime import date
from enum import Enum

from pydantic import BaseModel, ConfigDict, Field, field_validator

from lms_pipeline.harmonization import LMS_NAMES
from lms_pipeline.resources import BY_NAME


class Phase(str, Enum):
    DISCOVERY = "discovery"
    MIGRATIONS = "migrations"
    VALIDATION = "validation"  # validate without loading; the load that follows reuses the cached work
    STAGING = "staging"
    HARMONIZATION = "harmonization"  # in an Ed-Fi ODS database: link with the SIS, write lmsx
    REPLAY = "replay"  # instead of discovery: the journaled files again, from their roots or the raw archive


class NotifyOn(str, Enum):
    NEVER = "never"
    FAILURE = "failure"
    WARNING = "warning"


LOAD_PHASES = (Phase.DISCOVERY, Phase.MIGRATIONS, Phase.STAGING)
ALL_PHASES = (*LOAD_PHASES, Phase.HARMONIZATION)
VALIDATE_PHASES = (Phase.DISCOVERY, Phase.MIGRATIONS, Phase.VALIDATION)
REPLAY_PHASES = (Phase.MIGRATIONS, Phase.REPLAY)

MiB = 1024 * 1024


class _Options(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class BatchLimits(_Options):
    """How staging cuts a resource's files into batches, each loaded in one transaction."""

    max_files: int = Field(2000, ge=1, description="At most this many files in one batch.")
    max_bytes: int = Field(64 * MiB, ge=1, description="At most this many bytes of CSV in one batch.")
    large_file_bytes: int = Field(
        32 * MiB, ge=1, description="A file at least this large is streamed in chunks, in a batch of its own."
    )


def _known(kind: str, names: list[str], known: list[str]) -> list[str]:
    unknown = sorted(set(names) - set(known))
    if unknown:
        raise ValueError(f"unknown {kind} {', '.join(unknown)}; expected some of {', '.join(known)}")
    return names


class ReplayScope(_Options):
    """Which journaled files a replay loads again; every file whose rows were merged when all are empty."""

    resources: list[str] = Field([], description="Only these resources, e.g. submissions, grades.")
    section: str | None = Field(None, description="Only the files of this section's folder (section=<id>).")
    root: str | None = Field(None, description="Only the files of this extract root: one LMS's extracts.")
    since: date | None = Field(None, description="Only the files extracted on or after this date (YYYY-MM-DD).")
    files: list[str] = Field(
        [],
        description="Only these files, full paths as the journal has them (lms-pipeline quarantine retry sets it); "
        "a file older than a loaded file of its scope is then left out, as it would change nothing but go back.",
    )
    current_content: bool = Field(
        False,
        description="Read each file as it is now in its extract root, changed or not (a retry after a file was "
        "fixed); the raw archive's copy only when it is gone. Otherwise only the content loaded is read.",
    )

    @field_validator("resources")
    @classmethod
    def _known_resources(cls, names: list[str]) -> list[str]:
        return _known("resource", names, list(BY_NAME))


class RunOptions(_Options):
    """What the run does, and its bounds."""

    phases: list[Phase] = Field(
        list(LOAD_PHASES),
        description="The phases to run: discovery, migrations, staging, harmonization; or validation instead of "
        "staging, to check the extracts without loading them; or migrations and replay, to load the journaled "
        "files again (see replay).",
    )
    lms: list[str] = Field(list(LMS_NAMES), description="The LMSs to harmonize: " + ", ".join(LMS_NAMES) + ".")

    @field_validator("lms")
    @classmethod
    def _known_lms(cls, names: list[str]) -> list[str]:
        return _known("LMS", names, list(LMS_NAMES))

    allow_mass_delete: bool = Field(
        False,
        description="Apply the soft deletes the mass-deletion guard holds: those that would leave a scope with less "
        "than half the rows it held in the last 14 days (users and sections at any size, a section's or "
        "assignment's rows from 50 up).",
    )
    customization_folder: str | None = Field(
        None, description="A folder of site SQL scripts (NNNN_name.sql) applied after the built-in ones."
    )
    exceptions_report_directory: str | None = Field(
        None, description="Where harmonization writes its exception reports (CSV); none when empty."
    )
    lock_wait_seconds: float = Field(
        0, ge=0, description="How long to wait for another run on the same database before giving up."
    )
    statement_timeout_minutes: float | None = Field(
        60,
        ge=0,
        description="The database cancels any one statement that runs longer than this, and the run fails with a "
        "message that names it; empty or 0 for no bound. Raise it for a first load of a large district.",
    )
    work_dir: str | None = Field(
        None,
        description="Where the run writes its manifests, in a folder of its own removed when the run ends; a "
        "temporary folder when empty.",
    )
    dask_scheduler: str | None = Field(
        None,
        description="Validate files on a Dask cluster: a scheduler address (tcp://host:8786), or 'local' for a "
        "local cluster of two workers. Empty: two threads of the flow process, which hand large batches to a "
        "validation process of their own.",
    )
    batches: BatchLimits = Field(BatchLimits(), description="How staging cuts the files into batches.")
    rehash: bool = Field(
        False,
        description="Read and hash every file, even those whose size, times and inode are as the journal has them.",
    )
    raw_archive: str | None = Field(
        None,
        description="Keep a compressed copy of every file loaded, named by its hash, in this folder or fsspec URL "
        "(s3://bucket/path with s3fs installed, gs:// with gcsfs, az:// with adlfs); empty to keep none. A copy "
        "that cannot be kept is a warning, never a failed load.",
    )
    replay: ReplayScope = Field(ReplayScope(), description="What the replay phase loads again.")
    rehash_every_days: float | None = Field(
        7,
        ge=0,
        description="Read every file anyway when the last run that did is older than this many days: the periodic "
        "check of the content guarantee. Empty: only when asked (rehash).",
    )


class Thresholds(_Options):
    """When a completed run warns: its state is Warned, the CLI exits 3, and the notification says why."""

    quarantine_alert_rows: int = Field(100, ge=0, description="Warn when a run quarantines more rows than this.")
    stale_after_hours: float | None = Field(
        36, ge=0, description="Warn when a root's newest extract file is older than this; empty to disable."
    )
    volume_drift_percent: float | None = Field(
        50,
        ge=0,
        description="Warn when a resource's live rows change by more than this since the last successful run; "
        "empty to disable.",
    )


class Notifications(_Options):
    """Who hears of a failure, a crash or a warned run, and when."""

    block: str | None = Field(
        None,
        description="A notification block as block-type-slug/name, e.g. custom-webhook/lms-alerts, "
        "slack-webhook/data-team or email-server-credentials/district-smtp.",
    )
    email_to: list[str] | None = Field(None, description="Recipients, when the block is an e-mail server.")
    # Not `on`: YAML 1.1, which Prefect reads deployment files with, turns that key into the boolean true.
    when: NotifyOn = Field(
        NotifyOn.WARNING,
        description="When to notify: never, failure (failures and crashes), or warning (those and warnings).",
    )
