"""Names vulture cannot see used, each with who uses it: `vulture lms_pipeline vulture_whitelist.py` (CI runs it)
finds no dead code when everything it reports is here. A name that is truly unused belongs deleted, not here."""

# ruff: noqa: B018, F821
# Read by a framework, by name or by signature.
option_string  # argparse calls an Action with it (cli.EnvDefault.__call__)
task_  # Prefect's retry_condition_fn signature (tasks/retries.py)
_.compute_key, task_ctx, flow_parameters  # Prefect's CachePolicy interface (tasks/validation_cache.py)
deploy_settings  # a build step that prefect.yaml and deployments/*.yaml name by its dotted path
model_config  # pydantic's model configuration (options.py, store/settings.py)
_._known_lms  # a pydantic field validator (options.py)
_._known_resources  # a pydantic field validator (options.py)
partition_by  # a key of the _Window TypedDict, passed as **kwargs to over() (loading/merge.py)
_.fast_executemany  # pyodbc's cursor setting (store/engines/mssql.py)

# Enum members and dataclass fields read through their value or vars(), not by attribute.
FAILURE, MSSQL  # NotifyOn.FAILURE and EngineName.MSSQL, given by value in parameters and settings
users_matched, users_unmatched, users_ambiguous, sections_matched, sections_unmatched, sections_ambiguous
assignments_inserted, assignments_updated, assignments_deleted, assignments_unmatched
submissions_inserted, submissions_updated, submissions_deleted, submissions_unmatched  # asdict() of the counts
# The generator's records: the SIS fields through vars() by demo/roster.py, the last two by tests and benchmarks.
first_name, last_name, birth_date, school_year, session_name, local_course_code, begin_date, end_date
lms_record, extract_dates
