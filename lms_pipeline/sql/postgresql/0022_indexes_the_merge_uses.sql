-- The indexes a batch's merge uses, and only those. Measured with EXPLAIN ANALYZE of every merge statement of a
-- district's submissions batch (60,000 staged rows, 600,000 live, 6,000 of them soft-deleted).

-- The natural-key indexes of the resources' staging tables: no merge statement uses them (each joins the whole
-- batch by hash, or drives the live table's unique key), and the times are the same without them within 5%. They
-- cost the COPY into staging: 0.22 s instead of 0.13 s for that batch. stg_loadkey and stg_assignmentsubmissiontype
-- keep theirs: a soft delete probes them once per live row, planned on estimates that can say one row (the scopes
-- are listed after the statistics are refreshed; the submission types merge before the assignments' statistics
-- are). Without the index each probe became a scan of the whole staging table: a district's submissions batch ran
-- for minutes, its submission types for 12 s (auto_explain).
DROP INDEX lms.ix_stg_lmsuser_natural_key;
DROP INDEX lms.ix_stg_lmssection_natural_key;
DROP INDEX lms.ix_stg_lmsuserlmssectionassociation_natural_key;
DROP INDEX lms.ix_stg_assignment_natural_key;
DROP INDEX lms.ix_stg_assignmentsubmission_natural_key;
DROP INDEX lms.ix_stg_lmsuserattendanceevent_natural_key;
DROP INDEX lms.ix_stg_lmssectionactivity_natural_key;
DROP INDEX lms.ix_stg_lmssystemactivity_natural_key;

-- The soft-deleted rows of each live table, by natural key: the un-delete looks for staged rows among them, which
-- was a scan of the whole live table (0.058 s for that batch, 0.011 s with this index). Only soft-deleted rows are
-- in it, so it is small, and a load writes to it only when it soft-deletes or restores a row.
CREATE INDEX ix_lmsuser_deleted ON lms.lmsuser (sourcesystemidentifier, sourcesystem) WHERE deletedat IS NOT NULL;
CREATE INDEX ix_lmssection_deleted ON lms.lmssection (sourcesystemidentifier, sourcesystem) WHERE deletedat IS NOT NULL;
CREATE INDEX ix_lmsuserlmssectionassociation_deleted ON lms.lmsuserlmssectionassociation (sourcesystemidentifier, sourcesystem) WHERE deletedat IS NOT NULL;
CREATE INDEX ix_assignment_deleted ON lms.assignment (sourcesystemidentifier, sourcesystem) WHERE deletedat IS NOT NULL;
CREATE INDEX ix_assignmentsubmission_deleted ON lms.assignmentsubmission (sourcesystemidentifier, sourcesystem) WHERE deletedat IS NOT NULL;
CREATE INDEX ix_lmsuserattendanceevent_deleted ON lms.lmsuserattendanceevent (sourcesystemidentifier, sourcesystem) WHERE deletedat IS NOT NULL;
CREATE INDEX ix_lmssectionactivity_deleted ON lms.lmssectionactivity (sourcesystemidentifier, sourcesystem) WHERE deletedat IS NOT NULL;
CREATE INDEX ix_lmssystemactivity_deleted ON lms.lmssystemactivity (sourcesystemidentifier, sourcesystem) WHERE deletedat IS NOT NULL;
