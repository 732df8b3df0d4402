"""SQLAlchemy descriptions of the data store's tables, named for one engine (lower case on PostgreSQL).

They describe what the scripts in sql/<engine>/ create; a test compares the two. Statements built on them
compile for PostgreSQL and SQL Server alike.
"""

from __future__ import annotations

from functools import cached_property
from typing import Any

from sqlalchemy import BigInteger, Boolean, Column, Date, DateTime, Integer, MetaData, String, Table
from sqlalchemy.types import TypeEngine

from lms_pipeline.resources import (
    BY_NAME,
    NATURAL_KEY,
    SUBMISSION_TYPE_LENGTH,
    SUBMISSION_TYPE_TABLE,
    Kind,
    Resource,
)
from lms_pipeline.resources import Column as CatalogColumn
from lms_pipeline.store.engines import EngineDialect

BATCH_COLUMNS = ("BatchFileId", "SourceLine")
_BY_TABLE = {r.table: r for r in BY_NAME.values()}


class StoreTables:
    def __init__(self, dialect: EngineDialect):
        self.dialect = dialect
        self.metadata = MetaData(schema="lms")
        self._tables: dict[str, Table] = {}

    def name(self, identifier: str) -> str:
        return self.dialect.table_name(identifier)

    def _column(self, name: str, type_: TypeEngine[Any] | type[TypeEngine[Any]], **kwargs: Any) -> Column[Any]:
        return Column(self.name(name), type_, key=name, **kwargs)

    def _typed(self, column: CatalogColumn) -> Column[Any]:
        types = {Kind.INT: Integer, Kind.DATETIME: DateTime, Kind.DATE: Date}
        type_ = types.get(column.kind) or String(column.length)
        return self._column(column.name, type_, nullable=not column.required)

    def _table(self, name: str, *columns: Column[Any]) -> Table:
        if name not in self._tables:
            self._tables[name] = Table(self.name(name), self.metadata, *columns)
        return self._tables[name]

    def live(self, resource: Resource) -> Table:
        parents = [self._column(p.id_column, Integer) for p in resource.parents]
        enrolment = (
            [self._column("LMSUserLMSSectionAssociationIdentifier", Integer)] if resource.links_enrolment else []
        )
        return self._table(
            resource.table,
            self._column(resource.key, Integer, primary_key=True),
            *parents,
            *enrolment,
            *(self._typed(c) for c in resource.live_columns),
            self._column("DeletedAt", DateTime),
        )

    def staging(self, resource: Resource) -> Table:
        return self._table(
            resource.staging_table,
            self._column("StagingId", Integer, primary_key=True),
            *(self._typed(c) for c in resource.staged_columns),
            *(self._column(c, Integer) for c in BATCH_COLUMNS),
        )

    def parent(self, table: str) -> Table:
        return self.live(_BY_TABLE[table])

    @cached_property
    def submission_types(self) -> Table:
        return self._table(
            SUBMISSION_TYPE_TABLE,
            self._column("AssignmentIdentifier", Integer, primary_key=True),
            self._column("SubmissionType", String(SUBMISSION_TYPE_LENGTH), primary_key=True),
            self._column("CreateDate", DateTime),
            self._column("DeletedAt", DateTime),
        )

    @cached_property
    def staged_submission_types(self) -> Table:
        return self._table(
            "stg_" + SUBMISSION_TYPE_TABLE,
            self._column("StagingId", Integer, primary_key=True),
            *(self._column(n, String(255)) for n in NATURAL_KEY),
            self._column("SubmissionType", String(SUBMISSION_TYPE_LENGTH)),
            self._column("CreateDate", DateTime),
            *(self._column(c, Integer) for c in BATCH_COLUMNS),
        )

    @cached_property
    def load_scope(self) -> Table:
        return self._table(
            "stg_LoadScope",
            self._column("BatchFileId", Integer, primary_key=True),
            self._column("SourceSystem", String(255)),
            self._column("SectionSourceSystemIdentifier", String(255)),
            self._column("AssignmentSourceSystemIdentifier", String(255)),
        )

    @cached_property
    def load_keys(self) -> Table:
        return self._table(
            "stg_LoadKey",
            *(self._column(n, String(255)) for n in NATURAL_KEY),
        )

    @cached_property
    def processed_files(self) -> Table:
        return self._table(
            "ProcessedFiles",
            self._column("FullPath", String(1024), primary_key=True),
            self._column("ResourceName", String(128)),
            self._column("NumberOfRows", Integer),
            self._column("UploadDateTime", DateTime),
            self._column("RelativePath", String(1024)),
            self._column("ContentHash", String(64)),
            self._column("ScopeKey", String(600)),
            self._column("Outcome", String(20)),
            self._column("RowsLoaded", Integer),
            self._column("RowsQuarantined", Integer),
            self._column("DeletionsHeld", Integer),
            self._column("LoadRunId", Integer),
            self._column("FileStat", String(120)),
            self._column("ExtractRoot", String(1024)),
            self._column("ExtractTime", DateTime),
            self._column("ArchivedAs", String(1024)),
        )

    @cached_property
    def quarantine(self) -> Table:
        return self._table(
            "Quarantine",
            self._column("QuarantineIdentifier", BigInteger, primary_key=True),
            self._column("LoadRunId", Integer),
            self._column("ResourceName", String(128)),
            self._column("FilePath", String(1024)),
            self._column("LineNumber", Integer),
            self._column("ColumnName", String(255)),
            self._column("CheckName", String(128)),
            self._column("Value", String(1024)),
            self._column("Reason", String(2048)),
            self._column("CreatedAt", DateTime),
            self._column("FullPath", String(1024)),
            self._column("ResolvedAt", DateTime),
            self._column("ResolvedByRunId", Integer),
            self._column("Resolution", String(20)),
        )

    @cached_property
    def load_run(self) -> Table:
        counts = (
            "FilesDiscovered",
            "FilesLoaded",
            "FilesRejected",
            "FilesHeld",
            "RowsInserted",
            "RowsUpdated",
            "RowsUndeleted",
            "RowsDeleted",
            "RowsQuarantined",
        )
        return self._table(
            "LoadRun",
            self._column("LoadRunId", Integer, primary_key=True),
            self._column("FlowRunId", String(64)),
            self._column("FlowRunName", String(255)),
            self._column("CsvPath", String(1024)),
            self._column("StartedAt", DateTime),
            self._column("EndedAt", DateTime),
            self._column("Outcome", String(20)),
            *(self._column(c, Integer) for c in counts),
            self._column("Message", String(4000)),
            self._column("ContentChecked", Boolean),
        )

    @cached_property
    def load_run_resource(self) -> Table:
        counts = (
            "Files",
            "RowsInserted",
            "RowsUpdated",
            "RowsUndeleted",
            "RowsDeleted",
            "RowsQuarantined",
            "DeletionsHeld",
            "LiveRows",
        )
        return self._table(
            "LoadRunResource",
            self._column("LoadRunId", Integer, primary_key=True),
            self._column("ResourceName", String(128), primary_key=True),
            *(self._column(c, Integer) for c in counts),
        )

    @cached_property
    def harmonization_run(self) -> Table:
        counts = (
            "UsersMatched",
            "UsersUnmatched",
            "UsersAmbiguous",
            "SectionsMatched",
            "SectionsUnmatched",
            "SectionsAmbiguous",
            "AssignmentsInserted",
            "AssignmentsUpdated",
            "AssignmentsDeleted",
            "AssignmentsUnmatched",
            "SubmissionsInserted",
            "SubmissionsUpdated",
            "SubmissionsDeleted",
            "SubmissionsUnmatched",
        )
        return self._table(
            "HarmonizationRun",
            self._column("HarmonizationRunId", Integer, primary_key=True),
            self._column("FlowRunId", String(64)),
            self._column("LmsName", String(32)),
            self._column("RecordedAt", DateTime),
            *(self._column(c, Integer) for c in counts),
        )
