"""Set-based statements that merge a staged batch into a live table.

Per resource: find staged rows whose parent is unknown, un-delete rows that reappear, update rows whose values
differ, insert new rows, and soft-delete the rows of each file's scope that its file no longer lists. Every
statement works on the whole batch at once and compiles for PostgreSQL and SQL Server.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cached_property
from typing import Any, TypedDict

from sqlalchemy import (
    ColumnElement,
    Delete,
    Exists,
    FromClause,
    Insert,
    ScalarSelect,
    Select,
    Subquery,
    Table,
    Update,
    and_,
    bindparam,
    case,
    delete,
    distinct,
    exists,
    func,
    insert,
    literal,
    null,
    or_,
    select,
    update,
)

from lms_pipeline.resources import (
    NATURAL_KEY,
    SCOPE_TABLES,
    SECTION_ASSOCIATIONS,
    Parent,
    Resource,
    Scope,
    synthetic_key,
)
from lms_pipeline.store.tables import StoreTables

# The column of stg_LoadScope that holds the id a file's folder names.
_FOLDER_COLUMNS = {Scope.SECTION: "SectionSourceSystemIdentifier", Scope.ASSIGNMENT: "AssignmentSourceSystemIdentifier"}


def same_key(
    a: FromClause, b: FromClause, a_columns: Sequence[str] = NATURAL_KEY, b_columns: Sequence[str] = NATURAL_KEY
) -> ColumnElement[bool]:
    return and_(*(a.c[x] == b.c[y] for x, y in zip(a_columns, b_columns, strict=True)))


class _Window(TypedDict):
    """The arguments of an OVER clause."""

    partition_by: list[ColumnElement[Any]]
    order_by: list[ColumnElement[Any]]


class ResourceStatements:
    def __init__(self, tables: StoreTables, resource: Resource) -> None:
        self.tables = tables
        self.resource = resource
        self.live = tables.live(resource)
        self.stg = tables.staging(resource)

    # --- duplicates --------------------------------------------------------------------------------------------

    def duplicates(self) -> Select[Any]:
        """Staged rows whose natural key comes again in the batch, with the row kept: the latest
        LastModifiedDate, the last one (by file and line) on a tie."""
        stg = self.stg
        window: _Window = {
            "partition_by": [stg.c.SourceSystemIdentifier, stg.c.SourceSystem],
            "order_by": [stg.c.LastModifiedDate.desc(), stg.c.BatchFileId.desc(), stg.c.SourceLine.desc()],
        }
        ranked = select(
            stg.c.StagingId,
            stg.c.BatchFileId,
            stg.c.SourceLine,
            stg.c.SourceSystemIdentifier,
            func.first_value(stg.c.BatchFileId).over(**window).label("kept_file"),
            func.first_value(stg.c.SourceLine).over(**window).label("kept_line"),
            func.row_number().over(**window).label("rank"),
        ).subquery("ranked")
        return select(
            ranked.c.StagingId,
            ranked.c.BatchFileId,
            ranked.c.SourceLine,
            ranked.c.SourceSystemIdentifier,
            ranked.c.kept_file,
            ranked.c.kept_line,
        ).where(ranked.c.rank > 1)

    # --- parents -----------------------------------------------------------------------------------------------

    def _parent_match(self, parent: Parent, parent_table: FromClause) -> ColumnElement[bool]:
        return and_(
            parent_table.c.SourceSystemIdentifier == self.stg.c[parent.csv_column],
            parent_table.c.SourceSystem == self.stg.c.SourceSystem,
        )

    def orphans(self, parent: Parent) -> Select[Any]:
        """Staged rows that name a parent the data store does not have (same SourceSystem)."""
        parent_table = self.tables.parent(parent.table).alias("p")
        return select(
            self.stg.c.StagingId, self.stg.c.BatchFileId, self.stg.c.SourceLine, self.stg.c[parent.csv_column]
        ).where(
            self.stg.c[parent.csv_column].is_not(None),
            ~exists().where(self._parent_match(parent, parent_table)),
        )

    def without_enrolment(self) -> Select[Any]:
        """Attendance rows whose user is not enrolled in the section."""
        user, section = self._aliases()
        association = self._associations().alias("a")
        return (
            select(
                self.stg.c.StagingId,
                self.stg.c.BatchFileId,
                self.stg.c.SourceLine,
                self.stg.c.LMSUserSourceSystemIdentifier,
            )
            .join(user, self._parent_match(self.resource.parents[0], user))
            .join(section, self._parent_match(self.resource.parents[1], section))
            .where(
                ~exists().where(
                    association.c.LMSUserIdentifier == user.c.LMSUserIdentifier,
                    association.c.LMSSectionIdentifier == section.c.LMSSectionIdentifier,
                )
            )
        )

    def _associations(self) -> Table:
        return self.tables.live(SECTION_ASSOCIATIONS)

    def _aliases(self) -> list[FromClause]:
        return [self.tables.parent(p.table).alias(f"p{i}") for i, p in enumerate(self.resource.parents)]

    # --- the merge ---------------------------------------------------------------------------------------------

    @cached_property
    def source(self) -> Subquery:
        """The staged rows with their parents' synthetic keys, shaped like the live table."""
        aliases = self._aliases()
        columns: list[ColumnElement[Any]] = [self.stg.c[c.name] for c in self.resource.live_columns]
        columns += [a.c[p.id_column].label(p.id_column) for p, a in zip(self.resource.parents, aliases, strict=True)]
        query = select(*columns)
        for parent, alias in zip(self.resource.parents, aliases, strict=True):
            query = query.join_from(self.stg, alias, self._parent_match(parent, alias), isouter=not parent.required)
        if self.resource.links_enrolment:
            query = query.add_columns(self._enrolment(*aliases).label("LMSUserLMSSectionAssociationIdentifier"))
        return query.subquery("src")

    def _enrolment(self, user: FromClause, section: FromClause) -> ScalarSelect[Any]:
        """The user's enrolment in the section: the live one first, then the oldest (reference bug B12)."""
        association = self._associations().alias("e")
        return (
            select(association.c.LMSUserLMSSectionAssociationIdentifier)
            .where(
                association.c.LMSUserIdentifier == user.c.LMSUserIdentifier,
                association.c.LMSSectionIdentifier == section.c.LMSSectionIdentifier,
            )
            .order_by(
                case((association.c.DeletedAt.is_(None), 0), else_=1),
                association.c.LMSUserLMSSectionAssociationIdentifier,
            )
            .limit(1)
            .scalar_subquery()
        )

    @property
    def _copied(self) -> list[str]:
        keys = set(NATURAL_KEY)
        return [c.key for c in self.source.c if c.key not in keys]

    def undelete(self) -> Update:
        """Rows that reappear come back, whatever their LastModifiedDate (reference bug B3)."""
        src = self.source
        return (
            update(self.live)
            .where(same_key(self.live, src), self.live.c.DeletedAt.is_not(None))
            .values({**{c: src.c[c] for c in self._copied}, "DeletedAt": null()})
        )

    def update_changed(self) -> Update:
        """Live rows where any loaded value differs, not only LastModifiedDate. Files of an incremental resource
        may load out of extract order (journal.py), so there a row older than the live one changes nothing."""
        src = self.source
        changed = or_(*(self.live.c[c].is_distinct_from(src.c[c]) for c in self._copied))
        conditions = [same_key(self.live, src), self.live.c.DeletedAt.is_(None), changed]
        if self.resource.scope is Scope.INCREMENTAL:
            conditions.append(src.c.LastModifiedDate >= self.live.c.LastModifiedDate)
        return update(self.live).where(*conditions).values({c: src.c[c] for c in self._copied})

    def insert_new(self) -> Insert:
        src = self.source
        known = select(literal(1)).where(same_key(self.live, src)).exists()
        names = [c.key for c in src.c]
        return insert(self.live).from_select(names, select(*src.c).where(~known))

    # --- soft deletes within each file's scope -----------------------------------------------------------------

    def scope_parent(self) -> tuple[str, str]:
        """The live table a file's folder names (a section or an assignment), and the stg_LoadScope column of its id."""
        return SCOPE_TABLES[self.resource.scope], _FOLDER_COLUMNS[self.resource.scope]

    def _path(self, start: FromClause, tables: Sequence[str]) -> tuple[list[FromClause], list[ColumnElement[bool]]]:
        """Aliases of the live `tables`, and the conditions that link each to the one before it (`start` first) by
        its synthetic key: a row's way to its scope's section or assignment, the last alias."""
        hops: list[FromClause] = []
        links: list[ColumnElement[bool]] = []
        for i, table in enumerate(tables):
            hop, key = self.tables.parent(table).alias(f"sp{i}"), synthetic_key(table)
            links.append((hops[-1] if hops else start).c[key] == hop.c[key])
            hops.append(hop)
        return hops, links

    def _named_by_folder(self, target: FromClause) -> ColumnElement[bool]:
        """The section or assignment is the one a listed file's folder names, in the file's SourceSystem."""
        scope = self.tables.load_scope
        return and_(
            target.c.SourceSystemIdentifier == scope.c[self.scope_parent()[1]],
            target.c.SourceSystem == scope.c.SourceSystem,
        )

    def _in_scope(self, live: Table) -> Exists:
        """Correlated condition: the live row lies in the scope of one of the batch's files."""
        scope = self.tables.load_scope
        same_system = live.c.SourceSystem == scope.c.SourceSystem
        if self.resource.scope is Scope.SOURCE_SYSTEM:
            return exists().where(same_system)
        hops, links = self._path(live, self.resource.scope_path)
        return exists().where(same_system, self._named_by_folder(hops[-1]), *links)

    def outside_scope(self, parent: Parent) -> Select[Any]:
        """Staged rows whose parent lies in another section or assignment than the one their file's folder names.
        Validation compares a row's own section or assignment column with its folder; a row that reaches its scope
        through a parent (a grade through its enrolment) can only be checked here, against the live tables."""
        first = self.tables.parent(parent.table).alias("p")
        hops, links = self._path(first, self.resource.scope_path[1:])
        target, scope, folder = hops[-1], self.tables.load_scope, self.scope_parent()[1]
        query = select(
            self.stg.c.StagingId,
            self.stg.c.BatchFileId,
            self.stg.c.SourceLine,
            self.stg.c[parent.csv_column],
            target.c.SourceSystemIdentifier,
            scope.c[folder],
        ).join_from(self.stg, first, self._parent_match(parent, first))
        for hop, link in zip(hops, links, strict=True):
            query = query.join(hop, link)
        return query.join(scope, scope.c.BatchFileId == self.stg.c.BatchFileId).where(
            target.c.SourceSystemIdentifier != scope.c[folder]
        )

    def _missing_from_batch(self, live: Table) -> ColumnElement[bool]:
        """Not listed by the batch's files: quarantined rows are listed too, so bad data never deletes."""
        return ~exists().where(same_key(self.tables.load_keys, live))

    def scope_sizes(self) -> Select[Any]:
        """Per file: the rows of its scope live now or soft-deleted since :since (its recent high-water mark), the
        live ones, and how many of those the file would soft-delete.

        Missing rows are counted through an outer join, not EXISTS inside an aggregate (SQL Server refuses
        subqueries there), and by distinct key, since a streamed file lists its keys chunk by chunk."""
        scope, live, keys = self.tables.load_scope, self.live, self.tables.load_keys
        same_system = live.c.SourceSystem == scope.c.SourceSystem
        if self.resource.scope is Scope.SOURCE_SYSTEM:
            joined = scope.join(live, same_system)
        else:
            # From the folder's section or assignment back down the row's way to it: the row's table joins last.
            hops, links = self._path(live, self.resource.scope_path)
            joined = scope.join(hops[-1], self._named_by_folder(hops[-1]))
            for table, link in zip(reversed([live, *hops[:-1]]), reversed(links), strict=True):
                joined = joined.join(table, and_(link, same_system) if table is live else link)
        joined = joined.outerjoin(keys, same_key(keys, live))
        row = live.c[self.resource.key]
        alive = live.c.DeletedAt.is_(None)
        unlisted = and_(alive, keys.c.SourceSystemIdentifier.is_(None))
        return (
            select(
                scope.c.BatchFileId,
                func.count(distinct(row)).label("recent"),
                func.count(distinct(case((alive, row)))).label("live"),
                func.count(distinct(case((unlisted, row)))).label("missing"),
            )
            .select_from(joined)
            .where(or_(alive, live.c.DeletedAt >= bindparam("since")))
            .group_by(scope.c.BatchFileId)
        )

    def soft_delete(self) -> Update:
        return (
            update(self.live)
            .where(self.live.c.DeletedAt.is_(None), self._in_scope(self.live), self._missing_from_batch(self.live))
            .values(DeletedAt=func.current_timestamp())
        )


class SubmissionTypeStatements:
    """Submission types ride along with assignments; their deletes are scoped to the batch's assignments (B2)."""

    def __init__(self, tables: StoreTables, assignments: Resource) -> None:
        self.types = tables.submission_types
        self.stg_types = tables.staged_submission_types
        self.assignment = tables.live(assignments)
        self.stg_assignment = tables.staging(assignments)

    def _staged_pairs(self) -> Select[Any]:
        return select(self.assignment.c.AssignmentIdentifier, self.stg_types.c.SubmissionType).join_from(
            self.stg_types, self.assignment, same_key(self.stg_types, self.assignment)
        )

    def _listed(self) -> Exists:
        pairs = self._staged_pairs().subquery("pairs")
        return exists().where(
            pairs.c.AssignmentIdentifier == self.types.c.AssignmentIdentifier,
            pairs.c.SubmissionType == self.types.c.SubmissionType,
        )

    def drop_unstaged(self) -> Delete:
        """Types of assignments no longer staged (duplicates, unknown sections) go with them."""
        staged = exists().where(
            self.stg_assignment.c.BatchFileId == self.stg_types.c.BatchFileId,
            self.stg_assignment.c.SourceLine == self.stg_types.c.SourceLine,
        )
        return delete(self.stg_types).where(~staged)

    def insert_new(self) -> Insert:
        pairs = self._staged_pairs().distinct().subquery("pairs")
        known = exists().where(
            self.types.c.AssignmentIdentifier == pairs.c.AssignmentIdentifier,
            self.types.c.SubmissionType == pairs.c.SubmissionType,
        )
        return insert(self.types).from_select(
            ["AssignmentIdentifier", "SubmissionType"],
            select(pairs.c.AssignmentIdentifier, pairs.c.SubmissionType).where(~known),
        )

    def undelete(self) -> Update:
        return update(self.types).where(self.types.c.DeletedAt.is_not(None), self._listed()).values(DeletedAt=null())

    def soft_delete(self) -> Update:
        staged_assignment = exists().where(
            same_key(self.stg_assignment, self.assignment),
            self.assignment.c.AssignmentIdentifier == self.types.c.AssignmentIdentifier,
        )
        return (
            update(self.types)
            .where(self.types.c.DeletedAt.is_(None), staged_assignment, ~self._listed())
            .values(DeletedAt=func.current_timestamp())
        )
