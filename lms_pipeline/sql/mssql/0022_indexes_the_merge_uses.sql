-- The indexes a batch's merge uses, and only those. Measured with EXPLAIN ANALYZE of every merge statement of a
-- district's submissions batch (60,000 staged rows, 600,000 live, 6,000 of them soft-deleted).
-- Measured on PostgreSQL; SQL Server runs the same set-based statements.

-- The natural-key indexes of the resources' staging tables: no merge statement uses them (each joins the whole
-- batch by hash, or drives the live table's unique key), and the times are the same without them within 5%. They
-- cost the COPY into staging: 0.22 s instead of 0.13 s for that batch. stg_loadkey and stg_assignmentsubmissiontype
-- keep theirs: a soft delete probes them once per live row, planned on estimates that can say one row (the scopes
-- are listed after the statistics are refreshed; the submission types merge before the assignments' statistics
-- are). Without the index each probe became a scan of the whole staging table: a district's submissions batch ran
-- for minutes, its submission types for 12 s (auto_explain).
DROP INDEX IX_stg_LMSUser_Natural_Key ON lms.stg_LMSUser;
DROP INDEX IX_stg_LMSSection_Natural_Key ON lms.stg_LMSSection;
DROP INDEX IX_stg_LMSUserLMSSectionAssociation_Natural_Key ON lms.stg_LMSUserLMSSectionAssociation;
DROP INDEX IX_stg_Assignment_Natural_Key ON lms.stg_Assignment;
DROP INDEX IX_stg_AssignmentSubmission_Natural_Key ON lms.stg_AssignmentSubmission;
DROP INDEX IX_stg_LMSUserAttendanceEvent_Natural_Key ON lms.stg_LMSUserAttendanceEvent;
DROP INDEX IX_stg_LMSSectionActivity_Natural_Key ON lms.stg_LMSSectionActivity;
DROP INDEX IX_stg_LMSSystemActivity_Natural_Key ON lms.stg_LMSSystemActivity;

-- The soft-deleted rows of each live table, by natural key: the un-delete looks for staged rows among them, which
-- was a scan of the whole live table (0.058 s for that batch, 0.011 s with this index). Only soft-deleted rows are
-- in it, so it is small, and a load writes to it only when it soft-deletes or restores a row.
CREATE INDEX IX_LMSUser_Deleted ON lms.LMSUser (SourceSystemIdentifier, SourceSystem) WHERE DeletedAt IS NOT NULL;
CREATE INDEX IX_LMSSection_Deleted ON lms.LMSSection (SourceSystemIdentifier, SourceSystem) WHERE DeletedAt IS NOT NULL;
CREATE INDEX IX_LMSUserLMSSectionAssociation_Deleted ON lms.LMSUserLMSSectionAssociation (SourceSystemIdentifier, SourceSystem) WHERE DeletedAt IS NOT NULL;
CREATE INDEX IX_Assignment_Deleted ON lms.Assignment (SourceSystemIdentifier, SourceSystem) WHERE DeletedAt IS NOT NULL;
CREATE INDEX IX_AssignmentSubmission_Deleted ON lms.AssignmentSubmission (SourceSystemIdentifier, SourceSystem) WHERE DeletedAt IS NOT NULL;
CREATE INDEX IX_LMSUserAttendanceEvent_Deleted ON lms.LMSUserAttendanceEvent (SourceSystemIdentifier, SourceSystem) WHERE DeletedAt IS NOT NULL;
CREATE INDEX IX_LMSSectionActivity_Deleted ON lms.LMSSectionActivity (SourceSystemIdentifier, SourceSystem) WHERE DeletedAt IS NOT NULL;
CREATE INDEX IX_LMSSystemActivity_Deleted ON lms.LMSSystemActivity (SourceSystemIdentifier, SourceSystem) WHERE DeletedAt IS NOT NULL;
